"""The weekly recap's picture: a small chart of the circle's week, as PNG, with its figures as text.

Commitments done in the week, overdue and open (on time), and the reading level (the share of the
last four weeks' readings that are confirmed: the recap's own figure). Chat clients show PNG, not
SVG, so it is drawn with Pillow (the `chart` extra: `pip install relais[chart]`), in a process of its
own that stops after a minute without a chart (bot.posts.chart_draw); without Pillow, or with
`[schedules] recap_chart = false`, there is no picture and the recap is posted as text alone.
Colours are the Okabe–Ito palette of the dashboard's charts (adapters/web/charts.py), never the only
cue: each bar has its label and its number, and the alternative text says all of it.
"""

from __future__ import annotations

import atexit
import logging
import re
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from bot.cldr import short_date
from bot.images import Picture
from bot.kinds import CommitmentStatus
from bot.models import Circle, Commitment, Item
from bot.posts.chart_draw import Drawer
from bot.presentation import Localiser, share

log = logging.getLogger(__name__)
_NO_PILLOW: list[bool] = []  # said once per process

DONE, OVERDUE, OPEN, READ = "#009E73", "#D55E00", "#0072B2", "#56B4E9"  # Okabe–Ito
_DRAWER: list[Drawer] = []  # as _NO_PILLOW: one per process
GLYPHS = frozenset(
    [*range(0x20, 0x7F), *range(0xA0, 0x100), 0x152, 0x153, 0x178, *range(0x2010, 0x2015), *range(0x2018, 0x201F)]
    + [0x2026, 0x202F, 0x2039, 0x203A, 0x20AC]
)  # the characters of bot/fonts/DejaVuSans-Latin.ttf (pyftsubset --unicodes)


@dataclass(frozen=True)
class WeekFigures:
    """The figures of a circle's week, as the recap states them."""

    circle: str
    since: datetime
    until: datetime
    done: int
    overdue: int
    open: int  # open and not overdue
    acked: int  # readings confirmed over the last 4 weeks …
    total: int  # … of those asked for


def open_on_time(session: Session, circle_id: int, now: datetime, tz: ZoneInfo) -> int:
    """How many commitments of the circle are open and not overdue (bot.services.commitments.is_overdue's
    rule): read from the (status, due date) index from today on, so old overdue ones cost nothing."""
    midnight = datetime.combine(now.astimezone(tz).date(), time(), tzinfo=tz)  # a day-only due is late after its day
    on_time = or_(
        Commitment.due_at.is_(None),
        and_(Commitment.due_has_time.is_(True), Commitment.due_at >= now),
        and_(or_(Commitment.due_has_time.is_(False), Commitment.due_has_time.is_(None)), Commitment.due_at >= midnight),
    )
    return int(
        session.scalar(
            select(func.count())
            .select_from(Commitment)
            .join(Item, Item.id == Commitment.item_id)
            .where(
                Item.circle_id == circle_id,
                Commitment.status == CommitmentStatus.OPEN,
                # implied by on_time (midnight <= now), written so that SQLite reads the (status, due date) index
                # from today on instead of every item of the circle (10x history: 26 -> 1 ms a circle)
                or_(Commitment.due_at.is_(None), Commitment.due_at >= midnight),
                on_time,
            )
        )
        or 0
    )


def week_chart(
    session: Session,
    loc: Localiser,
    circle: Circle,
    period: tuple[datetime, datetime],
    done: int,
    overdue: int,
    reading: tuple[int, int],
    wanted: bool = True,
) -> Picture | None:
    """The recap's chart from its figures (done in the period, overdue now, readings confirmed of
    those asked for); the commitments open on time are counted here. None unless `wanted`."""
    if not wanted:
        return None
    still_open = open_on_time(session, circle.id, period[1], loc.tz)
    return chart_picture(loc, WeekFigures(circle.name, *period, done, overdue, still_open, *reading))


def alt_text(loc: Localiser, figures: WeekFigures) -> str:
    """The chart's figures in one paragraph (screen readers, clients that show no pictures)."""
    week = loc.t(
        "{circle}, the week from {start} to {end}. "
        "Commitments done: {done}; overdue: {overdue}; open, on time: {open}.",
        circle=figures.circle,
        start=loc.day(figures.since),
        end=loc.day(figures.until),
        done=figures.done,
        overdue=figures.overdue,
        open=figures.open,
    )
    if not figures.total:
        return week + " " + loc.t("Nothing was to be read over the last 4 weeks.")
    reading = loc.t(
        "Readings confirmed over the last 4 weeks: {percent} ({acked} of {total}).",
        percent=share(loc, figures.acked, figures.total),
        acked=figures.acked,
        total=figures.total,
    )
    return week + " " + reading


def chart_picture(loc: Localiser, figures: WeekFigures) -> Picture | None:
    """The chart as a Picture, or None when Pillow is not installed (or cannot draw it)."""
    alt = alt_text(loc, figures)
    try:
        png = render(loc, figures)
    except ImportError:
        if not _NO_PILLOW:
            _NO_PILLOW.append(True)
            log.info("recaps are posted without their chart: Pillow is not installed (pip install 'relais[chart]')")
        return None
    except Exception:  # a picture must never stop a recap
        log.exception("the recap's chart of %s could not be drawn", figures.circle)
        return None
    return Picture(png, alt, loc.t("[chart: {alt}]", alt=alt))


def drawable(text: str) -> str:
    """The text without what the shipped font cannot draw (an emoji in a circle's name would be a
    box): its subset holds Latin-1, Œ œ Ÿ, quotes and dashes, … and the narrow no-break space."""
    kept = "".join(char for char in text if ord(char) in GLYPHS)
    return re.sub(" {2,}", " ", kept).strip() if kept != text else text


def render(loc: Localiser, figures: WeekFigures) -> bytes:
    """Draw the chart, in the drawer process (bot.posts.chart_draw: Pillow stays out of this one);
    ImportError without Pillow."""
    period = loc.t(
        "{start} to {end}",
        start=short_date(figures.since.astimezone(loc.tz).date(), loc.language),  # as Babel's "d MMM"
        end=short_date(figures.until.astimezone(loc.tz).date(), loc.language),
    )
    spec = {
        "title": drawable(f"{figures.circle[:40]} — {period}"),
        "rows": [
            [loc.t("Done this week"), figures.done, DONE],
            [loc.t("Overdue"), figures.overdue, OVERDUE],
            [loc.t("Open, on time"), figures.open, OPEN],
        ],
        "reading": loc.t("Readings confirmed (4 weeks)"),
        "acked": figures.acked,
        "total": figures.total,
        "share": share(loc, figures.acked, figures.total),
        "colour": READ,
    }
    return drawer().draw(spec)


def drawing_cpu() -> float:
    """CPU seconds this process's chart drawer has spent so far (bench/cpu.py counts them)."""
    return _DRAWER[0].cpu_seconds() if _DRAWER else 0.0


def drawer() -> Drawer:
    """This process's drawer (started at its first chart, stopped after a minute without one)."""
    if not _DRAWER:
        _DRAWER.append(Drawer())
        atexit.register(_DRAWER[0].close)  # not left waiting for its idle time
    return _DRAWER[0]
