"""Slack HTTP mode's front: a process of its own that answers Slack, so that no command work can delay it.

`relais run` (adapters.slack.mode.HttpTransport) starts it as `python -I -S .../adapters/slack/front.py`
with one end of a socket pair. The front listens for Slack's HTTP requests, checks each signature (signing
secret, timestamp within five minutes: else 401), writes the request to the spool (front_spool.py: on disk,
one fsync per turn of the loop), acknowledges and hands it to Relais through the socket (at start, what the
last run left undone too). Relais runs it through its Bolt app as if it came from Socket Mode. Only the requests
whose answer carries content wait for Relais' answer (a modal submission's inline errors); a URL verification
is answered here. No database, no Slack SDK, no work of Relais' ever holds its interpreter.

Small on purpose (about 11 MB resident; 16 MB with asyncio): one selectors loop, run without site-packages
or the environment (`-I -S`); no asyncio (its logging, inspect, threads), no ssl (a proxy in front speaks
TLS), no typing; HMAC-SHA256 (RFC 2104) over CPython's own SHA-256, not OpenSSL's (3.5 to 6 MB).

Frames on the socket: 4-byte big-endian length, then JSON. Front -> Relais: {"listening": [host,
port]} once, then {"n": id, "body": text, "headers": {...}, "answer": bool} per request, and
{"refused": "signature"} at most once a minute while requests fail their signature check (a spooled request
also has "s", its spool id, "at", and "replay" when sent again). Relais -> front: {"n": id, "status": code,
"body": text, "type": content type} for the requests that wait; {"done": [spool ids]} once their work is done.
"""

from __future__ import annotations

import errno
import itertools
import json
import os
import selectors
import socket
import struct
import sys
import time

if __package__:  # imported (adapters.slack.mode)
    from adapters.slack.front_http import REASONS, Reader, Refused, Signer, needs_answer
    from adapters.slack.front_spool import Spool
else:  # run as `python -I -S front.py`: its sibling, from its own directory
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from front_http import REASONS, Reader, Refused, Signer, needs_answer  # type: ignore[import-not-found,no-redef]
    from front_spool import Spool  # type: ignore[import-not-found,no-redef]

TYPE_CHECKING = False  # the typing module alone is 2 MB of this process
if TYPE_CHECKING:
    from typing import Any

SECRET_VARIABLE = "RELAIS_SLACK_FRONT_SECRET"
SPOOL_VARIABLE = "RELAIS_SLACK_FRONT_SPOOL"  # the spool file (adapters/slack/front_spool.py)
MAX_CONNECTIONS = 256  # beyond, the oldest connection not waiting for Relais is closed
MAX_OUTBOX = 64 * 1024  # answers a connection has not taken: none of its requests is read until it takes them
REQUEST_WITHIN = 20.0  # seconds for a request to arrive in full (or for a kept-alive connection to send one)
ANSWER_WITHIN = 2.8  # Slack waits 3 seconds for a modal submission's answer
FORWARDED = ("content-type", "x-slack-request-timestamp", "x-slack-signature", "x-slack-retry-num",
             "x-slack-retry-reason")  # fmt: skip
OAUTH_WITHIN = 15.0  # `Add to Slack`: the redirect waits for Relais to exchange the code (oauth.v2.access)
OAUTH_HEADERS = ("cookie",)
REFUSALS_SAID_EVERY = 60.0  # seconds
Reply = tuple[int, str, str] | tuple[int, str, str, list[list[str]]]  # status, content type, body[, headers]


def frame(message: dict[str, Any]) -> bytes:
    data = json.dumps(message, separators=(",", ":")).encode()
    return struct.pack(">I", len(data)) + data


class Peer(Reader):
    """A non-blocking socket with what is left to send: nothing written here ever waits."""

    def __init__(self, sock: socket.socket) -> None:
        super().__init__()
        sock.setblocking(False)
        self.sock = sock
        self.outbox = bytearray()
        self.waiting: int | None = None  # the request whose answer Relais gives
        self.keep = True  # keep-alive after the request being answered
        self.deadline = time.monotonic() + REQUEST_WITHIN  # for the request being read
        self.closing = False  # close once the outbox is sent
        self.closed = False
        self.events = 0

    def send(self, data: bytes = b"") -> None:
        """`data` after what is left to send, as much as the socket takes now (without `data`: what is left)."""
        self.outbox += data
        try:
            del self.outbox[: self.sock.send(self.outbox)]
        except BlockingIOError:
            pass
        except OSError:  # the other end is gone (reset, closed): nothing more goes to it
            self.outbox.clear()
            self.closing = True


