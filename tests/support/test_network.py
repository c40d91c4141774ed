"""The loopback guard: what passes, what is refused and recorded."""

from __future__ import annotations

import asyncio
import socket

import pytest

from tests.support.network import NetworkBlocked, NetworkGuard, is_loopback


@pytest.mark.parametrize(
    "host", [None, "127.0.0.1", "127.3.2.1", "::1", "[::1]", "localhost", b"localhost", "::ffff:127.0.0.1"]
)
def test_loopback_hosts_pass(host):
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["192.0.2.1", "2001:db8::1", "example.org", "slack.com", "0.0.0.0", ""])
def test_other_hosts_do_not(host):
    assert not is_loopback(host)


def forget(guard: NetworkGuard, mark: int) -> list[str]:
    """What was refused since `mark`, taken off the record (these refusals are the test's own)."""
    refused = guard.since(mark)
    del guard.attempts[mark:]
    return refused


def test_a_connection_beyond_loopback_is_refused_and_recorded(offline):
    mark = len(offline.attempts)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock, pytest.raises(NetworkBlocked):
        sock.connect(("192.0.2.1", 443))  # TEST-NET-1: never routed
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock, pytest.raises(NetworkBlocked):
        sock.connect_ex(("192.0.2.1", 443))
    with pytest.raises(NetworkBlocked):
        socket.getaddrinfo("example.org", 443)
    assert forget(offline, mark) == [
        "connect to 192.0.2.1:443",
        "connect to 192.0.2.1:443",
        "name look-up of example.org",
    ]


async def test_asyncio_goes_through_the_guard(offline):
    mark = len(offline.attempts)
    with pytest.raises(NetworkBlocked):
        await asyncio.open_connection("example.org", 443)
    assert forget(offline, mark) == ["name look-up of example.org"]


async def test_loopback_and_unix_sockets_work(offline, tmp_path):
    mark = len(offline.attempts)
    server = await asyncio.start_server(lambda reader, writer: writer.close(), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        for host in ("127.0.0.1", "localhost"):
            _, writer = await asyncio.open_connection(host, port)
            writer.close()
    path = str(tmp_path / "relais.sock")
    unix = await asyncio.start_unix_server(lambda reader, writer: writer.close(), path)
    async with unix:
        _, writer = await asyncio.open_unix_connection(path)
        writer.close()
    assert offline.since(mark) == []
