"""Sending: escaping, 429s, resends after a crash, pacing per channel, direct messages, fallbacks."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from adapters.slack.blocks import message_parts, part_of
from bot.delivery import Outgoing, TemporaryFailure
from bot.models import Circle, Member, MessageRef, OutboxMessage
from bot.outbox import enqueue, enqueue_post
from bot.reply import Incoming, Post

from .harness import ALICE, BOB, FABIENNE, GENERAL, GT, Harness, address, identity


@pytest.fixture
def no_jitter(monkeypatch: pytest.MonkeyPatch) -> None:
    """slack_sdk's 429 handler sleeps Retry-After + random(): take the random part away."""
    import slack_sdk.http_retry.builtin_async_handlers as handlers

    monkeypatch.setattr(handlers.random, "random", lambda: 0.0)


def copil(harness: Harness) -> int:
    with harness.store.unit_of_work() as session:
        return session.scalars(select(Circle.id).where(Circle.slug == "copil")).one()


def rows(harness: Harness) -> list[OutboxMessage]:
    with harness.store.unit_of_work() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.created_at, OutboxMessage.id)))


async def test_pings_typed_by_members_are_inert_in_what_the_bot_posts(relais_slack: Harness) -> None:
    typed = "Réunion annulée <!channel> &lt;!here&gt; &lt;@U0BOB000001&gt; &amp; <@U0BOB000001|bob>"
    await relais_slack.command("update", typed)
    (post,) = relais_slack.posts_in(GENERAL)
    shown = post["blocks"][0]["text"]
    assert shown["verbatim"] is True
    for text in (post["text"], shown["text"]):
        assert "<!" not in text and "<@" not in text  # no control sequence: nobody is pinged
        assert "&lt;!here&gt;" in text and "&lt;@U0BOB000001&gt;" in text and "&amp;" in text
        assert "@channel" in text and "@Bob" in text  # Slack's own mentions, written out as plain words


async def test_text_from_another_platform_is_escaped_too(relais_socket: Harness) -> None:
    harness = relais_socket
    harness.dispatcher.handle(
        Incoming(
            identity="console:fabienne",
            text="/info <!channel> venez <@U0ALICE001>",
            channel="console:copil",
            display_name="Fabienne",
        ),
        deliver=True,
    )
    await harness.settle()
    (post,) = harness.posts_in(GENERAL)
    assert "&lt;!channel&gt; venez &lt;@U0ALICE001&gt;" in post["text"] and "<!" not in post["text"]


async def test_a_429_is_retried_after_retry_after_and_lands_once(relais_socket: Harness, no_jitter: None) -> None:
    harness = relais_socket
    harness.standin.rate_limit("chat.postMessage", times=1, retry_after=0)
    await harness.command("info", "Une annonce", user=FABIENNE)
    assert [call.status for call in harness.standin.calls_to("chat.postMessage")] == [429, 200]
    assert len(harness.posts_in(GENERAL)) == 1
    assert all(row.status == "sent" for row in rows(harness))


async def test_a_persistent_429_gives_the_row_back_and_nothing_is_lost(relais_socket: Harness, no_jitter: None) -> None:
    harness = relais_socket
    (handler,) = [h for h in harness.adapter.runtime.client.retry_handlers if h.max_retry_count == 2]
    harness.standin.rate_limit("chat.postMessage", times=3, retry_after=0)  # 1 + 2 retries, then give up
    with harness.store.unit_of_work() as session:
        enqueue_post(session, Post("Le compte rendu", "circle", circle_id=copil(harness)), harness.clock.now())
    # the row goes back to pending, due again after at least a second (never a tight loop),
    # and the next attempt lands
    assert await harness.deliverer.deliver_due() == 0
    harness.clock.advance(timedelta(seconds=1))
    assert await harness.deliverer.deliver_due() == 1
    assert [call.status for call in harness.standin.calls_to("chat.postMessage")] == [429, 429, 429, 200]
    (row,) = rows(harness)
    assert (row.status, row.attempts) == ("sent", 1) and "rate limited" in (row.last_error or "")  # not counted
    assert [m["text"] for m in harness.posts_in(GENERAL)] == ["Le compte rendu"]

    harness.standin.rate_limit("chat.postMessage", times=1, retry_after=7)
    handler.max_retry_count = 0  # Slack's Retry-After is handed to the delivery loop
    with harness.store.unit_of_work() as session:
        (row,) = enqueue_post(session, Post("Le suivant", "circle", circle_id=copil(harness)), harness.clock.now())
    with pytest.raises(TemporaryFailure) as failure:
        await harness.adapter.sender.send(Outgoing.of(row), resend=False)
    assert failure.value.retry_after == 7


async def test_a_resend_after_a_crash_finds_the_message_and_does_not_post_twice(relais_socket: Harness) -> None:
    harness = relais_socket
    harness.dispatcher.handle(
        Incoming(identity=identity(FABIENNE), text="/info Rappel : COPIL jeudi", channel=address(GENERAL)), deliver=True
    )
    (row,) = [row for row in rows(harness) if row.item_id is not None]
    # the process posts the message, then dies before marking the row sent
    with harness.store.unit_of_work() as session:
        session.get_one(OutboxMessage, row.id).status = "sending"
        session.get_one(OutboxMessage, row.id).attempts = 1
    first = await harness.adapter.sender.send(Outgoing.of(row), resend=False)
    harness.standin.add_message(GENERAL, {"text": "someone else talks", "user": ALICE})
    harness.standin.reset()
    harness.clock.advance(timedelta(minutes=1))  # past the lease: the row is due again, as a resend
    assert await harness.deliverer.deliver_due() == 2  # the item, and Fabienne's confirmation
    assert harness.standin.calls_to("chat.postMessage") == []  # found in history, not posted again
    (history,) = harness.standin.calls_to("conversations.history")
    assert history.params["include_all_metadata"] in (True, "true", "1")
    assert len([m for m in harness.posts_in(GENERAL) if m.get("metadata")]) == 1
    with harness.store.unit_of_work() as session:
        sent = session.get_one(OutboxMessage, row.id)
        assert (sent.status, sent.message_id) == ("sent", first.message_id)
        assert session.scalars(select(MessageRef)).one().message_id == first.message_id  # ✅ maps back


