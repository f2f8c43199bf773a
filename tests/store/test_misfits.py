"""Store contents the model cannot use (an unknown class, a value of a shape its attribute never takes)
are a store problem on every command: exit 4 naming the item, the file untouched; only ``reset --force``
replaces such a store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from keychainsim import Keychain
from keychainsim.constants import kSecAttrAccount, kSecClass, kSecClassGenericPassword
from keychainsim.errors import StorageError
from keychainsim.model.stored import misfit
from keychainsim.store import Change, DeviceState, FileStore, StoredItem
from keychainsim.store.layout import parse_snapshot, serialize_snapshot

from ._values import isolate, set_cell

pytestmark = pytest.mark.model

GENP = ["-a", "kSecClass=kSecClassGenericPassword", "-a", "kSecAttrService=s", "-a", "kSecAttrAccount=a"]

MISFITS: dict[str, tuple[str, Any, str]] = {
    # name: (field, new value, what the message says)
    "unknown class": ("item_class", "xyzz", "class 'xyzz' is not a stored class"),
    "unknown keychain": ("keychain", "cloud", "keychain 'cloud' is not one of dp, file"),
    "unknown attribute": ("attrs.zzzz", "hello", "attribute 'zzzz' is not a genp attribute"),
    "account a list": ("attrs.acct", [1, 2], "attribute 'acct' (Blob) holds list [1, 2], expected a string, data"),
    "date as text": (
        "attrs.cdat",
        "yesterday",
        "attribute 'cdat' (CreationDate) holds str 'yesterday', expected a date",
    ),
    "short sha1": (
        "attrs.sha1",
        {"$bytes": "00ff00"},
        "attribute 'sha1' (SHA1) holds bytes b'\\x00\\xff\\x00', expected 20 bytes",
    ),
    "bool sync": ("attrs.sync", True, "attribute 'sync' (Sync) holds bool True"),
    "data as text": ("attrs.v_Data", "secret", "attribute 'v_Data' (Data) holds str 'secret', expected data"),
}


def misfit_store(path: Path, field: str, value: Any) -> bytes:
    """A store written by keychainsim, then one item edited by hand; returns the edited bytes."""
    kc = Keychain(store=path)
    kc.SecItemAdd({kSecClass: kSecClassGenericPassword, kSecAttrAccount: "fine"})
    kc.SecItemAdd({kSecClass: kSecClassGenericPassword, kSecAttrAccount: "edited"})
    with FileStore(path).locked() as session:  # fold the journal in, so the edit is in the snapshot
        session.save(session.load())
    document = parse_snapshot(path.read_bytes(), str(path)).document
    doc = isolate(document, 2)
    if field.startswith("attrs."):
        set_cell(doc, field.removeprefix("attrs."), value)
    else:
        doc[field] = value
    raw = serialize_snapshot(document)
    path.write_bytes(raw)
    return raw


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from typer.testing import CliRunner

    from keychainsim.cli import app

    monkeypatch.setenv("KEYCHAINSIM_STORE", str(tmp_path / "keychain.json"))
    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(args), catch_exceptions=False)


SCENARIO = Path(__file__).resolve().parents[2] / "fixtures" / "scenarios" / "seed.yaml"
COMMANDS = {
    "find": ["find", *GENP],
    "dump": ["dump"],
    "dump json": ["dump", "--format", "json"],
    "explain": ["explain", *GENP],
    "identity": ["identity", "--label", "device-identity"],
    "add": ["add", *GENP],
    "update": ["update", *GENP, "--set", "kSecAttrLabel=x"],
    "delete": ["delete", *GENP],
    "lock": ["lock"],
    "unlock": ["unlock"],
    "init": ["init"],
    "reset": ["reset"],
    "run": ["run", "--on-store", str(SCENARIO)],
}


@pytest.mark.parametrize("misfit_name", sorted(MISFITS))
def test_every_command_refuses_a_store_with_a_misfit_item(cli, tmp_path: Path, misfit_name: str) -> None:
    field, value, message = MISFITS[misfit_name]
    path = tmp_path / "keychain.json"
    raw = misfit_store(path, field, value)
    for name, args in COMMANDS.items():
        result = cli(*args)
        assert result.exit_code == 4, (name, result.output)
        assert result.output.startswith(f"keychainsim: keychain store {path}: columns document 2 (rowid 2)"), (
            name,
            result.output,
        )
        assert message in result.output, (name, result.output)
        assert "Traceback" not in result.output
        assert path.read_bytes() == raw, name
    assert cli("reset", "--force").exit_code == 0
    assert cli("find", *GENP, "--expect", "errSecItemNotFound").exit_code == 0


def test_the_python_api_raises_a_storage_error_naming_the_item(tmp_path: Path) -> None:
    path = tmp_path / "keychain.json"
    misfit_store(path, "item_class", "xyzz")
    with pytest.raises(StorageError) as caught:
        Keychain(store=path).SecItemCopyMatching({kSecClass: kSecClassGenericPassword})
    assert "columns document 2 (rowid 2), xyzz: class 'xyzz' is not a stored class" in caught.value.problem
    assert caught.value.fix


def test_a_misfit_appended_by_another_writer_is_refused_on_the_next_call(tmp_path: Path) -> None:
    path = tmp_path / "keychain.json"
    kc = Keychain(store=path)
    kc.SecItemAdd({kSecClass: kSecClassGenericPassword, kSecAttrAccount: "fine"})
    # Another writer (a buggy tool; FileStore without the model's check) appends an item of no class.
    with FileStore(path).locked() as session:
        state = session.load()
        bad = StoredItem("dp", "nope", 7, {"acct": "x"})
        session.append(Change({7: bad}, 8, DeviceState(), state.clock_ms))
    raw = path.read_bytes()
    for _ in range(2):  # refused now, and again next time: the keychain keeps no half-read copy
        with pytest.raises(StorageError, match=r"rowid 7\), nope: class 'nope' is not a stored class"):
            kc.SecItemAdd({kSecClass: kSecClassGenericPassword, kSecAttrAccount: "more"})
    assert path.read_bytes() == raw


def test_every_item_the_engine_stores_fits(cli, tmp_path: Path) -> None:
    # The check must never refuse what keychainsim itself writes: the seed enrollment on a store.
    assert cli("run", "--on-store", str(SCENARIO)).exit_code == 0
    with FileStore(tmp_path / "keychain.json").locked() as session:
        stored = session.load().items
    assert {item.item_class for item in stored} == {"cert", "keys"}
    assert [misfit(i.keychain, i.item_class, i.attrs) for i in stored] == [None] * len(stored)


SHAPE_CASES = [
    # (attribute, value, fits): one per kind, on both sides of what coerce() can produce
    ("labl", "text", True),  # Blob: string, data or number
    ("labl", b"data", True),
    ("labl", 7, True),
    ("labl", True, False),  # copyBlob rejects booleans
    ("v_Data", b"x", True),  # Data
    ("v_Data", "x", False),  # coerce turns text into data before storing
    ("agrp", "group", True),  # String
    ("agrp", b"group", False),
    ("crtr", 1095216660, True),  # Number
    ("crtr", "htps", True),  # text that is not a decimal number stays text
    ("crtr", "80", False),  # a decimal string is stored as the number
    ("crtr", None, False),
    ("musr", b"", True),  # UUID: 0 or 16 bytes
    ("musr", b"\x00" * 16, True),
    ("musr", b"\x00" * 3, False),
    ("sha1", b"\x00" * 20, True),  # SHA1: 20 bytes
    ("sha1", b"\x00" * 19, False),
    ("cdat", "2026-01-01", False),  # dates are dates
    ("accc", "ak", False),  # AccessControl: a SecAccessControl only
]


@pytest.mark.parametrize(("key", "value", "fits"), SHAPE_CASES, ids=[f"{k}={v!r}" for k, v, _ in SHAPE_CASES])
def test_a_value_fits_exactly_when_coerce_could_have_stored_it(key: str, value: Any, fits: bool) -> None:
    from keychainsim.model.reject import Reject
    from keychainsim.model.values import coerce
    from keychainsim.schema import CLASSES

    attr = CLASSES["genp"].by_key[key]
    try:
        stored = coerce(attr, value)
        fixed_point = type(stored) is type(value) and stored == value
    except Reject:
        fixed_point = False
    assert fixed_point is fits  # the table agrees with the engine's own conversion
    assert (misfit("dp", "genp", {key: value}) is None) is fits
