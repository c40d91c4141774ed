"""The Slack front (adapters/slack/front.py) faces the Internet: the real process, as `relais run` starts it
(adapters.slack.mode.HttpTransport), fed what a hostile or broken client sends. Nothing unframed, unsigned or
garbled reaches Relais, a request is never read with two different lengths (request smuggling), the front never
dies of a request, and idle connections neither stay nor pile up."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import struct
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from slack_bolt.response import BoltResponse

from adapters.slack.front import MAX_CONNECTIONS
from adapters.slack.mode import HttpTransport
from tests.support.waiting import eventually

from .standin import form_encode_interactive, form_encode_slash_command, signed_request_headers
from .standin.payloads import slash_command, view_submission

SECRET = "front-secret"
BODY = form_encode_slash_command(slash_command("/unread"))


class FakeBolt:
    def __init__(self) -> None:
        self.requests: list[Any] = []
        self.hold = asyncio.Event()
        self.held = False  # a Relais too busy to answer

    async def async_dispatch(self, request: Any) -> BoltResponse:
        self.requests.append(request)
        if self.held:
            await self.hold.wait()
        return BoltResponse(
            status=200, body='{"response_action":"errors"}', headers={"content-type": "application/json"}
        )


@pytest_asyncio.fixture
async def front(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[tuple[HttpTransport, FakeBolt]]:
    monkeypatch.setenv("RELAIS_SLACK_FRONT_REQUEST_WITHIN", "1.5")  # seconds for a request to arrive in full
    bolt = FakeBolt()
    transport = HttpTransport(bolt, "127.0.0.1", 0, "/slack/events", SECRET)  # type: ignore[arg-type]
    await transport.start()
    try:
        yield transport, bolt
    finally:
        bolt.hold.set()
        await transport.stop()


def head(body: str = BODY, *, length: bool = True, extra: str = "", path: str = "/slack/events") -> bytes:
    lines = [f"{key}: {value}" for key, value in signed_request_headers(body, SECRET).items()]
    if length:
        lines.append(f"Content-Length: {len(body.encode())}")
    return (f"POST {path} HTTP/1.1\r\nHost: relais\r\n" + "".join(line + "\r\n" for line in lines) + extra
            + "\r\n").encode()  # fmt: skip


async def talk(port: int, raw: bytes | list[bytes], timeout: float = 5.0) -> bytes:
    """Everything the front answers until it closes the connection (or `timeout`)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    for piece in raw if isinstance(raw, list) else [raw]:
        writer.write(piece)
        await writer.drain()
    received = b""
    try:
        async with asyncio.timeout(timeout):
            while data := await reader.read(1 << 16):
                received += data
    except (TimeoutError, ConnectionError):
        pass
    writer.close()
    return received


def statuses(received: bytes) -> list[int]:
    """Every status line, wherever it starts (right after a body too: an answer too many is seen)."""
    return [int(status) for status in re.findall(rb"HTTP/1\.1 (\d{3}) ", received)]


SMUGGLED = head() + BODY.encode()  # a valid signed request hidden after the bad one: it must not be read


@pytest.mark.parametrize(
    ("extra", "body", "status"),
    [
        ("Content-Length: -5\r\n", b"", 400),
        ("Content-Length: +5\r\n", b"abcde", 400),
        ("Content-Length: 1_0\r\n", b"abcdefghij", 400),
        ("Content-Length: 5\r\nContent-Length: 5\r\n", b"abcde", 400),
        ("Content-Length: 5\r\nContent-Length: 0\r\n", b"abcde", 400),
        ("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", b"0\r\n\r\n", 400),
        ("Transfer-Encoding: chunked\r\nContent-Length: 0\r\n", b"5\r\nabcde\r\n0\r\n\r\n", 400),
        ("Transfer-Encoding: gzip, chunked\r\n", b"0\r\n\r\n", 501),
        ("Transfer-Encoding: identity\r\n", b"", 501),
        ("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", b"0\r\n\r\n", 400),
        ("Transfer-Encoding: chunked\r\n", b"-1\r\nabc\r\n0\r\n\r\n", 400),
        ("Transfer-Encoding: chunked\r\n", b"0x5\r\nabcde\r\n0\r\n\r\n", 400),
        ("Transfer-Encoding: chunked\r\n", b"\r\nabc\r\n0\r\n\r\n", 400),
        ("Transfer-Encoding: chunked\r\n", b"3\r\nabcde\r\n0\r\n\r\n", 400),
        ("Transfer-Encoding: chunked\r\n", b"200000\r\n", 413),
        ("Transfer-Encoding: chunked\r\n", b"5;a\nb\r\nabcde\r\n0\r\n\r\n", 400),  # a bare LF in a chunk line
        ("Transfer-Encoding: chunked\r\n", b"0\r\n\n", 400),  # a bare LF ending the trailers
        ("Content-Length : 5\r\n", b"abcde", 400),
        ("X-Folded: a\r\n Content-Length: 5\r\n", b"abcde", 400),
        ("", b"", 411),
    ],
)
async def test_ambiguous_lengths_are_refused_and_the_connection_closed(front, extra, body, status):
    transport, bolt = front
    received = await talk(transport.port, head(length=False, extra=extra) + body + SMUGGLED)
    assert statuses(received) == [status]  # one answer, then closed: the request behind is never read
    assert b"Connection: close" in received
    assert bolt.requests == []


