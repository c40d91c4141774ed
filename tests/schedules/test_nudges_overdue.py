"""Nudges follow the digests' 4-week rule: a commitment overdue for more than 4 weeks is no longer listed
but counted, with all the member's others as old, in one line that says where they are (/actions mine
overdue). A nudge stays as long as a week's whatever backlog of forgotten commitments the history holds,
and it comes on the same days as before (a commitment's 1st, 8th, 15th… day late). The round's nudges
(set-based) and one member's say the same."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config.schedules import ScheduleSettings
from bot.markup import to_plain
from bot.models import Community, Member
from bot.posts.nudges import build_nudge, build_nudges
from bot.presentation import Localiser
from tests.schedules.support import World, paris


def backlog(world: World, language: str) -> None:
    """Alice: 100 commitments due on the 100 days before 1 October 2026 (8 to 22 weeks overdue on
    30 November), and one due Friday 20 November (10 days late on 30 November: not a nudge day)."""
    world.say("alice", f"/lang {language}")
    world.clock.set(paris(2026, 6, 1, 10))
    for n in range(100):
        world.say("alice", f"/engage Vieux dossier {n} {(date(2026, 6, 23) + timedelta(days=n)).isoformat()}")
    world.clock.set(paris(2026, 11, 16, 10))
    world.say("alice", "/engage Dossier récent 2026-11-23")  # 1st day late on 24 November, 8th on 1 December


def nudges(world: World, slot) -> dict[str, str | None]:
    """Every member's nudge of the round at `slot`, set-based, checked against the one-member builder."""
    settings = ScheduleSettings()
    with world.store.unit_of_work() as session:
        assert isinstance(session, Session)
        community = session.scalars(select(Community)).one()
        members = list(session.scalars(select(Member).order_by(Member.id)))
        loc = Localiser.of(community, slot)
        together = build_nudges(session, community, members, loc, settings, slot)
        alone = {member.id: build_nudge(session, member, loc.for_member(member), settings, slot) for member in members}
        assert together == alone
        return {member.display_name: together[member.id] for member in members}


def days_said(world: World, first, days: int) -> list[str]:
    said = []
    for n in range(days):
        slot = first + timedelta(days=n)
        if nudges(world, slot)["Alice"]:
            said.append(slot.strftime("%a %d"))
    return said


def test_a_nudge_counts_the_commitments_overdue_for_weeks_in_french(world):
    backlog(world, "fr")
    text = to_plain(nudges(world, paris(2026, 12, 1, 9, 30))["Alice"] or "")
    assert re.search(r"• #\d+ Dossier récent était attendu pour le lundi 23 novembre 2026\.", text), text
    assert "… et 100 autres, en retard depuis plus de 4 semaines\u00a0: /actions moi retard" in text
    assert "Vieux dossier" not in text
    assert len(text) < 600, len(text)  # listed one by one, the 100 took 15 lines a day and 14 times this text
    alone = to_plain(nudges(world, paris(2026, 11, 26, 9, 30))["Alice"] or "")  # Vieux dossier 62's 57th day late
    assert "• 100 engagements en retard depuis plus de 4 semaines\u00a0: /actions moi retard" in alone
    assert "Vieux dossier" not in alone and len(alone) < 300
    assert "#1 Vieux dossier 0 " in world.say("alice", "/actions moi retard")  # where the line points lists them


def test_in_english(world):
    backlog(world, "en")
    text = to_plain(nudges(world, paris(2026, 12, 1, 9, 30))["Alice"] or "")
    assert "… and 100 more, overdue for over 4 weeks: /actions mine overdue" in text and "Old" not in text
    assert "Vieux dossier" not in text and len(text) < 600
    alone = to_plain(nudges(world, paris(2026, 11, 26, 9, 30))["Alice"] or "")
    assert "• 100 commitments overdue for over 4 weeks: /actions mine overdue" in alone


def test_nudges_come_on_the_days_they_came_before(world):
    """A commitment overdue for weeks still brings a nudge on its weekly day, and only then: one due
    on Sunday 4 October is on its 57th day late on Monday 30 November (1 + 8 weeks), as on the 23rd and 7 December."""
    world.clock.set(paris(2026, 9, 1, 10))
    world.say("alice", "/engage Vieux dossier 2026-10-04")
    assert days_said(world, paris(2026, 11, 23, 9, 30), 15) == ["Mon 23", "Mon 30", "Mon 07"]
