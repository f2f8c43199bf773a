"""load_dump: device-shaped documents load; malformed ones raise InputError naming the source and the fault."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime

import pytest

from keychainsim.constants import *
from keychainsim.errors import InputError
from keychainsim.model.access_control import SecAccessControl
from keychainsim.probe import dump, load_dump

from ._keychains import HASH_A, add, keychain

DEVICE_DOCUMENT = {
    # Shaped exactly as probes/device/KeychainDump.swift writes it: sequential rowids, "statuses",
    # "source", "ref", CFBoolean values, millisecond dates, an access control with only a description.
    "access_groups": ["A1B2C3D4E5.com.example.app"],
    "device": {"passcode_set": True, "unlocked": True, "unlocked_since_boot": True},
    "format": "keychainsim-dump",
    "items": [
        {
            "attributes": {
                "accc": {
                    "description": "<SecAccessControlRef: ak>",
                    "type": "access_control",
                    "value": {"flags": 0, "protection": "ak"},
                },
                "agrp": {"type": "string", "value": "A1B2C3D4E5.com.example.app"},
                "atag": {"type": "data", "value": "746167"},
                "cdat": {"type": "date", "value": "2025-01-31T10:00:00.123Z"},
                "kcls": {"type": "number", "value": 1},
                "klbl": {"type": "data", "value": HASH_A.hex()},
                "pdmn": {"type": "string", "value": "ak"},
                "perm": {"type": "boolean", "value": True},
                "priv": {"type": "boolean", "value": True},
                "sync": {"type": "number", "value": 0},
                "tomb": {"type": "number", "value": 0},
                "type": {"type": "number", "value": 73},
            },
            "class": "keys",
            "keychain": "dp",
            "ref": "<SecKeyRef curve type: kSecECCurveSecp256r1, algorithm id: 3, key type: ECPrivateKey>",
            "rowid": 1,
        },
        {
            "attributes": {
                "agrp": {"type": "string", "value": "A1B2C3D4E5.com.example.app"},
                "labl": {"type": "string", "value": "device"},
                "pdmn": {"type": "string", "value": "dk"},
                "pkhh": {"type": "data", "value": HASH_A.hex()},
                "sync": {"type": "boolean", "value": False},
                "v_Data": {"type": "data", "value": "3003020101"},
            },
            "class": "cert",
            "keychain": "dp",
            "ref": "<cert(0x10281c) s: device i: Example CA>",
            "rowid": 2,
        },
    ],
    "platform": "ios",
    "source": "KeychainDump.swift, Version 18.1 (Build 22B83)",
    "statuses": {"dp/cert": 0, "dp/genp": -25300, "dp/inet": -25300, "dp/keys": 0},
    "version": 1,
}


@pytest.mark.model
def test_device_document_loads_with_engine_coercions():
    kc = load_dump(json.dumps(DEVICE_DOCUMENT))
    key, cert = kc.all_items()
    assert key.attrs["priv"] == 1 and key.attrs["perm"] == 1  # CFBoolean true -> number 1, as SecItemAdd stores
    assert key.attrs["cdat"] == datetime(2025, 1, 31, 10, 0, 0, 123000, tzinfo=UTC)
    assert key.attrs["accc"] == SecAccessControl("ak", 0)
    assert cert.attrs["sync"] == 0 and cert.attrs["v_Data"] == b"\x30\x03\x02\x01\x01"
    status, _ = kc.SecItemCopyMatching({kSecClass: kSecClassIdentity, kSecAttrLabel: "device"})
    assert status == errSecSuccess


@pytest.mark.model
def test_load_from_a_path_and_from_a_path_object(tmp_path):
    path = tmp_path / "dump.json"
    path.write_text(json.dumps(DEVICE_DOCUMENT), encoding="utf-8")
    assert len(load_dump(str(path)).all_items()) == 2
    assert len(load_dump(path).all_items()) == 2


def broken(change) -> str:
    document = copy.deepcopy(DEVICE_DOCUMENT)
    change(document)
    return json.dumps(document)


CASES = [
    ("not json", "{ not json", "not JSON: Expecting property name enclosed in double quotes at line 1 column 3"),
    ("no format", '{"version": 1}', "not a keychainsim dump: format is None, expected 'keychainsim-dump'"),
    (
        "other format",
        broken(lambda d: d.update(format="something-else")),
        "not a keychainsim dump: format is 'something-else', expected 'keychainsim-dump'",
    ),
    (
        "newer version",
        broken(lambda d: d.update(version=2)),
        "dump format version 2 is newer than this keychainsim reads (1); upgrade keychainsim",
    ),
    ("version not a number", broken(lambda d: d.update(version="1")), "dump version '1' is not a positive integer"),
    ("unknown top-level field", broken(lambda d: d.update(extra=1)), "the document: unknown fields extra"),
    ("missing items", broken(lambda d: d.pop("items")), "the document: missing items"),
    ("bad platform", broken(lambda d: d.update(platform="watchos")), "platform 'watchos' is not 'ios' or 'macos'"),
    (
        "device not bool",
        broken(lambda d: d["device"].update(unlocked=1)),
        "device.unlocked is 1, expected true or false",
    ),
    (
        "unknown attribute",
        broken(lambda d: d["items"][1]["attributes"].update(atag={"type": "string", "value": "x"})),
        "items[1] (rowid 2): 'atag' is not an attribute of class cert",
    ),
    (
        "bad hex",
        broken(lambda d: d["items"][0]["attributes"].update(klbl={"type": "data", "value": "zz"})),
        "items[0] (rowid 1).attributes.klbl: data 'zz' is not hex",
    ),
    (
        "unknown value type",
        broken(lambda d: d["items"][0]["attributes"].update(kcls={"type": "int", "value": 1})),
        "items[0] (rowid 1).attributes.kcls: unknown type 'int'",
    ),
    (
        "naive date",
        broken(lambda d: d["items"][0]["attributes"].update(cdat={"type": "date", "value": "2025-01-31T10:00:00"})),
        "items[0] (rowid 1).attributes.cdat: date '2025-01-31T10:00:00' has no UTC offset",
    ),
    (
        "value the engine refuses",
        broken(lambda d: d["items"][0]["attributes"].update(sha1={"type": "data", "value": "00"})),
        "items[0] (rowid 1).attributes.sha1: sha1:",
    ),
    (
        "unsupported device value",
        broken(
            lambda d: d["items"][0]["attributes"].update(
                labl={"type": "unsupported", "value": None, "description": "<CFArray>"}
            )
        ),
        "the device probe could not encode this value (<CFArray>)",
    ),
    (
        "withheld secret",
        broken(
            lambda d: d["items"][0]["attributes"].update(
                v_Data={"type": "secret", "length": 3, "sha1_prefix": "00000000"}
            )
        ),
        "unknown fields",
    ),
    ("duplicate rowid", broken(lambda d: d["items"][1].update(rowid=1)), "items[1]: rowid 1 appears twice"),
    (
        "file item on ios",
        broken(lambda d: d["items"][1].update(keychain="file")),
        "a file-based keychain item in an ios dump (macOS only)",
    ),
    (
        "unknown class",
        broken(lambda d: d["items"][1].update({"class": "idnt"})),
        "class 'idnt' is not a stored class (genp, inet, cert, keys)",
    ),
    (
        "bad reason code",
        broken(lambda d: d["items"][1].update(hidden_because=[{"code": "nope", "message": ""}])),
        "hidden_because must be a list",
    ),
]


@pytest.mark.model
@pytest.mark.parametrize(("name", "text", "message"), CASES, ids=[c[0] for c in CASES])
def test_malformed_text_raises_input_error_naming_the_fault(name, text, message):
    with pytest.raises(InputError) as caught:
        load_dump(text)
    assert caught.value.source == "<dump text>"
    assert message in caught.value.problem
    assert str(caught.value).startswith(f"{caught.value.source}: ")


@pytest.mark.model
def test_top_level_array_is_read_as_a_path_and_reported_as_unreadable():
    # "[1]" does not start with "{", so it is a (missing) file name: the error names it.
    with pytest.raises(InputError) as caught:
        load_dump("[1]")
    assert caught.value.source == "[1]" and "cannot read the dump" in caught.value.problem


@pytest.mark.model
def test_missing_and_binary_files_name_the_path(tmp_path):
    with pytest.raises(InputError) as caught:
        load_dump(tmp_path / "absent.json")
    assert caught.value.source == str(tmp_path / "absent.json")
    assert "No such file" in caught.value.problem
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe{")
    with pytest.raises(InputError, match="not UTF-8 text"):
        load_dump(binary)
    newer = tmp_path / "newer.json"
    newer.write_text(broken(lambda d: d.update(version=7)), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_dump(newer)
    assert caught.value.source == str(newer) and "version 7" in caught.value.problem


@pytest.mark.model
def test_a_trace_summary_cannot_be_loaded_as_a_secret():
    kc = keychain()
    add(kc, {kSecClass: kSecClassGenericPassword, kSecAttrAccount: "a", kSecValueData: b"pw"})
    document = json.loads(dump(kc, format="json"))
    document["items"][0]["attributes"]["v_Data"] = {"type": "secret", "value": None}
    with pytest.raises(InputError, match="the secret was withheld"):
        load_dump(json.dumps(document))
