"""Information level: /info, /unread, /read, /who-read, /level, and /react for the console."""

from __future__ import annotations

from bot import cldr
from bot.context import Context
from bot.dates import When
from bot.dispatch import refusal_text
from bot.errors import Refusal, kind_name
from bot.i18n import N_
from bot.kinds import ItemKind
from bot.markup import bold, esc
from bot.models import Circle, Item
from bot.presentation import age_label, item_post, member_label, share, when_label
from bot.reply import Post, Reply
from bot.router import Param, Router
from bot.services import levels, reads
from bot.services.numbering import find_item
from bot.services.read_counts import refresh_counts
from bot.services.updates import post_item
from bot.text import first_words
from commands.common import require_visible

router = Router()
ALL = {"all": "all", "tout": "all", "tous": "all", "toutes": "all"}
UNREAD_LINES = 20
LEVEL_MEMBERS = 30  # the members furthest behind; the rest in one line


def readable_item(ctx: Context, number: int) -> Item:
    item = find_item(ctx.session, ctx.community.id, number)
    if item is None:
        raise Refusal("There is no #{number}.", number=number)
    if not item.must_read:
        raise Refusal("#{number} is {kind}, not an item to read.", number=number, kind=kind_name(item.kind))
    require_visible(ctx, item)
    return item


def item_in_full(ctx: Context, item: Item) -> Reply:
    """An item to read, whole, with where the member stands on it (for /show #N)."""
    require_visible(ctx, item)
    author = member_label(item.author)
    head = ctx.t(
        "#{number}: {kind} from {author}, {when}",
        number=item.number,
        kind=ctx.t(kind_name(item.kind)),
        author=author,
        when=when_label(ctx, When(item.created_at, True)),
    )
    if item.edited_at is not None:
        head += " " + ctx.t("(edited {when})", when=when_label(ctx, When(item.edited_at, True)))
    if any(reader.id == ctx.actor.id for reader in reads.audience(ctx.session, item)):
        acknowledged = reads.is_acknowledged(ctx.session, item, ctx.actor)
        state = (
            ctx.t("You have confirmed reading it.")
            if acknowledged
            else ctx.t("Confirm you have read it: /read #{number}", number=item.number)
        )
    else:
        state = ""
    return Reply.say("\n".join(part for part in (bold(head), esc(item.text, None), state) if part))


@router.command(
    "info",
    Param("text", "text"),
    usage=N_("/info <text>"),
    summary=N_("an announcement that everyone in the circle must read"),
    aliases=("annonce", "announce"),
    examples=(N_("/info The next COPIL moves to the town hall, room 2"),),
)
def info(ctx: Context, text: str) -> Reply:
    """An announcement posted in the circle for everyone to read; how many must read it."""
    item = post_item(ctx.session, ctx.community, ctx.circle, ctx.actor, ItemKind.ANNOUNCEMENT, text, ctx.now)
    public = ctx.public
    header = public.t("📢 #{number} Announcement from {author}", number=item.number, author=member_label(ctx.actor))
    audience = len(reads.audience(ctx.session, item))
    confirmation = ctx.tn(
        "Announcement #{number} posted in {circle}: {count} member must read it.",
        "Announcement #{number} posted in {circle}: {count} members must read it.",
        audience,
        number=item.number,
        circle=esc(ctx.circle.name, 60),
    )
    return Reply(posts=(Post(confirmation), item_post(public, item, header)))


@router.command(
    "unread",
    usage=N_("/unread"),
    summary=N_("what you have not confirmed reading yet, newest first"),
    aliases=("nonlus", "non-lus", "alire", "a-lire"),
    reads_only=True,
)
def unread(ctx: Context) -> Reply:
    """What the member has not confirmed reading yet, newest first."""
    items, total = reads.unread_page(ctx.session, ctx.actor, UNREAD_LINES)
    if not total:
        return Reply.say(ctx.t("You are up to date: nothing left to read. 👏"))
    lines = [ctx.tn("{count} item to read:", "{count} items to read:", total)]
    for item in items:
        author = esc(item.author.display_name, 60) if item.author else "Relais"
        lines.append(
            f"#{item.number} · {esc(item.circle.name, 40)} · {author} · "
            f"{esc(first_words(item.text, 60))} · {age_label(ctx, item.created_at)}"
        )
    if total > len(items):
        lines.append(ctx.t("… and {count} older.", count=total - len(items)))
    lines.append(ctx.t("Confirm with /read #N, or /read all."))
    return Reply.say("\n".join(lines))


