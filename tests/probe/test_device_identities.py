"""A device dump's own identities (ground truth) against the model's join, and the device's default group."""

from __future__ import annotations

import copy
import json
import re
import warnings

import pytest

from keychainsim.constants import *
from keychainsim.errors import InputError
from keychainsim.probe import DumpDisagreement, dump, dump_origin, load_dump

from .test_load_dump import DEVICE_DOCUMENT


def document(**changes) -> str:
    body = copy.deepcopy(DEVICE_DOCUMENT)
    body.update(changes)
    return json.dumps(body)


def _load(text: str):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        kc = load_dump(text)
    return kc, [w for w in caught if issubclass(w.category, DumpDisagreement)]


@pytest.mark.model
def test_the_model_agrees_when_it_forms_the_devices_identity():
    kc, warned = _load(document(device_identities={"status": 0, "identities": [{"certificate": 2, "key": 1}]}))
    comparison = dump_origin(kc).identities
    assert comparison.agrees and warned == []
    assert [(i.certificate, i.key) for i in comparison.model] == [(2, 1)]
    assert "the model agrees with the device: 1 identity" in dump(kc)


@pytest.mark.model
def test_an_identity_only_the_model_forms_is_a_reported_disagreement():
    """The device found no identity (-25300) where the model's join pairs row 2 with row 1."""
    kc, warned = _load(document(device_identities={"status": -25300, "identities": []}))
    comparison = dump_origin(kc).identities
    assert not comparison.agrees
    assert comparison.disagreements() == [
        "the device answered the identity query with errSecItemNotFound (-25300), the model with errSecSuccess (0)",
        "the model forms an identity from certificate row 2 (label 'device') with private key row 1; "
        "the device returned none",
    ]
    assert len(warned) == 2 and "<dump text>: the device answered" in str(warned[0].message)
    text = " ".join(dump(kc, width=400).split())
    assert "the model disagrees with the device" in text and "private key row 1; the device returned none" in text


@pytest.mark.model
def test_an_identity_only_the_device_forms_is_a_reported_disagreement():
    body = copy.deepcopy(DEVICE_DOCUMENT)
    body["items"][1]["attributes"]["pkhh"] = {"type": "data", "value": "00" * 20}  # the model cannot pair them
    body["device_identities"] = {"status": 0, "identities": [{"certificate": 2, "key": 1, "label": "device"}]}
    kc, warned = _load(json.dumps(body))
    comparison = dump_origin(kc).identities
    assert comparison.model_status == errSecItemNotFound
    assert [(i.certificate, i.key) for i in comparison.only_device] == [(2, 1)]
    assert "the device forms an identity from certificate row 2 (label 'device') with private key row 1" in str(
        warned[-1].message
    )


@pytest.mark.model
def test_the_comparison_survives_dump_load_dump():
    kc, _ = _load(
        document(
            device_identities={"status": 0, "identities": [{"certificate": 2, "key": 1}]},
            default_access_group="A1B2C3D4E5.com.example.app",
        )
    )
    text = dump(kc, format="json")
    again, _ = _load(text)
    assert dump(again, format="json") == text
    written = json.loads(text)
    assert written["device_identities"] == {
        "status": 0,
        "identities": [{"certificate": 2, "key": 1, "klbl": None, "label": None}],
    }
    assert written["identity_check"]["agrees"] is True


@pytest.mark.apple_docs
def test_the_devices_default_group_comes_first():
    """kSecAttrAccessGroup documentation: an add without a group goes to the app's first access group; the
    device probe measures that group, so the loaded keychain adds there too."""
    shared = "A1B2C3D4E5.com.example.shared"
    kc, _ = _load(document(access_groups=["A1B2C3D4E5.com.example.app", shared], default_access_group=shared))
    assert kc.access_groups == [shared, "A1B2C3D4E5.com.example.app"]
    assert "comes first" in dump_origin(kc).notes[0]
    status, added = kc.SecItemAdd(
        {kSecClass: kSecClassGenericPassword, kSecAttrAccount: "n", kSecReturnAttributes: True}
    )
    assert status == errSecSuccess and added[kSecAttrAccessGroup] == shared


@pytest.mark.model
def test_a_default_group_missing_from_the_list_is_added_and_said():
    kc, _ = _load(document(default_access_group="A1B2C3D4E5.com.example.other"))
    assert kc.access_groups[0] == "A1B2C3D4E5.com.example.other"
    assert "was not among access_groups" in dump_origin(kc).notes[0]


@pytest.mark.model
def test_a_dump_limited_to_keys_and_certificates_says_so():
    kc, _ = _load(document(classes=["cert", "keys"]))
    assert dump_origin(kc).classes == ("cert", "keys")
    assert "the dump covers only cert, keys" in dump(kc)
    assert json.loads(dump(kc, format="json"))["classes"] == ["cert", "keys"]


