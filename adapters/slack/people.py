"""Who is who on Slack: names, languages, and who is a person at all (users.info / users.list, cached).

Members come from the channels mapped to circles (see members.py): the adapter reads their users,
leaves out bots, app users, Slackbot and deactivated accounts, and hands the names it got here to
the core. A facilitator gives someone an organisation or a role with `/relais member @someone org
<name>` (the mention becomes the identity, see mentions.py).
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
SLACKBOT = "USLACKBOT"  # listed in channels and users.list with is_bot false
LIST_FROM = 20  # this many unknown users or more: read users.list pages rather than users.info one by one
LIST_PAGE = 200  # Slack recommends at most 200 per page
LIST_PAGES = 25  # at most this many users.list pages per lookup (Tier 2); the rest through users.info


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


@dataclass(frozen=True)
class Person:
    """What Relais needs to know about a Slack user."""

    name: str | None = None
    language: str | None = None
    human: bool = True  # False for bots, app users, Slackbot, deactivated or unknown accounts
    team: str | None = None  # their own workspace (another one for a Slack Connect channel's guests)


def person_of(user: Mapping[str, Any]) -> Person:
    robot = bool(user.get("is_bot") or user.get("is_app_user") or user.get("id") == SLACKBOT)
    team = str(user.get("team_id") or "") or None
    return Person(name_of(user), language_of(user), human=not (robot or user.get("deleted")), team=team)


NOBODY = Person(human=False)  # users.info says user_not_found


@dataclass
class People:
    client: AsyncWebClient
    ttl: float = 6 * 3600.0
    monotonic: Callable[[], float] = time.monotonic
    _cache: dict[str, tuple[float, Person]] = field(default_factory=dict)

    def _cached(self, user_id: str, fresh: bool = True) -> Person | None:
        entry = self._cache.get(user_id)
        if entry is None or (fresh and entry[0] <= self.monotonic()):
            return None
        return entry[1]

    def _keep(self, user_id: str, person: Person) -> Person:
        self._cache[user_id] = (self.monotonic() + self.ttl, person)
        return person

    async def person(self, user_id: str) -> Person | None:
        """The user, asking Slack once per `ttl`; None when Slack cannot tell now (never raises)."""
        cached = self._cached(user_id)
        if cached is not None:
            return cached
        try:
            response = await self.client.users_info(user=user_id, include_locale=True)
        except SlackApiError as error:
            if isinstance(error.response.data, dict) and error.response.get("error") == "user_not_found":
                return self._keep(user_id, NOBODY)
            log.warning("users.info %s failed: %s", user_id, error)
            return self._cached(user_id, fresh=False)
        except (ClientError, TimeoutError) as error:
            log.warning("users.info %s failed: %s", user_id, error)
            return self._cached(user_id, fresh=False)
        return self._keep(user_id, person_of(response.get("user") or {}))

    async def people(self, user_ids: Iterable[str]) -> dict[str, Person]:
        """Several users; many unknown ones are read from users.list pages. Users Slack could not
        describe now are missing from the answer."""
        wanted = list(dict.fromkeys(user_ids))
        unknown = {user_id for user_id in wanted if self._cached(user_id) is None}
        if len(unknown) >= LIST_FROM:
            await self._list(unknown)
        found = {}
        for user_id in wanted:
            person = await self.person(user_id)
            if person is not None:
                found[user_id] = person
        return found

    async def _list(self, unknown: set[str]) -> None:
        """users.list pages until every unknown user was seen (or LIST_PAGES pages were read)."""
        cursor: str | None = None
        for _ in range(LIST_PAGES):
            arguments: dict[str, Any] = {"limit": LIST_PAGE, "include_locale": True}
            if cursor:
                arguments["cursor"] = cursor
            try:
                response = await self.client.users_list(**arguments)
            except (SlackApiError, ClientError, TimeoutError) as error:
                log.warning("users.list failed (%s); asking users.info instead", error)
                return
            for user in response.get("members") or []:
                if user.get("id"):
                    self._keep(str(user["id"]), person_of(user))
                    unknown.discard(str(user["id"]))
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if not unknown or not cursor:
                return

    async def profile(self, user_id: str) -> tuple[str | None, str | None]:
        """(name, language) of a user; (None, None) if Slack cannot tell."""
        person = await self.person(user_id)
        return (person.name, person.language) if person is not None else (None, None)

    async def display_name(self, user_id: str) -> str | None:
        """The user's name, asking Slack once per `ttl`; None if Slack cannot tell (never raises)."""
        return (await self.profile(user_id))[0]

    async def names(self, user_ids: Iterable[str]) -> dict[str, str | None]:
        return {user_id: await self.display_name(user_id) for user_id in dict.fromkeys(user_ids)}

    def home(self, user_id: str) -> str | None:
        """The user's own workspace, if this cache has met them (never asks Slack)."""
        person = self._cached(user_id, fresh=False)
        return person.team if person is not None else None

    def forget(self, user_id: str) -> None:
        """A user_change event: ask again next time."""
        self._cache.pop(user_id, None)
