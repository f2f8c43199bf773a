"""A separate process for the store tests: the races and crashes under test need a real second process.

Run as ``python store_worker.py COMMAND STORE [ARGS...]``; the tests start it with ``subprocess`` and
synchronize through marker files, never through sleeps alone.

Commands:
    add STORE N TAG GO           wait for file GO, then N times: lock, read, append one item
    kc-add STORE N TAG GO        wait for GO, then N SecItemAdds through a real Keychain, printing
                                 "ack ACCOUNT" after each one returns (the acknowledged writes)
    hold STORE READY             take the lock, create READY, sleep until killed
    crash-save STORE READY       read, add one item, save the whole state, but stop inside os.replace
                                 (after the temporary file is written and fsynced), create READY, sleep
    crash-append STORE READY     read, add one item, but stop half way through writing its journal
                                 record, create READY, sleep
    crash-compaction STORE READY append one item with compaction forced, and stop inside the
                                 compaction's os.replace, create READY, sleep
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from keychainsim.store import Change, FileStore, KeychainState, StoredItem


def append_item(state: KeychainState, account: str) -> Change:
    """Add one generic password the way the engine would (next rowid, clock ticks); the change it makes."""
    item = StoredItem("dp", "genp", state.next_rowid, {"acct": account, "v_Data": b"\x00\x01"})
    state.items.append(item)
    state.next_rowid += 1
    state.clock_ms += 1
    return Change({item.rowid: item}, state.next_rowid, state.device, state.clock_ms)


def wait_for(path: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {path}")
        time.sleep(0.001)


def add(store_path: str, count: str, tag: str, go: str) -> None:
    store = FileStore(store_path, lock_timeout=30.0)
    wait_for(go)
    for number in range(int(count)):
        with store.locked() as session:
            state = session.load()
            session.append(append_item(state, f"{tag}-{number}"))


def kc_add(store_path: str, count: str, tag: str, go: str) -> None:
    from keychainsim import Keychain
    from keychainsim.constants import kSecAttrAccount, kSecAttrService, kSecClass, kSecClassGenericPassword

    keychain = Keychain(store=store_path, lock_timeout=30.0)
    wait_for(go)
    for number in range(int(count)):
        account = f"{tag}-{number}"
        status, _ = keychain.SecItemAdd(
            {kSecClass: kSecClassGenericPassword, kSecAttrService: "s", kSecAttrAccount: account}
        )
        if status != 0:
            raise SystemExit(f"SecItemAdd {account}: {status}")
        print(f"ack {account}", flush=True)


def hold(store_path: str, ready: str) -> None:
    with FileStore(store_path).locked():
        Path(ready).touch()
        time.sleep(600)


_REAL_REPLACE = os.replace
"""The crash commands replace os.replace (and os.write) with a function that stops; the note still needs it."""


def _stop(ready: str, note: str) -> None:
    # The test reads the note as soon as the file exists: it must appear whole (written aside, then renamed),
    # or a loaded machine lets the test read it empty.
    Path(ready + ".partial").write_text(note)
    _REAL_REPLACE(ready + ".partial", ready)
    time.sleep(600)


def crash_save(store_path: str, ready: str) -> None:
    def stuck_replace(source: str, target: str) -> None:
        _stop(ready, source)

    store = FileStore(store_path)
    with store.locked() as session:
        state = session.load()
        append_item(state, "never-committed")
        os.replace = stuck_replace  # type: ignore[assignment]
        session.save(state)


def crash_append(store_path: str, ready: str) -> None:
    real_write = os.write

    def half_write(fd: int, data: bytes) -> int:
        written = real_write(fd, bytes(data[: len(data) // 2]))
        os.fsync(fd)
        _stop(ready, str(written))
        return written

    store = FileStore(store_path)
    with store.locked() as session:
        change = append_item(session.load(), "torn")
        os.write = half_write  # type: ignore[assignment]
        session.append(change)


def crash_compaction(store_path: str, ready: str) -> None:
    from keychainsim.store import file

    def stuck_replace(source: str, target: str) -> None:
        _stop(ready, source)

    file.COMPACT_MIN_BYTES = 0
    file.COMPACT_RATIO = 10**9  # any journal at all is "long": the append compacts
    store = FileStore(store_path)
    with store.locked() as session:
        change = append_item(session.load(), "appended-then-compacting")
        os.replace = stuck_replace  # type: ignore[assignment]
        session.append(change)


if __name__ == "__main__":
    command, *arguments = sys.argv[1:]
    {
        "add": add,
        "kc-add": kc_add,
        "hold": hold,
        "crash-save": crash_save,
        "crash-append": crash_append,
        "crash-compaction": crash_compaction,
    }[command](*arguments)
