"""Cutting a long text (Relais markup) into parts that each fit in one Matrix event, never mid-word.

A Matrix event is at most 65,536 bytes of JSON. A part gets a budget for its `body` and
`formatted_body` together (UTF-8 bytes, HTML escaping included); the cut falls on a paragraph
break, else a line break, else a space, in the second half of the budget; only a single "word"
longer than half a part is cut inside. Bold runs that span a cut are closed and reopened, and an
escape (`\\*`) is never split, so every part is valid markup on its own.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

_UNIT = re.compile(r"\\(.)|(\*\*)|(.)", re.DOTALL)
TAG_BYTES = len("</strong>")
MOST_PER_CHARACTER = 10  # bytes a character of markup costs at most: 4 in UTF-8 + "&quot;" (a toggle's 2 cost 9)
BREAKS = ("\n\n", "\n", " ")  # preferred cut points, best first


@dataclass(frozen=True)
class _Unit:
    """One character of the text (`char`), or a bold toggle (`char` None), with its place in the markup."""

    start: int
    end: int
    char: str | None
    bold: bool  # bold state after this unit
    cost: int  # bytes in body + formatted_body


def _char_cost(char: str) -> int:
    return len(char.encode()) + len(html.escape(char, quote=True).replace("\n", "<br>").encode())


def _units(markup: str) -> list[_Unit]:
    units: list[_Unit] = []
    bold = False
    for match in _UNIT.finditer(markup):
        if match.group(2):
            bold = not bold
            units.append(_Unit(match.start(), match.end(), None, bold, TAG_BYTES))
        else:
            char = match.group(1) if match.group(1) is not None else match.group(3)
            units.append(_Unit(match.start(), match.end(), char, bold, _char_cost(char)))
    return units


def markup_cost(markup: str) -> int:
    """Bytes of body + formatted_body once rendered (an upper bound: empty bold runs are counted)."""
    return sum(unit.cost for unit in _units(markup))


def _blank(unit: _Unit) -> bool:
    return unit.char is None or unit.char.isspace()


def _cut(units: list[_Unit], start: int, stop: int) -> int:
    """Where the part starting at `start` ends, given that units[start:stop] fit: the best break."""
    if stop >= len(units):
        return len(units)
    text = "".join(unit.char or "" for unit in units[start:stop])
    offsets = [index for index, unit in enumerate(units[start:stop]) if unit.char is not None]
    half = len(text) // 2
    for separator in BREAKS:
        found = text.rfind(separator, half)
        if found > 0:
            return start + offsets[found]
    # a word longer than half a part: cut inside it, after a toggle or a whole character
    return stop


def _markup_of(markup: str, units: list[_Unit], start: int, end: int) -> str:
    before = units[start - 1].bold if start > 0 else False
    text = markup[units[start].start : units[end - 1].end]
    return ("**" if before else "") + text + ("**" if units[end - 1].bold else "")


def split_markup(markup: str, budget: int) -> list[str]:
    """The markup itself when it fits in `budget` bytes, else parts that each fit, in order."""
    if len(markup) * MOST_PER_CHARACTER <= budget:  # surely fits: no need to weigh it character by character
        return [markup]
    units = _units(markup)
    if sum(unit.cost for unit in units) <= budget:
        return [markup]
    room = budget - 2 * (len("**") + TAG_BYTES)  # a bold run closed and reopened at the cut
    parts: list[str] = []
    start = 0
    while start < len(units):
        while start < len(units) and _blank(units[start]):
            start += 1
        total, stop = 0, start
        while stop < len(units) and total + units[stop].cost <= room:
            total += units[stop].cost
            stop += 1
        stop = max(stop, start + 1)
        end = _cut(units, start, stop)
        next_start = end
        while end > start and _blank(units[end - 1]):
            end -= 1
        if end > start:
            parts.append(_markup_of(markup, units, start, end))
        start = max(next_start, start + 1)
    return parts
