"""/actions: the roadmap's open commitments, sorted by due date, overdue flagged."""

from __future__ import annotations

from bot.arguments import circle_named, members_named
from bot.context import Context
from bot.errors import Refusal
from bot.i18n import N_
from bot.markup import esc
from bot.presentation import commitment_line
from bot.reply import Reply
from bot.router import Param, Router
from bot.services.commitments import ActionFilter, list_commitments
from bot.services.community import find_organisation

router = Router()

KEYWORDS = {
    "mine": "mine", "moi": "mine", "mes": "mine", "miens": "mine",
    "overdue": "overdue", "retard": "overdue", "late": "overdue", "en-retard": "overdue",
    "week": "week", "semaine": "week",
    "all": "all", "tout": "all", "tous": "all", "toutes": "all",
}  # fmt: skip
MAX_LINES = 50


@router.command(
    "actions",
    Param("filters", "words", required=False),
    usage=N_("/actions [mine|@member|<organisation>|#circle|overdue|week|all]"),
    summary=N_("open commitments sorted by due date; filters combine"),
    aliases=("engagements", "roadmap", "feuille-de-route"),
    examples=(N_("/actions overdue"), N_("/actions mine week")),
    reads_only=True,
)
def actions(ctx: Context, filters: list[str]) -> Reply:
    """The open commitments (or all, closed too) that match every filter, by due date, overdue ones flagged."""
    wanted = parse_filters(ctx, filters)
    rows = list_commitments(ctx.session, ctx.community, wanted, ctx.now, ctx.tz)
    if not rows:
        return Reply.say(ctx.t("No commitment matches."))
    lines = [ctx.tn("{count} commitment:", "{count} commitments:", len(rows))]
    lines += [commitment_line(ctx, row) for row in rows[:MAX_LINES]]
    if len(rows) > MAX_LINES:
        lines.append(
            ctx.t(
                "… and {count} more: narrow with filters or export with `relais export actions`.",
                count=len(rows) - MAX_LINES,
            )
        )
    return Reply.say("\n".join(lines))


MAX_FILTERS = 12  # more is a typo or a script; repeated words count once


def parse_filters(ctx: Context, words: list[str]) -> ActionFilter:
    words = list(dict.fromkeys(words))
    if len(words) > MAX_FILTERS:
        raise Refusal("That is too many filters ({count}; at most {limit}).", count=len(words), limit=MAX_FILTERS)
    owners: set[int] = set()
    organisations: set[int] = set()
    circles: set[int] = set()
    flags: set[str] = set()
    leftover: list[str] = []
    for word in words:
        keyword = KEYWORDS.get(word.lower())
        if keyword == "mine":
            owners.add(ctx.actor.id)
        elif keyword:
            flags.add(keyword)
        elif word.startswith("@") and len(word) > 1:
            owners.update(member.id for member in members_named(ctx, word))
        elif word.startswith("#") and len(word) > 1:
            circles.add(circle_named(ctx, word).id)
        else:
            leftover.append(word)
    if leftover:
        name = " ".join(leftover)
        found = find_organisation(ctx.session, ctx.community, name)
        if not found:
            raise Refusal(
                "I do not understand the filter “{words}”: use mine, @someone, an organisation, "
                "#circle, overdue, week or all.",
                words=esc(name, 60),
            )
        organisations.update(org.id for org in found)
    return ActionFilter(
        owners=frozenset(owners),
        organisations=frozenset(organisations),
        circles=frozenset(circles),
        overdue="overdue" in flags,
        week="week" in flags,
        include_closed="all" in flags,
    )
