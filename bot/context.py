"""What a command handler gets: who, where, when, the open unit of work, and the language.

A Context is the Localiser of its reply (bot.presentation): ctx.t, ctx.tn, ctx.when, ctx.day
write in the actor's language and the community's timezone; ctx.public writes what everyone
in a circle reads, in the community's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.config import Config
from bot.i18n import CommandSpelling
from bot.models import Circle, Community, Member
from bot.presentation import Localiser
from bot.reply import Incoming


@dataclass
class Context(Localiser):
    session: Session
    community: Community
    actor: Member
    circle: Circle
    now: datetime
    config: Config
    incoming: Incoming
    unlinked: bool = False  # said in a room that is linked to no circle (facilitators may link it)
    commands: CommandSpelling | None = None  # how the speaker types a command on their platform (bot.spelling)
    circle_commands: CommandSpelling | None = None  # how a post to a circle names them (bot.spelling: circles)

    @property
    def language(self) -> str:
        return self.actor.language or self.community.language

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.community.timezone)

    @property
    def public(self) -> Localiser:
        """Whom a post to a circle is written for: everyone in it, so in the community's language; its
        commands spelled for the one platform Relais runs on; on Slack and Matrix at once, as slots the
        outbox fills in for each room (a post is written once for all the circle's rooms)."""
        return Localiser.of(self.community, self.now, commands=self.circle_commands)
