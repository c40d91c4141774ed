"""Relais' small markup: `**bold**` and backslash escapes. User text always goes through esc().

Renderers turn it into plain text (console), HTML (Matrix formatted_body) or mrkdwn (Slack),
escaping everything that came from users, so `@room`, `<!channel>` or `<b>` stay inert text.
"""

from __future__ import annotations

import html
import re

_SPECIAL = re.compile(r"([\\*])")
_TOKEN = re.compile(r"\\(.)|\*\*", re.DOTALL)
MAX_ECHO = 500


def esc(text: str, limit: int | None = MAX_ECHO) -> str:
    """Escape user text for the markup, cut to `limit` characters (None: never cut — items to read).

    Echoes (a title in a confirmation, a name) are cut; whatever a member must read is not.
    """
    text = text.replace("\r", "")
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return _SPECIAL.sub(r"\\\1", text)


def bold(text: str) -> str:
    return f"**{text}**"


def _segments(markup: str) -> list[tuple[str, bool]]:
    """Split markup into (literal text, is_bold) runs."""
    runs: list[tuple[str, bool]] = []
    current: list[str] = []
    is_bold = False
    position = 0
    for match in _TOKEN.finditer(markup):
        current.append(markup[position : match.start()])
        if match.group(1) is not None:
            current.append(match.group(1))
        else:
            runs.append(("".join(current), is_bold))
            current = []
            is_bold = not is_bold
        position = match.end()
    current.append(markup[position:])
    runs.append(("".join(current), is_bold))
    return [run for run in runs if run[0]]


def runs(markup: str) -> list[tuple[str, bool]]:
    """The (text, is_bold) runs of markup, unescaped: for a renderer elsewhere (the console's colours)."""
    return _segments(markup)


def to_plain(markup: str) -> str:
    return "".join(text for text, _ in _segments(markup))


def to_html(markup: str) -> str:
    parts = []
    for text, is_bold in _segments(markup):
        escaped = html.escape(text, quote=True).replace("\n", "<br>")
        parts.append(f"<strong>{escaped}</strong>" if is_bold else escaped)
    return "".join(parts)


_MRKDWN_SPECIAL = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def to_mrkdwn(markup: str) -> str:
    parts = []
    for text, is_bold in _segments(markup):
        escaped = text.translate(_MRKDWN_SPECIAL)
        if is_bold and escaped.strip():
            # zero-width-free bold: Slack needs the asterisks to touch non-space characters
            leading = escaped[: len(escaped) - len(escaped.lstrip())]
            trailing = escaped[len(escaped.rstrip()) :]
            escaped = f"{leading}*{escaped.strip()}*{trailing}"
        parts.append(escaped)
    return "".join(parts)
