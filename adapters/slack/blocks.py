"""Outbox rows as Block Kit messages (pure: no I/O, no Slack SDK).

User text is rendered with bot.markup.to_mrkdwn, which escapes `&`, `<`, `>`: a `<!channel>`,
`<!here>` or `<@U…>` typed by a member arrives as inert text. Sections are `verbatim` so that Slack
does not turn plain words into mentions or channel links either. Every message carries the outbox
id in its metadata, so that a resend after a crash can find it (see sender.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from adapters.slack.split import pieces, shorten
from bot.markup import to_mrkdwn

ACK_ACTION = "relais_ack"
ACK_ALL_ACTION = "relais_ack_all"
METADATA_EVENT = "relais_outbox"
SECTION_LIMIT = 3000  # Slack: a section's text is at most 3000 characters
MESSAGE_LIMIT = 10_000  # Slack refuses a message whose blocks hold about 12,000 characters (msg_blocks_too_long)
NOTIFICATION_LIMIT = 300  # the top-level `text`: what notifications show; the blocks carry the whole text
MAX_BLOCKS = 50


def chunks(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """The whole text in section-sized pieces, cut between paragraphs, lines, sentences or words."""
    return pieces(text, limit) or ["…"]


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


def outbox_metadata(outbox_id: str, part: int = 1, parts: int = 1) -> dict[str, Any]:
    payload: dict[str, Any] = {"outbox_id": outbox_id}
    if parts > 1:
        payload.update(part=part, parts=parts)
    return {"event_type": METADATA_EVENT, "event_payload": payload}


def _payload_of(message: Mapping[str, Any]) -> Mapping[str, Any]:
    metadata = message.get("metadata")
    if not isinstance(metadata, Mapping) or metadata.get("event_type") != METADATA_EVENT:
        return {}
    payload = metadata.get("event_payload")
    return payload if isinstance(payload, Mapping) else {}


def outbox_id_of(message: Mapping[str, Any]) -> str | None:
    """The outbox id a message was posted with, if it is one of Relais' messages."""
    value = _payload_of(message).get("outbox_id")
    return str(value) if value else None


def part_of(message: Mapping[str, Any]) -> int:
    """Which part of its outbox row a message is (1 unless the row was posted in several messages)."""
    try:
        return int(_payload_of(message).get("part") or 1)
    except (TypeError, ValueError):
        return 1


def parts_count(message: Mapping[str, Any]) -> int:
    """How many messages the post of `message` was sent in (its metadata); 1 when it does not say."""
    try:
        return int(_payload_of(message).get("parts") or 1)
    except (TypeError, ValueError):
        return 1


def _groups(mrkdwn: str, reserved: int) -> list[list[str]]:
    """Sections for each message: at most MESSAGE_LIMIT characters and MAX_BLOCKS - `reserved` blocks."""
    groups = []
    for text in pieces(mrkdwn, MESSAGE_LIMIT) or ["…"]:
        sections = chunks(text)
        step = MAX_BLOCKS - reserved
        groups += [sections[start : start + step] for start in range(0, len(sections), step)]
    return groups


def message_parts(
    markup: str,
    outbox_id: str,
    *,
    ack_number: int | None = None,
    ack_label: str = "✅",
    actions: Sequence[dict[str, Any]] = (),
) -> list[dict[str, Any]]:
    """`text`, `blocks` and `metadata` for chat.postMessage (and the ephemeral variants): one dict per
    message, almost always one. Every word is in the blocks, in order; a text longer than a message
    holds goes in several, each with its part number in the metadata.

    `ack_number` adds the "✅ Got it" button of an item that must be read, on the last message, and
    `actions` more blocks of buttons there (a commitment's: commitment_cards.py).
    """
    actions = list(actions)[: MAX_BLOCKS // 2]
    groups = _groups(to_mrkdwn(markup), reserved=1 + len(actions))
    parts = []
    for number, sections in enumerate(groups, 1):
        blocks = [section(text) for text in sections]
        if ack_number is not None and number == len(groups):
            blocks.append(
                {
                    "type": "actions",
                    "block_id": f"{ACK_ACTION}_{ack_number}",
                    "elements": [ack_button(ack_number, ack_label)],
                }
            )
        if number == len(groups):
            blocks += actions
        parts.append(
            {
                "text": shorten("\n".join(sections), NOTIFICATION_LIMIT),
                "blocks": blocks,
                "metadata": outbox_metadata(outbox_id, number, len(groups)),
            }
        )
    return parts


def text_only(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The same message without blocks, its whole text in `text` (when Slack refuses the blocks)."""
    sections = [block["text"]["text"] for block in payload.get("blocks") or [] if block.get("type") == "section"]
    whole = {key: value for key, value in payload.items() if key != "blocks"}
    if sections:
        whole["text"] = "\n".join(sections)
    return whole


def one_message(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """The first message's sections and the last one's buttons, in one message (no metadata): what a
    chat.update of a copy can hold when the new text would need several messages."""
    first, last = parts[0], parts[-1]
    buttons = [block for block in last["blocks"] if block.get("type") != "section"]
    sections = [block for block in first["blocks"] if block.get("type") == "section"]
    sections.append(section("…"))
    return {"text": first["text"], "blocks": (sections + buttons)[:MAX_BLOCKS]}
