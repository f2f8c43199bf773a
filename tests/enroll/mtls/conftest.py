"""Fixtures for the mTLS tests: nginx on 127.0.0.1 and enrolled identities (the PKI, the registration
servers and the loopback guard come from ``tests/enroll/conftest.py``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest


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
