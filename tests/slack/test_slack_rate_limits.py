"""Slack says "slow down" (HTTP 429 with Retry-After) or "no" (ok: false): Relais waits, keeps each
conversation in order, loses nothing and doubles nothing; what Slack refuses for good is said in the
log and the rest of the round goes out.

slack_sdk's handler retries a 429 twice after Retry-After; when Slack keeps answering 429, the message
goes back to the outbox for a later attempt, and the messages after it in the same conversation wait
with it instead of overtaking it (bot.outbox_order).
"""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.models import OutboxMessage
from bot.outbox import enqueue, enqueue_post
from bot.reply import Post

from .harness import BOB, FABIENNE, GENERAL, GT, Harness, address, identity


@pytest.fixture
def no_jitter(monkeypatch: pytest.MonkeyPatch) -> None:
    """slack_sdk's 429 handler sleeps Retry-After + random(): take the random part away."""
    import slack_sdk.http_retry.builtin_async_handlers as handlers

    monkeypatch.setattr(handlers.random, "random", lambda: 0.0)


def rows(harness: Harness) -> list[OutboxMessage]:
    with harness.store.unit_of_work() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.created_at, OutboxMessage.id)))


def post(harness: Harness, text: str, channel: str = GENERAL) -> None:
    with harness.store.unit_of_work() as session:
        enqueue(session, harness.clock.now(), text, channel=address(channel))
    harness.clock.advance(timedelta(microseconds=1))  # the outbox sends oldest first


def texts(harness: Harness, channel: str = GENERAL) -> list[str]:
    return [message["text"] for message in harness.posts_in(channel)]


def statuses(harness: Harness) -> list[int]:
    return [call.status for call in harness.standin.calls_to("chat.postMessage")]


async def test_posts_after_a_rate_limited_one_wait_for_it_and_keep_their_order(
    relais_socket: Harness, no_jitter: None
) -> None:
    harness = relais_socket
    for n in range(3):
        post(harness, f"copil {n}")
    harness.standin.rate_limit("chat.postMessage", times=3, retry_after=0)  # 1 + 2 retries: given back
    assert await harness.deliverer.deliver_due() == 0 and texts(harness) == []
    first, second, third = rows(harness)
    assert (first.status, first.attempts) == ("pending", 0) and "rate limited" in (first.last_error or "")
    assert (second.status, second.attempts, third.attempts) == ("pending", 0, 0)  # no attempt counted
    assert second.not_before == first.not_before == third.not_before

    # a later pass: a new post is put off behind the waiting ones, not sent ahead of them
    post(harness, "copil 3")
    post(harness, "gt 0", GT)
    assert await harness.deliverer.deliver_due() == 1  # another channel is not held up
    assert texts(harness, GT) == ["gt 0"] and statuses(harness) == [429, 429, 429, 200]
    harness.clock.advance(timedelta(seconds=1))
    assert await harness.deliverer.deliver_due() == 4
    assert texts(harness) == ["copil 0", "copil 1", "copil 2", "copil 3"]  # in order, each once
    assert statuses(harness) == [429, 429, 429, 200, 200, 200, 200, 200]
    assert {row.status for row in rows(harness)} == {"sent"}


async def test_a_message_written_while_its_channel_waits_for_a_retry_waits_too(
    relais_socket: Harness, no_jitter: None
) -> None:
    """Rows this process writes are handed to the loop at commit, without a pass: they wait too."""
    harness = relais_socket
    harness.deliverer.start()  # as `relais run` does: rows leave at commit
    try:
        harness.standin.rate_limit("chat.postMessage", times=3, retry_after=5)
        harness.adapter.runtime.client.retry_handlers[-1].max_retry_count = 0  # Retry-After goes to the loop
        post(harness, "le compte rendu")
        await harness.settle()
        await harness.deliverer.stop()  # lets what was handed over finish
        harness.deliverer.start()
        post(harness, "la suite")
        await harness.deliverer.stop()
        assert texts(harness) == [] and statuses(harness) == [429]
        assert [(row.status, row.attempts) for row in rows(harness)] == [("pending", 0), ("pending", 0)]
        harness.clock.advance(timedelta(seconds=5))
        harness.standin.reset()
        assert await harness.deliverer.deliver_due() == 2
        assert texts(harness) == ["le compte rendu", "la suite"]
    finally:
        await harness.deliverer.stop()


