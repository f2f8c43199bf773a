"""Identity formation end to end: the seed enrollment flow, every way of breaking it, and si-68.

The seed flow is the forum thread's (pitfalls catalog §2): an EC P-256 private key made permanent with
an application tag, a certificate issued for its public key, SecItemAdd of the certificate with a
label, then SecItemCopyMatching(kSecClassIdentity, kSecAttrLabel, kSecReturnRef, kSecMatchLimitOne).
Each broken variant must give the status a device gives, and its fixed twin must form the identity.
Certificates are issued here with ``cryptography`` for the simulated key, as any real CA would.
"""

from __future__ import annotations

import pytest

from keychainsim.constants import *

pytest.importorskip("keychainsim.crypto")

from cryptography.hazmat.primitives.asymmetric import ec

from keychainsim.crypto import (
    SecCertificateCreateWithData,
    SecIdentityCopyCertificate,
    SecIdentityCopyPrivateKey,
    SecKeyCopyExternalRepresentation,
)
from tests.conformance._enrollment import (
    IDENTITY_QUERY,
    LABEL,
    TAG,
    _name,
    enroll,
    issue,
    key_params,
    public_point,
)


@pytest.mark.apple_docs
def test_seed_flow_forms_the_identity(make_keychain):
    """kSecClassIdentity documentation and DTS thread 797509: with the key in the keychain and its
    certificate added, the identity query returns a SecIdentity whose halves are that certificate and key."""
    kc = make_keychain()
    key, certificate, status = enroll(kc)
    assert status == errSecSuccess
    status, identity = kc.SecItemCopyMatching(IDENTITY_QUERY)
    assert status == errSecSuccess
    assert SecIdentityCopyCertificate(identity) == (errSecSuccess, certificate)
    assert SecIdentityCopyPrivateKey(identity) == (errSecSuccess, key)


@pytest.mark.apple_source
def test_key_not_permanent_gives_item_not_found_and_fix_forms_it(make_keychain):
    """SecKey.m SecKeyCreateRandomKey: software keys default to kSecAttrIsPermanent false, so the
    private key never reaches the keychain (keys reference §A.3, §K.3)."""
    broken = make_keychain()
    enroll(
        broken,
        params={
            kSecAttrKeyType: kSecAttrKeyTypeECSECPrimeRandom,
            kSecAttrKeySizeInBits: 256,
            kSecPrivateKeyAttrs: {kSecAttrApplicationTag: TAG},
        },
    )
    assert broken.SecItemCopyMatching(IDENTITY_QUERY)[0] == errSecItemNotFound
    fixed = make_keychain()
    enroll(fixed)
    assert fixed.SecItemCopyMatching(IDENTITY_QUERY)[0] == errSecSuccess


@pytest.mark.apple_source
def test_permanent_given_as_number_is_ignored(make_keychain):
    """SecKey.m getBoolForKey: only a CFBoolean counts; kSecAttrIsPermanent: 1 leaves the default (false)."""
    kc = make_keychain()
    enroll(kc, params=key_params(**{kSecAttrIsPermanent: 1}))
    assert kc.SecItemCopyMatching({kSecClass: kSecClassKey, kSecAttrApplicationTag: TAG})[0] == errSecItemNotFound
    assert kc.SecItemCopyMatching(IDENTITY_QUERY)[0] == errSecItemNotFound


@pytest.mark.apple_source
def test_certificate_for_another_key(make_keychain):
    """SecItemDb.c identity join cert.pkhh = keys.klbl: a certificate for another public key joins nothing."""
    kc = make_keychain()
    other, _ = kc.SecKeyCreateRandomKey({kSecAttrKeyType: kSecAttrKeyTypeECSECPrimeRandom, kSecAttrKeySizeInBits: 256})
    enroll(kc, cert_for=other)
    assert kc.SecItemCopyMatching(IDENTITY_QUERY)[0] == errSecItemNotFound


@pytest.mark.apple_source
def test_application_label_override_breaks_the_join(make_keychain):
    """SecItem.m SecItemAttributesPrepare: caller attributes win over the ref's, so a caller klbl
    replaces the public-key hash and pkhh = klbl fails (keys reference §C.2)."""
    kc = make_keychain()
    enroll(kc, params=key_params(**{kSecAttrApplicationLabel: b"my-own-label"}))
    assert kc.SecItemCopyMatching(IDENTITY_QUERY)[0] == errSecItemNotFound
    status, _ = kc.SecItemCopyMatching({kSecClass: kSecClassKey, kSecAttrApplicationLabel: b"my-own-label"})
    assert status == errSecSuccess


