"""The spool and Slack's acks (adapters/slack/spooled.py): in Socket Mode no request's work starts before its ack
has been sent, so a crash in the work is always a request Slack was told of; a request run again at a start after
its work was committed (its done mark lost) says nothing twice; an event spooled and not acknowledged, which Slack
sends again, counts once. Real `relais run` processes killed where named (tests/matrix/crashing.py), and the
adapter in this process for what must be watched from inside."""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from adapters.slack import front_spool, spooled
from adapters.slack import mode as slack_mode
from adapters.slack.front_spool import Spool
from adapters.slack.mode import HttpTransport
from bot.models import Commitment

from ..support.waiting import eventually
from .harness import ALICE, BOB, FABIENNE, GENERAL, Harness
from .relais_process import TITLE, Relais, died, emptied, read_pending, stopped
from .standin import SlackStandin, message_event, reaction_added_event

ANNOUNCEMENT = "Le COPIL de décembre est déplacé au 10"


async def an_item(harness: Harness) -> dict[str, Any]:
    """Fabienne's announcement in the COPIL channel: #1, which Bob must read."""
    await harness.command("info", ANNOUNCEMENT, user=FABIENNE)
    (message,) = harness.posts_in(GENERAL)
    return message


def request(harness: Harness, kind: str, message: dict[str, Any]) -> Any:
    """One request of each kind, in the payloads recorded from Slack (tests/slack/data)."""
    standin = harness.standin
    if kind == "command":
        return harness.command("engage", "Réserver la salle d'ici vendredi", user=BOB)
    if kind == "direct message":
        return harness.event(message_event("engage Réserver la salle vendredi", BOB, standin.dm_channel_for(BOB)))
    if kind == "reaction":
        return harness.event(reaction_added_event("white_check_mark", BOB, GENERAL, message["ts"]))
    click = standin.block_actions("relais_ack", "1", user_id=BOB, channel_id=GENERAL, message=message)
    return harness.interactive(click)


