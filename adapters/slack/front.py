"""Slack HTTP mode's front: a process of its own that answers Slack, so that no command work can delay it.

`relais run` (adapters.slack.mode.HttpTransport) starts it as `python -m adapters.slack.front` with
one end of a socket pair. The front listens for Slack's HTTP requests, checks each signature
(signing secret, timestamp within five minutes: anything else gets 401), acknowledges at once and
hands the request to Relais through the socket; Relais runs it through its Bolt app as if it came
from Socket Mode. Only the requests whose answer carries content wait for Relais' answer (a modal
submission's inline errors); a URL verification is answered here. No database, no Slack SDK, no
work of Relais' ever holds its interpreter.

It is small on purpose (about 16 MB): asyncio without its ssl module (it never speaks TLS itself: a
load balancer or a proxy in front of it does), and HMAC-SHA256 (RFC 2104) over CPython's own SHA-256
rather than OpenSSL's (loading OpenSSL costs 3.5 to 6 MB).

Frames on the socket: 4-byte big-endian length, then JSON. Front -> Relais: {"listening": [host,
port]} once, then {"n": id, "body": text, "headers": {...}, "answer": bool} per request. Relais ->
front: {"n": id, "status": code, "body": text, "type": content type} for the requests that wait.
"""

from __future__ import annotations

import sys

if __name__ == "__main__":  # the front's own process: asyncio without ssl (libssl, libcrypto)
    sys.modules.setdefault("ssl", None)  # type: ignore[arg-type]

import asyncio
import itertools
import json
import os
import socket
import struct
import time
from _operator import _compare_digest as same  # constant time, as hmac.compare_digest
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs

try:  # CPython's own SHA-256 (3.12: _sha2), without loading OpenSSL
    from _sha2 import sha256  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - depends on the Python version
    try:
        from _sha256 import sha256  # type: ignore[import-not-found,no-redef]
    except ImportError:
        from hashlib import sha256  # type: ignore[assignment]

SECRET_VARIABLE = "RELAIS_SLACK_FRONT_SECRET"
MAX_AGE = 5 * 60  # seconds: an older timestamp is a replay
MAX_BODY = 1 << 20
ANSWER_WITHIN = 2.8  # Slack waits 3 seconds for a modal submission's answer
FORWARDED = ("content-type", "x-slack-request-timestamp", "x-slack-signature", "x-slack-retry-num",
             "x-slack-retry-reason")  # fmt: skip
REASONS = {200: "OK", 302: "Found", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found",
           405: "Method Not Allowed", 413: "Payload Too Large", 503: "Service Unavailable"}  # fmt: skip
OAUTH_WITHIN = 15.0  # `Add to Slack`: the redirect waits for Relais to exchange the code (oauth.v2.access)
OAUTH_HEADERS = ("cookie",)
Reply = tuple[int, str, str] | tuple[int, str, str, list[list[str]]]  # status, content type, body[, headers]


def frame(message: dict[str, Any]) -> bytes:
    data = json.dumps(message, separators=(",", ":")).encode()
    return struct.pack(">I", len(data)) + data


async def read_frame(reader: asyncio.StreamReader) -> dict[str, Any]:
    size = struct.unpack(">I", await reader.readexactly(4))[0]
    return json.loads(await reader.readexactly(size))  # type: ignore[no-any-return]


class Signer:
    """HMAC-SHA256 (RFC 2104) with one key, the way Slack signs: `v0=` + hex of `v0:<timestamp>:<body>`."""

    def __init__(self, key: bytes) -> None:
        key = sha256(key).digest() if len(key) > 64 else key
        key = key.ljust(64, b"\0")
        self.inner = bytes(byte ^ 0x36 for byte in key)
        self.outer = bytes(byte ^ 0x5C for byte in key)

    def digest(self, message: bytes) -> str:
        return sha256(self.outer + sha256(self.inner + message).digest()).hexdigest()

    def signed(self, body: bytes, headers: dict[str, str], now: float) -> bool:
        """A valid signature over a recent timestamp."""
        timestamp, signature = headers.get("x-slack-request-timestamp", ""), headers.get("x-slack-signature", "")
        if not timestamp.isdigit() or abs(now - int(timestamp)) > MAX_AGE:
            return False
        return bool(same("v0=" + self.digest(b"v0:" + timestamp.encode() + b":" + body), signature))


def needs_answer(body: str, content_type: str) -> bool:
    """Only a modal submission (inline errors) and an options request answer with content."""
    if not content_type.startswith("application/x-www-form-urlencoded") or not body.startswith("payload="):
        return False
    try:
        kind = json.loads(parse_qs(body).get("payload", [""])[0]).get("type")
    except (ValueError, AttributeError):
        return False
    return kind in ("view_submission", "block_suggestion")


