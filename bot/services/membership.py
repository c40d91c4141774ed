"""Who is in a circle: the people the platforms say are in its channels, joins, leaves, and who may speak.

A circle's members are the people in its rooms and channels, read from the platform whether or
not they ever typed a command (`sync_channel`, `channel_joined`, `channel_left`), plus anyone
who speaks in one of its channels. Someone who leaves every channel of a circle leaves the
circle: they stay in the audience of what was posted while they were there, and in no newer one.
Someone in no circle who is not a facilitator is a stranger (`admitted_member` returns None).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from bot.config import Config
from bot.kinds import Role
from bot.models import ChannelMember, Circle, CircleChannel, CircleMember, Community, Identity, Item, Member
from bot.services.community import create_once, member_for_identity, speaker_rows
from bot.services.directory import usable
from bot.services.speakers import speakers_of
from bot.text import clean_name

BATCH = 500  # identities looked up per statement


def _next_number(session: Session, community_id: int) -> int:
    return int(session.scalar(select(Community.next_number).where(Community.id == community_id)) or 0) + 1


def join_circle(session: Session, member: Member, circle: Circle, now: datetime, backlog: int) -> bool:
    """Add the member to the circle; a late joiner gets the circle's last `backlog` items to read.

    Someone who comes back after leaving is a late joiner again. Returns True when the member
    was not (or no longer) in the circle.
    """
    row = session.get(CircleMember, (circle.id, member.id))
    if row is not None and row.active:
        return False
    recent = session.scalars(
        select(Item.number)
        .where(Item.circle_id == circle.id, Item.must_read.is_(True))
        .order_by(Item.number.desc())
        .limit(max(backlog, 0))
    ).all()
    audience_from = min(recent) if recent and backlog > 0 else _next_number(session, member.community_id)
    if row is None:

        def build() -> CircleMember:
            made = CircleMember(circle_id=circle.id, member_id=member.id, joined_at=now, audience_from=audience_from)
            session.add(made)
            return made

        create_once(session, build, lambda: session.get(CircleMember, (circle.id, member.id)))
    else:
        row.joined_at, row.audience_from, row.audience_until, row.left_at = now, audience_from, None, None
    session.flush()
    return True


def leave_circle(session: Session, member_id: int, circle_id: int, now: datetime) -> bool:
    """The member is out of the circle's new items (kept in the audience of the ones already posted)."""
    row = session.get(CircleMember, (circle_id, member_id))
    if row is None or not row.active:
        return False
    community_id = session.scalar(select(Circle.community_id).where(Circle.id == circle_id))
    row.audience_until = _next_number(session, int(community_id or 0)) - 1
    row.left_at = now
    session.flush()
    return True


def active_circles(session: Session, member_id: int) -> list[Circle]:
    """The circles the member is in now, by name."""
    return list(
        session.scalars(
            select(Circle)
            .join(CircleMember, CircleMember.circle_id == Circle.id)
            .where(CircleMember.member_id == member_id, CircleMember.left_at.is_(None))
            .order_by(Circle.name)
        )
    )


def belonging_members(session: Session, community_id: int) -> set[int]:
    """Ids of the community's members who belong now: in a circle, or facilitators."""
    in_circles = select(CircleMember.member_id).where(CircleMember.left_at.is_(None))
    return set(
        session.scalars(
            select(Member.id).where(
                Member.community_id == community_id,
                or_(Member.role == Role.FACILITATOR, Member.id.in_(in_circles)),
            )
        )
    )


def is_in_circle(session: Session, member_id: int, circle_id: int) -> bool:
    row = session.get(CircleMember, (circle_id, member_id))
    return row is not None and row.active


def mapped_circle(session: Session, channel: str | None) -> Circle | None:
    """The circle `channel` is mapped to (from the store's directory when it can answer)."""
    if not channel:
        return None
    directory = usable(session)
    if directory is not None:
        return directory.mapped_circle(session, channel)
    mapping = session.scalar(select(CircleChannel).where(CircleChannel.channel == channel))
    return mapping.circle if mapping is not None else None


def find_by_identity(session: Session, identity: str) -> Member | None:
    return session.scalar(
        select(Member).join(Identity, Identity.member_id == Member.id).where(Identity.identity == identity)
    )


def admitted_member(
    session: Session, community: Community, identity: str, display_name: str | None, config: Config, now: datetime
) -> Member | None:
    """The member behind an identity if they belong: in a circle now, or a facilitator; else None.

    A configured facilitator is created on first contact; nobody else is created here.
    """
    if identity in config.facilitators:
        return member_for_identity(session, community, identity, display_name, config, now)
    member = find_by_identity(session, identity)
    if member is None or member.community_id != community.id:
        return None
    if member.is_facilitator or active_circles(session, member.id):
        return member_for_identity(session, community, identity, display_name, config, now)
    return None


