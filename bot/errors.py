"""Refusals: expected, user-facing failures. The dispatcher translates them and rolls back."""

from __future__ import annotations

from bot.kinds import ItemKind


class Refusal(Exception):
    """A clear 'no' for the member: `message` is an English msgid, `values` fill its fields.

    Values that come from users must already be escaped with bot.markup.esc().
    """

    def __init__(self, message: str, **values: object) -> None:
        super().__init__(message)
        self.message = message
        self.values = values


class Term(str):
    """A refusal value that is itself an English msgid: translated with the rest of the message."""


KIND_NAMES = {
    ItemKind.COMMITMENT: Term("a commitment"),
    ItemKind.UPDATE: Term("an update"),
    ItemKind.ANNOUNCEMENT: Term("an announcement"),
    ItemKind.DECISION: Term("a decision"),
    ItemKind.RECAP: Term("a recap"),
    ItemKind.AGENDA: Term("an agenda"),
    ItemKind.MEETING: Term("a meeting"),
}


def kind_name(kind: ItemKind) -> Term:
    """'a meeting', 'an update'… for refusals such as "#12 is a meeting, not an item to read"."""
    return KIND_NAMES.get(kind, Term(kind))


class UsageError(Refusal):
    """The arguments do not fit the command; the dispatcher appends the usage line."""
