"""Pure rendering of an outbox message into Matrix `m.room.message` contents.

Replies are `m.notice` (clients do not ping for them); posts that should notify (recaps,
agendas, reminders) are `m.text`. `body` is plain text, `formatted_body` HTML where every
piece of user text is escaped (bot.markup.to_html). `m.mentions` is always set, and empty:
with it, homeservers and clients no longer look for `@room`, user ids or display names in
the body, so text a member typed and Relais repeats pings nobody.

A text too long for one event (at most 65,536 bytes of JSON) is sent whole, in several
messages: each part's body and formatted_body together stay within PART_BYTES (room left for
JSON escaping, and for the encryption envelope in an encrypted room), each starts with its
marker "(2/3)", and only the first one notifies.
"""

from __future__ import annotations

from typing import Any

from adapters.matrix.parts import split_markup
from bot.markup import to_html, to_plain

HTML_FORMAT = "org.matrix.custom.html"
PART_BYTES = 30_000  # body + formatted_body of one event, in UTF-8 bytes


def message_content(markup: str, notify: bool = False, thread: str | None = None) -> dict[str, Any]:
    """The content of one `m.room.message` event (the caller keeps it within PART_BYTES)."""
    content: dict[str, Any] = {
        "msgtype": "m.text" if notify else "m.notice",
        "body": to_plain(markup),
        "format": HTML_FORMAT,
        "formatted_body": to_html(markup),
        "m.mentions": {},
    }
    if thread:
        content["m.relates_to"] = {
            "rel_type": "m.thread",
            "event_id": thread,
            "is_falling_back": True,
            "m.in_reply_to": {"event_id": thread},
        }
    return content


def message_contents(
    markup: str, notify: bool = False, thread: str | None = None, budget: int = PART_BYTES
) -> list[dict[str, Any]]:
    """The events for one outbox row, in order: one, or the parts of a long text with their markers."""
    parts = split_markup(markup, budget - 2 * len("(999/999) "))
    if len(parts) == 1:
        return [message_content(parts[0], notify, thread)]
    count = len(parts)
    return [
        message_content(f"({number}/{count}) {part}", notify and number == 1, thread)
        for number, part in enumerate(parts, 1)
    ]
