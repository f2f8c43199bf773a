"""SecPKCS12Import (pure part): Apple's vectors and files made by the `openssl pkcs12` command line (§I)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from keychainsim.constants import *
from keychainsim.crypto import SecCertificateCreateWithData, SecIdentityCopyPrivateKey
from keychainsim.crypto.ca import TestCA
from keychainsim.crypto.csr import create_csr
from keychainsim.crypto.pem import der_to_pem
from keychainsim.crypto.pkcs12 import SecPKCS12Import

from .apple_vectors import SI_61_H, apple_bytes

OPENSSL = shutil.which("openssl") or "/usr/bin/openssl"

APPLE_FILES = [
    ("_user_one_p12", "user-one", "88F48CEB4446D46F4AD67440B989BA2D1ADE1ACE"),
    ("_user_two_p12", "user-two", "88F48CEB4446D46F4AD67440B989BA2D1ADE1ACE"),
    ("ECDSA_fails_import_p12", "test", "F8152D156B7D28E82388BFBAA23A3E9A03E6C689"),
    ("ec521_host_pfx", "test!123", "8A5EDEA4D66A01C8413C41A2B17E2D24BB6B247C"),
]


@pytest.mark.apple_test
@pytest.mark.parametrize(("name", "password", "hash_hex"), APPLE_FILES)
def test_apple_pkcs12_files(name: str, password: str, hash_hex: str) -> None:
    """OSX/sec/Security/Regressions/secitem/si-61-pkcs12.c (vectors in si-61-pkcs12.h): each file
    imports to exactly one identity (ECDSA_fails_import_p12: duplicated bags sharing a localKeyID still
    give one); pkhh = klbl = the §L hash; wrong and missing passphrases are errSecAuthFailed."""
    data = apple_bytes(SI_61_H, name)
    status, items = SecPKCS12Import(data, {kSecImportExportPassphrase: password})
    assert status == errSecSuccess and len(items) == 1
    identity = items[0][kSecImportItemIdentity]
    assert identity.certificate.public_key_hash.hex().upper() == hash_hex
    assert SecIdentityCopyPrivateKey(identity)[1].application_label.hex().upper() == hash_hex
    assert items[0][kSecImportItemCertChain][0] == identity.certificate
    assert kSecImportItemLabel not in items[0] and kSecImportItemKeyID not in items[0]
    assert SecPKCS12Import(data, {kSecImportExportPassphrase: "wrong"}) == (errSecAuthFailed, [])
    assert SecPKCS12Import(data, {}) == (errSecAuthFailed, [])
    assert SecPKCS12Import(data, None) == (-25293, [])


@pytest.mark.apple_test
def test_apple_cert_decode_error_file() -> None:
    """si-61-pkcs12.c `test_cert_decode_error`: `_cert_decode_error_p12` (password 1234) → errSecDecode;
    its certificate encodes the `critical` BOOLEAN as 0x01, which strict DER BOOLEAN parsing refuses."""
    data = apple_bytes(SI_61_H, "_cert_decode_error_p12")
    assert SecPKCS12Import(data, {kSecImportExportPassphrase: "1234"}) == (errSecDecode, [])


@pytest.mark.apple_source
@pytest.mark.parametrize("data", [b"", b"garbage", b"\x30\x03\x02\x01\x03", b"-----BEGIN PKCS12-----"])
def test_garbage_is_decode_error(data: bytes) -> None:
    """SecImportExport.c — SecPKCS12Import: p12_decodeErr → errSecDecode (-26275) (§I.4)."""
    assert SecPKCS12Import(data, {kSecImportExportPassphrase: "x"}) == (-26275, [])


@pytest.fixture(scope="module")
def enrolled(tmp_path_factory, make_key) -> dict[str, Path]:
    """An EC and an RSA identity issued by the test CA, written as PEM files for the openssl CLI."""
    directory = tmp_path_factory.mktemp("p12")
    ca = TestCA()
    (directory / "chain.pem").write_text(der_to_pem(ca.intermediate_der) + der_to_pem(ca.root_der))
    for kind, bits in (("EC", 256), ("RSA", 2048)):
        key = make_key(kind, bits)
        issued = ca.issue(create_csr(key, {"CN": f"p12-{kind}"}))
        (directory / f"{kind}.crt").write_text(issued.pem)
        (directory / f"{kind}.key").write_bytes(
            key.cryptography_key().private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
    return {"dir": directory}


def _export(enrolled, kind: str, *options: str, password: str = "s3cret") -> bytes:
    directory = enrolled["dir"]
    out = directory / f"{kind}-{abs(hash(options))}.p12"
    command = [OPENSSL, "pkcs12", "-export", "-inkey", str(directory / f"{kind}.key"), "-in",
               str(directory / f"{kind}.crt"), "-certfile", str(directory / "chain.pem"), "-name", "device",
               "-passout", f"pass:{password}", "-out", str(out), *options]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        if "unsupported" in result.stderr:
            pytest.skip(f"this openssl lacks the algorithms for {options}: {result.stderr.strip()[:120]}")
        pytest.fail(result.stderr)
    return out.read_bytes()


STYLES = {
    "modern-default": (),
    "legacy": ("-legacy",),
    "explicit-3des-rc2-sha1": ("-provider", "legacy", "-provider", "default", "-keypbe", "PBE-SHA1-3DES",
                               "-certpbe", "PBE-SHA1-RC2-40", "-macalg", "sha1"),
    "all-3des": ("-keypbe", "PBE-SHA1-3DES", "-certpbe", "PBE-SHA1-3DES", "-macalg", "sha1"),
    "aes-sha512-mac": ("-keypbe", "AES-256-CBC", "-certpbe", "AES-256-CBC", "-macalg", "sha512"),
}


@pytest.mark.apple_source
@pytest.mark.parametrize("kind", ["EC", "RSA"])
@pytest.mark.parametrize("style", list(STYLES))
def test_openssl_files_import(enrolled, make_key, kind: str, style: str) -> None:
    """p12import.c — p12VerifyMac (SHA-1/256/512 MACs), p12Decrypt (PKCS#12 PBE 3DES/RC2-40, PBES2
    PBKDF2-SHA256/AES-256-CBC), SecImportExport.c — build_trust_chains: one identity whose key is the
    enrolled key, chain leaf first; wrong/missing passphrase → -25293."""
    data = _export(enrolled, kind, *STYLES[style])
    status, items = SecPKCS12Import(data, {kSecImportExportPassphrase: "s3cret"})
    assert status == 0 and len(items) == 1
    identity = items[0][kSecImportItemIdentity]
    key = make_key(kind, 256 if kind == "EC" else 2048)
    assert identity.private_key == key
    assert identity.certificate.public_key_hash == key.application_label
    chain = items[0][kSecImportItemCertChain]
    assert chain[0].der == identity.certificate.der and len(chain) == 3
    assert chain[2].normalized_subject == chain[2].normalized_issuer
    assert kSecImportItemTrust not in items[0]
    assert SecPKCS12Import(data, {kSecImportExportPassphrase: "S3cret"})[0] == errSecAuthFailed
    assert SecPKCS12Import(data, {})[0] == errSecAuthFailed


@pytest.mark.apple_source
def test_macos_label_keyid_and_loose_certificates(enrolled, make_key) -> None:
    """SecImportExport.c `#if TARGET_OS_OSX` (certificates outside any chain come back in one extra
    dictionary) and the macOS legacy-keychain path's label/keyid (§I.2); absent with memory-only."""
    from keychainsim.crypto.ca import TestCA as OtherCA

    stray = OtherCA(organization="Stray").root_der
    (enrolled["dir"] / "stray.pem").write_text(der_to_pem(stray))
    data = _export(enrolled, "EC", "-certfile", str(enrolled["dir"] / "stray.pem"))
    status, items = SecPKCS12Import(data, {kSecImportExportPassphrase: "s3cret"}, platform="macos")
    assert status == 0 and len(items) == 2
    identity_item, loose = items
    assert identity_item[kSecImportItemLabel] == "p12-EC"
    assert identity_item[kSecImportItemKeyID] == make_key("EC", 256).application_label
    assert [c.der for c in loose[kSecImportItemCertChain]] == [stray] and kSecImportItemIdentity not in loose
    status, items = SecPKCS12Import(data, {kSecImportExportPassphrase: "s3cret", kSecImportToMemoryOnly: True},
                                    platform="macos")
    assert kSecImportItemLabel not in items[0]
    status, items = SecPKCS12Import(data, {kSecImportExportPassphrase: "s3cret"}, platform="ios")
    assert len(items) == 1


