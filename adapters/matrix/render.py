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

An answer to a command is a rich reply to it (`m.relates_to.m.in_reply_to`), so that in a busy
room one sees which message it answers; its `m.mentions` names the command's author only (as the
spec asks of a reply). No reply fallback is put in `body` or `formatted_body` (no quoted `> <@a>
…` lines, no `<mx-reply>`): the spec removed them in v1.13 (MSC2781) and Element no longer sends
them; clients show the replied-to message from the relation. In a thread, the answer stays in the
thread (`rel_type` m.thread) and replies to the command there (`is_falling_back` false); without a
command to answer, a thread message falls back to replying to the thread root, as Element does.
Of a long text in parts, the first part is the reply.
"""

from __future__ import annotations

from typing import Any

from adapters.matrix.parts import split_markup
from bot.markup import to_html, to_plain

HTML_FORMAT = "org.matrix.custom.html"
PART_BYTES = 30_000  # body + formatted_body of one event, in UTF-8 bytes
MARKERS = 2 * len("(999/999) ")  # room for a part's marker, in body and formatted_body


def message_content(
    markup: str,
    notify: bool = False,
    thread: str | None = None,
    reply_to: str | None = None,
    author: str | None = None,
) -> dict[str, Any]:
    """The content of one `m.room.message` event (the caller keeps it within PART_BYTES); with
    `reply_to`, a rich reply to that event, sent by `author` (a user id)."""
    content: dict[str, Any] = {
        "msgtype": "m.text" if notify else "m.notice",
        "body": to_plain(markup),
        "format": HTML_FORMAT,
        "formatted_body": to_html(markup),
        "m.mentions": {"user_ids": [author]} if reply_to and author else {},
    }
    if thread:
        content["m.relates_to"] = {
            "rel_type": "m.thread",
            "event_id": thread,
            "is_falling_back": not reply_to,
            "m.in_reply_to": {"event_id": reply_to or thread},
        }
    elif reply_to:
        content["m.relates_to"] = {"m.in_reply_to": {"event_id": reply_to}}
    return content


def message_contents(
    markup: str,
    notify: bool = False,
    thread: str | None = None,
    budget: int = PART_BYTES,
    reply_to: str | None = None,
    author: str | None = None,
) -> list[dict[str, Any]]:
    """The events for one outbox row, in order: one, or the parts of a long text with their markers
    (the first part is the reply)."""
    return numbered(split_markup(markup, budget - MARKERS), notify, thread, reply_to, author)


def numbered(
    parts: list[str],
    notify: bool = False,
    thread: str | None = None,
    reply_to: str | None = None,
    author: str | None = None,
) -> list[dict[str, Any]]:
    """The events of parts already cut to fit: one, or several with their markers "(k/n)"."""
    if len(parts) == 1:
        return [message_content(parts[0], notify, thread, reply_to, author)]
    count = len(parts)
    return [
        message_content(
            f"({number}/{count}) {part}",
            notify and number == 1,
            thread,
            reply_to if number == 1 else None,
            author if number == 1 else None,
        )
        for number, part in enumerate(parts, 1)
    ]
