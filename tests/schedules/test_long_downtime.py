"""A round of nudges or digests killed half-way, and Relais down longer than the round's grace window:
the members not written to yet do not get, days later, a message built for that day ("due tomorrow"
about a commitment due the day before yesterday): the round is recorded missed, reported in the next
recap like any post missed during a stop; those already written to keep theirs, nobody gets two."""

from __future__ import annotations

from collections import Counter

import schedules.direct as direct
from tests.schedules.support import World, paris
from tests.schedules.test_batches import SUBSCRIBERS, digest_occurrence, digest_rows, digests_asked, failing_after


def killed_half_way(world: World, monkeypatch) -> Counter:
    digests_asked(world)
    monkeypatch.setattr(direct, "BATCH", 2)
    monkeypatch.setattr(direct, "_interrupted", lambda *args: None)  # the process died: nothing recorded
    failing_after(monkeypatch, 2)
    assert world.run(paris(2026, 11, 30, 8, 30)) == []
    monkeypatch.undo()
    return digest_rows(world)


def test_a_round_killed_half_way_and_found_days_later_is_recorded_missed(world, monkeypatch):
    written = killed_half_way(world, monkeypatch)
    assert sum(written.values()) == 2
    outcomes = world.run(paris(2026, 12, 2, 10, 0))  # back on Wednesday: the digest's grace is 12 hours
    assert [(o.kind, o.status) for o in outcomes if o.kind == "digest"] == [("digest", "missed")]
    assert digest_rows(world) == written  # nobody else written to days late, nobody twice
    assert digest_occurrence(world).status == "missed"
    world.until(paris(2026, 12, 7, 9, 1))  # the next Monday's recap says it was missed
    (missed,) = [o for o in world.occurrences() if o.kind == "digest" and o.due_at == paris(2026, 11, 30, 8, 30)]
    assert missed.status == "missed" and missed.reported_at is not None


def test_a_round_killed_half_way_and_found_within_its_grace_is_finished(world, monkeypatch):
    written = killed_half_way(world, monkeypatch)
    world.run(paris(2026, 11, 30, 10, 0))
    assert len(digest_rows(world)) == len(SUBSCRIBERS) and set(digest_rows(world).values()) == {1}
    assert all(digest_rows(world)[member] == 1 for member in written)
