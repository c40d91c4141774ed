"""What a running Relais is made of (built by relais.wiring.build_app): config, store, clock, dispatcher.

Also the contract between the runner and an adapter (Adapter, RunHooks).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.clock import Clock
from bot.config import Config
from bot.db import Store
from bot.delivery import Sender
from bot.dispatch import Dispatcher
from bot.outbox_leases import close_lease_owner


@dataclass
class App:
    config: Config
    store: Store
    clock: Clock
    dispatcher: Dispatcher

    def close(self) -> None:
        close_lease_owner(self.store)  # its leases may be taken back at once by the next start
        self.store.engine.dispose()


class Adapter(Protocol):
    """A chat platform as the runner sees it: a name, a sender for the outbox, start and stop."""

    platform: str
    sender: Sender

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


@dataclass(frozen=True)
class Stop:
    """Why an adapter cannot go on: `message` is an English msgid, `values` fill its fields. str() is the
    English text (the log); the command line says it in the operator's language (relais.cli_support.said)."""

    message: str
    values: dict[str, object] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message.format(**self.values) if self.values else self.message


@dataclass
class RunHooks:
    """What an adapter may ask of the runner."""

    outbox_written: Callable[[], None]  # rows were written to the outbox: deliver now
    fatal: Callable[..., None]  # the adapter cannot go on: fatal(msgid, **values) stops the process saying why
    # Slack OAuth (several workspaces): client id -> the installation stores on this database
    slack_stores: Callable[[str], Any] | None = None


AdapterFactory = Callable[[App, RunHooks], Adapter]