async def test_a_round_of_2000_direct_messages_under_429s_reaches_everyone_once(
    relais_socket: Harness, no_jitter: None
) -> None:
    harness = relais_socket
    standin = harness.standin
    people = [f"U0P{n:07d}" for n in range(2000)]
    with harness.store.unit_of_work() as session:
        members = [harness.dispatcher.member(session, identity(user)).id for user in people]
    for user in people:
        standin.add_user(user, real_name=f"Partenaire {user[-4:]}", locale="fr-FR")
    with harness.store.unit_of_work() as session:
        for member_id in members:  # as a digest round writes them (schedules/direct.py)
            enqueue_post(session, Post(f"Votre résumé {member_id}", "direct", member_id=member_id), harness.clock.now())
    standin.rate_limit("chat.postMessage", times=2, retry_after=0)  # retried by the SDK at once
    sent = await harness.deliverer.deliver_due()
    standin.rate_limit("chat.postMessage", times=3, retry_after=0)  # given back to the outbox
    for _ in range(3):
        harness.clock.advance(timedelta(seconds=1))
        sent += await harness.deliverer.deliver_due()
    assert sent == 2000 and {row.status for row in rows(harness)} == {"sent"}
    landed = [m["text"] for dm in standin.dm_channels.values() for m in standin.messages_in(dm)]
    assert sorted(landed) == sorted(f"Votre résumé {member_id}" for member_id in members)  # everyone, once
    assert statuses(harness).count(429) == 2


