"""Lines written to the bot in its Messages tab (message.im): each is a command (`engage …`, `/unread`,
`help`), with a file attached too (subtype file_share) or sent to the conversation from a thread
(thread_broadcast).

An edit of such a line (message_changed) is understood as on Matrix (bot.services.command_edits): an
edited `engage` changes the commitment it created, any other edited command is not run again and the
member is told so; a command is known by its message (`D…/ts`, the id its answers reply to). A
message_changed whose text did not change (Slack unfurling a link in it) is no edit. Deletions, bots'
messages and Relais' own (its cards updated in place) run nothing and are not answered.

Slack retries an event it thinks was lost: a line is handled once per message, an edit once per edit.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from adapters.slack.addresses import home_team
from adapters.slack.commands import resolve_mentions
from adapters.slack.runtime import Runtime
from bot.reply import Incoming
from bot.router import split_command
from bot.services.command_edits import edited_command

PEOPLE_TYPING = (None, "file_share", "thread_broadcast")  # message subtypes a person's own line has


def message_id(channel: str, ts: str) -> str:
    """A message as the core knows it (its answers' reply_to): the conversation and Slack's ts."""
    return f"{channel}/{ts}"


def sent_at(ts: Any) -> datetime | None:
    try:
        return datetime.fromtimestamp(float(ts), tz=UTC)
    except (TypeError, ValueError, OverflowError):
        return None


async def on_message(runtime: Runtime, body: dict[str, Any], event: dict[str, Any]) -> None:
    if event.get("channel_type") != "im":
        return
    if event.get("subtype") == "message_changed":
        await on_edited(runtime, body, event)
        return
    if event.get("subtype") not in PEOPLE_TYPING or event.get("bot_id"):
        return
    incoming = await _incoming(runtime, body, event, str(event.get("channel")))
    if incoming is not None:
        await runtime.handle(incoming)


async def on_edited(runtime: Runtime, body: dict[str, Any], event: dict[str, Any]) -> None:
    """A person's line edited: understood once (bot.services.command_edits), never run twice."""
    message, before = event.get("message") or {}, event.get("previous_message") or {}
    if message.get("bot_id") or message.get("subtype") not in PEOPLE_TYPING or not message.get("ts"):
        return
    if str(message.get("text") or "").strip() == str(before.get("text") or "").strip():
        return  # the same words: Slack unfurled a link or added a file, nobody edited anything
    channel = str(event.get("channel"))
    incoming = await _incoming(runtime, body, message, channel, edit_ts=str(event.get("ts") or ""))
    if incoming is not None:
        await runtime.blocking(edited_command, runtime.dispatcher, incoming)


async def _incoming(
    runtime: Runtime, body: dict[str, Any], message: dict[str, Any], channel: str, edit_ts: str | None = None
) -> Incoming | None:
    """The line as the core's Incoming; None when it is nobody's (a bot, Relais itself) or empty."""
    user, text = message.get("user"), str(message.get("text") or "").strip()
    if not user or not text or user == runtime.bot_user_id:
        return None
    team = body.get("team_id")
    word, _ = split_command(text)
    found = runtime.dispatcher.router.find(word) if word else None
    identity = runtime.identity(str(user), team, home_team(body))
    line = await resolve_mentions(runtime, text, found.name if found else word, team, identity)
    display_name, language = await (await runtime.people_for(team)).profile(str(user))
    ts = str(message.get("ts") or "")
    edited = (message.get("edited") or {}).get("ts") if edit_ts is not None else None
    return Incoming(
        identity=identity,
        text=line,
        channel=runtime.channel(channel, team),
        display_name=display_name,
        language=language,
        thread=message.get("thread_ts"),
        event_id=message_id(channel, edit_ts if edit_ts is not None else ts) if ts else body.get("event_id"),
        direct=True,
        edits=message_id(channel, ts) if edit_ts is not None else None,
        sent_at=sent_at(edited or edit_ts) if edit_ts is not None else None,
    )
