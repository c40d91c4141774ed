"""The dispatcher: Incoming -> member, circle, command -> handler in one unit of work -> Reply."""

from __future__ import annotations

import logging
from contextlib import nullcontext
from dataclasses import dataclass, field, replace

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.config import Config
from bot.context import Context
from bot.dates import When
from bot.db import Store, commit_in_one_round_trip, insert_new_rows, is_lock_conflict
from bot.dedup import already_recorded, claimed_first, claimed_first_with, first_time, record
from bot.errors import Refusal, Term, UsageError
from bot.i18n import N_, Keywords, translator
from bot.models import Circle, Community, Member, OutboxMessage
from bot.outbox import LIVE_PLATFORMS, WITH_COMMIT, enqueue_reply
from bot.presentation import unknown_command, usage_text
from bot.reply import Incoming, Reply
from bot.router import Command, Router, invoke, split_command
from bot.services.community import (
    circle_for_channel,
    ensure_circle,
    ensure_community,
    find_community,
    member_for_identity,
)
from bot.services.directory import directory_of, usable
from bot.services.membership import (
    active_circles,
    admitted_member,
    find_by_identity,
    join_circle,
    mapped_circle,
    present_in_channel,
)
from bot.services.speakers import read_with_claim, versions_query
from bot.spelling import Spellings, register
from bot.text import clean_input, clean_name

log = logging.getLogger(__name__)
MAX_LINE = 20_000
CONSOLE = "console:"
STRANGER = N_(
    "Sorry, I only answer the members of this community of action, and I do not find you in any of its "
    "circles. If you take part, ask its facilitator to add you to a circle's room or channel."
)
UNLINKED = N_(
    "This room is not linked to a circle of the community, so I do nothing here. A facilitator can link it "
    "by typing /map <circle> here (or in the configuration)."
)
MAP_COMMANDS = frozenset({"map", "help"})


class NotAdmitted(Refusal):
    """The speaker may not use Relais here: a stranger, or a room that belongs to no circle."""


