"""The reading summary kept as things happen (bot.models.reading: per member, circle and week, and
per item) equals a full recount after every kind of change — reading, withdrawing, editing,
posting, leaving, late joining, coming back, muting, merging members and splitting them again —
and /level's figures read from it equal those counted one by one from the acknowledgements."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from click.testing import CliRunner
from sqlalchemy import delete, event, func, inspect, select, update
from sqlalchemy.orm import Session, load_only

from bench.community import NOW
from bot.models import Acknowledgement, Circle, CircleMember, Item, Member, ReadingWeek, rebuild_reading
from bot.presentation import share
from bot.services import reads
from bot.services.commitments import create_commitment
from bot.services.dashboard.information import share_label
from bot.services.levels import level_report
from bot.services.membership import join_circle, leave_circle
from bot.services.merging import merge_members
from bot.services.read_counts import confirmed_counts
from bot.services.unmerging import split
from bot.services.updates import edit_item_text, post_item
from relais.cli import main
from tests.schedules.test_set_based import brute_levels, generated, members_of, unread_as_counted, unread_as_kept

__all__ = ["generated"]


def kept(session: Session) -> tuple[dict, dict]:
    session.flush()
    weeks = {
        (row.week, row.circle_id, row.member_id): (row.to_read, row.confirmed, row.seen)
        for row in session.scalars(select(ReadingWeek))
        if row.to_read or row.confirmed or row.seen
    }
    items = dict(session.execute(select(Item.id, Item.confirmed).where(Item.must_read.is_(True))).all())
    return weeks, items


def recounted(session: Session) -> tuple[dict, dict]:
    session.flush()
    rebuild_reading(session.connection())
    session.expire_all()
    return kept(session)


def check(session: Session) -> None:
    before, after = kept(session), recounted(session)
    assert before[0] == after[0]
    assert {i: (n, after[1][i]) for i, n in before[1].items() if after[1][i] != n} == {}
    for days in (2, 28, 45):
        since = NOW - timedelta(days=days, hours=3)
        members, per_item = brute_levels(session, since, None)
        report = level_report(session, 1, since, None, lowest=len(per_item))
        assert {level.member.id: (level.acknowledged, level.total) for level in report.members} == members
        assert {cov.item.id: (cov.acknowledged, cov.audience) for cov in report.lowest} == {
            item: counts for item, counts in per_item.items() if counts[1]
        }


def test_summary_follows_every_change(generated):
    now = NOW + timedelta(minutes=5)
    with Session(generated) as session:
        check(session)
        community, members = members_of(session)
        readers = [member for member in members if reads.unread_ids(session, member)][:6]
        read: list[Item] = []
        for member in readers:
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
        check(session)
        item = session.scalars(
            select(Item)
            .join(Acknowledgement, Acknowledgement.item_id == Item.id)
            .where(Item.must_read.is_(True), Item.author_id.is_not(None), Item.version == Acknowledgement.version)
        ).first()
        edit_item_text(session, item, session.get_one(Member, 1), "Nouveau texte", now)
        reads.acknowledge(session, item, readers[1], "command", now)
        circle = session.get_one(Circle, item.circle_id)
        post_item(session, community, circle, readers[2], "update", "Encore une nouvelle", now)
        create_commitment(session, community, circle, readers[2], "Un engagement", None, now)
        check(session)
        leaving = session.scalars(select(CircleMember).where(CircleMember.left_at.is_(None))).first()
        assert leave_circle(session, leaving.member_id, leaving.circle_id, now)
        post_item(session, community, session.get_one(Circle, leaving.circle_id), None, "announcement", "Après", now)
        outsider = next(member for member in members if not session.get(CircleMember, (circle.id, member.id)))
        assert join_circle(session, outsider, circle, now, backlog=5)  # a late joiner, with 5 items to read
        back = session.get_one(Member, leaving.member_id)
        assert join_circle(session, back, session.get_one(Circle, leaving.circle_id), now, backlog=5)
        check(session)
        readers[3].muted = True
        check(session)
        link = merge_members(session, readers[4], readers[5], None, now)
        check(session)
        split(session, link, None, now)
        check(session)
        session.rollback()


def test_relais_db_recount_counts_the_summary_again(generated):
    """`relais db recount` (after rows written without Relais, say) rebuilds the summary from the history."""
    with Session(generated) as session:
        before = kept(session)
    with generated.begin() as connection:
        connection.execute(delete(ReadingWeek))
        connection.execute(update(Item).values(confirmed=0))
    url = generated.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(main, ["db", "recount", "--db", url], env={"RELAIS_COMMUNITY_LANGUAGE": "fr"})
    assert result.exit_code == 0 and "les comptes sont à jour" in result.output
    with Session(generated) as session:
        assert kept(session) == before


def test_heat_map_labels_are_those_of_share():
    """The heat map writes each share's label once per whole percentage: the same text as share()."""
    for language in ("fr", "en"):
        loc = SimpleNamespace(language=language)
        for total in range(1, 201):
            for part in range(total + 1):
                assert share_label(language, part, total) == share(loc, part, total), (part, total)
        assert share_label(language, 0, 0) == share(loc, 0, 0)


