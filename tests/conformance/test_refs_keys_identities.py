"""Keys added by reference and the synthesized identity class.

Sources: OSX/sec/Security/Regressions/secitem/si-42-identity.m (add cert + key by ref, look up key by
kSecAttrApplicationLabel, identity by label / application label, label semantics, identity add and
duplicate, delete by ref), OSX/sec/Security/SecKey.m SecKeyCopyAttributeDictionaryWithLocalKey (priv =
perm = 1), keychain/securityd/SecItemDb.c s3dl_create_select_sql (identity join), SecDbQuery.c
query_infer_keyclass (keys default ak), Apple's kSecClassIdentity page
(https://developer.apple.com/documentation/security/ksecclassidentity). Reference §D.3, §H, §K.1.

These tests need keychainsim.crypto and are skipped until it exists.
"""

from __future__ import annotations

import pytest

from keychainsim.constants import *

from ._certs import load_crypto, make_certificate_der, make_ec_private_key_x963

EC_PARAMS = {kSecAttrKeyType: kSecAttrKeyTypeECSECPrimeRandom, kSecAttrKeySizeInBits: 256}


@pytest.fixture
def crypto():
    return load_crypto()


@pytest.fixture
def key(crypto):
    """A P-256 private key that is not in the keychain (SecKeyCreateWithData of a fresh X9.63 key)."""
    k, error = crypto.SecKeyCreateWithData(
        make_ec_private_key_x963(),
        {kSecAttrKeyType: kSecAttrKeyTypeECSECPrimeRandom, kSecAttrKeyClass: kSecAttrKeyClassPrivate},
    )
    assert error is None and k is not None
    return k


@pytest.fixture
def cert_for_key(crypto, key):
    """A certificate whose subject key is ``key``'s public key."""
    point, error = crypto.SecKeyCopyExternalRepresentation(crypto.SecKeyCopyPublicKey(key))
    assert error is None
    return crypto.SecCertificateCreateWithData(make_certificate_der(public_key_x962=point))


def _add_pair(kc, key, cert, **extra):
    assert kc.SecItemAdd({kSecValueRef: cert, **extra})[0] == errSecSuccess
    assert kc.SecItemAdd({kSecValueRef: key, **extra})[0] == errSecSuccess


@pytest.mark.apple_source
def test_key_added_by_ref_attributes(keychain, key):
    """SecKey.m SecKeyCopyAttributeDictionaryWithLocalKey (§D.3): a software private key added by ref
    stores class keys, kcls 1 (a number), type 73, bsiz 256, perm 1 and priv 1, a 20-byte klbl, and
    defaults to pdmn "ak" (query_infer_keyclass)."""
    status, attrs = keychain.SecItemAdd({kSecValueRef: key, kSecReturnAttributes: True})
    assert status == errSecSuccess
    assert attrs[kSecAttrKeyClass] == 1 and type(attrs[kSecAttrKeyClass]) is int
    assert attrs[kSecAttrKeyType] == 73
    assert attrs[kSecAttrKeySizeInBits] == 256
    assert attrs[kSecAttrIsPermanent] == 1
    assert attrs[kSecAttrIsPrivate] == 1
    assert isinstance(attrs[kSecAttrApplicationLabel], bytes) and len(attrs[kSecAttrApplicationLabel]) == 20
    assert attrs[kSecAttrAccessible] == kSecAttrAccessibleWhenUnlocked


@pytest.mark.apple_test
def test_si42_lookup_key_by_application_label(keychain, key):
    """si-42-identity.m 'lookup key' (kSecClassKey + kSecAttrApplicationLabel + kSecReturnRef) → 0 and
    'keys match'; 'delete key via ref' → 0 and 'verify key is gone' → -25300."""
    status, attrs = keychain.SecItemAdd({kSecValueRef: key, kSecReturnAttributes: True})
    assert status == errSecSuccess
    klbl = attrs[kSecAttrApplicationLabel]
    status, found = keychain.SecItemCopyMatching(
        {kSecClass: kSecClassKey, kSecAttrApplicationLabel: klbl, kSecReturnRef: True}
    )
    assert status == errSecSuccess and found == key
    assert keychain.SecItemDelete({kSecValueRef: key}) == errSecSuccess
    assert keychain.SecItemCopyMatching({kSecValueRef: key})[0] == errSecItemNotFound


