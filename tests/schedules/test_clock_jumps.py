"""The machine's clock jumps (an NTP step, a virtual machine resumed, a wrong hardware clock at boot,
put right a moment later): the injected clock is moved as the system's would be. The recap of the
week is posted once: not twice when the clock goes back over 09:00, and not skipped when the clock
was for a while days ahead (what it then recorded as missed is looked at again once the clock is right)."""

from __future__ import annotations

from collections import Counter

from tests.schedules.support import World, paris


def recaps(world: World) -> Counter[str]:
    return Counter(
        row.occurrence_key.split("@")[1]
        for row in world.outbox()
        if row.occurrence_key and row.occurrence_key.startswith("recap:") and row.image is None
    )


def a_week(world: World) -> None:
    world.run()
    world.say("alice", "/engage Envoyer le compte rendu lundi")
    world.until(paris(2026, 11, 30, 8, 0))


def test_the_clock_going_back_over_nine_does_not_post_the_recap_twice(world):
    a_week(world)
    world.run(paris(2026, 11, 30, 9, 0))
    posted = recaps(world)
    assert posted and set(posted.values()) == {2}  # COPIL's and GT's, once each (one Matrix room each)
    world.run(paris(2026, 11, 30, 8, 0))  # an NTP step back by an hour
    world.until(paris(2026, 11, 30, 9, 30))
    assert recaps(world) == posted


def test_a_clock_days_ahead_for_a_while_does_not_skip_the_recap(world):
    a_week(world)
    world.run(paris(2026, 12, 2, 8, 0))  # Monday 08:00, but the clock says Wednesday for a moment
    world.run(paris(2026, 11, 30, 8, 1))  # put right
    world.until(paris(2026, 11, 30, 9, 30))
    assert set(recaps(world).values()) == {2}, recaps(world)  # posted on Monday at 09:00 after all
    statuses = Counter(o.status for o in world.occurrences() if o.kind == "recap")
    assert statuses == Counter({"posted": 2}), statuses
