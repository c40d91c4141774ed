""" "Read in full" in the App Home: the whole item in a modal, in sections (the core's /show #N).

The home abbreviates each item to one line; whatever must be read is offered whole here, as the
member would get it by typing /relais show #N (same command, same rights: a partner sees the items
of their circles). A stranger's click opens nothing.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.addresses import home_team
from adapters.slack.blocks import chunks, plain, section
from adapters.slack.home_view import READ_FULL_ACTION
from adapters.slack.runtime import Runtime
from bot.i18n import translator
from bot.markup import to_mrkdwn
from bot.services.home import FullText, item_in_full

log = logging.getLogger(__name__)
MODAL_BLOCKS = 100  # Slack: at most 100 blocks in a modal


def full_view(data: FullText, number: int) -> dict[str, Any]:
    tr = translator(data.language, data.commands)
    blocks = [section(part) for part in chunks(to_mrkdwn(data.markup))]
    return {
        "type": "modal",
        "title": plain(tr.t("Item #{number}", number=number), 24),
        "close": plain(tr.t("Close"), 24),
        "blocks": blocks[:MODAL_BLOCKS],
    }


async def on_read_full(runtime: Runtime, client: AsyncWebClient, body: dict[str, Any], action: dict[str, Any]) -> None:
    """The modal opened with `client`, Bolt's client for the workspace of the click (its own token)."""
    try:
        number = int(str(action.get("value")))
    except ValueError:
        return
    user = body.get("user") or {}
    team = (body.get("team") or {}).get("id") or user.get("team_id")
    identity = runtime.identity(str(user.get("id")), team, home_team(body))
    data = await runtime.blocking(item_in_full, runtime.dispatcher, identity, number)
    if data is None or not body.get("trigger_id"):
        return
    await client.views_open(trigger_id=str(body["trigger_id"]), view=full_view(data, number))


def register(bolt: AsyncApp, runtime: Runtime) -> None:
    @bolt.action(READ_FULL_ACTION)
    async def on_read(ack: Any, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient) -> None:
        async with runtime.busy():
            await ack()
            await on_read_full(runtime, client, body, action)
