"""The spool (adapters/slack/front_spool.py): a Slack request acknowledged is on disk first, so `kill -9` between
the acknowledgement and the commit loses nothing. Real `relais run` processes (tests/matrix/crashing.py kills
them at the point named) against the Slack stand-in, in Socket Mode and HTTP mode (its front process too)."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import time
from pathlib import Path

import pytest

from adapters.slack.front_spool import Spool, encode, read_records
from adapters.slack.spooled import replayed_body

from .harness import ALICE, GENERAL, Harness
from .relais_process import (
    TITLE,
    Relais,
    confirmations,
    died,
    killed_in_the_command,
    read_pending,
    stopped,
)
from .standin import SlackStandin, json_encode_event, message_event


@pytest.mark.parametrize("mode", ["socket", "http"])
async def test_a_command_acknowledged_then_killed_before_its_commit_is_done_once_at_restart(
    slack_standin: SlackStandin, tmp_path: Path, mode: str
) -> None:
    """kill -9 after Slack's ack, before the commit (in HTTP mode its front dies with it): the next start runs
    it, the member is answered once."""
    relais = Relais(tmp_path, slack_standin, mode)
    first = await killed_in_the_command(relais, slack_standin)
    assert "crash point" in first.output() and relais.titles() == []
    second = await relais.start()
    try:
        await slack_standin.wait_for_response_posts(1, timeout=20)
        assert relais.titles() == [TITLE]
    finally:
        assert await stopped(second) == 0, second.output()
    assert len(confirmations(slack_standin)) == 1, slack_standin.response_posts
    assert read_pending(relais.spool) == []


@pytest.mark.parametrize("mode", ["socket", "http"])
async def test_a_command_done_and_answered_but_not_marked_done_is_not_done_twice(
    slack_standin: SlackStandin, tmp_path: Path, mode: str
) -> None:
    """kill -9 after the commit and the answer, before the spool heard: the next start runs it again, a no-op."""
    relais = Relais(tmp_path, slack_standin, mode)
    first = await relais.start("slack-no-done")
    try:
        await relais.send_command(slack_standin.slash_command("/engage", f"{TITLE} tomorrow"))
        await slack_standin.wait_for_response_posts(1, timeout=20)
    finally:
        first.reap()  # SIGKILL
    assert read_pending(relais.spool) != []
    second = await relais.start()
    try:
        deadline = time.monotonic() + 20
        while read_pending(relais.spool):  # run again, and marked done
            assert time.monotonic() < deadline, second.output()
            await asyncio.sleep(0.05)
    finally:
        assert await stopped(second) == 0, second.output()
    assert "run again" in second.output()
    assert relais.titles() == [TITLE]
    assert len(confirmations(slack_standin)) == 1, slack_standin.response_posts


async def test_the_front_killed_after_its_ack_sends_again_what_relais_finished_which_is_not_done_twice(
    slack_standin: SlackStandin, tmp_path: Path
) -> None:
    """HTTP mode, the front alone killed (its done marks lost with it): Relais starts another, which sends
    what its spool holds; Relais recognises what it has run and says it done."""
    relais = Relais(tmp_path, slack_standin, "http")
    process = await relais.start("slack-first-front-no-done")
    try:
        await relais.send_command(slack_standin.slash_command("/engage", f"{TITLE} tomorrow"))
        await slack_standin.wait_for_response_posts(1, timeout=20)
        (front,) = re.findall(r"front process (\d+)", process.output())
        assert read_pending(relais.spool) != []
        os.kill(int(front), signal.SIGKILL)
        deadline = time.monotonic() + 20
        while read_pending(relais.spool):  # a new front, told it is done
            assert time.monotonic() < deadline, process.output()
            await asyncio.sleep(0.05)
    finally:
        assert await stopped(process) == 0, process.output()
    assert "starting it again" in process.output() and "run again" not in process.output()
    assert relais.titles() == [TITLE]
    assert len(confirmations(slack_standin)) == 1, slack_standin.response_posts


async def test_a_command_replayed_after_its_response_url_expired_is_answered_by_the_web_api(
    slack_standin: SlackStandin, tmp_path: Path
) -> None:
    """Relais down longer than Slack keeps a response_url (30 minutes): the answer goes by chat.postEphemeral."""
    relais = Relais(tmp_path, slack_standin, "socket")
    await killed_in_the_command(relais, slack_standin)
    records, _end = read_records(relais.spool.read_bytes())
    relais.spool.write_bytes(b"".join(encode({**record, "at": int(record["at"]) - 3600}) for record in records))
    second = await relais.start()
    try:
        (ephemeral,) = await slack_standin.wait_for_calls("chat.postEphemeral", 1, timeout=20)
        assert TITLE in ephemeral.params["text"] and ephemeral.params["user"] == ALICE
    finally:
        assert await stopped(second) == 0, second.output()
    assert slack_standin.response_posts == [] and relais.titles() == [TITLE]


async def test_an_event_replayed_and_retried_by_slack_counts_once(slack_standin: SlackStandin, tmp_path: Path) -> None:
    """HTTP mode: a direct message acknowledged, Relais killed before the commit; Slack's retry
    (X-Slack-Retry-Num: 1) meets the replay after the restart: one commitment, one answer."""
    relais = Relais(tmp_path, slack_standin, "http")
    dm = slack_standin.dm_channel_for(ALICE)
    raw = json_encode_event(
        slack_standin.event_callback(message_event(f"engage {TITLE} tomorrow", ALICE, dm), "Ev0SPOOL01")
    )
    first = await relais.start("in-command:" + TITLE)
    try:
        await relais.post(raw)
        assert await died(first) == -signal.SIGKILL
    finally:
        first.reap()
    second = await relais.start()
    try:
        await relais.post(raw, retry=1)
        await slack_standin.wait_for_calls("chat.postMessage", 1, timeout=20)
    finally:
        assert await stopped(second) == 0, second.output()
    assert relais.titles() == [TITLE]
    answers = [call for call in slack_standin.calls_to("chat.postMessage") if TITLE in str(call.params.get("text"))]
    assert len(answers) == 1


async def test_requests_are_marked_done_once_their_work_ends(relais_slack: Harness) -> None:
    """Commands, events and buttons in both modes: nothing is left in the spool once they are done."""
    await relais_slack.command("engage", "Écrire la newsletter vendredi")
    await relais_slack.event(message_event("bonjour", ALICE, GENERAL), event_id="Ev0SPOOL02")
    await relais_slack.stop()
    assert Path(relais_slack.settings.spool).exists()
    assert read_pending(Path(relais_slack.settings.spool)) == []


def test_a_torn_record_was_never_acknowledged_and_is_cut(tmp_path: Path) -> None:
    path = tmp_path / "slack.spool"
    spool = Spool(str(path))
    spool.add({"s": "a", "body": "one"})
    spool.add({"s": "b", "body": "two"})
    spool.sync()
    spool.done("a")
    spool.close()
    path.write_bytes(path.read_bytes() + encode({"s": "c", "body": "three"})[:-3])  # killed while writing
    again = Spool(str(path))
    assert list(again.pending) == ["b"]
    assert read_pending(path) == ["b"]  # the file now holds what is pending, alone


def test_a_record_half_written_on_a_full_disk_is_cut_so_the_next_ones_are_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The disk fills in the middle of a record (refused: Slack is not acknowledged); room made again, the next
    requests are written after what was whole, not after a torn half that would hide them at the next start."""
    import errno

    from adapters.slack import front_spool

    path = tmp_path / "slack.spool"
    spool = Spool(str(path))
    spool.add({"s": "a", "body": "one"})
    write = os.write

    def full(fd: int, data: memoryview) -> int:
        if len(data) > 8:
            return write(fd, data[:8])  # the first bytes go, then the disk is full
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(front_spool.os, "write", full)
    with pytest.raises(OSError):
        spool.add({"s": "b", "body": "two"})
    monkeypatch.setattr(front_spool.os, "write", write)
    spool.add({"s": "c", "body": "three"})
    spool.sync()
    spool.close()
    assert read_pending(path) == ["a", "c"]


