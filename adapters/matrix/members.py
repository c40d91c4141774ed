"""Who is in Relais' rooms, as Matrix says: circles follow the rooms' joined members.

A mapped room's members are read from the homeserver (/joined_members, with display names) at
start, when Relais joins the room, and after a command that linked it to a circle (`Reply.resync`);
`m.room.member` events keep them in step (join, leave, kick, ban, a new display name). The core
decides what that means for the circles (bot.services.membership): this module only reads Matrix
and hands the people over. Relais' own account and `matrix.ignored_users` are never members.
"""

from __future__ import annotations

import logging
from typing import Any

from nio import AsyncClient, JoinedMembersResponse, JoinedRoomsResponse

from adapters.matrix.config import MatrixConfig
from adapters.matrix.errors import delivery_failure
from adapters.matrix.inbound import channel_of, identity_of, membership_of, room_of
from bot.delivery import TemporaryFailure
from bot.dispatch import Dispatcher
from bot.services.channel_members import Newcomer, member_joined, member_left, sync_members
from bot.services.channels import mapped_among, platform_channels
from bot.services.membership import MembershipChanges

log = logging.getLogger(__name__)

GONE = frozenset({"leave", "ban"})  # a kick is a "leave" sent by someone else


def clean_name(name: object, user_id: str) -> str | None:
    """A display name worth keeping: not empty, not the user id itself, at most 200 characters."""
    if not isinstance(name, str) or not name.strip() or name.strip() == user_id:
        return None
    return name.strip()[:200]


class RoomMembers:
    def __init__(self, client: AsyncClient, dispatcher: Dispatcher, config: MatrixConfig) -> None:
        self.client = client
        self.dispatcher = dispatcher
        self.config = config
        self.pending: set[str] = set()  # rooms whose members must be read again
        self.started = False  # every mapped room read once since this process started

    # ------------------------------------------------------------------ the core (one unit of work each)
    def mapped_rooms(self, room_ids: set[str]) -> set[str]:
        mapped = mapped_among(self.dispatcher, [channel_of(room_id) for room_id in room_ids])
        return {room_id for room_id in room_ids if channel_of(room_id) in mapped}

    def apply(self, room_id: str, people: dict[str, str | None]) -> MembershipChanges:
        """Make the room's members exactly `people` (user id -> display name)."""
        listed = {identity_of(user): Newcomer(name) for user, name in people.items() if not self.config.ignores(user)}
        changes = sync_members(self.dispatcher, channel_of(room_id), listed)
        if changes:
            log.info("room %s: %d joined its circle, %d left it", room_id, len(changes.joined), len(changes.left))
        return changes

    def joined(self, room_id: str, user_id: str, display_name: str | None) -> MembershipChanges:
        """Someone joined (or, already in, changed their name)."""
        newcomer = Newcomer(display_name)
        return member_joined(
            self.dispatcher, channel_of(room_id), identity_of(user_id), newcomer, rename_elsewhere=True
        )

    def left(self, room_id: str, user_id: str) -> MembershipChanges:
        return member_left(self.dispatcher, channel_of(room_id), identity_of(user_id))

    # ------------------------------------------------------------------ events
    def on_membership(self, room_id: str, event: dict[str, Any]) -> MembershipChanges:
        """An `m.room.member` event from the timeline, whoever sent it (a kick is sent by the kicker)."""
        change = membership_of(event)
        if change is None or self.config.ignores(change.user_id):
            return MembershipChanges()
        if change.membership == "join":
            return self.joined(room_id, change.user_id, change.display_name)
        if change.membership in GONE:
            return self.left(room_id, change.user_id)
        return MembershipChanges()  # invited, knocking: not in the room yet

    # ------------------------------------------------------------------ reading Matrix
    async def read(self, room_id: str) -> dict[str, str | None] | None:
        """The room's joined members (user id -> display name), everyone included; None on a refusal.

        A temporary refusal (rate limit, server error) leaves the room pending; network errors are
        raised (the sync batch is replayed).
        """
        response = await self.client.joined_members(room_id)
        if isinstance(response, JoinedMembersResponse):
            return {member.user_id: clean_name(member.display_name, member.user_id) for member in response.members}
        failure = delivery_failure(response, f"reading the members of {room_id}")
        if isinstance(failure, TemporaryFailure):
            log.warning("%s; tried again after the next sync", failure)
        else:
            self.pending.discard(room_id)
            log.warning("%s; given up", failure)
        return None

    async def resync(self, room_id: str) -> MembershipChanges | None:
        """Read the room's members from the homeserver and make its circle follow them."""
        self.pending.add(room_id)
        people = await self.read(room_id)
        if people is None:
            return None
        self.pending.discard(room_id)
        return self.apply(room_id, people)

    def want(self, *room_ids: str) -> None:
        self.pending.update(room_ids)

    def say_absent(self, joined: set[str]) -> None:
        """At start, each room linked to a circle that Relais is not in is said in the log: nothing would
        reach it, and nothing typed there would reach Relais (a wrong id, an invite never sent, a kick)."""
        for channel in platform_channels(self.dispatcher, "matrix"):
            if room_of(channel) not in joined:
                log.warning(
                    "room %s is linked to a circle but %s is not in it: invite it there (if the room exists, its id "
                    "is in Element under Room settings → Advanced → Internal room ID); until then nothing is "
                    "posted there and its members are not counted",
                    room_of(channel),
                    self.config.user_id,
                )

    async def catch_up(self) -> None:
        """Read again the rooms waiting for it; the first time, every mapped room Relais is in."""
        if not self.started:
            response = await self.client.joined_rooms()
            if not isinstance(response, JoinedRoomsResponse):
                log.warning("could not list the rooms Relais is in: %s; tried again after the next sync", response)
                return
            self.pending |= self.mapped_rooms(set(response.rooms))
            self.started = True
            self.say_absent(set(response.rooms))
        for room_id in sorted(self.pending):
            await self.resync(room_id)
