"""The forum thread's enrollment flow in Python, recorded with a trace, for replay tests."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from keychainsim import Keychain, SecCertificateCreateWithData, SecKeyCopyExternalRepresentation, SecKeyCopyPublicKey
from keychainsim.constants import *
from keychainsim.crypto.ca import TestCA
from keychainsim.crypto.csr import create_csr
from keychainsim.probe import trace
from keychainsim.replay import recording_of

TAG = b"com.example.enrollment"
LABEL = "device-identity"


def key_parameters(permanent: bool = True) -> dict[str, Any]:
    private: dict[str, Any] = {kSecAttrApplicationTag: TAG}
    if permanent:
        private[kSecAttrIsPermanent] = True
    return {kSecAttrKeyType: kSecAttrKeyTypeECSECPrimeRandom, kSecAttrKeySizeInBits: 256, kSecPrivateKeyAttrs: private}


def enrollment(kc: Keychain, faults: tuple[str, ...] = (), permanent: bool = True) -> Any:
    """Key, public key export, CSR, certificate from the CA, SecItemAdd with a label, the CA certificates,
    a password round trip, then the identity lookup by label (kSecMatchLimitOne)."""
    key, _ = kc.SecKeyCreateRandomKey(key_parameters(permanent))
    SecKeyCopyExternalRepresentation(SecKeyCopyPublicKey(key))
    issued = TestCA().issue(create_csr(key, {"CN": "device-0001"}), faults=faults)
    certificate = SecCertificateCreateWithData(issued.der)
    kc.SecItemAdd({kSecClass: kSecClassCertificate, kSecValueRef: certificate, kSecAttrLabel: LABEL})
    for ca in issued.chain[1:]:
        kc.SecItemAdd({kSecClass: kSecClassCertificate, kSecValueRef: SecCertificateCreateWithData(ca)})
    kc.SecItemAdd({kSecClass: kSecClassGenericPassword, kSecAttrAccount: "token", kSecValueData: b"s3cret-token"})
    kc.SecItemCopyMatching({kSecClass: kSecClassGenericPassword, kSecAttrAccount: "token", kSecReturnData: True})
    return kc.SecItemCopyMatching(
        {kSecClass: kSecClassIdentity, kSecAttrLabel: LABEL, kSecReturnRef: True, kSecMatchLimit: kSecMatchLimitOne}
    )


def record(flow: Callable[[Keychain], Any], kc: Keychain | None = None, **options: Any) -> str:
    kc = kc or Keychain()
    with trace(kc) as recorded:
        flow(kc)
    return recording_of(recorded, **options)


def lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


def text_of(parsed: list[dict[str, Any]]) -> str:
    return "\n".join(json.dumps(line) for line in parsed) + "\n"


def last_call(parsed: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return next(line for line in reversed(parsed) if line.get("call") == name)
