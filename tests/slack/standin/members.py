"""Who is in which channel, for the Slack stand-in: conversations.members and users.list (with
Slack's cursor pagination), and the member_joined_channel / member_left_channel events; and the
Block Kit limits chat.postMessage enforces (check_blocks).

Shapes recorded in ``tests/slack/data/`` (see its README.md): conversations.members answers
``{"ok", "members": [user ids], "response_metadata": {"next_cursor"}}``; users.list answers
``{"ok", "members": [user objects], "cache_ts", "response_metadata": {"next_cursor"}}``; the last page
has an empty ``next_cursor``. A private channel the bot is not in is ``channel_not_found``, as on Slack.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Iterable, Sequence
from typing import Any

from .common import StandinError
from .payloads import recorded

# Block Kit limits: 50 blocks, 3,000 characters in a section's text (Slack's Block Kit reference);
# about 12,000 characters of text over a message's blocks, else msg_blocks_too_long (slackapi/bolt-js#2509,
# #2867: "12,000 text characters with a buffer for block containers").
MAX_BLOCKS, SECTION_TEXT, MESSAGE_TEXT = 50, 3000, 12_000


def check_blocks(blocks: Any) -> None:
    """Refuse blocks the way Slack does (invalid_blocks, msg_blocks_too_long); None passes."""
    if blocks in (None, ""):
        return
    if not isinstance(blocks, list) or len(blocks) > MAX_BLOCKS:
        raise StandinError("invalid_blocks")
    total = 0
    for block in blocks:
        text = (block.get("text") or {}).get("text", "") if isinstance(block, dict) else ""
        if block.get("type") == "section" and not 0 < len(text) <= SECTION_TEXT:
            raise StandinError("invalid_blocks")
        total += len(text)
    if total > MESSAGE_TEXT:
        raise StandinError("msg_blocks_too_long")


def _cursor(position: int) -> str:
    """An opaque cursor, base64 like Slack's (``dXNlcjpVMDYxTkZUVDI=``)."""
    return base64.b64encode(f"position:{position}".encode()).decode()


def _position(cursor: Any) -> int:
    if not cursor:
        return 0
    try:
        return int(base64.b64decode(str(cursor)).decode().removeprefix("position:"))
    except ValueError as error:
        raise StandinError("invalid_cursor") from error


def _limit(value: Any, default: int) -> int:
    try:
        limit = int(value) if value not in (None, "") else default
    except ValueError as error:
        raise StandinError("invalid_limit") from error
    return limit if limit > 0 else default


def page(items: Sequence[Any], params: dict[str, Any], default_limit: int) -> tuple[list[Any], str]:
    """One page of `items` and the next cursor ("" on the last page)."""
    start = _position(params.get("cursor"))
    limit = _limit(params.get("limit"), default_limit)
    chunk = list(items[start : start + limit])
    more = start + limit < len(items)
    return chunk, _cursor(start + limit) if more else ""


class ChannelMembers:
    """Mixed into SlackStandin: channel membership state and the Web API methods reading it."""

    users: dict[str, dict[str, Any]]
    channels: dict[str, dict[str, Any]]
    team_id: str
    bot_user_id: str
    members_of: dict[str, list[str]]

    def set_members(self, channel: str, users: Iterable[str]) -> None:
        """The channel's members, in the order Slack lists them (the bot included when it is in)."""
        self.members_of[channel] = list(dict.fromkeys(users))
        if channel in self.channels:
            self.channels[channel]["is_member"] = self.bot_user_id in self.members_of[channel]

    def join_channel(self, channel: str, user: str, inviter: str | None = None) -> dict[str, Any]:
        """`user` joins: the state changes, and the member_joined_channel event Slack sends is returned."""
        self.set_members(channel, [*self.members_of.get(channel, []), user])
        return member_joined_channel_event(user, channel, self.team_id, inviter=inviter, private=self._private(channel))

    def leave_channel(self, channel: str, user: str) -> dict[str, Any]:
        """`user` leaves (or is removed): the state changes, and the member_left_channel event is returned."""
        self.set_members(channel, [member for member in self.members_of.get(channel, []) if member != user])
        return member_left_channel_event(user, channel, self.team_id, private=self._private(channel))

    def _private(self, channel: str) -> bool:
        return bool(self.channels.get(channel, {}).get("is_private"))

    # ------------------------------------------------------------------ Web API

    def _conversations_members(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = str(params.get("channel") or "")
        if channel not in self.channels:
            raise StandinError("channel_not_found")
        members = self.members_of.get(channel, [])
        if self._private(channel) and self.bot_user_id not in members:
            raise StandinError("channel_not_found")  # a private channel the bot cannot see
        chunk, cursor = page(members, params, 100)
        return {"ok": True, "members": chunk, "response_metadata": {"next_cursor": cursor}}

    def _users_list(self, params: dict[str, Any]) -> dict[str, Any]:
        with_locale = str(params.get("include_locale", "")).lower() in ("1", "true", "yes")
        everyone = [self.users[user_id] for user_id in sorted(self.users)]
        chunk, cursor = page(everyone, params, len(everyone) or 1)
        members = []
        for user in chunk:
            public = {key: value for key, value in user.items() if not key.startswith("_")}
            if with_locale:
                public["locale"] = user["_locale"]
            members.append(public)
        return {
            "ok": True,
            "members": members,
            "cache_ts": int(time.time()),
            "response_metadata": {"next_cursor": cursor},
        }


def member_joined_channel_event(
    user: str, channel: str, team: str, *, inviter: str | None = None, private: bool = False
) -> dict[str, Any]:
    """A ``member_joined_channel`` event (put it in an event_callback), from data/member_joined_channel.json
    (its ``enterprise`` only on an Enterprise Grid, its ``inviter`` only when someone invited)."""
    event: dict[str, Any] = recorded("member_joined_channel.json")["event"]
    del event["enterprise"], event["inviter"]
    event.update(user=user, channel=channel, channel_type="G" if private else "C", team=team)
    event["event_ts"] = f"{time.time():.6f}"
    if inviter:
        event["inviter"] = inviter
    return event


def member_left_channel_event(user: str, channel: str, team: str, *, private: bool = False) -> dict[str, Any]:
    """A ``member_left_channel`` event, from data/member_left_channel.json."""
    event: dict[str, Any] = recorded("member_left_channel.json")["event"]
    event.update(user=user, channel=channel, channel_type="G" if private else "C", team=team)
    event["event_ts"] = f"{time.time():.6f}"
    return event
