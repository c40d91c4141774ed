"""The items seen kept in the reading summary (ReadingWeek.seen: seen or confirmed) follow every signal
that a member saw an item — copies posted on two platforms, read receipts written and moved (each
item once whatever its copies), items marked seen, confirmations given and withdrawn, edits, joins,
leaves, merges and splits — as a full recount says, and as reads.who_read says item by item."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from bench.community import NOW
from bot.models import Circle, CircleMember, Item, Member, MessageRef, ReadingWeek, SeenMark
from bot.models.reading import week_of
from bot.services import reads
from bot.services.membership import join_circle, leave_circle
from bot.services.merging import merge_members
from bot.services.unmerging import split
from bot.services.updates import edit_item_text, post_item
from tests.schedules.test_reading_summary import check
from tests.schedules.test_set_based import generated, members_of

__all__ = ["generated"]
SLACK, MATRIX = "C0123ROADMAP", "!roadmap:example.org"


def seen_as_kept(session: Session) -> Counter:
    session.flush()
    muted = set(session.scalars(select(Member.id).where(Member.muted.is_(True))))
    return Counter(
        {
            (row.week, row.circle_id, row.member_id): row.seen
            for row in session.scalars(select(ReadingWeek))
            if row.seen and row.member_id not in muted
        }
    )


def seen_as_who_read(session: Session, circle_id: int | None = None) -> Counter:
    """(week, circle, member) -> items in `seen` or `acknowledged` state, summed from reads.who_read."""
    tz = ZoneInfo(_zone(session))
    found: Counter = Counter()
    conditions = [Item.must_read.is_(True)]
    if circle_id is not None:
        conditions.append(Item.circle_id == circle_id)
    for item in session.scalars(select(Item).where(*conditions)):
        week = week_of(item.created_at, tz)
        for state in reads.who_read(session, item):
            if state.state in ("acknowledged", "seen"):
                found[(week, item.circle_id, state.member.id)] += 1
    return found


def _zone(session: Session) -> str:
    community, _members = members_of(session)
    return community.timezone or "UTC"


def copies(session: Session, items: list[Item]) -> None:
    """Each item posted on Slack and on Matrix (a second later)."""
    for item in items:
        session.add(MessageRef(item_id=item.id, channel=SLACK, message_id=f"{item.id}.s", posted_at=item.created_at))
        session.add(
            MessageRef(
                item_id=item.id,
                channel=MATRIX,
                message_id=f"$e{item.id}",
                posted_at=item.created_at + timedelta(seconds=1),
            )
        )
    session.flush()


def audience_of(session: Session, circle: Circle) -> list[Member]:
    rows = session.scalars(
        select(CircleMember).where(CircleMember.circle_id == circle.id, CircleMember.left_at.is_(None))
    ).all()
    members = [session.get_one(Member, row.member_id) for row in rows]
    return [member for member in members if not member.muted and member.id != 1]


def test_seen_follows_every_signal(generated):
    now = NOW + timedelta(minutes=5)
    with Session(generated) as session:
        community, members = members_of(session)
        circle = session.scalars(select(Circle).order_by(Circle.id)).first()
        items = session.scalars(
            select(Item).where(Item.circle_id == circle.id, Item.must_read.is_(True)).order_by(Item.number)
        ).all()[-40:]
        copies(session, items[:30])
        a, b, c, *_ = audience_of(session, circle)
        reads.record_seen_mark(session, a, SLACK, items[10].created_at, now)  # receipts on Slack's copies
        reads.record_seen_mark(session, a, MATRIX, items[15].created_at, now)  # and Matrix's: each item once
        check(session)
        reads.record_seen_mark(session, a, SLACK, items[20].created_at, now)  # moved on
        reads.record_seen_mark(session, b, MATRIX, items[5].created_at + timedelta(seconds=1), now)
        reads.record_seen_items(session, b, [items[25].id, items[26].id], now)  # "Read in full"
        reads.acknowledge(session, items[26], b, "command", now)  # seen, then confirmed: still one
        reads.acknowledge(session, items[27], b, "command", now)
        check(session)
        reads.withdraw(session, items[26], b)  # a ✅ withdrawn: still seen
        reads.withdraw(session, items[27], b)  # no other signal: no longer seen
        reads.acknowledge(session, items[3], a, "command", now)  # already seen by a receipt
        edit_item_text(session, items[3], session.get_one(Member, 1), "Nouveau texte", now)  # a still saw it
        check(session)
        late = post_item(session, community, circle, None, "announcement", "Après coup", now)
        session.add(MessageRef(item_id=late.id, channel=SLACK, message_id="late.s", posted_at=items[1].created_at))
        session.flush()  # a copy written after a receipt passed it
        check(session)
        assert leave_circle(session, c.id, circle.id, now)
        reads.record_seen_mark(session, c, MATRIX, items[29].created_at + timedelta(seconds=1), now)
        assert join_circle(session, c, circle, now, backlog=12)  # back, with 12 items, some seen already
        check(session)
        assert seen_as_kept(session) == seen_as_who_read(session)
        link = merge_members(session, a, b, None, now)
        check(session)
        split(session, link, None, now)
        check(session)
        session.delete(session.get_one(SeenMark, (a.id, SLACK)))
        check(session)
        assert seen_as_kept(session) == seen_as_who_read(session)
        session.rollback()


def test_a_database_at_0020_upgraded_counts_what_was_seen(generated):
    """A database of before the weekly seen (0020: its history, receipts and items seen, written by the
    code of the time, the summary as 0018 left it) gets `seen` counted by 0021 as the bot keeps it, and
    0021 goes back down to 0020 (and up again)."""
    from alembic import command

    from bot.db import alembic_config, current_revision, upgrade
    from tests.schedules.test_reading_summary import kept

    now = NOW + timedelta(minutes=5)
    with Session(generated) as session:
        circle = session.scalars(select(Circle).order_by(Circle.id)).first()
        items = session.scalars(
            select(Item).where(Item.circle_id == circle.id, Item.must_read.is_(True)).order_by(Item.number)
        ).all()[-40:]
        copies(session, items[:30])
        a, b, *_ = audience_of(session, circle)
        reads.record_seen_mark(session, a, SLACK, items[10].created_at, now)
        reads.record_seen_items(session, b, [items[25].id], now)
        session.commit()
        before = kept(session)
        mark = (b.id, MATRIX, items[20].created_at + timedelta(seconds=1))
    with generated.begin() as connection:
        command.downgrade(alembic_config(connection), "0020")
    assert current_revision(generated) == "0020"
    with generated.begin() as connection:  # a receipt written at 0020 (no summary of what was seen then)
        connection.execute(
            text("INSERT INTO seen_marks (member_id, channel, upto, at) VALUES (:m, :c, :u, :u)"),
            {"m": mark[0], "c": mark[1], "u": mark[2]},
        )
        connection.execute(text("UPDATE reading_weeks SET confirmed = 0"))  # whatever 0018 counted or not
    upgrade(generated)
    with Session(generated) as session:
        after = kept(session)
        assert after[1] == before[1]
        assert {key: row[:2] for key, row in after[0].items()} == {key: row[:2] for key, row in before[0].items()}
        assert sum(row[2] for row in after[0].values()) > sum(row[2] for row in before[0].values())
        check(session)  # the summary equals a recount
        assert seen_as_kept(session) == seen_as_who_read(session)
        session.delete(session.get_one(SeenMark, (mark[0], mark[1])))
        session.commit()


def test_a_room_shared_by_two_circles(generated):
    now = NOW + timedelta(minutes=5)
    room = "!shared:example.org"
    with Session(generated) as session:
        first, second = session.scalars(select(Circle).order_by(Circle.id)).all()[:2]
        member = audience_of(session, first)[0]
        if session.get(CircleMember, (second.id, member.id)) is None:
            community, _ = members_of(session)
            assert join_circle(session, member, second, now, backlog=12)
        check(session)
        mine = []
        for circle in (first, second):
            items = session.scalars(
                select(Item).where(Item.circle_id == circle.id, Item.must_read.is_(True)).order_by(Item.number)
            ).all()[-10:]
            mine += items
        mine.sort(key=lambda item: item.created_at)
        for n, item in enumerate(mine):
            session.add(MessageRef(item_id=item.id, channel=room, message_id=f"$x{n}", posted_at=item.created_at))
        session.flush()
        reads.record_seen_mark(session, member, room, mine[len(mine) // 2].created_at, now)
        check(session)
        assert seen_as_kept(session) == seen_as_who_read(session)
        reads.record_seen_mark(session, member, room, mine[2].created_at, now)  # backwards: ignored
        reads.record_seen_mark(session, member, room, mine[-1].created_at, now)
        check(session)
        assert seen_as_kept(session) == seen_as_who_read(session)
        session.rollback()