def present_in_channel(
    session: Session,
    community: Community,
    circle: Circle,
    channel: str,
    identity: str,
    display_name: str | None,
    config: Config,
    now: datetime,
    language: str | None = None,
    cached: bool = False,
) -> Member:
    """Someone the platform shows in a mapped channel (they spoke, reacted, read, or joined): a member.
    `cached`: their rows may come from the speakers cache (bot.services.speakers: a command, first thing
    in its transaction)."""
    speakers = speakers_of(session) if cached else None
    if speakers is not None:
        known = speakers.rows(session, identity, channel, circle.id)
    else:
        known = speaker_rows(session, identity, channel, circle.id)  # held until join_circle has run
    member = member_for_identity(
        session, community, identity, display_name, config, now, language, known[0] if known else None
    )
    in_channel = known[2] if known is not None else session.get(ChannelMember, (channel, member.id))
    if in_channel is None:

        def build() -> ChannelMember:
            made = ChannelMember(channel=channel, member_id=member.id, since=now)
            session.add(made)
            return made

        create_once(session, build, lambda: session.get(ChannelMember, (channel, member.id)))
    join_circle(session, member, circle, now, config.late_joiner_items)
    return member


@dataclass
class MembershipChanges:
    joined: list[str] = field(default_factory=list)  # display names of members who entered the circle
    left: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.joined or self.left)


def _platform(address: str) -> str:
    return address.split(":", 1)[0]


def _leave_if_gone(session: Session, member: Member, circle: Circle, now: datetime, changes: MembershipChanges) -> None:
    """Leave the circle when the member is in none of its channels any more."""
    still = session.scalar(
        select(ChannelMember.member_id)
        .join(CircleChannel, CircleChannel.channel == ChannelMember.channel)
        .where(ChannelMember.member_id == member.id, CircleChannel.circle_id == circle.id)
        .limit(1)
    )
    if still is None and leave_circle(session, member.id, circle.id, now):
        changes.left.append(member.display_name)


def channel_joined(
    session: Session,
    community: Community,
    channel: str,
    identity: str,
    display_name: str | None,
    config: Config,
    now: datetime,
) -> MembershipChanges:
    """The platform says someone joined a channel: a member of its circle if the channel is mapped."""
    changes = MembershipChanges()
    circle = mapped_circle(session, channel)
    if circle is None:
        return changes
    before = find_by_identity(session, identity)
    was_in = before is not None and is_in_circle(session, before.id, circle.id)
    member = present_in_channel(session, community, circle, channel, identity, display_name, config, now)
    if not was_in:
        changes.joined.append(member.display_name)
    return changes


def channel_left(session: Session, channel: str, identity: str, now: datetime) -> MembershipChanges:
    """The platform says someone left (or was removed from) a channel."""
    changes = MembershipChanges()
    member = find_by_identity(session, identity)
    if member is None:
        return changes
    session.execute(delete(ChannelMember).where(ChannelMember.channel == channel, ChannelMember.member_id == member.id))
    circle = mapped_circle(session, channel)
    if circle is not None:
        _leave_if_gone(session, member, circle, now, changes)
    return changes


def sync_channel(
    session: Session,
    community: Community,
    channel: str,
    people: Mapping[str, str | None],
    config: Config,
    now: datetime,
) -> MembershipChanges:
    """Make the channel's members exactly `people` (identity -> display name), as the platform lists them.

    Everyone listed becomes a member of the channel's circle (late-joiner rule for newcomers);
    members of the circle known on the same platform who are in none of its channels leave it.
    Nothing happens for an unmapped channel.
    """
    changes = MembershipChanges()
    circle = mapped_circle(session, channel)
    if circle is None:
        return changes
    members = _members_for(session, community, people, config, now)
    present = {member.id for member in members.values()}
    _enter(session, circle, channel, list(members.values()), config, now, changes)
    listed = set(session.scalars(select(ChannelMember.member_id).where(ChannelMember.channel == channel)))
    gone = listed - present
    if gone:
        session.execute(
            delete(ChannelMember).where(ChannelMember.channel == channel, ChannelMember.member_id.in_(gone))
        )
    # members of the circle on this platform who are in none of its channels (left while Relais was away)
    platform = _platform(channel)
    candidates = session.scalars(
        select(Member)
        .join(CircleMember, CircleMember.member_id == Member.id)
        .join(Identity, Identity.member_id == Member.id)
        .where(
            CircleMember.circle_id == circle.id,
            CircleMember.left_at.is_(None),
            Identity.identity.like(f"{platform}:%"),
        )
        .distinct()
    ).all()
    for member in candidates:
        if member.id not in present:
            _leave_if_gone(session, member, circle, now, changes)
    return changes


