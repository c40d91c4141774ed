"""The heat map's weekly "seen" (seen or confirmed) is what reads.who_read says item by item: on a
small community whose items were posted on Slack and on Matrix, with read receipts from both,
an item marked seen, confirmations given and one withdrawn."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.markup import to_plain
from bot.models import Community, Item, Member, MessageRef
from bot.models.reading import week_of
from bot.presentation import member_label
from bot.services import reads
from tests.web.conftest import sign_in
from tests.web.test_level_review import reading

SLACK, MATRIX = "C0COPIL", "!copil:example.org"


def signals(bot) -> None:
    """Every item posted on both platforms; receipts, a seen item and confirmations on some."""
    now = bot.clock.now()
    with bot.dispatcher.store.unit_of_work() as session:
        items = session.scalars(select(Item).where(Item.must_read.is_(True)).order_by(Item.number)).all()
        for item in items:
            session.add(
                MessageRef(item_id=item.id, channel=SLACK, message_id=f"{item.number}.1", posted_at=item.created_at)
            )
            session.add(
                MessageRef(
                    item_id=item.id,
                    channel=MATRIX,
                    message_id=f"$event{item.number}",
                    posted_at=item.created_at + timedelta(seconds=2),
                )
            )
        session.flush()
        by_name = {member.display_name.lower(): member for member in session.scalars(select(Member))}
        paula, cora, fabienne = by_name["paula"], by_name["cora"], by_name["fabienne"]
        number = {item.number: item for item in items}
        reads.record_seen_mark(session, fabienne, MATRIX, number[4].created_at + timedelta(seconds=2), now)
        reads.record_seen_mark(session, fabienne, SLACK, number[6].created_at, now)  # both platforms: once each
        reads.record_seen_mark(session, cora, MATRIX, number[5].created_at, now)  # #5 is not for Cora
        reads.record_seen_items(session, paula, [number[7].id], now)  # "Read in full"
        reads.acknowledge(session, number[7], paula, "button", now)  # and confirmed: seen once
        reads.acknowledge(session, number[6], cora, "reaction", now)
        reads.acknowledge(session, number[7], cora, "reaction", now)
        reads.withdraw(session, number[7], cora)  # withdrawn, no receipt: not seen
        reads.withdraw(session, number[6], fabienne)  # nothing to withdraw


def expected(bot, weeks: int = 8) -> dict[str, list[tuple[int, int]]]:
    """member's name -> per week of the heat map (oldest first), (seen or confirmed, to read) from who_read."""
    with bot.dispatcher.store.unit_of_work(reading=True) as session:
        tz = ZoneInfo(session.scalars(select(Community)).one().timezone)
        current = week_of(bot.clock.now(), tz)
        found: dict[str, list[tuple[int, int]]] = {}
        for item in session.scalars(select(Item).where(Item.must_read.is_(True))):
            index = weeks - 1 - (current - week_of(item.created_at, tz)).days // 7
            for state in reads.who_read(session, item):
                name = to_plain(member_label(state.member))
                row = found.setdefault(name, [(0, 0)] * weeks)
                seen, total = row[index]
                row[index] = (seen + (state.state != "unread"), total + 1)
        return found


async def test_the_weekly_seen_share_is_who_reads_item_by_item(client, community):
    reading(community)
    signals(community)
    await sign_in(client, community, "fabienne")
    body = (await (await client.get("/level.csv")).read()).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    header = rows[0]
    seen_columns = [index for index, name in enumerate(header) if name.startswith("seen ")]
    assert len(seen_columns) == 8
    shown = {
        row[1]: [tuple(int(part) for part in row[index].split("/")) for index in seen_columns]
        for row in rows[1:]
        if row[0] == "member"
    }
    wanted = {name: weeks for name, weeks in expected(community).items() if name in shown}
    assert shown == {name: wanted.get(name, [(0, 0)] * 8) for name in shown}
    assert len(shown) >= 3 and any(seen for weeks in shown.values() for seen, _ in weeks)
    page = await (await client.get("/level")).text()
    assert "vus " in page and "Vus ou confirmés" in page
