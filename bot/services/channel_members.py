"""Who is in a circle's channels, as a platform says: one unit of work each, for adapters.

The core decides what membership means (bot.services.membership); adapters only hand over the
people the platform shows. A person met here for the first time speaks the language of their
platform when it says (as when the dispatcher meets someone who types first).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.dispatch import Dispatcher
from bot.i18n import SUPPORTED
from bot.models import ChannelMember, Community, Identity, Member
from bot.services.community import member_for_identity
from bot.services.membership import (
    MembershipChanges,
    channel_joined,
    channel_left,
    find_by_identity,
    mapped_circle,
    sync_channel,
)

BATCH = 500  # identities per statement


@dataclass(frozen=True)
class Newcomer:
    """Someone a platform shows in a channel: their name and the language of their platform, if known."""

    name: str | None = None
    language: str | None = None


def _known(session: Session, identities: list[str]) -> set[str]:
    """The identities that already belong to someone (a few statements for thousands)."""
    known: set[str] = set()
    for start in range(0, len(identities), BATCH):
        chunk = identities[start : start + BATCH]
        known.update(session.scalars(select(Identity.identity).where(Identity.identity.in_(chunk))))
    return known


def _languages(session: Session, community: Community, newcomers: Mapping[str, Newcomer]) -> None:
    """People met for the first time speak the language of their platform (as when they first type)."""
    wanted = {
        identity: newcomer.language
        for identity, newcomer in newcomers.items()
        if newcomer.language in SUPPORTED and newcomer.language != community.language
    }
    identities = list(wanted)
    for start in range(0, len(identities), BATCH):
        rows = session.execute(
            select(Identity.identity, Member)
            .join(Member, Member.id == Identity.member_id)
            .where(Identity.identity.in_(identities[start : start + BATCH]))
        )
        for identity, member in rows:
            if member.language is None:
                member.language = wanted[identity]
    session.flush()


def sync_members(dispatcher: Dispatcher, channel: str, people: Mapping[str, Newcomer]) -> MembershipChanges:
    """The channel's members are exactly `people` (nothing happens for a channel mapped to no circle)."""
    with dispatcher.store.unit_of_work() as session:
        if mapped_circle(session, channel) is None:
            return MembershipChanges()
        community = dispatcher.community(session)
        known = _known(session, list(people))
        names = {identity: newcomer.name for identity, newcomer in people.items()}
        changes = sync_channel(session, community, channel, names, dispatcher.config, dispatcher.clock.now())
        _languages(session, community, {i: newcomer for i, newcomer in people.items() if i not in known})
        return changes


def member_joined(
    dispatcher: Dispatcher, channel: str, identity: str, newcomer: Newcomer, rename_elsewhere: bool = False
) -> MembershipChanges:
    """Someone joined the channel (or, already in, changed their name).

    In a channel mapped to no circle nothing changes, except, with `rename_elsewhere`, the name of
    someone the community already knows.
    """
    with dispatcher.store.unit_of_work() as session:
        community = dispatcher.community(session)
        now = dispatcher.clock.now()
        if mapped_circle(session, channel) is None:
            known = find_by_identity(session, identity) if rename_elsewhere and newcomer.name else None
            if known is not None and known.community_id == community.id:
                member_for_identity(session, community, identity, newcomer.name, dispatcher.config, now)
            return MembershipChanges()
        first_time = not _known(session, [identity])
        changes = channel_joined(session, community, channel, identity, newcomer.name, dispatcher.config, now)
        if first_time:
            _languages(session, community, {identity: newcomer})
        return changes


def member_left(dispatcher: Dispatcher, channel: str, identity: str) -> MembershipChanges:
    with dispatcher.store.unit_of_work() as session:
        return channel_left(session, channel, identity, dispatcher.clock.now())


def account_deactivated(dispatcher: Dispatcher, identity: str) -> MembershipChanges:
    """The platform deactivated this account: it leaves every channel of that platform it was in, and so
    the circles it is then in no channel of (memberships ended, everything it did is kept): out of
    reading levels, digests and nudges from now on. A reactivated account comes back as the channels'
    members are read again (`sync_members`)."""
    platform = identity.split(":", 1)[0] + ":"
    with dispatcher.store.unit_of_work() as session:
        member = find_by_identity(session, identity)
        changes = MembershipChanges()
        if member is None:
            return changes
        channels = session.scalars(
            select(ChannelMember.channel).where(
                ChannelMember.member_id == member.id, ChannelMember.channel.startswith(platform)
            )
        )
        now = dispatcher.clock.now()
        for channel in list(channels):
            changes.left.extend(channel_left(session, channel, identity, now).left)
        return changes


def in_no_channel(dispatcher: Dispatcher, identity: str) -> bool:
    """Someone the community knows who is in no channel of that platform now (a deactivated account)."""
    platform = identity.split(":", 1)[0] + ":"
    with dispatcher.store.unit_of_work() as session:
        member = find_by_identity(session, identity)
        if member is None:
            return False
        found = session.scalar(
            select(ChannelMember.channel)
            .where(ChannelMember.member_id == member.id, ChannelMember.channel.startswith(platform))
            .limit(1)
        )
        return found is None


def belongs(dispatcher: Dispatcher, identity: str) -> bool:
    """In a circle now, or a facilitator (nothing is created for anyone else)."""
    with dispatcher.store.unit_of_work() as session:
        return dispatcher.admitted(session, identity) is not None
