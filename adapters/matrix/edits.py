"""Pure rendering of an update of a message Relais already posted: a Matrix `m.replace` edit.

Clients show the edited message in place (Element: "(edited)"), with the new content found in
`m.new_content`; `body` and `formatted_body` outside it, starred, are the fallback for clients that
do not know edits. An edit pings nobody (`m.mentions` empty). A long text is posted in parts
(adapters.matrix.render); an edit of such a copy edits each part (adapters.matrix.copy_parts).
"""

from __future__ import annotations

from typing import Any

from adapters.matrix.render import HTML_FORMAT, PART_BYTES, message_contents


def edit_content(markup: str, replaces: str, budget: int = PART_BYTES, notify: bool = True) -> dict[str, Any]:
    """The content of the `m.room.message` event that edits event `replaces` to say `markup`; an
    answer (an `m.notice`, `notify` False) stays a notice."""
    return edit_of(message_contents(markup, notify=notify, budget=budget)[0], replaces)


def edit_of(new: dict[str, Any], replaces: str) -> dict[str, Any]:
    """The edit that makes event `replaces` say the content `new` (one event's content, no relation)."""
    return {
        "msgtype": new["msgtype"],
        "body": f"* {new['body']}",
        "format": HTML_FORMAT,
        "formatted_body": f"* {new['formatted_body']}",
        "m.mentions": {},
        "m.new_content": new,
        "m.relates_to": {"rel_type": "m.replace", "event_id": replaces},
    }
