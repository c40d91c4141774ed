"""Circle membership from Slack: who is in each channel mapped to a circle.

Read with conversations.members (all pages) at start for every mapped Slack channel and after a
command whose reply asks for it (`Reply.resync`, after /map), then kept in step with the
member_joined_channel / member_left_channel events. People who never typed anything are members all
the same. Bots, app users, Slackbot, deactivated accounts and Relais itself are never members.

When Slack cannot list a channel (a private channel Relais was not invited to) or cannot describe
some of its users right now, the channel's membership is left as it was: an error never empties a
circle.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from aiohttp import ClientError
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import addresses
from adapters.slack.resyncs import FOR_GOOD
from bot.delivery import PermanentFailure
from bot.services.channel_members import Newcomer, member_joined, member_left, sync_members
from bot.services.channels import is_mapped, platform_channels
from bot.services.membership import MembershipChanges

if TYPE_CHECKING:
    from adapters.slack.runtime import Runtime

log = logging.getLogger(__name__)
MEMBERS_PAGE = 200  # Slack recommends at most 200 per page


async def channel_users(client: AsyncWebClient, channel_id: str) -> list[str]:
    """Every user id in a conversation, following conversations.members' cursors."""
    users: list[str] = []
    cursor: str | None = None
    while True:
        arguments: dict[str, Any] = {"channel": channel_id, "limit": MEMBERS_PAGE}
        if cursor:
            arguments["cursor"] = cursor
        response = await client.conversations_members(**arguments)
        users += [str(user) for user in response.get("members") or []]
        cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            return users


def _problem(error: Exception) -> str:
    if isinstance(error, SlackApiError) and isinstance(error.response.data, dict):
        return str(error.response.get("error") or error.response.status_code)
    return repr(error)


def _retry_after(error: Exception) -> float | None:
    """None when reading again cannot help (resyncs.FOR_GOOD); else Slack's Retry-After, or 0."""
    if isinstance(error, PermanentFailure) or _problem(error) in FOR_GOOD:
        return None
    if isinstance(error, SlackApiError):
        with contextlib.suppress(TypeError, ValueError):
            return float(error.response.headers.get("Retry-After") or error.response.headers.get("retry-after"))
    return 0.0


def _again(runtime: Runtime, channel: str, retry_after: float | None) -> None:
    """Read the channel again later (resyncs.py), if that can help and it is still a circle's then."""

    async def read() -> None:
        if await runtime.blocking(is_mapped, runtime.dispatcher, channel):
            await sync_channel(runtime, channel)

    if retry_after is not None:
        runtime.resyncs.later(channel, read, retry_after)


async def sync_channel(runtime: Runtime, channel: str) -> MembershipChanges | None:
    """Read a mapped channel's members from Slack and make its circle follow; None when Slack cannot tell."""
    parts = addresses.split(channel)
    if parts is None:
        return None
    team, channel_id = parts
    if not runtime.serves(team):
        log.warning("Slack channel %s belongs to workspace %s, not %s: its members are not read", *parts, team)
        return None
    try:
        people = await runtime.people_in(team)
        users = await channel_users(people.client, channel_id)
    except (SlackApiError, ClientError, TimeoutError, OSError, PermanentFailure) as error:
        retry_after = _retry_after(error)
        log.warning(
            "cannot read the members of Slack channel %s (%s): its circle is unchanged; %s",
            channel_id,
            _problem(error),
            "invite Relais there" if retry_after is None else "read again later",
        )
        _again(runtime, channel, retry_after)
        return None
    users = [user for user in users if user != runtime.bot_user_id]
    found = await people.people(users)
    if len(found) < len(users):
        log.warning(
            "Slack could not describe %d member(s) of %s now: its circle is unchanged",
            len(users) - len(found),
            channel_id,
        )
        _again(runtime, channel, 0.0)
        return None
    newcomers = {
        runtime.identity(user, team): Newcomer(person.name, person.language)
        for user, person in found.items()
        if person.human
    }
    changes = await runtime.blocking(sync_members, runtime.dispatcher, channel, newcomers)
    runtime.resyncs.done(channel)
    log.info(
        "Slack channel %s: %d member(s); joined: %s; left: %s",
        channel_id,
        len(newcomers),
        ", ".join(changes.joined) or "-",
        ", ".join(changes.left) or "-",
    )
    return changes


