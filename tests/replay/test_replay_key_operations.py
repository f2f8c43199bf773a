"""Recording and replaying SecKey encryption, block size and key exchange (docs/recording.md's call table)."""

from __future__ import annotations

import base64

import pytest

from keychainsim import Keychain, SecKeyCopyPublicKey
from keychainsim.constants import *
from keychainsim.crypto import (
    SecKeyCopyKeyExchangeResult,
    SecKeyCreateDecryptedData,
    SecKeyCreateEncryptedData,
    SecKeyGetBlockSize,
)
from keychainsim.replay import read_recording, replay

from ._flows import last_call, lines, record, text_of

PLAINTEXT = b"attack at dawn"
SHARED_INFO = b"com.example.session"
RSA_TAG = b"com.example.rsa"


def key_operations(kc: Keychain) -> None:
    """RSA: block size, OAEP encrypt with the public key, decrypt with the private key found by tag.
    ECDH: two P-256 keys derive 32 bytes each way; a KDF call without requestedSize fails."""
    rsa, _ = kc.SecKeyCreateRandomKey(
        {
            kSecAttrKeyType: kSecAttrKeyTypeRSA,
            kSecAttrKeySizeInBits: 2048,
            kSecPrivateKeyAttrs: {kSecAttrIsPermanent: True, kSecAttrApplicationTag: RSA_TAG},
        }
    )
    public = SecKeyCopyPublicKey(rsa)
    SecKeyGetBlockSize(public)
    ciphertext, _ = SecKeyCreateEncryptedData(public, kSecKeyAlgorithmRSAEncryptionOAEPSHA256, PLAINTEXT)
    _, found = kc.SecItemCopyMatching({kSecClass: kSecClassKey, kSecAttrApplicationTag: RSA_TAG, kSecReturnRef: True})
    SecKeyCreateDecryptedData(found, kSecKeyAlgorithmRSAEncryptionOAEPSHA256, ciphertext)
    p256 = {kSecAttrKeyType: kSecAttrKeyTypeECSECPrimeRandom, kSecAttrKeySizeInBits: 256}
    alice, _ = kc.SecKeyCreateRandomKey(p256)
    bob, _ = kc.SecKeyCreateRandomKey(p256)
    params = {kSecKeyKeyExchangeParameterRequestedSize: 32, kSecKeyKeyExchangeParameterSharedInfo: SHARED_INFO}
    x963 = kSecKeyAlgorithmECDHKeyExchangeStandardX963SHA256
    SecKeyCopyKeyExchangeResult(alice, x963, SecKeyCopyPublicKey(bob), params)
    SecKeyCopyKeyExchangeResult(bob, x963, SecKeyCopyPublicKey(alice), params)
    SecKeyCopyKeyExchangeResult(alice, x963, SecKeyCopyPublicKey(bob), {})


@pytest.mark.apple_source
def test_key_operations_are_recorded_with_their_secrets_withheld_and_replay_the_same():
    """The recorder writes the four calls with protocol.md's argument names; the plaintext and the derived
    keys are secrets (withheld by default). The replay runs them through the engine session on new keys:
    the model's ciphertext stands in for the device's in the later decrypt, and every call agrees,
    including the KDF call that fails with errSecParam (SecKeyAdaptors.m SecKeyECDHCopyX963Result)."""
    text = record(key_operations)
    assert base64.b64encode(PLAINTEXT).decode() not in text
    recording = read_recording(text)
    calls = [c.call for c in recording.calls]
    for name in ("SecKeyGetBlockSize", "SecKeyCreateEncryptedData", "SecKeyCreateDecryptedData"):
        assert calls.count(name) == 1, calls
    assert calls.count("SecKeyCopyKeyExchangeResult") == 3
    block = next(c for c in recording.calls if c.call == "SecKeyGetBlockSize")
    assert block.result == {"int": 256}
    encrypt = next(c for c in recording.calls if c.call == "SecKeyCreateEncryptedData")
    assert encrypt.args["plaintext"] == {"secret": {"length": len(PLAINTEXT)}}
    assert len(base64.b64decode(encrypt.result["data"])) == 256
    decrypt = next(c for c in recording.calls if c.call == "SecKeyCreateDecryptedData")
    assert decrypt.args["ciphertext"] == encrypt.result and decrypt.result == {"secret": {"length": len(PLAINTEXT)}}
    exchanges = [c for c in recording.calls if c.call == "SecKeyCopyKeyExchangeResult"]
    assert [c.result for c in exchanges[:2]] == [{"secret": {"length": 32}}] * 2
    assert exchanges[0].args["parameters"]["dict"]["sharedInfo"] == {"data": base64.b64encode(SHARED_INFO).decode()}
    assert exchanges[2].result == {"null": True} and exchanges[2].error_code == -50

    report = replay(text)
    assert report.agrees, [(o.call.call, o.differences) for o in report.outcomes if o.verdict != "same"]
    assert {o.call.call: o.verdict for o in report.outcomes if o.call.call.startswith("SecKey")} == {
        "SecKeyCreateRandomKey": "same",
        "SecKeyCopyPublicKey": "same",
        "SecKeyGetBlockSize": "same",
        "SecKeyCreateEncryptedData": "same",
        "SecKeyCreateDecryptedData": "same",
        "SecKeyCopyKeyExchangeResult": "same",
    }


@pytest.mark.apple_source
def test_a_device_answer_the_model_does_not_give_is_a_divergence():
    """The replay compares these calls for real: a device block size of 128 for a 2048-bit key, or a key
    exchange the device says succeeded where the model needs requestedSize (-50), is a divergence."""
    parsed = lines(record(key_operations))
    last_call(parsed, "SecKeyGetBlockSize")["result"] = {"int": 128}
    failing = last_call(parsed, "SecKeyCopyKeyExchangeResult")
    failing.update(result={"secret": {"length": 32}}, error=None)
    report = replay(text_of(parsed))
    divergent = {o.call.call: o.differences for o in report.divergences}
    assert divergent["SecKeyGetBlockSize"] == ["result: device 128, model 256"]
    assert divergent["SecKeyCopyKeyExchangeResult"][0].startswith("error: device none, model errSecParam (-50)")
