"""FileStore in one process: load, append and save, positions, compaction, and files it must refuse and never touch."""

from __future__ import annotations

import itertools
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
from keychainsim.store import ABSENT, SCHEMA_VERSION, Change, DeviceState, FileStore, KeychainState, StoredItem
from keychainsim.store.codec import state_to_document
from keychainsim.store.layout import frame, parse_snapshot, serialize_snapshot
from keychainsim.store.storage import JournalStorage

from ._values import canonical_state, sample_state, schema2_document, states

pytestmark = pytest.mark.model


def save(store: FileStore, state: KeychainState) -> None:
    with store.locked() as session:
        session.save(state)


def load(store: FileStore) -> KeychainState:
    with store.locked() as session:
        return session.load()


def add(store: FileStore, rowid: int, account: str) -> None:
    """One transaction as the engine makes it: read, then append the one item it adds."""
    with store.locked() as session:
        state = session.load()
        item = StoredItem("dp", "genp", rowid, {"acct": account, "v_Data": b"\x00\x01"})
        session.append(Change({rowid: item}, max(state.next_rowid, rowid + 1), state.device, state.clock_ms + 1))


def accounts(state: KeychainState) -> list[str | None]:
    return [item.attrs.get("acct") for item in state.items]


def load_sorted(state: KeychainState) -> KeychainState:
    """``state`` with its items in rowid order, as a store gives them back."""
    return KeychainState(
        sorted(state.items, key=lambda item: item.rowid), state.next_rowid, state.device, state.clock_ms
    )


def listing(store: FileStore) -> list[str]:
    return sorted(os.listdir(os.path.dirname(store.file)))


@pytest.fixture
def store(tmp_path: Path) -> FileStore:
    return FileStore(tmp_path / "keychain.json", lock_timeout=2.0)


# -- the ordinary cycle --------------------------------------------------------------------------------


def test_a_missing_file_loads_as_an_empty_state_and_is_not_created(store: FileStore) -> None:
    with store.locked() as session:
        assert session.load() == KeychainState()
        assert session.position == ABSENT
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


@given(state=states)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_every_change_round_trips_through_the_journal(store: FileStore, state: KeychainState) -> None:
    # The same states, written as one journal record on top of an existing store.
    save(store, KeychainState())
    with store.locked() as session:
        session.load()
        session.append(
            Change({item.rowid: item for item in state.items}, state.next_rowid, state.device, state.clock_ms)
        )
    assert canonical_state(load(store)) == canonical_state(state)


def test_the_file_is_stamped_and_private(store: FileStore) -> None:
    save(store, sample_state())
    document = json.loads(Path(store.path).read_bytes())
    assert document["_meta"]["1"] == {"generation": 1, "keychainsim": __version__, "schema": SCHEMA_VERSION}
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600
    save(store, sample_state())
    assert json.loads(Path(store.path).read_bytes())["_meta"]["1"]["generation"] == 2


def test_the_file_is_private_whatever_the_umask(store: FileStore) -> None:
    previous = os.umask(0o777)  # every bit masked: only an explicit chmod gives the owner access
    try:
        save(store, sample_state())
    finally:
        os.umask(previous)
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(store.lock_path).st_mode) == 0o600
    assert canonical_state(load(store)) == canonical_state(sample_state())


def test_same_state_gives_identical_file_bytes(tmp_path: Path) -> None:
    first, second = FileStore(tmp_path / "a.json"), FileStore(tmp_path / "b.json")
    save(first, sample_state())
    save(second, sample_state())
    assert Path(first.path).read_bytes() == Path(second.path).read_bytes()
    assert Path(first.path).read_bytes() == serialize_snapshot(
        state_to_document(sample_state(), generation=1, version=__version__)
    )


def test_a_compacted_file_opens_in_stock_tinydb(store: FileStore) -> None:
    save(store, sample_state())
    with TinyDB(store.path, access_mode="r") as db:
        assert db.tables() == {"_meta", "columns", "state"}
        kinds = db.table("columns", cache_size=0).all()
        assert len(kinds) == 3  # the sample's three kinds of items
        assert sorted(rowid for kind in kinds for rowid in kind["rowids"]) == sorted(
            item.rowid for item in sample_state().items
        )
        assert db.table("_meta", cache_size=0).get(doc_id=1)["schema"] == SCHEMA_VERSION


