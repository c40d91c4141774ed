"""Charts as SVG, drawn by the templates from the geometry computed here (no script, no font to fetch).

Colours are the Okabe–Ito palette, distinguishable with the common colour-vision deficiencies, and
never the only cue: statuses also have their own marker shape, and every chart has its table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

PALETTE = {
    "open": "#0072B2",  # blue
    "overdue": "#D55E00",  # vermillion
    "done": "#009E73",  # bluish green
    "late": "#E69F00",  # orange
    "dropped": "#6E6E6E",  # grey
}
SERIES = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
# sequential ramp for the heat map (light to dark blue), with the text colour readable on each
RAMP = ("#F7FBFF", "#DEEBF7", "#C6DBEF", "#9ECAE1", "#6BAED6", "#4292C6", "#2171B5", "#08519C", "#08306B")


def heat(share: float | None) -> str:
    """The heat map's class for a share from 0 to 1 (h0 … h8, style.css colours them from RAMP with a
    readable text colour); "hn" when there was nothing to read. Classes, since the Content Security
    Policy allows no inline style."""
    if share is None:
        return "hn"
    return f"h{min(len(RAMP) - 1, int(share * (len(RAMP) - 1) + 0.5))}"


@dataclass(frozen=True)
class Mark:
    x: float
    y: float
    number: int
    label: str
    status: str  # open, overdue, done, dropped
    colour: str


@dataclass(frozen=True)
class Timeline:
    width: int
    height: int
    lanes: list[tuple[str, float]] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    ticks: list[tuple[float, str]] = field(default_factory=list)
    today: float | None = None


LEFT, RIGHT, TOP, LANE = 170, 20, 30, 28


def timeline(rows: Sequence, now: datetime, tz: ZoneInfo, language: str, width: int = 900) -> Timeline | None:
    """Commitments with a due date, one lane per organisation, each a mark on its due day (ticks: "20 nov.")."""
    from babel.dates import format_date

    dated = [row for row in rows if row.due_at is not None]
    if not dated:
        return None
    days = [row.due_at.astimezone(tz).date() for row in dated]
    today = now.astimezone(tz).date()
    first, last = min([*days, today]) - timedelta(days=3), max([*days, today]) + timedelta(days=3)
    span = max((last - first).days, 1)

    def x(day: date) -> float:
        return round(LEFT + (width - LEFT - RIGHT) * (day - first).days / span, 1)

    names = sorted({row.organisation for row in dated}, key=lambda name: (name == "", name.lower()))
    lanes = [(name, TOP + LANE * index + LANE / 2) for index, name in enumerate(names)]
    lane_y = dict(lanes)
    marks = []
    for row, day in zip(dated, days, strict=True):
        status = "overdue" if row.overdue else row.status
        marks.append(Mark(x(day), lane_y[row.organisation], row.number, row.title, status, PALETTE[status]))
    step = max(1, span // 8)
    shown = [first + timedelta(days=d) for d in range(0, span + 1, step)]
    years = {day.year for day in shown}
    pattern = "d MMM" if len(years) == 1 else "d MMM y"
    ticks = [(x(day), format_date(day, pattern, locale=language)) for day in shown]
    return Timeline(width, TOP + LANE * len(lanes) + 10, lanes, marks, ticks, x(today))


@dataclass(frozen=True)
class Bar:
    label: str
    y: float
    parts: list[tuple[float, float, str, str, int]]  # (x, width, colour, name, value)
    total: int


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    bars: list[Bar]
    legend: list[tuple[str, str]]  # (colour, name)


def stacked_bars(
    rows: Sequence[tuple[str, Sequence[int]]], names: Sequence[str], colours: Sequence[str], width: int = 720
) -> BarChart:
    """Horizontal stacked bars: one per row (label, values in the order of `names`)."""
    biggest = max((sum(values) for _, values in rows), default=0) or 1
    scale = (width - LEFT - RIGHT - 40) / biggest
    bars = []
    for index, (label, values) in enumerate(rows):
        x, parts = float(LEFT), []
        for value, colour, name in zip(values, colours, names, strict=True):
            if value:
                parts.append((round(x, 1), round(value * scale, 1), colour, name, value))
                x += value * scale
        bars.append(Bar(label, TOP + index * LANE, parts, sum(values)))
    return BarChart(width, TOP + LANE * len(rows) + 10, bars, list(zip(colours, names, strict=True)))


@dataclass(frozen=True)
class Line:
    width: int
    height: int
    points: list[tuple[float, float, str, str]]  # (x, y, label, value shown)
    path: str
    grid: list[tuple[float, str]]


def share_line(values: Sequence[tuple[str, float | None, str]], width: int = 720, height: int = 220) -> Line:
    """A line of shares (0 to 1) over labelled steps; steps without a value are skipped."""
    left, bottom, top = 50, 30, 15
    step = (width - left - RIGHT) / max(len(values) - 1, 1)
    points = [
        (round(left + index * step, 1), round(top + (height - top - bottom) * (1 - share), 1), label, shown)
        for index, (label, share, shown) in enumerate(values)
        if share is not None
    ]
    path = " ".join(("M" if index == 0 else "L") + f"{x},{y}" for index, (x, y, _, _) in enumerate(points))
    grid = [(round(top + (height - top - bottom) * (1 - level / 100), 1), f"{level} %") for level in (0, 50, 100)]
    return Line(width, height, points, path, grid)
