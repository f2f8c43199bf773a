"""A store-backed Keychain shared by threads, and several Keychains on one store in one process.

Real threads on a real store: every acknowledged add must be in the file afterwards, read back by a
fresh Keychain. The issue this guards against: one nesting counter shared by all threads, so a second
thread took the "nested" path without the lock, and a counter driven to -1 skipped every later save.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from keychainsim import Keychain
from keychainsim.constants import (
    kSecAttrAccount,
    kSecAttrService,
    kSecClass,
    kSecClassGenericPassword,
)
from keychainsim.errors import StorageError
from keychainsim.status import OSStatus

pytestmark = pytest.mark.model

THREADS, ADDS, REPEATS = 4, 60, 8


@pytest.fixture
def busy_switching() -> Iterator[None]:
    """Switch threads as often as the interpreter allows, so that calls interleave everywhere."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(previous)


@pytest.fixture
def no_fdatasync(monkeypatch: pytest.MonkeyPatch) -> None:
    """Skip the disk flush: these tests are about threads, not power cuts, and 2,000 flushes are slow.
    Everything else (the lock, the journal, the file) is the real store."""
    monkeypatch.setattr(os, "fdatasync", lambda fd: None)


def add(kc: Keychain, account: str) -> OSStatus:
    status, _ = kc.SecItemAdd({kSecClass: kSecClassGenericPassword, kSecAttrService: "s", kSecAttrAccount: account})
    return status


def stored_accounts(path: Path) -> list[str]:
    """Every account in the file, as a fresh Keychain (a new backend, reading the file) finds them."""
    return [item.attrs["acct"] for item in Keychain(store=path).all_items()]


