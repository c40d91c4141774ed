"""A restart after hours down, with a scripted homeserver (no Synapse): what was said meanwhile
comes in the first sync (a limited timeline and a gap to fetch). The gap fetch refused for a while
(the homeserver just restarted, 502; rate limited after the downtime, 429) replays the batch instead
of dropping what the gap held; the very first position is kept at once."""

from __future__ import annotations

from types import SimpleNamespace

from nio import RoomMessagesError, RoomMessagesResponse
from sqlalchemy import select

from adapters.matrix.client import TOKEN
from bot.models import Commitment, OutboxMessage

from .test_sync_loop import ROOM, FakeClient, Harness, batch, command


def page(*events: dict, end: str | None = "older") -> RoomMessagesResponse:
    found = RoomMessagesResponse.from_dict(
        {"chunk": list(events), "start": "prev-s2", **({"end": end} if end else {})}, ROOM
    )
    assert isinstance(found, RoomMessagesResponse)
    return found


def titles(harness: Harness) -> list[str]:
    with harness.dispatcher.store.unit_of_work() as session:
        return list(session.scalars(select(Commitment.title).order_by(Commitment.item_id)))


async def test_a_gap_the_homeserver_refuses_for_now_is_fetched_again_not_dropped(store, clock, config):
    gap_then_now = batch("s2", command("!engage Troisième", "$c"), limited=True)
    client = FakeClient(batch("s1"), gap_then_now, gap_then_now)
    busy = RoomMessagesError.from_dict({"errcode": "M_LIMIT_EXCEEDED", "error": "Too Many Requests"}, ROOM)
    client.pages = [
        busy,  # the first sync after the restart: the gap cannot be read yet
        page(command("!engage Deuxième", "$b2"), command("!engage Première", "$b1")),
        page(end=None),
    ]
    harness = Harness(store, clock, config, client)
    await harness.loop.run(batches=1)
    assert await harness.loop.step("s1") == "s1"  # not handled: the position stays, the batch comes again
    assert harness.state.get(TOKEN) == "s1" and titles(harness) == []
    assert await harness.loop.step("s1") == "s2"
    assert titles(harness) == ["Première", "Deuxième", "Troisième"]  # none lost, oldest first
    assert harness.count(OutboxMessage) == 3  # one answer each


async def test_a_gap_the_homeserver_cannot_serve_is_fetched_again_not_dropped(store, clock, config):
    gap_then_now = batch("s2", command("!engage Troisième", "$c"), limited=True)
    client = FakeClient(batch("s1"), gap_then_now, gap_then_now)
    down = RoomMessagesError.from_dict({"errcode": "M_UNKNOWN", "error": "Bad Gateway"}, ROOM)
    down.transport_response = SimpleNamespace(status=502)  # type: ignore[assignment]
    client.pages = [down, page(command("!engage Première", "$b1")), page(end=None)]
    harness = Harness(store, clock, config, client)
    await harness.loop.run(batches=1)
    assert await harness.loop.step("s1") == "s1"
    assert await harness.loop.step("s1") == "s2"
    assert titles(harness) == ["Première", "Troisième"]


async def test_the_first_position_is_kept_at_once(store, clock, config):
    """Killed right after the first sync: the next start is not a first start again (which would take
    what members typed meanwhile for history and never answer it)."""
    client = FakeClient(batch("s1", command("!engage Vieille histoire", "$old")))
    harness = Harness(store, clock, config, client)
    harness.loop.save_after = 3600.0  # the deferred write never comes: the process is killed first
    await harness.loop.step(None)
    assert harness.state.get(TOKEN) == "s1"
    assert titles(harness) == []


async def test_a_day_of_a_busy_room_is_fetched_whole(store, clock, config):
    """Hours down in a busy room (reactions are timeline events too): more than 1,000 events missed;
    the oldest command among them is still answered (the fetch stopped after 10 pages of 100)."""
    client = FakeClient(batch("s1"), batch("s2", command("!engage Dernière", "$last"), limited=True))
    chatter = [
        {**command("bonjour", f"$chat{n}"), "content": {"msgtype": "m.text", "body": "bonjour"}} for n in range(99)
    ]
    pages = [page(*chatter, end=f"older{n}") for n in range(14)]
    pages.append(page(*chatter, command("!engage Première", "$first"), end="oldest"))
    client.pages = [*pages, page(end=None)]
    harness = Harness(store, clock, config, client)
    await harness.loop.run(batches=2)
    assert titles(harness) == ["Première", "Dernière"]
