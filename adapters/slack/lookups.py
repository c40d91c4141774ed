"""Blocking store work the Slack adapter needs besides commands (run through Runtime.blocking).

Each function is one unit of work through the core's services; none imports the Slack SDK.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import select

from adapters.slack import addresses
from bot.dispatch import Dispatcher
from bot.i18n import Translator, translator
from bot.models import CircleChannel, Identity, Item, Member, OutboxMessage
from bot.outbox import enqueue
from bot.services.community import ensure_circle, map_channel
from bot.services.membership import find_by_identity


@dataclass(frozen=True)
class RowInfo:
    """What the sender needs to know about an outbox row besides its text."""

    language: str
    ack_number: int | None  # the item number when the row is an item that must be read
    dm_user: str | None  # for a direct message: the member's Slack user id
    dm_team: str | None


def language_of(member: Member | None, community_language: str) -> str:
    return (member.language if member is not None else None) or community_language


def row_info(dispatcher: Dispatcher, row: OutboxMessage) -> RowInfo:
    with dispatcher.store.unit_of_work() as session:
        community = dispatcher.community(session)
        member: Member | None = None
        if row.member_id is not None:
            member = session.get(Member, row.member_id)
        elif row.recipient:
            found = session.scalar(select(Identity).where(Identity.identity == row.recipient))
            member = session.get(Member, found.member_id) if found is not None else None
        # a channel post is read by everyone: the community's language; a private one, the member's
        language = language_of(member, community.language) if row.ephemeral or row.member_id else community.language
        number = None
        if row.item_id is not None:
            item = session.get(Item, row.item_id)
            number = item.number if item is not None and item.must_read else None
        dm_user = dm_team = None
        if row.member_id is not None:
            identities = session.scalars(
                select(Identity.identity)
                .where(Identity.member_id == row.member_id, Identity.identity.like(f"{addresses.PREFIX}%"))
                .order_by(Identity.id)
            ).all()
            for identity in identities:
                parts = addresses.split(identity)
                if parts:
                    dm_team, dm_user = parts
                    break
        return RowInfo(language=language, ack_number=number, dm_user=dm_user, dm_team=dm_team)


def map_channels(dispatcher: Dispatcher, team: str, channels: Mapping[str, str]) -> list[str]:
    """`[slack.channels]` (channel id -> circle name) into the circles' channel mappings."""
    done = []
    with dispatcher.store.unit_of_work() as session:
        community = dispatcher.community(session)
        for channel_id, circle_name in channels.items():
            circle = ensure_circle(session, community, circle_name)
            map_channel(session, circle, addresses.channel(team, channel_id))
            done.append(f"{channel_id} -> {circle.name}")
    return done


def circle_slugs(dispatcher: Dispatcher, channels: Iterable[str]) -> dict[str, str]:
    """Channel address -> the slug of the circle it is mapped to (for `#circle` arguments)."""
    wanted = list(channels)
    if not wanted:
        return {}
    with dispatcher.store.unit_of_work() as session:
        rows = session.scalars(select(CircleChannel).where(CircleChannel.channel.in_(wanted))).all()
        return {row.channel: row.circle.slug for row in rows}


def known_members(dispatcher: Dispatcher, speaker: str, people: Mapping[str, str | None]) -> set[str]:
    """The identities among `people` a command may name: members already known, and, when the
    speaker is a facilitator, everyone they mention (created as members, in no circle).
    Nothing is created for anyone else."""
    with dispatcher.store.unit_of_work() as session:
        actor = dispatcher.admitted(session, speaker)
        if actor is not None and actor.is_facilitator:
            for identity, name in people.items():
                dispatcher.member(session, identity, name)
            return set(people)
        return {identity for identity in people if find_by_identity(session, identity) is not None}


def ensure_facilitators(dispatcher: Dispatcher, people: Mapping[str, str | None]) -> list[str]:
    """`[slack] facilitators`: these identities are members with the facilitator role."""
    names = []
    with dispatcher.store.unit_of_work() as session:
        for identity, name in people.items():
            member = dispatcher.member(session, identity, name)
            member.role = "facilitator"
            names.append(member.display_name)
    return names


def notice(dispatcher: Dispatcher, identity: str, channel: str | None, text: Callable[[Translator], str]) -> bool:
    """An ephemeral note for one member in a channel, through the outbox, in their language."""
    if not channel:
        return False
    with dispatcher.store.unit_of_work() as session:
        community = dispatcher.community(session)
        member = dispatcher.admitted(session, identity)
        if member is None:
            return False  # a stranger: nothing is said, nothing is stored
        tr = translator(language_of(member, community.language))
        enqueue(session, dispatcher.clock.now(), text(tr), channel=channel, recipient=identity, ephemeral=True)
    return True
