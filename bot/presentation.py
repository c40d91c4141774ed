"""How things are shown: members, commitments, items, meetings, dates and ages (markup, see bot.markup).

Every view goes through here — command replies, scheduled posts, the command line and the
adapters — so that no two of them say the same thing differently.

A Localiser is whom a text is written for: their language (`t`, `tn`), the community's timezone
(`when`, `day`: dates always absolute) and the moment of writing (`now`, for ages and delays).
A command's Context is one; `Localiser.of(community, now)` makes one for a scheduled post or the
command line, and `for_member` one for a direct message.

Whose language: what everyone reads — an item posted to a circle, a meeting announced, a
scheduled post — is written in the community's language (`Localiser.of(community, now)`; a
command's `ctx.public`); each member's own language only where the platform shows text to one
person: replies, direct messages, the App Home (`ctx` itself, `for_member`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot import cldr
from bot.dates import When, format_when
from bot.i18n import N_, CommandSpelling, Translator, translator
from bot.kinds import CommitmentStatus
from bot.markup import bold, esc
from bot.models import Commitment, CommitmentChange, Community, Item, Meeting, Member
from bot.reply import Post
from bot.services.commitments import is_overdue
from bot.text import first_words, is_abbreviated

if TYPE_CHECKING:
    from bot.router import Command, Router
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

        @property
        def commands(self) -> CommandSpelling | None:
            """How the reader types a command on their platform (bot.spelling); None: with a / as on the console."""

    @staticmethod
    def of(
        community: Community, now: datetime, language: str | None = None, commands: CommandSpelling | None = None
    ) -> Localiser:
        """The community's language (or `language`) and timezone, at `now`; commands spelled as `commands`."""
        return FixedLocaliser(language or community.language, ZoneInfo(community.timezone), now, commands)

    def for_member(self, member: Member, commands: CommandSpelling | None = None) -> Localiser:
        """The same moment and zone, in the member's own language if they chose one, for their platform."""
        return FixedLocaliser(member.language or self.language, self.tz, self.now, commands)

    @property
    def tr(self) -> Translator:
        return translator(self.language, self.commands)

    @property
    def plain(self) -> Translator:
        """The reader's language, commands spelled with a / (names as the router knows them)."""
        return translator(self.language)

    def t(self, message: str, **values: object) -> str:
        return self.tr.t(message, **values)

    def tn(self, singular: str, plural: str, count: int, **values: object) -> str:
        return self.tr.tn(singular, plural, count, **values)

    def when(self, moment: datetime, has_time: bool = True) -> str:
        """Absolute, in the community's timezone: "jeudi 3 décembre 2026 à 14:00", "mardi 1er décembre 2026"."""
        local = moment.astimezone(self.tz)
        text = format_when(When(local, has_time), self.language)
        if self.language == "fr" and local.day == 1:
            text = _FIRST_OF_MONTH.sub(r"\1 1er ", text, count=1)
        return text

    def day(self, moment: datetime) -> str:
        return self.when(moment, has_time=False)


_FIRST_OF_MONTH = re.compile(r"^(\S+) 1 ")  # "mardi 1 décembre" -> "mardi 1er décembre"


@dataclass(frozen=True)
class FixedLocaliser(Localiser):
    """A Localiser outside a command: a scheduled post, a direct message, the command line."""

    language: str
    tz: ZoneInfo
    now: datetime
    commands: CommandSpelling | None = None


# Members, dates and ages


def member_label(member: Member | None) -> str:
    """ "Claire (Mairie)"; Relais itself when there is nobody."""
    if member is None:
        return "Relais"
    return name_label(member.display_name, member.organisation.name if member.organisation is not None else None)


def name_label(display_name: str, organisation: str | None) -> str:
    """member_label from a member's name and their organisation's (None: none), read as plain columns."""
    name = esc(display_name, 80)
    return f"{name} ({esc(organisation, 80)})" if organisation is not None else name


def when_label(loc: Localiser, when: When) -> str:
    return loc.when(when.at, when.has_time)


