"""The rounds' set-based builders say exactly what the per-member ones say, on a generated community
(bench/community.py: members who left or joined late, muted, English-speaking, without nudges;
edited items with acknowledgements of their first version; commitments overdue and due soon)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from bench.community import NOW, SMALL, generate
from bot.config.schedules import ScheduleSettings
from bot.db import make_engine, normalise_url
from bot.models import Acknowledgement, Circle, CircleMember, Community, Item, Member
from bot.models.community import covers
from bot.posts import queries
from bot.posts.digest import build_digest, build_digests
from bot.posts.nudges import build_nudge, build_nudges
from bot.posts.recap import LINES, build_recap
from bot.presentation import Localiser
from bot.services import reads
from bot.services.commitments import create_commitment
from bot.services.level_weeks import weekly_levels
from bot.services.levels import coverage, level_report
from bot.services.membership import join_circle, leave_circle
from bot.services.updates import edit_item_text, post_item
from tests.conftest import PG_URL

DIGESTS_AT = NOW.replace(minute=30)
NUDGES_AT = NOW.replace(hour=9, minute=30)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def generated(request, tmp_path_factory):
    """A small generated community with twice the history (so it has old, acknowledged items too),
    made once per database for this module: the tests only read it, or roll back what they change."""
    if request.param == "postgresql":
        if not PG_URL:
            pytest.skip("PostgreSQL tests need RELAIS_TEST_DATABASE_URL")
        schema = f"relais_generated_{uuid.uuid4().hex[:10]}"
        admin = make_engine(PG_URL)
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = make_url(normalise_url(PG_URL)).update_query_dict({"options": f"-csearch_path={schema}"})
        url = url.render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('generated') / 'relais.db'}"
    counts = generate(url, replace(SMALL, history=2))
    assert counts["open overdue"] > 0 and counts["acknowledgements"] > 1000
    engine = make_engine(url)
    with Session(engine) as session:  # the facilitator read items of circles they are not in: not counted
        mine = select(CircleMember.circle_id).where(CircleMember.member_id == 1)
        others = session.scalars(select(Item).where(Item.must_read.is_(True), Item.circle_id.not_in(mine))).all()
        for item in others[-40:]:
            if session.get(Acknowledgement, (item.id, 1)) is None:
                session.add(Acknowledgement(item_id=item.id, member_id=1, version=item.version, at=NOW, via="command"))
        session.commit()
    yield engine
    engine.dispose()
    if request.param == "postgresql":
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def members_of(session: Session) -> tuple[Community, list[Member]]:
    return session.get_one(Community, 1), list(session.scalars(select(Member).order_by(Member.id)))


@pytest.mark.parametrize("window", [7, 2048])
def test_newest_unread_is_the_start_of_unread_ids(generated, monkeypatch, window):
    monkeypatch.setattr(reads, "FIRST_WINDOW", window)  # small windows: several rounds of them
    with Session(generated) as session:
        _, members = members_of(session)
        for limit in (1, 9, 100):
            found = reads.newest_unread(session, 1, [member.id for member in members], limit)
            for member in members:
                expected = reads.unread_ids(session, member)[:limit]
                assert [row.id for row in found[member.id]] == expected, (member.id, limit)
        assert any(len(reads.unread_ids(session, member)) > 100 for member in members)


def test_digests_of_a_round_are_the_members_own(generated, monkeypatch):
    monkeypatch.setattr(reads, "FIRST_WINDOW", 16)
    with Session(generated) as session:
        community, members = members_of(session)
        loc = Localiser.of(community, DIGESTS_AT)
        together = build_digests(session, community, members, loc)
        alone = {member.id: build_digest(session, member, loc.for_member(member)) for member in members}
    texts = {member_id: draft.text() if draft else None for member_id, draft in together.items()}
    assert texts == {member_id: draft.text() if draft else None for member_id, draft in alone.items()}
    assert sum(1 for text in texts.values() if text and "⚠️" in text) >= 3  # overdue commitments listed
    assert sum(1 for text in texts.values() if text and ("/unread" in text or "/non-lus" in text)) >= 3  # > 8 to read
    assert sum(1 for text in texts.values() if text and "4 semaines" in text) >= 3  # overdue for weeks: counted


@pytest.mark.parametrize("days", [0, 1, 2, 3])
def test_nudges_of_a_round_are_the_members_own(generated, monkeypatch, days):
    monkeypatch.setattr(reads, "FIRST_WINDOW", 16)
    settings = ScheduleSettings()
    slot = NUDGES_AT - timedelta(days=days)  # other days: other commitments due in 3 and 1 days, or 1, 8… days late
    with Session(generated) as session:
        community, members = members_of(session)
        loc = Localiser.of(community, slot)
        together = build_nudges(session, community, members, loc, settings, slot)
        alone = {member.id: build_nudge(session, member, loc.for_member(member), settings, slot) for member in members}
    assert together == alone
    assert sum(1 for text in together.values() if text) >= 5


def brute_levels(
    session: Session, since, circle_id: int | None
) -> tuple[dict[int, tuple[int, int]], dict[int, tuple[int, int]]]:
    """Per member and per item (acknowledged, to read), counted one row at a time (what _tally did)."""
    conditions = [Item.community_id == 1, Item.must_read.is_(True), Item.created_at >= since]
    if circle_id is not None:
        conditions.append(Item.circle_id == circle_id)
    items = session.execute(
        select(Item.id, Item.circle_id, Item.number, Item.author_id, Item.version).where(*conditions)
    ).all()
    windows = {
        (row.circle_id, row.member_id): (row.audience_from, row.audience_until)
        for row in session.execute(
            select(CircleMember).join(Member, Member.id == CircleMember.member_id).where(Member.muted.is_(False))
        ).scalars()
    }
    acks = {(a.item_id, a.member_id): a.version for a in session.scalars(select(Acknowledgement))}
    members: dict[int, list[int]] = {}
    per_item: dict[int, tuple[int, int]] = {}
    for item in items:
        audience = [
            m
            for (c, m), window in windows.items()
            if c == item.circle_id and covers(window, item.number) and m != item.author_id
        ]
        acked = [m for m in audience if acks.get((item.id, m)) == item.version]
        per_item[item.id] = (len(acked), len(audience))
        for m in audience:
            got, total = members.get(m, [0, 0])
            members[m] = [got + (m in acked), total + 1]
    return {m: tuple(v) for m, v in members.items()}, per_item


@pytest.mark.parametrize("circle_id", [None, 1, 2])
def test_reading_levels_count_what_one_by_one_counts(generated, circle_id):
    with Session(generated) as session:
        for days in (3, 28, 60):
            since = NOW - timedelta(days=days)
            members, per_item = brute_levels(session, since, circle_id)
            report = level_report(session, 1, since, circle_id, lowest=len(per_item))
            assert {level.member.id: (level.acknowledged, level.total) for level in report.members} == members
            assert {cov.item.id: (cov.acknowledged, cov.audience) for cov in report.lowest} == {
                item: counts for item, counts in per_item.items() if counts[1]
            }
            covered = coverage(session, list(per_item))
            assert {item: (cov.acknowledged, cov.audience) for item, cov in covered.items()} == per_item


@pytest.mark.parametrize("circle_id", [None, 1])
def test_weekly_levels_say_what_level_report_says_week_by_week(generated, circle_id):
    """The dashboard's heat map and trend (one pass) against level_report week by week."""
    with Session(generated) as session:
        starts = [NOW - timedelta(weeks=back, hours=5) for back in range(9, 0, -1)]
        bounds = [*starts, NOW + timedelta(seconds=1)]
        weeks = weekly_levels(session, 1, bounds, circle_id)
        assert len(weeks) == len(starts) and sum(week.total for week in weeks) > 0
        for week, start, end in zip(weeks, bounds, bounds[1:], strict=False):
            report = level_report(session, 1, start, circle_id, lowest=0, until=end)
            assert week.members == {level.member.id: (level.acknowledged, level.total) for level in report.members}
            assert week.organisations == {name: (acked, total) for name, acked, total in report.organisations}


