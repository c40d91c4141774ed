"""A picture (bot.images.Picture: the weekly recap's chart) as a Slack file in the circle's channel.

slack_sdk's files_upload_v2 does what Slack asks of uploads since files.upload was retired:
files.getUploadURLExternal (the file's name, its length in bytes and its alternative text,
`alt_txt`, at most 1,000 characters), the bytes POSTed to the upload URL it returns, then
files.completeUploadExternal (the file's id and title) sharing it into the channel (and the
thread) — which needs the `files:write` scope.

The file's name carries the outbox id (`relais-<outbox id>.png`). A resend (an earlier attempt may
have reached Slack) first looks for a message of the channel's recent history that shares a file of
that name, and uploads only when there is none: a restart does not post the picture twice.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient

from bot.delivery import Outgoing, Sent, TemporaryFailure

log = logging.getLogger(__name__)
ALT_LIMIT = 1000  # files.getUploadURLExternal: alt_txt_too_large beyond it
TITLE_LIMIT = 250
HISTORY_PAGES = 2


def picture_name(outbox_id: str) -> str:
    return f"relais-{outbox_id}.png"


async def upload_picture(client: AsyncWebClient, channel_id: str, message: Outgoing) -> Sent:
    """Share the picture in the channel (in its thread, if any); its file id stands for it.
    SlackApiError is left to the caller (adapters.slack.sender maps it); an upload the upload URL
    refused is a TemporaryFailure."""
    picture = message.picture
    try:
        response = await client.files_upload_v2(
            channel=channel_id,
            file=picture.png,
            filename=picture_name(message.id),
            title=picture.alt[:TITLE_LIMIT],
            alt_txt=picture.alt[:ALT_LIMIT],
            thread_ts=message.thread,
        )
    except SlackRequestError as error:  # the POST to the upload URL failed: try again later
        raise TemporaryFailure(f"Slack did not take the picture: {error}") from error
    files = response.get("files") or []
    return Sent(str(files[0]["id"]) if files else None, message.channel)


async def find_picture(client: AsyncWebClient, channel_id: str, message: Outgoing) -> Sent | None:
    """The picture already shared by an earlier attempt (a file of its name in recent history), if any."""
    name = picture_name(message.id)
    cursor: str | None = None
    for _ in range(HISTORY_PAGES):
        arguments: dict[str, Any] = {"channel": channel_id, "limit": 100}
        if cursor:
            arguments["cursor"] = cursor
        try:
            if message.thread:
                response = await client.conversations_replies(ts=message.thread, **arguments)
            else:
                response = await client.conversations_history(**arguments)
        except (SlackApiError, OSError, TimeoutError) as error:
            log.warning("cannot read %s history to check a resend (%s); uploading again", channel_id, error)
            return None
        for posted in response.get("messages") or []:
            for shared in posted.get("files") or []:
                if shared.get("name") == name:
                    log.info("outbox %s: its picture was already shared as %s", message.id, shared.get("id"))
                    return Sent(str(shared.get("id")), message.channel)
        cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            return None
    return None
