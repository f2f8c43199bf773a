"""Budgets from issue 4: a dump of 1,000 items renders in under a second; importing the probe is cheap."""

from __future__ import annotations

import subprocess
import sys
import time

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
@pytest.mark.parametrize("format", ["text", "plain", "json"])
def test_dump_of_1000_items_renders_in_under_a_second(thousand_items, format):
    dump(thousand_items, format=format)  # warm up imports and caches
    start = time.perf_counter()
    out = dump(thousand_items, format=format)
    elapsed = time.perf_counter() - start
    assert elapsed < 1.0, f"{format} dump of 1,000 items took {elapsed:.2f}s"
    assert out.count("row ") >= 1000 or format != "text"


@pytest.mark.model
def test_importing_the_probe_does_not_import_rich():
    code = "import sys, keychainsim.probe; print('rich' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
