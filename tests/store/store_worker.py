"""A separate process for the store tests: the races and crashes under test need a real second process.

Run as ``python store_worker.py COMMAND STORE [ARGS...]``; the tests start it with ``subprocess`` and
synchronize through marker files, never through sleeps alone.

Commands:
    add STORE N TAG GO       wait for file GO, then N times: lock, load, append one item, save
    hold STORE READY         take the lock, create READY, sleep until killed
    crash STORE READY        load, append one item, save, but stop inside os.replace (after the
                             temporary file is written and fsynced), create READY, sleep until killed
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from keychainsim.store import FileStore, KeychainState, StoredItem


def append_item(state: KeychainState, account: str) -> None:
    """Add one generic password the way the engine would: next rowid, clock ticks."""
    state.items.append(StoredItem("dp", "genp", state.next_rowid, {"acct": account, "v_Data": b"\x00\x01"}))
    state.next_rowid += 1
    state.clock_ms += 1


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
            append_item(state, f"{tag}-{number}")
            session.save(state)


def hold(store_path: str, ready: str) -> None:
    with FileStore(store_path).locked():
        Path(ready).touch()
        time.sleep(600)


def crash(store_path: str, ready: str) -> None:
    def stuck_replace(source: str, target: str) -> None:
        Path(ready).write_text(source)
        time.sleep(600)

    store = FileStore(store_path)
    with store.locked() as session:
        state = session.load()
        append_item(state, "never-committed")
        os.replace = stuck_replace  # type: ignore[assignment]
        session.save(state)


if __name__ == "__main__":
    command, *arguments = sys.argv[1:]
    {"add": add, "hold": hold, "crash": crash}[command](*arguments)
