"""trace(kc): one step per call the program made, with status, refusal reason, result, snapshot and diff."""

from __future__ import annotations

import hashlib
import json

import pytest

from keychainsim import tracing
from keychainsim.constants import *
from keychainsim.probe import current_trace, trace
from keychainsim.status import CFError, OSStatus

from ._keychains import APP, OTHER, add, keychain


def sha(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()[:8]


def genp(account, **extra):
    return {kSecClass: kSecClassGenericPassword, kSecAttrAccount: account, **extra}


@tracing.traced
def SecFakeCopyThing(data: bytes) -> tuple[bytes | None, CFError | None]:
    """A module-level Sec* function in Apple's (value, error) convention."""
    if not data:
        return None, CFError.from_status(OSStatus.errSecParam)
    return data[::-1], None


@tracing.traced
def SecFakeCopyStatus(data: bytes) -> tuple[OSStatus, str]:
    """A module-level function in the (status, value) convention that calls another traced function."""
    SecFakeCopyThing(data)
    return OSStatus.errSecSuccess, "done"


@pytest.mark.model
def test_steps_record_status_reason_and_diff():
    kc = keychain()
    with trace(kc) as t:
        kc.SecItemAdd(genp("a"))
        kc.SecItemAdd(genp("a"))
        kc.SecItemCopyMatching(genp("missing"))
        kc.SecItemUpdate(genp("a"), {kSecAttrLabel: "L"})
        kc.SecItemDelete(genp("a"))
    assert [s.call for s in t.steps] == [
        "SecItemAdd",
        "SecItemAdd",
        "SecItemCopyMatching",
        "SecItemUpdate",
        "SecItemDelete",
    ]
    assert [s.status for s in t.steps] == [
        errSecSuccess,
        errSecDuplicateItem,
        errSecItemNotFound,
        errSecSuccess,
        errSecSuccess,
    ]
    assert [s.index for s in t.steps] == [1, 2, 3, 4, 5]
    added, duplicate, missing, updated, deleted = t.steps
    assert [i.attrs["acct"] for i in added.diff.added] == ["a"] and not added.diff.removed
    assert duplicate.reason == "an item with the same uniqueness attributes already exists (row 1)"
    assert not duplicate.diff and len(duplicate.snapshot) == 1
    assert added.reason is None and missing.reason is None and not missing.diff
    assert updated.diff.changed[0].attributes["labl"] == (None, "L")
    assert [i.rowid for i in deleted.diff.removed] == [1] and len(deleted.snapshot) == 0


@pytest.mark.model
def test_calls_of_other_app_views_share_the_trace_and_name_their_groups():
    kc = keychain()
    other = kc.with_entitlements([OTHER])
    with trace(kc) as t:
        add(kc, genp("mine"))
        status, _ = other.SecItemCopyMatching(genp("mine", **{kSecAttrAccessGroup: APP}))
    assert status == errSecMissingEntitlement
    assert [s.caller for s in t.steps] == [tuple(kc.access_groups), (OTHER,)]
    assert t.steps[1].reason.startswith("kSecAttrAccessGroup 'A1B2C3D4E5.com.example.app' is not one of")


@pytest.mark.model
def test_module_level_calls_are_steps_and_nested_calls_are_not():
    kc = keychain()
    with trace(kc) as t:
        SecFakeCopyThing(b"\x01\x02")
        SecFakeCopyThing(b"")
        SecFakeCopyStatus(b"\x03")
    assert [s.call for s in t.steps] == ["SecFakeCopyThing", "SecFakeCopyThing", "SecFakeCopyStatus"]
    ok, failed, with_status = t.steps
    assert ok.status is None and ok.result_text == "<2 bytes, sha1 " + sha(b"\x02\x01") + ">" and ok.caller is None
    assert ok.arguments[0].text() == "<2 bytes, sha1 " + sha(b"\x01\x02") + ">"
    assert failed.result_text == "NULL; error CFError(NSOSStatusErrorDomain -50: " + OSStatus.errSecParam.message + ")"
    assert with_status.status == errSecSuccess and with_status.result_text == '"done"'
    # the values as passed and returned, for explain(history=t); never rendered
    assert ok.args == (b"\x01\x02",) and ok.result == (b"\x02\x01", None)
    assert failed.result[0] is None and with_status.result == "done"


@pytest.mark.model
def test_a_module_level_call_made_inside_a_keychain_call_belongs_to_it(monkeypatch):
    import keychainsim.keychain as facade

    original = facade.check_python_types

    def checking(*args, **kwargs):
        SecFakeCopyThing(b"inside")  # as the engine's label inference calls SecCertificateCopySubjectSummary
        return original(*args, **kwargs)

    monkeypatch.setattr(facade, "check_python_types", checking)
    kc = keychain()
    with trace(kc) as t:
        kc.SecItemAdd(genp("a"))
        SecFakeCopyThing(b"outside")
    assert [s.call for s in t.steps] == ["SecItemAdd", "SecFakeCopyThing"]


@pytest.mark.model
def test_recording_stops_at_the_end_of_the_block_even_on_an_exception():
    kc = keychain()
    observers_before = list(kc.observers)
    with pytest.raises(RuntimeError), trace(kc) as t:
        kc.SecItemAdd(genp("a"))
        raise RuntimeError("boom")
    assert kc.observers == observers_before and current_trace(kc) is None
    kc.SecItemAdd(genp("b"))
    SecFakeCopyThing(b"x")
    assert len(t.steps) == 1


@pytest.mark.model
def test_nested_traces_both_record_and_paused_calls_are_skipped():
    kc = keychain()
    with trace(kc) as outer:
        kc.SecItemAdd(genp("a"))
        with trace(kc) as inner:
            assert current_trace(kc) is inner
            kc.SecItemAdd(genp("b"))
            with inner.paused():
                kc.SecItemCopyMatching(genp("b"))
        assert current_trace(kc) is outer
    assert len(outer.steps) == 3 and len(inner.steps) == 1


@pytest.mark.model
def test_arguments_are_summarised_with_constant_names_and_no_secrets():
    kc = keychain()
    with trace(kc) as t:
        kc.SecItemAdd(
            {
                kSecClass: kSecClassKey,
                kSecAttrApplicationLabel: b"\xab" * 20,
                kSecAttrIsPrivate: 1,
                kSecAttrKeyClass: kSecAttrKeyClassPrivate,
                kSecAttrAccessible: kSecAttrAccessibleAfterFirstUnlock,
                kSecValueData: b"-----BEGIN PRIVATE KEY----- hunter2",
            }
        )
    text, document = t.render(), t.render(format="json")
    assert "hunter2" not in text and "hunter2" not in document
    assert b"-----BEGIN PRIVATE KEY----- hunter2".hex() not in document
    (argument,) = t.steps[0].arguments
    assert argument.text() == (
        "{kSecClass: kSecClassKey, kSecAttrApplicationLabel: " + "ab" * 20 + ", kSecAttrIsPrivate: 1, "
        "kSecAttrKeyClass: kSecAttrKeyClassPrivate, kSecAttrAccessible: kSecAttrAccessibleAfterFirstUnlock, "
        f"kSecValueData: <35 bytes, sha1 {sha(b'-----BEGIN PRIVATE KEY----- hunter2')}, PEM text>}}"
    )


@pytest.mark.model
def test_trace_json_document():
    kc = keychain()
    with trace(kc) as t:
        kc.SecItemAdd(genp("a", **{kSecValueData: b"pw"}))
        kc.SecItemAdd(genp("a"))
    document = json.loads(t.render(format="json"))
    assert (document["format"], document["version"], document["platform"]) == ("keychainsim-trace", 1, "ios")
    first, second = document["steps"]
    assert first["status"] == {"code": 0, "name": "errSecSuccess"} and first["reason"] is None
    assert first["arguments"] == [
        {
            "acct": {"name": "kSecAttrAccount", "value": '"a"'},
            "class": {"name": "kSecClass", "value": "kSecClassGenericPassword"},
            "v_Data": {"name": "kSecValueData", "value": f"<2 bytes, sha1 {sha(b'pw')}>"},
        }
    ]
    assert [i["attributes"]["acct"]["value"] for i in first["diff"]["added"]] == ["a"]
    assert first["snapshot"]["items"][0]["attributes"]["v_Data"]["type"] == "secret"
    assert second["status"] == {"code": -25299, "name": "errSecDuplicateItem"}
    assert second["reason"] == "an item with the same uniqueness attributes already exists (row 1)"
    assert second["diff"] == {"added": [], "changed": [], "removed": []}
    assert second["caller"] == list(kc.access_groups)


@pytest.mark.model
def test_key_generation_is_one_step_with_its_stored_items():
    kc = keychain()
    with trace(kc) as t:
        _key, error = kc.SecKeyCreateRandomKey(
            {
                kSecAttrKeyType: kSecAttrKeyTypeECSECPrimeRandom,
                kSecAttrKeySizeInBits: 256,
                kSecPrivateKeyAttrs: {kSecAttrIsPermanent: True, kSecAttrApplicationTag: b"tag"},
            }
        )
    assert error is None
    (step,) = t.steps
    assert step.call == "SecKeyCreateRandomKey" and step.status is None
    key, error = step.result
    assert key is not None and error is None
    assert step.result_text.startswith('SecKey(type="EC", bits=256, class="private", klbl=')
    assert [(i.item_class, i.attrs["kcls"]) for i in step.diff.added] == [("keys", 1)]