def test_tinydb_on_the_journal_storage_sees_the_journal(store: FileStore) -> None:
    save(store, sample_state())
    add(store, 200, "journalled")
    with TinyDB(store.path, storage=JournalStorage) as db:
        assert db.table("items", cache_size=0).get(doc_id=200)["attrs"]["acct"] == "journalled"
        assert db.table("state", cache_size=0).get(doc_id=1)["next_rowid"] == 201


def test_tinydb_tables_on_the_journal_storage_never_serve_stale_data(tmp_path: Path) -> None:
    path = str(tmp_path / "scratch.json")
    mine = TinyDB(path, storage=JournalStorage).table("t", cache_size=0)
    theirs = TinyDB(path, storage=JournalStorage).table("t", cache_size=0)
    mine.insert({"n": 1})
    assert [dict(doc) for doc in theirs.all()] == [{"n": 1}]
    theirs.insert({"n": 2})
    assert [doc["n"] for doc in mine.all()] == [1, 2]


def test_a_session_is_unusable_once_its_lock_is_released(store: FileStore) -> None:
    with store.locked() as session:
        session.load()
    with pytest.raises(RuntimeError, match="lock was released"):
        session.save(KeychainState())
    with pytest.raises(RuntimeError, match="lock was released"):
        session.append(Change({}, 1, DeviceState(), 0))
    assert not store.exists()


def test_an_append_needs_a_read_first(store: FileStore) -> None:
    with store.locked() as session, pytest.raises(RuntimeError, match=r"load\(\) or refresh\(\) first"):
        session.append(Change({}, 1, DeviceState(), 0))
    assert not store.exists()


def test_an_unstorable_value_changes_nothing(store: FileStore) -> None:
    save(store, sample_state())
    before = Path(store.path).read_bytes()
    broken = sample_state()
    broken.items.append(StoredItem("dp", "genp", 999, {"cdat": datetime(2026, 1, 1)}))
    with store.locked() as session, pytest.raises(TypeError, match=r"rowid 999.*'cdat'"):
        session.save(broken)
    with store.locked() as session, pytest.raises(TypeError, match=r"changed item 999.*'cdat'"):
        session.load()
        session.append(Change({999: broken.items[-1]}, 1000, DeviceState(), 0))
    assert Path(store.path).read_bytes() == before
    assert listing(store) == ["keychain.json", "keychain.json.lock"]


# -- the journal -----------------------------------------------------------------------------------------


def test_an_append_adds_one_record_and_leaves_every_earlier_byte_alone(store: FileStore) -> None:
    save(store, sample_state())
    before = Path(store.path).read_bytes()
    add(store, 500, "appended")
    after = Path(store.path).read_bytes()
    record = after[len(before) :]
    assert after.startswith(before)
    assert record.startswith(b"J") and record.endswith(b"\n") and record.count(b"\n") == 1
    assert b'"500":{"attrs":{"acct":"appended"' in record
    assert accounts(load(store))[-1] == "appended"


def test_the_bytes_an_append_writes_do_not_grow_with_the_store(tmp_path: Path) -> None:
    # The write is O(1): the same change costs the same record on a store of 10 items and of 2,000.
    written = []
    for size in (10, 2000):
        store = FileStore(tmp_path / f"kc{size}.json")
        state = KeychainState(next_rowid=size + 1)
        state.items = [StoredItem("dp", "genp", n, {"acct": f"a{n}"}) for n in range(1, size + 1)]
        save(store, state)
        before = os.path.getsize(store.path)
        add(store, 99_999, "same")
        written.append(os.path.getsize(store.path) - before)
    assert written[0] == written[1]


def test_a_delete_is_journalled_as_null(store: FileStore) -> None:
    save(store, sample_state())
    with store.locked() as session:
        state = session.load()
        session.append(Change({7: None}, state.next_rowid, state.device, state.clock_ms))
    assert b'{"items":{"7":null}' in Path(store.path).read_bytes()
    assert 7 not in [item.rowid for item in load(store).items]


def test_refresh_gives_exactly_what_another_writer_appended(store: FileStore) -> None:
    save(store, sample_state())
    with store.locked() as session:
        session.load()
        seen = session.position
    other = FileStore(store.path)
    add(other, 300, "theirs")
    with store.locked() as session:
        changes = session.refresh(seen)
        assert changes is not None and len(changes) == 1
        assert changes[0].items[300].attrs["acct"] == "theirs" and changes[0].next_rowid == 301
        moved = session.position
        assert moved != seen and moved.offset == os.path.getsize(store.path)
        assert session.refresh(moved) == []  # nothing new: no reread


