"""HTTP mode, as Slack does it: requests signed with the signing secret (v0 HMAC-SHA256), bodies
encoded the way Slack encodes each kind, and an in-process ASGI call for Bolt's ASGI adapter."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import urlencode

from .common import HOST


def signed_request_headers(
    body: str,
    signing_secret: str,
    timestamp: int | None = None,
    *,
    content_type: str | None = None,
    retry_num: int | None = None,
    retry_reason: str | None = None,
) -> dict[str, str]:
    """Headers Slack sends with an HTTP request: v0 HMAC-SHA256 signature over
    ``v0:{timestamp}:{body}``, plus Content-Type (guessed from the body unless given) and,
    optionally, the Events API retry headers."""
    ts = int(time.time()) if timestamp is None else int(timestamp)
    basestring = f"v0:{ts}:{body}".encode()
    digest = hmac.new(signing_secret.encode(), basestring, hashlib.sha256).hexdigest()
    headers = {
        "X-Slack-Request-Timestamp": str(ts),
        "X-Slack-Signature": f"v0={digest}",
        "Content-Type": content_type
        or ("application/json" if body.lstrip().startswith("{") else "application/x-www-form-urlencoded"),
    }
    if retry_num is not None:
        headers["X-Slack-Retry-Num"] = str(retry_num)
        headers["X-Slack-Retry-Reason"] = retry_reason or "http_timeout"
    return headers


def form_encode_slash_command(payload: Mapping[str, Any]) -> str:
    """``application/x-www-form-urlencoded`` body of a slash command, as Slack posts it."""
    return urlencode({k: "" if v is None else str(v) for k, v in payload.items()})


def form_encode_interactive(payload: Mapping[str, Any]) -> str:
    """Interactive payloads are posted as one ``payload=<json>`` form field."""
    return urlencode({"payload": json.dumps(payload, separators=(",", ":"))})


def json_encode_event(payload: Mapping[str, Any]) -> str:
    """Events API bodies are JSON."""
    return json.dumps(payload, separators=(",", ":"))


async def asgi_request(
    asgi_app: Callable[..., Awaitable[None]],
    path: str,
    body: str,
    headers: Mapping[str, str],
    *,
    method: str = "POST",
    timeout: float = 10.0,
) -> tuple[int, dict[str, str], bytes]:
    """Call an ASGI app (e.g. Bolt's ``AsyncSlackRequestHandler``) in-process, no server needed.
    Returns ``(status, lower-cased headers, body)``."""
    raw = body.encode()
    received = False
    start: dict[str, Any] = {}
    chunks: list[bytes] = []
    answered = asyncio.Event()

    async def receive() -> dict[str, Any]:
        nonlocal received
        if not received:
            received = True
            return {"type": "http.request", "body": raw, "more_body": False}
        await answered.wait()  # the client goes away once it has the whole answer
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                answered.set()

    path_only, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path_only,
        "raw_path": path_only.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(k.lower().encode(), str(v).encode()) for k, v in headers.items()]
        + [(b"content-length", str(len(raw)).encode())],
        "client": (HOST, 50000),
        "server": (HOST, 80),
    }
    await asyncio.wait_for(asgi_app(scope, receive, send), timeout)
    response_headers = {k.decode().lower(): v.decode() for k, v in start.get("headers", [])}
    return int(start.get("status", 0)), response_headers, b"".join(chunks)
