"""A round of digests is written a few members per transaction: one that fails half-way is finished
by the next run, nobody written to twice; one that fails before writing anything starts again."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import select

import schedules.direct as rounds
from bot.models import Identity, Member, Occurrence
from tests.schedules.support import World, paris

SUBSCRIBERS = ("alice", "bob", "carla", "dan", "erin")


def digests_asked(world: World) -> None:
    world.run()
    world.say("alice", "/engage Dossier Alpha mardi")
    world.say("bob", "/update Compte rendu disponible")
    world.say("carla", "/update Salle réservée")  # something to read for everyone
    for who in SUBSCRIBERS:
        world.say(who, "/digest me on")
    world.until(paris(2026, 11, 30, 8, 29))


def failing_after(monkeypatch, calls: int) -> None:
    real = rounds.enqueue
    seen = {"n": 0}

    def enqueue(*args, **kwargs):
        seen["n"] += 1
        if seen["n"] > calls:
            raise RuntimeError("database went away")
        return real(*args, **kwargs)

    monkeypatch.setattr(rounds, "enqueue", enqueue)


def digest_rows(world: World) -> Counter:
    return Counter(row.member_id for row in world.outbox() if row.text.startswith("📬"))


def digest_occurrence(world: World) -> Occurrence:
    with world.store.unit_of_work() as session:
        return session.scalars(select(Occurrence).where(Occurrence.kind == "digest")).one()


def test_a_round_interrupted_half_way_is_finished_by_the_next_run(world, monkeypatch):
    digests_asked(world)
    monkeypatch.setattr(rounds, "BATCH", 2)
    failing_after(monkeypatch, 4)  # the first two batches go through, the third fails
    assert world.run(paris(2026, 11, 30, 8, 30)) == []
    assert sum(digest_rows(world).values()) == 2 * 2
    assert digest_occurrence(world).status == "posting"
    monkeypatch.undo()
    outcomes = world.run(paris(2026, 11, 30, 8, 31))  # the next run (the resync) finishes it
    assert [(o.kind, o.status) for o in outcomes] == [("digest", "posted")]
    assert len(outcomes[0].posts) == len(SUBSCRIBERS) and outcomes[0].outbox == len(SUBSCRIBERS) - 4
    assert len(digest_rows(world)) == len(SUBSCRIBERS) and set(digest_rows(world).values()) == {1}
    occurrence = digest_occurrence(world)
    assert (occurrence.status, occurrence.posts) == ("posted", len(SUBSCRIBERS))
    assert world.run(paris(2026, 11, 30, 8, 45)) == []


def test_a_round_that_wrote_nothing_starts_again(world, monkeypatch):
    digests_asked(world)
    failing_after(monkeypatch, 0)
    assert world.run(paris(2026, 11, 30, 8, 30)) == []
    assert not digest_rows(world)
    with world.store.unit_of_work() as session:
        assert session.scalars(select(Occurrence).where(Occurrence.kind == "digest")).first() is None
    monkeypatch.undo()
    outcomes = world.run(paris(2026, 11, 30, 8, 31))
    assert [(o.kind, o.status) for o in outcomes] == [("digest", "posted")]
    assert sum(digest_rows(world).values()) == len(SUBSCRIBERS)


def test_a_round_left_posting_by_a_stopped_process_is_finished_after_a_while(world, monkeypatch):
    digests_asked(world)
    monkeypatch.setattr(rounds, "BATCH", 2)
    monkeypatch.setattr(rounds, "_interrupted", lambda *args: None)  # the process died: nothing recorded
    failing_after(monkeypatch, 2)
    assert world.run(paris(2026, 11, 30, 8, 30)) == []
    monkeypatch.undo()
    assert sum(digest_rows(world).values()) == 2
    assert world.run(paris(2026, 11, 30, 8, 35)) == []  # its process may still be writing it
    assert rounds.STALE == timedelta(minutes=10)
    outcomes = world.run(paris(2026, 11, 30, 8, 41))
    assert [(o.kind, o.status) for o in outcomes] == [("digest", "late")]
    assert len(digest_rows(world)) == len(SUBSCRIBERS) and set(digest_rows(world).values()) == {1}


def test_a_round_resumed_after_a_member_changed_platform_writes_to_them_once(world, monkeypatch):
    """Alice was written to on Matrix before the round stopped; she then wrote from Slack (her last
    platform): the round finished later does not write to her again there."""
    digests_asked(world)
    monkeypatch.setattr(rounds, "BATCH", 1)
    failing_after(monkeypatch, 1)  # one member written, then the round fails
    assert world.run(paris(2026, 11, 30, 8, 30)) == []
    monkeypatch.undo()
    (first,) = digest_rows(world)
    with world.store.unit_of_work() as session:
        session.add(Identity(member_id=first, identity="slack:T1/U1"))
        session.get_one(Member, first).last_platform = "slack"
    world.run(paris(2026, 11, 30, 8, 31))
    assert len(digest_rows(world)) == len(SUBSCRIBERS) and set(digest_rows(world).values()) == {1}
    assert digest_occurrence(world).status == "posted"
