"""SecKeyCreateEncryptedData / SecKeyCreateDecryptedData / SecKeyGetBlockSize / SecRandomCopyBytes (RSA).

Sources: OSX/sec/Security/SecKeyAdaptors.m (SecKeyRSACopyEncryptedWithPadding /
SecKeyRSACopyDecryptedWithPadding: minimum sizes and -50 errors), OSX/sec/Security/SecRSAKey.c (the
public key performs the raw operation for encrypt and decrypt, the private key for decrypt only),
OSX/sec/Security/Regressions/secitem/si-40-seckey.c testsupportedalgos.
"""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from keychainsim import Keychain
from keychainsim.constants import *
from keychainsim.crypto import (
    SecKeyCopyPublicKey,
    SecKeyCreateDecryptedData,
    SecKeyCreateEncryptedData,
    SecKeyGetBlockSize,
    SecKeyIsAlgorithmSupported,
    SecRandomCopyBytes,
)
from keychainsim.errors import NotModeledError

OAEP = {
    kSecKeyAlgorithmRSAEncryptionOAEPSHA1: hashes.SHA1,
    kSecKeyAlgorithmRSAEncryptionOAEPSHA224: hashes.SHA224,
    kSecKeyAlgorithmRSAEncryptionOAEPSHA256: hashes.SHA256,
    kSecKeyAlgorithmRSAEncryptionOAEPSHA384: hashes.SHA384,
    kSecKeyAlgorithmRSAEncryptionOAEPSHA512: hashes.SHA512,
}
ALL = [kSecKeyAlgorithmRSAEncryptionPKCS1, *OAEP]


@pytest.mark.apple_test
@pytest.mark.parametrize("algorithm", ALL[:4])
def test_si40_supported_algos_for_encrypt_and_decrypt(make_key, algorithm):
    """si-40-seckey.c testsupportedalgos: the private key supports decrypt, not encrypt; the public key
    supports encrypt AND decrypt (its raw public operation, SecRSAKey.c)."""
    private = make_key("RSA", 2048)
    public = SecKeyCopyPublicKey(private)
    assert SecKeyIsAlgorithmSupported(private, kSecKeyOperationTypeDecrypt, algorithm) is True
    assert SecKeyIsAlgorithmSupported(public, kSecKeyOperationTypeEncrypt, algorithm) is True
    assert SecKeyIsAlgorithmSupported(private, kSecKeyOperationTypeEncrypt, algorithm) is False
    assert SecKeyIsAlgorithmSupported(public, kSecKeyOperationTypeDecrypt, algorithm) is True
    assert SecKeyIsAlgorithmSupported(make_key("EC", 256), kSecKeyOperationTypeDecrypt, algorithm) is False


@pytest.mark.apple_source
def test_oaep_needs_two_hashes_plus_two_bytes_of_modulus(make_key):
    """SecKeyAdaptors.m SecKeyRSACopyEncryptedWithPadding: minSize = 2·hLen+2, else the key does not
    support the algorithm: a 1024-bit (128-byte) key fits OAEP-SHA384 (98) but not OAEP-SHA512 (130)."""
    public = SecKeyCopyPublicKey(make_key("RSA", 1024))
    assert SecKeyIsAlgorithmSupported(public, kSecKeyOperationTypeEncrypt, kSecKeyAlgorithmRSAEncryptionOAEPSHA384)
    assert not SecKeyIsAlgorithmSupported(public, kSecKeyOperationTypeEncrypt, kSecKeyAlgorithmRSAEncryptionOAEPSHA512)
    data, error = SecKeyCreateEncryptedData(public, kSecKeyAlgorithmRSAEncryptionOAEPSHA512, b"x")
    assert data is None and error.code == -50 and "not supported by the key" in error.description


@pytest.mark.apple_source
@pytest.mark.parametrize("algorithm", ALL)
def test_round_trip_through_a_keychain_stored_key(algorithm):
    """SecKeyAdaptors.m: encrypt with the public key, decrypt with the private key copied back from the
    keychain by tag (kSecReturnRef), the way an app does; the ciphertext is one modulus long."""
    kc = Keychain()
    private, error = kc.SecKeyCreateRandomKey(
        {
            kSecAttrKeyType: kSecAttrKeyTypeRSA,
            kSecAttrKeySizeInBits: 2048,
            kSecPrivateKeyAttrs: {kSecAttrIsPermanent: True, kSecAttrApplicationTag: b"com.example.enc"},
        }
    )
    assert error is None
    ciphertext, error = SecKeyCreateEncryptedData(SecKeyCopyPublicKey(private), algorithm, b"secret message")
    assert error is None and len(ciphertext) == 256 == SecKeyGetBlockSize(private)
    status, found = kc.SecItemCopyMatching(
        {kSecClass: kSecClassKey, kSecAttrApplicationTag: b"com.example.enc", kSecReturnRef: True}
    )
    assert status == errSecSuccess
    plaintext, error = SecKeyCreateDecryptedData(found, algorithm, ciphertext)
    assert error is None and plaintext == b"secret message"


