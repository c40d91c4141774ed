"""An explicit command router: commands declare their parameters, subcommands and rights.

A command (`/member`) has parameters read first (`@someone`), then, if it declares subcommands,
a word choosing one of them (`org`, `role`, `mute`…), each with parameters of its own. The
command's own handler answers when no subcommand is named (`/schedule` alone); without one, a
subcommand is required. Subcommand words are Keywords: English, French and other spellings, and
"Choose one of: …" lists them in the member's language. A facilitator-only command says so
(`facilitator=True`): the right is checked before any argument is read. Argument errors become
usage text (bot.arguments reads and resolves the arguments; the dispatcher adds the usage line).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from bot.arguments import Param, ParamKind, choices_of, first_word, parse_ref, read_params
from bot.errors import Refusal, UsageError
from bot.i18n import Keywords, translator
from bot.markup import esc
from bot.reply import Reply

if TYPE_CHECKING:
    from bot.context import Context

Handler = Callable[..., Reply]
CHAT_PLATFORMS = ("slack", "matrix")  # where a console-only command does not exist

__all__ = ["Command", "Handler", "Param", "ParamKind", "Router", "Subcommand", "choices_of", "parse_ref"]


@dataclass(frozen=True)
class Subcommand:
    """A word after a command's parameters (`/schedule pause`), in every spelling: English first, then
    French, then others (`("pause", "suspendre", "stop")`). Its handler gets the command's values too."""

    words: tuple[str, ...]
    handler: Handler
    params: tuple[Param, ...] = ()

    @property
    def name(self) -> str:
        return self.words[0]


@dataclass(frozen=True)
class Command:
    name: str
    handler: Handler | None  # None: a subcommand must be named
    params: tuple[Param, ...]
    usage: str
    summary: str
    aliases: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    reads_only: bool = False  # changes nothing: on SQLite it runs without taking the write lock
    slash: bool = True  # a Slack slash command of its own (the manifest is generated from it); all work via /relais
    facilitator: bool = False  # only facilitators may use it: checked before its arguments are read
    subcommands: tuple[Subcommand, ...] = ()
    console_only: bool = False  # only on the console (/react): on Slack and Matrix unknown, unlisted, unsuggested

    def exists_on(self, platform: str | None) -> bool:
        """Whether the command exists where the reader types (a platform, or an address on it: "matrix:@a:hs")."""
        return not (self.console_only and (platform or "").split(":", 1)[0] in CHAT_PLATFORMS)

    @property
    def words(self) -> Keywords:
        """Every spelling of every subcommand -> its name (the English word)."""
        return Keywords(*(sub.words for sub in self.subcommands))

    def handlers(self) -> list[Handler]:
        """Every function that answers this command: its own handler and its subcommands'."""
        own = [self.handler] if self.handler is not None else []
        return own + [sub.handler for sub in self.subcommands]

    def subcommand(self, word: str) -> Subcommand | None:
        name = self.words.meaning(word) if word else None
        return next((sub for sub in self.subcommands if sub.name == name), None)


class Router:
    def __init__(self) -> None:
        self._commands: dict[str, Command] = {}
        self._names: dict[str, str] = {}

    def command(
        self,
        name: str,
        *params: Param,
        usage: str,
        summary: str,
        aliases: tuple[str, ...] = (),
        examples: tuple[str, ...] = (),
        reads_only: bool = False,
        slash: bool = True,
        facilitator: bool = False,
        console_only: bool = False,
    ) -> Callable[[Handler], Handler]:
        """Declare a command; the decorated function answers it (when no subcommand is named)."""

        def register(handler: Handler) -> Handler:
            command = Command(name, handler, params, usage, summary, aliases, examples, reads_only, slash, facilitator)
            self.add(replace(command, console_only=console_only))
            return handler

        return register

    def group(
        self,
        name: str,
        *params: Param,
        usage: str,
        summary: str,
        aliases: tuple[str, ...] = (),
        examples: tuple[str, ...] = (),
        slash: bool = True,
        facilitator: bool = False,
    ) -> None:
        """Declare a command that does nothing without a subcommand (`/member @someone org …`)."""
        self.add(Command(name, None, params, usage, summary, aliases, examples, False, slash, facilitator))

    def subcommand(self, command: str, words: tuple[str, ...], *params: Param) -> Callable[[Handler], Handler]:
        """Declare a subcommand of `command` (declared before), named by `words` (English, French, others)."""

        def register(handler: Handler) -> Handler:
            parent = self._commands[command]
            taken = set(parent.words)
            if any(word.lower() in taken for word in words):
                raise ValueError(f"a word of {words!r} already names a subcommand of /{command}")
            self._commands[command] = replace(
                parent, subcommands=(*parent.subcommands, Subcommand(words, handler, params))
            )
            return handler

        return register

    def add(self, command: Command) -> None:
        for key in (command.name, *command.aliases):
            if key in self._names:
                raise ValueError(f"command name {key!r} registered twice")
            self._names[key] = command.name
        self._commands[command.name] = command

    def include(self, other: Router) -> None:
        for command in other.commands():
            self.add(command)

    def commands(self, platform: str | None = None) -> list[Command]:
        """Every command, or those that exist on `platform` (console-only ones are not on Slack or Matrix)."""
        return [command for command in self._commands.values() if command.exists_on(platform)]

    def names(self) -> frozenset[str]:
        """Every name and alias a command answers to, in both languages (lower case)."""
        return frozenset(name.lower() for name in self._names)

    def slash_commands(self) -> list[str]:
        """The names Slack knows as slash commands of their own (manifest.yml), besides the umbrella /relais."""
        return [command.name for command in self._commands.values() if command.slash]

    def find(self, name: str, platform: str | None = None) -> Command | None:
        """The command `name` names (any language), if it exists on `platform` (None: anywhere)."""
        canonical = self._names.get(name.lower())
        command = self._commands.get(canonical) if canonical else None
        return command if command is not None and command.exists_on(platform) else None

    def suggestions(self, name: str, platform: str | None = None) -> list[Command]:
        """Up to three commands with a name (in any language) close to `name`, the closest first.

        They are named to the member in the member's language (bot.presentation.unknown_command):
        a French speaker who typed /shedule is offered /programme, not the English /schedule."""
        import difflib  # only for a mistyped command: not held by every process from the start

        names = [key for key, canonical in self._names.items() if self._commands[canonical].exists_on(platform)]
        matches = difflib.get_close_matches(name.lower(), names, n=6, cutoff=0.5)
        found = dict.fromkeys(self._names[match] for match in matches)
        return [self._commands[canonical] for canonical in found][:3]


