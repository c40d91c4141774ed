"""Slack HTTP mode's front process (adapters/slack/front.py) with the transport that runs it
(adapters.slack.mode.HttpTransport), a fake Bolt app behind: HTTP as clients and proxies speak it
(keep-alive, chunked bodies, Expect: 100-continue), the signature checked before anything reaches
Relais, answers only for what waits for one, and a front that dies started again on its port."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import signal
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from slack_bolt.response import BoltResponse

from adapters.slack.front import Signer
from adapters.slack.mode import HttpTransport
from tests.support.waiting import eventually

from .standin import form_encode_interactive, form_encode_slash_command, signed_request_headers
from .standin.payloads import slash_command, view_submission

SECRET = "front-secret"


class FakeBolt:
    """Records what reaches Relais; a modal submission is answered with inline errors."""

    def __init__(self) -> None:
        self.requests: list[Any] = []

    async def async_dispatch(self, request: Any) -> BoltResponse:
        self.requests.append(request)
        if "view_submission" in request.raw_body:
            return BoltResponse(
                status=200, body='{"response_action":"errors"}', headers={"content-type": "application/json"}
            )
        return BoltResponse(status=200, body="")


@pytest_asyncio.fixture
async def front() -> AsyncIterator[tuple[HttpTransport, FakeBolt]]:
    bolt = FakeBolt()
    transport = HttpTransport(bolt, "127.0.0.1", 0, "/slack/events", SECRET)  # type: ignore[arg-type]
    await transport.start()
    try:
        yield transport, bolt
    finally:
        await transport.stop()


async def exchange(port: int, raw: bytes, answers: int = 1) -> list[bytes]:
    """Send raw bytes on one connection; read `answers` responses (headers and body)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(raw)
    responses = []
    for _ in range(answers):
        head = await reader.readuntil(b"\r\n\r\n")
        while head.startswith(b"HTTP/1.1 100"):
            head = await reader.readuntil(b"\r\n\r\n")
        length = int(next(line for line in head.split(b"\r\n") if line.lower().startswith(b"content-length"))[15:])
        responses.append(head + await reader.readexactly(length))
    writer.close()
    return responses


def request(body: str, *, chunked: bool = False, extra: str = "", headers: dict[str, str] | None = None) -> bytes:
    lines = [f"{key}: {value}" for key, value in (headers or signed_request_headers(body, SECRET)).items()]
    if chunked:
        data = body.encode()
        middle = len(data) // 2
        encoded = f"{middle:x}\r\n".encode() + data[:middle] + f"\r\n{len(data) - middle:x}\r\n".encode()
        encoded += data[middle:] + b"\r\n0\r\n\r\n"
        return ("POST /slack/events HTTP/1.1\r\nTransfer-Encoding: chunked\r\n" + "\r\n".join(lines) + "\r\n"
                + extra + "\r\n").encode() + encoded  # fmt: skip
    return (f"POST /slack/events HTTP/1.1\r\nContent-Length: {len(body.encode())}\r\n" + "\r\n".join(lines) + "\r\n"
            + extra + "\r\n").encode() + body.encode()  # fmt: skip


def test_the_signature_is_hmac_sha256():
    for key in (b"", b"k", b"x" * 100, SECRET.encode()):
        assert Signer(key).digest(b"v0:1:body") == hmac.new(key, b"v0:1:body", hashlib.sha256).hexdigest()


async def test_keep_alive_chunked_and_expect_continue(front):
    transport, bolt = front
    body = form_encode_slash_command(slash_command("/unread"))
    answers = await exchange(
        transport.port, request(body) + request(body, chunked=True) + request(body, extra="Expect: 100-continue\r\n"), 3
    )
    assert [answer.split(b"\r\n")[0] for answer in answers] == [b"HTTP/1.1 200 OK"] * 3
    await eventually(lambda: len(bolt.requests) == 3)
    assert {request.raw_body for request in bolt.requests} == {body}
    assert all(request.mode == "socket_mode" for request in bolt.requests)  # checked by the front already