def run_threads(work: Callable[[int], list[str]]) -> list[str]:
    """Run ``work(thread_number)`` in THREADS threads started together; the accounts they acknowledged."""
    barrier = threading.Barrier(THREADS)
    results: list[list[str]] = [[] for _ in range(THREADS)]
    errors: list[BaseException] = []

    def body(number: int) -> None:
        barrier.wait()
        try:
            results[number] = work(number)
        except BaseException as error:  # reported below: a thread's exception must fail the test
            errors.append(error)

    threads = [threading.Thread(target=body, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return [account for result in results for account in result]


@pytest.mark.usefixtures("busy_switching", "no_fdatasync")
@pytest.mark.parametrize("repeat", range(REPEATS))
def test_one_keychain_shared_by_four_threads_keeps_every_acknowledged_add(tmp_path: Path, repeat: int) -> None:
    path = tmp_path / "keychain.json"
    kc = Keychain(store=path)

    def adds(number: int) -> list[str]:
        acknowledged = []
        for n in range(ADDS):
            account = f"t{number}-{n}"
            if add(kc, account) == OSStatus.errSecSuccess:
                acknowledged.append(account)
        return acknowledged

    acknowledged = run_threads(adds)
    assert len(acknowledged) == THREADS * ADDS  # every add succeeded: no lost lock, no assertion
    assert sorted(stored_accounts(path)) == sorted(acknowledged)
    assert len(kc.all_items()) == THREADS * ADDS


@pytest.mark.usefixtures("busy_switching", "no_fdatasync")
def test_threads_may_each_hold_a_transaction_on_one_keychain(tmp_path: Path) -> None:
    # Nesting is per thread: a thread inside its own transaction never takes another thread's for its own.
    path = tmp_path / "keychain.json"
    kc = Keychain(store=path)

    def batches(number: int) -> list[str]:
        acknowledged = []
        for batch in range(6):
            with kc.transaction():
                for n in range(10):
                    account = f"t{number}-{batch}-{n}"
                    assert add(kc, account) == OSStatus.errSecSuccess
                    acknowledged.append(account)
                # Inside the transaction this thread sees its own adds, and no other thread's half-done ones.
                mine = [i.attrs["acct"] for i in kc.all_items() if i.attrs["acct"].startswith(f"t{number}-{batch}-")]
                assert len(mine) == 10
        return acknowledged

    acknowledged = run_threads(batches)
    assert sorted(stored_accounts(path)) == sorted(acknowledged)


@pytest.mark.usefixtures("busy_switching")
def test_an_in_memory_keychain_shared_by_threads_keeps_every_add() -> None:
    kc = Keychain()

    def adds(number: int) -> list[str]:
        return [f"t{number}-{n}" for n in range(ADDS) if add(kc, f"t{number}-{n}") == OSStatus.errSecSuccess]

    acknowledged = run_threads(adds)
    assert len(acknowledged) == THREADS * ADDS
    assert sorted(i.attrs["acct"] for i in kc.all_items()) == sorted(acknowledged)


def test_a_second_keychain_inside_the_first_ones_transaction_fails_at_once(tmp_path: Path) -> None:
    # An hour of lock timeout: had the call waited for the lock, this test would hang, not pass.
    path = tmp_path / "keychain.json"
    first = Keychain(store=path, lock_timeout=3600)
    second = Keychain(store=path, lock_timeout=3600)
    with first.transaction():
        assert add(first, "first") == OSStatus.errSecSuccess
        with pytest.raises(StorageError) as caught:
            add(second, "second")
        assert "already locked in this thread by another Keychain" in caught.value.problem
        assert "another process" not in caught.value.problem
        assert "with_entitlements" in caught.value.fix
        # A view of the same keychain shares the transaction, so it may write inside it.
        other_app = first.with_entitlements(["A1B2C3D4E5.com.example.other"])
        assert add(other_app, "other app") == OSStatus.errSecSuccess
    assert add(second, "second") == OSStatus.errSecSuccess  # once the transaction is over, it goes through
    assert sorted(stored_accounts(path)) == ["first", "other app", "second"]


def test_a_keychain_in_another_thread_waits_for_the_transaction_then_sees_its_writes(tmp_path: Path) -> None:
    path = tmp_path / "keychain.json"
    first = Keychain(store=path)
    second = Keychain(store=path, lock_timeout=60)
    entered, finished = threading.Event(), threading.Event()
    outcome: list[object] = []

    def later() -> None:
        entered.wait()
        outcome.append(add(second, "second"))
        outcome.append(sorted(i.attrs["acct"] for i in second.all_items()))
        finished.set()

    thread = threading.Thread(target=later)
    thread.start()
    with first.transaction():
        add(first, "first")
        entered.set()
        # However long we stay, the other thread's call cannot get in while this transaction is open.
        assert not finished.wait(0.3)
    thread.join(timeout=60)
    assert outcome == [OSStatus.errSecSuccess, ["first", "second"]]


def test_a_thread_that_waits_too_long_is_told_it_is_another_thread(tmp_path: Path) -> None:
    path = tmp_path / "keychain.json"
    first = Keychain(store=path)
    impatient = Keychain(store=path, lock_timeout=0.05)
    errors: list[StorageError] = []
    with first.transaction():
        add(first, "first")

        def call() -> None:
            try:
                add(impatient, "impatient")
            except StorageError as error:
                errors.append(error)

        thread = threading.Thread(target=call)
        thread.start()
        thread.join(timeout=60)
    assert len(errors) == 1
    assert "locked by another thread of this process" in errors[0].problem
    assert stored_accounts(path) == ["first"]


def test_a_keychain_catches_up_with_another_ones_writes_without_reloading(tmp_path: Path) -> None:
    path = tmp_path / "keychain.json"
    first, second = Keychain(store=path), Keychain(store=path)
    add(first, "a")
    assert [i.attrs["acct"] for i in second.all_items()] == ["a"]
    database = second._backend._db
    add(first, "b")
    first.SecItemDelete({kSecClass: kSecClassGenericPassword, kSecAttrAccount: "a"})
    assert [i.attrs["acct"] for i in second.all_items()] == ["b"]
    assert second._backend._db is database  # only the appended records were read and applied
