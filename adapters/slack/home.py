"""App Home: published when a member opens it (and after they click in it).

What it shows comes from the core (bot.services.home); this module publishes it. Slack gives bots
no read receipts: the items listed here count as *seen* for the member once the view is published
(bot.read_signals.seen_items); "read" still needs the button or a ✅ reaction.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.addresses import home_team
from adapters.slack.home_view import home_view, stranger_view
from adapters.slack.runtime import Runtime
from bot.services.home import HomeData, load_home, record_seen

log = logging.getLogger(__name__)


async def publish_home(
    runtime: Runtime, client: AsyncWebClient, user: str, team: str | None, home: str | None = None
) -> HomeData | None:
    """Build and publish the member's home with `client`, Bolt's client for the workspace the event came
    from (its own token, under OAuth); what it lists is then recorded as seen.

    Someone in no circle sees a short polite page in the language of their Slack, and nothing is stored.
    """
    identity = runtime.identity(user, team, home)
    name, language = await (await runtime.people_for(team)).profile(user)
    data = await runtime.blocking(load_home, runtime.dispatcher, identity, name)
    if data is None:
        await client.views_publish(user_id=user, view=stranger_view(language or runtime.dispatcher.config.language))
        return None
    await client.views_publish(user_id=user, view=home_view(data))
    if data.unread_numbers:
        await runtime.blocking(record_seen, runtime.dispatcher, identity, data.unread_numbers)
    return data


def register(bolt: AsyncApp, runtime: Runtime) -> None:
    @bolt.event("app_home_opened")
    async def on_home_opened(body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient) -> None:
        async with runtime.busy():
            if event.get("tab", "home") != "home" or not event.get("user"):
                return
            user, team, home = str(event["user"]), body.get("team_id"), home_team(body)
            await runtime.first_delivery(body.get("event_id"), lambda: publish_home(runtime, client, user, team, home))
