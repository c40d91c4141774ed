"""The App Home's buttons that act: the language, the nudges, "✅ #N done", each the member's own command.

A click runs `/lang en` or `/nudges off` as if the member typed it in their messages with Relais
(same rights, same answer there), then the home is published again, in the new state. Only the
values the home offers are run (SETTINGS): a forged payload runs nothing.
"""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.addresses import home_team
from adapters.slack.home import publish_home
from adapters.slack.home_view import DONE_ACTION, SETTING_ACTION, SETTINGS
from adapters.slack.runtime import Runtime
from bot.reply import Incoming


def register(bolt: AsyncApp, runtime: Runtime) -> None:
    @bolt.action(re.compile(f"^{DONE_ACTION}_"))
    async def on_done(ack: Any, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient) -> None:
        async with runtime.busy():
            await ack()
            value = str(action.get("value") or "")
            if value.isdigit():
                await run_as_member(runtime, client, body, f"/done #{int(value)}")

    @bolt.action(re.compile(f"^{SETTING_ACTION}_"))
    async def on_setting(ack: Any, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient) -> None:
        async with runtime.busy():
            await ack()
            await change_setting(runtime, client, body, action)


async def change_setting(
    runtime: Runtime, client: AsyncWebClient, body: dict[str, Any], action: dict[str, Any]
) -> None:
    """The setting's command for the member, then a fresh home."""
    value = str(action.get("value") or "")
    if value in SETTINGS:
        await run_as_member(runtime, client, body, "/" + value)


async def run_as_member(runtime: Runtime, client: AsyncWebClient, body: dict[str, Any], line: str) -> None:
    """`line` as the member's own command in their messages with Relais (opened with `client`, the
    workspace's own), then a fresh home."""
    user = body.get("user") or {}
    user_id = str(user.get("id"))
    team = (body.get("team") or {}).get("id") or user.get("team_id")
    name, language = await (await runtime.people_for(team)).profile(user_id)
    trigger = body.get("trigger_id")
    opened = await client.conversations_open(users=user_id)  # the answer goes to their messages with Relais
    channel_id = str((opened.get("channel") or {}).get("id") or "")
    incoming = Incoming(
        channel=runtime.channel(channel_id, team) if channel_id else None,
        identity=runtime.identity(user_id, team, home_team(body)),
        text=line,
        display_name=name,
        language=language,
        event_id=f"setting:{trigger}" if trigger else None,
        direct=True,
    )
    await runtime.handle(incoming)
    runtime.notify()
    await publish_home(runtime, client, user_id, team, home_team(body))
