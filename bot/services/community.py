"""Setting up the community from the config, and finding or creating members and circles."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from sqlalchemy import and_, bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.config import Config
from bot.kinds import CommitmentStatus, Role
from bot.models import (
    ChannelMember,
    Circle,
    CircleChannel,
    CircleMember,
    Commitment,
    Community,
    Identity,
    Member,
    Organisation,
    rebuild_reading,
)
from bot.text import clean_name, fold, slugify

T = TypeVar("T")


def create_once(session: Session, build: Callable[[], T], find: Callable[[], T | None]) -> T:
    """Insert what `build` adds, in a savepoint; if another process created it meanwhile, the existing one.

    Check-then-insert races when several processes start at once on one database (PostgreSQL):
    the unique constraint decides, and the loser reads the winner's row.
    """
    try:
        with session.begin_nested():
            row = build()
            session.flush()
        return row
    except IntegrityError:
        found = find()
        if found is None:
            raise
        return found


def find_community(session: Session, name: str) -> Community | None:
    return session.scalar(select(Community).where(Community.name == name))


def ensure_community(session: Session, config: Config, now: datetime) -> Community:
    """The community named in the config, created with its circles on first start."""
    community = find_community(session, config.community_name)
    if community is None:

        def build() -> Community:
            made = Community(
                name=config.community_name,
                language=config.language,
                timezone=config.timezone,
                next_number=0,
                created_at=now,
            )
            session.add(made)
            return made

        community = create_once(session, build, lambda: find_community(session, config.community_name))
    else:
        community.language = config.language
        if community.timezone != config.timezone:  # weeks of the reading summary follow the timezone
            community.timezone = config.timezone
            session.flush()
            circles = session.scalars(select(Circle.id).where(Circle.community_id == community.id))
            rebuild_reading(session.connection(), circles=list(circles))
    demote_former_facilitators(session, community, config)
    ensure_circle(session, community, config.default_circle)
    for circle_config in config.circles:
        circle = ensure_circle(session, community, circle_config.name)
        for channel in circle_config.channels:
            map_channel(session, circle, channel)
    return community


def demote_former_facilitators(session: Session, community: Community, config: Config) -> list[str]:
    """Facilitators the configuration named and names no more are partners again (on start)."""
    named = set(config.facilitators)
    rows = session.execute(
        select(Member, Identity.identity)
        .join(Identity, Identity.member_id == Member.id)
        .where(Member.community_id == community.id, Member.role_from_config.is_(True))
    ).all()
    identities: dict[int, list[str]] = {}
    members: dict[int, Member] = {}
    for member, identity in rows:
        identities.setdefault(member.id, []).append(identity)
        members[member.id] = member
    demoted = []
    for member_id, owned in identities.items():
        if not named.intersection(owned):
            member = members[member_id]
            member.role, member.role_from_config = Role.PARTNER, False
            demoted.append(member.display_name)
    return demoted


def ensure_circle(session: Session, community: Community, name: str) -> Circle:
    slug = slugify(name)

    def find() -> Circle | None:
        return session.scalar(select(Circle).where(Circle.community_id == community.id, Circle.slug == slug))

    def build() -> Circle:
        made = Circle(community_id=community.id, name=" ".join(name.split())[:200], slug=slug)
        session.add(made)
        return made

    return find() or create_once(session, build, find)


def find_circle(session: Session, community: Community, name: str) -> Circle | None:
    """A circle by name or slug (`#copil`, `GT Mobilité`), or by an unambiguous start (`#gt`)."""
    wanted = slugify(name.strip().lstrip("#"))
    circles = session.scalars(select(Circle).where(Circle.community_id == community.id)).all()
    exact = [circle for circle in circles if circle.slug == wanted]
    if exact:
        return exact[0]
    starts = [circle for circle in circles if circle.slug.startswith(wanted)]
    return starts[0] if len(starts) == 1 else None


def map_channel(session: Session, circle: Circle, channel: str) -> None:
    def find() -> CircleChannel | None:
        return session.scalar(select(CircleChannel).where(CircleChannel.channel == channel))

    def build() -> CircleChannel:
        made = CircleChannel(circle_id=circle.id, channel=channel)
        session.add(made)
        return made

    mapping = find() or create_once(session, build, find)
    if mapping.circle_id != circle.id:
        mapping.circle_id = circle.id


def circle_for_channel(session: Session, community: Community, channel: str | None, default_name: str) -> Circle:
    """The circle a channel is mapped to; a console channel names its circle; else the default."""
    if channel:
        mapping = session.scalar(select(CircleChannel).where(CircleChannel.channel == channel))
        if mapping is not None:
            return mapping.circle
        if channel.startswith("console:"):
            circle = ensure_circle(session, community, channel.removeprefix("console:"))
            map_channel(session, circle, channel)
            return circle
    return ensure_circle(session, community, default_name)


def first_account(session: Session, identity: Identity) -> bool:
    """Is this the member's oldest account? Its name is the member's (linked accounts keep one name)."""
    oldest = session.scalar(select(func.min(Identity.id)).where(Identity.member_id == identity.member_id))
    return oldest is None or oldest == identity.id


def member_for_identity(
    session: Session,
    community: Community,
    identity: str,
    display_name: str | None,
    config: Config,
    now: datetime,
    language: str | None = None,
    known: Identity | None = None,
) -> Member:
    """The member behind a platform identity, created on first contact; names kept fresh.

    `language` (fr|en, from the platform) is the new member's language when it is not the
    community's; afterwards only /lang changes it. `known`: the identity's row, already read.
    """
    display_name = clean_name(display_name)
    found = known if known is not None else session.scalar(select(Identity).where(Identity.identity == identity))
    role = Role.FACILITATOR if identity in config.facilitators else None
    if found is not None:
        member = session.get_one(Member, found.member_id)
        if display_name and member.display_name != display_name and first_account(session, found):
            member.display_name = display_name
        if role and (member.role != role or not member.role_from_config):
            member.role, member.role_from_config = role, True
        return member

    def build() -> Member:
        made = Member(
            community_id=community.id,
            display_name=(display_name or identity.split(":", 1)[-1])[:200],
            role=role or Role.PARTNER,
            role_from_config=role is not None,
            language=language if language in ("fr", "en") and language != community.language else None,
            muted=False,
            created_at=now,
        )
        session.add(made)
        session.flush()
        session.add(Identity(member_id=made.id, identity=identity))
        return made

    def find() -> Member | None:
        return session.scalar(
            select(Member).join(Identity, Identity.member_id == Member.id).where(Identity.identity == identity)
        )

    return create_once(session, build, find)


def find_organisation(session: Session, community: Community, name: str) -> list[Organisation]:
    wanted = fold(name)
    organisations = session.scalars(select(Organisation).where(Organisation.community_id == community.id)).all()
    exact = [org for org in organisations if fold(org.name) == wanted]
    return exact or [org for org in organisations if wanted and wanted in fold(org.name)]


def ensure_organisation(session: Session, community: Community, name: str) -> Organisation:
    wanted = " ".join(name.split())[:200]
    found = [org for org in find_organisation(session, community, wanted) if fold(org.name) == fold(wanted)]
    if found:
        return found[0]

    def build() -> Organisation:
        made = Organisation(community_id=community.id, name=wanted)
        session.add(made)
        return made

    def find() -> Organisation | None:
        return session.scalar(
            select(Organisation).where(Organisation.community_id == community.id, Organisation.name == wanted)
        )

    return find() or create_once(session, build, find)


def find_members(session: Session, community: Community, reference: str) -> list[Member]:
    """Members matching `@name`, a display name, or a platform identity."""
    wanted = reference.strip().lstrip("@")
    by_identity = session.scalar(
        select(Member)
        .join(Identity, Identity.member_id == Member.id)
        .where(Identity.identity.in_([wanted, reference.strip()]), Member.community_id == community.id)
    )
    if by_identity is not None:
        return [by_identity]
    folded = fold(wanted)
    candidates = session.scalars(
        select(Member).where(Member.community_id == community.id, func.length(Member.display_name) > 0)
    ).all()
    exact = [member for member in candidates if fold(member.display_name) == folded]
    if exact:
        return exact
    identities = session.execute(
        select(Identity.identity, Identity.member_id)
        .join(Member, Member.id == Identity.member_id)
        .where(Member.community_id == community.id)
    ).all()
    by_local = {member_id for identity, member_id in identities if fold(identity.rsplit(":", 1)[-1]) == folded}
    if by_local:
        return [member for member in candidates if member.id in by_local]
    return [member for member in candidates if folded and fold(member.display_name).startswith(folded)]


def set_organisation(session: Session, member: Member, organisation: Organisation) -> int:
    """Move a member to an organisation; their open commitments follow (filters, rights, exports).

    Closed commitments keep the organisation they were carried for. Returns how many moved.
    """
    member.organisation_id = organisation.id
    member.organisation = organisation
    result = session.execute(
        update(Commitment)
        .where(Commitment.owner_id == member.id, Commitment.status == CommitmentStatus.OPEN)
        .values(organisation_id=organisation.id)
        .execution_options(synchronize_session="fetch")
    )
    session.flush()
    return int(result.rowcount or 0)


Speaker = tuple[Identity, Member, ChannelMember | None, CircleMember | None]
# built once: a statement made at every command costs more to build and key than to run (PostgreSQL: 0.2 ms)
SPEAKER_ROWS = (
    select(Identity, Member, ChannelMember, CircleMember)
    .join(Member, Member.id == Identity.member_id)
    .outerjoin(ChannelMember, and_(ChannelMember.member_id == Member.id, ChannelMember.channel == bindparam("channel")))
    .outerjoin(CircleMember, and_(CircleMember.member_id == Member.id, CircleMember.circle_id == bindparam("circle")))
    .where(Identity.identity == bindparam("identity"))
)


def speaker_rows(session: Session, identity: str, channel: str, circle_id: int) -> Speaker | None:
    """In one round trip, what a command in a mapped channel reads of its speaker: their identity, the
    member, and their rows in the channel and the circle (None for someone new). While the caller
    holds them, member_for_identity and join_circle find them in the session without a query each
    (the session's identity map keeps only the objects someone holds)."""
    row = session.execute(SPEAKER_ROWS, {"channel": channel, "circle": circle_id, "identity": identity}).first()
    return None if row is None else (row[0], row[1], row[2], row[3])
