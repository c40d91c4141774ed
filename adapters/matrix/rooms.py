"""Rooms: invites (members only), rooms linked to no circle, direct chats, room upgrades, encryption."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from nio import AsyncClient, JoinResponse, RoomCreateResponse, RoomLeaveResponse, RoomPreset

from adapters.matrix.config import MatrixConfig
from adapters.matrix.errors import delivery_failure
from adapters.matrix.inbound import channel_of, identity_of, membership_of, user_of
from adapters.matrix.state import MatrixState
from bot.delivery import PermanentFailure
from bot.dispatch import Dispatcher
from bot.i18n import N_, translator
from bot.markup import esc
from bot.services.channel_members import belongs
from bot.services.channels import is_mapped, move_channel
from bot.services.identities import platform_identities
from bot.services.notices import say_once

log = logging.getLogger(__name__)

UNLINKED_ROOM = N_(
    "This room is not linked to a circle of the community, so I do nothing here. A facilitator can link it "
    "by typing {command} here (or in the configuration)."
)
MAP_USAGE = N_("/map <circle>")  # the core's usage line, with the room's prefix instead of the slash
CANNOT_READ = N_(
    "This room is end-to-end encrypted and I cannot read encrypted messages here, so I will not see "
    "your commands. Use an unencrypted room for Relais, or ask the administrator to enable encryption "
    "support (the e2e extra)."
)
ENCRYPTION = {"type": "m.room.encryption", "state_key": "", "content": {"algorithm": "m.megolm.v1.aes-sha2"}}


def invite_source(event: Any) -> dict[str, Any]:
    """The raw invite-state event (nio pops `content` out of the member event's source)."""
    source = dict(getattr(event, "source", {}) or {})
    if "content" not in source and isinstance(getattr(event, "content", None), dict):
        source["content"] = event.content
    return source


class Rooms:
    def __init__(
        self,
        client: AsyncClient,
        dispatcher: Dispatcher,
        state: MatrixState,
        config: MatrixConfig,
        outbox_written: Callable[[], None],
        e2e: bool,
    ) -> None:
        self.client = client
        self.dispatcher = dispatcher
        self.state = state
        self.config = config
        self.outbox_written = outbox_written
        self.e2e = e2e

    # ------------------------------------------------------------------ circles
    def is_mapped(self, room_id: str) -> bool:
        return is_mapped(self.dispatcher, channel_of(room_id))

    def is_direct(self, room_id: str) -> bool:
        """A direct chat with Relais: never a circle's room; one we know as direct, or just two people."""
        if self.is_mapped(room_id):
            return False
        if self.state.get(f"direct-room:{room_id}"):
            return True
        room = self.client.rooms.get(room_id)
        return room is not None and room.joined_count <= 2 and room.invited_count == 0

    def on_own_leave(self, room_id: str, events: Iterable[dict[str, Any]]) -> None:
        """Relais left a room or was removed from it: for a room linked to a circle, the log says so, by whom,
        and what to do (what is posted to the circle no longer reaches that room)."""
        own = [
            (change, event)
            for change, event in ((membership_of(event), event) for event in events)
            if change is not None and change.user_id == self.config.user_id
        ]
        if not own or own[-1][0].membership not in ("leave", "ban") or not self.is_mapped(room_id):
            return
        change, event = own[-1]
        reason = event.get("content", {}).get("reason") if isinstance(event.get("content"), dict) else None
        log.warning(
            "%s is no longer in room %s, linked to a circle: %s by %s%s. What is posted to the circle no longer "
            "reaches that room: invite it back (or take the room out of the circle)",
            self.config.user_id,
            room_id,
            "banned" if change.membership == "ban" else "removed",
            change.sender,
            f" ({reason})" if isinstance(reason, str) and reason.strip() else "",
        )

    # ------------------------------------------------------------------ invites
    def belongs(self, user_id: str) -> bool:
        """A member (in a circle now) or a facilitator; nothing is stored for anyone else."""
        if not user_id or self.config.ignores(user_id):
            return False
        return belongs(self.dispatcher, identity_of(user_id))

    async def on_invite(self, room_id: str, invite_state: Iterable[Any]) -> None:
        """Only members get in: a room already linked to a circle, a member or a facilitator, or
        someone on the configured allow-lists; any other invite is declined."""
        invite = next(
            (
                m
                for m in (membership_of(invite_source(ev)) for ev in invite_state)
                if m and m.user_id == self.config.user_id and m.membership == "invite"
            ),
            None,
        )
        inviter = invite.sender if invite else ""
        member = self.belongs(inviter)
        if not invite or not (member or self.is_mapped(room_id) or self.config.invite_listed(inviter)):
            log.info("declining the invite to %s from %s (not a member, not allowed)", room_id, inviter)
            response = await self.client.room_leave(room_id)
            if not isinstance(response, RoomLeaveResponse):
                log.warning("could not decline the invite to %s: %s", room_id, response)
            return
        response = await self.client.join(room_id)
        if not isinstance(response, JoinResponse):
            log.warning("could not join %s (invited by %s): %s", room_id, inviter, response)
            return
        log.info("joined %s, invited by %s", room_id, inviter)
        if invite.is_direct and member:  # a stranger's direct chat is not remembered either
            self.remember_direct(inviter, room_id)

    def remember_direct(self, user_id: str, room_id: str) -> None:
        with self.state.batch() as keys:
            keys.set(f"dm:{user_id}", room_id)
            keys.set(f"direct-room:{room_id}", user_id)

    def say_unlinked(self, room_id: str) -> bool:
        """In a group room linked to no circle, say once how a facilitator links it."""
        tr = translator(self.dispatcher.config.language)
        command = self.config.prefix + tr.t(MAP_USAGE).removeprefix("/")
        text = tr.t(UNLINKED_ROOM, command=esc(command, 80))
        if not say_once(self.state, f"unlinked-told:{room_id}", channel_of(room_id), text):
            return False
        log.info("room %s is linked to no circle: said so once", room_id)
        self.outbox_written()
        return True

    # ------------------------------------------------------------------ upgrades
    async def on_tombstone(self, room_id: str, replacement: str) -> None:
        """The room was upgraded: its circle moves to the new room, and Relais follows it."""
        self.state.set(f"upgrade:{room_id}", replacement)
        self.move_circle(room_id, replacement)
        response = await self.client.join(replacement)
        if not isinstance(response, JoinResponse):
            log.warning(
                "room %s was upgraded to %s but I could not join it (%s): invite me there",
                room_id,
                replacement,
                response,
            )

    def move_circle(self, old_room: str, new_room: str) -> bool:
        circle = move_channel(self.dispatcher, channel_of(old_room), channel_of(new_room))
        if circle is None:
            return False
        log.info("circle %s moved from %s to %s", circle, old_room, new_room)
        return True

    def reapply_upgrades(self) -> None:
        """At start the config may still name an upgraded room: move its circle again, and say so."""
        for key, new_room in self.state.items("upgrade:"):
            old_room = key.removeprefix("upgrade:")
            if self.move_circle(old_room, new_room):
                log.warning("room %s became %s: update [[circles]] in the config", old_room, new_room)

    # ------------------------------------------------------------------ encryption
    def warn_encrypted(self, room_id: str) -> bool:
        """Without end-to-end support, say once in an encrypted room that Relais cannot read it."""
        if self.e2e:
            return False
        text = translator(self.dispatcher.config.language).t(CANNOT_READ)
        if not say_once(self.state, f"e2e-warned:{room_id}", channel_of(room_id), text):
            return False
        log.warning("room %s is encrypted and end-to-end support is off: said so once", room_id)
        self.outbox_written()
        return True

    # ------------------------------------------------------------------ direct chats
    def matrix_user(self, member_id: int) -> str:
        users = [user_of(identity) for identity in platform_identities(self.dispatcher, member_id, "matrix")]
        if not users:
            raise PermanentFailure(f"member {member_id} has no Matrix identity")
        return sorted(users)[0]

    async def direct_room(self, member_id: int) -> str:
        """The member's direct chat with Relais: the one we know, or a new one (invite, is_direct)."""
        user = self.matrix_user(member_id)
        room_id = self.state.get(f"dm:{user}")
        if room_id and self._still_there(room_id, user):
            return room_id
        encrypted = [ENCRYPTION] if self.e2e else []  # as Element and Tchap open direct chats
        response = await self.client.room_create(
            is_direct=True, invite=[user], preset=RoomPreset.trusted_private_chat, initial_state=encrypted
        )
        if not isinstance(response, RoomCreateResponse):
            raise delivery_failure(response, f"creating a direct chat with {user}")
        self.remember_direct(user, response.room_id)
        return response.room_id

    def not_joined_yet(self, room_id: str, member_id: int) -> str | None:
        """In an encrypted direct chat, the member who has not joined yet (None once they have):
        the room key goes to joined devices, so Relais writes there once they are in."""
        if not self.e2e:
            return None
        room, user = self.client.rooms.get(room_id), self.matrix_user(member_id)
        if room is not None and not room.encrypted:
            return None
        joined = room is not None and user in room.users and user not in room.invited_users
        return None if joined else user

    def _still_there(self, room_id: str, user: str) -> bool:
        room = self.client.rooms.get(room_id)
        if room is None:  # not synced yet (just created): trust what we stored
            return True
        return user in room.users or user in room.invited_users