class Front:
    """What the connections share: the signature check, and the socket to Relais."""

    def __init__(self, secret: bytes, path: str, oauth_paths: tuple[str, ...] = ()) -> None:
        self.signer = Signer(secret)
        self.path = path
        self.oauth_paths = oauth_paths  # several workspaces: /slack/install and the OAuth redirect
        self.writer: asyncio.StreamWriter | None = None
        self.waiting: dict[int, asyncio.Future[Reply]] = {}
        self.numbers = itertools.count(1)
        self.clock = time.time

    async def answer(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Reply:
        path = target.split("?", 1)[0]
        if path == "/healthz" and method in ("GET", "HEAD"):
            return 200, "text/plain", "ok"
        if path in self.oauth_paths and method == "GET":  # a person's browser, not Slack: no signature
            query = target.split("?", 1)[1] if "?" in target else ""
            kept = {key: value for key, value in headers.items() if key in OAUTH_HEADERS}
            return await self.forward("", kept, oauth={"path": path, "query": query})
        if path != self.path:
            return 404, "text/plain", "not found"
        if method != "POST":
            return 405, "text/plain", "method not allowed"
        if not self.signer.signed(body, headers, self.clock()):
            return 401, "application/json", '{"error":"invalid request"}'
        text = body.decode("utf-8", errors="replace")
        content_type = headers.get("content-type", "")
        if content_type.startswith("application/json") and '"url_verification"' in text:
            try:
                event = json.loads(text)
            except ValueError:
                return 400, "text/plain", "bad request"
            if isinstance(event, dict) and event.get("type") == "url_verification":
                return 200, "application/json", json.dumps({"challenge": event.get("challenge")})
        if content_type.startswith("application/x-www-form-urlencoded") and "ssl_check=1" in text.split("&"):
            return 200, "text/plain", ""
        return await self.forward(text, {key: value for key, value in headers.items() if key in FORWARDED})

    async def forward(self, body: str, headers: dict[str, str], oauth: dict[str, str] | None = None) -> Reply:
        if self.writer is None or self.writer.is_closing():
            return 503, "text/plain", "relais is not running"
        number = next(self.numbers)
        wait = oauth is not None or needs_answer(body, headers.get("content-type", ""))
        request = {"n": number, "body": body, "headers": headers, "answer": wait}
        self.writer.write(frame({**request, "oauth": oauth} if oauth else request))
        if not wait:
            return 200, "text/plain", ""
        future: asyncio.Future[Reply] = asyncio.get_running_loop().create_future()
        self.waiting[number] = future
        try:  # after ANSWER_WITHIN, Relais finishes anyway; its answer (inline errors) comes too late
            return await asyncio.wait_for(future, OAUTH_WITHIN if oauth else ANSWER_WITHIN)
        except TimeoutError:
            return 200, "text/plain", ""
        finally:
            self.waiting.pop(number, None)

    async def relais_answers(self, reader: asyncio.StreamReader) -> None:
        """Relais' answers to the requests that wait; returns when Relais goes away."""
        while True:
            try:
                message = await read_frame(reader)
            except (asyncio.IncompleteReadError, ConnectionError, ValueError):
                return
            future = self.waiting.get(int(message.get("n", 0)))
            if future is not None and not future.done():
                extra = message.get("headers") or []
                future.set_result((int(message["status"]), str(message["type"]), str(message["body"]), extra))


async def http_connection(
    answer: Callable[[str, str, dict[str, str], bytes], Awaitable[Reply]],
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
) -> None:
    """One client connection: HTTP/1.1 requests one after the other (keep-alive, chunked bodies)."""
    try:
        while await one_request(answer, reader, writer):
            pass
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, ValueError):
        return
    finally:
        writer.close()


async def one_request(
    answer: Callable[[str, str, dict[str, str], bytes], Awaitable[Reply]],
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
) -> bool:
    head = await reader.readuntil(b"\r\n\r\n")
    request_line, *lines = head.decode("latin-1").split("\r\n")
    method, target, version = (request_line.split(" ") + ["", ""])[:3]
    headers: dict[str, str] = {}
    for line in lines:
        name, colon, value = line.partition(":")
        if colon:
            headers[name.strip().lower()] = value.strip()
    if headers.get("expect", "").lower() == "100-continue":
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    body = await read_body(reader, headers)
    if body is None:
        status, content_type, text, *more = 413, "text/plain", "too large"
    else:
        status, content_type, text, *more = await answer(method, target, headers, body)
    extra = "".join(f"{name}: {value}\r\n" for name, value in (more[0] if more else []) if "\n" not in value)
    keep = version == "HTTP/1.1" and headers.get("connection", "").lower() != "close" and body is not None
    payload = text.encode()
    writer.write(
        f"HTTP/1.1 {status} {REASONS.get(status, 'OK')}\r\nContent-Type: {content_type}; charset=utf-8\r\n"
        f"Content-Length: {len(payload)}\r\nConnection: {'keep-alive' if keep else 'close'}\r\n{extra}\r\n".encode()
        + payload
    )
    await writer.drain()
    return keep


async def read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes | None:
    """The request's body (Content-Length or chunked); None when larger than MAX_BODY."""
    if headers.get("transfer-encoding", "").lower() == "chunked":
        chunks = b""
        while size := int((await reader.readuntil(b"\r\n")).split(b";")[0].strip() or b"0", 16):
            chunks += await reader.readexactly(size)
            await reader.readexactly(2)
            if len(chunks) > MAX_BODY:
                return None
        while (await reader.readuntil(b"\r\n")).strip():  # trailers, then the blank line
            pass
        return chunks
    length = int(headers.get("content-length", "0") or "0")
    return None if length > MAX_BODY else await reader.readexactly(length)


async def main(host: str, port: int, path: str, fd: int, oauth_paths: tuple[str, ...] = ()) -> None:
    front = Front(os.environ.pop(SECRET_VARIABLE, "").encode(), path, oauth_paths)
    reader, front.writer = await asyncio.open_unix_connection(sock=socket.socket(fileno=fd))
    server = await asyncio.start_server(
        lambda r, w: http_connection(front.answer, r, w), host, port, limit=64 * 1024, backlog=1024, reuse_address=True
    )
    bound = server.sockets[0].getsockname()
    front.writer.write(frame({"listening": [bound[0], bound[1]]}))
    async with server:
        await front.relais_answers(reader)  # until Relais stops (or dies): so does its front


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), tuple(sys.argv[5:])))
