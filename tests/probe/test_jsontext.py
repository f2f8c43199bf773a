"""The dump's JSON writer writes exactly what ``json.dumps(sort_keys=True, indent=2, ensure_ascii=False)``
writes (FORMAT.md promises that text), for dump documents and for any JSON value."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keychainsim.constants import *
from keychainsim.model.access_control import SecAccessControl
from keychainsim.probe import dump
from keychainsim.probe.dumps import Dump
from keychainsim.probe.jsontext import dumps, dumps_flat
from keychainsim.status import OSStatus

from ._keychains import APP, OTHER, add, certificate, keychain, private_key


def reference(value: object) -> str:
    return json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=30,
)


@pytest.mark.model
@settings(max_examples=300, deadline=None)
@given(json_values)
def test_any_json_value_is_written_as_json_dumps_writes_it(value):
    assert dumps(value) == reference(value)


@pytest.mark.model
@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.text(max_size=6),
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
        min_size=1,
        max_size=6,
    ),
    st.sampled_from(["", "  ", "        "]),
)
def test_a_flat_dict_is_written_as_json_dumps_writes_it(value, pad):
    assert dumps_flat(value, pad) == dumps(value, pad)
    if not pad:
        assert dumps_flat(value) == reference(value)


@pytest.mark.model
def test_enum_members_are_written_as_their_values():
    value = {"status": OSStatus.errSecItemNotFound, "list": (1, 2.5, "é\n\u2028"), "empty": {}, "none": []}
    assert dumps(value) == reference(value)


@pytest.mark.model
def test_a_dump_with_every_kind_of_value_is_written_as_its_document_would_be():
    kc = keychain()
    when = datetime(2025, 3, 1, 12, 0, 0, 250000, tzinfo=UTC)
    for n in range(3):  # repeated values, written once and reused
        add(
            kc,
            {
                kSecClass: kSecClassGenericPassword,
                kSecAttrAccount: f"account {n}",
                kSecAttrService: "svc",
                kSecAttrGeneric: b"\x00\xff" if n else b"readable text",
                kSecAttrLabel: 'ünïcode "quoted" \\ and\nnewline',
                kSecAttrAccessControl: SecAccessControl("ak", 1 if n else 0),
                kSecValueData: b"secret",
            },
        )
    add(kc, {kSecClass: kSecClassInternetPassword, kSecAttrServer: "example.com", kSecAttrPort: 443})
    add(kc, {**private_key(), kSecAttrApplicationTag: b"tag", kSecAttrStartDate: when})
    add(kc, certificate())
    hidden = kc.with_entitlements([OTHER])
    add(hidden, {kSecClass: kSecClassGenericPassword, kSecAttrAccount: "elsewhere"})
    snapshot = Dump.of(kc.with_entitlements([APP]))
    for secrets in (False, True):
        assert snapshot.to_json(secrets=secrets) == reference(snapshot.to_dict(secrets=secrets)) + "\n"
    assert dump(kc, format="json") == reference(Dump.of(kc).to_dict()) + "\n"
