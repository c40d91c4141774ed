"""The dashboard's information level (bot.services.dashboard.information) reads the summary once for
the weeks and /level's window, and names members from plain columns: on a generated community
(members who left, joined late, muted; two years of history) it says exactly what level_report
(/level) and weekly_levels (one week at a time) say, in /level's order."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from bench.community import NOW
from bot.presentation import FixedLocaliser, member_label, name_label
from bot.services.dashboard.information import _find, _of_organisation, week_starts
from bot.services.level_weeks import weekly_levels
from bot.services.levels import READING_WINDOW, level_report
from bot.services.reading_summary import zone
from tests.schedules.test_set_based import generated

__all__ = ["generated"]


@pytest.mark.parametrize("circle_id", [None, 1])
@pytest.mark.parametrize("hours", [0, 5, 13])
def test_the_level_page_says_what_level_says(generated, circle_id, hours):
    with Session(generated) as session:
        loc = FixedLocaliser("fr", zone(session, 1), NOW + timedelta(hours=hours))
        found = _find(session, 1, loc, circle_id)
        report = level_report(session, 1, loc.now - READING_WINDOW, circle_id)
        assert found.items == report.items > 0
        assert [(m, *found.window[m]) for m in found.order] == [
            (level.member.id, level.acknowledged, level.total) for level in report.members
        ]
        assert found.organisations == report.organisations
        assert [(c.item.id, c.acknowledged, c.audience) for c in found.lowest] == [
            (c.item.id, c.acknowledged, c.audience) for c in report.lowest
        ]
        for level in report.members:
            person = found.people[level.member.id]
            assert member_label(level.member) == name_label(person.name, person.organisation)
        starts = week_starts(loc)
        weeks = weekly_levels(session, 1, [*starts, loc.now + timedelta(seconds=1)], circle_id)
        assert [week.members for week in found.weeks] == [week.members for week in weeks]
        assert [week.organisations for week in found.weeks] == [week.organisations for week in weeks]


def test_the_organisations_members_are_levels_members_of_it(generated):
    """Each organisation's members (?organisation=) in /level's order: together, every member once."""
    with Session(generated) as session:
        loc = FixedLocaliser("fr", zone(session, 1), NOW)
        found = _find(session, 1, loc, None)
        keys = {person.organisation_id or 0 for member, person in found.people.items() if member in found.window}
        assert len(keys) > 2
        together = []
        for key in keys:
            members, chosen, name = _of_organisation(found, key)
            assert chosen and members == [m for m in found.order if found.people[m].organisation == name]
            together += members
        assert sorted(together) == sorted(found.order)
        assert _of_organisation(found, 10**6) == (found.order, False, None)  # nobody's: everyone
