"""Long text in pieces Slack accepts, cut where a reader would pause (pure).

A piece ends at a paragraph if one is near enough the limit, else at a line end, else after a
sentence, else between words; only a single "word" longer than the limit (a very long link) is cut
inside, and never in the middle of an entity such as `&amp;`. Pieces are stripped of the spaces and
line breaks they were cut at; nothing else is dropped or reordered.
"""

from __future__ import annotations

BREAKS = ("\n\n", "\n", ". ", "! ", "? ", "… ", "; ", " ")  # best first; the punctuation stays with its sentence
ENTITY = 6  # the longest entity Slack's mrkdwn uses: `&amp;`


def _at_break(text: str, limit: int, floor: int) -> tuple[str, str] | None:
    for mark in BREAKS:
        keep = len(mark.rstrip())
        at = text.rfind(mark, floor, limit - keep + len(mark))
        if at >= floor and at + keep <= limit:
            return text[: at + keep], text[at + len(mark) :]
    return None


def cut(text: str, limit: int) -> tuple[str, str]:
    """(at most `limit` characters from the start, the rest), cut at the best break."""
    if len(text) <= limit:
        return text, ""
    found = _at_break(text, limit, limit // 2) or _at_break(text, limit, 1)
    if found is not None:
        return found
    head = text[:limit]
    ampersand = head.rfind("&", max(0, limit - ENTITY))
    if ampersand > 0 and ";" not in head[ampersand:]:
        head = head[:ampersand]
    return head, text[len(head) :]


def pieces(text: str, limit: int) -> list[str]:
    """The whole text in pieces of at most `limit` characters (none empty; [] for blank text)."""
    parts: list[str] = []
    rest = text.strip()
    while rest:
        head, rest = cut(rest, limit)
        head, rest = head.strip(), rest.strip()
        if head:
            parts.append(head)
    return parts


def shorten(text: str, limit: int) -> str:
    """The start of a text, at most `limit` characters, cut at a break, "…" when something is left out."""
    head, rest = cut(text.strip(), max(1, limit - 1))
    return head.rstrip() + ("…" if rest.strip() else "")
