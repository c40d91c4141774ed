"""Read signals and direct messages: the ✅ button, ✅ reactions, "mark all read", the bot's DM.

Slack retries an event it thinks was not received (same event_id; `X-Slack-Retry-Num` ≥ 1 over
HTTP, `retry_attempt` in Socket Mode) and Bolt does not de-duplicate: every event here is applied
once per event_id, through the ProcessedEvent table (bot.dedup; direct messages through the
dispatcher's own de-duplication).
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import direct
from adapters.slack.addresses import home_team
from adapters.slack.blocks import ACK_ACTION, ACK_ALL_ACTION
from adapters.slack.home import publish_home
from adapters.slack.runtime import SOURCE, Runtime
from bot import read_signals as signals
from bot.i18n import Translator
from bot.services.channel_members import belongs
from bot.services.reads import is_ack_emoji

log = logging.getLogger(__name__)
SLACK_NAMES = {"ballot_box_with_check": "☑️", "heavy_check_mark": "✔️", "white_check_mark": "✅"}
MAX_ALL = 50


def emoji_of(reaction: str) -> str:
    """Slack's reaction name (`+1::skin-tone-3`, `white_check_mark`) as the core knows it."""
    base = reaction.strip(":").split("::", 1)[0]
    return SLACK_NAMES.get(base, base)


def register(bolt: AsyncApp, runtime: Runtime) -> None:
    @bolt.event("reaction_added")
    async def on_reaction_added(body: dict[str, Any], event: dict[str, Any]) -> None:
        async with runtime.busy():
            await on_reaction(runtime, body, event, added=True)

    @bolt.event("reaction_removed")
    async def on_reaction_removed(body: dict[str, Any], event: dict[str, Any]) -> None:
        async with runtime.busy():
            await on_reaction(runtime, body, event, added=False)

    @bolt.action(ACK_ACTION)
    async def on_ack(ack: Any, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient) -> None:
        async with runtime.busy():
            await ack()
            await on_button(runtime, client, body, action)

    @bolt.action(ACK_ALL_ACTION)
    async def on_ack_all(ack: Any, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient) -> None:
        async with runtime.busy():
            await ack()
            await on_mark_all(runtime, client, body, action)

    @bolt.event("message")
    async def on_message(body: dict[str, Any], event: dict[str, Any]) -> None:
        async with runtime.busy():
            await direct.on_message(runtime, body, event)


async def on_reaction(runtime: Runtime, body: dict[str, Any], event: dict[str, Any], added: bool) -> None:
    item = event.get("item") or {}
    user = event.get("user")
    if item.get("type") != "message" or not user or user == runtime.bot_user_id or not item.get("ts"):
        return
    emoji = emoji_of(str(event.get("reaction") or ""))
    if not is_ack_emoji(emoji):
        return
    team = body.get("team_id")
    identity = await runtime.who(str(user), team, home_team(body))
    if not await runtime.blocking(belongs, runtime.dispatcher, identity):
        return  # a stranger (someone previewing a channel can react): nothing counted, nothing stored
    channel = runtime.channel(str(item.get("channel")), team)
    name = await (await runtime.people_for(team)).display_name(str(user))

    event_id = body.get("event_id")
    event = (SOURCE, str(event_id)) if event_id else None  # recorded with the acknowledgement itself
    await runtime.blocking(
        signals.reaction, runtime.dispatcher, identity, channel, str(item["ts"]), emoji, added, name, event
    )


def _who(runtime: Runtime, body: dict[str, Any]) -> tuple[str, str | None, str]:
    user = body.get("user") or {}
    team = (body.get("team") or {}).get("id") or user.get("team_id")
    return str(user.get("id")), team, runtime.identity(str(user.get("id")), team, home_team(body))


async def on_button(runtime: Runtime, client: AsyncWebClient, body: dict[str, Any], action: dict[str, Any]) -> None:
    """ "✅ Got it" on an item: acknowledged; the member sees it (ephemeral note, or a fresh home).

    Only members count: Slack shows a public channel's messages, buttons included, to people who
    only preview it, so the click's channel is not passed as proof of membership (Slack's channel
    membership is read in members.py); a stranger's click does nothing. The note is written with the
    acknowledgement and the click's trigger_id: a click run again (the spool, after a crash) says nothing twice.
    """
    try:
        number = int(str(action.get("value")))
    except ValueError:
        return
    user, team, identity = _who(runtime, body)
    name = await (await runtime.people_for(team)).display_name(user)
    container = body.get("container") or {}
    in_home = container.get("type") == "view"
    channel_id = None if in_home else container.get("channel_id") or (body.get("channel") or {}).get("id")
    channel = runtime.channel(str(channel_id), team) if channel_id else None
    if channel:
        runtime.response_urls.remember(channel, identity, body.get("response_url"))
    refs = "#" + str(number)

    def text(tr: Translator, changed: bool) -> str:
        if changed:
            return tr.t("Thank you, reading confirmed: {refs}.", refs=refs)
        return tr.t("Already confirmed: {refs}.", refs=refs)

    trigger = body.get("trigger_id")
    click = (SOURCE, f"ack:{trigger}") if trigger else None
    said = await runtime.blocking(
        signals.acknowledge_click, runtime.dispatcher, identity, number, name, click, channel, text
    )
    if in_home:
        await publish_home(runtime, client, user, team, home_team(body))
    elif said is not None:
        runtime.notify()


async def on_mark_all(runtime: Runtime, client: AsyncWebClient, body: dict[str, Any], action: dict[str, Any]) -> None:
    """ "Mark all as read" in the home: the items it listed (not newer ones), then a fresh home."""
    numbers = [int(part) for part in str(action.get("value") or "").split(",") if part.strip().isdigit()][:MAX_ALL]
    user, team, identity = _who(runtime, body)
    for number in numbers:
        await runtime.blocking(signals.acknowledge_number, runtime.dispatcher, identity, number, "all")
    await publish_home(runtime, client, user, team, home_team(body))
