"""SecKeyCopyKeyExchangeResult (ECDH, raw and X9.63 KDF) and SecKeyIsAlgorithmSupported for key exchange.

Sources: OSX/sec/Security/SecKey.m (SecKeyCopyKeyExchangeResult exports the peer's key first;
SecKeyRunAlgorithmAndCopyResult's "algorithm not supported by the key"), OSX/sec/Security/SecECKey.m
(SecECPrivateKeyCopyOperationResult: the raw ECDH; SecECPublicKeyCopyOperationResult: verify only),
OSX/sec/Security/SecKeyAdaptors.m (SecKeyECDHCopyX963Result), and the regression tests
OSX/sec/Security/Regressions/secitem/si-41-sececkey.c / OSX/libsecurity_keychain/regressions/
kc-41-sececkey.m testkeyexchange.
"""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.kdf.x963kdf import X963KDF

from keychainsim import Keychain
from keychainsim.constants import *
from keychainsim.crypto import (
    SecKeyCopyExternalRepresentation,
    SecKeyCopyKeyExchangeResult,
    SecKeyCopyPublicKey,
    SecKeyIsAlgorithmSupported,
)
from keychainsim.crypto.keyexchange import KEY_EXCHANGE_KDF_HASHES
from keychainsim.errors import NotModeledError

ALGORITHMS = [
    kSecKeyAlgorithmECDHKeyExchangeStandard,
    kSecKeyAlgorithmECDHKeyExchangeStandardX963SHA1,
    kSecKeyAlgorithmECDHKeyExchangeStandardX963SHA224,
    kSecKeyAlgorithmECDHKeyExchangeStandardX963SHA256,
    kSecKeyAlgorithmECDHKeyExchangeStandardX963SHA384,
    kSecKeyAlgorithmECDHKeyExchangeStandardX963SHA512,
    kSecKeyAlgorithmECDHKeyExchangeCofactor,
    kSecKeyAlgorithmECDHKeyExchangeCofactorX963SHA1,
    kSecKeyAlgorithmECDHKeyExchangeCofactorX963SHA224,
    kSecKeyAlgorithmECDHKeyExchangeCofactorX963SHA256,
    kSecKeyAlgorithmECDHKeyExchangeCofactorX963SHA384,
    kSecKeyAlgorithmECDHKeyExchangeCofactorX963SHA512,
]
RAW = (kSecKeyAlgorithmECDHKeyExchangeStandard, kSecKeyAlgorithmECDHKeyExchangeCofactor)


def _ec_key(bits: int = 256):
    from keychainsim.crypto.keys import CURVES_BY_SIZE, SecKey

    return SecKey._from_cryptography(ec.generate_private_key(CURVES_BY_SIZE[bits]))


def _raw_ecdh(private, public) -> bytes:
    """The shared secret computed outside the model, from the two keys' cryptography objects."""
    return private.cryptography_key().exchange(ec.ECDH(), public.public_key_object())


@pytest.mark.apple_test
@pytest.mark.parametrize("bits", [256, 384, 521])
def test_testkeyexchange_both_parties_agree_for_every_algorithm(bits):
    """si-41-sececkey.c testkeyexchange: for all twelve algorithms, with requestedSize 273 (the test's
    "strange size") and a shared info, both sides get equal data, 273 bytes for the KDF variants; the raw
    ones are one coordinate long (SecECKey.m: the size ccecdh_compute_shared_secret reports)."""
    alice, bob = _ec_key(bits), _ec_key(bits)
    params = {kSecKeyKeyExchangeParameterRequestedSize: 273, kSecKeyKeyExchangeParameterSharedInfo: b"sharedInput"}
    coordinate = (bits + 7) // 8
    results = {}
    for algorithm in ALGORITHMS:
        one, error = SecKeyCopyKeyExchangeResult(alice, algorithm, SecKeyCopyPublicKey(bob), params)
        assert error is None, (algorithm, error)
        two, error = SecKeyCopyKeyExchangeResult(bob, algorithm, SecKeyCopyPublicKey(alice), params)
        assert error is None and one == two, algorithm
        assert len(one) == (coordinate if algorithm in RAW else 273), algorithm
        results[algorithm] = one
    # NIST curves have cofactor 1: the cofactor variants give the standard bytes; the hashes differ.
    assert results[kSecKeyAlgorithmECDHKeyExchangeCofactor] == results[kSecKeyAlgorithmECDHKeyExchangeStandard]
    assert results[kSecKeyAlgorithmECDHKeyExchangeStandard] == _raw_ecdh(alice, bob)
    kdf_outputs = [results[a] for a in ALGORITHMS if a not in RAW and ":ECDH:" in a]
    assert len(set(kdf_outputs)) == 5


