"""kSecMatchTrustedOnly: Basic X.509 trust evaluation of each candidate (SecItemServer.c _FilterWithTrust)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from keychainsim import Keychain
from keychainsim.constants import *
from keychainsim.explain import explain

pytest.importorskip("keychainsim.crypto")

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from keychainsim.crypto import SecCertificateCreateWithData

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def _cert(subject: str, issuer: str, key, signer, *, ca: bool, days: int = 365) -> bytes:
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=30))
        .not_valid_after(NOW + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    return builder.sign(signer, hashes.SHA256()).public_bytes(Encoding.DER)


@pytest.fixture(scope="module")
def chain():
    root_key, inter_key, leaf_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    root = _cert("Root", "Root", root_key, root_key, ca=True)
    intermediate = _cert("Intermediate", "Root", inter_key, root_key, ca=True)
    leaf = _cert("Leaf", "Intermediate", leaf_key, inter_key, ca=False)
    expired = _cert("Old Leaf", "Intermediate", leaf_key, inter_key, ca=False, days=-1)
    stranger_key = ec.generate_private_key(ec.SECP256R1())
    other_root = _cert("Root", "Root", stranger_key, stranger_key, ca=True)  # same name, another key
    return {"root": root, "intermediate": intermediate, "leaf": leaf, "expired": expired, "other_root": other_root}


QUERY = {kSecClass: kSecClassCertificate, kSecAttrLabel: "leaf", kSecMatchTrustedOnly: True, kSecReturnRef: True}


def keychain_with(chain, *, anchors, leaf="leaf", with_intermediate=True) -> Keychain:
    kc = Keychain(clock=lambda: NOW, trust_anchors=anchors)
    assert kc.SecItemAdd({kSecValueRef: SecCertificateCreateWithData(chain[leaf]), kSecAttrLabel: "leaf"})[0] == 0
    if with_intermediate:
        assert kc.SecItemAdd({kSecValueRef: SecCertificateCreateWithData(chain["intermediate"])})[0] == 0
    return kc


@pytest.mark.apple_source
def test_chain_to_an_anchor_through_a_stored_intermediate_is_trusted(chain):
    """_FilterWithTrust: SecPolicyCreateBasicX509 evaluation must give Proceed/Unspecified; the trust
    engine finds intermediates among the keychain's certificates."""
    kc = keychain_with(chain, anchors=[chain["root"]])
    status, cert = kc.SecItemCopyMatching(QUERY)
    assert status == errSecSuccess and cert is not None
    assert kc.SecItemCopyMatching({**QUERY, kSecMatchTrustedOnly: False})[0] == errSecSuccess


@pytest.mark.apple_source
@pytest.mark.parametrize("case", ["no_anchor", "missing_intermediate", "expired", "wrong_anchor"], ids=lambda c: c)
def test_untrusted_certificates_are_left_out(chain, case):
    """_FilterWithTrust drops a certificate whose evaluation fails: no trusted anchor, no path to it, or a
    certificate not valid now; explain names the failed evaluation."""
    anchors = {"no_anchor": [], "wrong_anchor": [chain["other_root"]]}.get(case, [chain["root"]])
    kc = keychain_with(
        chain,
        anchors=anchors,
        leaf="expired" if case == "expired" else "leaf",
        with_intermediate=case != "missing_intermediate",
    )
    assert kc.SecItemCopyMatching(QUERY) == (errSecItemNotFound, None)
    report = explain(kc, QUERY)
    closest = report.findings[0]
    assert closest.code == "query.attribute_mismatch" and "m_TrustedOnly" in str(closest.evidence)


@pytest.mark.apple_source
def test_match_policy_basic_x509_builds_the_chain(chain):
    """_FilterWithPolicy: the Basic X.509 policy evaluates the whole chain (SecTrustEvaluate), so it needs
    an anchor, like kSecMatchTrustedOnly."""
    from keychainsim.crypto import SecPolicyCreateBasicX509

    query = {**QUERY, kSecMatchTrustedOnly: False, kSecMatchPolicy: SecPolicyCreateBasicX509()}
    assert keychain_with(chain, anchors=[chain["root"]]).SecItemCopyMatching(query)[0] == errSecSuccess
    assert keychain_with(chain, anchors=[]).SecItemCopyMatching(query)[0] == errSecItemNotFound


def _leaf(usage, names=()):
    key = ec.generate_private_key(ec.SECP256R1())
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "leaf")]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "some CA")]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=30))
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
    )
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
    return builder.sign(key, hashes.SHA256()).public_bytes(Encoding.DER)


@pytest.mark.apple_source
def test_match_policy_ssl_judges_the_leaf_alone():
    """_FilterWithPolicy: any other policy evaluates the leaf only (SecTrustEvaluateLeafOnly), so no anchor
    is needed; the SSL policy wants clientAuth for a client certificate, serverAuth and the host name for a
    server, at kSecMatchValidOnDate when given."""
    from cryptography.x509.oid import ExtendedKeyUsageOID

    from keychainsim.crypto import SecPolicyCreateSSL

    kc = Keychain(clock=lambda: NOW)
    client = SecCertificateCreateWithData(_leaf(ExtendedKeyUsageOID.CLIENT_AUTH))
    server = SecCertificateCreateWithData(_leaf(ExtendedKeyUsageOID.SERVER_AUTH, ["api.example.com"]))
    assert kc.SecItemAdd({kSecValueRef: client, kSecAttrLabel: "client"})[0] == 0
    assert kc.SecItemAdd({kSecValueRef: server, kSecAttrLabel: "server"})[0] == 0
    base = {kSecClass: kSecClassCertificate, kSecReturnAttributes: True, kSecMatchLimit: kSecMatchLimitAll}

    def labels(policy, **extra):
        status, found = kc.SecItemCopyMatching({**base, kSecMatchPolicy: policy, **extra})
        return sorted(r[kSecAttrLabel] for r in found) if status == errSecSuccess else []

    assert labels(SecPolicyCreateSSL(False, None)) == ["client"]
    assert labels(SecPolicyCreateSSL(True, "api.example.com")) == ["server"]
    assert labels(SecPolicyCreateSSL(True, "other.example.com")) == []
    assert labels(SecPolicyCreateSSL(False, None), **{kSecMatchValidOnDate: NOW + timedelta(days=90)}) == []
    status, _ = kc.SecItemCopyMatching({**base, kSecMatchPolicy: "not a policy"})
    assert status == errSecParam
    status, _ = kc.SecItemCopyMatching(
        {kSecClass: kSecClassGenericPassword, kSecMatchPolicy: SecPolicyCreateSSL(False, None)}
    )
    assert status == errSecUnimplemented