class Front:
    """One loop over the sockets: Slack's connections, the listening socket and the socket to Relais."""

    def __init__(self, secret: bytes, path: str, oauth_paths: tuple[str, ...] = ()) -> None:
        self.signer = Signer(secret)
        self.path = path
        self.oauth_paths = oauth_paths  # several workspaces: /slack/install and the OAuth redirect
        self.relais: Peer | None = None
        self.waiting: dict[int, tuple[Peer, float]] = {}  # request number: its connection, until when
        self.peers: dict[Peer, None] = {}  # Slack's connections, oldest first
        self.request_within = REQUEST_WITHIN
        self.numbers = itertools.count(1)
        self.clock = time.time
        self.selector = selectors.DefaultSelector()
        self.quiet_until = 0.0  # refusals are said to Relais at most once a minute
        self.spool: Spool | None = None  # requests on disk before they are acknowledged
        self.unsynced: list[tuple[Peer, dict[str, Any], bytes]] = []  # spooled in this turn, not yet on disk
        self.boot = f"{os.getpid():x}.{int(time.time() * 1000):x}"  # spool ids: this front's, then `n`

    def answer(self, peer: Peer, method: str, target: str, headers: dict[str, str], body: bytes) -> Reply | None:
        """The reply; None when it is Relais' to give (forwarded, `peer` waits)."""
        path = target.split("?", 1)[0]
        if path == "/healthz" and method in ("GET", "HEAD"):  # no body after HEAD: the next answer would follow it
            return 200, "text/plain", "ok" if method == "GET" else ""
        if path in self.oauth_paths and method == "GET":  # a person's browser, not Slack: no signature
            query = target.split("?", 1)[1] if "?" in target else ""
            kept = {key: value for key, value in headers.items() if key in OAUTH_HEADERS}
            return self.forward(peer, "", kept, oauth={"path": path, "query": query})
        if path != self.path:
            return 404, "text/plain", "not found"
        if method != "POST":
            return 405, "text/plain", "method not allowed"
        if not self.signer.signed(body, headers, self.clock()):
            self.refused()
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
        return self.forward(peer, text, {key: value for key, value in headers.items() if key in FORWARDED})

    def refused(self) -> None:
        """Relais hears, at most once a minute, that a request was refused: a wrong signing secret refuses all."""
        if self.relais is not None and time.monotonic() >= self.quiet_until:
            self.quiet_until = time.monotonic() + REFUSALS_SAID_EVERY
            self.relais.send(frame({"refused": "signature"}))
            self.watch(self.relais)

    def forward(
        self, peer: Peer, body: str, headers: dict[str, str], oauth: dict[str, str] | None = None
    ) -> Reply | None:
        if self.relais is None:
            return 503, "text/plain", "relais is not running"
        number = next(self.numbers)
        wait = oauth is not None or needs_answer(body, headers.get("content-type", ""))
        request = {"n": number, "body": body, "headers": headers, "answer": wait}
        if oauth is None and self.spool is not None:  # acknowledged (or forwarded) once on disk: `flush`
            request.update(s=f"{self.boot}.{number}", at=int(self.clock()))
            data = frame(request)  # (the spool's records and the frames are written alike)
            try:
                self.spool.add(request, data)
            except OSError:  # the disk is full: Slack retries events; the member sees the command fail
                return 503, "text/plain", "relais cannot keep the request"
            self.unsynced.append((peer, request, data))
            peer.waiting = number
            return None
        self.relais.send(frame({**request, "oauth": oauth} if oauth else request))
        self.watch(self.relais)
        if not wait:
            return 200, "text/plain", ""
        # after the wait, Relais finishes anyway; its answer (inline errors) comes too late
        self.waiting[number] = (peer, time.monotonic() + (OAUTH_WITHIN if oauth else ANSWER_WITHIN))
        peer.waiting = number
        return None

    def serve(self, listener: socket.socket, relais: socket.socket) -> None:
        """Until Relais closes its end of the socket (it stopped, or died): so does its front."""
        listener.setblocking(False)
        self.selector.register(listener, selectors.EVENT_READ, None)
        self.relais = Peer(relais)
        for record in self.spool.pending.values() if self.spool is not None else ():  # left by the last run
            self.relais.send(frame({**record, "n": 0, "answer": False, "replay": True}))
        self.watch(self.relais)
        while self.relais is not None:
            now = time.monotonic()
            deadline = min((deadline for _peer, deadline in self.waiting.values()), default=now + 1.0)
            for key, events in self.selector.select(max(0.0, min(deadline, now + 1.0) - now)):  # idle ones: each second
                if key.data is None:
                    self.accept(listener)
                else:
                    self.event(key.data, events)
            self.flush()
            self.expire()
        for peer, _deadline in self.waiting.values():  # Relais is gone: its answers will not come
            peer.keep = False
            respond(peer, (503, "text/plain", "relais stopped"), 0.0)

    def flush(self) -> None:
        """The requests spooled in this turn go to disk with one fsync; then to Relais, and Slack hears of them."""
        while self.unsynced and self.spool is not None:  # (a connection's next requests join the next turn)
            requests, self.unsynced = self.unsynced, []
            self.forward_synced(requests)
        if self.spool is not None:
            self.spool.write_marks()  # the done marks of this turn, in one write

    def forward_synced(self, requests: list[tuple[Peer, dict[str, Any], bytes]]) -> None:
        stored = self.spool.synced()  # type: ignore[union-attr]
        for peer, request, data in requests:
            if not stored or (self.relais is None and request["answer"]):  # said failed: not run later
                self.spool.pending.pop(str(request["s"]), None)  # type: ignore[union-attr]
                self.resume(peer, (503, "text/plain", "relais cannot take the request"))
                continue
            if self.relais is not None:  # else on disk: run when Relais is back
                self.relais.send(data)
            if request["answer"] and self.relais is not None:
                self.waiting[int(request["n"])] = (peer, time.monotonic() + ANSWER_WITHIN)
            else:
                self.resume(peer, (200, "text/plain", ""))
        if self.relais is not None:
            self.watch(self.relais)

    def watch(self, peer: Peer) -> None:
        """Read while no answer is awaited; write while something is left to send; then close if asked."""
        if peer.closing and not peer.outbox:
            self.close(peer)
            return
        full = len(peer.outbox) > MAX_OUTBOX and peer is not self.relais  # a client not reading its answers
        events = 0 if peer.waiting is not None or peer.closing or full else selectors.EVENT_READ
        events |= selectors.EVENT_WRITE if peer.outbox else 0
        if events != peer.events:
            if not peer.events:
                self.selector.register(peer.sock, events, peer)
            elif not events:
                self.selector.unregister(peer.sock)
            else:
                self.selector.modify(peer.sock, events, peer)
            peer.events = events

    def accept(self, listener: socket.socket) -> None:
        for _ in range(64):
            try:
                sock, _address = listener.accept()
            except BlockingIOError:  # nothing more to accept
                return
            except OSError as error:  # out of file descriptors: the oldest idle connection makes room
                if error.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                    self.evict()
                    return
                continue  # (a connection reset before it was accepted)
            if len(self.peers) >= MAX_CONNECTIONS:
                self.evict()
            if len(self.peers) >= MAX_CONNECTIONS:  # all waiting for Relais (unsigned OAuth requests can)
                sock.close()
                continue
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:  # (reset already)
                sock.close()
                continue
            peer = Peer(sock)
            peer.deadline = time.monotonic() + self.request_within
            self.peers[peer] = None
            self.watch(peer)

    def evict(self) -> None:
        """The oldest connection with nothing under way is closed (else the oldest not waiting for Relais): idle ones
        never pile up without bound, and opening many does not cut a request being received."""
        idle = (peer for peer in self.peers if peer.waiting is None and not peer.inbox and not peer.outbox)
        oldest = next(idle, None) or next((peer for peer in self.peers if peer.waiting is None), None)
        if oldest is not None:
            self.close(oldest)

    def event(self, peer: Peer, events: int) -> None:
        """Something to send or to read (or an awaited answer came: no `events`); then what was read."""
        try:
            if events & selectors.EVENT_WRITE:
                peer.send()
            if events & selectors.EVENT_READ:
                data = peer.sock.recv(1 << 16)
                if not data:
                    raise ConnectionError("closed by the other end")
                peer.inbox += data
            if peer is self.relais:
                self.relais_answers(peer)
            else:
                self.serve_requests(peer)
        except BlockingIOError:
            pass
        except Refused as refused:  # answered, then closed: what follows is never read
            peer.keep = False
            respond(peer, (refused.status, "text/plain", REASONS[refused.status].lower()), self.request_within)
        except Exception:  # a connection reset, anything unforeseen in a request (that connection only); Relais died
            self.relais = None if peer is self.relais else self.relais
            self.close(peer)
            return
        self.watch(peer)

    def serve_requests(self, peer: Peer) -> None:
        """The requests read so far, one after the other (keep-alive), until one waits for Relais."""
        while peer.waiting is None and not peer.closing and len(peer.outbox) <= MAX_OUTBOX:
            request = peer.take_request()
            if request is None:
                return
            method, target, version, headers, body = request
            peer.keep = version == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
            reply = self.answer(peer, method, target, headers, body)
            if reply is not None:
                respond(peer, reply, self.request_within)

    def resume(self, peer: Peer, reply: Reply) -> None:
        """The answer a connection waited for; then its next requests."""
        if not peer.closed:
            respond(peer, reply, self.request_within)
            self.event(peer, 0)

    def relais_answers(self, relais: Peer) -> None:
        """Relais' answers to the requests that wait."""
        while len(relais.inbox) >= 4:
            size = struct.unpack_from(">I", relais.inbox)[0]
            if len(relais.inbox) < 4 + size:
                return
            message = json.loads(relais.inbox[4 : 4 + size])
            del relais.inbox[: 4 + size]
            if "done" in message:  # their work is committed
                for identifier in message["done"] if self.spool is not None else ():
                    self.spool.done(str(identifier))  # type: ignore[union-attr]
                continue
            waiting = self.waiting.pop(int(message.get("n", 0)), None)
            if waiting is not None:
                extra = message.get("headers") or []
                self.resume(waiting[0], (int(message["status"]), str(message["type"]), str(message["body"]), extra))

    def expire(self) -> None:
        """Requests Relais did not answer in time get 503 before Slack gives up (Relais answers a modal within 2.5 s
        itself: it is stuck); connections without a complete request in time are closed (408 if one was begun)."""
        now = time.monotonic()
        for number, (peer, deadline) in list(self.waiting.items()):
            if deadline <= now:
                del self.waiting[number]
                self.resume(peer, (503, "text/plain", "relais did not answer in time"))
        for peer in [peer for peer in self.peers if peer.waiting is None and peer.deadline <= now]:
            if peer.inbox and not peer.outbox:
                peer.keep = False
                respond(peer, (408, "text/plain", "request timeout"), 0.0)
            self.close(peer)

    def close(self, peer: Peer) -> None:
        if peer.events:
            self.selector.unregister(peer.sock)
            peer.events = 0
        peer.sock.close()
        peer.closed = peer.closing = True
        self.peers.pop(peer, None)
        if peer is self.relais:  # Relais stopped or died: so does its front
            self.relais = None