async def test_chunked_bodies_with_extensions_and_trailers_are_read(front):
    transport, bolt = front
    data = BODY.encode()
    chunked = b"".join(
        b"%x;ext=1\r\n%s\r\n" % (len(data[at : at + 7]), data[at : at + 7]) for at in range(0, len(data), 7)
    )
    received = await talk(transport.port, head(length=False, extra="Transfer-Encoding: Chunked\r\n")
                          + chunked + b"0\r\nX-Trailer: 1\r\n\r\n" + head() + data, timeout=1)  # fmt: skip
    assert statuses(received) == [200, 200]
    await eventually(lambda: [request.raw_body for request in bolt.requests] == [BODY, BODY])


async def test_a_request_in_one_byte_packets_and_pipelined_ones(front):
    transport, bolt = front
    raw = head() + BODY.encode()
    received = await talk(transport.port, [raw[at : at + 1] for at in range(len(raw))] + [raw + raw], timeout=1)
    assert statuses(received) == [200, 200, 200]
    await eventually(lambda: [request.raw_body for request in bolt.requests] == [BODY] * 3)


async def test_a_chunked_body_in_one_byte_packets_and_a_request_behind_one_that_waits(front):
    transport, bolt = front
    data = BODY.encode()
    chunked = head(length=False, extra="Transfer-Encoding: chunked\r\n") + b"%x\r\n%s\r\n0\r\n\r\n" % (len(data), data)
    received = await talk(transport.port, [chunked[at : at + 1] for at in range(len(chunked))], timeout=1)
    assert statuses(received) == [200]
    modal = form_encode_interactive(view_submission("relais_engage", {}))
    received = await talk(transport.port, head(modal) + modal.encode() + head() + data, timeout=1)
    assert received.count(b"HTTP/1.1 ") == 2 and b'{"response_action":"errors"}HTTP/1.1 200 OK' in received  # in order
    await eventually(lambda: [request.raw_body for request in bolt.requests] == [BODY, modal, BODY])


async def test_garbage_is_answered_400_and_the_front_lives_on(front):
    transport, bolt = front
    pid = transport.process.pid if transport.process else None
    for garbage in (b"\x00\xff\xfe\x80 garbage\r\n\r\n", b"GET /slack/events HTTP/9.9\r\n\r\n",
                    b"G\xc3\xa9T /slack/events HTTP/1.1\r\n\r\n", b"GET /\xff HTTP/1.1\r\n\r\n",
                    b"POST  /slack/events HTTP/1.1\r\nContent-Length: 0\r\n\r\n"):  # fmt: skip
        assert statuses(await talk(transport.port, garbage)) == [400], garbage
    for stamp, signature in ((b"9" * 400, b"v0=00"), (str(int(time.time())).encode(), b"v0=\xe9")):
        raw = (b"POST /slack/events HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
               b"X-Slack-Request-Timestamp: %s\r\nX-Slack-Signature: %s\r\nContent-Length: 2\r\n\r\nab"
               % (stamp, signature))  # fmt: skip
        assert statuses(await talk(transport.port, raw, 1)) == [
            401
        ]  # these stopped the front (OverflowError, TypeError)
    assert transport.process is not None and transport.process.pid == pid and transport.process.returncode is None
    assert bolt.requests == []


async def test_heads_over_the_limit_and_bodies_over_1_mb(front):
    transport, bolt = front
    assert statuses(await talk(transport.port, head(extra="X-Big: " + "a" * 70_000 + "\r\n"))) == [431]
    assert statuses(await talk(transport.port, b"GET /healthz HTTP/1.1\r\nX: " + b"a" * 200_000)) == [431]
    # the 413 comes without the body being sent (nor read): before "100 Continue"
    huge = head(length=False, extra="Content-Length: 2147483648\r\nExpect: 100-continue\r\n")
    received = await talk(transport.port, huge)
    assert statuses(received) == [413] and b"100 Continue" not in received
    assert bolt.requests == []


