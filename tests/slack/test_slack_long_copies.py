"""Messages that stay true when an item is longer than one Slack message holds: its copy, posted in
several messages, is updated part by part when edited (copy_parts.py); shorter, the parts no longer
needed are deleted; longer than its messages can hold, the last one ends with … (/relais show #N)."""

from __future__ import annotations

from datetime import timedelta

from .harness import BOB, FABIENNE, GENERAL, Harness, shown
from .standin import reaction_added_event


def long_text(word: str, paragraphs: int, words: int = 150) -> str:
    """About 1,500 characters a paragraph of 150 words (9 need two Slack messages); of 470 words, about
    5,000 (one a message, cut between paragraphs: 3 need three messages, within an item's 16,000)."""
    return "\n\n".join(" ".join(f"{word}{n}-{i}" for i in range(words)) for n in range(paragraphs))


async def post_long(harness: Harness) -> list[dict]:
    await harness.command("relais", "info " + long_text("avant", 9), user=FABIENNE)
    posted = harness.posts_in(GENERAL)
    assert len(posted) == 2  # the whole text, in two messages
    return posted


async def edit(harness: Harness, text: str) -> None:
    harness.clock.advance(timedelta(seconds=5))
    harness.standin.reset()
    await harness.command("relais", "edit #1 texte " + text, user=FABIENNE)


async def test_an_edit_of_the_same_length_updates_each_part_in_place(relais_slack: Harness) -> None:
    before = await post_long(relais_slack)
    await edit(relais_slack, long_text("apres", 9))
    now = relais_slack.posts_in(GENERAL)
    assert [message["ts"] for message in now] == [message["ts"] for message in before]  # the same two messages
    whole = "\n".join(shown(message) for message in now)
    assert "apres0-0" in shown(now[0]) and "apres8-149" in shown(now[1]) and "avant" not in whole
    assert "…" not in shown(now[1]) and now[1]["metadata"] == before[1]["metadata"]
    assert len(relais_slack.standin.calls_to("chat.update", ok=True)) == 2


async def test_a_shorter_edit_deletes_the_parts_no_longer_needed(relais_slack: Harness) -> None:
    before = await post_long(relais_slack)
    await edit(relais_slack, "Le COPIL est déplacé au 12")
    (now,) = relais_slack.posts_in(GENERAL)
    assert now["ts"] == before[1]["ts"] and "déplacé au 12" in shown(now)  # the message with the ✅ Lu button
    relais_slack.standin.reset()
    relais_slack.clock.advance(timedelta(seconds=5))
    await relais_slack.event(reaction_added_event("white_check_mark", BOB, GENERAL, now["ts"]))
    assert shown(relais_slack.posts_in(GENERAL)[0]).endswith("✅ 1/2 a confirmé")
    assert relais_slack.standin.calls_to("conversations.history") == []  # one message now: nothing to look up


async def test_a_longer_edit_fills_the_parts_and_ends_the_last_with_an_ellipsis(relais_slack: Harness) -> None:
    before = await post_long(relais_slack)
    await edit(relais_slack, long_text("apres", 3, words=470))
    assert not any("trop long" in reply for reply in relais_slack.replies_to(FABIENNE))
    now = relais_slack.posts_in(GENERAL)
    assert [message["ts"] for message in now] == [message["ts"] for message in before]  # no message added
    assert "apres0-0" in shown(now[0]) and "avant" not in "\n".join(shown(message) for message in now)
    assert shown(now[1]).rstrip().endswith("…")  # /relais show #1 gives it whole
