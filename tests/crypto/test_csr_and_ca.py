"""CSR built through SecKeyCreateSignature (§J), and the local test CA with its faults (§J.3, §K)."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from cryptography.x509.oid import ExtendedKeyUsageOID

from keychainsim.crypto import SecCertificateCreateWithData, SecIdentityCreate, der, public_key_hash
from keychainsim.crypto.ca import Fault, TestCA
from keychainsim.crypto.csr import CSRError, create_csr
from keychainsim.crypto.keys import SecKey
from keychainsim.crypto.pem import der_to_pem, pem_to_der, split_pem_bundle
from keychainsim.errors import InputError

OPENSSL = shutil.which("openssl") or "/usr/bin/openssl"


@pytest.fixture(scope="module")
def ca() -> TestCA:
    return TestCA()


def _openssl_verify_csr(tmp_path, csr_der: bytes) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "req.pem"
    path.write_text(der_to_pem(csr_der, "CERTIFICATE REQUEST"))
    return subprocess.run([OPENSSL, "req", "-verify", "-noout", "-in", str(path)], capture_output=True, text=True)


@pytest.mark.apple_source
@pytest.mark.parametrize(("kind", "bits", "algorithm"), [("EC", 256, "ecdsa-with-SHA256"), ("EC", 384, "ecdsa-with-SHA384"),
                                                          ("EC", 521, "ecdsa-with-SHA512"), ("RSA", 2048, "sha256WithRSAEncryption")])
def test_csr_verifies_and_carries_the_device_key(make_key, tmp_path, kind: str, bits: int, algorithm: str) -> None:
    """[X: apple/swift-certificates — CertificatePrivateKey.swift defaultSignatureAlgorithm; §J.1]: default
    algorithms per key; the SPKI BIT STRING hashes to the key's klbl; cryptography and `openssl req
    -verify` accept the signature made by SecKeyCreateSignature."""
    key = make_key(kind, bits)
    csr_der = create_csr(key, {"CN": "device-42", "O": "Example"}, dns_names=["device-42.example"])
    csr = x509.load_der_x509_csr(csr_der)
    assert csr.is_signature_valid
    assert csr.signature_algorithm_oid._name == algorithm
    spki = der.read_single(
        csr.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    ).children()
    assert public_key_hash(spki[1].content[1:]) == key.application_label
    basic = csr.extensions.get_extension_for_class(x509.BasicConstraints)
    assert basic.critical and basic.value.ca is False
    assert csr.extensions.get_extension_for_class(x509.KeyUsage).value.digital_signature
    result = _openssl_verify_csr(tmp_path, csr_der)
    assert result.returncode == 0, result.stderr
    assert "verify OK" in (result.stdout + result.stderr)


@pytest.mark.apple_docs
def test_csr_with_secure_enclave_key(tmp_path) -> None:
    """https://developer.apple.com/documentation/security/ksecattrtokenidsecureenclave: SE keys sign;
    a CSR for one is built without the private scalar leaving SecKeyCreateSignature."""
    from cryptography.hazmat.primitives.asymmetric import ec

    key = SecKey._secure_enclave(ec.generate_private_key(ec.SECP256R1()))
    csr_der = create_csr(key, {"CN": "se"})
    assert x509.load_der_x509_csr(csr_der).is_signature_valid
    assert _openssl_verify_csr(tmp_path, csr_der).returncode == 0


@pytest.mark.apple_source
def test_csr_refuses_public_keys_and_unsupported_curves(make_key) -> None:
    """[X: swift-certificates SecKeyWrapper.swift]: only private keys, EC 256/384/521 or RSA."""
    from keychainsim.crypto import SecKeyCopyPublicKey

    with pytest.raises(CSRError, match="private"):
        create_csr(SecKeyCopyPublicKey(make_key("EC", 256)), {"CN": "x"})
    with pytest.raises(CSRError, match="224"):
        create_csr(make_key("EC", 224), {"CN": "x"})
    with pytest.raises(CSRError, match="does not fit"):
        create_csr(make_key("EC", 256), {"CN": "x"}, signature_algorithm="sha256WithRSAEncryption")


@pytest.mark.model
def test_ca_issues_a_pairing_client_certificate(ca: TestCA, make_key, tmp_path) -> None:
    """Our test CA: the leaf certifies the CSR key, has clientAuth, verifies up to the root with
    `openssl verify`, and forms an identity with the device key."""
    key = make_key("EC", 256)
    issued = ca.issue(create_csr(key, {"CN": "device-1"}))
    cert = SecCertificateCreateWithData(issued.der)
    assert cert.public_key_hash == key.application_label
    assert SecIdentityCreate(cert, key) is not None
    parsed = x509.load_der_x509_certificate(issued.der)
    assert ExtendedKeyUsageOID.CLIENT_AUTH in parsed.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert parsed.not_valid_before_utc <= ca.reference_time <= parsed.not_valid_after_utc
    assert issued.chain == (issued.der, ca.intermediate_der, ca.root_der)
    (tmp_path / "root.pem").write_text(der_to_pem(ca.root_der))
    (tmp_path / "inter.pem").write_text(der_to_pem(ca.intermediate_der))
    (tmp_path / "leaf.pem").write_text(issued.pem)
    result = subprocess.run(
        [OPENSSL, "verify", "-attime", str(int(ca.reference_time.timestamp())), "-CAfile", str(tmp_path / "root.pem"),
         "-untrusted", str(tmp_path / "inter.pem"), "-purpose", "sslclient", str(tmp_path / "leaf.pem")],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.model
def test_ca_faults(ca: TestCA, make_key) -> None:
    """Our test CA reproduces §J.3's server mistakes: another key, no clientAuth, expired, CA-first
    chain, PEM wrapped in text."""
    key = make_key("EC", 256)
    csr = create_csr(key, {"CN": "device-2"})

    other = ca.issue(csr, [Fault.OTHER_KEY])
    cert = SecCertificateCreateWithData(other.der)
    assert cert.public_key_hash != key.application_label and SecIdentityCreate(cert, key) is None
    assert other.server_private_key_der is not None

    no_client = x509.load_der_x509_certificate(ca.issue(csr, [Fault.NO_CLIENT_AUTH]).der)
    usages = no_client.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.CLIENT_AUTH not in usages

    expired = x509.load_der_x509_certificate(ca.issue(csr, [Fault.EXPIRED]).der)
    assert expired.not_valid_after_utc < ca.reference_time

    wrong = ca.issue(csr, [Fault.WRONG_ORDER])
    first = SecCertificateCreateWithData(split_pem_bundle(wrong.chain_pem).ders()[0])
    assert first.der == ca.intermediate_der and SecIdentityCreate(first, key) is None
    assert wrong.chain[-1] == wrong.der

    wrapped = ca.issue(csr, [Fault.PEM_EXTRA_TEXT])
    with pytest.raises(InputError, match="text outside"):
        pem_to_der(wrapped.pem)
    assert pem_to_der(wrapped.pem, allow_text_outside=True) == wrapped.der
    assert SecCertificateCreateWithData(wrapped.pem.encode()) is None


@pytest.mark.model
def test_ca_fixed_dates() -> None:
    """Our test CA: root/intermediate validity is fixed (reproducible fixtures, style-anchors rule 17)."""
    ca = TestCA(key_type="RSA")
    root = x509.load_der_x509_certificate(ca.root_der)
    assert root.not_valid_before_utc == datetime(2020, 1, 1, tzinfo=UTC)
    assert root.not_valid_after_utc == datetime(2045, 1, 1, tzinfo=UTC)
