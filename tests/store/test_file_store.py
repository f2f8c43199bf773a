"""FileStore in one process: load and save, signatures, and files it must refuse and never touch."""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from tinydb import TinyDB

from keychainsim import __version__
from keychainsim.errors import StorageError
from keychainsim.model.access_control import SecAccessControl
from keychainsim.store import SCHEMA_VERSION, FileStore, KeychainState, StoredItem
from keychainsim.store.codec import state_to_document
from keychainsim.store.storage import AtomicJSONStorage, serialize

from ._values import canonical_state, sample_state, states

pytestmark = pytest.mark.model


def save(store: FileStore, state: KeychainState) -> None:
    with store.locked() as session:
        session.save(state)


def load(store: FileStore) -> KeychainState:
    with store.locked() as session:
        return session.load()


@pytest.fixture
def store(tmp_path: Path) -> FileStore:
    return FileStore(tmp_path / "keychain.json", lock_timeout=2.0)


# -- the ordinary cycle --------------------------------------------------------------------------------


def test_a_missing_file_loads_as_an_empty_state_and_is_not_created(store: FileStore) -> None:
    with store.locked() as session:
        assert session.signature() is None
        assert session.load() == KeychainState()
    assert not store.exists()


def test_save_then_load_gives_the_state_back(store: FileStore) -> None:
    save(store, sample_state())
    assert store.exists()
    assert canonical_state(load(store)) == canonical_state(sample_state())


@given(state=states)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_every_state_round_trips_through_a_real_file(store: FileStore, state: KeychainState) -> None:
    save(store, state)
    assert canonical_state(load(store)) == canonical_state(state)


def test_the_file_is_stamped_and_private(store: FileStore) -> None:
    save(store, sample_state())
    document = json.loads(Path(store.path).read_bytes())
    assert document["_meta"]["1"] == {"generation": 1, "keychainsim": __version__, "schema": SCHEMA_VERSION}
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600
    save(store, sample_state())
    assert json.loads(Path(store.path).read_bytes())["_meta"]["1"]["generation"] == 2


def test_same_state_gives_identical_file_bytes(tmp_path: Path) -> None:
    first, second = FileStore(tmp_path / "a.json"), FileStore(tmp_path / "b.json")
    save(first, sample_state())
    save(second, sample_state())
    assert Path(first.path).read_bytes() == Path(second.path).read_bytes()
    assert Path(first.path).read_bytes() == serialize(
        state_to_document(sample_state(), generation=1, version=__version__)
    )


def test_the_file_opens_in_stock_tinydb(store: FileStore) -> None:
    save(store, sample_state())
    with TinyDB(store.path, access_mode="r") as db:
        assert db.tables() == {"_meta", "items", "state"}
        assert len(db.table("items", cache_size=0)) == len(sample_state().items)
        assert db.table("_meta", cache_size=0).get(doc_id=1)["schema"] == SCHEMA_VERSION


def test_tinydb_tables_on_the_atomic_storage_never_serve_stale_data(tmp_path: Path) -> None:
    path = str(tmp_path / "scratch.json")
    mine = TinyDB(path, storage=AtomicJSONStorage).table("t", cache_size=0)
    theirs = TinyDB(path, storage=AtomicJSONStorage).table("t", cache_size=0)
    mine.insert({"n": 1})
    assert [dict(doc) for doc in theirs.all()] == [{"n": 1}]
    theirs.insert({"n": 2})
    assert [doc["n"] for doc in mine.all()] == [1, 2]


def test_a_session_is_unusable_once_its_lock_is_released(store: FileStore) -> None:
    with store.locked() as session:
        pass
    with pytest.raises(RuntimeError, match="lock was released"):
        session.save(KeychainState())
    assert not store.exists()


