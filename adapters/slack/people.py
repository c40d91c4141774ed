"""Who is who on Slack: display names from users.info (on first contact, then cached).

A member is created by the core the first time their identity `slack:T/U` speaks, reacts or
opens the App Home; the adapter passes the display name it got here. A facilitator gives them
an organisation or a role with `/relais member @someone org <name>` (the mention becomes the
identity, see mentions.py); people mentioned that way are created as members first.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import ClientError
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)


def name_of(user: Mapping[str, Any]) -> str | None:
    """The name people see in Slack: display name, else real name, else handle."""
    profile = user.get("profile") or {}
    for value in (
        profile.get("display_name"),
        profile.get("real_name"),
        user.get("real_name"),
        user.get("name"),
    ):
        if isinstance(value, str) and value.strip():
            return value.strip()[:200]
    return None


@dataclass
class People:
    client: AsyncWebClient
    ttl: float = 6 * 3600.0
    monotonic: Callable[[], float] = time.monotonic
    _cache: dict[str, tuple[float, str | None]] = field(default_factory=dict)

    async def display_name(self, user_id: str) -> str | None:
        """The user's name, asking Slack once per `ttl`; None if Slack cannot tell (never raises)."""
        cached = self._cache.get(user_id)
        now = self.monotonic()
        if cached is not None and cached[0] > now:
            return cached[1]
        try:
            response = await self.client.users_info(user=user_id)
        except (SlackApiError, ClientError, TimeoutError) as error:
            log.warning("users.info %s failed: %s", user_id, error)
            return cached[1] if cached else None
        name = name_of(response.get("user") or {})
        self._cache[user_id] = (now + self.ttl, name)
        return name

    async def names(self, user_ids: Iterable[str]) -> dict[str, str | None]:
        return {user_id: await self.display_name(user_id) for user_id in dict.fromkeys(user_ids)}

    def forget(self, user_id: str) -> None:
        """A user_change event: ask again next time."""
        self._cache.pop(user_id, None)