@pytest.mark.inferred
@pytest.mark.parametrize("algorithm", list(OAEP))
def test_interoperates_with_standard_rsa_oaep(make_key, algorithm):
    """RFC 8017 RSAES-OAEP with MGF1 over the same hash and an empty label (ccrsa_oaep_encode, as
    SecKeyAdaptors.m calls it): cryptography's ciphertext decrypts here, and ours decrypts there."""
    private = make_key("RSA", 2048)
    hash_type = OAEP[algorithm]
    scheme = padding.OAEP(mgf=padding.MGF1(hash_type()), algorithm=hash_type(), label=None)
    theirs = private.cryptography_key().public_key().encrypt(b"from cryptography", scheme)
    assert SecKeyCreateDecryptedData(private, algorithm, theirs) == (b"from cryptography", None)
    ours, error = SecKeyCreateEncryptedData(SecKeyCopyPublicKey(private), algorithm, b"from keychainsim")
    assert error is None
    assert private.cryptography_key().decrypt(ours, scheme) == b"from keychainsim"


@pytest.mark.inferred
def test_pkcs1_interoperates_with_standard_rsaes_pkcs1_v1_5(make_key):
    """RFC 8017 RSAES-PKCS1-v1_5 (ccrsa_eme_pkcs1v15_encode in SecKeyAdaptors.m), both directions."""
    private = make_key("RSA", 2048)
    theirs = private.cryptography_key().public_key().encrypt(b"v1.5", padding.PKCS1v15())
    assert SecKeyCreateDecryptedData(private, kSecKeyAlgorithmRSAEncryptionPKCS1, theirs) == (b"v1.5", None)
    ours, _ = SecKeyCreateEncryptedData(SecKeyCopyPublicKey(private), kSecKeyAlgorithmRSAEncryptionPKCS1, b"back")
    assert private.cryptography_key().decrypt(ours, padding.PKCS1v15()) == b"back"


@pytest.mark.apple_source
def test_errors_are_errsecparam(make_key):
    """SecKeyAdaptors.m / SecKey.m: a private key cannot encrypt ("algorithm not supported by the key"),
    a plaintext longer than k-2·hLen-2 is "RSAencrypt wrong input size", a tampered ciphertext and a
    public-key decrypt are "RSAdecrypt wrong input", an EC key has no RSA adaptor: all -50 in
    NSOSStatusErrorDomain."""
    private = make_key("RSA", 2048)
    public = SecKeyCopyPublicKey(private)
    algorithm = kSecKeyAlgorithmRSAEncryptionOAEPSHA256
    cases = [
        SecKeyCreateEncryptedData(private, algorithm, b"x"),
        SecKeyCreateEncryptedData(public, algorithm, b"x" * (256 - 2 * 32 - 1)),
        SecKeyCreateEncryptedData(make_key("EC", 256), algorithm, b"x"),
    ]
    ciphertext, _ = SecKeyCreateEncryptedData(public, algorithm, b"x" * (256 - 2 * 32 - 2))
    tampered = ciphertext[:-1] + bytes([ciphertext[-1] ^ 1])
    cases += [
        SecKeyCreateDecryptedData(private, algorithm, tampered),
        SecKeyCreateDecryptedData(public, algorithm, ciphertext),
    ]
    for data, error in cases:
        assert data is None
        assert (error.domain, error.code) == ("NSOSStatusErrorDomain", -50)
    assert "wrong input size" in cases[1][1].description
    assert "RSAdecrypt wrong input" in cases[3][1].description and "RSAdecrypt wrong input" in cases[4][1].description


@pytest.mark.model
def test_ecies_is_reported_as_not_modelled(make_key):
    """ECIES is not modelled: saying so beats a wrong answer."""
    public = SecKeyCopyPublicKey(make_key("EC", 256))
    with pytest.raises(NotModeledError):
        SecKeyCreateEncryptedData(public, "algid:encrypt:ECIES:ECDHE:SHA256:AES-GCM", b"x")


@pytest.mark.apple_source
def test_block_size_is_modulus_or_coordinate_bytes(make_key):
    """SecRSAKey.c SecRSAPublicKeyBlockSize (ccrsa_block_size: modulus bytes) and SecECKey.m
    SecECPublicKeyBlockSize / SecECPrivateKeyBlockSize (ccec_ctx_size: coordinate bytes, 66 for P-521)."""
    assert SecKeyGetBlockSize(make_key("RSA", 1024)) == 128
    assert SecKeyGetBlockSize(SecKeyCopyPublicKey(make_key("RSA", 2048))) == 256
    assert SecKeyGetBlockSize(make_key("EC", 256)) == 32
    assert SecKeyGetBlockSize(SecKeyCopyPublicKey(make_key("EC", 521))) == 66


@pytest.mark.apple_docs
def test_random_copy_bytes_returns_zero_and_fresh_bytes():
    """SecRandomCopyBytes (developer.apple.com/documentation/security/secrandomcopybytes): errSecSuccess
    with count random bytes from kSecRandomDefault (a NULL SecRandomRef, None here); two draws differ."""
    status, first = SecRandomCopyBytes(None, 32)
    assert status == 0 and len(first) == 32
    assert SecRandomCopyBytes(None, 32)[1] != first
    with pytest.raises(ValueError, match="count"):
        SecRandomCopyBytes(None, -1)


@pytest.mark.apple_test
def test_si50_an_unknown_generator_means_the_default_one():
    """si-50-secrandom.c: SecRandomCopyBytes with a SecRandomRef that is not kSecRandomDefault still succeeds
    ("ignore random implementation specifier"; SecRandom.h: an unrecognized rnd uses kSecRandomDefault)."""
    status, data = SecRandomCopyBytes(object(), 42)
    assert status == 0 and len(data) == 42 and data != SecRandomCopyBytes(None, 42)[1]
