"""Refusals: expected, user-facing failures. The dispatcher translates them and rolls back."""

from __future__ import annotations


class Refusal(Exception):
    """A clear 'no' for the member: `message` is an English msgid, `values` fill its fields.

    Values that come from users must already be escaped with bot.markup.esc().
    """

    def __init__(self, message: str, **values: object) -> None:
        super().__init__(message)
        self.message = message
        self.values = values


class UsageError(Refusal):
    """The arguments do not fit the command; the dispatcher appends the usage line."""
