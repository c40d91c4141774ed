"""Waiting without fixed pauses: on a condition, with a deadline."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

POLL = 0.005  # how often the condition is looked at; the deadline is what bounds the wait


async def eventually(condition: Callable[[], object], timeout: float = 5.0, what: str = "the condition") -> None:
    """Return as soon as `condition()` is true; TimeoutError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(POLL)