@pytest.mark.parametrize("kind", ["command", "direct message", "reaction", "button"])
async def test_no_work_starts_before_its_ack_has_been_sent_in_socket_mode(
    relais_socket: Harness, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    """Bolt sends a Socket Mode ack up to 10 ms after ack() (for an event, its own ack() before the listener
    starts) while the listener goes on: here the ack leaves only once the listener waits for it, or has started
    its work. Its work (everything it asks of the database) comes after the ack, whatever the kind."""
    message = await an_item(relais_socket)
    runtime, handler = relais_socket.adapter.runtime, relais_socket.adapter.transport.handler
    work: list[str] = []
    waiting: list[bool] = []
    at_ack: list[list[str]] = []
    blocking, ack_sent, acknowledge = runtime.blocking, spooled.ack_sent, handler.acknowledge

    async def watched(function: Any, *args: Any, **kwargs: Any) -> Any:
        work.append(getattr(function, "__name__", repr(function)))
        return await blocking(function, *args, **kwargs)

    async def waits(limit: float = 3.0) -> None:
        waiting.append(True)
        await ack_sent(limit)

    async def held(*args: Any) -> None:
        await eventually(lambda: waiting or work, 5, "the listener waiting for its ack, or at work")
        at_ack.append(list(work))
        await acknowledge(*args)

    monkeypatch.setattr(runtime, "blocking", watched)
    monkeypatch.setattr(spooled, "ack_sent", waits)
    monkeypatch.setattr(handler, "acknowledge", held)
    answer = await request(relais_socket, kind, message)
    assert answer.status == 200
    assert at_ack == [[]]  # nothing of its work before the ack
    assert work  # and all of it after


async def test_an_event_spooled_and_killed_before_its_ack_counts_once_though_slack_sends_it_again(
    slack_standin: SlackStandin, tmp_path: Path
) -> None:
    """Socket Mode: a direct message written to the spool, Relais killed before its ack left: Slack sends the
    event again (retry_attempt 1, the same event_id) while the next start runs the spooled one: one commitment,
    one answer."""
    relais = Relais(tmp_path, slack_standin, "socket")
    dm = slack_standin.dm_channel_for(ALICE)
    body = slack_standin.event_callback(message_event(f"engage {TITLE} tomorrow", ALICE, dm), "Ev0SPOOL03")
    first = await relais.start("slack-before-ack")
    try:
        await slack_standin.socket_send("events_api", body)
        assert await died(first) == -signal.SIGKILL
    finally:
        first.reap()
    assert read_pending(relais.spool) != [] and relais.titles() == []
    second = await relais.start()
    try:
        await relais.send_event(body, retry=1)  # Slack saw no ack: it sends the event again
        await slack_standin.wait_for_calls("chat.postMessage", 1, timeout=20)
        await emptied(relais, second)
    finally:
        assert await stopped(second) == 0, second.output()
    assert "run again" in second.output()
    assert relais.titles() == [TITLE]
    answers = [call for call in slack_standin.calls_to("chat.postMessage") if TITLE in str(call.params.get("text"))]
    assert len(answers) == 1


def notes_on_one(standin: SlackStandin) -> list[str]:
    """What Alice was told about #1: privately in the channel (response_url or chat.postEphemeral)."""
    texts = [str(call.params.get("text", "")) for call in standin.response_posts]
    texts += [str(call.params.get("text", "")) for call in standin.calls_to("chat.postEphemeral")]
    return [text for text in texts if "#1" in text]


@pytest.mark.parametrize("mode", ["socket", "http"])
async def test_a_button_and_a_command_run_again_after_their_commit_say_nothing_twice(
    slack_standin: SlackStandin, tmp_path: Path, mode: str
) -> None:
    """kill -9 after an announcement and a ✅ click were committed and answered, before the spool heard: the
    next start runs both again; neither the announcement nor the click's note comes a second time."""
    relais = Relais(tmp_path, slack_standin, mode)
    first = await relais.start("slack-no-done")
    try:
        await relais.send_command(slack_standin.slash_command("/info", ANNOUNCEMENT))
        await slack_standin.wait_for_calls("chat.postMessage", 1, timeout=20)
        (post,) = [m for m in slack_standin.messages_in(GENERAL) if ANNOUNCEMENT in str(m.get("text"))]
        told = len(notes_on_one(slack_standin))
        click = slack_standin.block_actions("relais_ack", "1", user_id=ALICE, channel_id=GENERAL, message=post)
        await relais.send_interactive(click)
        await eventually(lambda: len(notes_on_one(slack_standin)) > told, 20, "the click's note")
        assert len(read_pending(relais.spool)) == 2
    finally:
        first.reap()  # SIGKILL
    notes = notes_on_one(slack_standin)
    second = await relais.start()
    try:
        await emptied(relais, second)
    finally:
        assert await stopped(second) == 0, second.output()
    assert "run again" in second.output()
    assert notes_on_one(slack_standin) == notes, notes_on_one(slack_standin)
    assert [m for m in slack_standin.messages_in(GENERAL) if ANNOUNCEMENT in str(m.get("text"))] == [post]


async def test_a_click_delivered_twice_is_answered_once(relais_slack: Harness) -> None:
    """The same click (its trigger_id) run twice, as the spool runs it again at a start when only its done mark
    was lost: ✅ on #1 confirms once and says so once; 📅 Postpone on someone else's commitment is refused once;
    ✍️ Update on one's own opens its form once."""
    message = await an_item(relais_slack)
    click = relais_slack.standin.block_actions("relais_ack", "1", user_id=BOB, channel_id=GENERAL, message=message)
    await relais_slack.interactive(click)
    await relais_slack.interactive(click)
    notes = [text for text in relais_slack.replies_to(BOB) if "confirm" in text]
    assert notes == ["Merci, lecture confirmée\u00a0: #1."]
    await relais_slack.command("engage", "Réserver la salle d'ici vendredi", user=ALICE)
    with relais_slack.store.unit_of_work() as session:
        number = str(session.scalars(select(Commitment)).one().number)
    refusals = len(relais_slack.replies_to(BOB))
    postpone = relais_slack.standin.block_actions("relais_card_postpone", number, user_id=BOB, channel_id=GENERAL)
    await relais_slack.interactive(postpone)
    assert len(relais_slack.replies_to(BOB)) == refusals + 1  # not his: refused
    await relais_slack.interactive(postpone)
    assert len(relais_slack.replies_to(BOB)) == refusals + 1
    update = relais_slack.standin.block_actions("relais_card_update", number, user_id=ALICE, channel_id=GENERAL)
    answers = len(relais_slack.replies_to(ALICE))
    await relais_slack.interactive(update)
    await relais_slack.interactive(update)  # its trigger_id already exchanged (Slack): no second form
    forms = [view for view in relais_slack.standin.views.values() if view["callback_id"] == "relais_update_form"]
    assert len(forms) == 1 and len(relais_slack.replies_to(ALICE)) == answers


async def test_socket_mode_marks_requests_done_together_not_one_write_each(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Socket Mode: the requests done meanwhile are marked done in the spool with one write, a moment later
    (as the HTTP front does), not with a write each on the event loop's way; none before its work was done."""
    spool = Spool(str(tmp_path / "slack.spool"))
    disk = spooled.Disk(spool)
    for name in ("a", "b", "c"):
        await disk.add({"s": name, "body": name})
    writes: list[int] = []
    real = front_spool.os.write

    def counted(fd: int, data: Any) -> int:
        writes.append(len(data))
        return real(fd, data)

    monkeypatch.setattr(front_spool.os, "write", counted)
    for name in ("a", "b", "c"):
        disk.done(name)
    assert writes == [] and read_pending(tmp_path / "slack.spool") == ["a", "b", "c"]
    await eventually(lambda: writes, 2, "the marks written")
    assert len(writes) == 1 and read_pending(tmp_path / "slack.spool") == []
    disk.close()


async def test_the_http_side_waits_once_for_what_is_under_way_when_it_stops(monkeypatch: pytest.MonkeyPatch) -> None:
    """A request still under way when Relais stops (HTTP mode) holds the stop FRONT_STOP at most, not twice
    that (once before telling the front to stop, once after)."""
    monkeypatch.setattr(slack_mode, "FRONT_STOP", 0.3)
    transport = HttpTransport(bolt=None, host="127.0.0.1", port=0, path="/slack/events", signing_secret="s")  # type: ignore[arg-type]
    stuck = asyncio.ensure_future(asyncio.Event().wait())
    transport._running.add(stuck)
    started = time.monotonic()
    await transport.stop()
    elapsed = time.monotonic() - started
    stuck.cancel()
    assert 0.3 <= elapsed < 0.55, elapsed
