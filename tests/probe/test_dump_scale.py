"""A dump of a thousand items shows every one of them, in each format; importing the probe stays cheap.

How long a dump takes is measured by ``benchmarks/performance.py`` (a test never asserts a wall-clock time).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from keychainsim.constants import *
from keychainsim.probe import dump

from ._keychains import add, certificate, keychain, private_key


@pytest.fixture(scope="module")
def thousand_items():
    kc = keychain()
    with kc.transaction():
        for n in range(250):
            label = n.to_bytes(20, "big")
            add(kc, {kSecClass: kSecClassGenericPassword, kSecAttrAccount: f"account {n}", kSecValueData: b"pw"})
            add(
                kc,
                {
                    kSecClass: kSecClassInternetPassword,
                    kSecAttrServer: "example.com",
                    kSecAttrAccount: f"user {n}",
                    kSecAttrProtocol: kSecAttrProtocolHTTPS,
                },
            )
            add(kc, {**private_key(label), kSecAttrApplicationTag: b"com.example.key"})
            pkhh = label if n % 2 else b"\xff" + label[1:]
            add(kc, {**certificate(pkhh, serial=str(n).encode()), kSecAttrSubject: bytes(range(90))})
    assert len(kc.all_items()) == 1000
    return kc


@pytest.mark.model
def test_text_dump_of_1000_items_has_a_row_for_each(thousand_items):
    out = dump(thousand_items, format="text")
    rows = {int(n) for n in re.findall(r"^\s*row (\d+)\b", out, re.MULTILINE)}
    assert rows == set(range(1, 1001))


@pytest.mark.model
def test_json_dump_of_1000_items_lists_each_once(thousand_items):
    document = json.loads(dump(thousand_items, format="json"))
    assert sorted(item["rowid"] for item in document["items"]) == list(range(1, 1001))


@pytest.mark.model
def test_plain_dump_of_1000_items_prints_each_result_dictionary(thousand_items):
    out = dump(thousand_items, format="plain")
    # 250 items of each stored class, all visible, and 125 identities (the odd-numbered certificates
    # carry their key's hash).
    assert out.count("        {") == 1000 + 125
    assert "not returned to this app" not in out


@pytest.mark.model
def test_importing_the_probe_does_not_import_rich():
    code = "import sys, keychainsim.probe; print('rich' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
