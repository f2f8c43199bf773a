"""Fixtures for the enrollment tests: the reference PKI and registration servers on 127.0.0.1.

Every test here runs under the loopback guard: a connection to any address but 127.0.0.1 / ::1 fails
the test instead of leaving the machine, and the addresses contacted are kept for assertions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def contacted() -> Iterator[list[tuple[str, int]]]:
    """Loopback-only connections for the test; the (host, port) pairs it contacted."""
    from keychainsim.enroll.guard import loopback_only

    with loopback_only() as targets:
        yield targets


@pytest.fixture(scope="session")
def pki() -> Any:
    from keychainsim.servers import ReferencePKI

    return ReferencePKI()


@pytest.fixture
def registration(pki: Any) -> Iterator[Callable[..., Any]]:
    """``registration(faults=..., token=..., server_cert_fault=...)``: a started server, stopped after the test."""
    from keychainsim.servers import RegistrationServer

    started: list[Any] = []

    def start(**options: Any) -> Any:
        server = RegistrationServer(options.pop("pki", pki), **options).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
