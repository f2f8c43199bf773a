"""FileStore across real processes: no lost update, no torn store after a kill (mid-append, mid-save,
mid-compaction), no stale read, a clear error when another process keeps the lock."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import keychainsim
from keychainsim.errors import StorageError
from keychainsim.store import Change, FileStore, KeychainState, StoredItem
from keychainsim.store.codec import state_from_document
from keychainsim.store.layout import parse_snapshot

from .store_worker import append_item

pytestmark = pytest.mark.model

WORKER = str(Path(__file__).with_name("store_worker.py"))
CHECKOUT = str(Path(keychainsim.__file__).resolve().parents[1])


def start(*arguments: str, stdout: int | None = None) -> subprocess.Popen[bytes]:
    """A worker process importing the keychainsim this test imports."""
    environment = dict(os.environ, PYTHONPATH=CHECKOUT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.Popen(
        [sys.executable, WORKER, *arguments], env=environment, stdout=stdout, stderr=subprocess.PIPE
    )


def wait_for(path: Path, process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if process.poll() is not None:
            raise AssertionError(f"worker exited early: {process.stderr.read().decode() if process.stderr else ''}")
        if time.monotonic() > deadline:
            raise AssertionError(f"worker never created {path}")
        time.sleep(0.005)


def kill(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=10) == -signal.SIGKILL


@pytest.fixture
def workers() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Processes started by a test, killed and reaped whatever the test's outcome."""
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
        for stream in (process.stdout, process.stderr):
            if stream:
                stream.close()


@pytest.fixture
def store(tmp_path: Path) -> FileStore:
    return FileStore(tmp_path / "keychain.json", lock_timeout=5.0)


def accounts(store: FileStore) -> list[str]:
    with store.locked() as session:
        return [item.attrs["acct"] for item in session.load().items]


def committed(store: FileStore, account: str) -> None:
    with store.locked() as session:
        session.append(append_item(session.load(), account))


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
    assert sorted(item.attrs["acct"] for item in state.items) == sorted(f"{t}-{n}" for t in tags for n in range(count))
    assert [item.rowid for item in state.items] == list(range(1, len(tags) * count + 1))
    assert state.next_rowid == len(tags) * count + 1
    assert state.clock_ms == len(tags) * count


def test_keychains_in_three_processes_lose_no_acknowledged_add(
    store: FileStore, tmp_path: Path, workers: list[subprocess.Popen[bytes]]
) -> None:
    count, tags = 25, ("x", "y", "z")
    go = tmp_path / "go"
    workers.extend(start("kc-add", store.path, str(count), tag, str(go), stdout=subprocess.PIPE) for tag in tags)
    go.touch()
    acknowledged = []
    for process in workers:
        output, errors = process.communicate(timeout=120)
        assert process.returncode == 0, errors.decode()
        acknowledged += [line.split()[1] for line in output.decode().splitlines()]
    assert sorted(acknowledged) == sorted(f"{t}-{n}" for t in tags for n in range(count))
    assert sorted(accounts(store)) == sorted(acknowledged)


def test_writers_killed_at_random_moments_lose_no_acknowledged_add(
    store: FileStore, tmp_path: Path, workers: list[subprocess.Popen[bytes]]
) -> None:
    # Two Keychains append concurrently; each round, both are killed at a random moment (often mid-call:
    # mid-append, or holding the lock). Whatever a process printed as acknowledged must survive, and the
    # store must stay readable and writable.
    chooser = random.Random(1301)
    acknowledged: list[str] = []
    for round_number in range(6):
        go = tmp_path / f"go-{round_number}"
        round_workers = [
            # far more adds than fit before the kill, however fast a durable add is on this disk
            start("kc-add", store.path, "1000000", f"r{round_number}{tag}", str(go), stdout=subprocess.PIPE)
            for tag in "ab"
        ]
        workers.extend(round_workers)
        go.touch()
        assert round_workers[0].stdout is not None
        round_workers[0].stdout.readline()  # both run: at least one add is through
        time.sleep(chooser.uniform(0, 0.3))
        for process in round_workers:
            kill(process)
            assert process.stdout is not None
            acknowledged += [line.split()[1] for line in process.stdout.read().decode().splitlines()]
        stored = set(accounts(store))
        assert set(acknowledged) <= stored, sorted(set(acknowledged) - stored)
    committed(store, "after the kills")
    assert accounts(store)[-1] == "after the kills"


def test_a_writer_killed_mid_append_leaves_a_torn_record_that_is_ignored(
    store: FileStore, tmp_path: Path, workers: list[subprocess.Popen[bytes]]
) -> None:
    committed(store, "committed")
    before = Path(store.path).read_bytes()
    ready = tmp_path / "ready"
    crasher = start("crash-append", store.path, str(ready))
    workers.append(crasher)
    wait_for(ready, crasher)
    kill(crasher)
    torn = Path(store.path).read_bytes()
    assert torn.startswith(before) and len(torn) > len(before)  # half a record is on disk

    fresh = FileStore(store.path, lock_timeout=2.0)  # the dead process's lock went with it
    assert accounts(fresh) == ["committed"]
    committed(fresh, "after the crash")
    assert Path(store.path).read_bytes().startswith(before)
    assert b"torn" not in Path(store.path).read_bytes()
    assert accounts(fresh) == ["committed", "after the crash"]


