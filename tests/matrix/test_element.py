"""Relais as Element sees it: a client of the Element family (matrix-js-sdk 43 with its Rust crypto,
tests/matrix/js) that shares room keys only with devices signed by their owner
(OnlySignedDevicesIsolationMode) talks with Relais in encrypted rooms created the way Tchap creates
them, against the real Synapse."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from adapters.matrix.client import e2e_available
from bot.models import Member
from bot.outbox import enqueue_post
from bot.reply import Post

from .jsclient import ElementClient
from .kit import bot_config, sqlite_url, start_bot
from .synapse import MatrixUser, SynapseServer

pytestmark = pytest.mark.skipif(not e2e_available(), reason="the e2e extra is not installed: pip install 'relais[e2e]'")


@contextlib.asynccontextmanager
async def relais_in_a_private_room(
    hs: SynapseServer, bot_u: MatrixUser, alice_u: MatrixUser, folder: Path, tmp_path: Path, **config: Any
) -> AsyncIterator[tuple[ElementClient, str]]:
    """Alice (the Element-grade client) creates an encrypted private room the way Tchap does and invites
    Relais, started with that room as its COPIL circle; yields once Relais has joined, closes it after."""
    async with ElementClient(folder, hs, alice_u, tmp_path / "alice.log") as alice:
        room = (await alice.call("create_room", name="COPIL", invite=[bot_u.user_id]))["room_id"]
        circles = {"COPIL": [f"matrix:{room}"]}
        store = str(tmp_path / "crypto")
        bot = await start_bot(
            bot_config(hs, bot_u, sqlite_url(tmp_path), circles, language="en", store_path=store, **config)
        )
        try:
            await alice.call("wait_joined", room_id=room, user_id=bot_u.user_id)
            yield alice, room
        finally:
            assert await bot.close() == 0


async def test_only_signed_devices_client_and_relais_talk_in_a_tchap_private_room(
    synapse_server: SynapseServer, matrix_user: Callable[..., MatrixUser], tmp_path: Path, element_client_folder: Path
) -> None:
    hs, bot_u, alice_u = synapse_server, matrix_user("relais"), matrix_user("alice")
    async with relais_in_a_private_room(hs, bot_u, alice_u, element_client_folder, tmp_path) as (alice, room):
        status = await alice.call("device_status", user_id=bot_u.user_id, device_id=bot_u.device_id)
        assert status["signed_by_owner"], status
        sent = await alice.call("send", room_id=room, body="!engage Chiffrer les comptes rendus")
        answer = await alice.call(
            "wait_message", room_id=room, sender=bot_u.user_id, contains="Commitment #1", after=sent["event_id"]
        )
        assert answer["failure"] is None, answer
        assert answer["encrypted"]
        assert "Chiffrer les comptes rendus" in answer["content"]["body"]
        # a rich reply to the command; the command edited in Element: Relais edits its confirmation
        assert answer["content"]["m.relates_to"] == {"m.in_reply_to": {"event_id": sent["event_id"]}}
        new = "!engage Chiffrer les comptes rendus et les ordres du jour"
        relation = {"rel_type": "m.replace", "event_id": sent["event_id"]}
        content = {"m.new_content": {"msgtype": "m.text", "body": new}, "m.relates_to": relation}
        await alice.call("send", room_id=room, body=f"* {new}", content=content)
        edited = await alice.call(
            "wait_message", room_id=room, sender=bot_u.user_id, contains="ordres du jour", after=sent["event_id"]
        )
        assert edited["failure"] is None and edited["encrypted"], edited
        assert "Commitment #1" in edited["content"]["body"] and "#2" not in edited["content"]["body"]


async def test_a_relais_not_cross_signed_says_it_cannot_read_and_why(
    synapse_server: SynapseServer,
    matrix_user: Callable[..., MatrixUser],
    tmp_path: Path,
    element_client_folder: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Cross-signing switched off (as before this was built): the client withholds its keys
    (m.unverified) and cannot trust Relais' messages; Relais says so, once, and logs the reason."""
    hs, bot_u, alice_u = synapse_server, matrix_user("relais"), matrix_user("alice")
    folder = element_client_folder
    async with relais_in_a_private_room(hs, bot_u, alice_u, folder, tmp_path, cross_signing=False) as (alice, room):
        status = await alice.call("device_status", user_id=bot_u.user_id, device_id=bot_u.device_id)
        assert not status["signed_by_owner"]
        first = await alice.call("send", room_id=room, body="!engage Chiffrer les comptes rendus")
        answer = await alice.call(
            "wait_message", room_id=room, sender=bot_u.user_id, after=first["event_id"], timeout=15000
        )
        # the answer is there, but this client will not show it as trusted: Relais' device is unsigned
        assert answer["failure"] == "UNSIGNED_SENDER_DEVICE", answer
        assert "withheld the key (m.unverified" in caplog.text
        await alice.call("send", room_id=room, body="!actions")  # the same key session: answered once
        await alice.call("send", room_id=room, body="!whoami")
        async with asyncio.timeout(20):  # each one logged
            while sum("could not decrypt" in r.getMessage() for r in caplog.records) < 3:
                await asyncio.sleep(0.02)  # readiness polling
    with contextlib.closing(sqlite3.connect(tmp_path / "relais.db")) as db:  # what Relais sent
        texts = [text for (text,) in db.execute("SELECT text FROM outbox")]
    assert sum("I could not decrypt your message" in text for text in texts) == 1, texts
    assert any("shares keys only with devices signed by their owner" in text for text in texts)


