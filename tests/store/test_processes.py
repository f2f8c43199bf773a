"""FileStore across real processes: no lost update, no torn file after a kill, no stale read, a clear
error when another process keeps the lock."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import keychainsim
from keychainsim.errors import StorageError
from keychainsim.store import FileStore, KeychainState
from keychainsim.store.codec import state_from_document
from keychainsim.store.storage import parse

from .store_worker import append_item

pytestmark = pytest.mark.model

WORKER = str(Path(__file__).with_name("store_worker.py"))
CHECKOUT = str(Path(keychainsim.__file__).resolve().parents[1])


def start(*arguments: str) -> subprocess.Popen[bytes]:
    """A worker process importing the keychainsim this test imports."""
    environment = dict(os.environ, PYTHONPATH=CHECKOUT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.Popen([sys.executable, WORKER, *arguments], env=environment, stderr=subprocess.PIPE)


def wait_for(path: Path, process: subprocess.Popen[bytes], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if process.poll() is not None:
            raise AssertionError(f"worker exited early: {process.stderr.read().decode() if process.stderr else ''}")
        if time.monotonic() > deadline:
            raise AssertionError(f"worker never created {path}")
        time.sleep(0.005)


@pytest.fixture
def workers() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Processes started by a test, killed and reaped whatever the test's outcome."""
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
        if process.stderr:
            process.stderr.close()


@pytest.fixture
def store(tmp_path: Path) -> FileStore:
    return FileStore(tmp_path / "keychain.json", lock_timeout=5.0)


def test_concurrent_read_modify_writes_lose_no_update(
    store: FileStore, tmp_path: Path, workers: list[subprocess.Popen[bytes]]
) -> None:
    count, tags = 40, ("a", "b", "c")
    go = tmp_path / "go"
    workers.extend(start("add", store.path, str(count), tag, str(go)) for tag in tags)
    go.touch()  # all three start together, so they contend for the lock
    for process in workers:
        assert process.wait(timeout=60) == 0, process.stderr.read().decode() if process.stderr else ""
    with store.locked() as session:
        state = session.load()
    accounts = sorted(item.attrs["acct"] for item in state.items)
    assert accounts == sorted(f"{tag}-{n}" for tag in tags for n in range(count))
    assert [item.rowid for item in state.items] == list(range(1, len(tags) * count + 1))
    assert state.next_rowid == len(tags) * count + 1
    assert state.clock_ms == len(tags) * count


def test_a_writer_killed_before_its_rename_leaves_the_previous_state(
    store: FileStore, tmp_path: Path, workers: list[subprocess.Popen[bytes]]
) -> None:
    previous = KeychainState()
    append_item(previous, "committed")
    with store.locked() as session:
        session.save(previous)
    before = Path(store.path).read_bytes()

    ready = tmp_path / "ready"
    crasher = start("crash", store.path, str(ready))
    workers.append(crasher)
    wait_for(ready, crasher)
    temporary = Path(ready.read_text())
    # The new state is complete on disk, only not yet in place: exactly the moment a crash matters.
    pending = state_from_document(parse(temporary.read_bytes(), str(temporary)), str(temporary))
    assert [item.attrs["acct"] for item in pending.items] == ["committed", "never-committed"]
    assert temporary.parent == Path(store.path).parent

    crasher.send_signal(signal.SIGKILL)
    assert crasher.wait(timeout=10) == -signal.SIGKILL

    assert Path(store.path).read_bytes() == before
    fresh = FileStore(store.path, lock_timeout=2.0)  # the dead process's lock went with it
    with fresh.locked() as session:
        state = session.load()
        assert [item.attrs["acct"] for item in state.items] == ["committed"]
        append_item(state, "after the crash")
        session.save(state)
    assert not temporary.exists()  # the orphan is cleaned up under the lock
    with fresh.locked() as session:
        assert [item.attrs["acct"] for item in session.load().items] == ["committed", "after the crash"]


def test_a_write_by_another_process_is_seen_by_the_next_load(
    store: FileStore, tmp_path: Path, workers: list[subprocess.Popen[bytes]]
) -> None:
    # The engine reloads only when the signature moved; tinydb's caches would have hidden this write.
    with store.locked() as session:
        state = session.load()
        append_item(state, "mine")
        session.save(state)
        seen = session.signature()
        cached = session.load()

    go = tmp_path / "go"
    go.touch()
    writer = start("add", store.path, "1", "theirs", str(go))
    workers.append(writer)
    assert writer.wait(timeout=30) == 0

    with store.locked() as session:
        assert session.signature() != seen
        state = session.load()
    assert [item.attrs["acct"] for item in cached.items] == ["mine"]
    assert [item.attrs["acct"] for item in state.items] == ["mine", "theirs-0"]
    # And a save from here builds on their write rather than on the stale copy.
    with store.locked() as session:
        append_item(state, "mine again")
        session.save(state)
        assert [item.rowid for item in session.load().items] == [1, 2, 3]


def test_a_lock_held_by_another_process_gives_a_storage_error_in_time(
    tmp_path: Path, workers: list[subprocess.Popen[bytes]]
) -> None:
    path = tmp_path / "keychain.json"
    ready = tmp_path / "ready"
    holder = start("hold", str(path), str(ready))
    workers.append(holder)
    wait_for(ready, holder)

    store = FileStore(path, lock_timeout=0.5)
    started = time.monotonic()
    with pytest.raises(StorageError) as caught, store.locked():
        pytest.fail("acquired a lock another process holds")
    elapsed = time.monotonic() - started
    assert 0.4 < elapsed < 3.0
    assert "locked by another process" in caught.value.problem
    assert caught.value.path == str(path) and caught.value.fix

    holder.kill()
    holder.wait(timeout=10)
    with store.locked() as session:  # released by the kernel when the holder died
        assert session.load() == KeychainState()
