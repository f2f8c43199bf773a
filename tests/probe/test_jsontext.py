"""The dump's JSON writer writes exactly what ``json.dumps(sort_keys=True, indent=2, ensure_ascii=False)``
writes (FORMAT.md promises that text), for dump documents and for any JSON value."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keychainsim.constants import *
from keychainsim.model.access_control import SecAccessControl
from keychainsim.probe import dump
from keychainsim.probe.dumps import Dump
from keychainsim.probe.jsontext import dumps
from keychainsim.probe.values import encode_value, value_text
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


attribute_values = (
    st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
    | st.binary(max_size=24)
    | st.sampled_from([b"readable text", b"\x00\xff", "ak", 73, 1])
    | st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=-5)), timezone(timedelta(minutes=90))]))
    | st.builds(SecAccessControl, st.sampled_from(["ak", "cku", "akpu"]), st.integers(min_value=0, max_value=7))
)


@pytest.mark.model
@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["genp", "inet", "keys", "cert", None]),
    st.sampled_from(["acct", "labl", "gena", "type", "kcls", "pdmn", "accc", "klbl", "sync", "cdat", "port"]),
    attribute_values,
    st.sampled_from(["", "  ", "      "]),
)
def test_an_attribute_value_is_written_as_its_encoded_entry_would_be(item_class, key, value, pad):
    assert value_text(item_class, key, value, pad) == dumps(encode_value(item_class, key, value), pad)


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
