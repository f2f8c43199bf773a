"""A store read whole runs without Python's cyclic collector, and leaves it as it found it.

A full read makes a few hundred thousand objects, none of which can be in a reference cycle; the collector,
triggered by allocations alone, would otherwise scan the growing heap again and again while they are made.
These tests read a real store file through a fresh keychain and watch the collector through ``gc.callbacks``.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from keychainsim import Keychain
from keychainsim.constants import *

pytestmark = pytest.mark.model


@pytest.fixture
def store(tmp_path: Path) -> str:
    """A store file of 3,000 passwords: enough allocations for many collections if the collector ran."""
    path = str(tmp_path / "keychain.json")
    kc = Keychain(store=path)
    with kc.transaction():
        for i in range(3000):
            status, _ = kc.SecItemAdd(
                {kSecClass: kSecClassGenericPassword, kSecAttrAccount: f"a{i}", kSecAttrService: "s"}
            )
            assert status == errSecSuccess
    return path


@pytest.fixture
def collections() -> Iterator[list[int]]:
    """The generation of every collection that runs while the test does."""
    seen: list[int] = []

    def note(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            seen.append(info["generation"])

    gc.callbacks.append(note)
    try:
        yield seen
    finally:
        gc.callbacks.remove(note)


def _read(path: str) -> None:
    status, found = Keychain(store=path).SecItemCopyMatching(
        {kSecClass: kSecClassGenericPassword, kSecAttrAccount: "a2999", kSecReturnAttributes: True}
    )
    assert status == errSecSuccess and found[kSecAttrAccount] == "a2999"


def test_no_collection_runs_while_a_store_is_read_and_the_collector_is_back_on_after(
    store: str, collections: list[int]
) -> None:
    assert gc.isenabled()
    gc.collect()
    collections.clear()
    _read(store)
    # At most the one young-generation pass that runs over the read's objects once the collector is back on
    # (a read with the collector running makes dozens, older generations included).
    assert collections in ([], [0])
    assert gc.isenabled()


def test_a_collector_the_host_switched_off_stays_off(store: str) -> None:
    gc.disable()
    try:
        _read(store)
        assert not gc.isenabled()
    finally:
        gc.enable()
