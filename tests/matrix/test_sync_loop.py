"""The sync loop with a scripted homeserver (no Synapse): token saved after the batch, first start
ignores history, a crash mid-batch replays it without handling anything twice, backoff,
M_LIMIT_EXCEEDED waits retry_after_ms, a refused token stops the bot, gaps are fetched."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from nio import JoinedMembersResponse, JoinedRoomsResponse, RoomMessagesResponse, SyncError, SyncResponse
from sqlalchemy import func, select

from adapters.matrix.client import TOKEN, SyncLoop
from adapters.matrix.config import MatrixConfig
from adapters.matrix.errors import FatalError
from adapters.matrix.handler import BatchHandler
from adapters.matrix.inbound import Addressing
from adapters.matrix.members import RoomMembers
from adapters.matrix.reads import ReadSignals
from adapters.matrix.rooms import Rooms
from adapters.matrix.state import MatrixState
from bot.config import CircleConfig
from bot.dispatch import Dispatcher
from bot.models import Circle, CircleMember, Commitment, Member, OutboxMessage, ProcessedEvent
from commands import build_router
from tests.support.waiting import eventually

DATA = Path(__file__).parent / "data"
IDS = json.loads((DATA / "ids.json").read_text())
ROOM, BOT, ALICE = "!r:example.org", IDS["bot"], IDS["alice"]
GROUP, BOB, BRIDGE = "!g:example.org", "@bob:example.org", "@bridge:example.org"  # GROUP: linked to no circle


def raw(name: str) -> dict[str, Any]:
    return json.loads((DATA / name).read_text())


def command(text: str, event_id: str) -> dict[str, Any]:
    event = copy.deepcopy(raw("command.json"))
    event["content"]["body"], event["event_id"] = text, event_id
    event["unsigned"] = {}
    return event


def batch(token: str, *events: dict[str, Any], limited: bool = False, room_id: str = ROOM) -> SyncResponse:
    room = {
        "timeline": {"events": list(events), "limited": limited, "prev_batch": f"prev-{token}"},
        "state": {"events": []},
        "ephemeral": {"events": []},
        "account_data": {"events": []},
    }
    response = SyncResponse.from_dict({"next_batch": token, "rooms": {"join": {room_id: room}}})
    assert isinstance(response, SyncResponse)
    return response


class FakeRoom:
    joined_count, invited_count, users, invited_users, encrypted = 3, 0, {}, {}, False


class FakeClient:
    """Answers sync() from a script: a SyncResponse, a SyncError, or an exception to raise."""

    def __init__(self, *script: Any) -> None:
        self.script = list(script)
        self.syncs: list[str | None] = []
        self.next_batch: str | None = None
        self.rooms = {ROOM: FakeRoom(), GROUP: FakeRoom()}
        self.pages: list[RoomMessagesResponse] = []
        self.page_requests: list[tuple[str, str | None]] = []
        self.members = {ROOM: {BOT: "Relais", ALICE: "Alice"}, GROUP: {BOT: "Relais", ALICE: "Alice"}}
        self.member_requests: list[str] = []

    async def joined_rooms(self) -> JoinedRoomsResponse:
        return JoinedRoomsResponse(list(self.members))

    async def joined_members(self, room_id: str) -> Any:
        self.member_requests.append(room_id)
        joined = {user: {"display_name": name} for user, name in self.members[room_id].items()}
        return JoinedMembersResponse.from_dict({"joined": joined}, room_id)

    async def sync(self, timeout: int, sync_filter: dict[str, Any], since: str | None, full_state: bool = False) -> Any:
        self.syncs.append(since)
        step = self.script.pop(0)
        if isinstance(step, BaseException):
            raise step
        return step

    async def room_messages(
        self, room_id: str, start: str, end: str | None, direction: Any, limit: int
    ) -> RoomMessagesResponse:
        self.page_requests.append((start, end))
        return self.pages.pop(0)


class Harness:
    def __init__(self, store, clock, config, client: FakeClient) -> None:
        config = replace(
            config,
            circles=(*config.circles, CircleConfig("Matrix", (f"matrix:{ROOM}",))),
            facilitators=(*config.facilitators, f"matrix:{ALICE}"),
        )
        self.dispatcher = Dispatcher(store=store, config=config, clock=clock, router=build_router())
        self.dispatcher.setup()
        self.matrix = MatrixConfig(
            homeserver="http://hs", user_id=BOT, access_token="t", max_backoff=4, ignored_users=(BRIDGE,)
        )
        self.state = MatrixState(self.dispatcher, BOT)
        self.woken = 0
        rooms = Rooms(client, self.dispatcher, self.state, self.matrix, self.wake, e2e=False)  # type: ignore[arg-type]
        self.members = RoomMembers(client, self.dispatcher, self.matrix)  # type: ignore[arg-type]

        async def no_fetch(room_id: str, event_id: str) -> int | None:
            return None

        reads = ReadSignals(self.dispatcher, self.state, BOT, no_fetch, lambda room, user: None)
        self.handler = BatchHandler(
            client,
            self.dispatcher,
            rooms,
            self.members,
            reads,
            Addressing(BOT, "!"),  # type: ignore[arg-type]
            self.wake,
        )
        self.sleeps: list[float] = []
        self.online_calls = 0

        async def sleep(seconds: float) -> None:
            self.sleeps.append(seconds)

        def online() -> None:
            self.online_calls += 1

        # save_after=0: the position is written before step() returns (the deferred writing has its own test)
        self.loop = SyncLoop(client, self.matrix, self.state, self.handler, online, sleep=sleep, save_after=0)  # type: ignore[arg-type]

    def wake(self) -> None:
        self.woken += 1

    def count(self, model: Any) -> int:
        with self.dispatcher.store.unit_of_work() as session:
            return int(session.scalar(select(func.count()).select_from(model)) or 0)


async def test_first_start_ignores_history_then_commands_are_handled(store, clock, config):
    client = FakeClient(
        batch("s1", command("!engage Vieille histoire", "$old")), batch("s2", command("!engage Nouvelle tâche", "$new"))
    )
    harness = Harness(store, clock, config, client)
    await harness.loop.run(batches=1)
    assert harness.state.get(TOKEN) == "s1" and harness.count(Commitment) == 0
    await harness.loop.run(batches=2)
    assert client.syncs == [None, "s1"]
    assert harness.state.get(TOKEN) == "s2" and harness.count(Commitment) == 1
    # the answer waits in the outbox (a running delivery loop takes it as it commits: no wake-up needed)
    assert harness.count(OutboxMessage) == 1 and harness.woken == 0


async def test_crash_mid_batch_replays_it_without_doing_anything_twice(store, clock, config):
    events = [command("!engage Première", "$a"), command("!engage Deuxième", "$b")]
    client = FakeClient(batch("s1"), batch("s2", *events), batch("s2", *events))
    harness = Harness(store, clock, config, client)
    await harness.loop.run(batches=1)
    original = harness.handler.on_event
    calls = 0

    async def dies_on_the_second_event(room_id: str, event: dict[str, Any]) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise aiohttp.ServerDisconnectedError()  # the homeserver went away mid-batch
        await original(room_id, event)

    harness.handler.on_event = dies_on_the_second_event  # type: ignore[method-assign]
    token = await harness.loop.step("s1")
    assert token == "s1" and harness.state.get(TOKEN) == "s1"  # not saved: the batch will be replayed
    assert harness.count(Commitment) == 1 and harness.sleeps == [0.5]
    token = await harness.loop.step(token)
    assert token == "s2" and harness.state.get(TOKEN) == "s2"
    assert harness.count(Commitment) == 2 and harness.count(ProcessedEvent) == 2
    assert harness.count(OutboxMessage) == 2  # one answer per command, not three


async def test_backoff_limit_exceeded_and_recovery(store, clock, config):
    refused = aiohttp.ServerDisconnectedError()
    client = FakeClient(
        batch("s1"),
        OSError("connection refused"),
        refused,
        OSError("x"),
        OSError("x"),
        OSError("x"),
        SyncError("slow down", "M_LIMIT_EXCEEDED", retry_after_ms=1234),
        SyncError("internal", "M_UNKNOWN"),
        batch("s2"),
    )
    harness = Harness(store, clock, config, client)
    await harness.loop.run(batches=1)
    assert harness.online_calls == 1 and harness.loop.online.is_set()
    for _ in range(7):
        await harness.loop.step("s1")
        assert not harness.loop.online.is_set()
    assert harness.sleeps == [0.5, 1, 2, 4, 4, 1.234, 4]  # capped at max_backoff; 429 waits what it says
    assert await harness.loop.step("s1") == "s2"
    assert harness.loop.online.is_set() and harness.online_calls == 2 and harness.loop.failures == 0
    assert client.syncs.count("s1") == 8  # no tight loop: one request per wait


async def test_refused_token_stops_the_bot(store, clock, config):
    harness = Harness(store, clock, config, FakeClient(SyncError("bad token", "M_UNKNOWN_TOKEN")))
    with pytest.raises(FatalError, match="refused"):
        await harness.loop.run(batches=1)


async def test_a_long_absence_is_fetched_page_by_page(store, clock, config):
    client = FakeClient(batch("s1"), batch("s2", command("!engage Troisième", "$c"), limited=True))
    page = RoomMessagesResponse.from_dict(
        {
            "chunk": [command("!engage Deuxième", "$b2"), command("!engage Première", "$b1")],
            "start": "prev-s2",
            "end": "older",
        },
        ROOM,
    )
    client.pages = [page, RoomMessagesResponse.from_dict({"chunk": [], "start": "older"}, ROOM)]
    harness = Harness(store, clock, config, client)
    await harness.loop.run(batches=2)
    assert client.page_requests == [("prev-s2", "s1"), ("older", "s1")]
    with store.unit_of_work() as session:
        titles = list(session.scalars(select(Commitment.title).order_by(Commitment.item_id)))
    assert titles == ["Première", "Deuxième", "Troisième"]  # oldest first


async def test_login_waits_out_rate_limits_and_outages():
    from nio import LoginError

    from adapters.matrix.client import retrying

    answers: list[Any] = [
        OSError("refused"),
        LoginError("slow down", "M_LIMIT_EXCEEDED", retry_after_ms=2500),
        LoginError("bad password", "M_FORBIDDEN"),
    ]
    sleeps: list[float] = []

    async def attempt() -> Any:
        answer = answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    final = await retrying("login", attempt, 30, sleep)
    assert isinstance(final, LoginError) and final.status_code == "M_FORBIDDEN"  # a real "no" is returned
    assert sleeps == [0.5, 2.5]


def member_event(user: str, membership: str, sender: str | None = None, name: str | None = None) -> dict[str, Any]:
    event = copy.deepcopy(raw("member_rename.json"))
    event["state_key"], event["sender"], event["event_id"] = user, sender or user, f"${user}-{membership}"
    event["content"] = {"membership": membership, **({"displayname": name} if name else {})}
    return event


def circles_of(harness: Harness) -> dict[str, set[str]]:
    """Display name -> the circles the member is in now."""
    with harness.dispatcher.store.unit_of_work() as session:
        rows = session.execute(
            select(Member.display_name, Circle.name)
            .join(CircleMember, CircleMember.member_id == Member.id)
            .join(Circle, Circle.id == CircleMember.circle_id)
            .where(CircleMember.left_at.is_(None))
        ).all()
    found: dict[str, set[str]] = {}
    for name, circle in rows:
        found.setdefault(name, set()).add(circle)
    return found


async def test_members_read_at_start_then_kept_in_step_by_member_events(store, clock, config):
    client = FakeClient(
        batch("s1"),
        batch(
            "s2",
            member_event(BOB, "leave", sender=BRIDGE),  # kicked by an ignored bot: still a kick
            member_event("@carol:example.org", "join", name="Carol"),
            member_event(ALICE, "join", name="Alice Martin"),  # a new display name
            member_event(BRIDGE, "join", name="Bridge"),
            member_event("@dan:example.org", "invite", sender=ALICE),
        ),
    )
    client.members[ROOM] = {BOT: "Relais", ALICE: "Alice", BOB: "Bob", BRIDGE: "Bridge"}
    harness = Harness(store, clock, config, client)
    await harness.loop.run(batches=1)  # the first start: history ignored, members read
    assert client.member_requests == [ROOM]  # only the room linked to a circle
    assert circles_of(harness) == {"Alice": {"Matrix"}, "Bob": {"Matrix"}}
    await harness.loop.run(batches=2)
    assert circles_of(harness) == {"Alice Martin": {"Matrix"}, "Carol": {"Matrix"}}
    assert client.member_requests == [ROOM]  # events keep it in step: no second read


async def test_linking_a_room_reads_its_members_at_once(store, clock, config):
    client = FakeClient(batch("s1"), batch("s2", command("!map GT Mobilité", "$map"), room_id=GROUP))
    client.members[GROUP] = {BOT: "Relais", ALICE: "Alice", BOB: "Bob", BRIDGE: "Bridge"}
    harness = Harness(store, clock, config, client)
    await harness.loop.run(batches=2)
    assert client.member_requests == [ROOM, GROUP]
    assert circles_of(harness) == {"Alice": {"Matrix", "GT Mobilité"}, "Bob": {"GT Mobilité"}}
    with store.unit_of_work() as session:
        answer = session.scalar(select(OutboxMessage.text).where(OutboxMessage.channel == f"matrix:{GROUP}"))
    assert answer is not None and "GT Mobilité" in answer


async def test_the_position_is_written_once_the_answers_left_the_newest_only(store, clock, config):
    client = FakeClient(batch("s1"), batch("s2", command("!engage Une tâche", "$a")), batch("s3"))
    harness = Harness(store, clock, config, client)
    await harness.loop.run(batches=1)
    assert harness.state.get(TOKEN) == "s1"  # run() writes what it handled when it returns (a stop, too)
    written: list[str] = []
    original = harness.state.set
    harness.state.set = lambda name, value: (written.append(value), original(name, value))[1]  # type: ignore[method-assign]
    harness.loop.save_after, harness.loop.save_every = 0.01, 0
    assert await harness.loop.step("s1") == "s2" and await harness.loop.step("s2") == "s3"
    assert written == [] and harness.count(OutboxMessage) == 1  # the answer is written; the position waits
    await eventually(lambda: written == ["s3"], what="the newest position to be written")
    assert harness.state.get(TOKEN) == "s3"


async def test_the_position_is_written_at_most_every_save_every_seconds_and_at_a_stop(store, clock, config):
    client = FakeClient(batch("s1"), batch("s2"), batch("s3", command("!engage Une tâche", "$a")), batch("s4"))
    harness = Harness(store, clock, config, client)
    written: list[str] = []
    original = harness.state.set
    harness.state.set = lambda name, value: (written.append(value), original(name, value))[1]  # type: ignore[method-assign]
    harness.loop.save_after, harness.loop.save_every = 0.01, 3600  # a second write would wait an hour
    assert await harness.loop.step(None) == "s1"
    await eventually(lambda: written == ["s1"], what="the first position, written soon after its batch")
    assert await harness.loop.step("s1") == "s2" and await harness.loop.step("s2") == "s3"
    assert await harness.loop.step("s3") == "s4"
    assert harness.count(OutboxMessage) == 1  # the command was handled and answered meanwhile
    assert written == ["s1"] and harness.loop._saver is not None and not harness.loop._saver.done()
    harness.loop.save_now()  # what a stop does (SyncLoop.run's finally): the newest position, at once
    assert written == ["s1", "s4"] and harness.state.get(TOKEN) == "s4"
    harness.loop._saver.cancel()