async def test_other_paths_and_methods(front):
    transport, bolt = front
    assert statuses(await talk(transport.port, b"GET /elsewhere HTTP/1.1\r\n\r\n", 1)) == [404]
    for method in ("GET", "PUT", "DELETE", "OPTIONS"):
        raw = f"{method} /slack/events HTTP/1.1\r\nContent-Length: 0\r\n\r\n".encode()
        assert statuses(await talk(transport.port, raw, 1)) == [405]
    assert statuses(await talk(transport.port, b"GET /healthz HTTP/1.1\r\n\r\n", 1)) == [200]
    # no body after HEAD (it was sent: a client read it as the start of the next answer)
    both = await talk(transport.port, b"HEAD /healthz HTTP/1.1\r\n\r\nGET /healthz HTTP/1.1\r\n\r\n", 1)
    assert statuses(both) == [200, 200] and both.endswith(b"\r\n\r\nok")
    assert bolt.requests == []


def resident_kb(pid: int) -> int:
    return int(next(line for line in Path(f"/proc/{pid}/status").read_text().splitlines() if line.startswith("VmRSS"))
               .split()[1])  # fmt: skip


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads the front's memory in /proc")
async def test_a_client_that_never_reads_its_answers_does_not_fill_the_front(front):
    """Pipelined requests without reading the answers: the front stops reading that connection (its answers were
    kept without bound: about 3 bytes of memory per byte sent)."""
    transport, _bolt = front
    assert transport.process is not None
    before = resident_kb(transport.process.pid)
    sock = socket.create_connection(("127.0.0.1", transport.port))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    requests, sent = b"GET /healthz HTTP/1.1\r\n\r\n" * 4096, 0

    def push() -> int:
        sock.settimeout(0.5)  # the front no longer reads: the send waits, then gives up
        total = 0
        try:
            while total < 16 << 20:
                total += sock.send(requests)
        except TimeoutError:
            pass
        return total

    sent = await asyncio.to_thread(push)
    grown = resident_kb(transport.process.pid) - before
    sock.close()
    assert sent < 8 << 20 and grown < 4096, (sent, grown)


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="counts the front's descriptors in /proc")
async def test_idle_connections_are_closed_and_do_not_pile_up(front):
    transport, bolt = front
    assert transport.process is not None
    pid, before = transport.process.pid, open_fds(transport.process.pid)
    silent = [socket.create_connection(("127.0.0.1", transport.port)) for _ in range(MAX_CONNECTIONS + 50)]
    await eventually(lambda: open_fds(pid) >= before + MAX_CONNECTIONS - 5, what="the front accepting")
    assert open_fds(pid) <= before + MAX_CONNECTIONS + 1  # the oldest make room for the newest
    # Slack still gets through, then the silent ones are closed once their time is up (1.5 s here)
    received = await talk(transport.port, head() + BODY.encode(), timeout=1)
    assert statuses(received) == [200]
    slow = socket.create_connection(("127.0.0.1", transport.port))
    slow.sendall(head()[:20])  # a slowloris: a head that never ends
    await eventually(lambda: open_fds(pid) <= before, timeout=10, what="idle connections closed")
    slow.settimeout(1)
    assert statuses(slow.recv(1000)) == [408]
    for sock in silent + [slow]:
        sock.close()


async def test_opening_many_connections_does_not_cut_a_request_being_received(front):
    transport, bolt = front
    raw = head() + BODY.encode()
    reader, writer = await asyncio.open_connection("127.0.0.1", transport.port)
    writer.write(raw[:100])
    await writer.drain()
    await asyncio.sleep(0)
    silent = [socket.create_connection(("127.0.0.1", transport.port)) for _ in range(MAX_CONNECTIONS + 20)]
    writer.write(raw[100:] + b"GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n")
    async with asyncio.timeout(5):
        received = await reader.read(1 << 16)
        while data := await reader.read(1 << 16):
            received += data
    assert statuses(received) == [200, 200]
    for sock in silent:
        sock.close()
    writer.close()


