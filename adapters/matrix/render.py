"""Pure rendering of an outbox message into Matrix `m.room.message` content.

Replies are `m.notice` (clients do not ping for them); posts that should notify (recaps,
agendas, reminders) are `m.text`. `body` is plain text, `formatted_body` HTML where every
piece of user text is escaped (bot.markup.to_html). `m.mentions` is always set, and empty:
with it, homeservers and clients no longer look for `@room`, user ids or display names in
the body, so text a member typed and Relais repeats pings nobody.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.markup import to_html, to_plain

HTML_FORMAT = "org.matrix.custom.html"
# An event is at most 65,536 bytes: body and formatted_body each get at most this many bytes.
MAX_BYTES = 24_000


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _fit(markup: str, render: Callable[[str], str]) -> str:
    """Render, cutting the *markup* until the result fits (so no HTML entity is cut in half)."""
    limit = len(markup)
    rendered = render(markup)
    while len(rendered.encode()) > MAX_BYTES:
        limit = min(limit // 2, MAX_BYTES // 2)
        rendered = render(_cut(markup, limit))
    return rendered


def message_content(markup: str, notify: bool = False, thread: str | None = None) -> dict[str, Any]:
    """The content of the `m.room.message` event for one outbox row."""
    plain = _fit(markup, to_plain)
    html = _fit(markup, to_html)
    content: dict[str, Any] = {
        "msgtype": "m.text" if notify else "m.notice",
        "body": plain,
        "format": HTML_FORMAT,
        "formatted_body": html,
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
