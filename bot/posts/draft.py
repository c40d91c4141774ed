"""A post before it has a number (Draft), and how a recap or agenda becomes an item to read."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from bot.i18n import CommandSpelling
from bot.images import Picture
from bot.kinds import ItemKind
from bot.markup import bold, to_plain
from bot.models import Circle, Community, Item, Member
from bot.presentation import FixedLocaliser, Localiser, capped, commitment_bullet, late_note, read_footer
from bot.services.updates import post_item

MAX_ITEM_TEXT = 3900
# the 4-week rule: commitments overdue for longer are counted in one line (stale_line), not listed, in
# digests and nudges: they are about the weeks ahead, and their text stays short whatever the history
STALE = timedelta(days=28)


@dataclass(frozen=True)
class Draft:
    """A post before it has a number: a title line and body lines (markup), and maybe its picture."""

    icon: str
    title: str
    body: tuple[str, ...]
    picture: Picture | None = None
    commitments: tuple[int, ...] = ()  # the reader's commitments it lists (Post.commitments: buttons on Slack)

    def text(self, number: int | None = None, footer: str | None = None, late: str | None = None) -> str:
        head = f"{self.icon} #{number} {bold(self.title)}" if number else f"{self.icon} {bold(self.title)}"
        lines = [head, *([late] if late else []), *self.body, *([footer] if footer else [])]
        return "\n".join(lines)

    def plain(self) -> str:
        """What the item keeps (shown by /unread and personal views)."""
        return to_plain("\n".join([self.title, *self.body]))[:MAX_ITEM_TEXT]


def post_draft(
    session: Session,
    community: Community,
    circle: Circle,
    draft: Draft,
    loc: Localiser,
    kind: ItemKind,
    late: bool,
    due_at: datetime,
) -> tuple[Item, str]:
    """A recap or agenda as an item to acknowledge, and the text to post (numbered, late-marked)."""
    item = post_item(session, community, circle, None, kind, draft.plain(), loc.now)
    footer = read_footer(loc, item.number)
    return item, draft.text(item.number, footer, late_note(loc, due_at) if late else None)


def bullets(loc: Localiser, shown: list[Any], total: int, limit: int) -> list[str]:
    """capped() bullets of a list of `total` commitments (or queries.Shown) of which only the first
    `limit` were loaded."""
    lines = [commitment_bullet(loc, row) for row in shown[:limit]]
    return capped(loc, lines + [""] * (total - len(lines)), limit)


def stale_line(loc: Localiser, listed: int, stale: int) -> list[str]:
    """The commitments overdue for more than STALE, counted: where to see them and close or re-date them
    ("… and N more, …" after `listed` overdue commitments listed, else "N commitments …")."""
    if not stale:
        return []
    if listed:
        return [
            loc.tn(
                "… and {count} more, overdue for over 4 weeks: /actions mine overdue",
                "… and {count} more, overdue for over 4 weeks: /actions mine overdue",
                stale,
            )
        ]
    return [
        loc.tn(
            "{count} commitment overdue for over 4 weeks: /actions mine overdue",
            "{count} commitments overdue for over 4 weeks: /actions mine overdue",
            stale,
        )
    ]


@dataclass(frozen=True)
class RoundLocaliser(FixedLocaliser):
    """The Localiser of a round of posts: each date and each sentence is written once per language,
    not once per post (a round of digests writes "due Friday 4 December" thousands of times)."""

    dates: dict[tuple[str, datetime, bool], str] = field(default_factory=dict, compare=False, repr=False)
    texts: dict[tuple[Any, ...], str] = field(default_factory=dict, compare=False, repr=False)

    @staticmethod
    def of_round(loc: Localiser) -> RoundLocaliser:
        return RoundLocaliser(loc.language, loc.tz, loc.now, loc.commands)

    def when(self, moment: datetime, has_time: bool = True) -> str:
        key = (self.language, moment, has_time)
        text = self.dates.get(key)
        if text is None:
            text = self.dates[key] = super().when(moment, has_time)
        return text

    def t(self, message: str, **values: object) -> str:
        key = (self.language, self.commands, message, *sorted(values.items()))
        try:
            text = self.texts.get(key)
        except TypeError:  # a value that cannot be a key: written every time
            return super().t(message, **values)
        if text is None:
            text = self.texts[key] = super().t(message, **values)
        return text

    def for_member(self, member: Member, commands: CommandSpelling | None = None) -> Localiser:
        return RoundLocaliser(
            member.language or self.language, self.tz, self.now, commands, dates=self.dates, texts=self.texts
        )