def age_label(loc: Localiser, then: datetime) -> str:
    """ "just now", "5 min ago", "3 hours ago", "4 days ago"."""
    minutes = int((loc.now - then).total_seconds() // 60)
    if minutes < 1:
        return loc.t("just now")
    if minutes < 60:
        return loc.tn("{count} min ago", "{count} min ago", minutes)
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


def percent(loc: Localiser, value: float) -> str:
    """ "40 %" in French (a no-break space), "40%" in English: Babel's percent format (bot.cldr)."""
    return cldr.percent(value / 100, loc.language)


def share(loc: Localiser, part: int, total: int) -> str:
    """ "part of total" as a percentage ("67 %"), or "—" when there is nothing to count."""
    return percent(loc, 100 * part / total) if total else "—"


# Commitments


def status_label(loc: Localiser, status: CommitmentStatus) -> str:
    labels = {
        CommitmentStatus.OPEN: N_("open"),
        CommitmentStatus.DONE: N_("done"),
        CommitmentStatus.DROPPED: N_("dropped"),
    }
    return loc.t(labels[status]) if status in labels else status


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
    if commitment.progress is not None and commitment.status == CommitmentStatus.OPEN:
        parts.append(percent(loc, commitment.progress))
    if commitment.status != CommitmentStatus.OPEN:
        parts.append(status_label(loc, commitment.status))
    return " · ".join(parts)


def commitment_bullet(loc: Localiser, commitment: Commitment, with_due: bool = True) -> str:
    """One commitment in a post (recap, agenda, digest): "• #N *title* — owner · due … · 40 %"."""
    line = f"• {commitment_title(commitment)} — {member_label(commitment.owner)}"
    if with_due:
        line += f" · {due_text(loc, commitment)}"
    if commitment.progress is not None and commitment.status == CommitmentStatus.OPEN and 0 < commitment.progress < 100:
        line += f" · {percent(loc, commitment.progress)}"
    return line


CHANGE_LABELS = {
    "created": N_("created"),
    "status": N_("status"),
    "due": N_("due date"),
    "title": N_("title"),
    "result": N_("expected result"),
    "owner": N_("owner"),
    "progress": N_("progress"),
    "confidence": N_("confidence"),
    "human": N_("human resources"),
    "financial": N_("financial resources"),
    "material": N_("material resources"),
    "immaterial": N_("immaterial resources"),
}


CONFIDENCE_LABELS = {"high": N_("high"), "medium": N_("medium"), "low": N_("low")}  # bot.kinds.Confidence


def confidence_label(loc: Localiser, value: str) -> str:
    """How sure an owner is to deliver, in the reader's words ("haute", "high")."""
    label = CONFIDENCE_LABELS.get(str(value))
    return loc.t(label) if label else esc(str(value), 20)


def _change_value(loc: Localiser, field: str, value: str | None) -> str:
    """A stored old or new value as the reader reads it: dates absolute, percentages, statuses in words."""
    if value is None:
        return loc.t("no due date") if field == "due" else "—"
    if field == "status":
        return status_label(loc, value)
    if field == "progress" and value.isdigit():
        return percent(loc, int(value))
    if field == "confidence":
        return confidence_label(loc, value)
    if field == "due":
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return esc(value, 80)
        local = moment.astimezone(loc.tz)
        return loc.when(moment, has_time=(local.hour, local.minute) != (0, 0))  # a day alone is kept at 00:00
    return esc(value, 80)


def change_line(loc: Localiser, change: CommitmentChange) -> str:
    """One line of a commitment's history: "• jeudi 26 novembre 2026 à 10:00 by Alice — progress: 20% → 40%"."""
    at = loc.when(change.at)
    who = loc.t(" by {name}", name=member_label(change.actor)) if change.actor else ""
    label = loc.t(CHANGE_LABELS.get(change.field, change.field))
    new = _change_value(loc, change.field, change.new_value)
    if change.old_value is not None and change.field != "created":
        value = loc.t("{old} → {new}", old=_change_value(loc, change.field, change.old_value), new=new)
    else:
        value = new
    if change.note:
        value += f" ({esc(change.note, 120)})"
    return f"• {at}{who} — " + loc.t("{label}: {value}", label=label, value=value)


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


# Commands


def command_name(loc: Localiser, command: Command) -> str:
    """The name a command goes by in the reader's language: the one its translated usage line starts with."""
    return translator(loc.language).t(command.usage).split()[0].lstrip("/!")  # a Localiser or a Translator


def as_named(loc: Localiser, command: Command, text: str, name: str | None) -> str:
    """A usage line or an example (already translated) under `name`, when that is how the member called the
    command: "/lus #N …" after /lus, "/meeting …" after /meeting in French."""
    if not name or name.lower() not in (command.name, *command.aliases):
        return text
    shown = re.escape(command_name(loc, command))
    return re.sub(rf"(?<![\w/-])/{shown}(?![\w-])", lambda _: "/" + name.lower(), text)


def usage_text(loc: Localiser, command: Command, name: str | None = None) -> str:
    """The usage line in the reader's language ("/lu #N [#M…] | tout"), under `name` (see as_named), its
    command spelled for the reader's platform ("/relais lu #N…" on Slack, "!lu #N…" on Matrix)."""
    return loc.tr.spelled(as_named(loc, command, loc.plain.t(command.usage), name))


def unknown_command(loc: Localiser, router: Router, name: str, platform: str | None = None) -> str:
    """ "I do not know the command /lou. Did you mean: /lu? /help lists the commands." (in French: /aide)

    Each command offered goes by its name in the reader's language, whichever spelling came closest; only
    commands that exist on `platform` (the reader's, or an address on it) are offered."""
    typed = esc(name, 40)
    text = loc.t("I do not know the command /{name}.", name=typed)
    if loc.commands is not None:  # echoed as typed there: "!shedule" on Matrix, "/relais shedule" on Slack
        text = text.replace(f"/{typed}", loc.tr.command(typed), 1)
    names = dict.fromkeys(command_name(loc, command) for command in router.suggestions(name, platform))
    if names:
        text += " " + loc.t("Did you mean: {commands}?", commands=", ".join(loc.tr.command(shown) for shown in names))
    return text + " " + loc.t("/help lists the commands.")


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