async def test_nothing_unsigned_too_large_or_elsewhere_reaches_relais(front):
    transport, bolt = front
    body = form_encode_slash_command(slash_command("/unread"))
    unsigned = await exchange(
        transport.port, request(body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    )
    large = "x" * (1 << 21)
    too_large = await exchange(transport.port, request(large))
    other = await exchange(transport.port, b"GET /elsewhere HTTP/1.1\r\nHost: x\r\n\r\n")
    wrong_method = await exchange(transport.port, b"GET /slack/events HTTP/1.1\r\nHost: x\r\n\r\n")
    statuses = [answer[0].split(b" ")[1] for answer in (unsigned, too_large, other, wrong_method)]
    assert statuses == [b"401", b"413", b"404", b"405"]
    assert bolt.requests == []


async def test_a_modal_submission_waits_for_relais_answer(front):
    transport, bolt = front
    body = form_encode_interactive(view_submission("relais_engage", {}))
    (answer,) = await exchange(transport.port, request(body))
    assert answer.endswith(b'{"response_action":"errors"}') and b"application/json" in answer


async def test_a_front_that_dies_is_started_again_on_its_port(front, monkeypatch: pytest.MonkeyPatch):
    transport, bolt = front
    monkeypatch.setattr("adapters.slack.mode.RESTART_AFTER", 0.01)
    port, first = transport.port, transport.process
    assert first is not None
    os.kill(first.pid, signal.SIGKILL)
    await eventually(lambda: transport.process is not None and transport.process is not first, timeout=15)
    body = form_encode_slash_command(slash_command("/unread"))

    async def answered() -> bool:
        try:
            return (await exchange(port, request(body)))[0].startswith(b"HTTP/1.1 200")
        except OSError:
            return False

    async with asyncio.timeout(15):
        while not await answered():
            await asyncio.sleep(0.05)  # the new front is starting: connection refused until it listens
    assert transport.port == port


FRONT_MODULES = (
    "import sys; exec(compile(open(sys.argv[1]).read(), sys.argv[1], 'exec'), {'__file__': sys.argv[1]});"
    "print(*sys.modules)"  # (its sibling front_http too)
)


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="reads the front's command line in /proc")
async def test_the_front_holds_no_asyncio_ssl_typing_or_site_packages(front):
    """What keeps the front small (about 12 MB resident, 16 with asyncio): only the standard library it uses."""
    transport, _bolt = front
    assert transport.process is not None
    python, *flags, script = Path(f"/proc/{transport.process.pid}/cmdline").read_text().split("\0")[:4]
    assert flags == ["-I", "-S"]  # no site-packages, no PYTHON* variables
    imported = subprocess.run([python, *flags, "-c", FRONT_MODULES, script], capture_output=True, text=True, check=True)
    modules = set(imported.stdout.split())
    assert "selectors" in modules
    assert not modules & {"asyncio", "ssl", "_ssl", "typing", "logging", "threading", "site", "adapters", "bot"}


async def test_a_wrong_signing_secret_is_said_in_the_log_once_a_minute(front, caplog):
    """Slack signs with another secret than slack.signing_secret: every command fails in Slack
    ('dispatch_failed'), and before, Relais' log said nothing at all."""
    transport, bolt = front
    body = form_encode_slash_command(slash_command("/unread"))
    for _ in range(3):
        (answer,) = await exchange(transport.port, request(body, headers=signed_request_headers(body, "other")))
        assert answer.split(b" ")[1] == b"401"
    await eventually(lambda: "does not match slack.signing_secret" in caplog.text)
    (good,) = await exchange(transport.port, request(body))  # a request the front lets through comes after
    await eventually(lambda: len(bolt.requests) == 1)
    said = [record for record in caplog.records if "slack.signing_secret" in record.getMessage()]
    assert len(said) == 1 and said[0].levelname == "WARNING"
    assert "Copy the Signing Secret again from the app's Basic Information page" in said[0].getMessage()
    assert bolt.requests[0].raw_body == body
