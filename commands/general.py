"""/help and /lang."""

from __future__ import annotations

from bot.context import Context
from bot.errors import Refusal
from bot.i18n import N_
from bot.markup import bold, esc
from bot.reply import Reply
from bot.router import Param, Router

router = Router()
LANGUAGES = {"fr": "fr", "français": "fr", "francais": "fr", "french": "fr",
             "en": "en", "english": "en", "anglais": "en"}  # fmt: skip


@router.command(
    "lang",
    Param("language", "choice", choices=LANGUAGES),
    usage=N_("/lang fr|en"),
    summary=N_("choose the language I answer you in"),
    aliases=("langue", "language"),
)
def lang(ctx: Context, language: str) -> Reply:
    ctx.actor.language = language
    return Reply.say(ctx.t("From now on I answer you in English."))


def attach_help(full: Router) -> None:
    """Register /help on the full router, so that it can list every command."""

    def help_command(ctx: Context, name: str) -> Reply:
        if name:
            command = full.find(name.lstrip("/!"))
            if command is None:
                raise Refusal("I do not know the command /{name}.", name=esc(name.lstrip("/!"), 40))
            lines = [bold(ctx.t(command.usage)), ctx.t(command.summary)]
            lines += [ctx.t("Example: {example}", example=ctx.t(example)) for example in command.examples]
            return Reply.say("\n".join(lines))
        lines = [
            ctx.t("Relais keeps track of commitments and makes sure everyone is at the same level of information.")
        ]
        lines += [f"• {bold(ctx.t(command.usage))} — {ctx.t(command.summary)}" for command in full.commands()]
        lines.append(ctx.t("Type /help <command> for details."))
        return Reply.say("\n".join(lines))

    help_router = Router()
    help_router.command(
        "help",
        Param("name", "text", required=False),
        usage=N_("/help [command]"),
        summary=N_("what I can do"),
        aliases=("aide", "?"),
    )(help_command)
    full.include(help_router)