@pytest.mark.apple_test
def test_label_on_the_key_does_not_name_the_identity(make_keychain):
    """si-42-identity.m: an identity's kSecAttrLabel is the certificate's; a label set on the key does
    not find it, while the unfiltered identity query does."""
    kc = make_keychain()
    enroll(kc, label_on="key")
    assert kc.SecItemCopyMatching(IDENTITY_QUERY)[0] == errSecItemNotFound
    assert kc.SecItemCopyMatching({kSecClass: kSecClassIdentity})[0] == errSecSuccess


@pytest.mark.apple_test
def test_renaming_key_keeps_identity_renaming_certificate_loses_it(make_keychain):
    """si-42-identity.m: after SecItemUpdate of the key's label the identity is still found by the old
    label; after updating the certificate's label it is not."""
    kc = make_keychain()
    enroll(kc)
    assert kc.SecItemUpdate({kSecClass: kSecClassKey, kSecAttrApplicationTag: TAG}, {kSecAttrLabel: "renamed"}) == 0
    assert kc.SecItemCopyMatching(IDENTITY_QUERY)[0] == errSecSuccess
    assert kc.SecItemUpdate({kSecClass: kSecClassCertificate, kSecAttrLabel: LABEL}, {kSecAttrLabel: "renamed"}) == 0
    assert kc.SecItemCopyMatching(IDENTITY_QUERY)[0] == errSecItemNotFound
    assert kc.SecItemCopyMatching({**IDENTITY_QUERY, kSecAttrLabel: "renamed"})[0] == errSecSuccess


@pytest.mark.inferred
def test_synchronizable_key_is_hidden_by_the_default_sync_predicate(make_keychain):
    """Reference §H.2 (inferred): the implicit sync = 0 applies to the key row of the join."""
    kc = make_keychain()
    params = key_params()
    params[kSecAttrSynchronizable] = True
    enroll(kc, params=params)
    assert kc.SecItemCopyMatching(IDENTITY_QUERY)[0] == errSecItemNotFound
    query = {**IDENTITY_QUERY, kSecAttrSynchronizable: kSecAttrSynchronizableAny}
    assert kc.SecItemCopyMatching(query)[0] == errSecSuccess


@pytest.mark.inferred
def test_pair_split_across_access_groups(make_keychain):
    """Reference §H.2 (inferred): certificate and key must both be in the searched groups; a query pinned
    to the certificate's group filters the key on it too."""
    kc = make_keychain(access_groups=["TEAM.app", "TEAM.shared"])
    enroll(kc, cert_extra={kSecAttrAccessGroup: "TEAM.shared"})
    assert kc.SecItemCopyMatching(IDENTITY_QUERY)[0] == errSecSuccess
    pinned = {**IDENTITY_QUERY, kSecAttrAccessGroup: "TEAM.shared"}
    assert kc.SecItemCopyMatching(pinned)[0] == errSecItemNotFound
    extension = kc.with_entitlements(["TEAM.shared"])
    assert extension.SecItemCopyMatching(IDENTITY_QUERY)[0] == errSecItemNotFound


@pytest.mark.apple_source
def test_query_access_group_binds_the_certificate_too(make_keychain):
    """SecItemServer.c SecServerItemCopyMatchingWithCustomDb(): an explicit kSecAttrAccessGroup replaces the
    caller's group list, and SecItemDb.c s3dl_create_select_sql() binds that list both to the certificate
    (cert.agrp IN, inside the join) and to the key (agrp IN, outside it). Naming the key's group while the
    certificate lives in another group therefore finds nothing, though a key query finds the key there."""
    kc = make_keychain(access_groups=["TEAM.app", "TEAM.shared"])
    enroll(kc, cert_extra={kSecAttrAccessGroup: "TEAM.shared"})
    key_group = {**IDENTITY_QUERY, kSecAttrAccessGroup: "TEAM.app"}
    assert kc.SecItemCopyMatching(key_group)[0] == errSecItemNotFound
    key_query = {kSecClass: kSecClassKey, kSecAttrApplicationTag: TAG, kSecAttrAccessGroup: "TEAM.app"}
    assert kc.SecItemCopyMatching(key_query)[0] == errSecSuccess
    kc.SecItemUpdate({kSecClass: kSecClassCertificate}, {kSecAttrAccessGroup: "TEAM.app"})
    status, identity = kc.SecItemCopyMatching(key_group)
    assert status == errSecSuccess and identity is not None


@pytest.mark.apple_source
def test_key_only_attribute_in_certificate_add_is_no_such_attr(make_keychain):
    """si-05-add.c case 7 / SecItemDb.c SecDbAttrWithKey: kSecAttrApplicationTag on a certificate -> -25303,
    nothing stored, so the identity never forms."""
    kc = make_keychain()
    _, _, status = enroll(kc, cert_extra={kSecAttrApplicationTag: TAG})
    assert status == errSecNoSuchAttr
    assert kc.SecItemCopyMatching({kSecClass: kSecClassCertificate})[0] == errSecItemNotFound
    assert kc.SecItemCopyMatching(IDENTITY_QUERY)[0] == errSecItemNotFound


