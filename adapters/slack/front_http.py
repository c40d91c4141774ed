"""HTTP/1.1 requests read strictly for the Slack front (adapters/slack/front.py): one way to read each length,
anything else refused before it is read (request smuggling), nothing read twice (a chunked body read on, not again);
and their signature checked (Signer).

Standard library only, no typing: the front imports it as a sibling module when run as `python -I -S front.py`.
"""

from __future__ import annotations

import json
from _operator import _compare_digest as same  # constant time, as hmac.compare_digest

try:  # CPython's own SHA-256 (3.12: _sha2), without loading OpenSSL
    from _sha2 import sha256  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - depends on the Python version
    try:
        from _sha256 import sha256  # type: ignore[import-not-found,no-redef]
    except ImportError:
        from hashlib import sha256  # type: ignore[assignment]

MAX_AGE = 5 * 60  # seconds: an older timestamp is a replay

MAX_BODY = 1 << 20
MAX_HEAD = 64 * 1024
MAX_LINE = 1024  # a chunk's size line
TOKEN = frozenset("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
HEX = frozenset(b"0123456789abcdefABCDEF")
SINGLE = ("content-length", "transfer-encoding", "x-slack-request-timestamp", "x-slack-signature")
REASONS = {200: "OK", 302: "Found", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found",
           405: "Method Not Allowed", 408: "Request Timeout", 411: "Length Required", 413: "Payload Too Large",
           431: "Request Header Fields Too Large", 500: "Internal Server Error", 501: "Not Implemented",
           503: "Service Unavailable"}  # fmt: skip
Request = tuple[str, str, str, dict[str, str], bytes]  # method, target, version, headers, body


class Refused(Exception):
    """A request that cannot be read safely (its length, its head): answered `status`, then the connection closes."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


def parse_head(data: bytearray, end: int) -> tuple[str, str, str, dict[str, str]]:
    """Request line and headers, strictly (RFC 9112): anything a proxy could read otherwise is refused (400)."""
    request_line, *lines = data[:end].decode("latin-1").split("\r\n")
    parts = request_line.split(" ")
    if len(parts) != 3 or not parts[0] or not set(parts[0]) <= TOKEN or parts[2] not in ("HTTP/1.1", "HTTP/1.0"):
        raise Refused(400)
    if not parts[1].startswith("/") or not (parts[1].isascii() and parts[1].isprintable()):
        raise Refused(400)
    headers: dict[str, str] = {}
    for line in lines:  # no folded line, no space before the colon, no bare CR, LF or NUL, no repeated length
        name, colon, value = line.partition(":")
        name = name.lower()
        if not colon or not name or not set(name) <= TOKEN or "\r" in value or "\n" in value or "\0" in value:
            raise Refused(400)
        if name in headers and name in SINGLE:
            raise Refused(400)
        headers[name] = value.strip(" \t")
    return parts[0], parts[1], parts[2], headers


def framing(method: str, headers: dict[str, str]) -> int | None:
    """The body's length; None: chunked. One way to read it or none: both lengths, any other coding are refused."""
    coding, length = headers.get("transfer-encoding"), headers.get("content-length")
    if coding is not None:
        if length is not None:  # request smuggling: a proxy may read the other one
            raise Refused(400)
        if coding.lower() != "chunked":
            raise Refused(501)
        return None
    if length is None:
        if method == "POST":
            raise Refused(411)
        return 0
    if not (length.isascii() and length.isdigit()) or len(length) > 12:
        raise Refused(400)
    if int(length) > MAX_BODY:
        raise Refused(413)
    return int(length)


class Reader:
    """What a connection received, read as requests; `send` (100 Continue) is the connection's."""

    def __init__(self) -> None:
        self.inbox = bytearray()
        self.continued = False  # "100 Continue" said for the request being read
        self.chunks: tuple[int, bytearray] | None = None  # a chunked body: where reading goes on, what was read

    def send(self, data: bytes = b"") -> None:
        raise NotImplementedError

    def take_request(self) -> Request | None:
        """The next complete request in the inbox; None: not all here yet. Refused: not to be read."""
        while self.inbox.startswith(b"\r\n"):  # (a client may end a body with an extra CRLF)
            del self.inbox[:2]
        end = self.inbox.find(b"\r\n\r\n", 0, MAX_HEAD + 4)
        if end < 0:
            if len(self.inbox) > MAX_HEAD:
                raise Refused(431)
            return None
        method, target, version, headers = parse_head(self.inbox, end)
        length = framing(method, headers)
        if headers.get("expect", "").lower() == "100-continue" and not self.continued:
            self.send(b"HTTP/1.1 100 Continue\r\n\r\n")
            self.continued = True
        if length is None:
            found = self.chunked_body(end + 4)
            if found is None:
                return None
            body, used = found
        elif len(self.inbox) < end + 4 + length:
            return None
        else:
            body, used = bytes(self.inbox[end + 4 : end + 4 + length]), end + 4 + length
        del self.inbox[:used]
        self.continued, self.chunks = False, None
        return method, target, version, headers, body

    def chunked_body(self, start: int) -> tuple[bytes, int] | None:
        """A chunked body starting at `start` and where it ends (trailers included); None: not all here yet.

        Read on from where the previous call stopped (not again from the start); strict hexadecimal sizes,
        each chunk followed by CRLF."""
        data = self.inbox
        at, chunks = self.chunks or (start, bytearray())
        while (line_end := data.find(b"\r\n", at, at + MAX_LINE)) >= 0:
            line = bytes(data[at:line_end])
            size_text = line.split(b";")[0].strip(b" \t")
            if not size_text or len(size_text) > 8 or not set(size_text) <= HEX or b"\n" in line or b"\r" in line:
                raise Refused(400)
            size = int(size_text, 16)
            if len(chunks) + size > MAX_BODY:
                raise Refused(413)
            if not size:  # the last chunk, trailers, a blank line (no bare CR or LF: a proxy may end lines there)
                end = data.find(b"\r\n\r\n", line_end, line_end + MAX_HEAD)
                trailers = bytes(data[line_end + 2 : end + 2 if end >= 0 else len(data)]).replace(b"\r\n", b"")
                if b"\n" in trailers or b"\r" in trailers.removesuffix(b"\r"):
                    raise Refused(400)
                if end >= 0:
                    return bytes(chunks), end + 4
                if len(data) - line_end > MAX_HEAD:
                    raise Refused(431)
                break
            if len(data) < line_end + 4 + size:
                break
            if data[line_end + 2 + size : line_end + 4 + size] != b"\r\n":
                raise Refused(400)
            chunks += data[line_end + 2 : line_end + 2 + size]
            at = line_end + 4 + size
        else:
            if len(data) - at >= MAX_LINE:
                raise Refused(400)
        self.chunks = (at, chunks)
        return None


def form_field(body: str, name: str) -> str:
    """One field of an application/x-www-form-urlencoded body, decoded (what urllib.parse.parse_qs gives)."""
    for pair in body.split("&"):
        key, _, value = pair.partition("=")
        if key == name:
            head, *parts = value.replace("+", " ").split("%")
            decoded = bytearray(head.encode())
            for part in parts:
                try:
                    decoded += bytes.fromhex(part[:2]) + part[2:].encode()
                except ValueError:
                    decoded += b"%" + part.encode()
            return decoded.decode("utf-8", errors="replace")
    return ""


def needs_answer(body: str, content_type: str) -> bool:
    """Only a modal submission (inline errors) and an options request answer with content."""
    if not content_type.startswith("application/x-www-form-urlencoded") or not body.startswith("payload="):
        return False
    try:
        kind = json.loads(form_field(body, "payload")).get("type")
    except (ValueError, AttributeError):
        return False
    return kind in ("view_submission", "block_suggestion")


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
        if (
            not (timestamp.isascii() and timestamp.isdigit())
            or len(timestamp) > 12
            or abs(now - int(timestamp)) > MAX_AGE
        ):
            return False  # ("²".isdigit(), and 400 digits overflow a float: either would raise)
        expected = "v0=" + self.digest(b"v0:" + timestamp.encode() + b":" + body)
        return bool(same(expected.encode(), signature.encode("latin-1")))  # bytes: str must be ASCII
