"""The facilitators' circle overview (the App Home) says what /level and /actions overdue say, for
every circle of a generated community, in a bounded number of queries whatever its size."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from bench.community import NOW
from bot.models import Circle, Community, Item
from bot.services import levels
from bot.services.commitments import ActionFilter, list_commitments
from bot.services.levels import READING_WINDOW, level_report
from bot.services.overview import CircleFigures, circle_overview, overdue_by_circle
from tests.schedules.test_set_based import generated  # noqa: F401 - the generated community, once per database


def test_each_circle_has_the_figures_of_level_and_actions_overdue(generated):  # noqa: F811
    tz = ZoneInfo("Europe/Paris")
    statements: list[str] = []
    event.listen(generated, "before_cursor_execute", lambda *args: statements.append(args[2]))
    with Session(generated) as session:
        community = session.get_one(Community, 1)
        statements.clear()
        overview = circle_overview(session, community, NOW, tz)
        queries = len(statements)
        assert len(overview) > 1 and any(row.overdue for row in overview) and any(row.to_read for row in overview)
        for row in overview:
            report = level_report(session, community.id, NOW - READING_WINDOW, row.circle_id)
            assert (row.acknowledged, row.to_read) == (
                sum(level.acknowledged for level in report.members),
                sum(level.total for level in report.members),
            )
            late = list_commitments(
                session, community, ActionFilter(circles=frozenset({row.circle_id}), overdue=True), NOW, tz
            )
            assert row.overdue == len(late)
    # the summary grouped by week and circle, the window's first piece of a week counted from its items
    # (items, memberships, confirmations), overdue grouped by circle, the circles: not one query per circle
    assert queries <= 8, [statement[:80] for statement in statements[:queries]]


def tallied_overview(session: Session, community: Community, now, tz: ZoneInfo) -> list[CircleFigures]:
    """The overview as it was computed before (/level's item-by-item tally, grouped by circle): the oracle."""
    conditions = [Item.community_id == community.id, Item.must_read.is_(True), Item.created_at >= now - READING_WINDOW]
    tally = levels._tally(session, conditions)  # noqa: SLF001
    counted: dict[int, list[int]] = {}
    if tally is not None:
        for item_id, (circle_id, *_rest) in tally.by_id.items():
            audience = tally.audience.get(item_id, 0)
            if audience:
                figures = counted.setdefault(circle_id, [0, 0])
                figures[0] += tally.acked_by_item.get(item_id, 0)
                figures[1] += audience
    overdue = overdue_by_circle(session, community, now, tz)
    circles = session.execute(
        select(Circle.id, Circle.name).where(Circle.community_id == community.id).order_by(Circle.name)
    )
    return [
        CircleFigures(circle_id, name, *counted.get(circle_id, [0, 0]), overdue=overdue.get(circle_id, 0))
        for circle_id, name in circles
    ]


@pytest.mark.parametrize("days", [0, -3, -5, 2, 7])
def test_the_overview_from_the_summary_is_the_tallys(generated, days):  # noqa: F811
    """Read from the summary kept per member, circle and week, the overview says what the tally of every
    item said, for every circle: at the generated community's hour, and with the window starting early,
    in the middle or late in a week (a piece counted item by item, or the week's row less the rest)."""
    tz = ZoneInfo("Europe/Paris")
    now = NOW + timedelta(days=days, hours=days * 5)
    with Session(generated) as session:
        community = session.get_one(Community, 1)
        new, old = circle_overview(session, community, now, tz), tallied_overview(session, community, now, tz)
        assert new == old
        assert sum(row.to_read for row in new) > 1000 and sum(1 for row in new if row.acknowledged) > 3
