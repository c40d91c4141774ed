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


def language_of(user: Mapping[str, Any]) -> str | None:
    """fr or en from the Slack locale ("fr-FR", "en-GB"…), for members met for the first time."""
    locale = str(user.get("locale") or "").lower()
    return locale[:2] if locale[:2] in ("fr", "en") else None


@dataclass
class People:
    client: AsyncWebClient
    ttl: float = 6 * 3600.0
    monotonic: Callable[[], float] = time.monotonic
    _cache: dict[str, tuple[float, str | None, str | None]] = field(default_factory=dict)

    async def profile(self, user_id: str) -> tuple[str | None, str | None]:
        """(name, language) of a user, asking Slack once per `ttl`; (None, None) if Slack cannot tell."""
        cached = self._cache.get(user_id)
        now = self.monotonic()
        if cached is not None and cached[0] > now:
            return cached[1], cached[2]
        try:
            response = await self.client.users_info(user=user_id, include_locale=True)
        except (SlackApiError, ClientError, TimeoutError) as error:
            log.warning("users.info %s failed: %s", user_id, error)
            return (cached[1], cached[2]) if cached else (None, None)
        user = response.get("user") or {}
        self._cache[user_id] = (now + self.ttl, name_of(user), language_of(user))
        return name_of(user), language_of(user)

    async def display_name(self, user_id: str) -> str | None:
        """The user's name, asking Slack once per `ttl`; None if Slack cannot tell (never raises)."""
        return (await self.profile(user_id))[0]

    async def names(self, user_ids: Iterable[str]) -> dict[str, str | None]:
        return {user_id: await self.display_name(user_id) for user_id in dict.fromkeys(user_ids)}

    def forget(self, user_id: str) -> None:
        """A user_change event: ask again next time."""
        self._cache.pop(user_id, None)