def test_a_replayed_request_keeps_its_response_url_only_while_slack_does() -> None:
    body = "command=%2Fengage&text=x&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2F1&trigger_id=t"
    assert replayed_body(body, at=1000, now=1000 + 60) == body
    assert "response_url" not in replayed_body(body, at=1000, now=1000 + 3600)
    assert "trigger_id=t" in replayed_body(body, at=1000, now=1000 + 3600)


def test_the_spool_is_one_per_relais_and_beside_the_database(tmp_path: Path) -> None:
    from adapters.slack.settings import SlackSettings, default_spool
    from adapters.slack.spooled import hold, unlock
    from bot.config import ConfigError

    assert default_spool(SlackSettings(), f"sqlite:///{tmp_path}/relais.db") == str(tmp_path / "relais-slack.spool")
    assert default_spool(SlackSettings(mode="http", port=3001), "postgresql://db/relais") == "relais-slack-3001.spool"
    held, path = hold(str(tmp_path / "slack.spool"), chosen=True)
    try:
        with pytest.raises(ConfigError, match="another Relais"):
            hold(path, chosen=True)
    finally:
        unlock(held)
    nowhere = str(tmp_path / "missing" / "slack.spool")
    with pytest.raises(ConfigError, match="cannot write"):
        hold(nowhere, chosen=True)
    assert hold(nowhere, chosen=False) == (None, "")  # the default place: without a spool, said in the log


async def test_a_commands_work_waits_for_its_ack_to_be_sent_in_socket_mode() -> None:
    """Socket Mode sends the ack after Bolt sees ack() called; the command's work (spooled.ack_sent after ack())
    waits for it, so a crash in the work is always a request Slack was told of; outside Socket Mode it does not wait."""
    from adapters.slack import spooled

    acked = asyncio.Event()
    token = spooled.CURRENT.set(spooled.Work(acked))
    try:
        waiting = asyncio.ensure_future(spooled.ack_sent())
        for _ in range(5):
            await asyncio.sleep(0)
        assert not waiting.done()
        acked.set()
        await asyncio.wait_for(waiting, 1)
    finally:
        spooled.CURRENT.reset(token)
    token = spooled.CURRENT.set(spooled.Work())  # HTTP mode: the front has answered already
    try:
        await asyncio.wait_for(spooled.ack_sent(), 0.5)
    finally:
        spooled.CURRENT.reset(token)
    await asyncio.wait_for(spooled.ack_sent(), 0.5)  # no spooled request at all
