"""Ordinary /engage and /meeting titles that recent changes to due-date reading had made worse.

The clock is always injected: Thursday 26 November 2026, 10:00 in Europe/Paris.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.dates import split_due

PARIS = "Europe/Paris"
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=ZoneInfo(PARIS))

# (text, language, title, expected local ISO date/datetime or None, not_understood)
CASES: list[tuple[str, str, str, str | None, str | None]] = [
    # --- a ratio or a mark is title text, not a date that does not exist (before: "50/50 lundi" not understood) ---
    ("Partager les frais 50/50 lundi", "fr", "Partager les frais 50/50", "2026-11-30", None),
    ("Corriger les copies 14/20 demain", "fr", "Corriger les copies 14/20", "2026-11-27", None),
    ("Imprimer le lot 31/40 demain", "fr", "Imprimer le lot 31/40", "2026-11-27", None),
    ("Split costs 50/50 Monday", "en", "Split costs 50/50", "2026-11-30", None),
    ("Partager les frais 50/50", "fr", "Partager les frais 50/50", None, None),
    ("Corriger les copies 14/20", "fr", "Corriger les copies 14/20", None, None),
    ("Réserver la salle le 31/04", "fr", "Réserver la salle", None, "le 31/04"),  # still a day that does not exist
    ("Réserver la salle le 02/31", "fr", "Réserver la salle", None, "le 02/31"),
]


@pytest.mark.parametrize(
    ("text", "language", "title", "expected", "not_understood"), CASES, ids=[f"{c[1]}:{c[0]}" for c in CASES]
)
def test_ordinary_titles_keep_their_words(
    text: str, language: str, title: str, expected: str | None, not_understood: str | None
) -> None:
    split = split_due(text, NOW, PARIS, language)
    assert split.title == title
    assert split.not_understood == not_understood
    if expected is None:
        assert split.when is None
    else:
        assert split.when is not None
        full = expected if "T" in expected else expected + "T00:00"
        assert split.when.at == datetime.fromisoformat(full).replace(tzinfo=ZoneInfo(PARIS))
        assert split.when.has_time is ("T" in expected)