def ack(item: Item, member: Member, version: int | None = None) -> Acknowledgement:
    return Acknowledgement(
        item_id=item.id, member_id=member.id, version=version or item.version, at=NOW, via="reaction"
    )


def toggle(session: Session, item: Item, member: Member) -> None:
    """Withdraw the member's acknowledgement of the item, or give one."""
    found = session.get(Acknowledgement, (item.id, member.id))
    if found is not None:
        session.delete(found)
    else:
        session.add(ack(item, member))


def test_one_flush_of_mixed_acknowledgements_is_counted_exactly(generated):
    """Acknowledgements are counted once per flush, all together (bot.models.acknowledged): a flush that
    gives, changes and withdraws many at once — the same member twice, one given then withdrawn, one
    withdrawn then given again, an edited item read again, a muted member, a late joiner reading in the
    flush that makes them join, a leaver — leaves the summary and the unread counts as a recount says."""
    with Session(generated) as session:
        community, members = members_of(session)
        readers = [member for member in members if len(reads.unread_ids(session, member)) >= 3][:3]
        first, second, third = (reads.unread_items(session, member, 3) for member in readers)
        stale = session.scalars(
            select(Acknowledgement)
            .join(Item, Item.id == Acknowledgement.item_id)
            .where(Acknowledgement.version != Item.version, Item.must_read.is_(True))
            .limit(3)
        ).all()
        assert len(stale) == 3
        edited = session.scalars(
            select(Item)
            .join(Acknowledgement, Acknowledgement.item_id == Item.id)
            .where(Item.must_read.is_(True), Item.version == Acknowledgement.version)
            .group_by(Item.id)
            .having(func.count() >= 2)
        ).first()
        edited_acks = session.scalars(select(Acknowledgement).where(Acknowledgement.item_id == edited.id)).all()
        circle = session.get_one(Circle, first[0].circle_id)
        recent = session.scalars(
            select(Item).where(Item.circle_id == circle.id, Item.must_read.is_(True)).order_by(Item.number.desc())
        ).all()[:6]
        outsider = next(
            member
            for member in members[1:]
            if member not in readers
            and not session.get(CircleMember, (circle.id, member.id))
            and not any(session.get(Acknowledgement, (item.id, member.id)) for item in recent)
        )
        leaving = session.scalars(
            select(CircleMember).where(
                CircleMember.left_at.is_(None),
                CircleMember.circle_id != circle.id,
                CircleMember.member_id.not_in([member.id for member in (*readers, outsider)]),
            )
        ).first()
        leaver_items = session.scalars(
            select(Item)
            .where(Item.circle_id == leaving.circle_id, Item.must_read.is_(True), Item.author_id != leaving.member_id)
            .order_by(Item.number.desc())
        ).all()[:2]
        unloaded = session.scalars(  # its version not loaded when withdrawn: its member's rows are counted again
            select(Acknowledgement)
            .join(Item, Item.id == Acknowledgement.item_id)
            .where(
                Acknowledgement.version == Item.version,
                Item.must_read.is_(True),
                Acknowledgement.member_id.not_in([member.id for member in (*readers, outsider)]),
                Acknowledgement.member_id != leaving.member_id,
            )
            .options(load_only(Acknowledgement.item_id, Acknowledgement.member_id))
            .execution_options(populate_existing=True)
        ).first()
        assert "version" in inspect(unloaded).unloaded
        with session.no_autoflush:
            session.delete(unloaded)
            session.add_all([ack(first[0], readers[0]), ack(first[1], readers[0])])  # the same member twice
            given = ack(first[2], readers[0])
            session.add(given)
            session.expunge(given)  # given then withdrawn before the flush
            old = stale[0]  # withdrawn and given again (the current version): the row is updated in place
            session.delete(old)
            session.add(ack(session.get_one(Item, old.item_id), session.get_one(Member, old.member_id)))
            stale[1].version = session.get_one(Item, stale[1].item_id).version  # read again, the current version
            session.delete(stale[2])  # an old version withdrawn: nothing counted changes
            edited.version += 1  # an edit: read again by one reader, withdrawn by another
            edited_acks[0].version = edited.version
            session.delete(edited_acks[1])
            readers[1].muted = True  # muted in the flush where they read
            session.add_all([ack(item, readers[1]) for item in second[:2]])
            session.add(ack(third[0], readers[2]))
            session.add(  # a late joiner, with the last 3 items to read, reads 2 of them and an older one
                CircleMember(circle_id=circle.id, member_id=outsider.id, joined_at=NOW, audience_from=recent[2].number)
            )
            session.add_all([ack(recent[0], outsider), ack(recent[1], outsider), ack(recent[5], outsider)])
            row = session.get_one(CircleMember, (leaving.circle_id, leaving.member_id))
            row.audience_until, row.left_at = leaver_items[1].number, NOW  # leaves: the newest is no longer theirs
            for item in leaver_items:  # and reads (or withdraws) the items on both sides of the end of their window
                toggle(session, item, session.get_one(Member, leaving.member_id))
            session.flush()
        check(session)
        assert unread_as_kept(session) == unread_as_counted(session)
        session.rollback()


