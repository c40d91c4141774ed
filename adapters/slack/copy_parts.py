"""Updating a copy posted in several messages (an item longer than one Slack message holds).

A long item is posted in parts, in order, the ✅ button on the last one (its ts is the copy's message
id: what `Outgoing.replaces` names); each part carries the post's outbox id and its part number in its
metadata (blocks.message_parts). An update (an edit, the live ✅ count) is planned against the parts
already there:

* the same number of messages: each part is updated in place with its new text;
* fewer: the first parts and the last are updated, the parts no longer needed are deleted;
* more: Slack cannot insert a message before the last one, so the existing parts take the first
  new parts and the last message takes the rest, shortened (its end becomes …; /relais show #N
  gives the item whole).

The earlier parts are found with one conversations.history (or replies) call ending at the last
part, only when the new text needs several messages or when the last part's metadata (returned by
chat.update) says the copy had several; a copy in one message costs nothing more.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import ClientError
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.blocks import one_message, outbox_id_of, part_of

HISTORY_LIMIT = 20  # a copy has at most a handful of parts; they were posted just before its last one


@dataclass(frozen=True)
class Plan:
    """chat.update calls (ts, payload without metadata), in order, and the ts of parts to delete."""

    updates: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    deletes: list[str] = field(default_factory=list)


def bare(payload: Mapping[str, Any]) -> dict[str, Any]:
    """A payload for chat.update: the metadata left out is kept (the post's outbox id and part)."""
    return {key: value for key, value in payload.items() if key != "metadata"}


def plan(main: str, earlier: list[str], parts: list[dict[str, Any]]) -> Plan:
    """The calls that bring a copy (earlier parts' ts in order, then `main`) to the new `parts`."""
    new_earlier, last = parts[:-1], parts[-1]
    if len(new_earlier) <= len(earlier):
        updates = [(ts, bare(payload)) for ts, payload in zip(earlier, new_earlier, strict=False)]
        return Plan([*updates, (main, bare(last))], earlier[len(new_earlier) :])
    kept = len(earlier)
    updates = [(ts, bare(payload)) for ts, payload in zip(earlier, new_earlier, strict=False)]
    rest = parts[kept:]
    return Plan([*updates, (main, one_message(rest) if len(rest) > 1 else bare(last))])


async def earlier_parts(client: AsyncWebClient, channel_id: str, main: str, thread: str | None) -> list[str] | None:
    """The ts of the parts posted before `main` with its outbox id, in order; None if Slack cannot say."""
    arguments: dict[str, Any] = {
        "channel": channel_id,
        "latest": main,
        "inclusive": True,
        "limit": HISTORY_LIMIT,
        "include_all_metadata": True,
    }
    try:
        if thread:
            response = await client.conversations_replies(ts=thread, **arguments)
        else:
            response = await client.conversations_history(**arguments)
    except (SlackApiError, ClientError, TimeoutError, OSError):
        return None
    messages = list(response.get("messages") or [])
    found = next((message for message in messages if str(message.get("ts")) == main), None)
    outbox = outbox_id_of(found) if found is not None else None
    if outbox is None:
        return None
    parts = {part_of(m): str(m["ts"]) for m in messages if outbox_id_of(m) == outbox and str(m.get("ts")) != main}
    return [parts[number] for number in sorted(parts)]
