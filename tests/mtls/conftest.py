"""Fixtures for the mTLS tests: the reference PKI, registration servers and nginx on 127.0.0.1.

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


@pytest.fixture(scope="session")
def nginx(pki: Any) -> Iterator[Any]:
    """nginx with ssl_verify_client on, for the session. Absent nginx: skip locally, FAIL in CI (CI=true)."""
    import os

    from keychainsim.servers import NginxServer
    from keychainsim.servers.nginx import nginx_unavailable_reason

    reason = nginx_unavailable_reason()
    if reason is not None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI must run the nginx mTLS tests: {reason}")
        pytest.skip(reason)
    with NginxServer(pki) as server:
        yield server


@pytest.fixture
def enrolled(registration: Callable[..., Any], pki: Any) -> Callable[..., Any]:
    """``enrolled(faults=...)``: an EnrollmentResult from a fresh in-memory keychain."""
    from keychainsim import Keychain
    from keychainsim.enroll import enroll

    def run(**options: Any) -> Any:
        server = registration(**options)
        return enroll(Keychain(), server.url, ca_pem=options.get("pki", pki).root_pem)

    return run
