"""The facilitators' circle overview (Slack's App Home): each circle's reading level and its overdue
commitments, for the whole community at once.

The figures are /level's and /actions overdue's: the reading level comes from the reading summary
/level reads (bot.services.reading_summary: the rows kept per member, circle and week, grouped by
circle and week here; a piece of a week at the window's start counted from its items), and the overdue
count from /actions' own query (bot.services.commitments.commitments_statement) with is_overdue's rule
in SQL, grouped by circle: one query. A test checks both against the commands. (It was computed from
/level's item-by-item tally: 667 ms of CPU at 2,000 members for each publish of a facilitator's Home.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot.models import Circle, Commitment, Community, Item
from bot.services.commitments import ActionFilter, commitments_statement
from bot.services.levels import READING_WINDOW
from bot.services.reading_summary import circle_levels


@dataclass(frozen=True)
class CircleFigures:
    """One circle: confirmed / to read over /level's window, and overdue commitments."""

    circle_id: int
    name: str
    acknowledged: int = 0
    to_read: int = 0
    overdue: int = 0


def overdue_by_circle(session: Session, community: Community, now: datetime, tz: ZoneInfo) -> dict[int, int]:
    """How many open commitments /actions overdue lists, per circle (one grouped query)."""
    statement = commitments_statement(community, ActionFilter(overdue=True), now, tz)
    local_today = datetime.combine(now.astimezone(tz).date(), time(), tzinfo=tz)
    # is_overdue: a due time is late once past; a due day without time, from the next day on
    statement = statement.where(or_(Commitment.due_has_time.is_(True), Commitment.due_at < local_today))
    grouped = statement.with_only_columns(Item.circle_id, func.count()).group_by(Item.circle_id)
    return {int(circle): int(count) for circle, count in session.execute(grouped)}


def circle_overview(session: Session, community: Community, now: datetime, tz: ZoneInfo) -> list[CircleFigures]:
    """Every circle of the community, by name, with its reading level and overdue count."""
    counted = circle_levels(session, community.id, now - READING_WINDOW)
    overdue = overdue_by_circle(session, community, now, tz)
    circles = session.execute(
        select(Circle.id, Circle.name).where(Circle.community_id == community.id).order_by(Circle.name)
    )
    return [
        CircleFigures(circle_id, name, *counted.get(circle_id, (0, 0)), overdue=overdue.get(circle_id, 0))
        for circle_id, name in circles
    ]
