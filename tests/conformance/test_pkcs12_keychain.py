"""SecPKCS12Import on a keychain: what each platform adds (keys reference §I.1, si-61-pkcs12.c)."""

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
