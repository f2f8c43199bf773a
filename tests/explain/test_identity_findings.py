"""The identity diagnosis: each mechanical cause of a missing identity (keys reference §K, pitfalls
catalog §2.1) gives its own finding, with the evidence, and the finding disappears once fixed.

The causes are Apple's (cited per test); the finding codes are the API contract's.
"""

from __future__ import annotations

import pytest

from keychainsim.constants import *

pytest.importorskip("keychainsim.crypto")

from keychainsim.explain import explain
from tests.conformance._enrollment import IDENTITY_QUERY, LABEL, TAG, enroll, key_params


def codes_for(kc, query=IDENTITY_QUERY) -> list[str]:
    report = explain(kc, query)
    assert report.status == kc.SecItemCopyMatching(query)[0]
    return report.codes


@pytest.mark.apple_docs
def test_no_certificate(make_keychain):
    """kSecClassIdentity documentation: an identity needs a certificate; none was added."""
    kc = make_keychain()
    kc.SecKeyCreateRandomKey(key_params())
    assert codes_for(kc) == ["identity.no_certificate"]
    enroll(kc)
    assert codes_for(kc) == []


@pytest.mark.apple_source
def test_key_never_stored(make_keychain):
    """SecKey.m SecKeyCreateRandomKey: without kSecAttrIsPermanent the private key is not stored."""
    kc = make_keychain()
    enroll(kc, params={kSecAttrKeyType: kSecAttrKeyTypeECSECPrimeRandom, kSecAttrKeySizeInBits: 256})
    report = explain(kc, IDENTITY_QUERY)
    assert report.codes == ["identity.no_private_key"]
    assert report.findings[0].evidence["private_keys"] == 0
    fixed = make_keychain()
    enroll(fixed)
    assert codes_for(fixed) == []


@pytest.mark.apple_source
def test_certificate_for_other_key_shows_both_hashes(make_keychain):
    """SecItemDb.c identity join: pkhh must equal a private key's klbl; the evidence shows the two side by side."""
    kc = make_keychain()
    other, _ = kc.SecKeyCreateRandomKey({kSecAttrKeyType: kSecAttrKeyTypeECSECPrimeRandom, kSecAttrKeySizeInBits: 256})
    enroll(kc, cert_for=other)
    report = explain(kc, IDENTITY_QUERY)
    assert report.codes == ["identity.certificate_for_other_key"]
    evidence = report.findings[0].evidence
    stored = kc.SecItemCopyMatching({kSecClass: kSecClassKey, kSecReturnAttributes: True})[1]
    assert evidence["klbl"] == [stored[kSecAttrApplicationLabel]]
    cert_attrs = kc.SecItemCopyMatching({kSecClass: kSecClassCertificate, kSecReturnAttributes: True})[1]
    assert evidence["pkhh"] == cert_attrs[kSecAttrPublicKeyHash] != evidence["klbl"][0]


@pytest.mark.inferred
def test_only_public_key_stored(make_keychain):
    """Keys reference §K.4 and open question N.1 (inferred from the SQL join, which tests priv, not kcls):
    kSecPublicKeyAttrs {perm: true} with a non-permanent private key stores only the public key, with
    priv = 1 and klbl = the certificate's pkhh, so an identity forms around a key that cannot sign.
    The status is success; explain warns."""
    kc = make_keychain()
    params = {
        kSecAttrKeyType: kSecAttrKeyTypeECSECPrimeRandom,
        kSecAttrKeySizeInBits: 256,
        kSecPublicKeyAttrs: {kSecAttrIsPermanent: True},
    }
    enroll(kc, params=params)
    report = explain(kc, IDENTITY_QUERY)
    assert report.status == errSecSuccess
    assert report.codes == ["identity.key_is_public"]
    fixed = make_keychain()
    enroll(fixed)
    assert codes_for(fixed) == []


@pytest.mark.apple_source
def test_permanent_at_the_top_level_succeeds_with_the_public_key(make_keychain):
    """SecKey.m merge_params: the forum thread's top-level kSecAttrIsPermanent stores both halves (public
    first); SecItemDb.c s3dl_create_select_sql joins on priv, so two identities form and the
    kSecMatchLimitOne lookup returns the public key's. explain reports the success and says what is wrong."""
    kc = make_keychain()
    params = {
        kSecAttrKeyType: kSecAttrKeyTypeECSECPrimeRandom,
        kSecAttrKeySizeInBits: 256,
        kSecAttrIsPermanent: True,
        kSecAttrApplicationTag: TAG,
    }
    enroll(kc, params=params)
    status, identity = kc.SecItemCopyMatching(IDENTITY_QUERY)
    assert status == errSecSuccess and not identity.private_key.is_private
    report = explain(kc, IDENTITY_QUERY)
    assert report.status == errSecSuccess and len(report.matches) == 1
    assert report.matches[0].key.get(kSecAttrKeyClass) == 0
    assert report.codes == ["identity.key_is_public"]
    finding = report.findings[0]
    assert finding.evidence["key_class"] == 0 and finding.items == (
        report.matches[0].certificate,
        report.matches[0].key,
    )


@pytest.mark.apple_source
def test_application_label_overridden(make_keychain):
    """SecItem.m SecItemAttributesPrepare: the caller's kSecAttrApplicationLabel wins over the key's hash."""
    kc = make_keychain()
    enroll(kc, params=key_params(**{kSecAttrApplicationLabel: b"my-label"}))
    report = explain(kc, IDENTITY_QUERY)
    assert report.codes == ["identity.application_label_overridden"]
    assert report.findings[0].evidence["klbl"] == b"my-label"