async def test_a_resend_that_did_not_land_is_posted(relais_socket: Harness) -> None:
    harness = relais_socket
    with harness.store.unit_of_work() as session:
        row = enqueue(session, harness.clock.now(), "Pas encore parti", channel=address(GENERAL))
        row.status, row.attempts = "sending", 1
    assert await harness.deliverer.deliver_due() == 1
    assert [m["text"] for m in harness.posts_in(GENERAL)] == ["Pas encore parti"]


async def test_posts_are_paced_per_channel(relais_socket: Harness) -> None:
    harness = relais_socket
    with harness.store.unit_of_work() as session:
        for n in range(3):
            enqueue(session, harness.clock.now(), f"copil {n}", channel=address(GENERAL))
            harness.clock.advance(timedelta(microseconds=1))  # the outbox sends oldest first
        enqueue(session, harness.clock.now(), "gt 0", channel=address(GT))
    assert await harness.deliverer.deliver_due() == 4
    assert harness.time.sleeps == [1.0, 1.0]  # the 2nd and 3rd COPIL posts waited; the GT one did not
    assert [m["text"] for m in harness.posts_in(GENERAL)] == ["copil 0", "copil 1", "copil 2"]
    assert [m["text"] for m in harness.posts_in(GT)] == ["gt 0"]


async def test_direct_messages_open_a_conversation(relais_socket: Harness) -> None:
    harness = relais_socket
    with harness.store.unit_of_work() as session:
        bob = harness.dispatcher.member(session, identity(BOB))
        enqueue_post(
            session, Post("Petit rappel : #3 est à rendre demain", "direct", member_id=bob.id), harness.clock.now()
        )
    assert await harness.deliverer.deliver_due() == 1
    (opened,) = harness.standin.calls_to("conversations.open")
    assert opened.params["users"] == BOB
    dm = harness.standin.dm_channels[(BOB,)]
    assert [m["text"] for m in harness.posts_in(dm)] == ["Petit rappel : #3 est à rendre demain"]
    (row,) = [row for row in rows(harness) if row.member_id is not None]
    assert row.status == "sent"


async def test_a_member_without_slack_identity_is_a_permanent_failure(relais_socket: Harness) -> None:
    harness = relais_socket
    with harness.store.unit_of_work() as session:
        member = harness.dispatcher.member(session, "console:claire")
        row = enqueue(session, harness.clock.now(), "x", member_id=member.id, platform="slack")
        assert session.get(Member, member.id) is not None
    await harness.deliverer.deliver_due()
    (failed,) = rows(harness)
    assert failed.id == row.id and failed.status == "failed" and "no Slack identity" in (failed.last_error or "")


async def test_refused_blocks_fall_back_to_the_text(relais_socket: Harness) -> None:
    harness = relais_socket
    harness.standin.fail("chat.postMessage", "invalid_blocks")
    with harness.store.unit_of_work() as session:
        enqueue(session, harness.clock.now(), "Sans blocs", channel=address(GENERAL))
    assert await harness.deliverer.deliver_due() == 1
    (message,) = harness.posts_in(GENERAL)
    assert message["text"] == "Sans blocs" and "blocks" not in message and message["metadata"]


async def test_ephemeral_without_response_url_uses_post_ephemeral(relais_socket: Harness) -> None:
    harness = relais_socket
    with harness.store.unit_of_work() as session:
        enqueue(
            session,
            harness.clock.now(),
            "Pour Alice seulement",
            channel=address(GENERAL),
            recipient=identity(ALICE),
            ephemeral=True,
        )
    assert await harness.deliverer.deliver_due() == 1
    (ephemeral,) = harness.standin.ephemerals
    assert ephemeral["user"] == ALICE and ephemeral["message"]["text"] == "Pour Alice seulement"
    assert "metadata" not in harness.standin.calls_to("chat.postEphemeral")[0].params
    assert harness.posts_in(GENERAL) == []


async def test_a_resend_of_a_message_in_several_parts_posts_only_the_missing_ones(relais_socket: Harness) -> None:
    harness = relais_socket
    text = "\n\n".join(f"Paragraphe {n} : " + "des nouvelles du chantier, " * 40 for n in range(14))
    with harness.store.unit_of_work() as session:
        row = enqueue(session, harness.clock.now(), text, channel=address(GENERAL))
        row.status, row.attempts = "sending", 1
        first, *rest = message_parts(row.text, row.id)
    assert rest  # more than Slack takes in one message
    # the process posted the first part, then died
    harness.standin.add_message(GENERAL, {**first, "user": harness.standin.bot_user_id})
    assert await harness.deliverer.deliver_due() == 1
    assert len(harness.standin.calls_to("chat.postMessage")) == len(rest)
    posts = harness.posts_in(GENERAL)
    assert [part_of(post) for post in posts] == list(range(1, len(rest) + 2))
    shown = " ".join(block["text"]["text"] for post in posts for block in post["blocks"])
    assert [int(n) for n in re.findall(r"Paragraphe (\d+)", shown)] == list(range(14))
