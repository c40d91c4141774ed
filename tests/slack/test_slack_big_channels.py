"""Channels that already have their people when Relais arrives, and a Slack that cannot list them now.

* Relais is invited to a private channel of 2,100 people (member_joined_channel for the bot only, as
  Slack sends it): conversations.members is read page by page (next_cursor), a `ratelimited` answer
  retried after Retry-After, and all of them are members at once, though none of them ever typed.
* At start Slack keeps answering 429 for a circle's channel: its circle is left as it was, and the
  channel is read again after Retry-After, then twice as long each time, until it is read. Until then
  its people who never typed are not in the circle (not in its audience, digests, reading levels);
  after it, they are.
"""

from __future__ import annotations

import asyncio
import logging

import pytest
from sqlalchemy import func, select

from bot.clock import FixedClock
from bot.config import Config
from bot.db import Store
from bot.models import Acknowledgement, Circle, CircleMember

from .harness import ALICE, FABIENNE, GENERAL, Harness
from .standin import SlackStandin, reaction_added_event

BUREAU = "G0BUREAU001"
CAMILLE = "U0CAMILLE01"  # only in the COPIL's channel; never typed anything


@pytest.fixture
def no_jitter(monkeypatch: pytest.MonkeyPatch) -> None:
    """slack_sdk's 429 handler sleeps Retry-After + random(): take the random part away."""
    import slack_sdk.http_retry.builtin_async_handlers as handlers

    monkeypatch.setattr(handlers.random, "random", lambda: 0.0)


class Later:
    """The resyncs' sleep: records each delay and returns when the test lets that much time pass."""

    def __init__(self) -> None:
        self.delays: list[float] = []
        self._gates: list[asyncio.Event] = []

    async def sleep(self, seconds: float) -> None:
        self.delays.append(seconds)
        gate = asyncio.Event()
        self._gates.append(gate)
        await gate.wait()

    def pass_time(self) -> None:
        self._gates.pop(0).set()


def members_of(harness: Harness, slug: str) -> int:
    with harness.store.unit_of_work() as session:
        circle = session.scalars(select(Circle.id).where(Circle.slug == slug)).one()
        return int(
            session.scalar(select(func.count()).where(CircleMember.circle_id == circle, CircleMember.left_at.is_(None)))
            or 0
        )


async def test_relais_invited_to_a_channel_of_2100_people_makes_them_all_members(
    slack_standin: SlackStandin, store: Store, clock: FixedClock, config: Config, no_jitter: None
) -> None:
    standin = slack_standin
    people = [f"U0B{n:07d}" for n in range(2100)]
    for user in people:
        standin.add_user(user, real_name=f"Partenaire {user[-4:]}", locale="fr-FR")
    standin.add_channel(BUREAU, name="bureau", is_private=True, is_member=False, members=people)
    harness = Harness("socket", standin, store, clock, config, channels={BUREAU: "Bureau"})
    await harness.start()  # Slack answers channel_not_found: Relais is not in that private channel
    try:
        assert members_of(harness, "bureau") == 0 and harness.adapter.runtime.resyncs.pending() == []
        standin.reset()
        standin.rate_limit("conversations.members", times=1, retry_after=0)
        runtime, waited = harness.adapter.runtime, harness.adapter.runtime.wait_completed
        runtime.wait_completed = lambda count: waited(count, timeout=120.0)  # type: ignore[method-assign]
        await harness.event(standin.join_channel(BUREAU, standin.bot_user_id, inviter=people[0]))  # 2,100 joins
        runtime.wait_completed = waited  # type: ignore[method-assign]
        pages = standin.calls_to("conversations.members")
        assert [call.status for call in pages] == [429] + [200] * 11  # 2,100 ids, 200 a page, after a retry
        assert all(call.params["cursor"] for call in pages[2:])
        assert members_of(harness, "bureau") == 2100

        await harness.command("info", "Ordre du jour du bureau", user=FABIENNE, channel=BUREAU)
        (item,) = harness.posts_in(BUREAU)
        await harness.event(reaction_added_event("white_check_mark", people[1234], BUREAU, item["ts"]))
        assert harness.count(Acknowledgement) == 1  # someone who never typed a command counts
    finally:
        await harness.stop()


async def test_a_channel_slack_would_not_list_at_start_is_read_again_later(
    slack_standin: SlackStandin, store: Store, clock: FixedClock, config: Config, caplog: pytest.LogCaptureFixture
) -> None:
    standin = slack_standin
    standin.add_user(CAMILLE, name="camille", real_name="Camille Petit", locale="fr-FR")
    harness = Harness("socket", standin, store, clock, config)
    standin.set_members(GENERAL, [ALICE, CAMILLE, standin.bot_user_id])
    runtime = harness.adapter.runtime
    later = Later()
    runtime.resyncs.sleep = later.sleep
    runtime.client.retry_handlers[-1].max_retry_count = 0  # the SDK gives the 429 back at once
    standin.rate_limit("conversations.members", times=1, retry_after=30)  # the first channel read: GENERAL
    caplog.set_level(logging.WARNING)
    await harness.start()
    try:
        assert members_of(harness, "copil") == 0 and later.delays == [30.0]
        assert any("read again in 30 s" in record.getMessage() for record in caplog.records)

        standin.fail("conversations.members", "internal_error")  # still not: twice as long
        later.pass_time()
        await runtime.resyncs.wait()
        assert members_of(harness, "copil") == 0 and later.delays == [30.0, 60.0]

        later.pass_time()
        await runtime.resyncs.wait()
        assert members_of(harness, "copil") == 2 and runtime.resyncs.pending() == []
        await harness.command("info", "Réunion jeudi", user=ALICE)
        assert "1 membre doit la lire" in harness.replies_to(ALICE)[-1]  # Camille, who never typed
    finally:
        await harness.stop()