def test_read_counts_of_many_items_are_each_item_own(generated):
    """The live "✅ 4/9" line under items' copies reads the counts of a batch's items together
    (read_counts.confirmed_counts): each is its audience (reads.audience: not muted, not the author)
    and the confirmations of its current version by them, as counted one item at a time."""
    with Session(generated) as session:
        items = session.scalars(select(Item).order_by(Item.id.desc()).limit(300)).all()
        readers = session.scalars(  # muted, with confirmations that no longer show
            select(Acknowledgement.member_id).where(Acknowledgement.item_id.in_([item.id for item in items])).distinct()
        ).all()
        for member_id in readers[:3]:
            session.get_one(Member, member_id).muted = True
        counts = confirmed_counts(session, [item.id for item in items])
        expected = {}
        for item in items:
            if item.must_read:
                audience = {member.id for member in reads.audience(session, item)}
                confirmed = sum(1 for state in reads.who_read(session, item) if state.state == "acknowledged")
                expected[item.id] = ("fr", confirmed, len(audience))
        assert counts == expected
        assert any(confirmed for _language, confirmed, _total in counts.values())
        assert any(item.author_id is not None for item in items) and not all(item.must_read for item in items)
        session.rollback()


def test_a_flush_counts_its_acknowledgements_in_the_same_few_statements_however_many(generated):
    """Counting a flush's acknowledgements takes the same statements for 3 as for 60 (bot.models.acknowledged):
    a batch of ✅ costs the kept counts a bounded number of statements, not five per acknowledgement."""

    def statements(readers: int) -> int:
        with Session(generated) as session:
            acks = []
            for member in members_of(session)[1]:
                fresh = [
                    item
                    for item in reads.unread_items(session, member, 10)
                    if not session.get(Acknowledgement, (item.id, member.id))
                ]
                if len(fresh) >= 3 and len(acks) < 3 * readers:
                    acks += [ack(item, member) for item in fresh[:3]]
            assert len(acks) == 3 * readers
            session.add_all(acks)
            seen: list[str] = []

            def note(_conn, _cursor, statement, *_args) -> None:
                seen.append(statement)

            event.listen(generated, "before_cursor_execute", note)
            try:
                session.flush()
            finally:
                event.remove(generated, "before_cursor_execute", note)
            check(session)
            session.rollback()
            return len(seen)

    assert statements(1) == statements(20) <= 7  # the rows, two look-ups, the weeks, the items, the memberships
