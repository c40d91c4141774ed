"""The personal digest lists the commitments overdue for less than 4 weeks and counts the older ones in
one line that says where they are (/actions mine overdue): a digest stays readable, and as long as a
week's, whatever backlog of forgotten commitments the history holds. The round's digest (set-based)
and /digest me (one member) say the same."""

from __future__ import annotations

from bot.markup import to_plain
from tests.schedules.support import World, paris


def engage(world: World, who: str, when: tuple[int, int, int], titles: list[str]) -> None:
    world.clock.set(paris(*when, 10))
    for title in titles:
        world.say(who, f"/engage {title} vendredi")


def backlog(world: World) -> None:
    """Alice: 12 commitments due Friday 7 August (16 weeks overdue on 30 November), 10 due Friday
    13 November (17 days); Bob: one due in August only."""
    engage(world, "alice", (2026, 8, 3), [f"Vieux dossier {n}" for n in range(1, 13)])
    engage(world, "bob", (2026, 8, 3), ["Dossier oublié"])
    engage(world, "alice", (2026, 11, 9), [f"Dossier récent {n}" for n in range(1, 11)])
    world.clock.set(paris(2026, 11, 26, 10))
    world.say("alice", "/digest me on")
    world.say("bob", "/digest me on")


def digests(world: World) -> dict[str, str]:
    outcomes = world.until(paris(2026, 11, 30, 8, 45))
    posts = [post for outcome in outcomes if outcome.kind == "digest" for post in outcome.posts]
    return {text.split(", ", 1)[1].split("\n", 1)[0]: text for text in (to_plain(post.text) for post in posts)}


def test_a_digest_lists_the_recent_overdue_commitments_and_counts_the_older_ones(world):
    backlog(world)
    sent = digests(world)
    alice = sent["Alice"]
    late = alice.split("Vos engagements en retard\n", 1)[1].split("\n\n", 1)[0].split("\n")
    assert [line.split(" — ")[0] for line in late[:8]] == [f"• #{13 + n} Dossier récent {n}" for n in range(1, 9)]
    assert late[8:] == [
        "… et 2 de plus.",
        "… et 12 autres, en retard depuis plus de 4 semaines\u00a0: !actions moi retard",
    ]
    assert "Vieux dossier" not in alice
    bob = sent["Bob"]
    assert "Vos engagements en retard\n1 engagement en retard depuis plus de 4 semaines\u00a0: !actions moi retard" in (
        bob
    )
    assert "Dossier oublié" not in bob
    # where the line points lists them all
    assert "Vieux dossier 12" in world.say("alice", "/actions moi retard")
    # /digest me, built for one member, says what the round said
    world.clock.set(paris(2026, 11, 30, 8, 30))
    assert world.say("alice", "/digest me").strip() == alice.strip()


def test_in_english(world):
    backlog(world)
    world.say("alice", "/lang en")
    world.say("bob", "/lang en")
    sent = digests(world)
    assert "… and 2 more.\n… and 12 more, overdue for over 4 weeks: !actions mine overdue" in sent["Alice"]
    assert "Your overdue commitments\n1 commitment overdue for over 4 weeks: !actions mine overdue" in sent["Bob"]
