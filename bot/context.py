"""What a command handler gets: who, where, when, the open unit of work, and the language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.config import Config
from bot.i18n import Translator, translator
from bot.models import Circle, Community, Member
from bot.reply import Incoming


@dataclass
class Context:
    session: Session
    community: Community
    actor: Member
    circle: Circle
    now: datetime
    config: Config
    incoming: Incoming
    unlinked: bool = False  # said in a room that is linked to no circle (facilitators may link it)

    @property
    def language(self) -> str:
        return self.actor.language or self.community.language

    @property
    def tr(self) -> Translator:
        return translator(self.language)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.community.timezone)

    @property
    def local_now(self) -> datetime:
        return self.now.astimezone(self.tz)

    def t(self, message: str, **values: object) -> str:
        return self.tr.t(message, **values)

    def tn(self, singular: str, plural: str, count: int, **values: object) -> str:
        return self.tr.tn(singular, plural, count, **values)
