"""/help and /lang."""

from __future__ import annotations

import unicodedata

from bot.context import Context
from bot.i18n import N_, Keywords
from bot.markup import bold
from bot.presentation import as_named, command_name, unknown_command, usage_text
from bot.reply import Reply
from bot.router import Param, Router

router = Router()
LANGUAGES = Keywords(("fr", "fr", "français", "francais", "french"), ("en", "en", "english", "anglais"))


@router.command(
    "lang",
    Param("language", "choice", choices=LANGUAGES),
    usage=N_("/lang fr|en"),
    summary=N_("choose the language I answer you in"),
    aliases=("langue", "language"),
)
def lang(ctx: Context, language: str) -> Reply:
    """The language Relais answers this member in, from now on."""
    ctx.actor.language = language
    return Reply.say(ctx.t("From now on I answer you in English."))


def _plain(name: str) -> str:
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()


def other_names(shown: str, names: tuple[str, ...], asked: str) -> list[str]:
    """The names a command also answers to, the reader's own first, each spelling once ("réunion", not also
    "reunion")."""
    chosen: dict[str, str] = {}
    for name in sorted(names, key=lambda name: (name != shown, name.isascii(), name)):
        chosen.setdefault(_plain(name) or name, name)
    return [name for name in chosen.values() if _plain(name) != _plain(asked) or not _plain(name)]


def attach_help(full: Router) -> None:
    """Register /help on the full router, so that it can list every command.

    Commands are shown under their name in the reader's language (the one their translated usage
    line starts with: /lu in French, /read in English), or under the name asked for (/help lus).
    """

    def help_command(ctx: Context, name: str) -> Reply:
        """Every command with its usage line, or one command in detail: usage, examples, other names."""
        if name.strip():
            asked = name.split()[0].lstrip("/!").lower()
            command = full.find(asked, ctx.incoming.identity)  # /react: the console's only
            if command is None:
                return Reply.say(unknown_command(ctx, full, asked, ctx.incoming.identity), ok=False)
            lines = [bold(usage_text(ctx, command, asked)), ctx.t(command.summary)]
            lines += [
                ctx.t("Example: {example}", example=ctx.tr.spelled(as_named(ctx, command, ctx.plain.t(example), asked)))
                for example in command.examples
            ]
            others = other_names(command_name(ctx, command), (command.name, *command.aliases), asked)
            if others:
                lines.append(ctx.t("Also: {names}.", names=", ".join(ctx.tr.command(other) for other in others)))
            return Reply.say("\n".join(lines))
        lines = [
            ctx.t("Relais keeps track of commitments and makes sure everyone is at the same level of information.")
        ]
        for command in full.commands(ctx.incoming.identity):  # not /react on Slack or Matrix
            # the English name too when it differs: Slack's slash commands are the English ones
            english = f" ({ctx.tr.command(command.name)})" if command_name(ctx, command) != command.name else ""
            lines.append(f"• {bold(usage_text(ctx, command))}{english} — {ctx.t(command.summary)}")
        lines.append(ctx.t("Type /help <command> for details, and the other names it answers to (French or English)."))
        return Reply.say("\n".join(lines))  # commands as typed here (ctx.tr)

    help_router = Router()
    help_router.command(
        "help",
        Param("name", "text", required=False),
        usage=N_("/help [command]"),
        summary=N_("what I can do"),
        aliases=("aide", "?"),
    )(help_command)
    full.include(help_router)
