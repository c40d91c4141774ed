"""/engage without text opens a modal; its submission is checked and saved like /engage (bot.services.engage).

Slack gives 3 seconds to answer a submission: errors go back inline (`response_action: errors`)
when the check is done in time; past 2.5 s the modal is closed and the work finishes anyway
(the confirmation comes as an ephemeral message).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import addresses, engage_form
from adapters.slack.runtime import Runtime
from bot.i18n import translator
from bot.reply import Incoming
from bot.services.engage import WHAT, form_choices, submit_form

log = logging.getLogger(__name__)
ANSWER_WITHIN = 2.5


async def open_engage(
    runtime: Runtime,
    client: AsyncWebClient,
    trigger_id: str,
    incoming: Incoming,
    what: str = "",
    author: str | None = None,
    author_id: str | None = None,
) -> bool:
    """Open the /engage modal with `client`, Bolt's client for the workspace the trigger comes from (call
    it right after ack: the trigger is valid 3 seconds); `what` prefills the commitment, `author` names
    whose message it comes from (a message shortcut), and `author_id` (their Slack id) is proposed as its
    owner to a facilitator; anyone else is proposed themselves.

    False, and nothing opens, for someone who may not use Relais there (see form_choices).
    """
    context = await runtime.blocking(form_choices, runtime.dispatcher, incoming)
    if context is None:
        return False
    metadata = {"channel": incoming.channel, "thread": incoming.thread}
    tr = translator(context.language, runtime.dispatcher.spellings.on("slack"))
    line = tr.t("From {name}’s message.", name=author) if author else ""
    owner = author_id if author_id and context.facilitator else addresses.local_id(incoming.identity)
    view = engage_form.engage_view(
        tr, context.circles, context.circle_id, metadata, what, line, owner, context.facilitator
    )
    await client.views_open(trigger_id=trigger_id, view=view)
    return True


def register(bolt: AsyncApp, runtime: Runtime) -> None:
    @bolt.view(engage_form.CALLBACK_ID)
    async def on_submit(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        async with runtime.busy():
            await submit(runtime, ack, body, view)


async def submit(runtime: Runtime, ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
    user = body.get("user") or {}
    team = (body.get("team") or {}).get("id") or user.get("team_id")
    identity = runtime.identity(str(user.get("id")), team, addresses.home_team(body))
    metadata = engage_form.read_metadata(view)
    name, language = await (await runtime.people_for(team)).profile(str(user.get("id")))
    channel = metadata.get("channel") if isinstance(metadata.get("channel"), str) else None
    incoming = Incoming(
        identity=identity,
        text="/engage",
        channel=channel,
        thread=metadata.get("thread") if isinstance(metadata.get("thread"), str) else None,
        display_name=name,
        language=language,
        event_id=f"view:{view.get('id')}" if view.get("id") else None,
        direct=addresses.is_direct(addresses.local_id(channel) or ""),
    )
    chosen = engage_form.selected_user(view)
    form = replace(engage_form.read_form(view), owner=runtime.identity(chosen, team) if chosen else None)
    work = asyncio.ensure_future(runtime.blocking(submit_form, runtime.dispatcher, form, incoming))
    try:
        errors = await asyncio.wait_for(asyncio.shield(work), ANSWER_WITHIN)
    except TimeoutError:
        await ack()
        errors = await work
        if errors:
            log.warning("modal errors found too late to show them: %s", errors)
        runtime.notify()
        return
    except Exception:
        log.exception("saving the /engage modal failed")
        sorry = runtime.community_tr.t("Something went wrong on my side; nothing was changed.")
        await ack(response_action="errors", errors={WHAT: sorry})
        return
    if errors:
        await ack(response_action="errors", errors=errors)
        return
    await ack()
    runtime.notify()