def respond(peer: Peer, reply: Reply, request_within: float) -> None:
    status, content_type, text, *more = reply
    extra = "".join(f"{name}: {value}\r\n" for name, value in (more[0] if more else []) if "\n" not in value + name
                    and "\r" not in value + name)  # fmt: skip
    payload, connection = text.encode(), "keep-alive" if peer.keep else "close"
    peer.send(
        f"HTTP/1.1 {status} {REASONS.get(status, 'OK')}\r\nContent-Type: {content_type}; charset=utf-8\r\n"
        f"Content-Length: {len(payload)}\r\nConnection: {connection}\r\n{extra}\r\n".encode()
        + payload
    )
    peer.waiting = None
    peer.closing = peer.closing or not peer.keep
    peer.deadline = time.monotonic() + request_within  # for the next request (or for this answer to be taken)


def main(host: str, port: int, path: str, fd: int, oauth_paths: tuple[str, ...] = ()) -> None:
    front = Front(os.environ.pop(SECRET_VARIABLE, "").encode(), path, oauth_paths)
    within = os.environ.get("RELAIS_SLACK_FRONT_REQUEST_WITHIN", "")  # seconds (tests: a shorter wait)
    front.request_within = (
        float(within) if within.replace(".", "", 1).isdigit() and float(within) > 0 else REQUEST_WITHIN
    )
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    relais = socket.socket(fileno=fd)
    spool = os.environ.pop(SPOOL_VARIABLE, "")
    front.spool = Spool(spool) if spool else None  # (Relais has checked it can write there)
    try:
        listener = socket.create_server((host, port), family=family, backlog=1024)
    except OSError as error:  # the port is taken, the address is not this machine's: said by Relais, in one line
        relais.sendall(frame({"cannot_listen": os.strerror(error.errno) if error.errno else str(error)}))
        sys.exit(1)
    with listener:
        bound = listener.getsockname()
        relais.sendall(frame({"listening": [bound[0], bound[1]]}))
        front.serve(listener, relais)


if __name__ == "__main__":
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops Relais, which closes the socket: then this stops
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), tuple(sys.argv[5:]))
