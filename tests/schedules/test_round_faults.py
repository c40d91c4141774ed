"""The round's own process (relais.round_process) when things go wrong: killed with the log at WARNING
(its claims released, the next run finishes them), its parent killed alone (a SIGTERM ends it, the
restart writes to nobody twice), the code on disk changed or the database not at its revision (it
refuses, never upgrades, and the round runs in `relais run`'s process), a `relais/` folder in the working
directory, log records that cannot be sent; and what the scheduler reads before a round."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import subprocess
import sys
from collections import Counter
from datetime import timedelta
from functools import partial
from multiprocessing.connection import Connection
from pathlib import Path

from sqlalchemy import select, text

import relais.round_process as round_process
import schedules.rounds as rounds
from bot.kinds import OccurrenceKind, OccurrenceStatus
from bot.models import Occurrence
from relais.round_child import ToParent
from relais.round_process import apart_for
from schedules.direct import STALE, Resumed, release_claims
from schedules.occurrences import Due, claim
from schedules.scheduler import SchedulerService
from tests.support.waiting import eventually

from . import round_hooks
from . import test_round_process as base
from .test_round_process import MONDAY_DIGEST, digest_rows

bot = base.bot  # the fixture: a database file, as `relais run` builds it

ROOT = Path(__file__).resolve().parents[2]


def kinds(outcomes: list) -> set[tuple[str, str]]:
    return {(outcome.kind, outcome.status) for outcome in outcomes}


async def test_a_round_process_killed_with_the_log_at_warning_has_its_round_released(bot, monkeypatch, caplog):
    app, world = bot
    monkeypatch.setattr(round_process, "child_setup", partial(round_hooks.kill_after, 1))
    service = SchedulerService(app, apart=apart_for(app))
    world.clock.set(MONDAY_DIGEST)
    with caplog.at_level(logging.WARNING):  # the child logs nothing: it still said it started
        assert await service.run_now("digest") == []
    assert any("stopped before the end" in r.getMessage() and r.levelno == logging.ERROR for r in caplog.records)
    assert not any("runs in this one" in record.getMessage() for record in caplog.records)
    assert len(digest_rows(world)) == 1
    monkeypatch.setattr(round_process, "child_setup", None)
    world.clock.set(MONDAY_DIGEST + timedelta(minutes=1))  # the next run, not ten minutes later
    outcomes = await service.run_now("resync")
    assert ("digest", "posted") in kinds(outcomes)
    assert all(outcome.posts == () for outcome in outcomes)  # the texts stay in the round's process
    rows = digest_rows(world)
    assert len(rows) == 2 and max(Counter(rows).values()) == 1


def ended(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except OSError:
        return True


def killed_alone(app, folder: Path) -> int:
    """relais run (tests/schedules/round_parent.py) killed alone once its round's process wrote one digest:
    that process's pid."""
    parent = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.schedules.round_parent",
            app.config.database_url.removeprefix("sqlite:///"),
            str(folder),
            MONDAY_DIGEST.isoformat(),
        ],
        cwd=ROOT,
        stderr=subprocess.DEVNULL,
    )
    started = folder / "started"
    asyncio.run(eventually(started.exists, timeout=60, what="the round's process to write its first digest"))
    parent.kill()  # relais run alone (kill -9, the OOM killer)
    parent.wait()
    return int(started.read_text())


def test_a_round_process_whose_parent_was_killed_alone_ends_at_sigterm_and_nothing_is_doubled(bot, tmp_path):
    app, world = bot
    child = killed_alone(app, tmp_path)
    os.kill(child, signal.SIGTERM)  # systemd's stop of what is left, before the restart
    asyncio.run(eventually(lambda: ended(child), timeout=10, what="the round's process to end"))
    assert len(digest_rows(world)) == 1
    with world.store.unit_of_work() as session:
        (occurrence,) = session.scalars(select(Occurrence).where(Occurrence.kind == "digest"))
        assert occurrence.status == "posting" and occurrence.claimed_at <= MONDAY_DIGEST - STALE  # dated back
    outcomes = rounds.run_due(app, app.config, MONDAY_DIGEST + timedelta(minutes=1))  # the restart
    assert ("digest", "posted") in kinds(outcomes)
    rows = digest_rows(world)
    assert len(rows) == 2 and max(Counter(rows).values()) == 1


def test_a_round_process_whose_parent_was_killed_alone_finishes_its_round_without_a_signal(bot, tmp_path):
    app, world = bot
    child = killed_alone(app, tmp_path)
    (tmp_path / "go").write_text("")  # nobody stops it (not under systemd): it finishes, its log on stderr
    asyncio.run(eventually(lambda: ended(child), timeout=60, what="the round's process to end"))
    rows = digest_rows(world)
    assert len(rows) == 2 and max(Counter(rows).values()) == 1
    assert rounds.run_due(app, app.config, MONDAY_DIGEST + timedelta(minutes=1)) == []  # the restart: nothing left


