"""What every part of the stand-in shares: its default workspace, Slack-looking ids, the
recorded traffic type, and the `{"ok": false, "error": …}` answer as an exception."""

from __future__ import annotations

import itertools
import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

DEFAULT_TEAM_ID = "T0RELAIS01"
DEFAULT_TEAM_DOMAIN = "relais-test"
DEFAULT_APP_ID = "A0RELAIS01"
DEFAULT_BOT_USER_ID = "U0RELAISBOT"
DEFAULT_BOT_ID = "B0RELAISBOT"
DEFAULT_USER_ID = "U0ALICE001"
DEFAULT_CHANNEL_ID = "C0GENERAL01"
#: Verification token put into payloads (deprecated by Slack, still sent).
DEFAULT_VERIFICATION_TOKEN = "standin-verification-token"
SLACKBOT = "USLACKBOT"

HOST = "127.0.0.1"

_id_counter = itertools.count(1)
_id_lock = threading.Lock()


def new_id(prefix: str, length: int = 10) -> str:
    """Slack-looking id: prefix + uppercase alphanumerics, unique within the process."""
    with _id_lock:
        n = next(_id_counter)
    return f"{prefix}{n:04d}{uuid.uuid4().hex.upper()}"[: len(prefix) + length]


def new_trigger_id() -> str:
    """A trigger_id shaped like Slack's (``<digits>.<digits>.<hex>``)."""
    now = int(time.time())
    return f"{now}{next(_id_counter):05d}.{now % 100000000}.{uuid.uuid4().hex}"


def maybe_json(value: Any) -> Any:
    """Form-encoded requests carry blocks/metadata/view as JSON strings; decode them."""
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() in ("1", "true", "yes")
    return bool(value)


def tz_info(tz: str) -> tuple[str, int]:
    """The zone's current abbreviation and offset in seconds, as users.info gives them."""
    try:
        now = datetime.now(ZoneInfo(tz))
    except Exception:  # noqa: BLE001 - unknown zone / no tzdata: fall back to UTC numbers
        return tz, 0
    offset = now.utcoffset()
    return (now.tzname() or tz), int(offset.total_seconds()) if offset is not None else 0


class ApiError(Exception):
    """An ``{"ok": false, "error": …}`` answer (extra keys go into the answer too)."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra


StandinError = ApiError  # the name the channel-members part used


@dataclass(frozen=True)
class RecordedCall:
    """One HTTP request received by the stand-in.

    Unpacks as the 3-tuple ``(method, params, headers)``. ``headers`` keys are lower-case.
    ``params`` merges query string and body (JSON values keep their types; form values are
    strings, exactly as received). For ``response_url`` posts, ``method`` is ``"response_url"``
    and ``response_id`` is set.
    """

    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    status: int = 200
    response: dict[str, Any] = field(default_factory=dict)
    http_verb: str = "POST"
    at: float = 0.0  # time.monotonic() when handled
    response_id: str | None = None

    def __iter__(self) -> Iterator[Any]:
        return iter((self.method, self.params, self.headers))

    @property
    def ok(self) -> bool:
        return self.status == 200 and bool(self.response.get("ok", False))

    @property
    def token(self) -> str | None:
        auth = self.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            return auth[7:].strip()
        token = self.params.get("token")
        return str(token) if token is not None else None


@dataclass
class Fault:
    """An answer injected for the next `times` calls of one method (rate limit, error)."""

    times: int
    status: int
    body: dict[str, Any]
    headers: dict[str, str]
