"""A mapped channel whose members Slack could not list for now is read again later, on its own.

At start (or when Relais is added to a channel) conversations.members may answer HTTP 429 past the
SDK's retries, time out, or fail for a moment, and users.info may not describe everyone: the circle
is then left as it was (members.py). Without a second reading, the people of that channel who never
typed anything would stay out of their circle (refused as strangers, out of digests and reading
levels) until the next restart. So the channel is read again after Slack's Retry-After, else after a
minute, then twice as long each time up to an hour, until it is read. What retrying cannot mend (a
private channel Relais is not in, a missing scope) is not retried: inviting Relais there reads it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)
FIRST_DELAY = 60.0
LONGEST_DELAY = 3600.0
FOR_GOOD = frozenset(
    {"channel_not_found", "not_in_channel", "missing_scope", "invalid_auth", "not_authed", "account_inactive",
     "token_revoked", "team_access_not_granted"}
)  # fmt: skip


@dataclass
class Resyncs:
    """The channels waiting to be read again, one pending reading each."""

    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep  # injected by tests
    _delays: dict[str, float] = field(default_factory=dict)
    _tasks: dict[str, asyncio.Task[None]] = field(default_factory=dict)

    def later(self, channel: str, read: Callable[[], Awaitable[object]], retry_after: float | None = None) -> None:
        """Read `channel` again (`read()`) after a while; `read` calls later() again if it fails."""
        if channel in self._tasks:
            return
        before = self._delays.get(channel)
        delay = retry_after or (FIRST_DELAY if before is None else min(before * 2, LONGEST_DELAY))
        self._delays[channel] = delay
        log.warning("Slack channel %s: its members will be read again in %d s", channel.rsplit("/", 1)[-1], delay)
        self._tasks[channel] = asyncio.ensure_future(self._again(channel, delay, read))

    async def _again(self, channel: str, delay: float, read: Callable[[], Awaitable[object]]) -> None:
        await self.sleep(delay)
        del self._tasks[channel]
        try:
            await read()
        except Exception:
            log.exception("reading the members of Slack channel %s again failed", channel)

    def done(self, channel: str) -> None:
        """The channel was read: next time, a failure waits a minute again."""
        self._delays.pop(channel, None)

    def pending(self) -> list[str]:
        return list(self._tasks)

    async def wait(self) -> None:
        """Until the readings pending now are done (tests)."""
        await asyncio.gather(*self._tasks.values(), return_exceptions=True)

    def cancel(self) -> None:
        for task in self._tasks.values():
            task.cancel()
        self._tasks.clear()