@router.command(
    "read",
    Param("numbers", "refs", choices=ALL),
    usage=N_("/read #N [#M…] | all"),
    summary=N_("confirm you have read items"),
    aliases=("lu", "lus"),
)
def read(ctx: Context, numbers: list[int] | str) -> Reply:
    """Reading confirmed for items #N… (or all unread ones); what was already confirmed, and why not for the others."""
    if numbers == "all":
        items = reads.unread_items(ctx.session, ctx.actor, limit=None)
        for item in items:
            reads.acknowledge(ctx.session, item, ctx.actor, "all", ctx.now)
        refresh_counts(ctx.session, [item.id for item in items], ctx.now)
        return Reply.say(ctx.tn("{count} item marked as read.", "{count} items marked as read.", len(items)))
    assert isinstance(numbers, list)
    items: list[Item] = []
    problems: list[str] = []  # one line per number that is not an item this member can confirm
    for number in dict.fromkeys(numbers):
        try:
            items.append(readable_item(ctx, number))
        except Refusal as refused:
            problems.append(refusal_text(ctx, refused))
    if not items:
        return Reply.say("\n".join(problems), ok=False)
    changed = [item for item in items if reads.acknowledge(ctx.session, item, ctx.actor, "command", ctx.now)]
    refresh_counts(ctx.session, [item.id for item in changed], ctx.now)
    confirmed = [f"#{item.number}" for item in changed]
    already = [f"#{item.number}" for item in items if item not in changed]
    lines = []
    if confirmed:
        lines.append(ctx.t("Thank you, reading confirmed: {refs}.", refs=", ".join(confirmed)))
    if already:
        lines.append(ctx.t("Already confirmed: {refs}.", refs=", ".join(already)))
    return Reply.say("\n".join(lines + problems))


def _react(ctx: Context, number: int, emoji: str, added: bool) -> Reply:
    item = readable_item(ctx, number)
    emoji = emoji.strip() or "✅"
    if not reads.is_ack_emoji(emoji):
        raise Refusal("Only ✅ or 👍 count as read.")
    if added:
        reads.acknowledge(ctx.session, item, ctx.actor, "reaction", ctx.now)
        refresh_counts(ctx.session, [item.id], ctx.now)
        return Reply.say(ctx.t("{emoji} on #{number}: reading confirmed.", emoji=esc(emoji, 8), number=number))
    reads.withdraw(ctx.session, item, ctx.actor)
    refresh_counts(ctx.session, [item.id], ctx.now)
    return Reply.say(ctx.t("Reaction removed: #{number} is unread again for you.", number=number))


@router.command(
    "react",
    Param("number", "ref"),
    Param("emoji", "text", required=False),
    usage=N_("/react #N ✅"),
    summary=N_("console: react to an item as you would in a chat app"),
    slash=False,  # on Slack and Matrix, one reacts
    console_only=True,
)
def react(ctx: Context, number: int, emoji: str) -> Reply:
    """A ✅ or 👍 reaction on item #N, as in a chat app: reading confirmed."""
    return _react(ctx, number, emoji, True)


@router.command(
    "unreact",
    Param("number", "ref"),
    Param("emoji", "text", required=False),
    usage=N_("/unreact #N ✅"),
    summary=N_("console: remove your reaction"),
    slash=False,
    console_only=True,
)
def unreact(ctx: Context, number: int, emoji: str) -> Reply:
    """The reaction on item #N removed: it is unread again for the member."""
    return _react(ctx, number, emoji, False)


