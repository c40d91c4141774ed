"""At most about one message per second per channel, as Slack asks (chat.postMessage).

Each channel has its own schedule and its own FIFO lock: a burst to one channel is spread out,
in order, while another channel's messages are not delayed by it (when sent concurrently).
The clock and the sleep function are injected so tests do not wait for real time.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

Sleep = Callable[[float], Awaitable[None]]


@dataclass
class ChannelPacer:
    interval: float = 1.0
    monotonic: Callable[[], float] = time.monotonic
    sleep: Sleep = asyncio.sleep
    _next: dict[str, float] = field(default_factory=dict)
    _locks: dict[str, asyncio.Lock] = field(default_factory=dict)

    async def wait(self, channel: str) -> float:
        """Wait for this channel's next slot and take it; returns the seconds waited."""
        lock = self._locks.setdefault(channel, asyncio.Lock())
        async with lock:
            now = self.monotonic()
            ready = self._next.get(channel, now)
            delay = max(0.0, ready - now)
            if delay > 0:
                await self.sleep(delay)
            self._next[channel] = max(now, ready) + self.interval
            self._forget_idle(now)
        return delay

    def _forget_idle(self, now: float) -> None:
        if len(self._next) < 1000:
            return
        for channel, ready in list(self._next.items()):
            lock = self._locks.get(channel)
            if ready < now and (lock is None or not lock.locked()):
                self._next.pop(channel, None)
                self._locks.pop(channel, None)
