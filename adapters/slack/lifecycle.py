"""The app's life in the workspace: user_change (a new name; an account deactivated or reactivated),
app_uninstalled and tokens_revoked.

A deactivated account (user_change with `deleted: true`) leaves the circles' channels at once: its
memberships end (data kept), so it stops counting in reading levels and receiving digests and nudges.
Reactivated, the workspace's mapped channels are read again and it is back where Slack lists it.

Uninstalled, or its tokens revoked, Relais stops posting there and says so in the log: what waits
in the outbox stays there and every piece of data is kept. With one bot token, that is all of Slack;
reinstalling the app (and restarting Relais with the new token, when it changed) takes up where it
stopped. With several workspaces (OAuth), only that workspace stops: its bot token leaves the
installation store, its messages are held (workspaces.py), the others keep posting; `Add to Slack`
there again takes up.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp

from adapters.slack import members
from adapters.slack.people import person_of
from adapters.slack.runtime import Runtime
from bot.services.channel_members import account_deactivated, in_no_channel
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
            await stopped(runtime, body, "the app was uninstalled from the workspace")

    @bolt.event("tokens_revoked")
    async def on_revoked(body: dict[str, Any], event: dict[str, Any]) -> None:
        """Tokens were revoked: if the bot's is among them, stop posting, keep everything."""
        async with runtime.busy():
            bots = [str(user) for user in (event.get("tokens") or {}).get("bot") or []]
            if bots and (runtime.oauth or runtime.bot_user_id is None or runtime.bot_user_id in bots):
                await stopped(runtime, body, "its bot token was revoked")


async def user_changed(runtime: Runtime, body: dict[str, Any], event: dict[str, Any]) -> None:
    user = event.get("user") or {}
    user_id = str(user.get("id") or "")
    if not user_id:
        return
    team = body.get("team_id")
    runtime.forget(user_id)
    person = person_of(user)
    identity = runtime.identity(user_id, team, str(user.get("team_id") or "") or None)
    if user.get("deleted"):
        changes = await runtime.blocking(account_deactivated, runtime.dispatcher, identity)
        log.info("Slack: %s was deactivated; out of %s", identity, ", ".join(changes.left) or "no circle")
        return
    if await runtime.blocking(rename_known, runtime.dispatcher, identity, person.name):
        log.info("Slack: %s is now called %s", identity, person.name)
    if person.human and await runtime.blocking(in_no_channel, runtime.dispatcher, identity):
        await members.sync_workspace(runtime, str(team or "") or None)  # reactivated: back where Slack lists them


async def stopped(runtime: Runtime, body: dict[str, Any], why: str) -> None:
    team = body.get("team_id") or runtime.team_id
    if runtime.oauth and runtime.workspaces is not None and team:
        await runtime.workspaces.uninstalled(str(team))
        log.warning(
            "Slack workspace %s: %s. Relais stops posting there only; nothing is deleted, its messages are held "
            "in the outbox. The other workspaces go on. `Add to Slack` there again to take up.",
            team,
            why,
        )
        return
    log.warning(
        "Slack workspace %s: %s. Relais stops posting there; nothing is deleted, messages wait in the outbox. "
        "Reinstall the app (Install App) and restart Relais with its bot token to take up again.",
        team,
        why,
    )
    if runtime.on_revoked is not None:
        runtime.on_revoked()
