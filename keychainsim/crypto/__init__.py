"""Keys, certificates, identities and PKCS#12 with Apple's semantics and real cryptography.

The layer under the SecItem engine (architecture.md): it knows how a SecKeyRef, SecCertificateRef or
SecIdentityRef looks to the keychain (the attributes it contributes, how it is rebuilt from a row) and
nothing about storage. It imports neither the engine nor any UI library.

Modules, one noun each: :mod:`~.keys` (SecKey), :mod:`~.signing` (signatures), :mod:`~.encryption`
(RSA encryption, block size, random bytes), :mod:`~.keyexchange` (ECDH),
:mod:`~.keygen` (SecKeyCreateRandomKey's rules), :mod:`~.hashes` (the klbl/pkhh hash), :mod:`~.names` (normalized
names), :mod:`~.certificates` (SecCertificate), :mod:`~.identity` (SecIdentity), :mod:`~.pem`,
:mod:`~.csr`, :mod:`~.ca` (a local test CA), :mod:`~.policy` (SecPolicy), :mod:`~.trust` (chain building),
:mod:`~.sectrust` (SecTrust), :mod:`~.pkcs12` (SecPKCS12Import), plus the internals
:mod:`~.der` and :mod:`~.secure_enclave`.
"""

from __future__ import annotations

from keychainsim.crypto.certificates import (
    SecCertificate,
    SecCertificateCopyCommonName,
    SecCertificateCopyData,
    SecCertificateCopyEmailAddresses,
    SecCertificateCopyKey,
    SecCertificateCopyNormalizedIssuerSequence,
    SecCertificateCopyNormalizedSubjectSequence,
    SecCertificateCopyNotValidAfterDate,
    SecCertificateCopyNotValidBeforeDate,
    SecCertificateCopySerialNumberData,
    SecCertificateCopySubjectSummary,
    SecCertificateCreateWithData,
    subject_summary,
)
from keychainsim.crypto.encryption import (
    SecKeyCreateDecryptedData,
    SecKeyCreateEncryptedData,
    SecKeyGetBlockSize,
    SecRandomCopyBytes,
)
from keychainsim.crypto.hashes import public_key_hash
from keychainsim.crypto.identity import (
    SecIdentity,
    SecIdentityCopyCertificate,
    SecIdentityCopyPrivateKey,
    SecIdentityCreate,
)
from keychainsim.crypto.keyexchange import SecKeyCopyKeyExchangeResult
from keychainsim.crypto.keygen import create_random_key
from keychainsim.crypto.keys import (
    SecKey,
    SecKeyCopyAttributes,
    SecKeyCopyExternalRepresentation,
    SecKeyCopyPublicKey,
    SecKeyCreateWithData,
)
from keychainsim.crypto.names import normalize_issuer
from keychainsim.crypto.pkcs12 import SecPKCS12Import
from keychainsim.crypto.policy import SecPolicy, SecPolicyCreateBasicX509, SecPolicyCreateSSL
from keychainsim.crypto.sectrust import (
    SecTrust,
    SecTrustCopyCertificateChain,
    SecTrustCreateWithCertificates,
    SecTrustEvaluateWithError,
    SecTrustGetCertificateCount,
    SecTrustSetAnchorCertificates,
    SecTrustSetAnchorCertificatesOnly,
    SecTrustSetVerifyDate,
)
from keychainsim.crypto.signing import (
    SecKeyCreateSignature,
    SecKeyIsAlgorithmSupported,
    SecKeyVerifySignature,
)

__all__ = [
    "SecCertificate",
    "SecCertificateCopyCommonName",
    "SecCertificateCopyData",
    "SecCertificateCopyEmailAddresses",
    "SecCertificateCopyKey",
    "SecCertificateCopyNormalizedIssuerSequence",
    "SecCertificateCopyNormalizedSubjectSequence",
    "SecCertificateCopyNotValidAfterDate",
    "SecCertificateCopyNotValidBeforeDate",
    "SecCertificateCopySerialNumberData",
    "SecCertificateCopySubjectSummary",
    "SecCertificateCreateWithData",
    "SecIdentity",
    "SecIdentityCopyCertificate",
    "SecIdentityCopyPrivateKey",
    "SecIdentityCreate",
    "SecKey",
    "SecKeyCopyAttributes",
    "SecKeyCopyExternalRepresentation",
    "SecKeyCopyKeyExchangeResult",
    "SecKeyCopyPublicKey",
    "SecKeyCreateDecryptedData",
    "SecKeyCreateEncryptedData",
    "SecKeyCreateSignature",
    "SecKeyCreateWithData",
    "SecKeyGetBlockSize",
    "SecKeyIsAlgorithmSupported",
    "SecKeyVerifySignature",
    "SecPKCS12Import",
    "SecPolicy",
    "SecPolicyCreateBasicX509",
    "SecPolicyCreateSSL",
    "SecRandomCopyBytes",
    "SecTrust",
    "SecTrustCopyCertificateChain",
    "SecTrustCreateWithCertificates",
    "SecTrustEvaluateWithError",
    "SecTrustGetCertificateCount",
    "SecTrustSetAnchorCertificates",
    "SecTrustSetAnchorCertificatesOnly",
    "SecTrustSetVerifyDate",
    "create_random_key",
    "normalize_issuer",
    "public_key_hash",
    "subject_summary",
]


def _trace_public_functions() -> None:
    """Report each public Sec* function to an active trace (``keychainsim.tracing``); the modules keep the
    plain functions, so the crypto layer's own internal calls are never steps."""
    from keychainsim.tracing import traced

    namespace = globals()
    for name in __all__:
        value = namespace[name]
        if name.startswith("Sec") and callable(value) and not isinstance(value, type):
            namespace[name] = traced(value)


_trace_public_functions()
