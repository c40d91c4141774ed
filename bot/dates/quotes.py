"""Quoted words belong to the title: "Lire « Avant lundi »" is a book to read, not a deadline (bot.dates.due_split).

Quotes open with « “ „ " or ‘ and close with any closing quote character, » ” “ " or ’, whichever was opened:
a phone's autocorrect mixes them ("Read “Before Monday" by Friday", "Lire « Guide ” vendredi").  The straight
quote and ‘ open only at the start of a word ("3" photos" is no quote) and ‘ not before a figure ("the ‘90s" is
an apostrophe); ", ’ and “ close only at the end of a word, so that the apostrophe of "l’Avenir" closes nothing,
’ closes only a ‘ ("“Parents’ evening”") and a " right after a figure is inches ("“27" screen”).

A quote left open protects little: a date after it is still read ("Lire « Guide vendredi" is due Friday), except
that the quote's first word is the title's and, when all of the words after a « “ „ left open are a date ("Lire
« Avant lundi"), the whole text is the title.  A straight " or a ‘ never closed is no quote at all (inches, an
apostrophe: "Read ‘Tis the season by Friday").
"""

from __future__ import annotations

from dataclasses import dataclass

_OPENING = {"«", "“", "„", '"', "‘"}
_CLOSING = {"»", "”", "“", '"', "’"}
_AT_WORD_START = {'"', "‘"}  # also used inside words (inches, a typed apostrophe)
_AT_WORD_END = {'"', "’", "“"}  # an apostrophe inside a word, an opening “ before one
_LOOSE = {'"', "‘"}  # never closed, they are no quote


@dataclass(frozen=True)
class Quotes:
    end: int  # the offset just after the last closed quote (0 when none)
    open_at: int | None = None  # where the words of a quote left open start (« Avant lundi), else None


def quotes_in(text: str) -> Quotes:
    """The quotes of text: where the last closed one ends, and where a quote left open starts."""
    end = 0
    index = 0
    while index < len(text):
        char = text[index]
        if char in _OPENING and (char not in _AT_WORD_START or _starts_word(text, index)):
            closing = _closing_at(text, index + 1, char)
            if closing >= 0:
                end = index = closing + 1
                continue
            if char not in _LOOSE:
                inside = index + 1
                while inside < len(text) and text[inside].isspace():
                    inside += 1
                return Quotes(end, inside if inside < len(text) else None)
        index += 1
    return Quotes(end)


def _starts_word(text: str, index: int) -> bool:
    before = text[index - 1] if index else " "
    after = text[index + 1] if index + 1 < len(text) else " "
    figure = text[index] == "‘" and after.isdigit()  # "the ‘90s": an apostrophe
    return (before.isspace() or before in "([") and not after.isspace() and not figure


def _closing_at(text: str, start: int, opening: str) -> int:
    """Where the quote opened before start closes (any closing quote character), or -1. The apostrophe ’ closes
    only a ‘ ("“Parents’ evening”": a plural possessive), a " right after a figure nothing ("“27" screen”)."""
    for index in range(start, len(text)):
        char = text[index]
        if char not in _CLOSING or (char == "’" and opening != "‘") or (char == '"' and text[index - 1].isdigit()):
            continue
        if char in _AT_WORD_END and index + 1 < len(text) and text[index + 1].isalnum():
            continue
        if index == start and char in _AT_WORD_END:
            continue  # "" or an opening “ right after the opening quote
        return index
    return -1