def test_refresh_says_start_over_when_the_file_was_replaced(store: FileStore) -> None:
    save(store, sample_state())
    with store.locked() as session:
        session.load()
        seen = session.position
    save(FileStore(store.path), KeychainState(clock_ms=5))  # a compaction or reset elsewhere: a new file
    with store.locked() as session:
        assert session.refresh(seen) is None
        assert session.load().clock_ms == 5


def test_refresh_says_start_over_when_the_file_was_rewritten_in_place(store: FileStore) -> None:
    save(store, sample_state())
    with store.locked() as session:
        session.load()
        seen = session.position
    raw = Path(store.path).read_bytes()
    with open(store.path, "r+b") as handle:  # same inode, same size, other bytes
        handle.write(raw.replace(b'"bob"', b'"bib"'))
    with store.locked() as session:
        assert session.refresh(seen) is None
        assert "bib" in accounts(session.load())


def test_a_position_from_another_store_object_is_never_continued(store: FileStore) -> None:
    save(store, sample_state())
    with store.locked() as session:
        session.load()
        seen = session.position
    with FileStore(store.path).locked() as session:
        assert session.refresh(seen) is None


def test_the_position_moves_with_every_append_even_at_equal_record_size(store: FileStore) -> None:
    save(store, KeychainState())
    seen = []
    with store.locked() as session:
        session.load()
        for clock in range(10, 40):
            session.append(Change({}, 1, DeviceState(), clock))
            seen.append(session.position)
    assert len({b.offset - a.offset for a, b in itertools.pairwise(seen)}) == 1
    assert len(set(seen)) == len(seen)


def test_a_long_journal_is_compacted_into_a_new_snapshot(store: FileStore) -> None:
    save(store, sample_state())
    generation = json.loads(Path(store.path).read_bytes())["_meta"]["1"]["generation"]
    big = "x" * 5000
    with store.locked() as session:
        state = session.load()
        for n in range(30):  # 30 records of 5 KB: past the 64 KB floor
            session.append(
                Change(
                    {1000 + n: StoredItem("dp", "genp", 1000 + n, {"acct": f"c{n}", "gena": big})},
                    1001 + n,
                    state.device,
                    state.clock_ms,
                )
            )
    raw = Path(store.path).read_bytes()
    snapshot = parse_snapshot(raw, store.path)
    assert snapshot.document["_meta"]["1"]["generation"] > generation  # replaced by a new snapshot
    journal_lines = [line for line in raw.splitlines() if line.startswith(b"J")]
    assert len(journal_lines) < 30 and raw[snapshot.end :].count(b"\n") == len(journal_lines)
    assert accounts(load(store)) == accounts(load_sorted(sample_state())) + [f"c{n}" for n in range(30)]
    assert listing(store) == ["keychain.json", "keychain.json.lock"]