def _members_for(
    session: Session, community: Community, people: Mapping[str, str | None], config: Config, now: datetime
) -> dict[str, Member]:
    """identity -> member for everyone listed, in a few statements: the known ones loaded, the others created."""
    found: dict[str, Member] = {}
    wanted = list(people)
    for start in range(0, len(wanted), BATCH):
        chunk = wanted[start : start + BATCH]
        rows = session.execute(
            select(Identity.identity, Member)
            .join(Member, Member.id == Identity.member_id)
            .where(Identity.identity.in_(chunk))
        )
        found.update((identity, member) for identity, member in rows)
    _keep_names(session, found, people)
    for identity, member in found.items():
        if identity in config.facilitators:
            member.role = Role.FACILITATOR
    new = {
        identity: Member(
            community_id=community.id,
            display_name=(clean_name(name) or identity.split(":", 1)[-1])[:200],
            role=Role.FACILITATOR if identity in config.facilitators else Role.PARTNER,
            language=None,
            muted=False,
            created_at=now,
        )
        for identity, name in people.items()
        if identity not in found
    }
    if new:
        session.add_all(new.values())
        session.flush()
        session.add_all(Identity(member_id=member.id, identity=identity) for identity, member in new.items())
        session.flush()
    return {**found, **new}


def _keep_names(session: Session, found: dict[str, Member], people: Mapping[str, str | None]) -> None:
    """Names as the platform shows them; a member with several accounts keeps the name of its oldest one."""
    renamed = {identity: member for identity, member in found.items() if _renamed(member, people[identity])}
    if not renamed:
        return
    oldest = session.scalars(
        select(func.min(Identity.id))
        .where(Identity.member_id.in_({member.id for member in renamed.values()}))
        .group_by(Identity.member_id)
    ).all()
    firsts = set(session.scalars(select(Identity.identity).where(Identity.id.in_(oldest))))
    for identity, member in renamed.items():
        if identity in firsts:
            member.display_name = (clean_name(people[identity]) or member.display_name)[:200]


def _renamed(member: Member, name: str | None) -> bool:
    cleaned = clean_name(name)
    return bool(cleaned) and member.display_name != (cleaned or "")[:200]


def _enter(
    session: Session,
    circle: Circle,
    channel: str,
    members: list[Member],
    config: Config,
    now: datetime,
    changes: MembershipChanges,
) -> None:
    """Everyone in `members` is in the channel and in its circle (newcomers by the late-joiner rule)."""
    ids = [member.id for member in members]
    there = set(session.scalars(select(ChannelMember.member_id).where(ChannelMember.channel == channel)))
    session.add_all(ChannelMember(channel=channel, member_id=i, since=now) for i in ids if i not in there)
    rows = {
        row.member_id: row for row in session.scalars(select(CircleMember).where(CircleMember.circle_id == circle.id))
    }
    entering = [member for member in members if member.id not in rows or not rows[member.id].active]
    if entering:
        recent = session.scalars(
            select(Item.number)
            .where(Item.circle_id == circle.id, Item.must_read.is_(True))
            .order_by(Item.number.desc())
            .limit(max(config.late_joiner_items, 0))
        ).all()
        backlog = config.late_joiner_items > 0 and recent
        audience_from = min(recent) if backlog else _next_number(session, circle.community_id)
        for member in entering:
            row = rows.get(member.id)
            if row is None:
                session.add(
                    CircleMember(circle_id=circle.id, member_id=member.id, joined_at=now, audience_from=audience_from)
                )
            else:
                row.joined_at, row.audience_from, row.audience_until, row.left_at = now, audience_from, None, None
            changes.joined.append(member.display_name)
    session.flush()


def unlink_channel(session: Session, channel: str, now: datetime) -> MembershipChanges:
    """The channel no longer belongs to its circle; its people leave it unless in another of its channels."""
    changes = MembershipChanges()
    mapping = session.scalar(select(CircleChannel).where(CircleChannel.channel == channel))
    if mapping is None:
        return changes
    circle = mapping.circle
    member_ids = list(session.scalars(select(ChannelMember.member_id).where(ChannelMember.channel == channel)))
    session.execute(delete(ChannelMember).where(ChannelMember.channel == channel))
    session.delete(mapping)
    session.flush()
    session.expire(circle, ["channels"])
    for member in session.scalars(select(Member).where(Member.id.in_(member_ids))):
        _leave_if_gone(session, member, circle, now, changes)
    return changes