@dataclass
class Dispatcher:
    store: Store
    config: Config
    clock: Clock
    router: Router
    spellings: Spellings = field(init=False)  # how commands are typed on each platform, in what Relais writes

    def __post_init__(self) -> None:
        self.spellings = Spellings.of(self.router, self.config)
        register(self.store.extensions, self.spellings)  # for what is written outside a command (digests)

    def setup(self) -> None:
        """Create the community and its circles from the config (idempotent)."""
        with self.store.unit_of_work() as session:
            ensure_community(session, self.config, self.clock.now())

    def handle(self, incoming: Incoming, deliver: bool = False) -> Reply | None:
        """Handle one command line. Returns None for an event already handled (a retry).

        With `deliver`, the reply's posts are written to the outbox in the same transaction
        as the command's effects: both happen, or neither.
        """
        incoming = replace(incoming, text=clean_input(incoming.text), display_name=clean_name(incoming.display_name))
        command = self.router.find(split_command(incoming.text)[0])
        if command is not None and command.reads_only:
            try:
                return self._once(incoming, deliver, reading=True)
            except OperationalError as error:
                if not is_lock_conflict(error):
                    return self._failure(incoming, deliver)
                log.info("a reading command met a writer; run again with the write lock")
        return self._once(incoming, deliver, reading=False)

    def _once(self, incoming: Incoming, deliver: bool, reading: bool, again: bool = False) -> Reply | None:
        """One attempt in one transaction. On SQLite the event id is looked up first and recorded last,
        so that a reading command takes the write lock only at the very end (the unique constraint still
        keeps one winner); on PostgreSQL it is recorded first, by the statement that looks it up, sent with
        BEGIN (bot.dedup.claimed_first), and a reading command's answer is written with COMMIT: a round trip each.
        A connection found lost (the server gone without a word on the socket) runs it again, once: the
        claim, in the same transaction, keeps it from running twice if its COMMIT went through after all."""
        source = incoming.identity.split(":", 1)[0]
        early = incoming.event_id is not None and self.store.dialect == "postgresql"
        try:
            with self.store.unit_of_work(reading=reading) as session:
                if early and not self._claimed(session, source, incoming):
                    return None
                if incoming.event_id and not early and not self._first_time(session, incoming, record=False):
                    return None
                reply = self._handle(session, incoming)
                if deliver:  # a reading command's rows are written last, by plain INSERTs (bot.db.insert_new_rows)
                    session.info[WITH_COMMIT] = reading  # on PostgreSQL with the COMMIT, in one round trip
                    enqueue_reply(session, reply, self.clock.now(), incoming)
                if reading and not (early and commit_in_one_round_trip(session, (OutboxMessage,))):
                    insert_new_rows(session, (OutboxMessage,))
                if incoming.event_id and not early:  # recorded meanwhile by another process: IntegrityError
                    record(session, source, incoming.event_id, self.clock)
                return reply
        except IntegrityError:
            if incoming.event_id and self._already_processed(incoming):
                log.info("event %s handled concurrently by another process; ignored", incoming.event_id)
                return None
            return self._failure(incoming, deliver)
        except OperationalError as error:
            if reading and is_lock_conflict(error):
                raise
            if early and error.connection_invalidated and not again:  # its claim keeps it from running twice
                log.warning("the database connection was lost; the command runs again on a new one")
                return self._once(incoming, deliver, reading, again=True)
            return self._failure(incoming, deliver)
        except Exception:
            return self._failure(incoming, deliver)

    def _claimed(self, session: Session, source: str, incoming: Incoming) -> bool:
        """PostgreSQL: the event claimed with BEGIN; in a circle's room, the speaker's row versions read in the
        same round trip (bot.services.speakers: their rows then come from the cache when unchanged)."""
        circle_id = None if incoming.direct else directory_of(self.store).circle_id(incoming.channel)
        if circle_id is None or incoming.identity.startswith(CONSOLE):
            return claimed_first(session, source, str(incoming.event_id), self.clock)
        key = (incoming.identity, incoming.channel, circle_id)
        claimed, row = claimed_first_with(session, source, str(incoming.event_id), self.clock, versions_query(*key))
        if claimed and row is not None:
            read_with_claim(session, *key, row)
        return claimed

    def _failure(self, incoming: Incoming, deliver: bool) -> Reply:
        """An unexpected error: everything was rolled back; say so rather than stay silent."""
        log.exception("command failed: %r", incoming.text[:200])
        tr = translator(self.language_of(incoming), self.spellings.on(incoming.identity))
        reply = Reply.say(tr.t("Something went wrong on my side; nothing was changed."), ok=False)
        if deliver:
            with self.store.unit_of_work() as session:
                enqueue_reply(session, reply, self.clock.now(), incoming)
        return reply

    def language_of(self, incoming: Incoming, session: Session | None = None) -> str:
        """The speaker's language (theirs, else the platform's hint, else the community's).

        Inside a command, pass its `session` (a second unit of work would wait for the first on
        SQLite); after a failure, a fresh one is opened.
        """
        try:
            if session is not None:
                member = find_by_identity(session, incoming.identity)
            else:
                with self.store.unit_of_work(reading=True) as fresh:
                    member = find_by_identity(fresh, incoming.identity)
                    language = member.language if member is not None else None
                    member = None if language is None else member
            if member is not None and member.language:
                return member.language
        except Exception:  # the store itself may be what failed
            log.warning("could not read the language of %s", incoming.identity)
        return incoming.language if incoming.language in ("fr", "en") else self.config.language

    def _already_processed(self, incoming: Incoming) -> bool:
        with self.store.unit_of_work() as session:
            return not self._first_time(session, incoming, record=False)

    def community(self, session: Session) -> Community:
        directory = usable(session)
        if directory is not None:
            community = directory.community(session, self.config.community_name)
        else:
            community = find_community(session, self.config.community_name)
        return community or ensure_community(session, self.config, self.clock.now())

    def member(self, session: Session, identity: str, display_name: str | None = None) -> Member:
        """The member behind a platform identity (created on first contact, in no circle)."""
        community = self.community(session)
        return member_for_identity(session, community, identity, display_name, self.config, self.clock.now())

    def admitted(
        self, session: Session, identity: str, display_name: str | None = None, channel: str | None = None
    ) -> Member | None:
        """The member behind an identity if they belong here; None for a stranger (nothing is stored).

        Someone the platform shows in a circle's channel (`channel` mapped) is a member of its circle;
        elsewhere only people already in a circle, facilitators, and console identities get in.
        """
        community = self.community(session)
        now = self.clock.now()
        if identity.startswith(CONSOLE):
            return member_for_identity(session, community, identity, display_name, self.config, now)
        circle = mapped_circle(session, channel)
        if circle is not None and channel is not None:
            return present_in_channel(session, community, circle, channel, identity, display_name, self.config, now)
        return admitted_member(session, community, identity, display_name, self.config, now)

    def context_for(self, session: Session, incoming: Incoming) -> Context:
        """Who speaks, where. Raises NotAdmitted for a stranger, or in a room linked to no circle.

        In a circle's channel the speaker is a member of its circle (the platform shows them
        there). In a direct chat, or in a room that is not linked, only someone who already
        belongs (in a circle now, or a facilitator) gets in; nothing is stored for anyone else.
        The console keeps its own rule: a console channel names its circle.
        """
        now = self.clock.now()
        community = self.community(session)
        if incoming.identity.startswith(CONSOLE):
            actor = member_for_identity(
                session, community, incoming.identity, incoming.display_name, self.config, now, incoming.language
            )
            circle = circle_for_channel(session, community, incoming.channel, self.config.default_circle)
            join_circle(session, actor, circle, now, self.config.late_joiner_items)
            only = self.spellings.circles
            return Context(session, community, actor, circle, now, self.config, incoming, circle_commands=only)
        spelling = self.spellings.on(incoming.identity)
        mapped = None if incoming.direct else mapped_circle(session, incoming.channel)
        if mapped is not None:
            actor = present_in_channel(
                session,
                community,
                mapped,
                incoming.channel,
                incoming.identity,
                incoming.display_name,
                self.config,
                now,
                incoming.language,
                cached=True,
            )
            return Context(
                session, community, actor, mapped, now, self.config, incoming, False, spelling, self.spellings.circles
            )
        member = admitted_member(session, community, incoming.identity, incoming.display_name, self.config, now)
        if member is None:
            raise NotAdmitted(STRANGER)
        circle = self.home_circle(session, community, member)
        ctx = Context(
            session, community, member, circle, now, self.config, incoming, False, spelling, self.spellings.circles
        )
        if not incoming.direct:
            ctx.unlinked = True
        return ctx

    def home_circle(self, session: Session, community: Community, member: Member) -> Circle:
        """Where a member's words go from a direct chat: their one circle, the default one, or the first."""
        circles = active_circles(session, member.id)
        if len(circles) == 1:
            return circles[0]
        default = ensure_circle(session, community, self.config.default_circle)
        if not circles or any(circle.id == default.id for circle in circles):
            return default
        return circles[0]

    def _first_time(self, session: Session, incoming: Incoming, record: bool = True) -> bool:
        """True if this platform event was not handled before (and, with `record`, remember it)."""
        assert incoming.event_id is not None
        source = incoming.identity.split(":", 1)[0]
        if not record:
            return not already_recorded(session, source, incoming.event_id)
        return first_time(session, source, incoming.event_id, self.clock)

    def _handle(self, session: Session, incoming: Incoming) -> Reply:
        try:
            ctx = self.context_for(session, incoming)
        except NotAdmitted as refused:
            tr = translator(self.language_of(incoming, session), self.spellings.on(incoming.identity))
            return Reply.say(tr.t(refused.message), ok=False)
        if len(incoming.text) > MAX_LINE:
            return Reply.say(
                ctx.t(
                    "This message is too long ({length} characters; at most {limit}). Nothing was saved.",
                    length=len(incoming.text),
                    limit=MAX_LINE,
                ),
                ok=False,
            )
        platform = incoming.identity.split(":", 1)[0]
        if platform in LIVE_PLATFORMS and ctx.actor.last_platform != platform:
            ctx.actor.last_platform = platform  # where personal messages reach them (bot.outbox.reach_on)
        name, rest = split_command(incoming.text)
        if not name:
            return Reply.say(ctx.t("Type /help to see what I can do."), ok=False)
        command = self.router.find(name, incoming.identity)  # /react is the console's only
        if ctx.unlinked and (command is None or command.name not in MAP_COMMANDS or not ctx.actor.is_facilitator):
            return Reply.say(ctx.t(UNLINKED), ok=False)
        if command is None:
            return self._unknown(ctx, name)
        return self.run(ctx, command, rest)

    def run(self, ctx: Context, command: Command, rest: str) -> Reply:
        """Run a handler inside a savepoint: a refusal undoes everything it changed. A command that
        changes nothing (reads_only) needs none: two round trips fewer to PostgreSQL."""
        try:
            with nullcontext() if command.reads_only else ctx.session.begin_nested():
                return invoke(ctx, command, rest)
        except UsageError as error:
            usage = usage_text(ctx, command, split_command(ctx.incoming.text)[0])
            text = refusal_text(ctx, error) + "\n" + ctx.t("Usage: {usage}", usage=usage)
            return Reply.say(text, ok=False)
        except Refusal as error:
            return Reply.say(refusal_text(ctx, error), ok=False)

    def _unknown(self, ctx: Context, name: str) -> Reply:
        return Reply.say(unknown_command(ctx, self.router, name, ctx.incoming.identity), ok=False)


def refusal_text(ctx: Context, error: Refusal) -> str:
    def localise(value: object) -> object:
        if isinstance(value, When):
            return ctx.when(value.at, value.has_time)
        if isinstance(value, Term):
            return ctx.t(value)
        if isinstance(value, Keywords):
            return value.localised(ctx.tr)
        return value

    values = {key: localise(value) for key, value in error.values.items()}
    return ctx.t(error.message, **values)
