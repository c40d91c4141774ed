"""Reading configuration values, with one set of rules for every section (community, schedules,
matrix, slack…), and ConfigError, which names the key that is wrong.

A value comes typed from the TOML file, or as text from the environment
(RELAIS_SCHEDULES_NUDGE_DUE_DAYS="3,1", RELAIS_MATRIX_ENABLED=non). A yes/no value is one of
1/true/yes/oui/on or 0/false/no/non/off (any case); anything else is an error, never a guess.
"""

from __future__ import annotations

import errno
import socket
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.errors import Term

TRUE = frozenset({"1", "true", "yes", "oui", "on"})
FALSE = frozenset({"0", "false", "no", "non", "off"})


OS_REASONS = {  # what the system says in English, said in the operator's language (a Term: translated)
    errno.EACCES: Term("permission denied"),
    errno.EPERM: Term("permission denied"),
    errno.ENOENT: Term("no such file or folder"),
    errno.EEXIST: Term("a file of that name is in the way"),
    errno.ENOTDIR: Term("a file stands where a folder should be"),
    errno.EISDIR: Term("it is a folder, not a file"),
    errno.EROFS: Term("the disk is read-only"),
    errno.ENOSPC: Term("the disk is full"),
    errno.EADDRINUSE: Term("the port is already taken"),
    errno.EADDRNOTAVAIL: Term("this machine has no such address"),
    errno.ECONNREFUSED: Term("nothing answers there: the connection is refused"),
    errno.EHOSTUNREACH: Term("the network does not reach it"),
    errno.ENETUNREACH: Term("the network does not reach it"),
    socket.EAI_NONAME: Term("no server has this name"),
    socket.EAI_AGAIN: Term("names cannot be looked up now (no network?)"),
}


def os_reason(error: OSError) -> object:
    """Why the system refused, for a ConfigError's value: translated when common, else the system's words.
    A TLS error is said as OpenSSL says it: its errno is OpenSSL's (1 is not "permission denied" there)."""
    ssl = sys.modules.get("ssl")  # not imported for this: without ssl loaded, no error is a TLS one
    if ssl is not None and isinstance(error, ssl.SSLError):
        return str(error)
    return OS_REASONS.get(error.errno or 0) or error.strerror or str(error)


class ConfigError(ValueError):
    """A configuration value is missing or wrong; the message says which.

    Like bot.errors.Refusal, `message` is an English msgid and `values` fill its fields, so that
    the command line can translate it; str(error) is the English text, for logs.
    Config keys and file paths are values: they are never translated.
    """

    def __init__(self, message: str, **values: object) -> None:
        super().__init__(message.format(**values) if values else message)
        self.message = message
        self.values = values


@dataclass(frozen=True)
class ConfigNote:
    """Something in the configuration that Relais ignores (an unknown section, key or variable).

    Not an error: Relais starts, and says it once. `message` is an English msgid, `values` fill it.
    """

    message: str
    values: dict[str, object] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message.format(**self.values) if self.values else self.message


def shown(value: Any) -> str:
    """A value as a message quotes it: short, on one line."""
    text = " ".join(str(value).split())
    return text if len(text) <= 60 else text[:59] + "…"


def as_text(value: Any, key: str) -> str:
    """Text: a TOML string (in quotes), or a variable's value."""
    if not isinstance(value, str):
        raise ConfigError("{key} must be text, in quotes, not “{value}”", key=key, value=shown(value))
    return value


def as_bool(value: Any, key: str, default: bool = False) -> bool:
    """A yes/no value; None is the default."""
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise ConfigError("{key} must be yes or no (true/false, oui/non, on/off, 1/0), not “{value}”", key=key, value=value)


def as_number(value: Any, key: str, minimum: float | None = 0.0) -> float:
    """A number (an int or a float, or their text); below `minimum` (when given) is an error."""
    if isinstance(value, bool):
        raise ConfigError("{key} must be a number, not “{value}”", key=key, value=value)
    try:
        number = float(value)
    except (TypeError, ValueError) as error:
        raise ConfigError("{key} must be a number, not “{value}”", key=key, value=value) from error
    if minimum is not None and number < minimum:
        raise ConfigError("{key} must not be negative", key=key)
    return number


def as_whole(value: Any, key: str, minimum: int | None = 0) -> int:
    """A whole number ("5", 5 or 5.0; not 5.5)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ConfigError("{key} must be a whole number, not “{value}”", key=key, value=value)
    try:
        number = int(value)
    except ValueError as error:
        raise ConfigError("{key} must be a whole number, not “{value}”", key=key, value=value) from error
    if minimum is not None and number < minimum:
        raise ConfigError("{key} must not be negative", key=key)
    return number


def as_list(value: Any, key: str | None = None, example: str = '["…", "…"]') -> tuple[str, ...]:
    """A list of words: a TOML array, or text separated by commas or semicolons; blanks dropped.

    With `key`, anything else (a number, a table, a list inside the list) is an error naming it.
    """
    if value is None:
        return ()
    if isinstance(value, str):
        parts: list[Any] = value.replace(";", ",").split(",")
    elif isinstance(value, list | tuple | set | frozenset):
        parts = list(value)
    elif key is None:
        parts = [value]
    else:
        raise ConfigError(
            "{key} must be a list, such as {example}, not “{value}”", key=key, example=example, value=shown(value)
        )
    if key is not None and any(isinstance(part, dict | list | tuple) for part in parts):
        raise ConfigError(
            "{key} must be a list, such as {example}, not “{value}”", key=key, example=example, value=shown(value)
        )
    return tuple(text for text in (str(part).strip() for part in parts) if text)


def as_numbers(value: Any, key: str) -> tuple[float, ...]:
    """A list of positive numbers: [24, 1], or "24, 1"."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = [value]
    try:
        numbers = tuple(float(part) for part in as_list(value))
    except ValueError as error:
        raise ConfigError("{key} must be a list of numbers, not “{value}”", key=key, value=value) from error
    if any(number <= 0 for number in numbers):
        raise ConfigError("{key} must hold positive numbers", key=key)
    return numbers


@dataclass(frozen=True)
class Section:
    """One table of the configuration, read key by key; errors name the key as `name.key`."""

    name: str
    data: Mapping[str, Any]

    def key(self, key: str) -> str:
        return f"{self.name}.{key}"

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def flag(self, key: str, default: bool) -> bool:
        return as_bool(self.data.get(key), self.key(key), default)

    def number(self, key: str, default: float, minimum: float | None = 0.0) -> float:
        return as_number(self.data.get(key, default), self.key(key), minimum)

    def whole(self, key: str, default: int, minimum: int | None = 0) -> int:
        return as_whole(self.data.get(key, default), self.key(key), minimum)

    def port(self, key: str, default: int) -> int:
        number = self.whole(key, default)
        if number > 65535:
            raise ConfigError(
                "{key} must be a port number (at most 65535), not “{value}”", key=self.key(key), value=number
            )
        return number

    def text(self, key: str, default: str) -> str:
        return as_text(self.data.get(key, default), self.key(key))

    def words(self, key: str, example: str = '["…", "…"]') -> tuple[str, ...]:
        return as_list(self.data.get(key), self.key(key), example)

    def numbers(self, key: str, default: tuple[float, ...]) -> tuple[float, ...]:
        return as_numbers(self.data.get(key, default), self.key(key))
