"""The one fake Sender of the tests: it records what the delivery loop hands it and answers like a
platform that keeps one event per outbox id (Matrix does, with the id as transaction id), so a
resend returns the event the first attempt created."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.delivery import Sent


class Message(Protocol):
    """What the sender reads of a message (bot.delivery's outgoing value)."""

    id: str
    text: str
    item_id: int | None


@dataclass
class RecordingSender:
    """Records every `send` and answers `Sent("$event<n>")`, the same event for the same outbox id.

    `on_accepted(message)` runs once the platform holds the message and before the answer goes
    back: a test makes it raise to play a process that dies in between, or a failure the
    platform reports.
    """

    platform: str = "matrix"
    on_accepted: Callable[[Any], None] | None = None
    messages: list[Any] = field(default_factory=list)  # every message handed over, resends included
    calls: list[tuple[str, bool]] = field(default_factory=list)  # (outbox id, resend)
    events: dict[str, str] = field(default_factory=dict)  # outbox id -> event id on the platform

    @property
    def sent(self) -> list[str]:
        """The texts handed over, in order."""
        return [message.text for message in self.messages]

    async def send(self, message: Message, resend: bool) -> Sent:
        self.calls.append((message.id, resend))
        self.messages.append(message)
        event = self.events.setdefault(message.id, f"$event{len(self.events) + 1}")
        if self.on_accepted is not None:
            self.on_accepted(message)
        return Sent(event)