async def sync_channels(runtime: Runtime, channels: Iterable[str]) -> None:
    for channel in dict.fromkeys(channels):
        if addresses.split(channel) is not None:
            await sync_channel(runtime, channel)


async def sync_all(runtime: Runtime) -> None:
    """At start: every Slack channel mapped to a circle."""
    await sync_channels(runtime, await runtime.blocking(platform_channels, runtime.dispatcher, "slack"))


async def sync_workspace(runtime: Runtime, team: str | None) -> None:
    """Every mapped channel of one workspace (all of them with one bot token) read again."""
    channels = await runtime.blocking(platform_channels, runtime.dispatcher, "slack")
    wanted = [channel for channel in channels if not runtime.oauth or (addresses.split(channel) or ("",))[0] == team]
    await sync_channels(runtime, wanted)


async def on_joined(runtime: Runtime, body: dict[str, Any], event: dict[str, Any]) -> None:
    user, channel_id = event.get("user"), event.get("channel")
    if not user or not channel_id:
        return
    team = body.get("team_id")
    channel = runtime.channel(str(channel_id), team)
    if user == runtime.bot_user_id:  # Relais was added to a channel: if it is a circle's, see who is there
        if await runtime.blocking(is_mapped, runtime.dispatcher, channel):
            await sync_channel(runtime, channel)
        return
    try:
        person = await (await runtime.people_in(str(team or "") or None)).person(str(user))
    except PermanentFailure:
        person = None
    if person is not None and not person.human:
        return
    if person is None:
        log.warning("Slack could not describe %s, who joined %s: counted as a person", user, channel_id)
    newcomer = Newcomer(person.name, person.language) if person is not None else Newcomer()
    identity = runtime.identity(str(user), team)
    changes = await runtime.blocking(member_joined, runtime.dispatcher, channel, identity, newcomer)
    if changes.joined:
        log.info("Slack channel %s: %s joined its circle", channel_id, ", ".join(changes.joined))


async def on_left(runtime: Runtime, body: dict[str, Any], event: dict[str, Any]) -> None:
    user, channel_id = event.get("user"), event.get("channel")
    if not user or not channel_id:
        return
    team = body.get("team_id")
    channel = runtime.channel(str(channel_id), team)
    if user == runtime.bot_user_id:
        await on_removed(runtime, body, {"channel": channel_id})
        return
    identity = await runtime.who(str(user), team)
    changes = await runtime.blocking(member_left, runtime.dispatcher, channel, identity)
    if changes.left:
        log.info("Slack channel %s: %s left its circle", channel_id, ", ".join(changes.left))


async def on_removed(runtime: Runtime, body: dict[str, Any], event: dict[str, Any]) -> None:
    """Relais removed from a channel (channel_left, group_left: Slack sends no member_left_channel to the
    app it removed): if a circle's, the operator hears of it at once, not at the next refused post."""
    channel_id = event.get("channel")
    if not channel_id:
        return
    channel = runtime.channel(str(channel_id), body.get("team_id"))
    if await runtime.blocking(is_mapped, runtime.dispatcher, channel):
        log.warning(
            "Relais was removed from Slack channel %s, linked to a circle: nothing is posted there and its members "
            "are no longer followed until someone invites Relais again (/invite @Relais) or a facilitator /unmap it",
            channel_id,
        )


def register(bolt: AsyncApp, runtime: Runtime) -> None:
    @bolt.event("member_joined_channel")
    async def on_member_joined(body: dict[str, Any], event: dict[str, Any]) -> None:
        async with runtime.busy():
            await runtime.first_delivery(body.get("event_id"), lambda: on_joined(runtime, body, event))

    @bolt.event("channel_left")
    async def on_channel_left(body: dict[str, Any], event: dict[str, Any]) -> None:
        async with runtime.busy():
            await on_removed(runtime, body, event)

    @bolt.event("group_left")
    async def on_group_left(body: dict[str, Any], event: dict[str, Any]) -> None:
        async with runtime.busy():
            await on_removed(runtime, body, event)

    @bolt.event("member_left_channel")
    async def on_member_left(body: dict[str, Any], event: dict[str, Any]) -> None:
        async with runtime.busy():
            await runtime.first_delivery(body.get("event_id"), lambda: on_left(runtime, body, event))
