"""Quoted words belong to the title: "Lire « Avant lundi »" is a book to read, not a deadline (bot.dates.due_split).

Quotes: « », “ ”, „ “, " " and ‘ ’.  The straight quote and ‘ open only at the start of a word ("3" photos" is
no quote); ’ and " close only at the end of a word, so that the apostrophe of "l’Avenir" closes nothing.  A
quote left open runs to the end of the text: a date is never read from inside it.
"""

from __future__ import annotations

_CLOSING = {"«": "»", "“": "”", "„": "“", '"': '"', "‘": "’"}
_AT_WORD_START = {'"', "‘"}  # also used inside words (inches, a typed apostrophe)
_AT_WORD_END = {'"', "’"}


def quoted_end(text: str) -> int:
    """The offset just after the last closed quote in text (0 when there is none, len(text) when one is open)."""
    end = 0
    index = 0
    while index < len(text):
        char = text[index]
        if char in _CLOSING and (char not in _AT_WORD_START or _starts_word(text, index)):
            closing = _closing_at(text, index + 1, _CLOSING[char])
            if closing < 0:
                return len(text)
            end = index = closing + 1
            continue
        index += 1
    return end


def _starts_word(text: str, index: int) -> bool:
    before = text[index - 1] if index else " "
    after = text[index + 1] if index + 1 < len(text) else " "
    return (before.isspace() or before in "([") and not after.isspace()


def _closing_at(text: str, start: int, closing: str) -> int:
    """Where the quote opened before start closes, or -1."""
    index = text.find(closing, start)
    while index >= 0 and closing in _AT_WORD_END and index + 1 < len(text) and text[index + 1].isalnum():
        index = text.find(closing, index + 1)
    return index
