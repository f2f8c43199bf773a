"""SecTrust: chain building, anchors, verify date, SSL host names and the CFError of SecTrustEvaluateWithError.

Certificates come from the project's test CA (keychainsim.crypto.ca.TestCA): root -> intermediate -> leaf,
real signatures, fixed validity around REFERENCE_TIME.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from keychainsim import Keychain
from keychainsim.constants import *
from keychainsim.crypto import (
    SecCertificateCreateWithData,
    SecPolicyCreateBasicX509,
    SecPolicyCreateSSL,
    SecTrustCopyCertificateChain,
    SecTrustCreateWithCertificates,
    SecTrustEvaluateWithError,
    SecTrustGetCertificateCount,
    SecTrustSetAnchorCertificates,
    SecTrustSetAnchorCertificatesOnly,
    SecTrustSetVerifyDate,
)
from keychainsim.crypto.ca import REFERENCE_TIME, TestCA
from keychainsim.crypto.policy import dns_match
from keychainsim.status import OSStatus

HOST = "api.example.com"


@pytest.fixture(scope="module")
def ca() -> TestCA:
    return TestCA()


@pytest.fixture(scope="module")
def server(ca):
    """leaf, intermediate, root as SecCertificates, for a server certificate naming HOST."""
    return [SecCertificateCreateWithData(der) for der in ca.issue_server([HOST]).chain]


def trust_for(certificates, policy, *, anchors=None, when=REFERENCE_TIME):
    status, trust = SecTrustCreateWithCertificates(certificates, policy)
    assert status == OSStatus.errSecSuccess
    if anchors is not None:
        assert SecTrustSetAnchorCertificates(trust, anchors) == OSStatus.errSecSuccess
    assert SecTrustSetVerifyDate(trust, when) == OSStatus.errSecSuccess
    return trust


# -- the chain and the anchors -------------------------------------------------------------------------


@pytest.mark.apple_test
def test_chain_to_the_anchor_evaluates_true_and_comes_back_leaf_to_root(server):
    """TrustInterfaceTests.m testEvaluateWithError: SecTrustEvaluateWithError is true and leaves the
    error NULL; SecTrust.c SecTrustCopyCertificateChain returns the built chain, leaf first."""
    leaf, intermediate, root = server
    trust = trust_for([leaf, intermediate], SecPolicyCreateSSL(True, HOST), anchors=[root])
    assert SecTrustEvaluateWithError(trust) == (True, None)
    assert SecTrustCopyCertificateChain(trust) == [leaf, intermediate, root]
    assert SecTrustGetCertificateCount(trust) == 3


@pytest.mark.apple_test
def test_without_anchors_the_untrusted_root_is_errSecNotTrusted(server):
    """TrustInterfaceTests.m: with an empty anchor array "trust nothing" gives errSecNotTrusted. The chain
    ends at the self-signed root, so SecPolicyServer.c SecPolicyCheckBasicCertificateProcessing records
    AnchorTrusted on it (SecPolicyChecks.list: errSecNotTrusted), and SecTrust.c SecTrustCopyErrorStrings
    names that certificate in the description."""
    leaf, intermediate, root = server
    trust = trust_for([leaf, intermediate, root], SecPolicyCreateSSL(True, HOST))
    trusted, error = SecTrustEvaluateWithError(trust)
    assert trusted is False
    assert (error.domain, error.code) == ("NSOSStatusErrorDomain", -67843)
    assert error.description == "“keychainsim Test Root” certificate is not trusted"
    assert error.underlying.code == -67843
    assert error.underlying.description == "Certificate 2 “keychainsim Test Root” has errors: Root is not trusted;"
    assert SecTrustCopyCertificateChain(trust) == [leaf, intermediate, root]

    assert SecTrustSetAnchorCertificates(trust, []) == 0  # an empty array: trust nothing
    assert SecTrustEvaluateWithError(trust)[1].code == -67843


@pytest.mark.apple_test
def test_a_leaf_alone_is_a_missing_intermediate_errSecCreateChainFailed(server):
    """CAIssuerTests.m test_aia_https: a leaf whose intermediate cannot be found fails with
    errSecCreateChainFailed (SecPolicyChecks.list MissingIntermediate), not errSecNotTrusted; the chain is
    the leaf alone."""
    leaf, _, root = server
    trust = trust_for(leaf, SecPolicyCreateSSL(True, HOST), anchors=[root])
    trusted, error = SecTrustEvaluateWithError(trust)
    assert (trusted, error.code) == (False, -25318)
    assert error.description == "“api.example.com” certificate is not trusted"
    assert SecTrustGetCertificateCount(trust) == 1


@pytest.mark.apple_source
def test_setting_anchors_makes_them_the_only_ones_until_anchors_only_is_turned_off(ca, server):
    """SecTrust.c SecTrustSetAnchorCertificates sets _anchorsOnly; SecTrustSetAnchorCertificatesOnly(false)
    adds the device's anchors (here the keychain's trust_anchors) back."""
    leaf, intermediate, root = server
    stranger = SecCertificateCreateWithData(TestCA().root_der)
    kc = Keychain(clock=lambda: REFERENCE_TIME, trust_anchors=[root])
    status, trust = kc.SecTrustCreateWithCertificates([leaf, intermediate], SecPolicyCreateBasicX509())
    assert status == 0
    assert SecTrustEvaluateWithError(trust) == (True, None)  # the device trusts the root
    assert SecTrustSetAnchorCertificates(trust, [stranger]) == 0
    trusted, error = SecTrustEvaluateWithError(trust)  # only the stranger now: the root is found nowhere
    assert (trusted, error.code) == (False, -25318)
    assert error.description == "“keychainsim Test Intermediate” certificate is not trusted"
    assert SecTrustSetAnchorCertificatesOnly(trust, False) == 0
    assert SecTrustEvaluateWithError(trust) == (True, None)
    assert SecTrustSetAnchorCertificatesOnly(trust, True) == 0
    assert SecTrustEvaluateWithError(trust)[0] is False


@pytest.mark.apple_source
def test_a_module_level_trust_belongs_to_no_device_and_trusts_nothing(server):
    """A simulated device has no system roots: with no anchors set nothing is trusted, even the chain's own
    root (SecTrust.c: anchors are the custom ones plus the device's trust store, empty here)."""
    leaf, intermediate, root = server
    trust = trust_for([leaf, intermediate, root], SecPolicyCreateBasicX509())
    assert SecTrustEvaluateWithError(trust)[0] is False


@pytest.mark.apple_source
def test_a_root_given_as_anchor_and_leaf_may_be_its_own_anchor(server):
    """SecPathBuilder: a leaf that is itself an anchor is a one-certificate anchored chain."""
    leaf, _, _ = server
    trust = trust_for(leaf, SecPolicyCreateBasicX509(), anchors=[leaf])
    assert SecTrustEvaluateWithError(trust) == (True, None)
    assert SecTrustCopyCertificateChain(trust) == [leaf]


# -- dates ---------------------------------------------------------------------------------------------


@pytest.mark.apple_test
def test_after_not_after_the_leaf_is_expired_67818(server):
    """TrustInterfaceTests.m testEvaluateWithError: a verify date after the leaf expired gives
    errSecCertificateExpired (SecPolicyChecks.list TemporalValidity)."""
    leaf, intermediate, root = server
    later = REFERENCE_TIME + timedelta(days=400)
    trust = trust_for([leaf, intermediate], SecPolicyCreateSSL(True, HOST), anchors=[root], when=later)
    trusted, error = SecTrustEvaluateWithError(trust)
    assert (trusted, error.code) == (False, -67818)
    assert error.description == "“api.example.com” certificate is expired"
    assert error.underlying.description == (
        "Certificate 0 “api.example.com” has errors: Certificate is not temporally valid;"
    )
    assert SecTrustSetVerifyDate(trust, REFERENCE_TIME) == 0  # the setter discards the last result
    assert SecTrustEvaluateWithError(trust) == (True, None)


@pytest.mark.apple_source
def test_before_not_before_is_also_errSecCertificateExpired_not_NotValidYet(server):
    """SecPolicyServer.c SecPolicyCheckTemporalValidity flags a certificate not valid at the date whichever
    side it falls on, and SecPolicyChecks.list maps TemporalValidity to errSecCertificateExpired;
    errSecCertificateNotValidYet (-67819) belongs to the NotValidBefore check of Apple-specific policies."""
    leaf, intermediate, root = server
    earlier = REFERENCE_TIME - timedelta(days=2)
    trust = trust_for([leaf, intermediate], SecPolicyCreateSSL(True, HOST), anchors=[root], when=earlier)
    assert SecTrustEvaluateWithError(trust)[1].code == -67818


@pytest.mark.apple_source
def test_verify_date_must_be_a_date():
    """SecTrust.c SecTrustSetVerifyDate: errSecParam unless the argument is a CFDate."""
    leaf = SecCertificateCreateWithData(TestCA().issue_server([HOST]).der)
    _, trust = SecTrustCreateWithCertificates(leaf, None)
    assert SecTrustSetVerifyDate(trust, "2025-06-01") == OSStatus.errSecParam
    assert SecTrustSetVerifyDate(None, REFERENCE_TIME) == OSStatus.errSecParam


# -- host names ----------------------------------------------------------------------------------------


@pytest.mark.apple_test
def test_host_name_mismatch_is_67602_and_outranks_expiry_but_not_trust(server):
    """TrustInterfaceTests.m testEvaluateWithError: "hostname mismatch must be a higher priority" than
    expiration; "trust errors higher priority than hostname mismatch" (SecTrustInternal.h subtype order)."""
    leaf, intermediate, root = server
    policy = SecPolicyCreateSSL(True, "other.example")
    trust = trust_for([leaf, intermediate, root], policy, anchors=[root])  # all three, as Apple's test
    trusted, error = SecTrustEvaluateWithError(trust)
    assert (trusted, error.code) == (False, -67602)
    assert error.description == "“api.example.com” certificate name does not match input"

    SecTrustSetVerifyDate(trust, REFERENCE_TIME + timedelta(days=400))
    trusted, error = SecTrustEvaluateWithError(trust)
    assert error.code == -67602
    assert error.underlying.description == (
        "Certificate 0 “api.example.com” has errors: SSL hostname does not match name(s) in certificate, "
        "Certificate is not temporally valid;"
    )
    SecTrustSetAnchorCertificates(trust, [])
    assert SecTrustEvaluateWithError(trust)[1].code == -67843


@pytest.mark.apple_source
def test_a_client_certificate_fails_a_server_policy_on_its_extended_key_usage(ca, server):
    """SecPolicy.c set_ssl_ekus: a server policy accepts serverAuth, SGC, anyEKU or no EKU; the test CA's
    client certificates carry clientAuth only -> errSecInvalidExtendedKeyUsage (-67609), which outranks a
    name mismatch (usage before name in SecTrustInternal.h)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import Encoding
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "device")]))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(HOST)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    client = SecCertificateCreateWithData(ca.issue(csr.public_bytes(Encoding.DER)).der)
    _, intermediate, root = server
    trust = trust_for([client, intermediate], SecPolicyCreateSSL(True, HOST), anchors=[root])
    assert SecTrustEvaluateWithError(trust)[1].code == -67609
    trust = trust_for([client, intermediate], SecPolicyCreateSSL(False, None), anchors=[root])
    assert SecTrustEvaluateWithError(trust) == (True, None)  # clientAuth satisfies a client policy


@pytest.mark.apple_source
@pytest.mark.parametrize(
    ("reference", "presented", "matches"),
    [
        ("api.example.com", "api.example.com", True),
        ("API.Example.COM", "api.example.com", True),  # labels compare case-insensitively
        ("api.example.com.", "api.example.com", True),  # one trailing dot on the reference is dropped
        ("api.example.com", "*.example.com", True),
        ("a.b.example.com", "*.example.com", False),  # a wildcard is one label
        ("example.com", "*.example.com", False),
        ("api.example", "*.example", False),  # never directly above a single-label TLD
        ("foo.example.com", "f*.example.com", False),  # no partial-label wildcards
        ("api.example.com", "api.*.com", False),  # only the left-most label
        ("other.example", "api.example.com", False),
    ],
)
def test_dns_match_follows_SecDNSMatch(reference, presented, matches):
    """SecPolicyLeafCallbacks.c SecDNSMatch (RFC 6125 6.4.3 with Apple's stricter choices)."""
    assert dns_match(reference, presented) is matches


@pytest.mark.apple_source
def test_wildcard_and_ip_address_names_through_a_trust(ca):
    """SecPolicyCheckCertSSLHostname: dNSNames from the subjectAltName by SecDNSMatch, then an IP host name
    against the iPAddress entries; the common name is never used."""
    issued = ca.issue_server(["*.example.com"], ["192.0.2.7"], common_name="www.example.org")
    leaf, intermediate, root = (SecCertificateCreateWithData(d) for d in issued.chain)

    def code(host):
        error = SecTrustEvaluateWithError(
            trust_for([leaf, intermediate], SecPolicyCreateSSL(True, host), anchors=[root])
        )[1]
        return None if error is None else error.code

    assert code("api.example.com") is None
    assert code("a.b.example.com") == -67602
    assert code("192.0.2.7") is None
    assert code("192.0.2.8") == -67602
    assert code("www.example.org") == -67602  # the CN is not a name the policy looks at
    assert code(None) is None  # SecPolicyCreateSSL(true, NULL) checks no host name


# -- creation ------------------------------------------------------------------------------------------


@pytest.mark.apple_source
def test_create_refuses_empty_or_mixed_inputs(server):
    """SecTrust.c SecTrustCreateWithCertificates: errSecParam for an empty array, a non-certificate member or
    a non-policy; a single certificate and a single policy are wrapped in arrays; NULL policies is Basic X.509."""
    leaf, _, root = server
    assert SecTrustCreateWithCertificates([], None) == (OSStatus.errSecParam, None)
    assert SecTrustCreateWithCertificates([leaf, b"der"], None) == (OSStatus.errSecParam, None)
    assert SecTrustCreateWithCertificates(leaf.der, None) == (OSStatus.errSecParam, None)
    assert SecTrustCreateWithCertificates(leaf, "ssl") == (OSStatus.errSecParam, None)
    assert SecTrustCreateWithCertificates(leaf, []) == (OSStatus.errSecParam, None)
    status, trust = SecTrustCreateWithCertificates(leaf, None)
    assert status == 0 and [p.oid for p in trust.policies] == ["1.2.840.113635.100.1.2"]
    assert SecTrustSetAnchorCertificates(trust, [root, "not a cert"]) == OSStatus.errSecParam


# -- through a real keychain ---------------------------------------------------------------------------


@pytest.mark.apple_source
def test_a_certificate_read_back_from_the_keychain_evaluates_with_the_keychains_intermediate(ca, server):
    """SecItemAdd the leaf and the intermediate, read the leaf back with kSecReturnRef, evaluate it alone:
    trustd's keychain certificate source supplies the intermediate the app can read, so the chain is built
    to the anchor. Another app (other access group) cannot read it and gets errSecCreateChainFailed."""
    leaf, intermediate, root = server
    kc = Keychain(clock=lambda: REFERENCE_TIME, access_groups=["TEAM.app"])
    assert kc.SecItemAdd({kSecValueRef: leaf, kSecAttrLabel: "server"})[0] == 0
    assert kc.SecItemAdd({kSecValueRef: intermediate})[0] == 0
    status, found = kc.SecItemCopyMatching(
        {kSecClass: kSecClassCertificate, kSecAttrLabel: "server", kSecReturnRef: True}
    )
    assert status == 0
    status, trust = kc.SecTrustCreateWithCertificates(found, SecPolicyCreateSSL(True, HOST))
    assert status == 0
    SecTrustSetAnchorCertificates(trust, [root])
    assert SecTrustEvaluateWithError(trust) == (True, None)
    assert SecTrustCopyCertificateChain(trust) == [leaf, intermediate, root]

    other = kc.with_entitlements(["TEAM.other"])
    _, trust = other.SecTrustCreateWithCertificates(found, SecPolicyCreateSSL(True, HOST))
    SecTrustSetAnchorCertificates(trust, [root])
    assert SecTrustEvaluateWithError(trust)[1].code == -25318


@pytest.mark.apple_source
def test_the_keychains_clock_is_the_default_verify_date(server):
    """SecTrust.c: without SecTrustSetVerifyDate the evaluation uses the current time, the device's clock."""
    leaf, intermediate, root = server
    late = REFERENCE_TIME + timedelta(days=500)
    for now, expected in ((REFERENCE_TIME, None), (late, -67818)):
        kc = Keychain(clock=lambda now=now: now, trust_anchors=[root])
        _, trust = kc.SecTrustCreateWithCertificates([leaf, intermediate], None)
        error = SecTrustEvaluateWithError(trust)[1]
        assert (None if error is None else error.code) == expected


@pytest.mark.apple_source
def test_kSecMatchPolicy_uses_the_same_host_name_rules(ca):
    """SecItemServer.c _FilterWithPolicy runs the SSL leaf checks: a wildcard over a two-label name no longer
    matches (SecDNSMatch), where a plain suffix comparison would accept it."""
    issued = ca.issue_server(["*.example"])
    kc = Keychain(clock=lambda: REFERENCE_TIME)
    assert kc.SecItemAdd({kSecValueRef: SecCertificateCreateWithData(issued.der)})[0] == 0
    query = {kSecClass: kSecClassCertificate, kSecMatchPolicy: SecPolicyCreateSSL(True, "api.example")}
    assert kc.SecItemCopyMatching(query)[0] == OSStatus.errSecItemNotFound


@pytest.mark.apple_source
def test_transcribed_swift_through_keychainsim_api_uses_the_current_keychains_device(server):
    """keychainsim.api.SecTrustCreateWithCertificates is the current keychain's: its trust_anchors count (the
    device's trust store, SecTrust.c when no custom anchors are set), where a trust on no device trusts
    nothing."""
    from keychainsim import api

    leaf, intermediate, root = server
    with api.using(Keychain(clock=lambda: REFERENCE_TIME, trust_anchors=[root])):
        status, trust = api.SecTrustCreateWithCertificates([leaf, intermediate], SecPolicyCreateSSL(True, HOST))
    assert status == 0
    assert SecTrustEvaluateWithError(trust) == (True, None)
    _, alone = SecTrustCreateWithCertificates([leaf, intermediate], SecPolicyCreateSSL(True, HOST))
    SecTrustSetVerifyDate(alone, REFERENCE_TIME)
    assert SecTrustEvaluateWithError(alone)[1].code == -25318
