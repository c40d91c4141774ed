"""PostgreSQL ends Relais' connections (pg_terminate_backend: a failover, a restart, an admin) in the
middle of a round of personal digests and in the middle of the Monday recap: nothing written twice,
nobody skipped, the recap posted once; the next run (the scheduler's resync) finishes the work."""

from __future__ import annotations

import uuid
from collections import Counter

import pytest
from sqlalchemy import text

import schedules.direct as direct
import schedules.rounds as rounds
from bot.clock import FixedClock
from bot.db import Store, make_engine
from tests.schedules.support import make_world, paris, schedules_config

SUBSCRIBERS = ("alice", "bob", "carla", "dan", "erin", "fanny", "gael")


@pytest.fixture
def world_on_postgres(fresh_url):
    url, options = fresh_url
    if not url.startswith("postgresql"):
        pytest.skip("pg_terminate_backend: PostgreSQL only")
    name = f"relais-{uuid.uuid4().hex[:8]}"
    engine = make_engine(url, connect_args={**options["connect_args"], "application_name": name})
    admin = make_engine(url)
    world = make_world(Store(engine), FixedClock(paris(2026, 11, 26, 10)), schedules_config())

    def terminate() -> int:
        with admin.begin() as connection:
            return len(
                connection.execute(
                    text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = :name"),
                    {"name": name},
                ).all()
            )

    yield world, terminate
    engine.dispose()
    admin.dispose()


def ended_after(monkeypatch, module, name: str, calls: int, terminate) -> None:
    """Relais' connections ended by the server at the `calls`-th call of module.name (mid-transaction)."""
    real = getattr(module, name)
    seen = {"n": 0}

    def wrapped(*args, **kwargs):
        seen["n"] += 1
        if seen["n"] == calls:
            assert terminate() >= 1
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapped)


def test_connections_ended_mid_digest_round_nobody_twice_nobody_skipped(world_on_postgres, monkeypatch):
    world, terminate = world_on_postgres
    world.run()
    world.say("fabienne", "/update Compte rendu disponible")  # something to read for every subscriber
    for who in SUBSCRIBERS:
        world.say(who, "/digest me on")
    world.until(paris(2026, 11, 30, 8, 29))
    monkeypatch.setattr(direct, "BATCH", 2)
    ended_after(monkeypatch, direct, "enqueue", 4, terminate)  # inside the second batch's transaction
    world.run(paris(2026, 11, 30, 8, 30))
    monkeypatch.undo()
    for minute in (31, 45):  # the resync runs again; the round is finished once its claim is stale
        world.run(paris(2026, 11, 30, 8, minute))
    digests = Counter(row.member_id for row in world.outbox() if row.text.startswith("📬"))
    assert len(digests) == len(SUBSCRIBERS) and set(digests.values()) == {1}, digests
    (occurrence,) = [o for o in world.occurrences() if o.kind == "digest"]
    assert occurrence.status in ("posted", "late") and occurrence.posts == len(SUBSCRIBERS)


def test_connections_ended_while_the_recap_is_written_it_is_posted_once(world_on_postgres, monkeypatch):
    world, terminate = world_on_postgres
    world.run()
    world.say("alice", "/engage Envoyer le compte rendu lundi")
    world.until(paris(2026, 11, 30, 8, 59))
    ended_after(monkeypatch, rounds, "enqueue_post", 1, terminate)
    world.run(paris(2026, 11, 30, 9, 0))
    monkeypatch.undo()
    world.run(paris(2026, 11, 30, 9, 1))  # the resync a minute later
    recaps = [row for row in world.outbox() if row.occurrence_key and row.occurrence_key.startswith("recap:")]
    per_circle = Counter(row.occurrence_key.split("@")[0] for row in recaps if row.image is None)
    assert per_circle and set(per_circle.values()) == {1}, per_circle
    statuses = {o.status for o in world.occurrences() if o.kind == "recap"}
    assert statuses == {"posted"}