@pytest.mark.apple_source
def test_key_class_given_as_documented_string_matches_stored_number(keychain, key):
    """SecDbItem.c copyNumber (§C.6): kSecAttrKeyClassPrivate is the string "1", stored and matched as
    the number 1, so the documented constant finds the key."""
    assert keychain.SecItemAdd({kSecValueRef: key})[0] == errSecSuccess
    status, _ = keychain.SecItemCopyMatching(
        {
            kSecClass: kSecClassKey,
            kSecAttrKeyClass: kSecAttrKeyClassPrivate,
            kSecAttrKeyType: kSecAttrKeyTypeECSECPrimeRandom,
        }
    )
    assert status == errSecSuccess
    status, _ = keychain.SecItemCopyMatching({kSecClass: kSecClassKey, kSecAttrKeyClass: kSecAttrKeyClassPublic})
    assert status == errSecItemNotFound


@pytest.mark.apple_source
def test_password_attribute_on_key_is_no_such_attr(keychain, key):
    """SecItemDb.c SecDbAttrWithKey: kSecAttrService is not a key attribute → -25303."""
    status, _ = keychain.SecItemAdd({kSecValueRef: key, kSecAttrService: "svc"})
    assert status == errSecNoSuchAttr


@pytest.mark.apple_test
def test_si42_identity_lookup_by_application_label(keychain, crypto, key, cert_for_key):
    """si-42-identity.m 'lookup identity' (kSecClassIdentity + kSecAttrApplicationLabel + ReturnRef) →
    0, 'identities match'; 'get cert from identity' → the certificate."""
    _add_pair(keychain, key, cert_for_key)
    status, attrs = keychain.SecItemCopyMatching({kSecClass: kSecClassKey, kSecReturnAttributes: True})
    assert status == errSecSuccess
    status, identity = keychain.SecItemCopyMatching(
        {kSecClass: kSecClassIdentity, kSecAttrApplicationLabel: attrs[kSecAttrApplicationLabel], kSecReturnRef: True}
    )
    assert status == errSecSuccess and identity is not None
    assert identity == crypto.SecIdentityCreate(cert_for_key, key)
    status, c = crypto.SecIdentityCopyCertificate(identity)
    assert status == errSecSuccess
    assert crypto.SecCertificateCopyData(c) == crypto.SecCertificateCopyData(cert_for_key)


@pytest.mark.apple_docs
def test_no_identity_without_private_key(keychain, cert_for_key):
    """kSecClassIdentity page: an identity is a certificate together with its private key — a stored
    certificate alone gives no identity (-25300)."""
    assert keychain.SecItemAdd({kSecValueRef: cert_for_key})[0] == errSecSuccess
    status, result = keychain.SecItemCopyMatching({kSecClass: kSecClassIdentity, kSecReturnRef: True})
    assert status == errSecItemNotFound and result is None


@pytest.mark.apple_docs
def test_deleting_key_removes_identity(keychain, key, cert_for_key):
    """kSecClassIdentity page: deleting the private key makes the identity disappear."""
    _add_pair(keychain, key, cert_for_key)
    assert keychain.SecItemCopyMatching({kSecClass: kSecClassIdentity})[0] == errSecSuccess
    assert keychain.SecItemDelete({kSecValueRef: key}) == errSecSuccess
    assert keychain.SecItemCopyMatching({kSecClass: kSecClassIdentity})[0] == errSecItemNotFound


@pytest.mark.apple_test
def test_si42_add_identity_ref_then_duplicate(keychain, crypto, key, cert_for_key):
    """si-42-identity.m 'add identity ref' with kSecReturnPersistentRef → 0 and a persistent ref; 'fail to
    add identity ref again' → errSecDuplicateItem and 'no persistent ref this time'; 'find identity by
    persistent ref' (ReturnRef) → 0."""
    identity = crypto.SecIdentityCreate(cert_for_key, key)
    assert identity is not None
    status, pref = keychain.SecItemAdd({kSecValueRef: identity, kSecReturnPersistentRef: True})
    assert status == errSecSuccess and isinstance(pref, bytes)
    status, again = keychain.SecItemAdd({kSecValueRef: identity, kSecReturnPersistentRef: True})
    assert status == errSecDuplicateItem and again is None
    status, found = keychain.SecItemCopyMatching({kSecReturnRef: True, kSecValuePersistentRef: pref})
    assert status == errSecSuccess and found is not None


