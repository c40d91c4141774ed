"""A restart after hours down, on a real Synapse with a real `relais run` process (its clock injected,
tests/matrix/crashing.py): what happened meanwhile comes in the first sync after the restart —
commands (each answered once), a command corrected 2 minutes after its answer (applied, not "too
late"), a ✅ on an announcement (counted), someone who joined the room (a member of the circle now),
someone who left (no longer one)."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.support.waiting import eventually

from .kit import create_room, joined, membership, partner
from .synapse import MatrixUser, SynapseServer
from .test_crashes import TIMEOUT, Deployment, answers, settle


def identity_rows(deployment: Deployment, table: str) -> set[str]:
    rows = deployment.rows(
        f"SELECT i.identity FROM {table} c JOIN identities i ON i.member_id = c.member_id"
        + (" WHERE c.left_at IS NULL" if table == "circle_members" else "")
    )
    return {row[0] for row in rows}


async def test_a_restart_hours_later_catches_up_with_what_happened_meanwhile(
    synapse_server: SynapseServer, matrix_user: Callable[..., MatrixUser], tmp_path: Path
) -> None:
    hs = synapse_server
    bot_u, alice_u, bob_u, carol_u = (matrix_user(name) for name in ("relais", "alice", "bob", "carol"))
    async with (
        asyncio.timeout(TIMEOUT),
        partner(hs, alice_u, "Alice") as alice,
        partner(hs, bob_u, "Bob") as bob,
        partner(hs, carol_u, "Carol") as carol,
    ):
        me = bot_u.user_id
        room = await create_room(alice, carol, invite=(me, bob.user_id))
        deployment = Deployment(hs, bot_u, tmp_path, room)
        started = datetime.now(UTC)  # Synapse stamps events with the real time: Relais' clock starts there
        deployment.at(started)
        with deployment.process() as first:
            await alice.wait_for(joined(me, room), timeout=30)
            answer = await alice.reply_to(room, "!engage Book the room friday", "Commitment #1 saved", me, timeout=30)
            command = next(
                e["event_id"] for e in alice.seen if e.get("content", {}).get("body") == "!engage Book the room friday"
            )
            post = await alice.reply_to(room, "!info The COPIL moves to room 2", "Announcement from", me, timeout=30)
            await eventually(deployment.delivered, timeout=60, what="the answers delivered and recorded")
            first.signal(signal.SIGTERM)
            assert await asyncio.to_thread(first.wait, 15) == 0
        assert answer and identity_rows(deployment, "circle_members") >= {
            f"matrix:{alice.user_id}",
            f"matrix:{carol.user_id}",
        }
        # meanwhile, Relais down
        replaced = {"msgtype": "m.text", "body": "!engage Book the big room friday"}
        await alice.send(
            room,
            "* !engage Book the big room friday",
            **{"m.new_content": replaced, "m.relates_to": {"rel_type": "m.replace", "event_id": command}},
        )
        await alice.react(room, post["event_id"])
        for title in ("Write the charter", "Call the mayor", "Print the flyers"):
            await alice.send(room, f"!engage {title}")
        await bob.client.join(room)
        await carol.client.room_leave(room)
        await alice.wait_for(membership(carol.user_id, room, "leave"), timeout=30)
        deployment.at(started + timedelta(hours=3))  # Relais back three hours later
        with deployment.process() as second:
            await settle(alice, me, room, deployment.delivered)
            for title in ("Write the charter", "Call the mayor", "Print the flyers"):
                assert len(answers(alice, me, room, f"saved: {title}")) == 1, second.output()[-3000:]
            assert len(answers(alice, me, room, "Commitment #1 saved")) == 1
            await alice.reply_to(room, "!show #1", "Book the big room", me, timeout=30)  # the edit was applied
        titles = sorted(row[0] for row in deployment.rows("SELECT title FROM commitments"))
        assert titles == ["Book the big room", "Call the mayor", "Print the flyers", "Write the charter"]
        assert len(deployment.rows("SELECT member_id FROM acknowledgements")) == 1  # alice's ✅, counted once
        members = identity_rows(deployment, "circle_members")
        assert f"matrix:{bob.user_id}" in members and f"matrix:{carol.user_id}" not in members
