"""Small text helpers shared by services and commands (no I/O)."""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^a-z0-9]+")


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def fold(text: str) -> str:
    """Lowercase without accents, for forgiving comparisons (« Comité » == « comite »).

    Date phrases have their own, stricter form: bot.dates.vocab.pattern_form.
    """
    return strip_accents(text).casefold().strip()


def slugify(text: str) -> str:
    slug = _NON_WORD.sub("-", fold(text)).strip("-")
    return slug or "circle"


def first_words(text: str, limit: int = 60) -> str:
    """The start of a text on one line, at most `limit` characters, cut between words ("…" says so)."""
    single = " ".join(text.split())
    if len(single) <= limit:
        return single
    cut = single[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:") + "…"


def is_abbreviated(text: str, limit: int) -> bool:
    return len(" ".join(text.split())) > limit
