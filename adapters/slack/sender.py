"""SlackSender: delivers outgoing messages (bot.delivery.Sender, Outgoing) with the Web API.

* a channel post: chat.postMessage with Block Kit, the ✅ button for items to read, and the outbox
  id in message metadata; paced to about one message per second per channel;
* an ephemeral reply (message.ephemeral, message.recipient): the command's response_url when this process
  has it, else chat.postEphemeral, else — the bot is not in that channel — a direct message;
* a direct message (message.member_id): conversations.open with the member's Slack identity, then post;
* a picture (message.image, the recap's chart): a file shared in the channel (adapters.slack.pictures).

The whole text always goes (blocks.message_parts): in sections of at most 3,000 characters, and in
several messages, in order, when one would hold more than Slack accepts (about 10,000 characters);
the ✅ button is on the last one, whose ts is the message id recorded in its outbox row.

A resend (the process died between posting and marking the row sent) first looks for the messages
carrying this outbox id (and part number) in conversations.history/replies, and posts only the
missing ones.
HTTP 429 is retried by slack_sdk's AsyncRateLimitErrorRetryHandler installed on the client; when
it persists, the message is handed back held (Held(retry_after): not counted as an attempt, so never
given up for a rate limit, however long it lasts) and nothing is lost; the
messages after it in the same conversation wait for it (bot.outbox_order). What Slack refuses for good
(an archived or deleted channel, Relais not in it) is given up at once and said in the log with what to do.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any

from aiohttp import ClientError
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack import addresses
from adapters.slack import commitment_cards as cards
from adapters.slack.blocks import message_parts, outbox_id_of, outbox_metadata, part_of, parts_count, text_only
from adapters.slack.copy_parts import earlier_parts, plan
from adapters.slack.pacing import ChannelPacer
from adapters.slack.pictures import find_picture, upload_picture
from adapters.slack.refusals import BAD_BLOCKS, HINTS, WHY, BlocksRefused, NotThere, error_code, failure
from adapters.slack.response_urls import ResponseUrls
from adapters.slack.workspaces import Workspaces
from bot.delivery import Outgoing, PermanentFailure, Sent
from bot.dispatch import Dispatcher
from bot.i18n import translator
from bot.services.identities import Reader, reader_of
from bot.services.notices import not_delivered

log = logging.getLogger(__name__)

Blocking = Callable[..., Awaitable[Any]]
HISTORY_PAGES = 2
NO_READER = Reader(language="en", ack_number=None)  # a message that is no item and no direct message


def sent(posted: list[str], channel: str | None = None) -> Sent:
    """The last part carries the ✅ button and is the message itself; the earlier ones stand for the item too."""
    return Sent(posted[-1] if posted else None, channel, tuple(posted[:-1]))


@dataclass
class SlackSender:
    dispatcher: Dispatcher
    client: AsyncWebClient
    blocking: Blocking
    pacer: ChannelPacer
    response_urls: ResponseUrls
    team: Callable[[], str]
    workspaces: Workspaces | None = None  # several workspaces: each message goes with its workspace's token
    ims: dict[tuple[str, str], str] = field(default_factory=dict)  # (team, user) -> their conversation with Relais
    platform: str = "slack"

    async def send(self, message: Outgoing, resend: bool) -> Sent:
        try:
            return await self._send(message, resend)
        except PermanentFailure as error:  # given up at once: the operator must hear of it, and the author
            where = addresses.local_id(message.channel) if message.channel else f"member {message.member_id}"
            hint = next((why for code, why in HINTS.items() if str(error).endswith(code)), "")
            log.warning("Slack: outbox %s to %s not delivered, not retried: %s%s", message.id, where, error, hint)
            await self._tell_author(message, error)
            raise

    async def _tell_author(self, message: Outgoing, error: PermanentFailure) -> None:
        """An item's post refused by its channel: its author, who believed it posted, is told why."""
        why = next((why for code, why in WHY.items() if str(error).endswith(code)), None)
        if why is None or message.item_id is None or message.replaces or message.ephemeral or not message.channel:
            return
        try:
            await self.blocking(not_delivered, self.dispatcher, message.item_id, lambda tr: tr.t(why))
        except Exception:  # the notice is a courtesy: the failure is recorded and logged all the same
            log.exception("could not tell the author of outbox %s", message.id)

    async def _send(self, message: Outgoing, resend: bool) -> Sent:
        # a failed earlier attempt (a timeout, a 5xx) may have reached Slack too: look before posting
        resend = resend or message.attempts > 1
        # the reader matters for an item's button (number, language) and a direct message (identity);
        # a command's plain answer needs no look-up
        reader = NO_READER
        if message.item_id is not None or message.member_id is not None or message.commitments:
            reader = await self.blocking(reader_of, self.dispatcher, message)
        if self.workspaces is not None:
            client = await self.workspaces.client(self._team_of(message, reader))
            return await replace(self, client=client, workspaces=None)._route(message, reader, resend)
        return await self._route(message, reader, resend)

    def _team_of(self, message: Outgoing, reader: Reader) -> str | None:
        """The workspace a message goes to: its channel's, else the member's first Slack identity's."""
        for address in (message.channel, *reader.identities):
            found = addresses.split(address)
            if found:
                return found[0]
        return None

    async def _route(self, message: Outgoing, reader: Reader, resend: bool) -> Sent:
        """Post, reply, update or write directly, with this sender's client."""
        tr = translator(reader.language, self.dispatcher.spellings.on("slack"))
        actions = [cards.buttons(tr, number) for number in message.commitments]
        parts = message_parts(
            message.text, message.id, ack_number=reader.ack_number, ack_label=tr.t("✅ Got it"), actions=actions
        )
        if message.replaces:
            return await self._update(message, parts)
        if message.ephemeral and message.channel:
            return await self._reply(message, parts, resend)
        if message.channel:
            channel_id = addresses.local_id(message.channel)
            if channel_id is None:
                raise PermanentFailure(f"not a Slack channel: {message.channel}")
            if message.image is not None:  # a picture (the recap's chart): a file shared in the channel
                return await self._picture(channel_id, message, resend)
            return sent(await self._post(channel_id, message, parts, resend))
        if message.member_id is not None:
            address = next((found for found in map(addresses.split, reader.identities) if found), None)
            if address is None:
                raise PermanentFailure("this member has no Slack identity")
            team, user = address
            return await self._direct(team or self.team(), user, message, parts, resend)
        raise PermanentFailure("an outgoing message without channel nor member")

    # ------------------------------------------------------------------ the three routes

    async def _reply(self, message: Outgoing, parts: list[dict[str, Any]], resend: bool) -> Sent:
        team_channel = addresses.split(message.channel)
        user = addresses.local_id(message.recipient)
        if team_channel is None or user is None:
            raise PermanentFailure(f"cannot reply to {message.recipient} in {message.channel}")
        team, channel_id = team_channel
        for index, payload in enumerate(parts):
            url = self.response_urls.take(message.channel, message.recipient)
            if url and await self._respond(url, payload):
                continue
            rest = parts[index:]
            try:
                if addresses.is_direct(channel_id):  # the member's conversation with the bot
                    return sent(await self._post(channel_id, message, rest, resend))
                await self._ephemeral(channel_id, user, message, payload)
            except NotThere as error:
                log.info("ephemeral reply in %s impossible (%s): sent as a direct message", channel_id, error)
                return await self._direct(team, user, message, rest, resend)
        return Sent(None)

    async def _ephemeral(self, channel_id: str, user: str, message: Outgoing, payload: dict[str, Any]) -> None:
        ephemeral = {key: value for key, value in payload.items() if key != "metadata"}  # not for ephemerals
        if message.thread:
            ephemeral["thread_ts"] = message.thread
        try:
            await self._call(self.client.chat_postEphemeral, channel=channel_id, user=user, **ephemeral)
        except BlocksRefused:
            log.warning("Slack refused the blocks of outbox %s; sending the text alone", message.id)
            await self._call(self.client.chat_postEphemeral, channel=channel_id, user=user, **text_only(ephemeral))

    async def _direct(self, team: str, user: str, message: Outgoing, parts: list[dict[str, Any]], resend: bool) -> Sent:
        channel_id = self.ims.get((team, user))
        if channel_id is None:  # conversations.open is Tier 3 (about 50 a minute): once per person and process
            opened = await self._call(self.client.conversations_open, users=user)
            channel_id = self.ims[(team, user)] = str(opened["channel"]["id"])
        return sent(await self._post(channel_id, message, parts, resend), addresses.channel(team, channel_id))

    async def _post(self, channel_id: str, message: Outgoing, parts: list[dict[str, Any]], resend: bool) -> list[str]:
        """Post the parts in order; returns their ts, the last one being the one with the ✅ button.

        On a resend, the parts already in the conversation are found by their metadata and not posted again.
        """
        found = await self._find_sent(channel_id, message, len(parts)) if resend else {}
        posted: list[str] = []
        for payload in parts:
            part = part_of(payload)
            if part in found:
                log.info("outbox %s part %s was already posted as %s; not posting again", message.id, part, found[part])
                posted.append(found[part])
                continue
            posted.append(await self._post_one(channel_id, message, payload))
        return posted

    async def _post_one(self, channel_id: str, message: Outgoing, payload: dict[str, Any]) -> str:
        await self.pacer.wait(channel_id)
        extra: dict[str, Any] = {"unfurl_links": False, "unfurl_media": False}
        if message.thread:
            extra["thread_ts"] = message.thread
        try:
            response = await self._call(self.client.chat_postMessage, channel=channel_id, **payload, **extra)
        except BlocksRefused:
            log.warning("Slack refused the blocks of outbox %s; sending the text alone", message.id)
            response = await self._call(self.client.chat_postMessage, channel=channel_id, **text_only(payload), **extra)
        return str(response["ts"])

    async def _picture(self, channel_id: str, message: Outgoing, resend: bool) -> Sent:
        """Upload and share a picture (adapters.slack.pictures), unless a resend finds it shared."""
        found = await find_picture(self.client, channel_id, message) if resend else None
        if found is not None:
            return found
        await self.pacer.wait(channel_id)
        try:
            return await upload_picture(self.client, channel_id, message)
        except (SlackApiError, ClientError, TimeoutError, OSError) as error:
            raise failure(error) from error

    async def _update(self, message: Outgoing, parts: list[dict[str, Any]]) -> Sent:
        """An update of a posted copy (bot.copies): chat.update in place, each message keeping its metadata
        (the post's outbox id). A copy in several messages is updated part by part (copy_parts.py)."""
        channel_id = addresses.local_id(message.channel)
        if channel_id is None or not message.replaces:
            raise PermanentFailure(f"cannot update {message.replaces} in {message.channel}")
        main = message.replaces
        earlier = await earlier_parts(self.client, channel_id, main, message.thread) if len(parts) > 1 else []
        todo = plan(main, earlier or [], parts)
        updated: dict[str, Any] = {}
        for ts, payload in todo.updates:
            updated = await self._update_one(channel_id, ts, payload, message)
        deletes = todo.deletes
        shrunk = len(parts) == 1 and parts_count(updated) > 1
        if shrunk:  # the copy had several messages and its new text fits in one: the others go
            deletes = await earlier_parts(self.client, channel_id, main, message.thread) or []
        for ts in deletes:
            try:
                await self._call(self.client.chat_delete, channel=channel_id, ts=ts)
            except PermanentFailure as error:  # already gone
                log.info("part %s of outbox %s not deleted: %s", ts, message.id, error)
        post = outbox_id_of(updated)
        if shrunk and post:  # one message now, so said in its metadata: the next updates look up nothing
            again = {**todo.updates[-1][1], "metadata": outbox_metadata(post)}
            await self._update_one(channel_id, main, again, message)
        return Sent(main, message.channel)

    async def _update_one(self, channel_id: str, ts: str, payload: dict[str, Any], message: Outgoing) -> dict[str, Any]:
        """chat.update of one message (the text alone if Slack refuses the blocks); the updated message."""
        await self.pacer.wait(channel_id)
        try:
            response = await self._call(self.client.chat_update, channel=channel_id, ts=ts, **payload)
        except BlocksRefused:
            log.warning("Slack refused the blocks of outbox %s; updating with the text alone", message.id)
            response = await self._call(self.client.chat_update, channel=channel_id, ts=ts, **text_only(payload))
        found = response.get("message")
        return dict(found) if isinstance(found, dict) else {}

    # ------------------------------------------------------------------ helpers

    async def _call(self, method: Callable[..., Awaitable[AsyncSlackResponse]], **kwargs: Any) -> AsyncSlackResponse:
        try:
            return await method(**kwargs)
        except SlackApiError as error:
            code = error_code(error)
            if code in BAD_BLOCKS:
                raise BlocksRefused(f"Slack refused the blocks: {code}") from error
            raise failure(error) from error
        except (ClientError, TimeoutError, OSError) as error:
            raise failure(error) from error

    async def _respond(self, url: str, payload: dict[str, Any]) -> bool:
        """One message through a response_url (ephemeral); False if it did not go."""
        webhook = AsyncWebhookClient(
            url,
            timeout=self.client.timeout,
            session=self.client.session,  # the adapter's keep-alive session, when it has one
            retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=2)],
        )
        try:
            response = await webhook.send(
                text=payload["text"],
                blocks=payload.get("blocks"),
                response_type="ephemeral",
                replace_original=False,
            )
        except (ClientError, TimeoutError, OSError) as error:
            log.info("response_url failed (%r); falling back to the Web API", error)
            return False
        return response.status_code == 200

    async def _find_sent(self, channel_id: str, message: Outgoing, parts: int) -> dict[int, str]:
        """part number -> ts of the parts of this message already posted, looking at recent history."""
        found: dict[int, str] = {}
        cursor: str | None = None
        for _ in range(HISTORY_PAGES):
            arguments: dict[str, Any] = {"channel": channel_id, "limit": 100, "include_all_metadata": True}
            if cursor:
                arguments["cursor"] = cursor
            try:
                if message.thread:
                    response = await self.client.conversations_replies(ts=message.thread, **arguments)
                else:
                    response = await self.client.conversations_history(**arguments)
            except (SlackApiError, ClientError, TimeoutError, OSError) as error:
                log.warning("cannot read %s history to check a resend (%s); posting again", channel_id, error)
                return found
            for posted in response.get("messages") or []:
                if outbox_id_of(posted) == message.id:
                    found.setdefault(part_of(posted), str(posted["ts"]))
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor or len(found) >= parts:
                return found
        return found