@pytest.mark.apple_test
def test_label_on_the_key(make_keychain):
    """si-42-identity.m: an identity's label filters on the certificate, not on the key."""
    kc = make_keychain()
    enroll(kc, label_on="key")
    assert codes_for(kc) == ["identity.attribute_on_wrong_side"]
    kc.SecItemUpdate({kSecClass: kSecClassCertificate}, {kSecAttrLabel: LABEL})
    assert codes_for(kc) == []


@pytest.mark.inferred
def test_group_pinned_to_the_certificate_while_key_is_elsewhere(make_keychain):
    """Reference §H.2 (inferred): kSecAttrAccessGroup in an identity query filters on the key."""
    kc = make_keychain(access_groups=["TEAM.app", "TEAM.shared"])
    enroll(kc, cert_extra={kSecAttrAccessGroup: "TEAM.shared"})
    query = {**IDENTITY_QUERY, kSecAttrAccessGroup: "TEAM.shared"}
    assert codes_for(kc, query) == ["identity.attribute_on_wrong_side"]
    kc.SecItemUpdate({kSecClass: kSecClassKey, kSecAttrApplicationTag: TAG}, {kSecAttrAccessGroup: "TEAM.shared"})
    assert codes_for(kc, query) == []


@pytest.mark.inferred
def test_pair_split_across_groups_for_an_extension(make_keychain):
    """Reference §H.2 (inferred): both halves must be in the caller's groups; an extension that shares
    only the certificate's group sees no identity."""
    kc = make_keychain(access_groups=["TEAM.app", "TEAM.shared"])
    enroll(kc, cert_extra={kSecAttrAccessGroup: "TEAM.shared"})
    extension = kc.with_entitlements(["TEAM.shared"])
    report = explain(extension, IDENTITY_QUERY)
    assert report.status == errSecItemNotFound
    assert "access.group_not_visible" in report.codes or "identity.no_private_key" in report.codes


@pytest.mark.inferred
def test_synchronizable_key(make_keychain):
    """Reference §H.2 (inferred): the default sync = 0 applies to the key of the pair."""
    kc = make_keychain()
    params = key_params()
    params[kSecAttrSynchronizable] = True
    enroll(kc, params=params)
    assert codes_for(kc) == ["query.synchronizable_excluded"]
    assert codes_for(kc, {**IDENTITY_QUERY, kSecAttrSynchronizable: kSecAttrSynchronizableAny}) == []


@pytest.mark.apple_source
def test_macos_split_between_keychains(make_keychain):
    """TN3137 / SecItem.cpp routing: a key made with kSecUseDataProtectionKeychain lives in the data
    protection keychain; a certificate added without it lands in the file-based keychain."""
    kc = make_keychain(platform="macos")
    params = key_params()
    params[kSecUseDataProtectionKeychain] = True
    enroll(kc, params=params)
    query = {**IDENTITY_QUERY, kSecUseDataProtectionKeychain: True}
    assert kc.SecItemCopyMatching(query)[0] == errSecItemNotFound
    assert codes_for(kc, query) == ["platform.other_keychain"]


@pytest.mark.apple_source
def test_a_key_query_that_returns_the_public_half_of_a_stored_pair_warns(make_keychain):
    """OSX/sec/Security/SecKey.m merge_params: top-level kSecAttrIsPermanent and tag go to both halves, so
    both are stored with the same tag and klbl (public first). A key query by tag alone matches both and
    kSecMatchLimitOne returns the public key: success, then signing fails. explain says so; it does not
    when the query names the key class, nor for a public key stored on its own (a peer's key)."""
    kc = make_keychain()
    kc.SecKeyCreateRandomKey(
        {
            kSecAttrKeyType: kSecAttrKeyTypeECSECPrimeRandom,
            kSecAttrKeySizeInBits: 256,
            kSecAttrIsPermanent: True,
            kSecAttrApplicationTag: TAG,
        }
    )
    by_tag = {kSecClass: kSecClassKey, kSecAttrApplicationTag: TAG, kSecReturnAttributes: True}
    status, attributes = kc.SecItemCopyMatching(by_tag)
    assert status == errSecSuccess and attributes[kSecAttrKeyClass] == 0
    report = explain(kc, by_tag)
    assert report.codes == ["query.returns_public_key"]
    (finding,) = report.findings
    public, private = finding.items
    assert (public.get(kSecAttrKeyClass), private.get(kSecAttrKeyClass)) == (0, 1)
    assert finding.evidence["klbl"] == public.get(kSecAttrApplicationLabel) == private.get(kSecAttrApplicationLabel)
    assert "kSecAttrKeyClass: kSecAttrKeyClassPrivate" in finding.message
    assert explain(kc, {**by_tag, kSecAttrKeyClass: kSecAttrKeyClassPrivate}).codes == []
    assert explain(kc, {**by_tag, kSecAttrKeyClass: kSecAttrKeyClassPublic}).codes == []  # asked for it

    alone = make_keychain()
    alone.SecKeyCreateRandomKey(
        {
            kSecAttrKeyType: kSecAttrKeyTypeECSECPrimeRandom,
            kSecAttrKeySizeInBits: 256,
            kSecPublicKeyAttrs: {kSecAttrIsPermanent: True, kSecAttrApplicationTag: TAG},
        }
    )
    status, attributes = alone.SecItemCopyMatching(by_tag)
    assert status == errSecSuccess and attributes[kSecAttrKeyClass] == 0
    assert explain(alone, by_tag).codes == []
