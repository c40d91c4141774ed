"""The facilitators' circle overview (the App Home) says what /level and /actions overdue say, for
every circle of a generated community, in a bounded number of queries whatever its size."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import event
from sqlalchemy.orm import Session

from bench.community import NOW
from bot.models import Community
from bot.services.commitments import ActionFilter, list_commitments
from bot.services.levels import READING_WINDOW, level_report
from bot.services.overview import circle_overview
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
            assert row.items == report.items
            late = list_commitments(
                session, community, ActionFilter(circles=frozenset({row.circle_id}), overdue=True), NOW, tz
            )
            assert row.overdue == len(late)
    # /level's tally (items, memberships, confirmations grouped, the members who joined or left within the
    # window by 500), overdue grouped by circle, the circles: not one query per circle or per member
    assert queries <= 8, [statement[:80] for statement in statements[:queries]]
