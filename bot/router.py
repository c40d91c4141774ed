"""An explicit command router with declared parameters; argument errors become usage text."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from bot.errors import UsageError
from bot.i18n import Keywords
from bot.markup import esc
from bot.reply import Reply

ParamKind = Literal["ref", "refs", "choice", "text", "words"]
Handler = Callable[..., Reply]

_REF = re.compile(r"^#?(\d{1,9})$")


@dataclass(frozen=True)
class Param:
    """A declared argument.

    ref: `#N` (or `N`); refs: one or more `#N`, or a keyword from `choices`;
    choice: one word among `choices` (a mapping alias -> canonical); text: the rest of the
    line; words: the rest of the line split into words.
    """

    name: str
    kind: ParamKind
    required: bool = True
    choices: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Command:
    name: str
    handler: Handler
    params: tuple[Param, ...]
    usage: str
    summary: str
    aliases: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    reads_only: bool = False  # changes nothing: on SQLite it runs without taking the write lock


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
    ) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.add(Command(name, handler, params, usage, summary, aliases, examples, reads_only))
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

    def commands(self) -> list[Command]:
        return list(self._commands.values())

    def find(self, name: str) -> Command | None:
        canonical = self._names.get(name.lower())
        return self._commands.get(canonical) if canonical else None

    def suggestions(self, name: str) -> list[str]:
        """Up to three names close to `name`, one per command, each as spelled closest ("lu" for "lou")."""
        matches = difflib.get_close_matches(name.lower(), list(self._names), n=6, cutoff=0.5)
        seen: dict[str, str] = {}
        for match in matches:
            seen.setdefault(self._names[match], match)
        return list(seen.values())[:3]


def split_command(text: str) -> tuple[str, str]:
    """`/engage Faire X` -> ("engage", "Faire X"). Accepts `/cmd`, `!cmd` and a bare `cmd`."""
    stripped = text.strip()
    if stripped[:1] in ("/", "!"):
        stripped = stripped[1:]
    name, _, rest = stripped.partition(" ")
    if "\n" in name:
        name, _, more = name.partition("\n")
        rest = more + (" " + rest if rest else "")
    return name.strip().lower(), rest.strip()


def parse_arguments(command: Command, text: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    rest = text.strip()
    for param in command.params:
        if param.kind in ("text", "words"):
            if param.required and not rest:
                raise UsageError("Something is missing.")
            values[param.name] = rest if param.kind == "text" else rest.split()
            rest = ""
            continue
        token, _, remainder = rest.partition(" ")
        token = token.strip()
        if param.kind == "ref":
            if not token:
                if param.required:
                    raise UsageError("Give the number of an item, like #12.")
                values[param.name] = None
                continue
            values[param.name] = parse_ref(token)
            rest = remainder.strip()
        elif param.kind == "refs":
            values[param.name], rest = _parse_refs(param, rest)
        elif param.kind == "choice":
            choice = param.choices.get(token.lower()) if token else None
            if choice is None:
                if not param.required and not token:
                    values[param.name] = None
                    continue
                raise UsageError("Choose one of: {choices}.", choices=choices_of(param))
            values[param.name] = choice
            rest = remainder.strip()
    if rest:
        raise UsageError("I did not expect: {extra}", extra=esc(rest, 80))
    return values


def choices_of(param: Param) -> object:
    """What "Choose one of: …" lists: Keywords show themselves in the reader's language (bot.i18n)."""
    if isinstance(param.choices, Keywords):
        return param.choices
    return ", ".join(sorted(set(param.choices.values())))


def parse_ref(token: str) -> int:
    match = _REF.match(token.strip())
    if match:
        return int(match.group(1))
    if token.strip() == "#":
        raise UsageError("A # must be followed by a number, like #12.")
    raise UsageError("This is not an item number: {token}. Write it like #12.", token=esc(token, 40))


def _parse_refs(param: Param, rest: str) -> tuple[list[int] | str, str]:
    tokens = rest.split()
    if tokens and tokens[0].lower() in param.choices:
        return param.choices[tokens[0].lower()], " ".join(tokens[1:])
    numbers = [parse_ref(token) for token in tokens]
    if not numbers:
        raise UsageError("Give the number of an item, like #12.")
    return numbers, ""