def test_an_unstorable_value_changes_nothing(store: FileStore) -> None:
    save(store, sample_state())
    before = Path(store.path).read_bytes()
    broken = sample_state()
    broken.items.append(StoredItem("dp", "genp", 999, {"cdat": datetime(2026, 1, 1)}))
    with store.locked() as session, pytest.raises(TypeError, match=r"rowid 999.*'cdat'"):
        session.save(broken)
    assert Path(store.path).read_bytes() == before
    assert sorted(os.listdir(os.path.dirname(store.path))) == ["keychain.json", "keychain.json.lock"]


# -- signatures ----------------------------------------------------------------------------------------


def test_signature_changes_on_every_save_even_at_equal_size(store: FileStore) -> None:
    seen = []
    with store.locked() as session:
        for _ in range(9):
            session.save(KeychainState())
        for clock in range(10, 50):
            session.save(KeychainState(clock_ms=clock))
            seen.append(session.signature())
    assert len({signature.size for signature in seen}) == 1
    assert len(set(seen)) == len(seen)
    assert [signature.generation for signature in seen] == list(range(10, 50))


def test_signature_changes_when_inode_mtime_and_size_all_repeat(store: FileStore) -> None:
    # ext4 hands the inode just freed by os.replace to the next temporary file, so two saves later the
    # file can have its old inode back; with equal size and an mtime in the same tick (forced here),
    # stat alone cannot tell the versions apart.
    with store.locked() as session:
        session.save(KeychainState(clock_ms=11))
        first = session.signature()
        session.save(KeychainState(clock_ms=22))
        session.save(KeychainState(clock_ms=33))
        os.utime(store.path, ns=(first.mtime_ns, first.mtime_ns))
        again = session.signature()
    assert (again.mtime_ns, again.size) == (first.mtime_ns, first.size)
    assert again != first


def test_signature_is_stable_while_nothing_changes(store: FileStore) -> None:
    save(store, sample_state())
    with store.locked() as session:
        first = session.signature()
        session.load()
        assert session.signature() == first
    with store.locked() as session:
        assert session.signature() == first


def test_a_file_in_foreign_formatting_is_still_tracked_and_saved(store: FileStore) -> None:
    save(store, sample_state())
    document = json.loads(Path(store.path).read_bytes())
    Path(store.path).write_text(json.dumps(document))  # one line, as another tool might write it
    with store.locked() as session:
        foreign = session.signature()
        assert foreign is not None and foreign.generation is None and foreign.digest
        assert canonical_state(session.load()) == canonical_state(sample_state())
    # An in-place edit that keeps size and mtime still changes the signature.
    mtime = os.stat(store.path).st_mtime_ns
    Path(store.path).write_text(json.dumps(document).replace('"bob"', '"bib"'))
    os.utime(store.path, ns=(mtime, mtime))
    with store.locked() as session:
        edited = session.signature()
        assert edited is not None and edited.size == foreign.size and edited != foreign
        state = session.load()
        assert state.items[0].attrs["acct"] == "bib"
        session.save(state)
        assert session.signature().generation == 2


# -- files that must be refused and left alone ---------------------------------------------------------


def newer_schema_bytes() -> bytes:
    document = state_to_document(sample_state(), generation=3, version="9.0.0")
    document["_meta"]["1"]["schema"] = SCHEMA_VERSION + 1
    return serialize(document)


def malformed_item_bytes() -> bytes:
    document = state_to_document(sample_state(), generation=3, version=__version__)
    document["items"]["2"]["attrs"]["klbl"] = {"$bytes": "not hex"}
    return serialize(document)