async def test_encrypted_direct_chats_and_a_fresh_device_after_restart(
    synapse_server: SynapseServer, matrix_user: Callable[..., MatrixUser], tmp_path: Path, element_client_folder: Path
) -> None:
    """Relais opens an encrypted direct chat for a post; a member's direct chat with it works too; and
    Relais started again on a new device (new login, new crypto store) is trusted with nobody's help."""
    hs, bot_u, alice_u = synapse_server, matrix_user("relais"), matrix_user("alice")
    async with ElementClient(element_client_folder, hs, alice_u, tmp_path / "alice.log") as alice:
        room = (await alice.call("create_room", name="COPIL", invite=[bot_u.user_id]))["room_id"]
        circles = {"COPIL": [f"matrix:{room}"]}
        config = bot_config(hs, bot_u, sqlite_url(tmp_path), circles, language="en", store_path=str(tmp_path / "c1"))
        bot = await start_bot(config)
        try:
            await alice.call("wait_joined", room_id=room, user_id=bot_u.user_id)
            sent = await alice.call("send", room_id=room, body="!engage Ouvrir le tiers-lieu")
            await alice.call("wait_message", room_id=room, sender=bot_u.user_id, contains="#1", after=sent["event_id"])
            with bot.app.store.unit_of_work() as session:  # a post for Alice alone, as a nudge or digest is
                member = session.scalar(select(Member).where(Member.display_name.is_not(None)))
                member = member or session.scalar(select(Member))
                assert member is not None
                enqueue_post(
                    session,
                    Post("Your weekly digest: 1 commitment.", target="direct", member_id=member.id),
                    bot.app.clock.now(),
                )
            bot.runner.wake()
            digest = await alice.call("wait_message", room_id=None, sender=bot_u.user_id, contains="weekly digest")
            assert digest["failure"] is None and digest["encrypted"], digest
            dm = digest["room_id"]
            assert (await alice.call("wait_room", room_id=dm))["encrypted"]
            sent = await alice.call("send", room_id=dm, body="actions")  # a bare command, in the direct chat
            answer = await alice.call(
                "wait_message",
                room_id=dm,
                sender=bot_u.user_id,
                contains="Ouvrir le tiers-lieu",
                after=sent["event_id"],
            )
            assert answer["failure"] is None and answer["encrypted"], answer
        finally:
            assert await bot.close() == 0

        _, token, device = await asyncio.to_thread(hs.login, bot_u.localpart, bot_u.password)
        fresh = bot_config(
            hs,
            bot_u,
            sqlite_url(tmp_path),
            circles,
            language="en",
            store_path=str(tmp_path / "c2"),
            access_token=token,
            device_id=device,
            cross_signing_file=str(tmp_path / "c1.cross-signing.json"),
        )
        bot = await start_bot(fresh)
        try:
            status = await alice.call("device_status", user_id=bot_u.user_id, device_id=device)
            assert status["signed_by_owner"], status
            sent = await alice.call("send", room_id=room, body="!actions")
            answer = await alice.call(
                "wait_message",
                room_id=room,
                sender=bot_u.user_id,
                contains="Ouvrir le tiers-lieu",
                after=sent["event_id"],
            )
            assert answer["failure"] is None and answer["encrypted"], answer
        finally:
            assert await bot.close() == 0
