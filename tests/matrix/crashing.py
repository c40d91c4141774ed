"""`relais run` with crash points and a clock injected, for the crash tests (tests/matrix/test_crashes.py).

    python -m tests.matrix.crashing --config relais.toml run

reads two environment variables (not RELAIS_*: those are configuration):

* CRASH_CLOCK_FILE: the clock reads the ISO datetime written in this file (the test moves it; the
  bot's clock never moves by itself), instead of the system's.
* CRASH_AT: where the process kills itself with SIGKILL (nothing runs after it, as with `kill -9`)
  or stops itself with SIGTERM (as `systemctl stop` does):
  - `before-send:<words>` / `after-send:<words>[:<part>]`: the Matrix event whose body holds <words>
    (the <part>-th such event: a part of a long text, a post of a batch), just before it leaves / just
    after the homeserver took it; `sigterm-after-send:<words>[:<n>]`: SIGTERM there instead;
  - `hold-send:<words>`: the Matrix event whose body holds <words> never leaves: the process prints
    `crash point: holding <tx id>` and waits there for ever, its row leased (the test kills it);
  - `sigterm-in-round:<kind>`: SIGTERM to itself while a recap or an agenda is being written, the round
    going on (systemd's stop lands in the middle of a scheduled round);
  - `in-round:<kind>`: SIGKILL while a recap or an agenda is being written, before its transaction commits;
    a round run in a process of its own (relais.round_process: recaps, digests, nudges) is given the same
    point there (`child_setup`): SIGKILL to `relais run` and to itself (the service killed as a whole), or
    SIGTERM to both (systemd's stop signals every process of the service; the round's process ignores it);
  - `migration:<table>`: SIGKILL while a migration creates <table>, its transaction open;
  - `first-sync`: SIGKILL right after the first sync's batch was handled (the very first start);
  - `in-command:<words>`: SIGKILL while the command whose answer holds <words> is handled, its
    transaction (the command's work and its answer) open;
  - `slack-no-done`: a Slack request's spool entry is never marked done once its work is committed
    (adapters/slack/front_spool.py), as if killed right then (the test kills it): the next start runs it again;
  - `slack-before-ack`: Socket Mode, a Slack request written to the spool, killed before its ack leaves (Slack
    sends an event again; the next start runs it again too);
  - `slack-first-front-no-done`: HTTP mode, the first front never hears that requests are done (as if it died
    with those marks: the test kills it); the fronts started after it do.
"""

from __future__ import annotations

import os
import signal
import sys
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any


def die(signum: int = signal.SIGKILL) -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    os.kill(os.getpid(), signum)


def inject_clock(path: Path) -> None:
    from bot import clock

    def now(self: object) -> datetime:
        return datetime.fromisoformat(path.read_text().strip())

    clock.SystemClock.now = now  # type: ignore[method-assign]


def inject_send(when: str, words: str, part: int = 1, signum: int = signal.SIGKILL) -> None:
    from adapters.matrix.sender import MatrixSender

    real = MatrixSender._send_event
    seen = {"n": 0}

    async def send_event(self: MatrixSender, room_id: str, content: dict[str, Any], tx_id: str) -> str:
        chosen = words in str(content.get("body", ""))
        if chosen:
            seen["n"] += 1
            chosen = seen["n"] == part
        if chosen and when == "before-send":
            die(signum)
        event_id = await real(self, room_id, content, tx_id)
        if chosen:
            print(f"crash point: {tx_id} sent as {event_id}", flush=True)
            die(signum)
        return event_id

    MatrixSender._send_event = send_event  # type: ignore[method-assign]


def inject_hold(words: str) -> None:
    import asyncio

    from adapters.matrix.sender import MatrixSender

    real = MatrixSender._send_event

    async def send_event(self: MatrixSender, room_id: str, content: dict[str, Any], tx_id: str) -> str:
        if words in str(content.get("body", "")):
            print(f"crash point: holding {tx_id}", flush=True)
            await asyncio.Event().wait()
        return await real(self, room_id, content, tx_id)

    MatrixSender._send_event = send_event  # type: ignore[method-assign]


def inject_round(kind: str, signum: int, parent_too: bool = False) -> None:
    """The crash point in a round; with `parent_too` (in the round's own process) `relais run` gets the signal first."""
    from schedules import rounds

    real = rounds._circle_item

    def circle_item(session: Any, community: Any, circle_id: int, draft: Any, *args: Any) -> Any:
        result = real(session, community, circle_id, draft, *args)
        if args[1].kind == kind:  # due
            print(f"crash point: {args[1].occurrence_key} written, not committed", flush=True)
            if parent_too:
                os.kill(os.getppid(), signum)
            die(signum)
        return result

    rounds._circle_item = circle_item  # type: ignore[assignment]


