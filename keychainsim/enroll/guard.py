"""A process-wide check that every outgoing connection goes to a loopback address.

:func:`keychainsim.enroll.network.check_url` refuses a non-loopback URL before connecting; this guard
is the second line, for tests and demos: while active, ``socket.connect`` to an IPv4/IPv6 address that
is not loopback raises ``PermissionError`` instead of sending a packet, and every target is recorded so
a test can assert what was contacted. Unix sockets pass untouched.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def loopback_only() -> Iterator[list[tuple[str, int]]]:
    """Refuse non-loopback connections inside the block; yield the list of (host, port) contacted."""
    contacted: list[tuple[str, int]] = []
    original_connect = socket.socket.connect
    original_connect_ex = socket.socket.connect_ex

    def check(sock: socket.socket, address: Any) -> None:
        if sock.family not in (socket.AF_INET, socket.AF_INET6):
            return
        host, port = str(address[0]), int(address[1])
        try:
            loopback = ipaddress.ip_address(host.split("%")[0]).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            raise PermissionError(f"keychainsim loopback guard: refusing to connect to {host}:{port}")
        contacted.append((host, port))

    def connect(self: socket.socket, address: Any) -> None:
        check(self, address)
        return original_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        check(self, address)
        return original_connect_ex(self, address)

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    try:
        yield contacted
    finally:
        socket.socket.connect = original_connect  # type: ignore[method-assign]
        socket.socket.connect_ex = original_connect_ex  # type: ignore[method-assign]
