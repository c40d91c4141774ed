"""Shortcuts: "Créer un engagement" on a message (its text prefills the /engage modal, in its channel's
circle) and the global "Nouvel engagement" (the modal, from anywhere in Slack).

Both open the same modal as /engage and save through the same service: someone who may not use
Relais there gets the same answer /engage would give them (a stranger: the polite refusal), and
nothing opens. Slack shows a public channel's messages, and their shortcuts, to people who only
preview it: on a message, only who already belongs (members.py reads the channels) gets the modal.
Payload shapes: tests/slack/data/message_action.json and shortcut.json.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import addresses
from adapters.slack.commands import resolve_mentions
from adapters.slack.manifest import GLOBAL_SHORTCUT, MESSAGE_SHORTCUT
from adapters.slack.modal import open_engage
from adapters.slack.runtime import Runtime
from bot.reply import Incoming
from bot.services.channel_members import belongs

log = logging.getLogger(__name__)


def register(bolt: AsyncApp, runtime: Runtime) -> None:
    @bolt.shortcut({"type": "message_action", "callback_id": MESSAGE_SHORTCUT})
    async def on_message_shortcut(ack: Any, body: dict[str, Any], client: AsyncWebClient) -> None:
        async with runtime.busy():
            await ack()  # first: the trigger to open the modal lives 3 seconds
            await from_message(runtime, client, body)

    @bolt.shortcut({"type": "shortcut", "callback_id": GLOBAL_SHORTCUT})
    async def on_global_shortcut(ack: Any, body: dict[str, Any], client: AsyncWebClient) -> None:
        async with runtime.busy():
            await ack()
            await from_anywhere(runtime, client, body)


def _incoming(runtime: Runtime, body: dict[str, Any], channel_id: str | None) -> Incoming:
    user = body.get("user") or {}
    team = (body.get("team") or {}).get("id") or user.get("team_id")
    trigger = body.get("trigger_id")
    return Incoming(
        identity=runtime.identity(str(user.get("id")), team, addresses.home_team(body)),
        text="/engage",
        channel=runtime.channel(channel_id, team) if channel_id else None,
        event_id=f"shortcut:{trigger}" if trigger else None,
        direct=addresses.is_direct(channel_id or ""),
    )


async def from_message(runtime: Runtime, client: AsyncWebClient, body: dict[str, Any]) -> None:
    """The modal prefilled with the message (mentions written as names), in the channel's circle; or, for
    someone who may not use Relais there, /engage's answer, ephemeral in the channel."""
    channel_id = str((body.get("channel") or {}).get("id") or "")
    message = body.get("message") or {}
    user = str((body.get("user") or {}).get("id"))
    incoming = _incoming(runtime, body, channel_id or None)
    people = await runtime.people_for((body.get("team") or {}).get("id"))
    name, language = await people.profile(user)
    incoming = replace(incoming, display_name=name, language=language)
    if not await runtime.blocking(belongs, runtime.dispatcher, incoming.identity):
        # someone previewing a public channel sees its messages and their shortcuts: not a proof of membership
        incoming = replace(incoming, direct=True)
    team = (body.get("team") or {}).get("id")
    text = await resolve_mentions(runtime, str(message.get("text") or ""), "engage", team, incoming.identity)
    author_id = str(message["user"]) if message.get("user") else None
    author = None
    if author_id and author_id != user:
        author = await people.display_name(str(author_id))
    if await open_engage(runtime, client, str(body.get("trigger_id")), incoming, text.strip(), author, author_id):
        return
    if incoming.channel:
        runtime.response_urls.remember(incoming.channel, incoming.identity, body.get("response_url"))
        await runtime.handle(incoming)


async def from_anywhere(runtime: Runtime, client: AsyncWebClient, body: dict[str, Any]) -> None:
    """The empty modal; someone who may not use Relais gets /engage's answer in their messages with Relais."""
    user = str((body.get("user") or {}).get("id"))
    incoming = _incoming(runtime, body, None)
    name, language = await (await runtime.people_for((body.get("team") or {}).get("id"))).profile(user)
    incoming = replace(incoming, display_name=name, language=language, direct=True)
    if not await open_engage(runtime, client, str(body.get("trigger_id")), incoming):
        await runtime.handle(incoming)
