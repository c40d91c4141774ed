"""A command's declared parameters, read from the text typed after its name, and the members and
circles they name, resolved and refused here (one place) so that a handler receives values.

A refusal raised here is a UsageError: the dispatcher writes it in the member's language and adds
the command's usage line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from bot.errors import UsageError
from bot.i18n import Keywords
from bot.markup import esc
from bot.models import Circle, Member
from bot.presentation import member_label
from bot.services.community import find_circle, find_members

if TYPE_CHECKING:
    from bot.context import Context

ParamKind = Literal["ref", "refs", "choice", "text", "words", "member", "circle"]

_REF = re.compile(r"^#?(\d{1,9})[.,;:!?]?$")  # a sentence's punctuation after it: "#16,", "#16:", "#16."
_QUOTED = re.compile(r"^([\"“«'])(.+?)([\"”»'])(?:\s+|$)", re.DOTALL)


@dataclass(frozen=True)
class Param:
    """A declared argument.

    ref: `#N` (or `N`); refs: one or more `#N` (see _parse_refs), or a keyword from `choices`;
    choice: one word among `choices` (a mapping alias -> canonical); text: the rest of the
    line; words: the rest of the line split into words;
    member: one member, named by `@name`, a name or an identity (a name with spaces in quotes);
    circle: a circle named by a `#name` word, or a keyword from `choices` (`/schedule pause all`);
    with `whole`, the rest of the line names it, with or without `#` (`/level GT Mobilité`).

    An optional `ref` (a `#N` word only) or `circle` leaves a word that is not one for what follows.
    """

    name: str
    kind: ParamKind
    required: bool = True
    choices: dict[str, str] = field(default_factory=dict)
    whole: bool = False


def read_params(ctx: Context, params: tuple[Param, ...], text: str) -> tuple[dict[str, Any], str]:
    """The values of `params` read from the start of `text`, and what is left of it."""
    values: dict[str, Any] = {}
    rest = text.strip()
    for index, param in enumerate(params):
        values[param.name], rest = _read(ctx, param, rest, last=index == len(params) - 1)
        rest = rest.strip()
    return values, rest


def _read(ctx: Context, param: Param, rest: str, last: bool) -> tuple[Any, str]:
    if param.kind in ("text", "words"):
        if param.required and not rest:
            raise UsageError("Something is missing.")
        return (rest if param.kind == "text" else rest.split()), ""
    token, remainder = first_word(rest)
    if param.kind == "refs":
        return _parse_refs(param, rest, last)
    if param.kind == "member":
        return _read_member(ctx, param, rest)
    if param.kind == "circle":
        return _read_circle(ctx, param, rest)
    if param.kind == "ref":
        if not token:
            if param.required:
                raise UsageError("Give the number of an item, like #12.")
            return None, ""
        if not param.required and not (token.startswith("#") and _REF.match(token)):
            return None, rest
        return parse_ref(token), remainder
    choice = param.choices.get(token.lower()) if token else None
    if choice is None:
        if not param.required and not token:
            return None, ""
        raise UsageError("Choose one of: {choices}.", choices=choices_of(param))
    return choice, remainder


def first_word(text: str) -> tuple[str, str]:
    """ "add  Budget review" -> ("add", "Budget review"): words end at any space or line break."""
    parts = text.split(None, 1)
    return (parts[0], parts[1] if len(parts) > 1 else "") if parts else ("", "")


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


def _parse_refs(param: Param, rest: str, last: bool) -> tuple[list[int] | str, str]:
    """A keyword, or numbers: the first one however written (`#3`, `3`), then more `#N` after spaces, and any
    number after a comma (`/done #3,#4, 5 #6 note`: never taken for the note; `/done #3, bravo` is #3 and its
    note). Last on the line, every word is a number."""
    tokens = rest.split()
    if tokens and tokens[0].lower() in param.choices:
        return param.choices[tokens[0].lower()], " ".join(tokens[1:])
    if not tokens:
        raise UsageError("Give the number of an item, like #12.")
    if last:
        return [parse_ref(token) for token in re.split(r"[\s,]+", rest) if token], ""
    first, remainder = first_word(rest)
    numbers = [parse_ref(piece) for piece in first.split(",") if piece] or [parse_ref(first)]  # "#3,#4", "#3,4"
    after_comma = first.endswith(",")
    while remainder:  # more numbers: "#4" after a space, or any number after a comma ("#3, 4 note")
        word, after = first_word(remainder)
        pieces = [piece for piece in word.split(",") if piece]
        if not pieces or not all(_REF.match(piece) for piece in pieces) or not (after_comma or word[0] == "#"):
            break
        numbers += [parse_ref(piece) for piece in pieces]
        after_comma, remainder = word.endswith(","), after
    return numbers, remainder


def _read_member(ctx: Context, param: Param, rest: str) -> tuple[Member | None, str]:
    quoted = _QUOTED.match(rest)
    name, remainder = (quoted.group(2), rest[quoted.end() :]) if quoted else first_word(rest)
    if not name:
        if param.required:
            raise UsageError("Something is missing.")
        return None, ""
    return one_member(ctx, name), remainder


def _read_circle(ctx: Context, param: Param, rest: str) -> tuple[Circle | str | None, str]:
    token, remainder = first_word(rest)
    if param.whole and rest:
        return circle_named(ctx, rest), ""
    if len(token) > 1 and token.startswith("#") and not _REF.match(token):
        return circle_named(ctx, token), remainder
    if token and param.choices:
        keyword = param.choices.get(token.lower())
        if keyword is None:
            raise UsageError("Choose one of: {choices}.", choices=choices_of(param))
        return keyword, remainder
    if param.required:
        raise UsageError("Something is missing.")
    return None, rest


# Members and circles by name: the one place where a name that fits nobody is refused


def circle_named(ctx: Context, name: str) -> Circle:
    """The circle called `name` (`#copil`, `GT Mobilité`, an unambiguous start like `#gt`)."""
    circle = find_circle(ctx.session, ctx.community, name)
    if circle is None:
        raise UsageError("There is no circle called {name}.", name=esc("#" + name.strip().lstrip("#"), 60))
    return circle


def members_named(ctx: Context, reference: str) -> list[Member]:
    """Everyone `reference` may name (`@alice`, a display name, an identity); at least one."""
    members = find_members(ctx.session, ctx.community, reference)
    if not members:
        raise UsageError("I do not know anyone called {name}.", name=esc(reference, 60))
    return members


def one_member(ctx: Context, reference: str) -> Member:
    """The one member `reference` names; several who fit are refused, with their names."""
    members = members_named(ctx, reference)
    if len(members) > 1:
        raise UsageError(
            "Several people match {name}: {names}. Be more precise.",
            name=esc(reference, 60),
            names=", ".join(member_label(member) for member in members[:5]),
        )
    return members[0]
