"""keychainsim: Apple's keychain (SecItem) semantics, simulated in process and explained.

The public surface is listed in ``__all__``; names are imported on first use so that the command line
starts fast (``keychainsim --help`` must not load ``cryptography``).
"""

from __future__ import annotations

from keychainsim.lazy import lazy_face

__version__ = "0.1.0"

_LAZY: dict[str, str] = {
    "Keychain": "keychainsim.keychain",
    "OSStatus": "keychainsim.status",
    "CFError": "keychainsim.status",
    "KeychainSimError": "keychainsim.errors",
    "NotModeledError": "keychainsim.errors",
    "StorageError": "keychainsim.errors",
    "InputError": "keychainsim.errors",
    "ScenarioError": "keychainsim.errors",
    "SecKey": "keychainsim.crypto",
    "SecCertificate": "keychainsim.crypto",
    "SecIdentity": "keychainsim.crypto",
    "SecKeyCopyPublicKey": "keychainsim.crypto",
    "SecKeyCopyExternalRepresentation": "keychainsim.crypto",
    "SecKeyCreateWithData": "keychainsim.crypto",
    "SecKeyCopyAttributes": "keychainsim.crypto",
    "SecKeyCreateSignature": "keychainsim.crypto",
    "SecKeyVerifySignature": "keychainsim.crypto",
    "SecKeyIsAlgorithmSupported": "keychainsim.crypto",
    "SecKeyCreateEncryptedData": "keychainsim.crypto",
    "SecKeyCopyKeyExchangeResult": "keychainsim.crypto",
    "SecKeyCreateDecryptedData": "keychainsim.crypto",
    "SecKeyGetBlockSize": "keychainsim.crypto",
    "SecRandomCopyBytes": "keychainsim.crypto",
    "SecCertificateCreateWithData": "keychainsim.crypto",
    "SecCertificateCopyData": "keychainsim.crypto",
    "SecCertificateCopyKey": "keychainsim.crypto",
    "SecCertificateCopySubjectSummary": "keychainsim.crypto",
    "SecCertificateCopyCommonName": "keychainsim.crypto",
    "SecCertificateCopySerialNumberData": "keychainsim.crypto",
    "SecCertificateCopyEmailAddresses": "keychainsim.crypto",
    "SecCertificateCopyNormalizedIssuerSequence": "keychainsim.crypto",
    "SecCertificateCopyNormalizedSubjectSequence": "keychainsim.crypto",
    "SecCertificateCopyNotValidBeforeDate": "keychainsim.crypto",
    "SecCertificateCopyNotValidAfterDate": "keychainsim.crypto",
    "SecIdentityCopyCertificate": "keychainsim.crypto",
    "SecIdentityCopyPrivateKey": "keychainsim.crypto",
    "SecIdentityCreate": "keychainsim.crypto",
    "SecPKCS12Import": "keychainsim.crypto",
    "SecPolicy": "keychainsim.crypto",
    "SecPolicyCreateBasicX509": "keychainsim.crypto",
    "SecPolicyCreateSSL": "keychainsim.crypto",
    "SecTrust": "keychainsim.crypto",
    "SecTrustCopyCertificateChain": "keychainsim.crypto",
    "SecTrustCreateWithCertificates": "keychainsim.crypto",
    "SecTrustEvaluateWithError": "keychainsim.crypto",
    "SecTrustGetCertificateCount": "keychainsim.crypto",
    "SecTrustSetAnchorCertificates": "keychainsim.crypto",
    "SecTrustSetAnchorCertificatesOnly": "keychainsim.crypto",
    "SecTrustSetVerifyDate": "keychainsim.crypto",
    "SecAccessControl": "keychainsim.model.access_control",
    "SecAccessControlCreateWithFlags": "keychainsim.model.access_control",
}

__all__ = sorted([*_LAZY, "__version__"])


__getattr__, __dir__ = lazy_face(__name__, _LAZY, globals())