class HeldInstall:
    """Bolt's OAuth flow, never answering `Add to Slack`: every unsigned GET /slack/install waits (15 s)."""

    install_path = "/slack/install"

    def __init__(self, hold: asyncio.Event) -> None:
        self.hold = hold
        self.asked = 0

    async def handle_installation(self, request: Any) -> BoltResponse:
        self.asked += 1
        await self.hold.wait()
        return BoltResponse(status=200, body="")


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="counts the front's descriptors in /proc")
async def test_connections_waiting_for_relais_do_not_pile_up_either(monkeypatch):
    bolt = FakeBolt()
    flow = bolt.oauth_flow = HeldInstall(bolt.hold)  # type: ignore[attr-defined]
    paths = ("/slack/install", "/slack/oauth_redirect")
    transport = HttpTransport(bolt, "127.0.0.1", 0, "/slack/events", SECRET, paths)  # type: ignore[arg-type]
    await transport.start()
    try:
        assert transport.process is not None
        pid, before = transport.process.pid, open_fds(transport.process.pid)
        waiting = []
        for count in (MAX_CONNECTIONS, 30):
            for _ in range(count):
                sock = socket.create_connection(("127.0.0.1", transport.port))
                sock.sendall(b"GET /slack/install HTTP/1.1\r\n\r\n")
                waiting.append(sock)
            await eventually(lambda: flow.asked >= MAX_CONNECTIONS, what="every request waiting for Relais")
        await eventually(lambda: sum(map(closed_by_front, waiting)) == 30, what="the ones over the limit closed")
        assert open_fds(pid) <= before + MAX_CONNECTIONS
        for sock in waiting:
            sock.close()
    finally:
        bolt.hold.set()
        await transport.stop()


def closed_by_front(sock: socket.socket) -> bool:
    import select

    if not select.select([sock], [], [], 0)[0]:
        return False
    try:
        return sock.recv(1, socket.MSG_PEEK) == b""
    except ConnectionResetError:
        return True


async def test_a_client_gone_before_relais_answers_it_stops_nothing(front):
    """A modal submission's connection reset while Relais works: its answer, when it comes, cannot be sent. That
    error was taken for Relais' own socket failing: the front stopped (started again a second later)."""
    transport, bolt = front
    assert transport.process is not None
    pid = transport.process.pid
    bolt.held = True
    modal = form_encode_interactive(view_submission("relais_engage", {}))
    sock = socket.create_connection(("127.0.0.1", transport.port))
    sock.sendall(head(modal) + modal.encode())
    await eventually(lambda: len(bolt.requests) == 1, what="the submission at Relais")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()  # reset
    bolt.held = False
    bolt.hold.set()  # Relais answers
    await eventually(lambda: not transport._running, what="Relais' answer written")  # the front reads it before
    received = await talk(transport.port, head(extra="Connection: close\r\n") + BODY.encode())
    assert statuses(received) == [200]
    assert transport.process is not None and transport.process.pid == pid and transport.process.returncode is None


async def test_a_busy_relais_never_delays_an_acknowledgement_and_waits_end_in_503(front):
    transport, bolt = front
    bolt.held = True  # Relais takes every request and never answers
    started = time.monotonic()
    received = await talk(transport.port, head(extra="Connection: close\r\n") + BODY.encode())
    assert statuses(received) == [200] and time.monotonic() - started < 1.0
    modal = form_encode_interactive(view_submission("relais_engage", {}))
    started = time.monotonic()
    received = await talk(transport.port, head(modal, extra="Connection: close\r\n") + modal.encode())
    assert statuses(received) == [503] and time.monotonic() - started < 3.0


RELAIS = """
import asyncio, os, sys
from adapters.slack.mode import HttpTransport
class Bolt:
    async def async_dispatch(self, request):
        print("dispatched", flush=True)
        await asyncio.Event().wait()  # never answers
async def main():
    transport = HttpTransport(Bolt(), "127.0.0.1", 0, "/slack/events", "secret")
    await transport.start()
    print(transport.process.pid, transport.port, flush=True)
    await asyncio.Event().wait()
asyncio.run(main())
"""


@pytest.mark.skipif(not Path("/proc/self").exists(), reason="reads the front's state in /proc")
async def test_the_front_ends_when_relais_is_killed():
    relais = subprocess.Popen([sys.executable, "-c", RELAIS], stdout=subprocess.PIPE, text=True)
    try:
        front_pid, port = map(int, (await asyncio.to_thread(relais.stdout.readline)).split())  # type: ignore[union-attr]
        # a modal submission waits for Relais' answer when Relais dies: 503 at once, not a connection reset
        modal = form_encode_interactive(view_submission("relais_engage", {}))
        raw = (
            f"POST /slack/events HTTP/1.1\r\nContent-Length: {len(modal)}\r\n".encode()
            + "".join(
                f"{name}: {value}\r\n" for name, value in signed_request_headers(modal, "secret").items()
            ).encode()
            + b"\r\n"
            + modal.encode()
        )
        answer = asyncio.create_task(talk(port, raw))
        assert (await asyncio.to_thread(relais.stdout.readline)).strip() == "dispatched"  # type: ignore[union-attr]
        relais.kill()
        relais.wait()

        def gone() -> bool:
            try:
                return Path(f"/proc/{front_pid}/stat").read_text().split(") ")[1][0] in "ZX"
            except (FileNotFoundError, ProcessLookupError):
                return True

        assert statuses(await answer) == [503]
        await eventually(gone, timeout=10, what="the front to stop")
    finally:
        relais.kill()
