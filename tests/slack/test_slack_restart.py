"""Relais restarted while Slack retries (X-Slack-Retry-Num / retry_attempt ≥ 1): the process that
received an event ran it and died before its answer left (and before Slack saw the ack); the new
process gets Slack's retry. The answer goes out once (from the outbox, not from the retry run again),
a ✅ retried after the restart counts once, and the Harness's time never sleeps."""

from __future__ import annotations

from sqlalchemy import select

from bot.models import Acknowledgement, Commitment, OutboxMessage

from .harness import ALICE, BOB, FABIENNE, GENERAL, SIGNING_SECRET, Harness
from .standin import json_encode_event, message_event, reaction_added_event, signed_request_headers


async def received_not_answered(harness: Harness, event: dict, event_id: str) -> None:
    """Slack delivers `event`; Relais runs it (committed) and dies before delivering anything."""
    runtime = harness.adapter.runtime
    before = runtime.completed
    body = harness.standin.event_callback(event, event_id)
    if harness.mode == "socket":
        await harness.standin.socket_send("events_api", body)
    else:
        raw = json_encode_event(body)
        await harness.post(raw, signed_request_headers(raw, SIGNING_SECRET))
    await runtime.wait_completed(before + 1)
    await harness.adapter.idle()


async def test_a_restart_while_slack_retries_answers_once_and_counts_once(relais_slack: Harness) -> None:
    first = relais_slack
    await first.command("info", "Ordre du jour du COPIL en pièce jointe", user=FABIENNE)
    (post,) = first.posts_in(GENERAL)
    dm = first.standin.dm_channel_for(ALICE)
    engage = message_event("engage Appeler la préfecture demain", ALICE, dm)
    check = reaction_added_event("white_check_mark", BOB, GENERAL, post["ts"])
    await received_not_answered(first, engage, "Ev0RESTART01")
    await received_not_answered(first, check, "Ev0RESTART02")
    with first.store.unit_of_work() as session:  # committed, its answer waiting in the outbox
        waiting = session.scalars(select(OutboxMessage.status).where(OutboxMessage.channel.is_not(None)))
        assert "pending" in list(waiting)
    await first.stop()  # the process is gone; Slack saw no answer and retries
    second = Harness(first.mode, first.standin, first.store, first.clock, first.dispatcher.config)
    await second.start()
    try:
        for retry in (1, 2):
            await second.event(engage, event_id="Ev0RESTART01", retry=retry)
            await second.event(check, event_id="Ev0RESTART02", retry=retry)
        await second.settle()
    finally:
        await second.stop()
        first.http = None  # closed with the first process
    with second.store.unit_of_work() as session:
        assert [c.title for c in session.scalars(select(Commitment))] == ["Appeler la préfecture"]
    answers = [m for m in second.posts_in(dm) if "Engagement #2 enregistré" in m["text"]]
    assert len(answers) == 1, second.posts_in(dm)
    assert second.count(Acknowledgement) == 1