async def test_what_slack_refuses_for_good_is_logged_once_and_the_rest_goes_out(
    relais_socket: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    harness = relais_socket
    caplog.set_level(logging.WARNING, logger="adapters.slack.sender")
    refusals = {
        "is_archived": "archived",
        "not_in_channel": "/invite @Relais",
        "channel_not_found": "deleted",
        "msg_too_long": "msg_too_long",
    }
    for error in refusals:
        harness.standin.fail("chat.postMessage", error)
        post(harness, f"refusé : {error}")
        post(harness, f"après {error}")
        assert await harness.deliverer.deliver_due() == 1  # the next post of the round went out
        (message,) = [r.getMessage() for r in caplog.records]
        assert error in message and refusals[error] in message and "C0GENERAL01" in message
        caplog.clear()
    harness.clock.advance(timedelta(hours=1))
    assert await harness.deliverer.deliver_due() == 0  # nothing retried forever
    failed = [row for row in rows(harness) if row.status == "failed"]
    assert len(failed) == 4 and all(row.attempts == 1 for row in failed)
    assert texts(harness) == [f"après {error}" for error in refusals]


async def test_a_rate_limit_that_lasts_never_makes_relais_give_a_message_up(
    relais_socket: Harness, no_jitter: None
) -> None:
    """A 429 is Slack's "not now", not the message's fault: it is not counted among the attempts after
    which a message is given up, however many times Slack says it."""
    harness = relais_socket
    harness.adapter.runtime.client.retry_handlers[-1].max_retry_count = 0
    harness.standin.rate_limit("chat.postMessage", times=12, retry_after=1)
    post(harness, "le récapitulatif")
    for _ in range(12):
        assert await harness.deliverer.deliver_due() == 0
        harness.clock.advance(timedelta(seconds=1))
    (row,) = rows(harness)
    assert (row.status, row.attempts) == ("pending", 0)
    assert await harness.deliverer.deliver_due() == 1 and texts(harness) == ["le récapitulatif"]


async def test_a_round_of_direct_messages_opens_each_conversation_once(relais_socket: Harness) -> None:
    """conversations.open is Tier 3 (about 50 a minute): a member's conversation is opened once, not for
    every digest and nudge."""
    harness = relais_socket
    with harness.store.unit_of_work() as session:
        bob = harness.dispatcher.member(session, identity(BOB)).id
    for text in ("Votre résumé de la semaine", "Petit rappel : #3 est à rendre demain"):
        with harness.store.unit_of_work() as session:
            enqueue_post(session, Post(text, "direct", member_id=bob), harness.clock.now())
        assert await harness.deliverer.deliver_due() == 1
    assert len(harness.standin.calls_to("conversations.open")) == 1
    dm = harness.standin.dm_channels[(BOB,)]
    assert texts(harness, dm) == ["Votre résumé de la semaine", "Petit rappel : #3 est à rendre demain"]


async def test_a_read_count_waiting_its_turn_holds_no_post_back(relais_socket: Harness) -> None:
    """An item's ✅ count is updated at most every few seconds (bot.copies: a row written to wait); a new
    post in that channel does not wait for it."""
    harness = relais_socket
    with harness.store.unit_of_work() as session:
        later = harness.clock.now() + timedelta(seconds=3)
        enqueue(session, harness.clock.now(), "✅ 2/9", channel=address(GENERAL), replaces="1.1", not_before=later)
    harness.clock.advance(timedelta(microseconds=1))
    post(harness, "une nouvelle annonce")
    assert await harness.deliverer.deliver_due() == 1 and texts(harness) == ["une nouvelle annonce"]


async def test_someone_relais_may_not_write_to_is_given_up_at_once_and_said(
    relais_socket: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    """conversations.open refuses a Slack Connect person Relais shares no channel with
    (invalid_user_combination) or a person it may not see (user_not_visible): retrying cannot help."""
    harness = relais_socket
    caplog.set_level(logging.WARNING, logger="adapters.slack.sender")
    with harness.store.unit_of_work() as session:
        bob = harness.dispatcher.member(session, identity(BOB)).id
    for error in ("invalid_user_combination", "user_not_visible"):
        harness.standin.fail("conversations.open", error)
        with harness.store.unit_of_work() as session:
            enqueue_post(session, Post("Votre résumé", "direct", member_id=bob), harness.clock.now())
        assert await harness.deliverer.deliver_due() == 0
        assert error in caplog.records[-1].getMessage() and f"member {bob}" in caplog.records[-1].getMessage()
    assert [(row.status, row.attempts) for row in rows(harness)] == [("failed", 1), ("failed", 1)]


async def test_the_author_of_an_item_its_channel_refused_is_told_in_their_language(relais_slack: Harness) -> None:
    """/info answered "posted in GT Mobilité", but Relais had been removed from the channel: its author,
    who believed it posted, learns it by direct message, with what to do."""
    harness = relais_slack
    harness.standin.fail("chat.postMessage", "not_in_channel")
    await harness.command("info", "Réunion annulée jeudi", user=FABIENNE, channel=GT)
    notice = harness.replies_to(FABIENNE)[-1]
    assert notice == (
        "Votre message #1 pour GT Mobilité n’a pas pu être publié dans l’un de ses canaux\u00a0: "
        "Relais n’est plus dans ce canal. Invitez-le avec /invite @Relais."
    )
    await harness.command("lang", "en", user=BOB)
    harness.standin.fail("chat.postMessage", "is_archived")
    await harness.command("info", "Meeting moved", user=BOB, channel=GT)
    assert harness.replies_to(BOB)[-1] == (
        "Your message #2 for GT Mobilité could not be posted in one of its channels: "
        "the channel is archived. Unarchive it, or a facilitator unlinks it with /unmap."
    )
    assert harness.posts_in(GT) == []