@pytest.mark.model
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"device_identities": {"status": 0}}, "exactly 'status' and 'identities'"),
        ({"device_identities": {"status": "0", "identities": []}}, "is not an OSStatus number"),
        (
            {"device_identities": {"status": 0, "identities": [{"certificate": 1, "key": 1}]}},
            "certificate: row 1 is a keys item, expected a cert item",
        ),
        ({"device_identities": {"status": 0, "identities": [{"certificate": 2, "key": 9}]}}, "key: row 9 is no item"),
        (
            {"device_identities": {"status": 0, "identities": [{"certificate": 2, "key": 1, "klbl": "zz"}]}},
            "klbl 'zz' is not hex",
        ),
        ({"device_identities": {"status": 0, "identities": [{"certificate": 2}]}}, "must be an object with"),
        ({"default_access_group": ""}, "default_access_group '' is not a non-empty string"),
        ({"classes": ["keys"]}, "row 2 is a cert item, but classes lists ['keys']"),
        ({"classes": ["idnt"]}, "classes must be a non-empty array"),
    ],
)
def test_malformed_device_fields_name_the_field(changes, message):
    with pytest.raises(InputError) as caught:
        load_dump(document(**changes))
    assert message in caught.value.problem


def mac_document(**changes) -> dict:
    """The device document on a Mac whose key and certificate are in the file-based keychain, as a probe
    with includeFileBasedKeychain writes it."""
    body = copy.deepcopy(DEVICE_DOCUMENT)
    body["platform"] = "macos"
    for item in body["items"]:
        item["keychain"] = "file"
    body["statuses"] = {f"{store}/{c}": -25300 for store in ("dp", "file") for c in ("genp", "inet", "cert", "keys")}
    body["statuses"].update({"file/cert": 0, "file/keys": 0, "file/idnt": 0, "dp/idnt": -25300})
    body["device_identities"] = {"status": -25300, "identities": []}
    body["file_identities"] = {"status": 0, "identities": [{"certificate": 2, "key": 1, "label": "device"}]}
    body.update(changes)
    return body


@pytest.mark.model
def test_a_macs_file_based_keychain_forms_its_own_identities_and_the_model_agrees():
    """On a Mac a query reaches one keychain (kSecUseDataProtectionKeychain; OSX/libsecurity_keychain/lib/
    SecItem.cpp SecItemCategorizeQuery) and each joins its own certificates and keys: the pair in the
    file-based keychain is an identity there and none in the data protection keychain."""
    kc, warned = _load(json.dumps(mac_document()))
    origin = dump_origin(kc)
    assert warned == []
    assert origin.identities.keychain == "dp" and origin.identities.agrees and origin.identities.model == ()
    assert origin.file_identities.keychain == "file" and origin.file_identities.agrees
    assert [(i.certificate, i.key) for i in origin.file_identities.model] == [(2, 1)]
    assert [c.keychain for c in origin.identity_checks] == ["dp", "file"]
    text = " ".join(dump(kc, width=400).split())
    assert "the device's identities against the model's join (file-based keychain)" in text
    written = json.loads(dump(kc, format="json"))
    assert written["file_identities"] == {
        "identities": [{"certificate": 2, "key": 1, "klbl": None, "label": "device"}],
        "status": 0,
    }
    assert written["file_identity_check"]["agrees"] is True
    assert [(i["certificate"], i["key"]) for i in written["file_identity_check"]["model"]["identities"]] == [(2, 1)]
    again = load_dump(json.dumps(written))  # dump -> load -> dump keeps the device's answer
    assert dump_origin(again).file_identities.device == origin.file_identities.device


@pytest.mark.model
def test_a_file_based_identity_the_device_did_not_form_is_named_with_its_keychain():
    kc, warned = _load(json.dumps(mac_document(file_identities={"status": -25300, "identities": []})))
    comparison = dump_origin(kc).file_identities
    assert not comparison.agrees
    assert comparison.disagreements() == [
        "the device answered the identity query in the file-based keychain with errSecItemNotFound (-25300), "
        "the model with errSecSuccess (0)",
        "the model forms an identity from certificate row 2 (label 'device') with private key row 1; "
        "the device returned none",
    ]
    assert len(warned) == 2 and dump_origin(kc).identities.agrees


@pytest.mark.model
@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda d: d.update(platform="ios"), "file_identities is for a Mac's file-based keychain"),
        (lambda d: d["items"][0].update(keychain="dp"), "file_identities.identities[0].key: row 1 is in the dp"),
        (lambda d: d["file_identities"].update(status="0"), "file_identities.status '0' is not an OSStatus"),
    ],
)
def test_file_identities_that_do_not_fit_the_dump_are_refused(change, problem):
    body = mac_document()
    change(body)
    if body["platform"] == "ios":
        for item in body["items"]:
            item["keychain"] = "dp"
    with pytest.raises(InputError, match=re.escape(problem)):
        load_dump(json.dumps(body))
