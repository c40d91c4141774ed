"""The suite stays on loopback: a socket connect or a name look-up for any other host fails.

`NetworkGuard.installed()` patches `socket.socket.connect`, `socket.socket.connect_ex` and
`socket.getaddrinfo` (which asyncio, aiohttp, urllib and http.client all go through). Loopback
addresses (127.0.0.0/8, ::1), `localhost` and unix sockets pass; anything else raises
`NetworkBlocked` and is recorded, so a test whose code swallows the error still fails (see the
`offline` fixture in tests/conftest.py). Subprocesses (Synapse, `relais run`) are not patched: they
are pointed at loopback by the tests that start them.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

LOOPBACK_NAMES = frozenset({"localhost", "localhost.", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})
INET_FAMILIES = frozenset({socket.AF_INET, socket.AF_INET6})


class NetworkBlocked(RuntimeError):
    """A test tried to reach a host beyond loopback."""


def is_loopback(host: object) -> bool:
    """True for None (a passive, local look-up), loopback names and loopback addresses."""
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", errors="replace")
    name = str(host).strip().lower()
    if name in LOOPBACK_NAMES:
        return True
    name = name.removeprefix("[").removesuffix("]").split("%", 1)[0]  # [::1], fe80::1%eth0
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


class NetworkGuard:
    """Records and refuses connections and look-ups beyond loopback while installed."""

    def __init__(self) -> None:
        self.attempts: list[str] = []
        self._lock = threading.Lock()

    def refuse(self, what: str) -> NetworkBlocked:
        with self._lock:
            self.attempts.append(what)
        return NetworkBlocked(f"tests stay on loopback: {what} was refused")

    def since(self, mark: int) -> list[str]:
        with self._lock:
            return list(self.attempts[mark:])

    @contextmanager
    def installed(self) -> Iterator[NetworkGuard]:
        guard = self
        real_connect = socket.socket.connect
        real_connect_ex = socket.socket.connect_ex
        real_getaddrinfo = socket.getaddrinfo

        def check(sock: socket.socket, address: Any) -> None:
            if sock.family in INET_FAMILIES and isinstance(address, tuple) and not is_loopback(address[0]):
                raise guard.refuse(f"connect to {address[0]!s}:{address[1]!s}")

        def connect(self: socket.socket, address: Any) -> None:
            check(self, address)
            return real_connect(self, address)

        def connect_ex(self: socket.socket, address: Any) -> int:
            check(self, address)
            return real_connect_ex(self, address)

        def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
            if not is_loopback(host):
                raise guard.refuse(f"name look-up of {host!s}")
            return real_getaddrinfo(host, *args, **kwargs)

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(socket.socket, "connect", connect)
            patch.setattr(socket.socket, "connect_ex", connect_ex)
            patch.setattr(socket, "getaddrinfo", getaddrinfo)
            yield self
