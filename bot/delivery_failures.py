"""What a send can end in besides being sent, and when a message that failed for now goes again.

A Sender (bot.delivery) raises TemporaryFailure (tried again later, the attempt counted), Held (tried again
later, not counted: never given up for it) or PermanentFailure (given up, the row kept).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Protocol

HELD_SECONDS = 600.0  # a held conversation is looked at again this often


class Attempted(Protocol):
    @property
    def attempts(self) -> int:
        """This attempt's number (bot.delivery.Outgoing)."""
        ...


class TemporaryFailure(Exception):
    """Try again later (rate limit, server down); `retry_after` in seconds if the platform said."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Held(TemporaryFailure):
    """The conversation takes no message for now, through no fault of the message (a Slack workspace
    that uninstalled Relais, a rate limit): tried again after `retry_after` seconds, never counted as an
    attempt, so never given up for it."""

    def __init__(self, message: str, retry_after: float = HELD_SECONDS) -> None:
        super().__init__(message, retry_after)


class PermanentFailure(Exception):
    """This message can never be delivered (channel gone, bot removed): give up, keep the row."""


def backoff(attempts: int, retry_after: float | None) -> timedelta:
    if retry_after is not None:
        return timedelta(seconds=max(retry_after, 1.0))  # never a tight loop, even on "Retry-After: 0"
    return timedelta(seconds=min(2 ** max(attempts - 1, 0), 300))


def retry_in(message: Attempted, outcome: TemporaryFailure) -> float:
    """Seconds until a message that failed for now is tried again (a held one without counting the attempt)."""
    if isinstance(outcome, Held):
        return backoff(1, HELD_SECONDS if outcome.retry_after is None else outcome.retry_after).total_seconds()
    return backoff(message.attempts, outcome.retry_after).total_seconds()
