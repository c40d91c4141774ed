"""Prove the Synapse test harness works with real matrix-nio clients.

Also pins down homeserver behaviour Relais relies on:
* transaction-id idempotency (exactly-once sends), incl. across a restart;
* how nio surfaces reactions (``ReactionEvent``) and read receipts
  (``ReceiptEvent`` with ``Receipt`` items);
* clients keep working (same URL, same token) after a homeserver outage.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import statistics
import time
import urllib.error
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest
from nio import (
    AsyncClient,
    AsyncClientConfig,
    InviteMemberEvent,
    JoinResponse,
    ReactionEvent,
    Receipt,
    ReceiptEvent,
    RoomCreateResponse,
    RoomMessagesResponse,
    RoomMessageText,
    RoomReadMarkersResponse,
    RoomSendResponse,
    SyncResponse,
    UpdateReceiptMarkerResponse,
    WhoamiResponse,
)
from nio.api import MessageDirection

from .synapse import MatrixUser, SynapseError, SynapseServer

TEST_TIMEOUT = 60.0  # hard cap for every async test body (seconds)
SYNC_LONGPOLL_MS = 2000


# --------------------------------------------------------------------------- helpers
def _config(**kw: Any) -> AsyncClientConfig:
    # request_timeout bounds every HTTP call; max_timeouts bounds nio's retry
    # loop on connection errors (None = retry forever, nio's default).
    kw.setdefault("request_timeout", 15)
    kw.setdefault("max_timeouts", 2)
    kw.setdefault("encryption_enabled", False)
    return AsyncClientConfig(**kw)


@contextlib.asynccontextmanager
async def client_for(
    hs: SynapseServer,
    user: MatrixUser,
    *,
    config: AsyncClientConfig | None = None,
    access_token: str | None = None,
    device_id: str | None = None,
) -> AsyncIterator[AsyncClient]:
    client = AsyncClient(hs.base_url, user.user_id, config=config or _config())
    client.user_id = user.user_id
    client.device_id = device_id or user.device_id
    client.access_token = access_token or user.access_token
    try:
        yield client
    finally:
        await client.close()


async def sync_until(client: AsyncClient, found: Callable[[SyncResponse], Any], timeout: float = 20.0) -> Any:
    """Long-poll sync until ``found(response)`` is truthy; return that value."""
    async with asyncio.timeout(timeout):
        while True:
            resp = await client.sync(timeout=SYNC_LONGPOLL_MS)
            assert isinstance(resp, SyncResponse), resp
            result = found(resp)
            if result:
                return result


def timeline(resp: SyncResponse, room_id: str) -> list[Any]:
    room = resp.rooms.join.get(room_id)
    return list(room.timeline.events) if room else []


def ephemeral(resp: SyncResponse, room_id: str) -> list[Any]:
    room = resp.rooms.join.get(room_id)
    return list(room.ephemeral) if room else []


def message_with_body(room_id: str, body: str) -> Callable[[SyncResponse], Any]:
    def found(resp: SyncResponse) -> Any:
        for ev in timeline(resp, room_id):
            if isinstance(ev, RoomMessageText) and ev.body == body:
                return ev
        return None

    return found


async def send_text(client: AsyncClient, room_id: str, body: str, tx_id: str | None = None) -> str:
    resp = await client.room_send(room_id, "m.room.message", {"msgtype": "m.text", "body": body}, tx_id=tx_id)
    assert isinstance(resp, RoomSendResponse), resp
    return resp.event_id


async def room_with_bot(bot: AsyncClient, partner: AsyncClient, *others: AsyncClient) -> str:
    """Partner creates a room and invites the bot (+ others); everyone joins."""
    invitees = [bot.user_id, *(c.user_id for c in others)]
    created = await partner.room_create(name=f"room-{uuid.uuid4().hex[:6]}", invite=invitees)
    assert isinstance(created, RoomCreateResponse), created
    room_id = created.room_id

    def invited(resp: SyncResponse) -> bool:
        info = resp.rooms.invite.get(room_id)
        return bool(info) and any(
            isinstance(ev, InviteMemberEvent) and ev.state_key == bot.user_id and ev.membership == "invite"
            for ev in info.invite_state
        )

    await sync_until(bot, invited)
    for c in (bot, *others):
        joined = await c.join(room_id)
        assert isinstance(joined, JoinResponse), joined
    await sync_until(bot, lambda r: room_id in r.rooms.join)
    return room_id


async def events_in_room(client: AsyncClient, room_id: str, limit: int = 100) -> list[Any]:
    resp = await client.room_messages(room_id, start="", direction=MessageDirection.back, limit=limit)
    assert isinstance(resp, RoomMessagesResponse), resp
    return resp.chunk


# --------------------------------------------------------------------------- tests
def test_server_is_local_isolated_and_registers_users(synapse_server: SynapseServer) -> None:
    hs = synapse_server
    assert hs.base_url.startswith("http://127.0.0.1:")
    assert hs.port not in (8008, 8448)
    assert "versions" in hs.request("GET", "/_matrix/client/versions")

    cfg = json.loads(hs.config_path.read_text())
    (listener,) = cfg["listeners"]
    assert listener["bind_addresses"] == ["127.0.0.1"]
    assert [r["names"] for r in listener["resources"]] == [["client"]]
    assert cfg["trusted_key_servers"] == [] and cfg["report_stats"] is False
    assert cfg["enable_registration"] is False and cfg["url_preview_enabled"] is False

    # no federation / key server resources are served
    for path in ("/_matrix/federation/v1/version", "/_matrix/key/v2/server"):
        with pytest.raises(SynapseError, match="HTTP 404"):
            hs.request("GET", path)
    # open registration is off; only the shared-secret admin API registers
    with pytest.raises(SynapseError, match="HTTP 403"):
        hs.request(
            "POST",
            "/_matrix/client/v3/register",
            {"username": "nope", "password": "x", "auth": {"type": "m.login.dummy"}},
        )

    name = f"admin-{uuid.uuid4().hex[:8]}"
    admin_id, admin_token, admin_dev = hs.register(name, "pw-admin", admin=True)
    assert admin_id == f"@{name}:localhost" and admin_token and admin_dev
    user_id, user_token, _ = hs.register(f"plain-{uuid.uuid4().hex[:8]}", "pw")
    assert hs.request("GET", "/_matrix/client/v3/account/whoami", access_token=user_token)["user_id"] == user_id
    info = hs.request("GET", f"/_synapse/admin/v2/users/{user_id}", access_token=admin_token)
    assert info["admin"] is False
    with pytest.raises(SynapseError, match="HTTP 403"):
        hs.request("GET", f"/_synapse/admin/v2/users/{admin_id}", access_token=user_token)
    # duplicate registration is refused
    with pytest.raises(SynapseError, match="HTTP 400"):
        hs.register(name, "other")


@pytest.mark.asyncio
async def test_invite_join_message_and_round_trip(
    synapse_server: SynapseServer, matrix_user: Callable[..., MatrixUser]
) -> None:
    hs = synapse_server
    bot_u, p1_u, p2_u = matrix_user("bot"), matrix_user("alice"), matrix_user("bob")
    async with (
        asyncio.timeout(TEST_TIMEOUT),
        client_for(hs, bot_u) as bot,
        client_for(hs, p1_u) as p1,
        client_for(hs, p2_u) as p2,
    ):
        for c in (bot, p1, p2):
            assert isinstance(await c.sync(timeout=0), SyncResponse)
        room_id = await room_with_bot(bot, p1, p2)
        assert isinstance(await p1.sync(timeout=0), SyncResponse)

        # partner -> bot
        event_id = await send_text(p1, room_id, "hello bot")
        got = await sync_until(bot, message_with_body(room_id, "hello bot"))
        assert got.event_id == event_id and got.sender == p1_u.user_id

        # bot -> room; both partners see it
        reply_id = await send_text(bot, room_id, "hello humans")
        for p in (p1, p2):
            seen = await sync_until(p, message_with_body(room_id, "hello humans"))
            assert seen.event_id == reply_id and seen.sender == bot_u.user_id

        # timings: one way (partner send -> bot sync) and full round trip
        # (partner send -> bot sync -> bot reply -> partner sync)
        one_way, round_trip = [], []
        for i in range(5):
            waiter = asyncio.create_task(sync_until(bot, message_with_body(room_id, f"ping {i}")))
            t0 = time.perf_counter()
            await send_text(p1, room_id, f"ping {i}")
            await waiter
            t1 = time.perf_counter()
            await send_text(bot, room_id, f"pong {i}")
            await sync_until(p1, message_with_body(room_id, f"pong {i}"))
            t2 = time.perf_counter()
            one_way.append(t1 - t0)
            round_trip.append(t2 - t0)
        print(
            f"\n[synapse timings] start={hs.last_start_seconds:.2f}s "
            f"one-way median={statistics.median(one_way) * 1000:.0f}ms "
            f"max={max(one_way) * 1000:.0f}ms; round-trip median="
            f"{statistics.median(round_trip) * 1000:.0f}ms max={max(round_trip) * 1000:.0f}ms"
        )


@pytest.mark.asyncio
async def test_same_tx_id_gives_exactly_one_event(
    synapse_server: SynapseServer, matrix_user: Callable[..., MatrixUser]
) -> None:
    hs = synapse_server
    bot_u, p1_u = matrix_user("bot"), matrix_user("alice")
    async with asyncio.timeout(TEST_TIMEOUT), client_for(hs, bot_u) as bot, client_for(hs, p1_u) as p1:
        await bot.sync(timeout=0)
        room_id = await room_with_bot(bot, p1)
        tx_id = f"relais-{uuid.uuid4().hex}"

        first = await send_text(bot, room_id, "exactly once", tx_id=tx_id)
        second = await send_text(bot, room_id, "exactly once", tx_id=tx_id)
        # a retry with the same tx id but different content is still the original
        third = await send_text(bot, room_id, "changed body", tx_id=tx_id)
        assert first == second == third

        # a fresh access token for the SAME device still dedups
        # (Synapse scopes transaction ids to (user, device), not to the token)
        _, token2, dev2 = hs.login(bot_u.localpart, bot_u.password, device_id=bot_u.device_id)
        assert dev2 == bot_u.device_id and token2 != bot_u.access_token
        async with client_for(hs, bot_u, access_token=token2) as bot_again:
            assert await send_text(bot_again, room_id, "exactly once", tx_id=tx_id) == first

        # ... but another device of the same user does NOT: tx ids are per device
        _, token3, dev3 = hs.login(bot_u.localpart, bot_u.password)
        assert dev3 != bot_u.device_id
        async with client_for(hs, bot_u, access_token=token3, device_id=dev3) as other_dev:
            other = await send_text(other_dev, room_id, "other device", tx_id=tx_id)
        assert other != first

        # the room holds exactly one event from the repeated sends
        events = await events_in_room(p1, room_id)
        ours = [e for e in events if isinstance(e, RoomMessageText) and e.sender == bot_u.user_id]
        assert [e.event_id for e in ours if e.body == "exactly once"] == [first]
        assert not [e for e in ours if e.body == "changed body"]
        assert [e.body for e in ours] == ["other device", "exactly once"]  # newest first

        # the sending device sees its own tx id echoed in `unsigned`
        echoed = await sync_until(bot, message_with_body(room_id, "exactly once"))
        assert echoed.event_id == first
        assert echoed.source.get("unsigned", {}).get("transaction_id") == tx_id


@pytest.mark.asyncio
async def test_reaction_and_read_receipt_reach_the_bot(
    synapse_server: SynapseServer, matrix_user: Callable[..., MatrixUser]
) -> None:
    hs = synapse_server
    bot_u, p1_u, p2_u = matrix_user("bot"), matrix_user("alice"), matrix_user("bob")
    async with (
        asyncio.timeout(TEST_TIMEOUT),
        client_for(hs, bot_u) as bot,
        client_for(hs, p1_u) as p1,
        client_for(hs, p2_u) as p2,
    ):
        await bot.sync(timeout=0)
        room_id = await room_with_bot(bot, p1, p2)
        msg_id = await send_text(bot, room_id, "react to me")

        # also exercise nio's callback API, the way a bot would consume them
        cb_reactions: list[ReactionEvent] = []
        cb_receipts: list[ReceiptEvent] = []

        async def on_reaction(room: Any, ev: ReactionEvent) -> None:
            cb_reactions.append(ev)

        async def on_receipt(room: Any, ev: ReceiptEvent) -> None:
            cb_receipts.append(ev)

        bot.add_event_callback(on_reaction, ReactionEvent)
        bot.add_ephemeral_callback(on_receipt, ReceiptEvent)

        react = await p1.room_send(
            room_id,
            "m.reaction",
            {"m.relates_to": {"rel_type": "m.annotation", "event_id": msg_id, "key": "👍"}},
        )
        assert isinstance(react, RoomSendResponse), react
        # public read receipt, unthreaded, via /read_markers
        rm = await p1.room_read_markers(room_id, fully_read_event=msg_id, read_event=msg_id)
        assert isinstance(rm, RoomReadMarkersResponse), rm
        # read receipt via /receipt/m.read (nio sends thread_id="main" by default)
        rr = await p2.update_receipt_marker(room_id, msg_id)
        assert isinstance(rr, UpdateReceiptMarkerResponse), rr

        reactions: dict[str, ReactionEvent] = {}
        receipts: dict[str, Receipt] = {}

        def collect(resp: SyncResponse) -> bool:
            for ev in timeline(resp, room_id):
                if isinstance(ev, ReactionEvent):
                    reactions[ev.event_id] = ev
            for ev in ephemeral(resp, room_id):
                if isinstance(ev, ReceiptEvent):
                    for r in ev.receipts:
                        if r.event_id == msg_id:
                            receipts[r.user_id] = r
            return react.event_id in reactions and {p1_u.user_id, p2_u.user_id} <= receipts.keys()

        await sync_until(bot, collect)

        reaction = reactions[react.event_id]
        assert type(reaction) is ReactionEvent
        assert (reaction.sender, reaction.reacts_to, reaction.key) == (p1_u.user_id, msg_id, "👍")
        assert reaction.source["content"]["m.relates_to"]["rel_type"] == "m.annotation"

        r1, r2 = receipts[p1_u.user_id], receipts[p2_u.user_id]
        assert type(r1) is Receipt
        # receipt_type is the raw string from the wire, not nio.api.ReceiptType
        assert r1.receipt_type == "m.read" and r2.receipt_type == "m.read"
        assert isinstance(r1.timestamp, int) and r1.timestamp > 0
        assert r1.thread_id is None  # /read_markers: unthreaded
        assert r2.thread_id == "main"  # update_receipt_marker default thread_id

        # nio keeps per-room receipt state too
        room = bot.rooms[room_id]
        assert room.read_receipts[p1_u.user_id].event_id == msg_id
        assert room.threaded_read_receipts[p2_u.user_id]["main"].event_id == msg_id

        assert [e.event_id for e in cb_reactions] == [react.event_id]
        assert any(r.user_id == p1_u.user_id for ev in cb_receipts for r in ev.receipts)


@pytest.mark.asyncio
async def test_outage_then_clients_reconnect_same_url_and_token(
    synapse_server: SynapseServer, matrix_user: Callable[..., MatrixUser]
) -> None:
    hs = synapse_server
    url, port = hs.base_url, hs.port
    bot_u, p1_u = matrix_user("bot"), matrix_user("alice")
    try:
        async with (
            asyncio.timeout(TEST_TIMEOUT),
            client_for(hs, bot_u, config=_config(max_timeouts=0)) as bot,
            client_for(hs, p1_u) as p1,
            client_for(hs, bot_u, config=_config(max_timeouts=None)) as patient,
        ):
            await bot.sync(timeout=0)
            room_id = await room_with_bot(bot, p1)
            before = await send_text(bot, room_id, "before outage", tx_id="outage-tx-1")
            await p1.sync(timeout=0)

            await hs.astop()
            assert not hs.is_running
            # fail-fast client: the request raises a connection error
            with pytest.raises(aiohttp.ClientConnectionError):
                await bot.whoami()
            with pytest.raises(aiohttp.ClientConnectionError):
                await bot.room_send(
                    room_id, "m.room.message", {"msgtype": "m.text", "body": "lost?"}, tx_id="outage-tx-2"
                )
            with pytest.raises((urllib.error.URLError, OSError)):
                hs.request("GET", "/_matrix/client/versions", timeout=2)
            # nio's default (max_timeouts=None) retries forever with backoff:
            # this send completes once the server is back.
            retrying = asyncio.create_task(send_text(patient, room_id, "sent during outage", tx_id="outage-tx-3"))
            await asyncio.sleep(0)  # let it issue its first (failing) attempt
            assert not retrying.done()

            await hs.astart()
            assert hs.is_running and (hs.base_url, hs.port) == (url, port)

            who = await bot.whoami()  # same URL, same access token
            assert isinstance(who, WhoamiResponse) and who.user_id == bot_u.user_id
            during = await asyncio.wait_for(retrying, 30)

            # exactly-once across the restart: retrying tx ids after the outage
            assert await send_text(bot, room_id, "before outage", tx_id="outage-tx-1") == before
            lost = await send_text(bot, room_id, "lost?", tx_id="outage-tx-2")
            assert await send_text(bot, room_id, "lost?", tx_id="outage-tx-2") == lost

            # incremental sync resumes from the pre-outage since-token
            got = await sync_until(p1, message_with_body(room_id, "lost?"))
            assert got.event_id == lost
            bodies = [e.body for e in await events_in_room(p1, room_id) if isinstance(e, RoomMessageText)]
            assert sorted(bodies) == ["before outage", "lost?", "sent during outage"]
            assert during
            # and the other direction works again too
            await send_text(p1, room_id, "welcome back")
            await sync_until(bot, message_with_body(room_id, "welcome back"))
    finally:
        if not hs.is_running:
            hs.start()