def test_a_writer_killed_before_its_rename_leaves_the_previous_state(
    store: FileStore, tmp_path: Path, workers: list[subprocess.Popen[bytes]]
) -> None:
    committed(store, "committed")
    before = Path(store.path).read_bytes()

    ready = tmp_path / "ready"
    crasher = start("crash-save", store.path, str(ready))
    workers.append(crasher)
    wait_for(ready, crasher)
    temporary = Path(ready.read_text())
    # The new state is complete on disk, only not yet in place: exactly the moment a crash matters.
    pending = state_from_document(parse_snapshot(temporary.read_bytes(), str(temporary)).document, str(temporary))
    assert [item.attrs["acct"] for item in pending.items] == ["committed", "never-committed"]
    assert temporary.parent == Path(store.path).parent
    kill(crasher)

    assert Path(store.path).read_bytes() == before
    fresh = FileStore(store.path, lock_timeout=2.0)
    with fresh.locked() as session:
        state = session.load()
        assert [item.attrs["acct"] for item in state.items] == ["committed"]
        append_item(state, "after the crash")
        session.save(state)
    assert not temporary.exists()  # the orphan is cleaned up under the lock
    assert accounts(fresh) == ["committed", "after the crash"]


def test_a_writer_killed_mid_compaction_loses_nothing(
    store: FileStore, tmp_path: Path, workers: list[subprocess.Popen[bytes]]
) -> None:
    committed(store, "committed")
    committed(store, "journalled")
    ready = tmp_path / "ready"
    crasher = start("crash-compaction", store.path, str(ready))
    workers.append(crasher)
    wait_for(ready, crasher)
    temporary = Path(ready.read_text())
    with_journal = Path(store.path).read_bytes()
    kill(crasher)

    # The record was durable before the compaction began; the old file, journal and all, is intact.
    assert Path(store.path).read_bytes() == with_journal
    fresh = FileStore(store.path, lock_timeout=2.0)
    assert accounts(fresh) == ["committed", "journalled", "appended-then-compacting"]
    with fresh.locked() as session:
        session.save(session.load())  # the next whole write removes the orphan
    assert not temporary.exists()
    assert accounts(fresh) == ["committed", "journalled", "appended-then-compacting"]


def test_a_write_by_another_process_is_seen_without_rereading_the_file(
    store: FileStore, tmp_path: Path, workers: list[subprocess.Popen[bytes]]
) -> None:
    committed(store, "mine")
    with store.locked() as session:
        session.load()
        seen = session.position

    go = tmp_path / "go"
    go.touch()
    writer = start("add", store.path, "1", "theirs", str(go))
    workers.append(writer)
    assert writer.wait(timeout=30) == 0

    with store.locked() as session:
        changes = session.refresh(seen)  # only the tail they appended
        assert changes is not None and [c.items[2].attrs["acct"] for c in changes] == ["theirs-0"]
        # And a write from here builds on their write rather than on the stale copy.
        item = StoredItem("dp", "genp", 3, {"acct": "mine again"})
        session.append(Change({3: item}, 4, changes[-1].device, changes[-1].clock_ms + 1))
    assert accounts(store) == ["mine", "theirs-0", "mine again"]


def test_a_lockless_reader_that_writes_after_another_process_wrote_writes_nothing(
    store: FileStore, tmp_path: Path, workers: list[subprocess.Popen[bytes]]
) -> None:
    committed(store, "first")
    os.unlink(store.lock_path)  # as in a directory where the reader could not have created it
    with store.locked(create=False) as session:
        state = session.load()  # no lock held: another process may write now, and does
        go = tmp_path / "go"
        go.touch()
        writer = start("add", store.path, "1", "theirs", str(go))
        workers.append(writer)
        assert writer.wait(timeout=30) == 0
        theirs = Path(store.path).read_bytes()
        with pytest.raises(StorageError, match="changed by another process while this call read it"):
            session.append(append_item(state, "mine"))
    assert Path(store.path).read_bytes() == theirs
    assert accounts(store) == ["first", "theirs-0"]


def test_a_lock_held_by_another_process_gives_a_storage_error(
    tmp_path: Path, workers: list[subprocess.Popen[bytes]]
) -> None:
    path = tmp_path / "keychain.json"
    ready = tmp_path / "ready"
    holder = start("hold", str(path), str(ready))
    workers.append(holder)
    wait_for(ready, holder)

    store = FileStore(path, lock_timeout=0.5)
    with pytest.raises(StorageError) as caught, store.locked():
        pytest.fail("acquired a lock another process holds")
    assert "locked by another process" in caught.value.problem and "0.5 s" in caught.value.problem
    assert caught.value.path == str(path) and caught.value.fix

    holder.kill()
    holder.wait(timeout=10)
    with store.locked() as session:  # released by the kernel when the holder died
        assert session.load() == KeychainState()
