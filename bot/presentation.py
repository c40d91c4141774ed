"""How things are shown: members, commitments, items, meetings, dates and ages (markup, see bot.markup).

Every view goes through here — command replies, scheduled posts, the command line and the
adapters — so that no two of them say the same thing differently.

A Localiser is whom a text is written for: their language (`t`, `tn`), the community's timezone
(`when`, `day`: dates always absolute) and the moment of writing (`now`, for ages and delays).
A command's Context is one; `Localiser.of(community, now)` makes one for a scheduled post or the
command line, and `for_member` one for a direct message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.dates import When, format_when
from bot.i18n import Translator, translator
from bot.markup import bold, esc
from bot.models import Commitment, Community, Item, Meeting, Member
from bot.reply import Post
from bot.services.commitments import is_overdue
from bot.text import first_words, is_abbreviated

if TYPE_CHECKING:
    from bot.services.levels import Coverage


class Localiser:
    """Writes for one reader: translates into their language, dates in the community's timezone."""

    if TYPE_CHECKING:  # fields of a FixedLocaliser, properties of a command's Context

        @property
        def language(self) -> str: ...

        @property
        def tz(self) -> ZoneInfo: ...

        @property
        def now(self) -> datetime: ...

    @staticmethod
    def of(community: Community, now: datetime, language: str | None = None) -> Localiser:
        """The community's language (or `language`) and timezone, at `now`."""
        return FixedLocaliser(language or community.language, ZoneInfo(community.timezone), now)

    def for_member(self, member: Member) -> Localiser:
        """The same moment and zone, in the member's own language if they chose one."""
        return FixedLocaliser(member.language or self.language, self.tz, self.now)

    @property
    def tr(self) -> Translator:
        return translator(self.language)

    def t(self, message: str, **values: object) -> str:
        return self.tr.t(message, **values)

    def tn(self, singular: str, plural: str, count: int, **values: object) -> str:
        return self.tr.tn(singular, plural, count, **values)

    def when(self, moment: datetime, has_time: bool = True) -> str:
        """Absolute, in the community's timezone: "jeudi 3 décembre 2026 à 14:00"."""
        return format_when(When(moment.astimezone(self.tz), has_time), self.language)

    def day(self, moment: datetime) -> str:
        return self.when(moment, has_time=False)


@dataclass(frozen=True)
class FixedLocaliser(Localiser):
    """A Localiser outside a command: a scheduled post, a direct message, the command line."""

    language: str
    tz: ZoneInfo
    now: datetime


# Members, dates and ages


def member_label(member: Member | None) -> str:
    """ "Claire (Mairie)"; Relais itself when there is nobody."""
    if member is None:
        return "Relais"
    name = esc(member.display_name, 80)
    if member.organisation is not None:
        return f"{name} ({esc(member.organisation.name, 80)})"
    return name


def when_label(loc: Localiser, when: When) -> str:
    return loc.when(when.at, when.has_time)