@pytest.mark.apple_docs
def test_pem_certificate_data_gives_nil(make_keychain):
    """SecCertificateCreateWithData documentation: returns NULL when the data is not a valid DER X.509
    certificate; PEM text is not DER."""
    kc = make_keychain()
    key, _ = kc.SecKeyCreateRandomKey(key_params())
    der = issue(public_point(key))
    import base64

    pem = b"-----BEGIN CERTIFICATE-----\n" + base64.encodebytes(der) + b"-----END CERTIFICATE-----\n"
    assert SecCertificateCreateWithData(pem) is None
    assert SecCertificateCreateWithData(der) is not None


@pytest.mark.apple_source
def test_identity_query_by_public_key_hash_is_not_available(make_keychain):
    """Reference §H.2 / keys §K.10: pkhh is not a column of the joined identity table, so the SQL fails and
    the client reports errSecNotAvailable (-25291)."""
    kc = make_keychain()
    enroll(kc)
    status, _ = kc.SecItemCopyMatching({kSecClass: kSecClassIdentity, kSecAttrPublicKeyHash: b"\x00" * 20})
    assert status == errSecNotAvailable


@pytest.mark.apple_test
def test_si68_match_issuers_walks_the_stored_chain(make_keychain):
    """si-68-secmatchissuer.c: root -> intermediate (stored as a certificate) -> leaf (stored as an identity),
    both certificates for the same key; kSecMatchIssuers = [the root's DN] finds both identities with
    kSecMatchLimitAll, and both certificates (iOS branch)."""
    from keychainsim.crypto import SecIdentityCreate

    kc = make_keychain()
    # Like si-68's test_cert_generate_key, the key is not stored by itself: only the identity add stores
    # it (storing it first with a tag would make the identity's untagged key a second item).
    key, _ = kc.SecKeyCreateRandomKey({kSecAttrKeyType: kSecAttrKeyTypeECSECPrimeRandom, kSecAttrKeySizeInBits: 256})
    root_key = ec.generate_private_key(ec.SECP256R1())
    root = _name("Root CA")
    point = public_point(key)
    intermediate_der = issue(point, subject="Intermediate CA", issuer=root, issuer_key=root_key, serial=42)
    private_x963, _ = SecKeyCopyExternalRepresentation(key)
    own_key = ec.derive_private_key(int.from_bytes(private_x963[65:], "big"), ec.SECP256R1())
    leaf_der = issue(point, subject="Client", issuer=_name("Intermediate CA"), issuer_key=own_key, serial=4242)
    intermediate = SecCertificateCreateWithData(intermediate_der)
    leaf = SecCertificateCreateWithData(leaf_der)
    assert kc.SecItemAdd({kSecValueRef: intermediate})[0] == errSecSuccess
    assert kc.SecItemAdd({kSecValueRef: SecIdentityCreate(leaf, key)})[0] == errSecSuccess
    issuers = [root.public_bytes()]
    status, identities = kc.SecItemCopyMatching(
        {
            kSecClass: kSecClassIdentity,
            kSecReturnRef: True,
            kSecMatchLimit: kSecMatchLimitAll,
            kSecMatchIssuers: issuers,
        }
    )
    assert status == errSecSuccess and isinstance(identities, list) and len(identities) == 2
    status, certificates = kc.SecItemCopyMatching(
        {kSecClass: kSecClassCertificate, kSecReturnRef: True, kSecMatchLimit: 10, kSecMatchIssuers: issuers}
    )
    assert status == errSecSuccess and len(certificates) == 2
    unrelated = [_name("Some Other CA").public_bytes()]
    status, _ = kc.SecItemCopyMatching({kSecClass: kSecClassIdentity, kSecMatchIssuers: unrelated})
    assert status == errSecItemNotFound


@pytest.mark.apple_test
def test_identity_formed_after_certificate_then_key_in_either_order(make_keychain):
    """si-42-identity.m adds the certificate, then the key; the join does not care about the order."""
    kc = make_keychain()
    key, _ = kc.SecKeyCreateRandomKey({kSecAttrKeyType: kSecAttrKeyTypeECSECPrimeRandom, kSecAttrKeySizeInBits: 256})
    certificate = SecCertificateCreateWithData(issue(public_point(key)))
    assert kc.SecItemAdd({kSecValueRef: certificate, kSecAttrLabel: LABEL})[0] == errSecSuccess
    assert kc.SecItemCopyMatching(IDENTITY_QUERY)[0] == errSecItemNotFound
    assert kc.SecItemAdd({kSecValueRef: key})[0] == errSecSuccess
    assert kc.SecItemCopyMatching(IDENTITY_QUERY)[0] == errSecSuccess
