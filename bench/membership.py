"""Membership benchmark: reading a 2,000-person room into its circle, on SQLite.

What a community pays when Relais joins (or restarts in) a large room: the first sync creates
2,000 members; a sync at restart with the same people changes nothing. The floor, measured in
the same run on the same kind of database, is the bare bulk insert of the same rows through
SQLAlchemy Core (members, identities, channel and circle memberships), with no lookups at all.
Usage: python -m bench.membership [PEOPLE]
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert
from sqlalchemy.orm import sessionmaker

from bot.clock import FixedClock
from bot.config import CircleConfig, Config
from bot.db import Store, make_engine, upgrade
from bot.dispatch import Dispatcher
from bot.models import ChannelMember, CircleMember, Identity, Member
from bot.services.membership import sync_channel
from commands import build_router

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
ROOM = "matrix:!copil:example.org"


def fresh_store(folder: Path, name: str) -> Store:
    engine = make_engine(f"sqlite:///{folder / name}")
    upgrade(engine)
    return Store(engine, sessionmaker(bind=engine, expire_on_commit=False))


def relais_sync(store: Store, people: dict[str, str | None]) -> tuple[float, float]:
    config = Config(community_name="Bench", circles=(CircleConfig("COPIL", (ROOM,)),))
    dispatcher = Dispatcher(store=store, config=config, clock=FixedClock(NOW), router=build_router())
    dispatcher.setup()
    figures = []
    for _ in range(2):
        began = time.perf_counter()
        with store.unit_of_work() as session:
            sync_channel(session, dispatcher.community(session), ROOM, people, config, NOW)
        figures.append(time.perf_counter() - began)
    return figures[0], figures[1]


def floor(store: Store, people: dict[str, str | None]) -> float:
    """The same rows written blind: bulk inserts, no lookups, no late-joiner rule."""
    config = Config(community_name="Bench", circles=(CircleConfig("COPIL", (ROOM,)),))
    Dispatcher(store=store, config=config, clock=FixedClock(NOW), router=build_router()).setup()
    began = time.perf_counter()
    with store.unit_of_work() as session:
        ids = session.scalars(
            insert(Member).returning(Member.id),
            [
                {"community_id": 1, "display_name": name, "role": "partner", "muted": False, "created_at": NOW}
                for name in people.values()
            ],
        ).all()
        session.execute(
            insert(Identity), [{"member_id": i, "identity": who} for i, who in zip(ids, people, strict=True)]
        )
        session.execute(insert(ChannelMember), [{"channel": ROOM, "member_id": i, "since": NOW} for i in ids])
        session.execute(
            insert(CircleMember),
            [{"circle_id": 1, "member_id": i, "joined_at": NOW, "audience_from": 1} for i in ids],
        )
    return time.perf_counter() - began


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    people: dict[str, str | None] = {f"matrix:@partner{i}:example.org": f"Partner {i}" for i in range(count)}
    with tempfile.TemporaryDirectory() as folder:
        first, again = relais_sync(fresh_store(Path(folder), "relais.db"), people)
        bare = floor(fresh_store(Path(folder), "floor.db"), people)
    print(f"room of {count} people, SQLite")
    print(f"  first sync (creates everyone): {first * 1000:8.1f} ms   floor (blind bulk insert): {bare * 1000:8.1f} ms")
    print(f"  sync again (nothing changed):  {again * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
