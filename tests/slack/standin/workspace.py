"""The stand-in's workspace: its users, channels, direct messages and stored messages, as
users.info, conversations.* and chat.* read them. Mixed into :class:`SlackStandin`."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .common import tz_info


class Workspace:
    """Users, channels and messages; `set_members` comes from members.ChannelMembers."""

    team_id: str
    bot_user_id: str
    users: dict[str, dict[str, Any]]
    channels: dict[str, dict[str, Any]]
    messages: dict[tuple[str, str], dict[str, Any]]
    dm_channels: dict[tuple[str, ...], str]
    triggers: dict[str, float]
    monotonic: Callable[[], float]
    _lock: threading.Lock
    _last_ts_us: int
    set_members: Callable[[str, Iterable[str]], None]  # members.ChannelMembers

    def new_ts(self) -> str:
        """A message ts, strictly increasing and unique within this stand-in."""
        with self._lock:
            now_us = int(time.time() * 1_000_000)
            self._last_ts_us = max(now_us, self._last_ts_us + 1)
            us = self._last_ts_us
        return f"{us // 1_000_000}.{us % 1_000_000:06d}"

    def add_user(
        self,
        user_id: str,
        *,
        name: str | None = None,
        real_name: str | None = None,
        display_name: str | None = None,
        tz: str = "UTC",
        locale: str = "en-US",
        email: str | None = None,
        is_bot: bool = False,
        is_app_user: bool = False,
        deleted: bool = False,
        bot_id: str | None = None,
        team_id: str | None = None,
    ) -> dict[str, Any]:
        """Register (or replace) a user served by ``users.info``. Returns the user object.

        `team_id`: the user's own workspace when it is another one (a Slack Connect channel's
        external member: `team_id` and `profile.team` are their home workspace's, as in Slack's
        documented user objects, e.g. the shared_channel_invite_received event's `inviting_user`)."""
        name = name or user_id.lower()
        real_name = real_name if real_name is not None else name
        display_name = display_name if display_name is not None else ""
        tz_label, tz_offset = tz_info(tz)
        profile: dict[str, Any] = {
            "real_name": real_name,
            "real_name_normalized": real_name,
            "display_name": display_name,
            "display_name_normalized": display_name,
            "first_name": real_name.split(" ")[0] if real_name else "",
            "team": team_id or self.team_id,
            "image_72": f"https://avatars.invalid/{user_id}_72.png",
        }
        if email:
            profile["email"] = email
        if bot_id:
            profile["bot_id"] = bot_id
        user: dict[str, Any] = {
            "id": user_id,
            "team_id": team_id or self.team_id,
            "name": name,
            "deleted": deleted,
            "real_name": real_name,
            "tz": tz,
            "tz_label": tz_label,
            "tz_offset": tz_offset,
            "profile": profile,
            "is_admin": False,
            "is_owner": False,
            "is_bot": is_bot,
            "is_app_user": is_app_user,
            "updated": int(time.time()),
            "_locale": locale,  # only returned when include_locale=true, like Slack
        }
        self.users[user_id] = user
        return user

    def add_channel(
        self,
        channel_id: str,
        *,
        name: str | None = None,
        is_private: bool = False,
        is_im: bool = False,
        is_mpim: bool = False,
        user: str | None = None,
        is_general: bool = False,
        is_member: bool = True,
        members: Iterable[str] | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """Register (or replace) a channel; `members` are its users (default: the bot, if `is_member`)."""
        channel: dict[str, Any] = {
            "id": channel_id,
            "created": int(time.time()),
            "is_channel": not (is_im or is_mpim or is_private),
            "is_group": is_private and not is_mpim,
            "is_im": is_im,
            "is_mpim": is_mpim,
            "is_private": is_private or is_im or is_mpim,
            "is_archived": False,
            "is_general": is_general,
            "is_shared": False,
            "is_ext_shared": False,
            "is_org_shared": False,
            "is_member": is_member,
            "context_team_id": self.team_id,
        }
        if is_im:
            channel["user"] = user
        else:
            channel["name"] = name or channel_id.lower()
            channel["name_normalized"] = channel["name"]
        channel.update(extra)
        self.channels[channel_id] = channel
        if members is None:
            members = ([user] if is_im and user else []) + ([self.bot_user_id] if is_member else [])
        self.set_members(channel_id, members)
        return channel

    def dm_channel_for(self, *user_ids: str) -> str:
        """Stable DM (1 other user, ``D…``) or group DM (``G…``) id for a set of users."""
        others = tuple(sorted({u for u in user_ids if u and u != self.bot_user_id}))
        if not others:
            others = (self.bot_user_id,)
        with self._lock:
            channel_id = self.dm_channels.get(others)
            if channel_id is None:
                digest = hashlib.sha1(",".join(others).encode()).hexdigest().upper()
                channel_id = ("D" if len(others) == 1 else "G") + digest[:10]
                self.dm_channels[others] = channel_id
        if channel_id not in self.channels:
            if len(others) == 1:
                self.add_channel(channel_id, is_im=True, user=others[0])
            else:
                self.add_channel(channel_id, name="mpdm-" + "--".join(others) + "-1", is_mpim=True)
        return channel_id

    def messages_in(self, channel: str) -> list[dict[str, Any]]:
        """Messages currently stored in a channel (posted and not deleted), oldest first."""
        found = [m for (c, _), m in list(self.messages.items()) if c == channel]
        return sorted(found, key=lambda m: m["ts"])

    def add_message(self, channel: str, message: Mapping[str, Any]) -> dict[str, Any]:
        """Seed a message (e.g. a user's) so chat.update/delete/reactions find it."""
        stored = {"type": "message", "ts": self.new_ts(), **message}
        self.messages[(channel, stored["ts"])] = stored
        return stored
