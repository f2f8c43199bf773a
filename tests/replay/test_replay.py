"""keychainsim replay: a recording re-run in the model, each outcome held against the device's."""

from __future__ import annotations

import base64

import pytest

from keychainsim import Keychain
from keychainsim.constants import *
from keychainsim.render.replay import replay_text
from keychainsim.replay import read_recording, replay

from ._flows import TAG, enrollment, key_parameters, last_call, lines, record, text_of


@pytest.mark.model
def test_a_working_enrollment_replays_with_no_divergence_through_a_twin_certificate():
    """The model makes a new key, so the server's certificate is re-made over it (a twin): the identity
    lookup then finds the identity, as it did when the flow ran."""
    report = replay(record(enrollment))
    assert report.agrees and report.counts() == {"same": 12, "divergence": 0, "unreproducible": 0, "not_modelled": 0}
    assert len(report.twins) == 1 and "certifies the device's key #1" in report.twins[0]
    lookup = report.outcomes[-1]
    assert lookup.call.call == "SecItemCopyMatching" and lookup.model == "errSecSuccess (0), an identity"


@pytest.mark.model
def test_a_certificate_for_another_key_is_no_twin_and_fails_alike():
    report = replay(record(lambda kc: enrollment(kc, faults=("other_key",))))
    assert report.agrees and report.twins == ()
    assert report.outcomes[-1].model == report.outcomes[-1].device == "errSecItemNotFound (-25300), nothing"


@pytest.mark.model
def test_a_device_that_found_what_the_model_does_not_is_a_divergence_explained_with_the_history():
    """A recording whose device found the identity although the key was never stored: the model
    disagrees, and explains its -25300 with the history (trace.key_not_stored)."""
    parsed = lines(record(lambda kc: enrollment(kc, permanent=False)))
    lookup = last_call(parsed, "SecItemCopyMatching")
    assert lookup["status"] == -25300
    lookup["status"], lookup["result"] = 0, {"ref": {"kind": "identity", "handle": 99}}
    lookup["refs"] = {"99": {"kind": "identity", "certificate": 3, "key": 1}}
    report = replay(text_of(parsed))
    (divergence,) = report.divergences
    assert divergence.call.seq == lookup["seq"]
    assert divergence.differences == ["status: device errSecSuccess (0), model errSecItemNotFound (-25300)"]
    codes = {finding.code for finding in divergence.explanation.findings}
    assert {"identity.no_private_key", "trace.key_not_stored"} <= codes
    text = replay_text(report)
    assert "DIVERGENCE" in text and "trace.key_not_stored" in text


@pytest.mark.apple_source
def test_a_lookup_the_app_passed_no_result_pointer_is_compared_by_status_only():
    """SecItem.h: SecItemCopyMatching's result may be NULL, and then nothing comes back however many kSecReturn*
    keys the query has (SecItem.m SecItemResultProcess returns success without writing when result is NULL). The recorder
    says so with result_pointer false; the replay compares that call's status alone. The same line without the
    field claims the device returned nothing where the model returns the identity: a divergence."""
    parsed = lines(record(enrollment))
    lookup = last_call(parsed, "SecItemCopyMatching")
    assert lookup["status"] == 0 and lookup["result"]["ref"]["kind"] == "identity"
    lookup.update(result={"null": True}, result_pointer=False)
    lookup.pop("refs", None)
    report = replay(text_of(parsed))
    assert report.agrees and report.outcomes[-1].verdict == "same"
    assert read_recording(text_of(parsed)).calls[-1].result_pointer is False
    lookup.pop("result_pointer")
    (divergence,) = replay(text_of(parsed)).divergences
    assert divergence.differences == ["result: device returned nothing, model an identity"]


@pytest.mark.model
def test_secrets_are_withheld_by_default_and_replayed_as_zero_bytes():
    text = record(enrollment)
    assert base64.b64encode(b"s3cret-token").decode() not in text
    recording = read_recording(text)
    add = next(c for c in recording.calls if c.call == "SecItemAdd" and "acct" in c.args["attributes"]["dict"])
    assert add.args["attributes"]["dict"]["v_Data"] == {"secret": {"length": 12}}
    read = next(c for c in recording.calls if c.call == "SecItemCopyMatching" and c.args["query"]["dict"].get("acct"))
    assert read.result == {"secret": {"length": 12}}
    assert replay(recording).agrees
    assert base64.b64encode(b"s3cret-token").decode() in record(enrollment, secrets=True)


@pytest.mark.model
def test_a_private_key_from_before_the_recording_cannot_be_re_created():
    kc = Keychain()
    kc.SecKeyCreateRandomKey(key_parameters())

    def flow(kc: Keychain) -> None:
        status, key = kc.SecItemCopyMatching(
            {kSecClass: kSecClassKey, kSecAttrApplicationTag: TAG, kSecReturnRef: True}
        )
        assert status == 0
        from keychainsim import SecKeyCopyPublicKey

        SecKeyCopyPublicKey(key)

    report = replay(record(flow, kc))
    found, public = report.outcomes
    assert found.verdict == "unreproducible"
    assert "the app could see 1 keys item before the recording started" in found.causes[0]
    assert public.verdict == "unreproducible" and public.model is None
    assert public.causes[0].startswith("key #1 was made by call 1 (SecItemCopyMatching), whose outcome differed")
    assert "the app could see 1 keys item before the recording started" in public.causes[0]
    assert report.agrees  # nothing is blamed on the model


@pytest.mark.model
def test_a_locked_device_is_named_as_the_cause_not_the_model():
    parsed = lines(record(enrollment))
    lookup = last_call(parsed, "SecItemCopyMatching")
    lookup["status"], lookup["result"] = -25308, {"null": True}
    (outcome,) = [o for o in replay(text_of(parsed)).outcomes if o.verdict != "same"]
    assert outcome.verdict == "unreproducible"
    assert "lock state, which the recording does not carry" in outcome.causes[0]


