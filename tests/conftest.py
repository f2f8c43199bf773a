"""Shared fixtures and the provenance rule for every test under ``tests/``.

Style-anchors rule 13: each behaviour test says where its truth comes from by carrying exactly one
provenance marker (``apple_test``, ``apple_source``, ``apple_docs``, ``inferred`` or ``model``). The
collection hook below refuses to run a session in which any collected test breaks that rule.

The markers themselves are registered in ``pyproject.toml``; nothing is registered here.
This module stays cheap to import: keychainsim is imported inside the fixtures only.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import settings

# Property tests: in the default suite a fixed seed (derandomize) and a bounded example count, so a run
# is reproducible and its length known; KEYCHAINSIM_HYPOTHESIS=release draws new random examples, many
# more of them, for release checks (docs/testing.md). Tests that set max_examples themselves keep it.
settings.register_profile("default", derandomize=True, max_examples=100, deadline=None, print_blob=True)
settings.register_profile("release", derandomize=False, max_examples=3000, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("KEYCHAINSIM_HYPOTHESIS", "default"))

if TYPE_CHECKING:
    from keychainsim import Keychain

PROVENANCE_MARKERS: frozenset[str] = frozenset({"apple_test", "apple_source", "apple_docs", "inferred", "model"})
"""Where a test's expected behaviour comes from; each test carries exactly one of these."""

DEFAULT_ACCESS_GROUPS: tuple[str, ...] = ("A1B2C3D4E5.com.example.app",)
"""The contract's default access-group list (api-contract.md, "The keychain")."""


def _provenance_of(item: pytest.Item) -> set[str]:
    """The provenance marker names on a test, from the function, its class and its module."""
    return {mark.name for mark in item.iter_markers() if mark.name in PROVENANCE_MARKERS}


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """Fail collection when a test has no provenance marker or more than one (style-anchors rule 13)."""
    offenders: list[str] = []
    for item in items:
        found = _provenance_of(item)
        if len(found) != 1:
            what = "none" if not found else ", ".join(sorted(found))
            offenders.append(f"  {item.nodeid}: {what}")
    if offenders:
        allowed = ", ".join(sorted(PROVENANCE_MARKERS))
        raise pytest.UsageError(
            "every test needs exactly one provenance marker "
            f"({allowed}); style-anchors rule 13. Offending tests (markers found):\n" + "\n".join(offenders)
        )


LOOPBACK_NAMES: dict[str, list[str]] = {"localhost": ["127.0.0.1", "::1"], "localhost.": ["127.0.0.1", "::1"]}
"""What the test resolver answers; every other name does not resolve."""


@pytest.fixture(autouse=True)
def stub_resolver(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """No test looks a name up on the network: keychainsim's one name lookup
    (``keychainsim.enroll.network.resolve``) answers from :data:`LOOPBACK_NAMES`, which a test may extend
    (``stub_resolver["registration.test"] = ["127.0.0.1"]``) or replace with monkeypatch."""
    import socket

    from keychainsim.enroll import network

    table = {name: list(addresses) for name, addresses in LOOPBACK_NAMES.items()}

    def resolve(host: str, port: int) -> list[str]:
        if host.lower() not in table:
            raise socket.gaierror(socket.EAI_NONAME, f"{host} is not in the test resolver's table")
        return list(table[host.lower()])

    monkeypatch.setattr(network, "resolve", resolve)
    return table


@pytest.fixture
def keychain() -> Keychain:
    """A fresh in-memory iOS keychain with the contract's default access group list."""
    from keychainsim import Keychain

    return Keychain()


@pytest.fixture
def make_keychain() -> Callable[..., Keychain]:
    """Factory for fresh keychains: ``make_keychain(platform="macos", access_groups=[...])``.

    Arguments left out are not passed, so the keychain's own defaults apply (platform "ios", the
    default access-group list).
    """
    from keychainsim import Keychain

    def factory(platform: str | None = None, access_groups: list[str] | None = None, **extra: Any) -> Keychain:
        kwargs: dict[str, Any] = dict(extra)
        if platform is not None:
            kwargs["platform"] = platform
        if access_groups is not None:
            kwargs["access_groups"] = list(access_groups)
        return Keychain(**kwargs)

    return factory
