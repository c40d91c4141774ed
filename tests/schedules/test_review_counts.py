"""The review's commitments per organisation and outcome, counted by the database (one GROUP BY with
a CASE), equal outcome() said commitment by commitment in Python, on a generated community with two
years of commitments kept, late, dropped and open, over periods across a change of summer time."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bench.community import NOW
from bot.kinds import CommitmentStatus
from bot.models import Commitment, Community
from bot.presentation import FixedLocaliser
from bot.services.dashboard.review_counts import OUTCOMES, alone, counted, counted_in_python
from bot.services.level_weeks import weekly_totals
from bot.services.reading_summary import zone
from tests.schedules.test_set_based import generated

__all__ = ["generated"]


@pytest.mark.parametrize(
    "start, end",
    [
        (date(2026, 9, 7), date(2026, 11, 30)),
        (date(2025, 12, 1), date(2026, 11, 30)),
        (date(2026, 10, 20), date(2026, 12, 31)),
    ],
)
@pytest.mark.parametrize("tz_name", [None, "America/Sao_Paulo", "Pacific/Chatham"])
@pytest.mark.parametrize("another_community", [False, True])  # then each commitment's item is read for its community
def test_the_database_counts_outcomes_as_python_does(generated, start, end, tz_name, another_community):
    with Session(generated) as session:  # rolled back when closed
        tz = ZoneInfo(tz_name) if tz_name else zone(session, 1)
        done_at_the_edges(session, tz, datetime.combine(start, time(), tzinfo=tz))
        if another_community:
            session.add(Community(name="Autre", language="fr", timezone="Europe/Paris", created_at=NOW))
            session.flush()
        assert alone(session, 1) == (1 if another_community else None)
        for later in (timedelta(0), timedelta(hours=17)):
            loc = FixedLocaliser("fr", tz, NOW + later)
            since = datetime.combine(start, time(), tzinfo=tz)
            until = datetime.combine(end + timedelta(days=1), time(), tzinfo=tz)
            by_sql, by_python = counted(session, 1, loc, since, until), counted_in_python(session, 1, loc, since, until)
            assert by_sql == by_python
            totals = [sum(counts[index] for _, counts in by_sql[0]) for index in range(len(OUTCOMES))]
            assert all(totals[:3]) and sum(totals) > 50  # kept, late and dropped all counted


def done_at_the_edges(session: Session, tz: ZoneInfo, since: datetime) -> None:
    """Some open commitments due in the period done at the last moment of their due day, or at the
    first of the next (kept, late); timed ones at their due time, or a second after."""
    statement = (
        select(Commitment.item_id, Commitment.due_at)
        .where(Commitment.status == CommitmentStatus.OPEN, Commitment.due_at >= since)
        .order_by(Commitment.due_at)
        .limit(8)
    )
    for index, (item_id, due_at) in enumerate(session.execute(statement).all()):
        timed = index % 4 >= 2
        day_end = datetime.combine(due_at.astimezone(tz).date() + timedelta(days=1), time(), tzinfo=tz)
        late = timedelta(seconds=index % 2)
        done = due_at + late if timed else day_end - timedelta(microseconds=1 - index % 2)
        values = {"status": CommitmentStatus.DONE, "due_has_time": timed, "updated_at": done}
        session.execute(update(Commitment).where(Commitment.item_id == item_id).values(**values))
    assert index == 7


@pytest.mark.parametrize("circle_id", [None, 1])
def test_a_trend_reaching_now_reads_the_current_week_from_its_summary_row(generated, circle_id):
    """The review's trend ends with no bound when its period reaches now: the same figures as up to now."""
    with Session(generated) as session:
        starts = [NOW - timedelta(weeks=back, hours=5) for back in range(6, 0, -1)] + [NOW - timedelta(days=3)]
        up_to_now = weekly_totals(session, 1, [*starts, NOW + timedelta(seconds=1)], circle_id)
        assert weekly_totals(session, 1, [*starts, None], circle_id) == up_to_now
        assert up_to_now[-1][1] > 0 and sum(total for _, total in up_to_now) > 0