@pytest.mark.model
def test_a_dictionary_the_model_does_not_model_is_reported_as_such():
    parsed = lines(record(enrollment))
    lookup = last_call(parsed, "SecItemCopyMatching")
    lookup["args"]["query"]["dict"]["u_Tomb"] = {"bool": True}
    report = replay(text_of(parsed))
    assert report.outcomes[-1].verdict == "not_modelled"
    assert "kSecUseTombstones" in report.outcomes[-1].model


@pytest.mark.model
def test_a_returned_item_count_that_differs_is_a_divergence():
    parsed = lines(record(enrollment))
    lookup = last_call(parsed, "SecItemCopyMatching")
    lookup["args"]["query"]["dict"]["m_Limit"] = {"string": "m_LimitAll"}
    lookup["args"]["query"]["dict"]["class"] = {"string": "cert"}
    del lookup["args"]["query"]["dict"]["labl"]
    lookup["result"] = {"array": [{"ref": {"kind": "certificate", "handle": 3}}]}
    (divergence,) = replay(text_of(parsed)).divergences
    assert divergence.differences == ["result: device returned 1 items, model 3"]


@pytest.mark.apple_docs
def test_the_devices_default_access_group_is_the_replay_apps_first():
    """kSecAttrAccessGroup documentation: an add without a group goes to the app's first group."""
    shared = "A1B2C3D4E5.com.example.shared"
    kc = Keychain(access_groups=[shared, "A1B2C3D4E5.com.example.app"])

    def flow(kc: Keychain) -> None:
        kc.SecItemAdd({kSecClass: kSecClassGenericPassword, kSecAttrAccount: "a", kSecReturnAttributes: True})

    parsed = lines(record(flow, kc))
    parsed[0]["access_groups"] = ["A1B2C3D4E5.com.example.app", shared]  # as a developer might list them
    report = replay(text_of(parsed))
    assert report.agrees and report.outcomes[0].verdict == "same"
    assert any("is the replay app's first group" in note for note in report.notes)
    parsed[0].pop("default_access_group")
    (divergence,) = replay(text_of(parsed)).divergences
    assert "result.agrp" in divergence.differences[0]


@pytest.mark.model
def test_a_value_the_recorder_could_not_encode_is_named_and_not_replayed():
    parsed = lines(record(enrollment))
    lookup = last_call(parsed, "SecItemCopyMatching")
    lookup["args"]["query"]["dict"]["m_Policy"] = {"unsupported": {"description": "<SecTrustRef 0x1>"}}
    outcome = replay(text_of(parsed)).outcomes[-1]
    assert outcome.verdict == "unreproducible" and outcome.model is None
    assert outcome.causes == ["the recorder could not encode a value (<SecTrustRef 0x1>)"]


@pytest.mark.model
def test_a_macos_recording_replays_on_a_macos_model():
    report = replay(record(enrollment, Keychain(platform="macos")))
    assert report.recording.header.platform == "macos"
    assert report.agrees and report.counts()["same"] == len(report.outcomes) and len(report.twins) == 1


@pytest.mark.model
def test_a_pkcs12_import_replays_only_when_its_secrets_were_recorded():
    from pathlib import Path

    p12 = (Path(__file__).resolve().parents[2] / "fixtures" / "material" / "device-legacy.p12").read_bytes()

    def flow(kc: Keychain) -> None:
        assert kc.SecPKCS12Import(p12, {kSecImportExportPassphrase: "keychainsim"})[0] == 0

    withheld = record(flow)
    assert '"passphrase": {"secret": {"length": 11}}' in withheld
    (outcome,) = replay(withheld).outcomes
    assert outcome.verdict == "unreproducible"
    assert outcome.causes == ["an argument holds a secret the recorder withheld (replayed as zero bytes)"]
    (outcome,) = replay(record(flow, secrets=True)).outcomes
    assert outcome.verdict == "same" and outcome.model == "errSecSuccess (0), an array of 1"


@pytest.mark.model
def test_a_key_the_model_failed_to_make_is_named_in_the_calls_that_use_it():
    parsed = lines(record(enrollment))
    create = parsed[1]
    create["args"]["parameters"]["dict"]["type"] = {"string": "99"}  # a key type the model refuses
    report = replay(text_of(parsed))
    assert report.outcomes[0].verdict == "divergence"
    public = report.outcomes[1]
    assert public.call.call == "SecKeyCopyPublicKey" and public.verdict == "unreproducible"
    assert public.causes == ["key #1 was made by call 1 (SecKeyCreateRandomKey), whose outcome differed in the model"]


@pytest.mark.inferred
def test_a_flag_returned_as_a_boolean_on_the_device_and_a_number_in_the_model_is_the_same():
    """Device dumps show sync as CFBoolean where the model keeps the column's number (FORMAT.md's device
    document); a replay does not call that a divergence."""

    def flow(kc: Keychain) -> None:
        kc.SecItemAdd({kSecClass: kSecClassGenericPassword, kSecAttrAccount: "a"})
        kc.SecItemCopyMatching({kSecClass: kSecClassGenericPassword, kSecReturnAttributes: True})

    parsed = lines(record(flow))
    found = last_call(parsed, "SecItemCopyMatching")
    assert found["result"]["dict"]["sync"] == {"int": 0}
    found["result"]["dict"]["sync"] = {"bool": False}
    assert replay(text_of(parsed)).agrees
    found["result"]["dict"]["sync"] = {"bool": True}
    (divergence,) = replay(text_of(parsed)).divergences
    assert divergence.differences == ["result.sync: device True, model 0"]