@pytest.mark.apple_test
def test_si42_identity_label_is_the_certificate_label(keychain, crypto, key, cert_for_key):
    """si-42-identity.m: an identity added with label "zomg" → 'find identity by label', 'find cert by
    label', 'find key by label' all 0; relabelling the key to "zzzomg" → 'still finding zomg ident';
    relabelling the certificate → 'no longer find identity by label' (-25300) and 'finding ident with
    zzzomg label' → 0 (§H.2: kSecAttrLabel filters on the certificate)."""
    identity = crypto.SecIdentityCreate(cert_for_key, key)
    assert keychain.SecItemAdd({kSecValueRef: identity, kSecAttrLabel: "zomg"})[0] == errSecSuccess
    assert keychain.SecItemCopyMatching({kSecClass: kSecClassIdentity, kSecAttrLabel: "zomg"})[0] == errSecSuccess
    status, zomg_cert = keychain.SecItemCopyMatching(
        {kSecClass: kSecClassCertificate, kSecAttrLabel: "zomg", kSecReturnRef: True}
    )
    assert status == errSecSuccess
    status, zomg_key = keychain.SecItemCopyMatching(
        {kSecClass: kSecClassKey, kSecAttrLabel: "zomg", kSecReturnRef: True}
    )
    assert status == errSecSuccess
    assert keychain.SecItemUpdate({kSecValueRef: zomg_key}, {kSecAttrLabel: "zzzomg"}) == errSecSuccess
    ident_q = {kSecClass: kSecClassIdentity, kSecReturnRef: True}
    assert keychain.SecItemCopyMatching(ident_q | {kSecAttrLabel: "zomg"})[0] == errSecSuccess
    assert keychain.SecItemUpdate({kSecValueRef: zomg_cert}, {kSecAttrLabel: "zzzomg"}) == errSecSuccess
    status, result = keychain.SecItemCopyMatching(ident_q | {kSecAttrLabel: "zomg"})
    assert status == errSecItemNotFound and result is None
    assert keychain.SecItemCopyMatching(ident_q | {kSecAttrLabel: "zzzomg"})[0] == errSecSuccess
    assert keychain.SecItemDelete(ident_q | {kSecAttrLabel: "zzzomg"}) == errSecSuccess


@pytest.mark.apple_test
def test_si42_delete_identity_by_ref(keychain, crypto, key, cert_for_key):
    """si-42-identity.m 'delete identity by identity ref' → 0, then 'make sure identity by persistent ref
    is no longer there' → -25300."""
    identity = crypto.SecIdentityCreate(cert_for_key, key)
    status, pref = keychain.SecItemAdd({kSecValueRef: identity, kSecReturnPersistentRef: True})
    assert status == errSecSuccess
    assert keychain.SecItemDelete({kSecValueRef: identity, kSecReturnPersistentRef: True}) == errSecSuccess
    status, result = keychain.SecItemCopyMatching({kSecReturnRef: True, kSecValuePersistentRef: pref})
    assert status == errSecItemNotFound and result is None


@pytest.mark.apple_source
def test_identity_add_defaults_cert_dk_key_ak(keychain, crypto, key, cert_for_key):
    """SecItem.m explode_identity + SecDbQuery.c query_infer_keyclass (§H.6 item 6): adding an identity
    stores the certificate with pdmn "dk" and the private key with pdmn "ak"."""
    identity = crypto.SecIdentityCreate(cert_for_key, key)
    assert keychain.SecItemAdd({kSecValueRef: identity})[0] == errSecSuccess
    _, cert_attrs = keychain.SecItemCopyMatching({kSecClass: kSecClassCertificate, kSecReturnAttributes: True})
    _, key_attrs = keychain.SecItemCopyMatching({kSecClass: kSecClassKey, kSecReturnAttributes: True})
    assert cert_attrs[kSecAttrAccessible] == kSecAttrAccessibleAlways
    assert key_attrs[kSecAttrAccessible] == kSecAttrAccessibleWhenUnlocked


@pytest.mark.apple_source
def test_permanent_random_key_is_stored(keychain, crypto):
    """SecKey.m SecKeyCreateRandomKey/add_key: kSecAttrIsPermanent true in kSecPrivateKeyAttrs stores the
    private key (only); the stored key is found as class keys with kcls 1."""
    k, error = keychain.SecKeyCreateRandomKey(
        EC_PARAMS | {kSecPrivateKeyAttrs: {kSecAttrIsPermanent: True, kSecAttrApplicationTag: b"tag"}}
    )
    assert error is None and k is not None
    status, rows = keychain.SecItemCopyMatching(
        {kSecClass: kSecClassKey, kSecReturnAttributes: True, kSecMatchLimit: kSecMatchLimitAll}
    )
    assert status == errSecSuccess and len(rows) == 1
    assert rows[0][kSecAttrKeyClass] == 1
    assert rows[0][kSecAttrApplicationTag] == b"tag"


@pytest.mark.apple_source
def test_ephemeral_random_key_is_not_stored(keychain, crypto):
    """SecKey.m SecKeyCreateRandomKey: kSecAttrIsPermanent defaults to false for software keys → a key is
    returned and nothing is stored."""
    k, error = keychain.SecKeyCreateRandomKey(dict(EC_PARAMS))
    assert error is None and k is not None
    assert keychain.SecItemCopyMatching({kSecClass: kSecClassKey})[0] == errSecItemNotFound