REFUSED: dict[str, tuple[Any, str]] = {
    "not json": (b"this is not json\n", "not valid JSON"),
    "truncated": (lambda: serialize(state_to_document(sample_state(), generation=1, version="x"))[:300], "JSON"),
    "empty": (b"", "empty"),
    "a list": (b"[]", "top level"),
    "another tinydb": (b'{"_default": {"1": {"name": "x"}}}', "no _meta table"),
    "newer schema": (newer_schema_bytes, f"schema {SCHEMA_VERSION + 1}"),
    "malformed item": (malformed_item_bytes, "items document 2 (rowid 3), keys attribute 'klbl'"),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_an_unusable_file_is_reported_and_never_modified(store: FileStore, name: str) -> None:
    content, problem = REFUSED[name]
    raw = content() if callable(content) else content
    Path(store.path).write_bytes(raw)
    with store.locked() as session:
        assert session.signature() is not None
        with pytest.raises(StorageError) as caught:
            session.load()
        assert caught.value.path == store.path and problem in caught.value.problem and caught.value.fix
        with pytest.raises(StorageError, match="refusing to save"):
            session.save(KeychainState())
    # A save in a fresh session that never tried to load is refused too.
    with store.locked() as session, pytest.raises(StorageError):
        session.save(KeychainState())
    with pytest.raises(StorageError):
        store.reset()
    assert Path(store.path).read_bytes() == raw
    assert sorted(os.listdir(os.path.dirname(store.path))) == ["keychain.json", "keychain.json.lock"]


def test_reset_with_force_replaces_an_unusable_file(store: FileStore) -> None:
    Path(store.path).write_bytes(b"garbage")
    store.reset(force=True)
    assert load(store) == KeychainState()


def test_reset_empties_a_good_store_and_keeps_counting(store: FileStore) -> None:
    save(store, sample_state())
    store.reset()
    with store.locked() as session:
        assert session.load() == KeychainState()
        assert session.signature().generation == 2


def test_an_unreadable_path_is_a_storage_error(store: FileStore) -> None:
    os.mkdir(store.path)  # not readable as a file, even by root
    with store.locked() as session:
        with pytest.raises(StorageError, match="cannot read"):
            session.load()
        with pytest.raises(StorageError, match="cannot read"):
            session.signature()


def test_the_directory_is_created_on_first_save(tmp_path: Path) -> None:
    store = FileStore(tmp_path / "new" / "dir" / "keychain.json")
    save(store, KeychainState(clock_ms=1))
    assert load(store).clock_ms == 1


def test_a_temporary_file_left_by_a_crash_is_removed_by_the_next_save(store: FileStore) -> None:
    save(store, KeychainState())
    directory = os.path.dirname(store.path)
    orphan = Path(directory, ".keychain.json.0123456789abcdef.tmp")
    unrelated = Path(directory, ".keychain.json.x.0123456789abcdef.tmp")  # another store's name
    orphan.write_bytes(b"{")
    unrelated.write_bytes(b"{")
    save(store, KeychainState())
    assert not orphan.exists() and unrelated.exists()


def test_the_store_reports_its_paths(tmp_path: Path) -> None:
    store = FileStore(tmp_path / "kc.json", lock_timeout=3)
    assert store.path == str(tmp_path / "kc.json")
    assert store.lock_path == str(tmp_path / "kc.json.lock")
    assert "kc.json" in repr(store)


def test_locking_is_reentrant_in_one_thread_but_not_across_stores(store: FileStore) -> None:
    other = FileStore(store.path, lock_timeout=0.2)
    with store.locked() as outer:
        with store.locked() as inner:
            inner.save(KeychainState(clock_ms=1))
        assert outer.load().clock_ms == 1
        with pytest.raises(StorageError, match="locked by another process"), other.locked():
            pass
    with other.locked() as session:
        assert session.load().clock_ms == 1


def test_ten_thousand_items_round_trip(store: FileStore) -> None:
    stamp = datetime(2026, 1, 1, 12, 0, 0, 123456, tzinfo=UTC)
    state = KeychainState(next_rowid=10_001)
    for rowid in range(1, 10_001):
        attrs = {
            "acct": f"account-{rowid}",
            "svce": "com.example.service",
            "agrp": "A1B2C3D4E5.com.example.app",
            "v_Data": rowid.to_bytes(32, "big"),
            "persistref": rowid.to_bytes(16, "big"),
            "cdat": stamp,
            "mdat": stamp,
            "pdmn": "ak",
            "sync": 0,
            "accc": SecAccessControl("ak", 0),
        }
        state.items.append(StoredItem("dp", "genp", rowid, attrs))
    save(store, state)
    assert load(store) == state  # how long it takes is the benchmark's business (benchmarks/)