@router.command(
    "who-read",
    Param("number", "ref"),
    usage=N_("/who-read #N"),
    summary=N_("who has read an item: confirmed, seen only, not yet"),
    aliases=("qui-a-lu", "wholread", "whoread", "quialu"),
)
def who_read(ctx: Context, number: int) -> Reply:
    """Who has read item #N: confirmed, seen only, not yet, member by member and by organisation."""
    item = readable_item(ctx, number)
    states = reads.who_read(ctx.session, item)
    counts = {state: sum(1 for s in states if s.state == state) for state in ("acknowledged", "seen", "unread")}
    lines = [
        ctx.t(
            "#{number} ({circle}): {acknowledged} of {total} confirmed, {seen} seen only, {unread} not yet.",
            number=item.number,
            circle=esc(item.circle.name, 60),
            total=len(states),
            **counts,
        )
    ]
    for state in states:
        if state.state == "acknowledged" and state.at is not None:
            detail = ctx.t("confirmed {when}", when=when_label(ctx, When(state.at, True)))
            lines.append(f"✅ {member_label(state.member)} — {detail}")
        elif state.state == "seen":
            lines.append(f"👀 {member_label(state.member)} — " + ctx.t("seen, not confirmed"))
        else:
            lines.append(f"⏳ {member_label(state.member)} — " + ctx.t("not yet"))
    organisations: dict[str, list[int]] = {}
    for state in states:
        name = state.member.organisation.name if state.member.organisation else ctx.t("no organisation")
        bucket = organisations.setdefault(name, [0, 0])
        bucket[0] += state.state == "acknowledged"
        bucket[1] += 1
    if organisations:
        lines.append(bold(ctx.t("By organisation:")))
        for name, (acked, total) in sorted(organisations.items()):
            share = _counts(ctx, acked, total)
            lines.append("• " + ctx.t("{label}: {value}", label=esc(name, 80), value=share))
    return Reply.say("\n".join(lines))


def _counts(ctx: Context, done: int, total: int) -> str:
    """ "1 204/2 100" in French, "1,204/2,100" in English."""
    return f"{cldr.number(done, ctx.language)}/{cldr.number(total, ctx.language)}"


@router.command(
    "level",
    Param("circle", "circle", required=False, whole=True),
    usage=N_("/level [#circle]"),
    summary=N_("facilitator: who is behind on reading, over the last 4 weeks"),
    aliases=("niveau",),
    facilitator=True,
)
def level(ctx: Context, circle: Circle | None) -> Reply:
    """Who is behind on reading over the last 4 weeks, in the community or one circle: by member, by
    organisation, and the least read items."""
    circle_id = None
    scope = ctx.t("the whole community")
    if circle is not None:
        circle_id, scope = circle.id, esc(circle.name, 60)
    since = ctx.now - levels.READING_WINDOW
    report = levels.level_report(ctx.session, ctx.community.id, since, circle_id)
    if not report.items:
        return Reply.say(ctx.t("No item to read in {scope} over the last 4 weeks.", scope=scope))
    lines = [
        bold(
            ctx.tn(
                "Reading level, {scope}: {count} item over the last 4 weeks",
                "Reading level, {scope}: {count} items over the last 4 weeks",
                report.items,
                scope=scope,
            )
        )
    ]
    lines.append(bold(ctx.t("By member (confirmed / to read):")))
    for row in report.members[:LEVEL_MEMBERS]:
        value = f"{_counts(ctx, row.acknowledged, row.total)} — {share(ctx, row.acknowledged, row.total)}"
        lines.append("• " + ctx.t("{label}: {value}", label=member_label(row.member), value=value))
    if len(report.members) > LEVEL_MEMBERS:
        lines.append(ctx.t("… and {count} members further ahead.", count=len(report.members) - LEVEL_MEMBERS))
    lines.append(bold(ctx.t("By organisation:")))
    for name, acked, total in report.organisations:
        label = esc(name, 80) if name else ctx.t("no organisation")
        value = f"{_counts(ctx, acked, total)} — {share(ctx, acked, total)}"
        lines.append("• " + ctx.t("{label}: {value}", label=label, value=value))
    lowest = [cov for cov in report.lowest if cov.acknowledged < cov.audience]
    if not lowest:
        lines.append(ctx.t("Every item is confirmed by everyone who had to read it. 👏"))
        return Reply.say("\n".join(lines))
    lines.append(bold(ctx.t("Least read items:")))
    for cov in lowest:
        quoted = ctx.t("“{text}”", text=esc(first_words(cov.item.text, 50)))
        label = f"#{cov.item.number} {esc(cov.item.circle.name, 40)} {quoted}"
        value = f"{cov.acknowledged}/{cov.audience} — {share(ctx, cov.acknowledged, cov.audience)}"
        lines.append("• " + ctx.t("{label}: {value}", label=label, value=value))
    return Reply.say("\n".join(lines))