def unread_as_counted(session: Session) -> dict[int, int]:
    return {member.id: len(reads.unread_ids(session, member)) for member in session.scalars(select(Member))}


def unread_as_kept(session: Session) -> dict[int, int]:
    return {member.id: reads.unread_count(session, member) for member in session.scalars(select(Member))}


def test_unread_counts_kept_on_memberships_follow_every_change(generated):
    """/unread says how many from the counts kept by bot.models.unread: after reading, withdrawing,
    editing, posting, leaving, joining and coming back they are still what unread_ids counts."""
    now = NOW + timedelta(minutes=5)
    with Session(generated) as session:
        assert unread_as_kept(session) == unread_as_counted(session)
        community, members = members_of(session)
        readers = [member for member in members if reads.unread_ids(session, member)][:6]
        read: list[Item] = []
        for member in readers:  # read some, withdraw some (a current and an older version)
            for item in reads.unread_items(session, member, 3):
                assert reads.acknowledge(session, item, member, "command", now)
                read.append(item)
        stale = session.scalars(
            select(Acknowledgement)
            .join(Item, Item.id == Acknowledgement.item_id)
            .where(Acknowledgement.version != Item.version)
        ).first()
        assert stale is not None
        assert reads.withdraw(session, session.get_one(Item, stale.item_id), session.get_one(Member, stale.member_id))
        assert reads.withdraw(session, read[0], readers[0])
        session.flush()
        assert unread_as_kept(session) == unread_as_counted(session)
        item = session.scalars(
            select(Item)
            .join(Acknowledgement, Acknowledgement.item_id == Item.id)
            .where(Item.must_read.is_(True), Item.author_id.is_not(None), Item.version == Acknowledgement.version)
        ).first()
        edit_item_text(session, item, session.get_one(Member, 1), "Nouveau texte", now)  # read again by all
        reads.acknowledge(session, item, readers[1], "command", now)
        circle = session.get_one(Circle, item.circle_id)
        post_item(session, community, circle, readers[2], "update", "Encore une nouvelle", now)
        create_commitment(session, community, circle, readers[2], "Un engagement", None, now)
        session.flush()
        assert unread_as_kept(session) == unread_as_counted(session)
        leaving = session.scalars(select(CircleMember).where(CircleMember.left_at.is_(None))).first()
        assert leave_circle(session, leaving.member_id, leaving.circle_id, now)
        post_item(session, community, session.get_one(Circle, leaving.circle_id), None, "announcement", "Après", now)
        session.flush()
        assert unread_as_kept(session) == unread_as_counted(session)
        outsider = next(member for member in members if not session.get(CircleMember, (circle.id, member.id)))
        assert join_circle(session, outsider, circle, now, backlog=5)
        back = session.get_one(Member, leaving.member_id)
        assert join_circle(session, back, session.get_one(Circle, leaving.circle_id), now, backlog=5)
        session.flush()
        assert unread_as_kept(session) == unread_as_counted(session)
        session.rollback()


def test_recaps_of_a_round_are_each_circle_own(generated):
    """A round reads every circle's overdue commitments at once: each recap says what it says alone,
    and what the full list of overdue commitments says."""
    until = NOW.replace(hour=9)
    since = until - timedelta(days=7)
    with Session(generated) as session:
        community = session.get_one(Community, 1)
        loc = Localiser.of(community, until)
        together = queries.overdue_by_circle(session, 1, until, loc.tz, LINES)
        settings = ScheduleSettings()
        listed = 0
        for circle in session.scalars(select(Circle)):
            full = queries.overdue_commitments(session, until, loc.tz, circle.id)
            assert together.get(circle.id, ([], 0))[1] == len(full)
            assert [row.item_id for row in together.get(circle.id, ([], 0))[0]] == [row.item_id for row in full[:LINES]]
            alone = build_recap(session, community, circle, loc, settings, since, until=until).text()
            built = build_recap(
                session, community, circle, loc, settings, since, until=until, overdue=together.get(circle.id, ([], 0))
            ).text()
            assert built == alone
            listed += "⚠️" in alone
        assert listed >= 2