@pytest.mark.apple_source
def test_mac_less_file_is_decode_error(enrolled) -> None:
    """p12import.c — p12decode: a password MAC is required; `-nomac` files are errSecDecode."""
    data = _export(enrolled, "EC", "-nomac")
    assert SecPKCS12Import(data, {kSecImportExportPassphrase: "s3cret"}) == (errSecDecode, [])


@pytest.mark.apple_source
def test_mismatched_key_and_certificate_is_decode_error(make_key) -> None:
    """SecImportExport.c — build_trust_chains: SecIdentityCreate fails for a key that is not the
    certificate's (OS 26) → p12_decodeErr (§I.3)."""
    ca = TestCA()
    key, other = make_key("EC", 256), make_key("EC", 384)
    cert = SecCertificateCreateWithData(ca.issue(create_csr(key, {"CN": "x"})).der).cryptography_certificate()
    # Key bag and certificate bag share only the friendlyName "device": emit_item groups them together.
    named = pkcs12.PKCS12Certificate(cert, b"device")
    data = pkcs12.serialize_key_and_certificates(
        b"device", other.cryptography_key(), None, [named], serialization.BestAvailableEncryption(b"pw")
    )
    assert SecPKCS12Import(data, {kSecImportExportPassphrase: "pw"}) == (errSecDecode, [])
    data = pkcs12.serialize_key_and_certificates(
        b"device", key.cryptography_key(), None, [named], serialization.BestAvailableEncryption(b"pw")
    )
    status, items = SecPKCS12Import(data, {kSecImportExportPassphrase: "pw"})
    assert status == errSecSuccess and items[0][kSecImportItemIdentity].private_key == key
    good = pkcs12.serialize_key_and_certificates(
        b"device", key.cryptography_key(), cert, None, serialization.BestAvailableEncryption(b"pw")
    )
    assert SecPKCS12Import(good, {kSecImportExportPassphrase: "pw"})[0] == errSecSuccess
