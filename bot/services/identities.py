"""Platform identities (`slack:T/U`, `matrix:@u:hs`) and the people behind them, for adapters.

Which of the people a command mentions it may name, the facilitators an adapter's configuration
lists, a member's identities on one platform, and what a sender must know about the reader of an
outgoing message. One unit of work each; only neutral values come back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.delivery import Outgoing
from bot.dispatch import Dispatcher
from bot.kinds import Role
from bot.models import Identity, Item, Member
from bot.services.membership import find_by_identity


def nameable(dispatcher: Dispatcher, speaker: str, people: Mapping[str, str | None]) -> set[str]:
    """The identities among `people` (identity -> name) a command by `speaker` may name: members
    already known, and, when the speaker is a facilitator, everyone (created as members, in no circle).
    Nothing is created for anyone else."""
    with dispatcher.store.unit_of_work() as session:
        actor = dispatcher.admitted(session, speaker)
        if actor is not None and actor.is_facilitator:
            for identity, name in people.items():
                dispatcher.member(session, identity, name)
            return set(people)
        return {identity for identity in people if find_by_identity(session, identity) is not None}


def ensure_facilitators(dispatcher: Dispatcher, people: Mapping[str, str | None]) -> list[str]:
    """These identities (-> name) are members with the facilitator role; returns their names."""
    names = []
    with dispatcher.store.unit_of_work() as session:
        for identity, name in people.items():
            member = dispatcher.member(session, identity, name)
            member.role = Role.FACILITATOR
            names.append(member.display_name)
    return names


def identities_on(session: Session, member_id: int, platform: str) -> list[str]:
    """The member's identities on `platform`, oldest first."""
    return list(
        session.scalars(
            select(Identity.identity)
            .where(Identity.member_id == member_id, Identity.identity.like(f"{platform}:%"))
            .order_by(Identity.id)
        )
    )


def platform_identities(dispatcher: Dispatcher, member_id: int, platform: str) -> list[str]:
    """The member's identities on `platform`, oldest first (where to reach them directly)."""
    with dispatcher.store.unit_of_work() as session:
        return identities_on(session, member_id, platform)


@dataclass(frozen=True)
class Reader:
    """Who reads an outgoing message, as its sender needs to know."""

    language: str  # a channel post: the community's; a private message: the member's
    ack_number: int | None  # the item's number when the message is an item that must be read
    identities: tuple[str, ...] = ()  # a direct message: the member's identities on the platform, oldest first


def reader_of(dispatcher: Dispatcher, message: Outgoing) -> Reader:
    """The language, item number and (for a direct message) identities of an outgoing message's reader."""
    with dispatcher.store.unit_of_work() as session:
        community = dispatcher.community(session)
        member: Member | None = None
        if message.member_id is not None:
            member = session.get(Member, message.member_id)
        elif message.recipient:
            member = find_by_identity(session, message.recipient)
        private = message.ephemeral or message.member_id is not None
        language = (member.language if member is not None and private else None) or community.language
        number = None
        if message.item_id is not None:
            item = session.get(Item, message.item_id)
            number = item.number if item is not None and item.must_read else None
        identities: list[str] = []
        if message.member_id is not None:
            identities = identities_on(session, message.member_id, message.platform)
        return Reader(language, number, tuple(identities))


def rename_known(dispatcher: Dispatcher, identity: str, name: str | None) -> bool:
    """A platform says someone changed their name: a member's name follows; nobody new is stored."""
    if not name:
        return False
    with dispatcher.store.unit_of_work() as session:
        member_id = session.scalar(select(Identity.member_id).where(Identity.identity == identity))
        if member_id is None:
            return False
        dispatcher.member(session, identity, name)
        return True
