"""Very long attribute values: the text forms shorten them (start, length, SHA-1 fingerprint); JSON keeps
them whole, so a dump still round-trips.

The values here are a few megabytes, enough that printing them whole would make the text output megabytes
long; how fast a 100 MB value dumps is measured outside the test suite (no test asserts a time).
"""

from __future__ import annotations

import hashlib
import json

import pytest

from keychainsim import Keychain
from keychainsim.constants import *
from keychainsim.probe import dump, load_dump

LABEL = "L" * 3_000_000 + "end"
GENERIC = bytes(range(256)) * 8_000
TEXT_DATA = ("é" * 1_000_000).encode("utf-8")


def sha1_prefix(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()[:8]


@pytest.fixture
def big() -> Keychain:
    kc = Keychain()
    status, _ = kc.SecItemAdd(
        {
            kSecClass: kSecClassGenericPassword,
            kSecAttrAccount: "bob",
            kSecAttrLabel: LABEL,
            kSecAttrGeneric: GENERIC,
            kSecAttrComment: TEXT_DATA.decode("utf-8"),
            kSecAttrDescription: "short",
        }
    )
    assert status == errSecSuccess
    status, _ = kc.SecItemAdd({kSecClass: kSecClassGenericPassword, kSecAttrAccount: "tag", kSecAttrGeneric: TEXT_DATA})
    assert status == errSecSuccess
    return kc


@pytest.mark.model
def test_the_text_dump_shows_start_length_and_fingerprint(big):
    text = dump(big, width=400)
    assert len(text) < 10_000
    assert f'"{"L" * 48}"… <{len(LABEL)} characters, sha1 {sha1_prefix(LABEL.encode())}>' in text
    assert f"<{len(GENERIC)} bytes: {GENERIC[:8].hex()}…{GENERIC[-8:].hex()}, sha1 {sha1_prefix(GENERIC)}>" in text
    # Data whose start is printable text keeps the `data` marker, so it is still told apart from a string.
    assert f'data "{"é" * 48}"… <{len(TEXT_DATA)} bytes, sha1 {sha1_prefix(TEXT_DATA)}>' in text
    assert f'"{"é" * 48}"… <1000000 characters, sha1 {sha1_prefix(TEXT_DATA)}>' in text
    assert '"short"' in text


@pytest.mark.model
def test_the_plain_dump_is_bounded_too(big):
    text = dump(big, "plain")
    assert len(text) < 10_000
    assert f"<{len(LABEL)} characters, sha1 {sha1_prefix(LABEL.encode())}>" in text
    assert f"{{length = {len(GENERIC)}, bytes = 0x{GENERIC[:8].hex()} ... {GENERIC[-8:].hex()}}}" in text


@pytest.mark.model
def test_the_json_dump_keeps_every_value_whole_and_round_trips(big):
    document = dump(big, "json")
    items = {i["attributes"]["acct"]["value"]: i["attributes"] for i in json.loads(document)["items"]}
    assert items["bob"]["labl"]["value"] == LABEL
    assert bytes.fromhex(items["bob"]["gena"]["value"]) == GENERIC
    loaded = load_dump(document)
    status, found = loaded.SecItemCopyMatching(
        {kSecClass: kSecClassGenericPassword, kSecAttrLabel: LABEL, kSecReturnAttributes: True}
    )
    assert status == errSecSuccess
    assert found[kSecAttrGeneric] == GENERIC and found[kSecAttrComment] == TEXT_DATA.decode("utf-8")


@pytest.mark.model
def test_a_value_just_under_the_limit_is_shown_whole():
    from keychainsim.render.values import LONG_VALUE

    kc = Keychain()
    label = "x" * LONG_VALUE
    kc.SecItemAdd({kSecClass: kSecClassGenericPassword, kSecAttrAccount: "a", kSecAttrLabel: label})
    assert f'"{label}"' in dump(kc, width=1000)


@pytest.mark.model
def test_the_dump_command_shortens_a_stored_long_label(tmp_path):
    """The real path: a store file holding the value, read back by `keychainsim dump` in a new process."""
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    script = shutil.which("keychainsim", path=str(Path(sys.executable).parent)) or "keychainsim"
    store = tmp_path / "keychain.json"
    kc = Keychain(store=store)
    assert kc.SecItemAdd({kSecClass: kSecClassGenericPassword, kSecAttrAccount: "a", kSecAttrLabel: LABEL})[0] == 0
    done = subprocess.run(
        [script, "--store", str(store), "dump"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert len(done.stdout) < 10_000
    assert f"<{len(LABEL)} characters, sha1 {sha1_prefix(LABEL.encode())}>" in done.stdout
