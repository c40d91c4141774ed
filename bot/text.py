"""Small text helpers shared by services and commands (no I/O)."""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """Lowercase without accents, for forgiving comparisons (« Comité » == « comite »)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold().strip()


def slugify(text: str) -> str:
    slug = _NON_WORD.sub("-", fold(text)).strip("-")
    return slug or "circle"


def first_words(text: str, limit: int = 60) -> str:
    single = " ".join(text.split())
    return single if len(single) <= limit else single[: limit - 1].rstrip() + "…"