@pytest.mark.apple_source
def test_keys_from_a_keychain_derive_the_kdf_secret_computed_independently():
    """SecKeyAdaptors.m SecKeyECDHCopyX963Result: X9.63 KDF(SHA-256, raw ECDH secret, sharedInfo) of
    requestedSize bytes. One party's private key is stored by SecKeyCreateRandomKey and found again by
    its tag (kSecReturnRef); the other's is a key the keychain never saw. The expected bytes are computed
    here with cryptography's X963KDF over cryptography's ECDH, not through the model."""
    kc = Keychain()
    stored, error = kc.SecKeyCreateRandomKey(
        {
            kSecAttrKeyType: kSecAttrKeyTypeECSECPrimeRandom,
            kSecAttrKeySizeInBits: 256,
            kSecPrivateKeyAttrs: {kSecAttrIsPermanent: True, kSecAttrApplicationTag: b"com.example.ecdh"},
        }
    )
    assert error is None
    peer, error = kc.SecKeyCreateRandomKey(
        {kSecAttrKeyType: kSecAttrKeyTypeECSECPrimeRandom, kSecAttrKeySizeInBits: 256}
    )
    assert error is None
    status, found = kc.SecItemCopyMatching(
        {kSecClass: kSecClassKey, kSecAttrApplicationTag: b"com.example.ecdh", kSecReturnRef: True}
    )
    assert status == errSecSuccess and found is not stored
    params = {kSecKeyKeyExchangeParameterRequestedSize: 32, kSecKeyKeyExchangeParameterSharedInfo: b"com.example.v1"}
    algorithm = kSecKeyAlgorithmECDHKeyExchangeStandardX963SHA256
    mine, error = SecKeyCopyKeyExchangeResult(found, algorithm, SecKeyCopyPublicKey(peer), params)
    assert error is None
    theirs, error = SecKeyCopyKeyExchangeResult(peer, algorithm, SecKeyCopyPublicKey(found), params)
    assert error is None
    expected = X963KDF(algorithm=hashes.SHA256(), length=32, sharedinfo=b"com.example.v1").derive(
        _raw_ecdh(stored, peer)
    )
    assert mine == theirs == expected
    # Without shared info the KDF output is different bytes (the info is hashed into every block).
    plain, error = SecKeyCopyKeyExchangeResult(
        found, algorithm, SecKeyCopyPublicKey(peer), {kSecKeyKeyExchangeParameterRequestedSize: 32}
    )
    assert error is None and plain != expected
    assert plain == X963KDF(algorithm=hashes.SHA256(), length=32, sharedinfo=None).derive(_raw_ecdh(stored, peer))


@pytest.mark.apple_test
@pytest.mark.parametrize(
    ("params", "description"),
    [
        ({}, "kSecKeyKeyExchangeParameterRequestedSize is missing"),
        ({kSecKeyKeyExchangeParameterRequestedSize: "16"}, "kSecKeyKeyExchangeParameterRequestedSize is missing"),
        ({kSecKeyKeyExchangeParameterRequestedSize: True}, "kSecKeyKeyExchangeParameterRequestedSize is missing"),
        (
            {kSecKeyKeyExchangeParameterRequestedSize: 16, kSecKeyKeyExchangeParameterSharedInfo: "sharedInfo"},
            "ECDHKeyExchange wrong sharedInfo type (must be CFData/NSData)",
        ),
    ],
)
def test_kc41_improper_kdf_parameters_fail_with_errsecparam(params, description):
    """kc-41-sececkey.m testkeyexchange "Test proper failure modes": X963SHA1 with no parameters, with
    requestedSize as a string, and with sharedInfo as a string each return NULL; SecKeyAdaptors.m
    SecKeyECDHCopyX963Result says how: errSecParam (-50) with these messages. A CFBoolean is not a
    CFNumber (CFGetTypeID), so True is "missing" too."""
    alice, bob = _ec_key(), _ec_key()
    result, error = SecKeyCopyKeyExchangeResult(
        alice, kSecKeyAlgorithmECDHKeyExchangeStandardX963SHA1, SecKeyCopyPublicKey(bob), params
    )
    assert result is None
    assert (error.domain, error.code, error.description) == ("NSOSStatusErrorDomain", -50, description)


@pytest.mark.apple_source
def test_raw_variants_ignore_parameters():
    """SecECKey.m handles Standard/Cofactor itself and never reads the parameters (SecKey.h: "This
    algorithm does not accept any parameters"), so a sharedInfo of the wrong type is no error there."""
    alice, bob = _ec_key(), _ec_key()
    result, error = SecKeyCopyKeyExchangeResult(
        alice,
        kSecKeyAlgorithmECDHKeyExchangeStandard,
        SecKeyCopyPublicKey(bob),
        {kSecKeyKeyExchangeParameterSharedInfo: 7},
    )
    assert error is None and result == _raw_ecdh(alice, bob)


