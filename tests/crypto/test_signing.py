"""SecKeyCreateSignature / SecKeyVerifySignature / SecKeyIsAlgorithmSupported (§F)."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding

from keychainsim.constants import *
from keychainsim.crypto import (
    SecKeyCopyPublicKey,
    SecKeyCreateSignature,
    SecKeyCreateWithData,
    SecKeyIsAlgorithmSupported,
    SecKeyVerifySignature,
    der,
)

from .apple_vectors import SI_41, apple_bytes

RSA_ALGORITHMS = [
    kSecKeyAlgorithmRSASignatureRaw,
    kSecKeyAlgorithmRSASignatureDigestPKCS1v15SHA1,
    kSecKeyAlgorithmRSASignatureDigestPKCS1v15SHA224,
    kSecKeyAlgorithmRSASignatureDigestPKCS1v15SHA256,
    kSecKeyAlgorithmRSASignatureDigestPKCS1v15SHA384,
    kSecKeyAlgorithmRSASignatureDigestPKCS1v15SHA512,
    kSecKeyAlgorithmRSASignatureMessagePKCS1v15SHA1,
    kSecKeyAlgorithmRSASignatureMessagePKCS1v15SHA224,
    kSecKeyAlgorithmRSASignatureMessagePKCS1v15SHA256,
    kSecKeyAlgorithmRSASignatureMessagePKCS1v15SHA384,
    kSecKeyAlgorithmRSASignatureMessagePKCS1v15SHA512,
]
EC_ALGORITHMS = [
    kSecKeyAlgorithmECDSASignatureRFC4754,
    kSecKeyAlgorithmECDSASignatureDigestRFC4754,
    kSecKeyAlgorithmECDSASignatureDigestX962,
    kSecKeyAlgorithmECDSASignatureMessageX962SHA1,
    kSecKeyAlgorithmECDSASignatureMessageX962SHA224,
    kSecKeyAlgorithmECDSASignatureMessageX962SHA256,
    kSecKeyAlgorithmECDSASignatureMessageX962SHA384,
    kSecKeyAlgorithmECDSASignatureMessageX962SHA512,
]


def _flip_first(data: bytes) -> bytes:
    return bytes([data[0] ^ 0xFF]) + data[1:]


def _sign_verify_cycle(private, algorithm: str, incompatible: str, data: bytes) -> None:
    public = SecKeyCopyPublicKey(private)
    signature, error = SecKeyCreateSignature(public, algorithm, data)
    assert signature is None and error.code == -50, "signing with the public key must fail"
    signature, error = SecKeyCreateSignature(private, algorithm, data)
    assert error is None and signature
    ok, error = SecKeyVerifySignature(private, algorithm, data, signature)
    assert not ok and error is not None
    ok, error = SecKeyVerifySignature(public, incompatible, data, signature)
    assert not ok and error is not None
    assert SecKeyVerifySignature(public, algorithm, data, signature) == (True, None)
    ok, error = SecKeyVerifySignature(public, algorithm, data, _flip_first(signature))
    assert not ok and error.code == -67808
    ok, error = SecKeyVerifySignature(public, algorithm, _flip_first(data), signature)
    assert not ok and error.code == -67808


@pytest.mark.apple_test
@pytest.mark.parametrize("algorithm", RSA_ALGORITHMS)
def test_rsa_signverify(make_key, algorithm: str) -> None:
    """si-40-seckey.c `testsignverify` (768-bit): sign with the private key only, verify with the public
    key only, wrong algorithm / altered signature / altered data all fail."""
    private = make_key("RSA", 768)
    data = b"test"
    if ":digest-" in algorithm:
        data = hashlib.new(algorithm.rsplit(":", 1)[1].lower(), data).digest()
    incompatible = (
        kSecKeyAlgorithmRSASignatureDigestPKCS1v15SHA1
        if algorithm == kSecKeyAlgorithmRSASignatureRaw
        else kSecKeyAlgorithmRSASignatureRaw
    )
    _sign_verify_cycle(private, algorithm, incompatible, data)


@pytest.mark.apple_test
@pytest.mark.parametrize("index", range(len(EC_ALGORITHMS)))
def test_ecdsa_signverify(make_key, index: int) -> None:
    """si-41-sececkey.c `testsignverify` (P-192): raw-digest algorithms get SHA-256("test"), message
    algorithms the message; the verify-with-private-key case fails with -50."""
    algorithm = EC_ALGORITHMS[index]
    incompatible = kSecKeyAlgorithmECDSASignatureDigestX962 if index < 2 else kSecKeyAlgorithmECDSASignatureDigestRFC4754
    data = hashlib.sha256(b"test").digest() if index < 3 else b"test"
    private = make_key("EC", 192)
    _sign_verify_cycle(private, algorithm, incompatible, data)
    signature, _ = SecKeyCreateSignature(private, algorithm, data)
    assert SecKeyVerifySignature(private, algorithm, data, signature)[1].code == -50


@pytest.mark.apple_test
def test_signformat_fixed_p256_vectors() -> None:
    """si-41-sececkey.c `testsignformat`: Apple's fixed DER and raw signatures over a 24-byte digest
    verify with digest-X962 / digest-RFC4754; each fails in the other format; fresh ones round-trip."""
    sec1 = der.read_single(apple_bytes(SI_41, "EC_P256_KeyDER"), der.SEQUENCE).children()
    scalar = sec1[1].content
    point = der.read_element(sec1[2].content)[0].content[1:]  # [1] { BIT STRING }
    private, error = SecKeyCreateWithData(point + scalar, {kSecAttrKeyType: "73", kSecAttrKeyClass: "1"})
    assert error is None
    public = SecKeyCopyPublicKey(private)
    digest = b"012345678912345678901234"
    sig_der, sig_raw = apple_bytes(SI_41, "EC_P256_SigDER"), apple_bytes(SI_41, "EC_P256_SigRaw")
    assert SecKeyVerifySignature(public, kSecKeyAlgorithmECDSASignatureDigestX962, digest, sig_der) == (True, None)
    assert SecKeyVerifySignature(public, kSecKeyAlgorithmECDSASignatureDigestRFC4754, digest, sig_raw) == (True, None)
    assert SecKeyVerifySignature(public, kSecKeyAlgorithmECDSASignatureDigestRFC4754, digest, sig_der)[1].code == -67808
    assert SecKeyVerifySignature(public, kSecKeyAlgorithmECDSASignatureDigestX962, digest, sig_raw)[1].code == -67808
    for algorithm in (kSecKeyAlgorithmECDSASignatureDigestX962, kSecKeyAlgorithmECDSASignatureDigestRFC4754):
        signature, error = SecKeyCreateSignature(private, algorithm, digest)
        assert error is None
        assert SecKeyVerifySignature(public, algorithm, digest, signature) == (True, None)
    raw, _ = SecKeyCreateSignature(private, kSecKeyAlgorithmECDSASignatureDigestRFC4754, digest)
    assert len(raw) == 64


@pytest.mark.apple_test
def test_supported_algorithms_rsa(make_key) -> None:
    """si-40-seckey.c `testsupportedalgos`: the RSA private key supports sign and (via raw decrypt)
    verify; the public key verify only; ECDSA is not supported."""
    private = make_key("RSA", 768)
    public = SecKeyCopyPublicKey(private)
    for algorithm in RSA_ALGORITHMS:
        assert SecKeyIsAlgorithmSupported(private, kSecKeyOperationTypeSign, algorithm)
        assert SecKeyIsAlgorithmSupported(public, kSecKeyOperationTypeVerify, algorithm)
        assert SecKeyIsAlgorithmSupported(private, kSecKeyOperationTypeVerify, algorithm)
        assert not SecKeyIsAlgorithmSupported(public, kSecKeyOperationTypeSign, algorithm)
    assert not SecKeyIsAlgorithmSupported(private, kSecKeyOperationTypeSign, kSecKeyAlgorithmECDSASignatureDigestX962)
    assert not SecKeyIsAlgorithmSupported(private, kSecKeyOperationTypeVerify, kSecKeyAlgorithmECDSASignatureDigestX962)


@pytest.mark.apple_test
def test_supported_algorithms_ec(make_key) -> None:
    """si-41-sececkey.c `testsupportedalgos`: EC private keys sign only, public keys verify only."""
    from keychainsim.crypto.signing import ALGORITHMS

    private = make_key("EC", 192)
    public = SecKeyCopyPublicKey(private)
    ecdsa = [name for name, spec in ALGORITHMS.items() if spec.family == "ECDSA"]
    assert len(ecdsa) == 23
    for algorithm in ecdsa:
        assert SecKeyIsAlgorithmSupported(private, kSecKeyOperationTypeSign, algorithm)
        assert SecKeyIsAlgorithmSupported(public, kSecKeyOperationTypeVerify, algorithm)
        assert not SecKeyIsAlgorithmSupported(private, kSecKeyOperationTypeVerify, algorithm)
        assert not SecKeyIsAlgorithmSupported(public, kSecKeyOperationTypeSign, algorithm)


@pytest.mark.apple_source
def test_digest_size_and_pss_modulus_checks(make_key) -> None:
    """SecKeyAdaptors.m — SecKeyCopyECDSASignatureForDigest ("bad digest size", -50) and
    SecKeyRSACopyEMSASignature (PSS needs 2·8·hLen+9 modulus bits, -50)."""
    ec_key, rsa_small = make_key("EC", 256), make_key("RSA", 768)
    signature, error = SecKeyCreateSignature(ec_key, kSecKeyAlgorithmECDSASignatureDigestX962SHA256, b"x" * 31)
    assert signature is None and error.code == -50 and "bad digest size" in error.description
    signature, error = SecKeyCreateSignature(rsa_small, kSecKeyAlgorithmRSASignatureMessagePSSSHA512, b"data")
    assert signature is None and error.code == -50 and "incompatible" in error.description
    signature, error = SecKeyCreateSignature(ec_key, kSecKeyAlgorithmRSASignatureMessagePKCS1v15SHA256, b"data")
    assert signature is None and error.code == -50 and "not supported by the key" in error.description
    signature, error = SecKeyCreateSignature(ec_key, "algid:sign:ECDSA:bogus", b"data")
    assert signature is None and error.code == -50


@pytest.mark.apple_source
@pytest.mark.parametrize(
    "algorithm",
    [kSecKeyAlgorithmRSASignatureMessagePSSSHA256, kSecKeyAlgorithmRSASignatureMessagePSSSHA384,
     kSecKeyAlgorithmRSASignatureMessagePSSSHA512, kSecKeyAlgorithmRSASignatureMessagePKCS1v15SHA256],
)
def test_rsa_signatures_interoperate_with_cryptography(make_key, algorithm: str) -> None:
    """SecKeyAdaptors.m: PSS uses MGF1 with the message hash and salt = hash length; PKCS#1 v1.5 the
    standard DigestInfo. A standard verifier (cryptography) accepts our signatures."""
    key = make_key("RSA", 2048)
    signature, error = SecKeyCreateSignature(key, algorithm, b"interop")
    assert error is None
    h = {"SHA256": hashes.SHA256(), "SHA384": hashes.SHA384(), "SHA512": hashes.SHA512()}[
        algorithm.split(":")[4] if "PSS" in algorithm else "SHA256"
    ]
    pad = padding.PSS(padding.MGF1(h), h.digest_size) if "PSS" in algorithm else padding.PKCS1v15()
    key.public_key_object().verify(signature, b"interop", pad, h)


@pytest.mark.apple_source
def test_ecdsa_x962_interoperates_with_cryptography(make_key) -> None:
    """SecECKey.m: X9.62 signatures are DER SEQUENCE{r, s}, verifiable by any ECDSA implementation."""
    key = make_key("EC", 384)
    signature, error = SecKeyCreateSignature(key, kSecKeyAlgorithmECDSASignatureMessageX962SHA384, b"interop")
    assert error is None
    key.public_key_object().verify(signature, b"interop", ec.ECDSA(hashes.SHA384()))
