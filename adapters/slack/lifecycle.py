"""The app's life in the workspace: user_change (a new name), app_uninstalled and tokens_revoked.

Uninstalled, or its tokens revoked, Relais stops posting to Slack and says so in the log: what waits
in the outbox stays there and every piece of data is kept. Reinstalling the app (and restarting
Relais with the new token, when it changed) takes up where it stopped.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp

from adapters.slack.people import person_of
from adapters.slack.runtime import Runtime
from bot.services.identities import rename_known

log = logging.getLogger(__name__)


def register(bolt: AsyncApp, runtime: Runtime) -> None:
    @bolt.event("user_change")
    async def on_user_change(body: dict[str, Any], event: dict[str, Any]) -> None:
        """Someone's profile changed: their name is read again (a member's name follows at once)."""
        async with runtime.busy():
            await user_changed(runtime, body, event)

    @bolt.event("app_uninstalled")
    async def on_uninstalled(body: dict[str, Any]) -> None:
        """The app was removed from the workspace: stop posting, keep everything."""
        async with runtime.busy():
            stopped(runtime, body, "the app was uninstalled from the workspace")

    @bolt.event("tokens_revoked")
    async def on_revoked(body: dict[str, Any], event: dict[str, Any]) -> None:
        """Tokens were revoked: if the bot's is among them, stop posting, keep everything."""
        async with runtime.busy():
            bots = [str(user) for user in (event.get("tokens") or {}).get("bot") or []]
            if bots and (runtime.bot_user_id is None or runtime.bot_user_id in bots):
                stopped(runtime, body, "its bot token was revoked")


async def user_changed(runtime: Runtime, body: dict[str, Any], event: dict[str, Any]) -> None:
    user = event.get("user") or {}
    user_id = str(user.get("id") or "")
    if not user_id:
        return
    runtime.people.forget(user_id)
    person = person_of(user)
    identity = runtime.identity(user_id, body.get("team_id"))
    if await runtime.blocking(rename_known, runtime.dispatcher, identity, person.name):
        log.info("Slack: %s is now called %s", identity, person.name)


def stopped(runtime: Runtime, body: dict[str, Any], why: str) -> None:
    team = body.get("team_id") or runtime.team_id
    log.warning(
        "Slack workspace %s: %s. Relais stops posting there; nothing is deleted, messages wait in the outbox. "
        "Reinstall the app (Install App) and restart Relais with its bot token to take up again.",
        team,
        why,
    )
    if runtime.on_revoked is not None:
        runtime.on_revoked()