@pytest.mark.apple_source
def test_keys_that_cannot_exchange_are_not_supported_errors(make_key):
    """SecKey.m SecKeyRunAlgorithmAndCopyResult: no backend or adaptor of an RSA key, and no operation
    of an EC public key (SecECPublicKeyCopyOperationResult answers verify only), runs ECDH: -50
    "<the algorithm asked for>: algorithm not supported by the key <key>"."""
    peer = SecKeyCopyPublicKey(_ec_key())
    algorithm = kSecKeyAlgorithmECDHKeyExchangeStandardX963SHA256
    params = {kSecKeyKeyExchangeParameterRequestedSize: 32}
    for key in (make_key("RSA", 2048), SecKeyCopyPublicKey(_ec_key())):
        result, error = SecKeyCopyKeyExchangeResult(key, algorithm, peer, params)
        assert result is None and error.code == -50
        assert error.description.startswith(f"{algorithm}: algorithm not supported by the key")


@pytest.mark.apple_source
def test_peer_keys_that_are_not_a_point_on_the_curve_fail(make_key):
    """SecECKey.m: the peer's curve is chosen by the length of its external representation
    (getCPForPublicSize); an RSA public key's PKCS#1 bytes match no curve, and a private key's
    04‖X‖Y‖K (97 bytes for P-256) is read as a P-384 point that is not on the curve: both -50
    "ECpriv sharedsecret: bad public key". A peer on another curve is rejected by corecrypto's
    ccecdh_compute_shared_secret (ccec/src/ccecdh_compute_shared_secret.c: the private and public keys'
    curve parameters must be the same, else CCERR_INTERNAL, -1): errSecDecode (-26275)."""
    alice = _ec_key(256)
    for peer in (SecKeyCopyPublicKey(make_key("RSA", 2048)), _ec_key(256)):
        result, error = SecKeyCopyKeyExchangeResult(alice, kSecKeyAlgorithmECDHKeyExchangeStandard, peer, {})
        assert result is None and error.code == -50
        assert error.description.startswith("ECpriv sharedsecret: bad public key")
    other_curve = SecKeyCopyPublicKey(_ec_key(384))
    result, error = SecKeyCopyKeyExchangeResult(alice, kSecKeyAlgorithmECDHKeyExchangeStandard, other_curve, {})
    assert result is None and error.code == -26275
    assert error.description == "ECpriv failed to compute shared secret (err -1)"


@pytest.mark.apple_source
def test_peer_export_failure_is_the_error():
    """SecKey.m SecKeyCopyKeyExchangeResult copies the peer's external representation first: a Secure
    Enclave private key has none (-4, SecCTKKey.m), and that error is returned before any ECDH."""
    kc = Keychain()
    se_key, error = kc.SecKeyCreateRandomKey(
        {
            kSecAttrKeyType: kSecAttrKeyTypeECSECPrimeRandom,
            kSecAttrKeySizeInBits: 256,
            kSecAttrTokenID: kSecAttrTokenIDSecureEnclave,
        }
    )
    assert error is None
    expected = SecKeyCopyExternalRepresentation(se_key)[1]
    result, error = SecKeyCopyKeyExchangeResult(_ec_key(), kSecKeyAlgorithmECDHKeyExchangeStandard, se_key, {})
    assert result is None and error.code == -4 == expected.code


@pytest.mark.apple_test
@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_si41_supported_algos_for_key_exchange(make_key, algorithm):
    """SecKey.m SecKeyIsAlgorithmSupported runs the adaptor chain in check mode: an EC private key
    supports every ECDH algorithm (the X963 adaptor propagates the raw check, SecKeyECDHCopyX963Result);
    its public key does not (SecECPublicKeyCopyOperationResult), nor does an RSA key."""
    private = make_key("EC", 256)
    assert SecKeyIsAlgorithmSupported(private, kSecKeyOperationTypeKeyExchange, algorithm) is True
    assert SecKeyIsAlgorithmSupported(SecKeyCopyPublicKey(private), kSecKeyOperationTypeKeyExchange, algorithm) is False
    assert SecKeyIsAlgorithmSupported(make_key("RSA", 2048), kSecKeyOperationTypeKeyExchange, algorithm) is False
    # An ECDH algorithm is not a signature algorithm: the operation decides.
    assert SecKeyIsAlgorithmSupported(private, kSecKeyOperationTypeSign, algorithm) is False


@pytest.mark.model
def test_every_algorithm_constant_is_modelled_and_bad_sizes_are_named():
    """The table holds exactly the twelve SecKey.h constants; a requested size the model does not derive
    is a NotModeledError naming the parameter, and a non-key argument a TypeError naming it."""
    assert set(KEY_EXCHANGE_KDF_HASHES) == set(ALGORITHMS)
    alice, bob = _ec_key(), SecKeyCopyPublicKey(_ec_key())
    with pytest.raises(NotModeledError, match="requestedSize"):
        SecKeyCopyKeyExchangeResult(
            alice, kSecKeyAlgorithmECDHKeyExchangeStandardX963SHA256, bob, {kSecKeyKeyExchangeParameterRequestedSize: 0}
        )
    with pytest.raises(TypeError, match="publicKey"):
        SecKeyCopyKeyExchangeResult(alice, kSecKeyAlgorithmECDHKeyExchangeStandard, b"\x04", {})
