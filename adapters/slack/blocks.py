"""Outbox rows as Block Kit messages (pure: no I/O, no Slack SDK).

User text is rendered with bot.markup.to_mrkdwn, which escapes `&`, `<`, `>`: a `<!channel>`,
`<!here>` or `<@U…>` typed by a member arrives as inert text. Sections are `verbatim` so that Slack
does not turn plain words into mentions or channel links either. Every message carries the outbox
id in its metadata, so that a resend after a crash can find it (see sender.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.markup import to_mrkdwn

ACK_ACTION = "relais_ack"
ACK_ALL_ACTION = "relais_ack_all"
METADATA_EVENT = "relais_outbox"
SECTION_LIMIT = 3000  # Slack: a section's text is at most 3000 characters
FALLBACK_LIMIT = 3000  # the notification text; the blocks carry the whole message
MAX_BLOCKS = 50


def cut(text: str, limit: int) -> tuple[str, str]:
    """Split at `limit` characters, never inside an entity like `&amp;`, preferably at a line end."""
    if len(text) <= limit:
        return text, ""
    head = text[:limit]
    newline = head.rfind("\n")
    if newline > limit // 2:
        return head[:newline], text[newline + 1 :]
    ampersand = head.rfind("&", max(0, limit - 6))
    if ampersand != -1 and ";" not in head[ampersand:]:
        head = head[:ampersand]
    return head, text[len(head) :]


def chunks(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    parts: list[str] = []
    rest = text
    while rest:
        head, rest = cut(rest, limit)
        if head.strip():
            parts.append(head)
    return parts or ["…"]


def section(mrkdwn: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn, "verbatim": True}}


def plain(text: str, limit: int = 75) -> dict[str, Any]:
    return {"type": "plain_text", "text": text[:limit] or "…", "emoji": True}


def ack_button(number: int, label: str) -> dict[str, Any]:
    return {
        "type": "button",
        "action_id": ACK_ACTION,
        "value": str(number),
        "text": plain(label),
        "style": "primary",
    }


def outbox_metadata(outbox_id: str) -> dict[str, Any]:
    return {"event_type": METADATA_EVENT, "event_payload": {"outbox_id": outbox_id}}


def outbox_id_of(message: Mapping[str, Any]) -> str | None:
    """The outbox id a message was posted with, if it is one of Relais' messages."""
    metadata = message.get("metadata")
    if not isinstance(metadata, Mapping) or metadata.get("event_type") != METADATA_EVENT:
        return None
    payload = metadata.get("event_payload")
    value = payload.get("outbox_id") if isinstance(payload, Mapping) else None
    return str(value) if value else None


def message_payload(
    markup: str, outbox_id: str, *, ack_number: int | None = None, ack_label: str = "✅"
) -> dict[str, Any]:
    """`text`, `blocks` and `metadata` for chat.postMessage (and the ephemeral variants).

    `ack_number` adds the "✅ Got it" button of an item that must be read.
    """
    mrkdwn = to_mrkdwn(markup)
    limit = MAX_BLOCKS - (1 if ack_number is not None else 0)
    blocks = [section(part) for part in chunks(mrkdwn)][:limit]
    if ack_number is not None:
        blocks.append(
            {
                "type": "actions",
                "block_id": f"{ACK_ACTION}_{ack_number}",
                "elements": [ack_button(ack_number, ack_label)],
            }
        )
    fallback, rest = cut(mrkdwn, FALLBACK_LIMIT)
    return {
        "text": (fallback + ("…" if rest else "")) or "…",
        "blocks": blocks,
        "metadata": outbox_metadata(outbox_id),
    }


def text_only(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The same message without blocks (when Slack refuses the blocks, the text still goes)."""
    return {key: value for key, value in payload.items() if key != "blocks"}
