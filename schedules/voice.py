"""How scheduled posts speak: the language, the zone, "now", and the shared line formats."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.dates import When, format_when
from bot.i18n import Translator, translator
from bot.markup import bold, esc
from bot.models import Commitment, Community, Item, Meeting, Member
from bot.services.commitments import is_overdue
from bot.services.levels import Coverage
from bot.text import first_words, is_abbreviated


@dataclass(frozen=True)
class Voice:
    language: str
    zone: ZoneInfo
    now: datetime

    @staticmethod
    def of(community: Community, now: datetime, language: str | None = None) -> Voice:
        return Voice(language or community.language, ZoneInfo(community.timezone), now)

    def for_member(self, member: Member) -> Voice:
        return Voice(member.language or self.language, self.zone, self.now)

    @property
    def tr(self) -> Translator:
        return translator(self.language)

    def t(self, message: str, **values: object) -> str:
        return self.tr.t(message, **values)

    def tn(self, singular: str, plural: str, count: int, **values: object) -> str:
        return self.tr.tn(singular, plural, count, **values)

    def when(self, moment: datetime, has_time: bool = True) -> str:
        """Absolute: "jeudi 3 décembre 2026 à 14:00"."""
        return format_when(When(moment.astimezone(self.zone), has_time), self.language)

    def day(self, moment: datetime) -> str:
        return self.when(moment, has_time=False)


def person(member: Member | None) -> str:
    if member is None:
        return "Relais"
    name = esc(member.display_name, 80)
    if member.organisation is not None:
        return f"{name} ({esc(member.organisation.name, 80)})"
    return name


def due_text(voice: Voice, commitment: Commitment) -> str:
    if commitment.due_at is None:
        return voice.t("no due date")
    when = voice.when(commitment.due_at, commitment.due_has_time)
    if is_overdue(commitment, voice.now, voice.zone):
        return voice.t("was due {when}", when=when)
    return voice.t("due {when}", when=when)


def commitment_line(voice: Voice, commitment: Commitment, with_due: bool = True) -> str:
    line = f"• #{commitment.number} {bold(esc(commitment.title, 120))} — {person(commitment.owner)}"
    if with_due:
        line += f" · {due_text(voice, commitment)}"
    if commitment.progress is not None and commitment.status == "open" and 0 < commitment.progress < 100:
        line += f" · {commitment.progress} %"
    return line


def read_by(voice: Voice, cov: Coverage | None) -> str:
    if cov is None or not cov.audience:
        return ""
    return " — " + voice.t("read by {count} of {total}", count=cov.acknowledged, total=cov.audience)


def item_line(voice: Voice, item: Item, cov: Coverage | None = None, words: int = 70) -> str:
    author = esc(item.author.display_name, 60) if item.author else "Relais"
    line = "• " + voice.t(
        "#{number} {author}: “{text}”", number=item.number, author=author, text=esc(first_words(item.text, words))
    )
    if is_abbreviated(item.text, words):
        line += " " + voice.t("(in full: /show #{number})", number=item.number)
    return line + read_by(voice, cov)


def meeting_when(voice: Voice, meeting: Meeting) -> str:
    """ "jeudi 3 décembre 2026 à 14:00 — salle du conseil"."""
    text = voice.when(meeting.starts_at)
    if meeting.place:
        text += f" — {esc(meeting.place, 200)}"
    return text


def meeting_line(voice: Voice, meeting: Meeting, with_circle: bool = False) -> str:
    circle = f" ({esc(meeting.item.circle.name, 60)})" if with_circle else ""
    return f"• #{meeting.number} {bold(esc(meeting.title, 120))}{circle} — {meeting_when(voice, meeting)}"


def capped(voice: Voice, lines: list[str], limit: int) -> list[str]:
    """At most `limit` lines, then "… and N more"."""
    if len(lines) <= limit:
        return lines
    return [*lines[:limit], voice.t("… and {count} more.", count=len(lines) - limit)]


def section(title: str, lines: list[str]) -> list[str]:
    return [bold(title), *lines] if lines else []


def late_note(voice: Voice, due_at: datetime) -> str:
    return "⏰ " + voice.t("Posted late: this was due {when}, while Relais was not running.", when=voice.when(due_at))
