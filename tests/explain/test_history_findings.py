"""Findings only the history shows (explain over a trace): each appears for its cause and not for the
fixed flow. The causes are documented Apple behaviour, cited per test."""

from __future__ import annotations

import base64

import pytest

from keychainsim.constants import *

pytest.importorskip("keychainsim.crypto")

from keychainsim.crypto import SecCertificateCreateWithData
from keychainsim.explain import explain
from keychainsim.probe import trace
from tests.conformance._enrollment import IDENTITY_QUERY, LABEL, issue, key_params, public_point

EPHEMERAL = {kSecAttrKeyType: kSecAttrKeyTypeECSECPrimeRandom, kSecAttrKeySizeInBits: 256}


def flow(kc, params, *, pem=False):
    key, _ = kc.SecKeyCreateRandomKey(params)
    der = issue(public_point(key))
    data = b"-----BEGIN CERTIFICATE-----\n" + base64.encodebytes(der) + b"-----END CERTIFICATE-----\n" if pem else der
    certificate = SecCertificateCreateWithData(data)
    kc.SecItemAdd({kSecClass: kSecClassCertificate, kSecValueRef: certificate, kSecAttrLabel: LABEL})
    return kc.SecItemCopyMatching(IDENTITY_QUERY)[0]


@pytest.mark.apple_source
def test_key_created_without_permanent_flag(make_keychain):
    """SecKey.m SecKeyCreateRandomKey: software keys are not stored unless kSecAttrIsPermanent is true."""
    kc = make_keychain()
    with trace(kc) as t:
        assert flow(kc, EPHEMERAL) == errSecItemNotFound
        report = explain(kc, IDENTITY_QUERY)  # inside the block: the trace is found automatically
    assert "trace.key_not_stored" in report.codes
    assert explain(kc, IDENTITY_QUERY, history=t).codes == report.codes
    fixed = make_keychain()
    with trace(fixed) as t:
        assert flow(fixed, key_params()) == errSecSuccess
    assert explain(fixed, IDENTITY_QUERY, history=t).codes == []


@pytest.mark.apple_source
def test_permanent_given_as_a_number_is_named(make_keychain):
    """SecKey.m getBoolForKey: kSecAttrIsPermanent 1 (a number) is ignored; the finding says so."""
    kc = make_keychain()
    with trace(kc) as t:
        flow(kc, key_params(**{kSecAttrIsPermanent: 1}))
    finding = next(f for f in explain(kc, IDENTITY_QUERY, history=t).findings if f.code == "trace.key_not_stored")
    assert finding.evidence["perm"] == 1 and "not a boolean" in finding.message


@pytest.mark.apple_docs
def test_certificate_data_was_pem(make_keychain):
    """SecCertificateCreateWithData documentation: NULL for data that is not DER; a PEM certificate is text."""
    kc = make_keychain()
    with trace(kc) as t:
        flow(kc, key_params(), pem=True)
    report = explain(kc, IDENTITY_QUERY, history=t)
    assert "trace.certificate_not_der" in report.codes
    assert next(f for f in report.findings if f.code == "trace.certificate_not_der").evidence["pem"] is True
    assert "trace.add_failed" in report.codes  # the add of a nil ref then failed too


@pytest.mark.apple_test
def test_add_failed_and_flow_went_on(make_keychain):
    """si-05-add.c case 7: kSecAttrApplicationTag on a certificate add is errSecNoSuchAttr; the trace shows
    the failed add the identity query depends on."""
    kc = make_keychain()
    with trace(kc) as t:
        key, _ = kc.SecKeyCreateRandomKey(key_params())
        certificate = SecCertificateCreateWithData(issue(public_point(key)))
        status, _ = kc.SecItemAdd(
            {kSecValueRef: certificate, kSecAttrLabel: LABEL, kSecAttrApplicationTag: b"com.example.key"}
        )
        assert status == errSecNoSuchAttr
    report = explain(kc, IDENTITY_QUERY, history=t)
    finding = next(f for f in report.findings if f.code == "trace.add_failed")
    assert finding.evidence == {"status": -25303, "class": "cert"}


@pytest.mark.apple_source
def test_item_deleted_by_a_broad_delete(make_keychain):
    """SecItemServer.c / reference §G.1: SecItemDelete removes every match; a class-wide delete meant for
    old keys takes the new one too."""
    kc = make_keychain()
    with trace(kc) as t:
        flow(kc, key_params())
        assert kc.SecItemDelete({kSecClass: kSecClassKey}) == errSecSuccess
    report = explain(kc, IDENTITY_QUERY, history=t)
    assert "trace.item_deleted" in report.codes
    deleted = next(f for f in report.findings if f.code == "trace.item_deleted")
    assert deleted.items[0].item_class == "keys" and deleted.evidence == {"call": "SecItemDelete"}
    assert "trace.key_not_stored" not in report.codes  # it was stored, then deleted


@pytest.mark.model
def test_explain_inside_a_trace_records_no_steps_of_its_own(make_keychain):
    """explain's own key and certificate calls are not steps of the flow being traced."""
    kc = make_keychain()
    with trace(kc) as t:
        flow(kc, EPHEMERAL)
        before = len(t.steps)
        explain(kc, IDENTITY_QUERY)
        assert len(t.steps) == before
