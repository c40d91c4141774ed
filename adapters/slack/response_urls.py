"""The response_url of a recent slash command or button, per (channel, member).

An ephemeral reply sent through it works even in channels the bot is not a member of (where
chat.postEphemeral fails). Slack accepts up to 5 uses within 30 minutes; we keep them 25.
This cache is per process: another worker falls back to chat.postEphemeral (see sender.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

LIFETIME = 25 * 60.0
USES = 5


@dataclass
class ResponseUrls:
    monotonic: Callable[[], float] = time.monotonic
    _urls: dict[tuple[str, str], tuple[str, float, int]] = field(default_factory=dict)

    def remember(self, channel: str, identity: str, url: str | None) -> None:
        if url:
            self._urls[(channel, identity)] = (url, self.monotonic() + LIFETIME, USES)
            self._prune()

    def take(self, channel: str | None, identity: str | None) -> str | None:
        """A usable URL for a reply to `identity` in `channel` (one use is counted)."""
        if not channel or not identity:
            return None
        entry = self._urls.get((channel, identity))
        if entry is None:
            return None
        url, expires, uses = entry
        if expires <= self.monotonic() or uses <= 0:
            self._urls.pop((channel, identity), None)
            return None
        self._urls[(channel, identity)] = (url, expires, uses - 1)
        return url

    def _prune(self) -> None:
        if len(self._urls) < 500:
            return
        now = self.monotonic()
        for key, (_, expires, uses) in list(self._urls.items()):
            if expires <= now or uses <= 0:
                del self._urls[key]