async def test_a_round_process_with_other_code_refuses_and_the_round_runs_in_the_bot(bot, monkeypatch, caplog):
    app, world = bot
    apart = apart_for(app)
    apart.code = "relais 0.0 0000 changed"  # relais run started before a git pull or a pip install -U
    service = SchedulerService(app, apart=apart)
    world.clock.set(MONDAY_DIGEST)
    with caplog.at_level(logging.WARNING):
        outcomes = await service.run_now("digest")
    assert ("digest", "posted") in kinds(outcomes) and len(digest_rows(world)) == 2
    (warning,) = [record for record in caplog.records if "refused" in record.getMessage()]
    assert "the code on disk" in warning.getMessage() and "runs in this one" in warning.getMessage()
    assert apart.apart is False  # until the restart, heavy rounds stay in relais run's process


async def test_a_round_process_never_upgrades_the_database(bot, caplog):
    app, world = bot
    with app.store.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'older'"))
    service = SchedulerService(app, apart=apart_for(app))
    world.clock.set(MONDAY_DIGEST)
    with caplog.at_level(logging.WARNING):
        outcomes = await service.run_now("digest")
    assert ("digest", "posted") in kinds(outcomes)
    assert any("revision older" in record.getMessage() for record in caplog.records)
    with app.store.engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == "older"


async def test_a_relais_folder_in_the_working_directory_does_not_shadow_the_round_process(
    bot, tmp_path, monkeypatch, caplog
):
    app, world = bot
    (tmp_path / "here" / "relais").mkdir(parents=True)
    (tmp_path / "here" / "relais" / "__init__.py").write_text("raise ImportError('not Relais')\n")
    monkeypatch.chdir(tmp_path / "here")
    service = SchedulerService(app, apart=apart_for(app))
    world.clock.set(MONDAY_DIGEST)
    with caplog.at_level(logging.INFO):
        outcomes = await service.run_now("digest")
    assert ("digest", "posted") in kinds(outcomes)
    theirs = [record for record in caplog.records if record.process != os.getpid()]
    assert any("process of its own" in record.getMessage() for record in theirs)


def test_a_record_that_cannot_be_sent_never_stops_the_round_and_none_is_lost_once_the_parent_is_gone(capsys):
    mine, theirs = socket.socketpair()
    parent = Connection(mine.detach())
    handler = ToParent(Connection(theirs.detach()))
    logger = logging.getLogger("tests.round_faults")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("%d members", "many")  # a bad format: reported by logging, not raised
        logger.warning("sent", extra={"callback": lambda: None})  # cannot be pickled
        logger.warning("kept")
        assert parent.recv()[1].getMessage() == "kept"
        parent.close()
        logger.warning("after the parent")
    finally:
        logger.removeHandler(handler)
    assert "after the parent" in capsys.readouterr().err


def test_the_scheduler_reads_the_rounds_due_once_and_a_round_past_its_grace_is_not_heavy(bot, monkeypatch):
    app, world = bot
    calls = Counter()
    real = rounds._prepare_all
    monkeypatch.setattr(rounds, "_prepare_all", lambda *args: calls.update(["read"]) or real(*args))
    service = SchedulerService(app, apart=lambda now: [])
    asyncio.run(service.run_now("resync"))
    assert calls["read"] == 1
    now = MONDAY_DIGEST
    old = Due("digest", now - timedelta(days=3), OccurrenceKind.DIGEST, timedelta(hours=12))
    assert not rounds.is_heavy([(1, old, Resumed(1, now - timedelta(days=3)))], now)  # recorded missed, here
    fresh = Due("digest", now - timedelta(minutes=20), OccurrenceKind.DIGEST, timedelta(hours=12))
    assert rounds.is_heavy([(1, fresh, Resumed(1, now - timedelta(minutes=15)))], now)


def test_release_claims_releases_the_rounds_named_only(bot):
    app, world = bot
    now = MONDAY_DIGEST
    with app.store.unit_of_work() as session:
        community_id = rounds.community_of(session, app.config).id
        first, second = (
            claim(
                session, community_id, Due(key, now, OccurrenceKind.DIGEST, timedelta()), now, OccurrenceStatus.POSTING
            )
            for key in ("digest", "nudges")
        )
        ids = first.id, second.id
    assert release_claims(app.store, [ids[0]], now) == 1
    with app.store.unit_of_work() as session:
        assert session.get_one(Occurrence, ids[0]).claimed_at == now - STALE
        assert session.get_one(Occurrence, ids[1]).claimed_at == now  # another process's, at the same instant
