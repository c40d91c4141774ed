"""Messages that stay true on Slack: an item's message is updated in place (chat.update) when people
confirm it (a live "✅ 1/2 a confirmé" line, coalesced) and when its text is edited."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.models import OutboxMessage

from .harness import ALICE, BOB, FABIENNE, GENERAL, Harness, shown
from .standin import reaction_added_event, reaction_removed_event


async def an_item(harness: Harness) -> dict[str, Any]:
    """Fabienne posts an announcement in the COPIL channel: Alice and Bob must read #1."""
    await harness.command("info", "Le COPIL de décembre est déplacé au 10", user=FABIENNE)
    (message,) = harness.posts_in(GENERAL)
    return message


def updates(harness: Harness) -> list[Any]:
    return harness.standin.calls_to("chat.update", ok=True)


def the_message(harness: Harness) -> dict[str, Any]:
    (message,) = harness.posts_in(GENERAL)  # updated in place: never a second message
    return message


def buttons(message: dict[str, Any]) -> list[str]:
    return [e["action_id"] for b in message.get("blocks") or [] if b["type"] == "actions" for e in b["elements"]]


async def test_a_check_updates_the_count_on_the_message(relais_slack: Harness) -> None:
    message = await an_item(relais_slack)
    assert "confirmé" not in shown(message)  # nobody yet: no count line
    await relais_slack.event(reaction_added_event("white_check_mark", BOB, GENERAL, message["ts"]))
    (update,) = updates(relais_slack)
    assert update.params["ts"] == message["ts"] and update.params["channel"] == GENERAL
    now = the_message(relais_slack)
    assert shown(now).endswith("✅ 1/2 a confirmé")
    assert "Le COPIL de décembre est déplacé au 10" in shown(now)
    assert buttons(now) == ["relais_ack"]  # the ✅ Lu button stays
    assert now["metadata"] == message["metadata"]  # still the post's outbox id (a resend finds it)


async def test_a_burst_of_checks_makes_one_update_every_few_seconds(relais_slack: Harness) -> None:
    message = await an_item(relais_slack)
    await relais_slack.event(reaction_added_event("white_check_mark", BOB, GENERAL, message["ts"]))
    await relais_slack.event(reaction_added_event("white_check_mark", ALICE, GENERAL, message["ts"]))
    await relais_slack.event(reaction_removed_event("white_check_mark", BOB, GENERAL, message["ts"]))
    await relais_slack.event(reaction_added_event("+1", BOB, GENERAL, message["ts"]))
    assert len(updates(relais_slack)) == 1  # the first at once, the others wait together
    assert shown(the_message(relais_slack)).endswith("✅ 1/2 a confirmé")
    relais_slack.clock.advance(timedelta(seconds=3))
    await relais_slack.settle()
    assert len(updates(relais_slack)) == 2  # three changes, one more call carrying the latest
    assert shown(the_message(relais_slack)).endswith("✅ 2/2 ont confirmé")
    with relais_slack.store.unit_of_work() as session:
        waiting = session.scalars(select(OutboxMessage).where(OutboxMessage.status != "sent")).all()
        assert waiting == []


async def test_the_button_and_read_update_the_count_and_a_withdrawal_removes_it(relais_slack: Harness) -> None:
    message = await an_item(relais_slack)
    click = relais_slack.standin.block_actions("relais_ack", "1", user_id=BOB, channel_id=GENERAL, message=message)
    await relais_slack.interactive(click)
    assert shown(the_message(relais_slack)).endswith("✅ 1/2 a confirmé")
    relais_slack.clock.advance(timedelta(seconds=5))
    await relais_slack.command("read", "#1", user=ALICE)
    assert shown(the_message(relais_slack)).endswith("✅ 2/2 ont confirmé")
    relais_slack.clock.advance(timedelta(seconds=5))
    await relais_slack.event(reaction_added_event("white_check_mark", ALICE, GENERAL, message["ts"]))
    await relais_slack.event(reaction_removed_event("white_check_mark", ALICE, GENERAL, message["ts"]))
    relais_slack.clock.advance(timedelta(seconds=5))
    await relais_slack.settle()
    assert shown(the_message(relais_slack)).endswith("✅ 1/2 a confirmé")


async def test_editing_an_item_updates_its_message(relais_slack: Harness) -> None:
    message = await an_item(relais_slack)
    await relais_slack.event(reaction_added_event("white_check_mark", BOB, GENERAL, message["ts"]))
    relais_slack.clock.advance(timedelta(seconds=5))
    await relais_slack.command("relais", "edit #1 texte Le COPIL de décembre est déplacé au 12", user=FABIENNE)
    now = the_message(relais_slack)
    assert now["ts"] == message["ts"]
    assert "✏️ #1 modifié par" in shown(now) and "déplacé au 12" in shown(now)
    assert "déplacé au 10" not in shown(now)
    assert "confirmé" not in shown(now).splitlines()[-1]  # unread again for everyone: no count
    assert buttons(now) == ["relais_ack"]
    assert any("#1 modifié" in text for text in relais_slack.replies_to(FABIENNE))
    # the count starts again on the new text
    relais_slack.clock.advance(timedelta(seconds=5))
    await relais_slack.event(reaction_added_event("white_check_mark", ALICE, GENERAL, message["ts"]))
    assert "déplacé au 12" in shown(the_message(relais_slack))
    assert shown(the_message(relais_slack)).endswith("✅ 1/2 a confirmé")


async def test_a_message_gone_from_slack_is_not_posted_again(relais_slack: Harness) -> None:
    message = await an_item(relais_slack)
    del relais_slack.standin.messages[(GENERAL, message["ts"])]  # deleted by an admin meanwhile
    await relais_slack.event(reaction_added_event("white_check_mark", BOB, GENERAL, message["ts"]))
    assert relais_slack.posts_in(GENERAL) == []
    assert relais_slack.standin.calls_to("chat.update", ok=False)[0].response["error"] == "message_not_found"
    with relais_slack.store.unit_of_work() as session:
        failed = session.scalars(select(OutboxMessage.status).where(OutboxMessage.replaces.is_not(None))).all()
        assert failed == ["failed"]  # given up at once: a permanent refusal, nothing else changes
