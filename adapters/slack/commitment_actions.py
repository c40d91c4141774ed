"""The buttons beside a commitment (commitment_cards.py) and their forms, each the member's own command.

✅ Done runs `/done #N` as whoever clicked (the same rights: only the owner or a facilitator closes
it; anyone else gets /done's refusal and nothing changes), then the card shows it done. ✍️ Update
and 📅 Postpone open their form only for someone who may use it (else the command's refusal, as
their answer); a submission is saved as /update #N and /edit #N due are (bot.services.commitment_forms),
errors shown beside their field. Only a number is read from a button: any other value runs nothing.
Answers go where the button was: privately in the channel, or in the clicker's own messages with Relais.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack import addresses
from adapters.slack import commitment_cards as cards
from adapters.slack.engage_form import read_metadata
from adapters.slack.runtime import Runtime
from bot.i18n import translator
from bot.reply import Incoming
from bot.services.commitment_forms import (
    CONFIDENCE,
    DAY,
    POSTPONE,
    PROGRESS,
    REASON,
    TEXT,
    UPDATE,
    open_form,
    submit_postpone,
    submit_update,
)

log = logging.getLogger(__name__)
ANSWER_WITHIN = 2.5  # seconds: Slack closes a submission left unanswered after 3


def register(bolt: AsyncApp, runtime: Runtime) -> None:
    @bolt.action(cards.DONE)
    async def on_done(ack: Any, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient) -> None:
        async with runtime.busy():
            await ack()
            await done(runtime, client, body, action)

    @bolt.action(cards.UPDATE)
    async def on_update(ack: Any, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient) -> None:
        async with runtime.busy():
            await ack()  # first: the trigger to open the form lives 3 seconds
            await open_card_form(runtime, client, body, action, UPDATE)

    @bolt.action(cards.POSTPONE)
    async def on_postpone(ack: Any, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient) -> None:
        async with runtime.busy():
            await ack()
            await open_card_form(runtime, client, body, action, POSTPONE)

    @bolt.view(cards.UPDATE_FORM)
    async def on_update_submit(ack: Any, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient) -> None:
        async with runtime.busy():
            await submitted(runtime, client, ack, body, view, UPDATE)

    @bolt.view(cards.POSTPONE_FORM)
    async def on_postpone_submit(ack: Any, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient) -> None:
        async with runtime.busy():
            await submitted(runtime, client, ack, body, view, POSTPONE)


def number_of(value: Any) -> int | None:
    """A button's value: a commitment number, nothing else."""
    text = str(value or "")
    return int(text) if text.isdigit() and len(text) < 10 else None


async def clicker(
    runtime: Runtime, client: AsyncWebClient, body: dict[str, Any], line: str, channel_id: str | None = None
) -> Incoming:
    """Who clicked, as an Incoming answered where the button was: privately in a channel; in a direct
    conversation, in the clicker's own (never the one a payload names). `client` is Bolt's, for the
    workspace the click comes from."""
    user = body.get("user") or {}
    user_id = str(user.get("id"))
    team = (body.get("team") or {}).get("id") or user.get("team_id")
    if channel_id is None:
        channel_id = str((body.get("container") or {}).get("channel_id") or (body.get("channel") or {}).get("id") or "")
    direct = not channel_id or addresses.is_direct(channel_id)
    if direct:
        opened = await client.conversations_open(users=user_id)
        channel_id = str((opened.get("channel") or {}).get("id") or "")
    name, language = await (await runtime.people_for(team)).profile(user_id)
    trigger = body.get("trigger_id")
    view = body.get("view") or {}
    event = f"view:{view['id']}" if body.get("type") == "view_submission" and view.get("id") else f"card:{trigger}"
    return Incoming(
        identity=runtime.identity(user_id, team),
        text=line,
        channel=runtime.channel(channel_id, team) if channel_id else None,
        display_name=name,
        language=language,
        event_id=event if trigger or view.get("id") else None,
        direct=direct,
    )