TORN_TAILS = {
    "cut mid-record": lambda record: record[: len(record) // 2],
    "cut before the newline": lambda record: record[:-1],
    "zeros (power cut after the size grew)": lambda record: b"\0" * len(record),
    "only the mark": lambda record: b"J",
    "bad checksum": lambda record: record.replace(b":", b":0", 1)[: len(record)],
}


@pytest.mark.parametrize("name", sorted(TORN_TAILS))
def test_a_torn_last_record_is_ignored_then_cut_by_the_next_writer(store: FileStore, name: str) -> None:
    save(store, sample_state())
    add(store, 300, "acknowledged")
    acknowledged = Path(store.path).read_bytes()
    never = frame(
        {
            "items": {"301": {"attrs": {"acct": "torn"}, "item_class": "genp", "keychain": "dp", "rowid": 301}},
            "state": {
                "1": {
                    "clock_ms": 0,
                    "device": {"passcode_set": True, "unlocked": True, "unlocked_since_boot": True},
                    "next_rowid": 302,
                }
            },
        }
    )
    Path(store.path).write_bytes(acknowledged + TORN_TAILS[name](never))
    assert accounts(load(store))[-1] == "acknowledged"  # every acknowledged change, nothing torn
    add(store, 302, "after the crash")
    raw = Path(store.path).read_bytes()
    assert raw.startswith(acknowledged) and b"torn" not in raw
    assert accounts(load(store))[-2:] == ["acknowledged", "after the crash"]


def test_a_damaged_record_followed_by_a_valid_one_is_corruption(store: FileStore) -> None:
    save(store, sample_state())
    add(store, 300, "first")
    add(store, 301, "second")
    raw = Path(store.path).read_bytes()
    damaged = raw.replace(b'"first"', b'"fir$t"')  # same length, wrong checksum
    Path(store.path).write_bytes(damaged)
    with store.locked() as session:
        with pytest.raises(StorageError, match=r"journal record at byte \d+ is damaged, and valid records follow"):
            session.load()
        with pytest.raises(StorageError, match="refusing to write"):
            session.append(Change({}, 1, DeviceState(), 0))
    assert Path(store.path).read_bytes() == damaged


def test_a_first_write_to_a_schema_1_file_migrates_it(store: FileStore) -> None:
    # The layout keychainsim wrote before the journal: indented, items keyed by position, schema 1.
    document = schema2_document(sample_state(), generation=6, version="0.0.9")
    document["_meta"]["1"]["schema"] = 1
    document["items"] = {str(n): doc for n, doc in enumerate(document["items"].values(), start=1)}
    old = (json.dumps(document, sort_keys=True, indent=2) + "\n").encode()
    Path(store.path).write_bytes(old)
    assert canonical_state(load(store)) == canonical_state(sample_state())
    assert Path(store.path).read_bytes() == old  # reading changes nothing
    add(store, 500, "new")
    migrated = json.loads(Path(store.path).read_bytes())
    assert migrated["_meta"]["1"] == {"generation": 7, "keychainsim": __version__, "schema": SCHEMA_VERSION}
    assert sorted(rowid for kind in migrated["columns"].values() for rowid in kind["rowids"]) == [
        item.rowid for item in load(store).items
    ]
    assert accounts(load(store)) == [*accounts(load_sorted(sample_state())), "new"]


def test_a_file_in_foreign_formatting_is_still_read_and_written(store: FileStore) -> None:
    save(store, sample_state())
    document = json.loads(Path(store.path).read_bytes())
    Path(store.path).write_text(json.dumps(document, indent=4))  # re-indented by another tool
    assert canonical_state(load(store)) == canonical_state(sample_state())
    add(store, 500, "appended")
    assert accounts(load(store))[-1] == "appended"


# -- files that must be refused and left alone ---------------------------------------------------------


def newer_schema_bytes() -> bytes:
    document = state_to_document(sample_state(), generation=3, version="9.0.0")
    document["_meta"]["1"]["schema"] = SCHEMA_VERSION + 1
    return serialize_snapshot(document)


def malformed_item_bytes() -> bytes:
    document = state_to_document(sample_state(), generation=3, version=__version__)
    keys = document["columns"]["1"]  # the one file keychain key, rowid 3
    keys["values"][keys["attrs"].index("klbl")] = {"$bytes": ["not hex"]}
    return serialize_snapshot(document)


def malformed_schema_2_item_bytes() -> bytes:
    document = schema2_document(sample_state(), generation=3, version=__version__)
    document["items"]["3"]["attrs"]["klbl"] = {"$bytes": "not hex"}
    return serialize_snapshot(document)


def schema_1_with_trailing_bytes() -> bytes:
    document = state_to_document(sample_state(), generation=3, version="0.0.9")
    document["_meta"]["1"]["schema"] = 1
    return serialize_snapshot(document) + b"J2:00000000:{}\n"


def malformed_record_bytes() -> bytes:
    payload = b'{"items": {"5": {"attrs": {}, "rowid": 5}}, "state": {}}'
    return serialize_snapshot(state_to_document(sample_state(), generation=3, version=__version__)) + frame(
        json.loads(payload)
    )


REFUSED: dict[str, tuple[Any, str]] = {
    "not json": (b"this is not json\n", "not valid JSON"),
    "truncated": (
        lambda: serialize_snapshot(state_to_document(sample_state(), generation=1, version="x"))[:300],
        "JSON",
    ),
    "empty": (b"", "empty"),
    "a list": (b"[]", "top level"),
    "another tinydb": (b'{"_default": {"1": {"name": "x"}}}', "no _meta table"),
    "newer schema": (newer_schema_bytes, f"schema {SCHEMA_VERSION + 1}"),
    "malformed item": (malformed_item_bytes, "columns document 1 (rowid 3), keys attribute 'klbl'"),
    "malformed schema 2 item": (malformed_schema_2_item_bytes, "items document 3 (rowid 3), keys attribute 'klbl'"),
    "schema 1 with a journal": (schema_1_with_trailing_bytes, "extra data after the document"),
    "malformed journal record": (malformed_record_bytes, "items document 5"),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_an_unusable_file_is_reported_and_never_modified(store: FileStore, name: str) -> None:
    content, problem = REFUSED[name]
    raw = content() if callable(content) else content
    Path(store.path).write_bytes(raw)
    with store.locked() as session:
        with pytest.raises(StorageError) as caught:
            session.load()
        assert caught.value.path == store.path and problem in caught.value.problem and caught.value.fix
        with pytest.raises(StorageError, match="refusing to write"):
            session.save(KeychainState())
    # A save in a fresh session that never tried to load is refused too.
    with store.locked() as session, pytest.raises(StorageError):
        session.save(KeychainState())
    with pytest.raises(StorageError):
        store.reset()
    assert Path(store.path).read_bytes() == raw
    assert listing(store) == ["keychain.json", "keychain.json.lock"]


def test_an_item_the_check_refuses_is_a_store_problem(tmp_path: Path) -> None:
    path = tmp_path / "keychain.json"
    save(FileStore(path), sample_state())
    before = path.read_bytes()

    def no_keys(item: StoredItem) -> str | None:
        return "keys are not welcome here" if item.item_class == "keys" else None

    store = FileStore(path, check=no_keys)
    with store.locked() as session, pytest.raises(StorageError) as caught:
        session.load()
    assert "columns document 1 (rowid 3), keys: keys are not welcome here" in caught.value.problem
    with pytest.raises(StorageError, match="keys are not welcome"):
        store.reset()
    assert path.read_bytes() == before
    store.reset(force=True)
    assert load(store) == KeychainState()


def test_reset_with_force_replaces_an_unusable_file(store: FileStore) -> None:
    Path(store.path).write_bytes(b"garbage")
    store.reset(force=True)
    assert load(store) == KeychainState()


def test_reset_empties_a_good_store_and_keeps_counting(store: FileStore) -> None:
    save(store, sample_state())
    add(store, 300, "journalled")
    store.reset()
    assert load(store) == KeychainState()
    assert json.loads(Path(store.path).read_bytes())["_meta"]["1"]["generation"] == 2


def test_an_unreadable_path_is_a_storage_error(store: FileStore) -> None:
    os.mkdir(store.path)  # not readable as a file, even by root
    with store.locked() as session, pytest.raises(StorageError, match="cannot read"):
        session.load()


def test_the_directory_is_created_0700_on_first_write(tmp_path: Path) -> None:
    previous = os.umask(0)  # the most permissive umask: the mode must come from the store
    try:
        store = FileStore(tmp_path / "new" / "dir" / "keychain.json")
        save(store, KeychainState(clock_ms=1))
    finally:
        os.umask(previous)
    assert stat.S_IMODE(os.stat(tmp_path / "new" / "dir").st_mode) == 0o700
    assert stat.S_IMODE(os.stat(store.lock_path).st_mode) == 0o600
    assert load(store).clock_ms == 1


def test_an_existing_directory_keeps_its_mode(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    os.chmod(shared, 0o755)
    save(FileStore(shared / "keychain.json"), KeychainState())
    assert stat.S_IMODE(os.stat(shared).st_mode) == 0o755


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
    assert store.path == store.file == str(tmp_path / "kc.json")
    assert store.lock_path == str(tmp_path / "kc.json.lock")
    assert "kc.json" in repr(store)


# -- readers create nothing ----------------------------------------------------------------------------


def test_a_reader_of_a_missing_store_creates_nothing(tmp_path: Path) -> None:
    store = FileStore(tmp_path / "not" / "yet" / "keychain.json")
    with store.locked(create=False) as session:
        assert session.load() == KeychainState()
    assert not (tmp_path / "not").exists()


def test_a_reader_without_a_lock_file_reads_and_does_not_create_one(store: FileStore) -> None:
    save(store, sample_state())
    os.unlink(store.lock_path)
    with store.locked(create=False) as session:
        assert canonical_state(session.load()) == canonical_state(sample_state())
    assert listing(store) == ["keychain.json"]


def test_a_reader_that_writes_takes_the_lock_then(store: FileStore) -> None:
    save(store, sample_state())
    os.unlink(store.lock_path)
    with store.locked(create=False) as session:
        state = session.load()
        item = StoredItem("dp", "genp", 300, {"acct": "late"})
        session.append(Change({300: item}, 301, state.device, state.clock_ms))
    assert listing(store) == ["keychain.json", "keychain.json.lock"]
    assert accounts(load(store))[-1] == "late"


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