def in_round_process(kind: str, signum: int) -> None:
    """Run first in the round's own process (relais.round_process.child_setup)."""
    inject_round(kind, signum, parent_too=True)


def inject_rounds(kind: str, signum: int) -> None:
    """The crash point in a round run in `relais run`'s process, and in one run in a process of its own."""
    import tests.matrix.crashing as importable  # not __main__: the round's process finds it by this name
    from relais import round_process

    inject_round(kind, signum)
    round_process.child_setup = partial(importable.in_round_process, kind, signum)


def inject_migration(table: str) -> None:
    from alembic.operations import Operations

    real = Operations.create_table

    def create_table(self: Any, name: str, *columns: Any, **kw: Any) -> Any:
        result = real(self, name, *columns, **kw)
        if name == table:
            die()
        return result

    Operations.create_table = create_table  # type: ignore[method-assign]


def inject_first_sync() -> None:
    from adapters.matrix.client import SyncLoop

    real = SyncLoop.step

    async def step(self: SyncLoop, token: str | None) -> str | None:
        result = await real(self, token)
        if token is None and result is not None:
            print(f"crash point: first sync handled, next batch {result}", flush=True)
            die()
        return result

    SyncLoop.step = step  # type: ignore[method-assign]


def inject_command(words: str) -> None:
    from bot import dispatch

    real = dispatch.enqueue_reply

    def enqueue_reply(session: Any, reply: Any, now: Any, incoming: Any) -> Any:
        if any(words in post.text for post in reply.posts):
            print(f"crash point: handling {incoming.event_id}, not committed", flush=True)
            die()
        return real(session, reply, now, incoming)

    dispatch.enqueue_reply = enqueue_reply  # type: ignore[assignment]


def inject_slack_no_done() -> None:
    from adapters.slack import mode
    from adapters.slack.front_spool import Spool

    def done(*_args: Any) -> None:
        print("crash point: a Slack request committed, not marked done", flush=True)

    mode.HttpTransport._done = done  # type: ignore[method-assign]  # HTTP mode: the front is not told
    Spool.done = done  # type: ignore[method-assign]  # Socket Mode


def inject_slack_before_ack() -> None:
    from adapters.slack.socket_spool import SpooledHandler

    async def acknowledge(self: SpooledHandler, *_args: Any) -> None:
        print("crash point: a Slack request spooled, its ack not sent", flush=True)
        die()

    SpooledHandler.acknowledge = acknowledge  # type: ignore[method-assign]


def inject_slack_first_front_no_done() -> None:
    from adapters.slack import mode

    real = mode.HttpTransport._tell_done
    first: dict[str, int | None] = {}

    def tell_done(self: mode.HttpTransport) -> None:
        pid = self.process.pid if self.process is not None else None
        if first.setdefault("pid", pid) == pid:
            self._dones = []  # lost with that front
            return
        real(self)

    mode.HttpTransport._tell_done = tell_done  # type: ignore[method-assign]


def main() -> None:
    clock_file = os.environ.get("CRASH_CLOCK_FILE")
    if clock_file:
        inject_clock(Path(clock_file))
    point = os.environ.get("CRASH_AT", "")
    kind, _, rest = point.partition(":")
    if kind in ("before-send", "after-send", "sigterm-after-send"):
        words, _, part = rest.partition(":")
        signum = signal.SIGTERM if kind.startswith("sigterm") else signal.SIGKILL
        inject_send(kind.removeprefix("sigterm-"), words, int(part or 1), signum)
    elif kind == "hold-send":
        inject_hold(rest)
    elif kind == "in-round":
        inject_rounds(rest, signal.SIGKILL)
    elif kind == "sigterm-in-round":
        inject_rounds(rest, signal.SIGTERM)
    elif kind == "in-command":
        inject_command(rest)
    elif kind == "first-sync":
        inject_first_sync()
    elif kind == "migration":
        inject_migration(rest)
    elif kind == "slack-no-done":
        inject_slack_no_done()
    elif kind == "slack-before-ack":
        inject_slack_before_ack()
    elif kind == "slack-first-front-no-done":
        inject_slack_first_front_no_done()
    from relais.cli import main as relais

    relais()


if __name__ == "__main__":
    main()