async def done(runtime: Runtime, client: AsyncWebClient, body: dict[str, Any], action: dict[str, Any]) -> None:
    number = number_of(action.get("value"))
    if number is None:
        return
    incoming = await clicker(runtime, client, body, f"/done #{number}")
    reply = await runtime.handle(incoming)
    runtime.notify()
    if reply is not None and reply.ok:
        language = await runtime.blocking(runtime.dispatcher.language_of, incoming)
        await show_done(client, body, number, translator(language).t("✅ #{number} done", number=number))


async def show_done(client: AsyncWebClient, body: dict[str, Any], number: int, line: str) -> None:
    """The card's buttons of #N become a line saying it is done (an ephemeral card through its response_url)."""
    container = body.get("container") or {}
    message = body.get("message") or {}
    blocks = message.get("blocks")
    if container.get("type") != "message" or not isinstance(blocks, list):
        return
    new = {"text": str(message.get("text") or line), "blocks": cards.card_done(blocks, number, line)}
    try:
        if container.get("is_ephemeral") or not container.get("message_ts"):
            url = body.get("response_url")
            if url:
                await AsyncWebhookClient(str(url), session=client.session).send(replace_original=True, **new)
            return
        channel = str(container.get("channel_id"))
        await client.chat_update(channel=channel, ts=str(container["message_ts"]), **new)
    except Exception:  # the card stays as it was; the commitment is done and its answer says so
        log.warning("could not update the card of #%s", number, exc_info=True)


async def open_card_form(
    runtime: Runtime, client: AsyncWebClient, body: dict[str, Any], action: dict[str, Any], kind: str
) -> None:
    """The ✍️ Update or 📅 Postpone form, for someone who may use it (else the refusal as their answer)."""
    number = number_of(action.get("value"))
    if number is None:
        return
    incoming = await clicker(runtime, client, body, "/update" if kind == UPDATE else "/edit")
    opened = await runtime.blocking(open_form, runtime.dispatcher, incoming, number, kind)
    if opened is None:
        runtime.notify()
        return
    tr = translator(opened.language, runtime.dispatcher.spellings.on("slack"))
    metadata = {"channel": incoming.channel}
    view = cards.update_view(tr, opened, metadata) if kind == UPDATE else cards.postpone_view(tr, opened, metadata)
    await client.views_open(trigger_id=str(body.get("trigger_id")), view=view)


async def submitted(
    runtime: Runtime, client: AsyncWebClient, ack: Any, body: dict[str, Any], view: dict[str, Any], kind: str
) -> None:
    """Save the form as the member's command; errors back beside their field when found in time."""
    metadata = read_metadata(view)
    number = number_of(metadata.get("number"))
    if number is None:
        await ack()
        return
    channel = metadata.get("channel") if isinstance(metadata.get("channel"), str) else None
    line = "/update" if kind == UPDATE else "/edit"
    incoming = await clicker(runtime, client, body, line, addresses.local_id(channel) or "")
    work: Callable[[], Any]
    if kind == UPDATE:
        text, progress = cards.text_value(view, TEXT), cards.text_value(view, PROGRESS)
        confidence = cards.picked(view, CONFIDENCE) or ""
        work = lambda: submit_update(runtime.dispatcher, incoming, number, text, progress, confidence)  # noqa: E731
    else:
        day, reason = cards.picked(view, DAY), cards.text_value(view, REASON)
        work = lambda: submit_postpone(runtime.dispatcher, incoming, number, day, reason)  # noqa: E731
    task = asyncio.ensure_future(runtime.blocking(work))
    try:
        errors = await asyncio.wait_for(asyncio.shield(task), ANSWER_WITHIN)
    except TimeoutError:
        await ack()
        if await task:
            log.warning("form errors found too late to show them")
        runtime.notify()
        return
    if errors:
        await ack(response_action="errors", errors=errors)
        return
    await ack()
    runtime.notify()
