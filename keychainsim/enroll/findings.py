"""Outcome codes of an enrollment or an mTLS check, and the finding that carries one.

An enrollment fails for reasons the keychain never sees (an HTTP 500, a body that is not PEM, a TLS
alert), so these codes live beside explain's rather than in its table; where the keychain does decide
(the identity lookup), the finding carries explain's own findings in :attr:`Finding.explained`, so the
two explanations can never disagree. The table in :mod:`keychainsim.enroll`'s docstring lists the same
codes; a test keeps them equal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ERROR = "error"
WARNING = "warning"
INFO = "info"

CODES: dict[str, tuple[str, str]] = {
    # code: (severity, meaning)
    "enroll.identity_formed": (INFO, "the certificate was imported and the identity lookup returned it"),
    "enroll.key_creation_failed": (ERROR, "SecKeyCreateRandomKey failed with the given parameters"),
    "enroll.csr_failed": (ERROR, "the CSR could not be built from the key (unsupported key, bad subject)"),
    "enroll.token_missing": (ERROR, "the template names a bearer-token environment variable that is not set"),
    "enroll.connection_failed": (ERROR, "the registration endpoint could not be reached (refused, timed out)"),
    "enroll.server_untrusted": (
        ERROR,
        "the registration server's TLS certificate does not verify against the CA file given",
    ),
    "enroll.http_error": (ERROR, "the registration server answered with an HTTP error status (body shown)"),
    "enroll.unparsable_response": (ERROR, "the response body holds no certificate the app can decode"),
    "enroll.text_outside_pem": (ERROR, "the PEM response has text around its blocks, which a strict decoder refuses"),
    "enroll.chain_out_of_order": (ERROR, "the first certificate of the response is a CA, not the leaf"),
    "enroll.missing_intermediate": (ERROR, "the response's chain lacks the certificate that issued the leaf"),
    "enroll.certificate_for_other_key": (ERROR, "the server certified a public key that is not the device key's"),
    "enroll.certificate_expired": (ERROR, "the issued certificate is outside its validity period now"),
    "enroll.no_client_auth": (ERROR, "the issued certificate lacks the clientAuth extended key usage"),
    "enroll.certificate_rejected": (ERROR, "SecCertificateCreateWithData returned NULL for a certificate's DER"),
    "enroll.add_failed": (ERROR, "SecItemAdd of the leaf certificate failed"),
    "enroll.identity_not_found": (ERROR, "the identity lookup after the import did not return an identity"),
    "enroll.stale_identity": (ERROR, "the identity lookup returned an older identity, not the one just enrolled"),
    "enroll.identity_key_is_public": (
        ERROR,
        "the identity lookup succeeded, but the identity it returned holds the public key, which cannot sign",
    ),
    "mtls.accepted": (INFO, "the TLS handshake completed and the server accepted the client certificate"),
    "mtls.client_certificate_rejected": (ERROR, "the server rejected the client certificate (TLS alert or HTTP 400)"),
    "mtls.server_untrusted": (
        ERROR,
        "the app would not trust the server: chain, validity, host name or serverAuth usage",
    ),
    "mtls.connection_failed": (ERROR, "no TLS connection could be opened (refused, timed out, protocol error)"),
    "mtls.http_error": (ERROR, "the handshake completed but the server answered with an HTTP error status"),
    "mtls.identity_unusable": (ERROR, "the identity's key or certificate cannot be handed to the TLS library"),
}
"""Every code an enrollment or mTLS check can report, with its severity and meaning."""


@dataclass(frozen=True)
class Finding:
    """One outcome: its stable code, the sentence to act on, and the evidence it was derived from.

    Attributes:
        code: a key of :data:`CODES`.
        message: what happened and what to do, built from the evidence.
        evidence: the data behind the message (hashes, status codes, the body the server sent, ...).
        explained: explain's findings for the keychain side (``identity.*``), when the keychain decided.
    """

    code: str
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)
    explained: tuple[Any, ...] = ()

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"unknown finding code {self.code!r}")

    @property
    def severity(self) -> str:
        return CODES[self.code][0]

    @property
    def meaning(self) -> str:
        return CODES[self.code][1]

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "evidence": _jsonable(self.evidence),
            "explained": [f.to_dict() if hasattr(f, "to_dict") else str(f) for f in self.explained],
        }

    def __str__(self) -> str:
        lines = [f"[{self.code}] {self.message}"]
        lines += [f"    [{f.code}] {f.message}" for f in self.explained]
        return "\n".join(lines)

    def __rich_repr__(self) -> Any:
        yield "code", self.code
        yield "message", self.message


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, bytes | bytearray):
        return {"hex": bytes(value).hex()}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)
