"""Slack retries an event it thinks was lost (same event_id, X-Slack-Retry-Num / retry_attempt 1, 2):
Relais applies it once. Bolt itself does not de-duplicate."""

from __future__ import annotations

from sqlalchemy import select

from bot.models import Acknowledgement, Commitment, ProcessedEvent

from .harness import ALICE, BOB, FABIENNE, GENERAL, Harness
from .standin import (
    app_home_opened_event,
    form_encode_slash_command,
    message_event,
    reaction_added_event,
    reaction_removed_event,
)


async def test_a_reaction_delivered_three_times_is_applied_once(relais_slack: Harness) -> None:
    await relais_slack.command("info", "Ordre du jour du COPIL en pièce jointe", user=FABIENNE)
    (message,) = relais_slack.posts_in(GENERAL)
    added = reaction_added_event("white_check_mark", BOB, GENERAL, message["ts"])
    await relais_slack.event(added, event_id="Ev0ADDED0001")
    # Bob changes his mind before Slack's retries of the first event arrive
    await relais_slack.event(reaction_removed_event("white_check_mark", BOB, GENERAL, message["ts"]))
    await relais_slack.event(added, event_id="Ev0ADDED0001", retry=1)
    await relais_slack.event(added, event_id="Ev0ADDED0001", retry=2)
    assert relais_slack.count(Acknowledgement) == 0  # the retries did not acknowledge again
    with relais_slack.store.unit_of_work() as session:
        ids = session.scalars(select(ProcessedEvent.event_id).where(ProcessedEvent.event_id == "Ev0ADDED0001"))
        assert list(ids) == ["Ev0ADDED0001"]


async def test_a_direct_message_delivered_three_times_is_answered_once(relais_slack: Harness) -> None:
    dm = relais_slack.standin.dm_channel_for(ALICE)
    event = message_event("engage Appeler la préfecture demain", ALICE, dm)
    for retry in range(3):
        await relais_slack.event(event, event_id="Ev0DIRECT001", retry=retry)
    with relais_slack.store.unit_of_work() as session:
        assert [c.title for c in session.scalars(select(Commitment))] == ["Appeler la préfecture"]
    answers = relais_slack.posts_in(dm)
    assert len(answers) == 1 and "Engagement #1 enregistré" in answers[0]["text"]
    assert relais_slack.standin.ephemerals == []  # in the bot's own DM, a plain message


async def test_home_opened_three_times_publishes_once(relais_slack: Harness) -> None:
    for retry in range(3):
        await relais_slack.event(app_home_opened_event(BOB), event_id="Ev0HOME00001", retry=retry)
    assert len(relais_slack.standin.calls_to("views.publish")) == 1


async def test_a_slash_command_redelivered_runs_once(relais_slack: Harness) -> None:
    payload = relais_slack.standin.slash_command("/engage", "Écrire la newsletter vendredi")
    for _ in range(3):
        await relais_slack.send("slash_commands", payload, form_encode_slash_command(payload))
    assert relais_slack.count(Commitment) == 1
    assert len([t for t in relais_slack.replies_to(ALICE) if "enregistré" in t]) == 1


async def test_bot_messages_and_edits_in_the_dm_are_ignored(relais_slack: Harness) -> None:
    dm = relais_slack.standin.dm_channel_for(ALICE)
    edited = {**message_event("engage X", ALICE, dm), "subtype": "message_changed"}
    from_bot = {**message_event("engage Y", ALICE, dm), "bot_id": "B0OTHER"}
    await relais_slack.event(edited)
    await relais_slack.event(from_bot)
    assert relais_slack.count(Commitment) == 0 and relais_slack.posts_in(dm) == []
