"""What the look in the room costs before a Matrix resend whose earlier attempt may have arrived
(adapters.matrix.resends.already_sent), on a throw-away Synapse on loopback.

    python -m bench.matrix_resends [--posts 50,500] [--repeat 20]

For a room where Relais posted N messages (among as many by a member), the wall time and the CPU
time of Relais' process per look: the message found among the newest, found N messages back, and
not found (a message that never left: every own message of the last hour is read, 100 a page).
Ordinary sends do not look (bench.matrix_roundtrip measures them).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

from nio import AsyncClient, AsyncClientConfig, RoomCreateResponse, RoomSendResponse

from adapters.matrix.resends import already_sent, marked
from bench.matrix_roundtrip import synapse_server
from bench.processes import median
from bot.outbox import new_id


def client(homeserver: str, user: tuple[str, str, str]) -> AsyncClient:
    user_id, token, device = user
    made = AsyncClient(homeserver, user_id, config=AsyncClientConfig(store_sync_tokens=False))
    made.restore_login(user_id, device, token)
    return made


def outbox_id() -> str:
    return new_id(SimpleNamespace(info={}), datetime.now(UTC))  # type: ignore[arg-type]


async def room_with(bot: AsyncClient, alice: AsyncClient, posts: int) -> tuple[str, list[str]]:
    """A room where the bot posted `posts` marked messages, each after a line of the member; their ids."""
    created = await alice.room_create(invite=[bot.user_id])
    assert isinstance(created, RoomCreateResponse), created
    await bot.join(created.room_id)
    ids = []
    for number in range(posts):
        await alice.room_send(created.room_id, "m.room.message", {"msgtype": "m.text", "body": f"line {number}"})
        ids.append(outbox_id())
        content = marked({"msgtype": "m.notice", "body": f"answer {number}"}, ids[-1])
        sent = await bot.room_send(created.room_id, "m.room.message", content, tx_id=ids[-1])
        assert isinstance(sent, RoomSendResponse), sent
    return created.room_id, ids


async def timed(bot: AsyncClient, room: str, wanted: str, repeat: int, expect: bool) -> tuple[float, float]:
    """Median wall time and mean CPU time of one look, in ms."""
    walls, cpu = [], time.process_time()
    for _ in range(repeat):
        start = time.perf_counter()
        found = await already_sent(bot, room, wanted, [wanted])
        walls.append(time.perf_counter() - start)
        assert (wanted in found) == expect
    return median(walls) * 1000, (time.process_time() - cpu) / repeat * 1000


async def measure(counts: list[int], repeat: int, folder: Path) -> list[str]:
    lines = ["| Relais' messages in the room | look | wall (median) | CPU of Relais |", "| --- | --- | --- | --- |"]
    with synapse_server(folder) as hs:
        run = uuid.uuid4().hex[:6]
        users = {name: hs.register(f"{name}-{run}", uuid.uuid4().hex) for name in ("relais", "alice")}
        bot, alice = client(hs.base_url, users["relais"]), client(hs.base_url, users["alice"])
        try:
            for count in counts:
                room, ids = await room_with(bot, alice, count)
                cases: list[tuple[str, str, bool]] = [
                    ("found, newest", ids[-1], True),
                    (f"found, {count} back", ids[0], True),
                    ("not found (never left)", outbox_id(), False),
                ]
                for what, wanted, expect in cases:
                    wall, cpu = await timed(bot, room, wanted, repeat, expect)
                    lines.append(f"| {count} | {what} | {wall:.1f} ms | {cpu:.2f} ms |")
        finally:
            await bot.close()
            await alice.close()
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", default="50,500", help="Relais' messages in each room (default 50,500)")
    parser.add_argument("--repeat", type=int, default=20, help="looks timed per case (default 20)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="relais-bench-resends-") as folder:
        lines = asyncio.run(measure([int(n) for n in args.posts.split(",")], args.repeat, Path(folder)))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