def split_command(text: str) -> tuple[str, str]:
    """`/engage Faire X` -> ("engage", "Faire X"). Accepts `/cmd`, `!cmd` and a bare `cmd`."""
    stripped = text.strip()
    if stripped[:1] in ("/", "!"):
        stripped = stripped[1:]
    if stripped[:1].isspace():  # "/ engage": no command's name
        return "", stripped.strip()
    parts = stripped.split(maxsplit=1)  # any space ends the name: a newline, a tab, U+00A0 (Alt+Space)
    return (parts[0].lower() if parts else ""), (parts[1].strip() if len(parts) > 1 else "")


FACILITATOR_ONLY = (
    "Only a facilitator can do this. Facilitators are named in the configuration "
    "(community.facilitators), or made so by another facilitator with /member @someone role facilitator."
)


def facilitator_only(ctx: Context) -> None:
    """Refuse anyone but a facilitator (saying how one becomes one)."""
    if not ctx.actor.is_facilitator:
        raise Refusal(FACILITATOR_ONLY)


def invoke(ctx: Context, command: Command, text: str) -> Reply:
    """Check the command's right, read its arguments (`text`, after its name), run the handler they choose."""
    if command.facilitator:
        facilitator_only(ctx)
    _no_placeholder(command, text)
    handler, values = parse_arguments(ctx, command, text)
    return handler(ctx, **values)


PLACEHOLDER = re.compile(r"<[^<>\s][^<>]*>|\[[^\[\]\s#][^\[\]]*\]")  # "<what>", "[due date]" (not "[#N]")
USAGE_PART = re.compile(r"<[^<>]*>|\[[^\[\]]*\]|\S+")  # a placeholder (spaces and all) or a word of a usage line
LEADING_NUMBERS = re.compile(r"^(?:#?\d+[\s,]*)+")  # "/done #3 [note]": the usage's numbers come first


def _no_placeholder(command: Command, text: str) -> None:
    """A usage line typed as /help shows it ("/engage <what> [due date]", "/engage Call Ann [due date]") is
    refused, nothing is saved: the words after the item numbers are only the usage's placeholders, or start
    with one that other parts of the usage follow, or end with one that others come before. The same words
    inside a text are the member's own ("replace <text> with…"), and so are they at the start of the usage's
    last part or at the end of its first ("/done #3 [note] attached": all of it is the note)."""
    if "<" not in text and "[" not in text:
        return
    start = LEADING_NUMBERS.sub("", " ".join(text.casefold().split()))
    for language in ("fr", "en"):
        parts = [
            part
            for part in USAGE_PART.findall(translator(language).t(command.usage))[1:]
            if not part.startswith(("#", "[#"))  # the numbers: read before the text
        ]
        placeholders = [(index, part) for index, part in enumerate(parts) if PLACEHOLDER.fullmatch(part)]
        rest = start
        for _, placeholder in placeholders:
            rest = rest.replace(placeholder.casefold(), " ")
        for index, placeholder in placeholders:
            said = placeholder.casefold()
            before_more = start.startswith(said) and index < len(parts) - 1
            after_more = start.endswith(said) and index > 0
            if before_more or after_more or (said in start and not rest.strip()):
                raise UsageError("Replace “{placeholder}” with your own words.", placeholder=esc(placeholder, 80))


def parse_arguments(ctx: Context, command: Command, text: str) -> tuple[Handler, dict[str, Any]]:
    """The handler the words choose (the command's own or a subcommand's) and the values it gets.

    A word that names no subcommand is refused with the list of subcommands when nothing else could
    stand there (no own handler, or one that takes no argument); otherwise it is unexpected.
    """
    values, rest = read_params(ctx, command.params, text)
    if command.subcommands:
        word, after = first_word(rest)
        chosen = command.subcommand(word)
        if chosen is not None:
            more, rest = read_params(ctx, chosen.params, after)
            _nothing_left(rest)
            return chosen.handler, {**values, **more}
        if command.handler is None and not rest:
            raise UsageError("Something is missing.")
        if command.handler is None or (rest and not command.params):
            raise UsageError("Choose one of: {choices}.", choices=command.words)
    _nothing_left(rest)
    assert command.handler is not None
    return command.handler, values


def _nothing_left(rest: str) -> None:
    if rest:
        raise UsageError("I did not expect: {extra}", extra=esc(rest, 80))