def age_label(loc: Localiser, then: datetime) -> str:
    minutes = int((loc.now - then).total_seconds() // 60)
    if minutes < 60:
        return loc.tn("{count} min ago", "{count} min ago", max(minutes, 0))
    hours = minutes // 60
    if hours < 48:
        return loc.tn("{count} hour ago", "{count} hours ago", hours)
    return loc.tn("{count} day ago", "{count} days ago", hours // 24)


def duration(loc: Localiser, delta: timedelta) -> str:
    """ "90 min", "24 h"."""
    minutes = int(delta.total_seconds() // 60)
    if minutes % 60:
        return loc.t("{count} min", count=minutes)
    return loc.t("{count} h", count=minutes // 60)


# Commitments


def status_label(loc: Localiser, status: str) -> str:
    return {"open": loc.t("open"), "done": loc.t("done"), "dropped": loc.t("dropped")}.get(status, status)


def commitment_title(commitment: Commitment) -> str:
    return f"#{commitment.number} {bold(esc(commitment.title, 120))}"


def due_text(loc: Localiser, commitment: Commitment, flag_overdue: bool = False) -> str:
    """ "due …", or when it is overdue "was due …" (or, with `flag_overdue`, "due … ⚠️ *overdue*")."""
    if commitment.due_at is None:
        return loc.t("no due date")
    when = loc.when(commitment.due_at, commitment.due_has_time)
    if not is_overdue(commitment, loc.now, loc.tz):
        return loc.t("due {when}", when=when)
    if flag_overdue:
        return loc.t("due {when}", when=when) + " ⚠️ " + bold(loc.t("overdue"))
    return loc.t("was due {when}", when=when)


def commitment_line(loc: Localiser, commitment: Commitment) -> str:
    """One commitment in full, as /actions lists it: owner, circle, due date, progress or status."""
    parts = [
        commitment_title(commitment),
        member_label(commitment.owner),
        esc(commitment.item.circle.name, 60),
        due_text(loc, commitment, flag_overdue=True),
    ]
    if commitment.progress is not None and commitment.status == "open":
        parts.append(f"{commitment.progress} %")
    if commitment.status != "open":
        parts.append(status_label(loc, commitment.status))
    return " · ".join(parts)


def commitment_bullet(loc: Localiser, commitment: Commitment, with_due: bool = True) -> str:
    """One commitment in a post (recap, agenda, digest): "• #N *title* — owner · due … · 40 %"."""
    line = f"• {commitment_title(commitment)} — {member_label(commitment.owner)}"
    if with_due:
        line += f" · {due_text(loc, commitment)}"
    if commitment.progress is not None and commitment.status == "open" and 0 < commitment.progress < 100:
        line += f" · {commitment.progress} %"
    return line


# Items


def read_by(loc: Localiser, cov: Coverage | None) -> str:
    if cov is None or not cov.audience:
        return ""
    return " — " + loc.t("read by {count} of {total}", count=cov.acknowledged, total=cov.audience)


def item_line(loc: Localiser, item: Item, cov: Coverage | None = None, words: int = 70) -> str:
    """ "• #N Author: “the first words…” (in full: /show #N) — read by 3 of 8"."""
    author = esc(item.author.display_name, 60) if item.author else "Relais"
    line = "• " + loc.t(
        "#{number} {author}: “{text}”", number=item.number, author=author, text=esc(first_words(item.text, words))
    )
    if is_abbreviated(item.text, words):
        line += " " + loc.t("(in full: /show #{number})", number=item.number)
    return line + read_by(loc, cov)


def read_footer(loc: Localiser, number: int) -> str:
    """How to confirm reading an item, under everything posted to be read."""
    return loc.t("React ✅ or type /read #{number} to confirm you have read it.", number=number)


def item_post(loc: Localiser, item: Item, header: str) -> Post:
    """An item as posted to its circle, with the way to confirm reading it."""
    return Post(
        text=f"{header}\n{esc(item.text, None)}\n{read_footer(loc, item.number)}",
        target="circle",
        circle_id=item.circle_id,
        item_id=item.id,
        notify=True,
    )


# Meetings


def meeting_when(loc: Localiser, meeting: Meeting) -> str:
    """ "jeudi 3 décembre 2026 à 14:00 — salle du conseil"."""
    text = loc.when(meeting.starts_at)
    if meeting.place:
        text += f" — {esc(meeting.place, 200)}"
    return text


def meeting_line(loc: Localiser, meeting: Meeting, with_circle: bool = False) -> str:
    circle = f" ({esc(meeting.item.circle.name, 60)})" if with_circle else ""
    return f"• #{meeting.number} {bold(esc(meeting.title, 120))}{circle} — {meeting_when(loc, meeting)}"


# Lists and posts


def capped(loc: Localiser, lines: list[str], limit: int) -> list[str]:
    """At most `limit` lines, then "… and N more"."""
    if len(lines) <= limit:
        return lines
    return [*lines[:limit], loc.t("… and {count} more.", count=len(lines) - limit)]


def section(title: str, lines: list[str]) -> list[str]:
    return [bold(title), *lines] if lines else []


def late_note(loc: Localiser, due_at: datetime) -> str:
    return "⏰ " + loc.t("Posted late: this was due {when}, while Relais was not running.", when=loc.when(due_at))
