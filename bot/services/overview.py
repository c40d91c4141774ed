"""The facilitators' circle overview (Slack's App Home): each circle's reading level and its overdue
commitments, for the whole community at once.

The figures are /level's and /actions overdue's: the reading level comes from the tally behind
bot.services.levels.level_report (the same items, audiences and confirmations over the same 4 weeks,
counted once for every circle: two grouped queries, however many circles and members), and the
overdue count from /actions' own query (bot.services.commitments.commitments_statement) with
is_overdue's rule in SQL, grouped by circle: one query. A test checks both against the commands.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot.models import Circle, Commitment, Community, Item
from bot.services import levels
from bot.services.commitments import ActionFilter, commitments_statement


@dataclass(frozen=True)
class CircleFigures:
    """One circle: confirmed / to read over /level's window (`items` items to read), and overdue commitments."""

    circle_id: int
    name: str
    acknowledged: int = 0
    to_read: int = 0
    items: int = 0
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
    since = now - levels.READING_WINDOW
    conditions = [Item.community_id == community.id, Item.must_read.is_(True), Item.created_at >= since]
    tally = levels._tally(session, conditions)  # noqa: SLF001 - /level's own tally, once for every circle
    counted: dict[int, list[int]] = {}
    if tally is not None:
        for item_id, (circle_id, *_rest) in tally.by_id.items():
            audience = tally.audience.get(item_id, 0)
            if audience:
                figures = counted.setdefault(circle_id, [0, 0, 0])
                figures[0] += tally.acked_by_item.get(item_id, 0)
                figures[1] += audience
                figures[2] += 1
    overdue = overdue_by_circle(session, community, now, tz)
    circles = session.execute(
        select(Circle.id, Circle.name).where(Circle.community_id == community.id).order_by(Circle.name)
    )
    return [
        CircleFigures(circle_id, name, *counted.get(circle_id, [0, 0, 0]), overdue=overdue.get(circle_id, 0))
        for circle_id, name in circles
    ]
