"""SecPKCS12Import on a keychain: what each platform adds (keys reference §I.1, si-61-pkcs12.c; on macOS
OSX/libsecurity_keychain/lib/SecImportExport.c SecPKCS12Import and SecIdentity.cpp
SecIdentityImportToFileBackedKeychain)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from keychainsim.constants import *

pytest.importorskip("keychainsim.crypto")

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12
from cryptography.x509.oid import NameOID

from keychainsim import SecIdentityCopyPrivateKey, SecKeyCopyAttributes

PASSWORD = "s3cret"
GROUP = "A1B2C3D4E5.com.example.shared"


@pytest.fixture(scope="module")
def p12() -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "imported client")])
    start = datetime(2026, 1, 1, tzinfo=UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(7)
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return pkcs12.serialize_key_and_certificates(b"client", key, cert, None, BestAvailableEncryption(PASSWORD.encode()))


def _identities(kc, **extra) -> int:
    query = {kSecClass: kSecClassIdentity, kSecMatchLimit: kSecMatchLimitAll, kSecReturnRef: True, **extra}
    status, found = kc.SecItemCopyMatching(query)
    return len(found) if status == errSecSuccess else 0


@pytest.mark.apple_source
def test_ios_import_adds_nothing_by_default(make_keychain, p12):
    """SecImportExport.c SecPKCS12Import_ios: iOS returns the identity in memory and stores nothing."""
    kc = make_keychain()
    status, items = kc.SecPKCS12Import(p12, {kSecImportExportPassphrase: PASSWORD})
    assert status == errSecSuccess and len(items) == 1 and items[0][kSecImportItemIdentity] is not None
    assert kc.all_items() == []


@pytest.mark.apple_test
def test_ios_import_into_data_protection_keychain_forwards_options(make_keychain, p12):
    """si-61-pkcs12.c / SecImportExport.c SecPKCS12ImportToModernKeychain: with kSecUseDataProtectionKeychain
    each identity is added by ref, and the other option keys (here the access group) go with it."""
    kc = make_keychain(access_groups=["A1B2C3D4E5.com.example.app", GROUP])
    options = {kSecImportExportPassphrase: PASSWORD, kSecUseDataProtectionKeychain: True, kSecAttrAccessGroup: GROUP}
    assert kc.SecPKCS12Import(p12, options)[0] == errSecSuccess
    assert _identities(kc) == 1
    groups = {item.get("agrp") for item in kc.all_items()}
    assert groups == {GROUP}
    assert kc.SecPKCS12Import(p12, options)[0] == errSecSuccess  # duplicates are ignored
    assert len(kc.all_items()) == 2


@pytest.mark.apple_test
def test_wrong_password_is_auth_failed_and_stores_nothing(make_keychain, p12):
    """si-61-pkcs12.c: a wrong passphrase is errSecAuthFailed (-25293)."""
    kc = make_keychain()
    status, items = kc.SecPKCS12Import(p12, {kSecImportExportPassphrase: "wrong", kSecUseDataProtectionKeychain: True})
    assert (status, items) == (errSecAuthFailed, [])
    assert kc.all_items() == []


@pytest.mark.apple_source
def test_macos_imports_into_the_file_based_keychain(make_keychain, p12):
    """OSX/libsecurity_keychain/lib/SecImportExport.c: macOS imports into the default (file-based) keychain;
    a query forced to the data protection keychain does not see the identity; kSecImportToMemoryOnly adds
    nothing."""
    kc = make_keychain(platform="macos")
    assert kc.SecPKCS12Import(p12, {kSecImportExportPassphrase: PASSWORD})[0] == errSecSuccess
    assert {item.keychain for item in kc.all_items()} == {"file"}
    assert _identities(kc, **{kSecUseDataProtectionKeychain: True}) == 0
    memory = make_keychain(platform="macos")
    assert memory.SecPKCS12Import(p12, {kSecImportExportPassphrase: PASSWORD, kSecImportToMemoryOnly: True})[0] == 0
    assert memory.all_items() == []


@pytest.fixture
def mac(make_keychain):
    return make_keychain(platform="macos")


DP = {kSecUseDataProtectionKeychain: True}
MAC_IDENTITIES = {kSecClass: kSecClassIdentity, kSecMatchLimit: kSecMatchLimitAll, kSecReturnRef: True}


@pytest.mark.apple_source
def test_an_imported_identity_lives_in_the_file_keychain_and_a_plain_query_finds_it(mac, p12):
    """SecImportExport.c SecPKCS12Import: on macOS the decoded identity's key and certificate are imported
    into the file-based keychain; an identity query without kSecUseDataProtectionKeychain searches that
    keychain too (SecItemCategorizeQuery) and joins its certificate and key; a query for the data protection
    keychain alone does not see it."""
    status, items = mac.SecPKCS12Import(p12, {kSecImportExportPassphrase: PASSWORD})
    assert status == errSecSuccess
    assert {i.keychain for i in mac.all_items()} == {"file"}
    status, found = mac.SecItemCopyMatching(MAC_IDENTITIES)
    assert status == errSecSuccess and len(found) == 1
    assert SecIdentityCopyPrivateKey(found[0])[1] == SecIdentityCopyPrivateKey(items[0][kSecImportItemIdentity])[1]
    assert mac.SecItemCopyMatching(MAC_IDENTITIES | DP)[0] == errSecItemNotFound


@pytest.mark.apple_source
def test_importing_the_same_file_again_succeeds_and_adds_nothing(mac, p12):
    """Security-61901 SecIdentity.cpp SecIdentityImportToFileBackedKeychain: importPkcs12KeyToLegacyKeychain
    first looks the private key up by its public-key hash in the target keychain
    (copyPrivateKeyForPublicKeyDigest) and reuses it, and importPkcs12CertToLegacyKeychain turns the
    certificate's errSecDuplicateItem into success: a second import returns 0 and stores nothing more.
    (macOS 14 and earlier, Security-61040.1.3 and before, imported the whole file with
    SecKeychainItemImport and returned errSecDuplicateItem here, as `security import` still does.)"""
    assert mac.SecPKCS12Import(p12, {kSecImportExportPassphrase: PASSWORD})[0] == errSecSuccess
    before = mac.all_items()
    status, items = mac.SecPKCS12Import(p12, {kSecImportExportPassphrase: PASSWORD})
    assert status == errSecSuccess and len(items) == 1
    assert mac.all_items() == before
    assert len(mac.SecItemCopyMatching(MAC_IDENTITIES)[1]) == 1


@pytest.mark.apple_source
def test_the_returned_identity_uses_the_keychains_key(mac, p12):
    """SecImportExport.c importPkcs12IdentityToLegacyKeychain: the item's identity is replaced by one built
    around the key now in the file-based keychain (a CDSA key, which a later SecItemAdd sends there),
    with the label and key ID of the legacy import."""
    status, items = mac.SecPKCS12Import(p12, {kSecImportExportPassphrase: PASSWORD})
    assert status == errSecSuccess
    (item,) = items
    key = SecIdentityCopyPrivateKey(item[kSecImportItemIdentity])[1]
    assert item[kSecImportItemLabel] == "imported client"
    assert item[kSecImportItemKeyID] == SecKeyCopyAttributes(key)[kSecAttrApplicationLabel]
    label = SecKeyCopyAttributes(key)[kSecAttrApplicationLabel]
    assert mac.SecItemAdd({kSecClass: kSecClassKey, kSecValueRef: key, kSecAttrApplicationTag: b"again"})[0] == 0
    assert [i.keychain for i in mac.all_items() if i.get("klbl") == label] == ["file", "file"]
