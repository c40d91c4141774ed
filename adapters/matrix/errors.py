"""What a Matrix error means for Relais: try again later, give up, or stop the bot."""

from __future__ import annotations

import asyncio

import aiohttp

from bot.delivery import Held, PermanentFailure, TemporaryFailure
from bot.i18n import N_

# Connection refused or reset, a timeout, a DNS failure: the homeserver is unreachable for now.
NETWORK_ERRORS: tuple[type[BaseException], ...] = (aiohttp.ClientError, asyncio.TimeoutError, TimeoutError, OSError)

PERMANENT_CODES = frozenset(
    {"M_FORBIDDEN", "M_NOT_FOUND", "M_UNKNOWN", "M_TOO_LARGE", "M_BAD_JSON", "M_NOT_JSON", "M_INVALID_PARAM"}
)
FATAL_CODES = frozenset({"M_UNKNOWN_TOKEN", "M_MISSING_TOKEN", "M_USER_DEACTIVATED"})
LOGIN_REFUSED = N_("Matrix login refused for {user} ({reason}): check matrix.password (RELAIS_MATRIX_PASSWORD)")


class HomeserverBusy(ConnectionError):
    """The homeserver answered "not now" (5xx, M_LIMIT_EXCEEDED) mid-batch: the batch is replayed later
    (a ConnectionError, so one of NETWORK_ERRORS)."""


class FatalError(Exception):
    """The bot cannot go on (wrong token or password, account deactivated): say so and stop.

    `message` is an English msgid whose fields `values` fill (str(): the English text, for the log); the
    command line says it in the operator's language."""

    def __init__(self, message: str, **values: object) -> None:
        super().__init__(message.format(**values) if values else message)
        self.message = message
        self.values = values


def http_status(response: object) -> int | None:
    transport = getattr(response, "transport_response", None)
    return getattr(transport, "status", None)


def retry_after(response: object) -> float | None:
    ms = getattr(response, "retry_after_ms", None)
    return ms / 1000 if isinstance(ms, int | float) and ms >= 0 else None


def delivery_failure(response: object, what: str) -> Exception:
    """The Deliverer's view of an error response: TemporaryFailure or PermanentFailure."""
    code = getattr(response, "status_code", None)
    message = f"{what}: {code or ''} {getattr(response, 'message', '')}".strip()
    status = http_status(response)
    if code == "M_LIMIT_EXCEEDED" or status == 429:  # "not now": never counted as an attempt, so never given up
        return Held(message, retry_after(response) or 5.0)
    if status is not None and status >= 500:
        return TemporaryFailure(message)
    if code in PERMANENT_CODES or (status is not None and 400 <= status < 500 and code not in FATAL_CODES):
        return PermanentFailure(message)
    return TemporaryFailure(message)


def describe(error: BaseException) -> str:
    """A short, readable description of a network error for the logs."""
    try:
        text = str(error).strip()
    except Exception:  # some exceptions cannot even say what they are
        text = ""
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
