"""mtls_check(identity, url): prove an identity with a real TLS handshake, and say why it failed.

The client presents the identity's certificate, the intermediates the app received and the identity's
private key; it judges the server against the CA certificates the app received, as an app's trust
evaluation with those anchors would: the chain, validity, host name (or ``server_name``) and the
serverAuth usage (OpenSSL's client-side purpose check). Then it sends one GET and reads the answer,
because nginx with ``ssl_verify_client on`` completes the handshake and refuses a bad client certificate
with HTTP 400 "The SSL certificate error", where other servers send a TLS alert; both become
``mtls.client_certificate_rejected``, with the cause read from the alert or from nginx's answer.

The key and the chain reach OpenSSL through :func:`keychainsim.enroll.secrets.credential_files`:
anonymous memory files on Linux, else 0600 files in a private temporary directory removed afterwards.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from keychainsim.crypto.certificates import SecCertificate, SecCertificateCopyData
from keychainsim.crypto.identity import SecIdentity, SecIdentityCopyCertificate, SecIdentityCopyPrivateKey
from keychainsim.crypto.pem import der_to_pem
from keychainsim.enroll import inspect
from keychainsim.enroll.findings import Finding
from keychainsim.enroll.network import Target, check_url
from keychainsim.enroll.result import MTLSResult, Step
from keychainsim.enroll.secrets import credential_files
from keychainsim.enroll.transport import TransportError, client_context, exchange
from keychainsim.tracing import traced

_SecIdentityCopyCertificate = traced(SecIdentityCopyCertificate)
_SecIdentityCopyPrivateKey = traced(SecIdentityCopyPrivateKey)

VERIFY_HEADER = "x-client-verify"
"""The header the reference nginx adds with ``$ssl_client_verify`` (SUCCESS, FAILED:reason, NONE)."""

ALERT_CAUSES: dict[str, str] = {
    "TLSV1_ALERT_UNKNOWN_CA": "unknown_ca",
    "SSLV3_ALERT_CERTIFICATE_EXPIRED": "expired",
    "SSLV3_ALERT_UNSUPPORTED_CERTIFICATE": "no_client_auth",
    "TLSV13_ALERT_CERTIFICATE_REQUIRED": "no_certificate",
    "SSLV3_ALERT_HANDSHAKE_FAILURE": "other",
    "SSLV3_ALERT_BAD_CERTIFICATE": "other",
    "SSLV3_ALERT_CERTIFICATE_UNKNOWN": "other",
    "TLSV1_ALERT_ACCESS_DENIED": "other",
    "TLSV1_ALERT_DECRYPT_ERROR": "other",
}
"""TLS alerts a server sends about the client's certificate, and the cause each most likely means."""

ISSUER_REASONS = ("local issuer", "first certificate", "unknown ca", "unknown_ca", "self-signed")
"""Words of OpenSSL's verify messages meaning "no path to a trusted CA" (unknown CA, or intermediate missing)."""

CAUSE_ADVICE: dict[str, str] = {
    "unknown_ca": "the server does not trust the CA that issued the client certificate",
    "missing_intermediate": "the client did not send the intermediate, and the server trusts only the root: store "
    "the intermediate with the identity and present it",
    "expired": "the client certificate is outside its validity period",
    "no_client_auth": "the client certificate lacks the clientAuth extended key usage",
    "no_certificate": "no client certificate reached the server",
    "other": "the server refused the client certificate",
}


def mtls_check(
    identity: SecIdentity,
    url: str,
    *,
    ca_certificates: Iterable[SecCertificate | bytes],
    server_name: str | None = None,
    allow_remote: bool = False,
    timeout: float = 10.0,
    checked: Target | None = None,
) -> MTLSResult:
    """Open a TLS connection to ``url`` presenting ``identity``; report the outcome as findings.

    Args:
        identity: the SecIdentity (e.g. from the identity lookup after enrollment).
        url: the mTLS endpoint (``https``; loopback unless ``allow_remote``).
        ca_certificates: the CA certificates the app received (SecCertificate or DER): the anchors the
            server is judged against, and the intermediates presented with the client certificate.
        server_name: the host name to verify and send as SNI (default: the URL's host).
        allow_remote: permit a non-loopback endpoint (refused by default).
        timeout: seconds for the whole exchange.
        checked: what :func:`~keychainsim.enroll.network.check_url` already made of ``url`` (the command line
            checks the URL before it reads the keychain); the name is then not looked up again.

    Raises:
        InputError: a URL keychainsim must not connect to.
        TypeError: ``identity`` is not a SecIdentity.
    """
    target = checked or check_url(url, allow_remote=allow_remote)
    result = MTLSResult(url=url)
    _, certificate = _SecIdentityCopyCertificate(identity)
    _, private_key = _SecIdentityCopyPrivateKey(identity)
    cas = [c if isinstance(c, SecCertificate) else _certificate(c) for c in ca_certificates]
    intermediates = [c for c in cas if not _self_issued(c)]
    result.steps.append(
        Step(
            "SecIdentityCopyCertificate / SecIdentityCopyPrivateKey",
            True,
            f"{certificate!r}; presenting {len(intermediates)} intermediate(s)",
        )
    )
    key_pem = _private_key_pem(private_key)
    if key_pem is None:
        result.steps.append(Step("export key for TLS", False, repr(private_key)))
        result.findings.append(
            Finding(
                "mtls.identity_unusable",
                f"the identity's key {private_key!r} cannot be handed to the TLS library (not a private key)",
                {},
            )
        )
        return result
    chain_pem = "".join(der_to_pem(SecCertificateCopyData(c)) for c in [certificate, *intermediates]).encode()
    anchors = "".join(der_to_pem(SecCertificateCopyData(c)) for c in cas).encode()
    context = client_context(ca_pem=anchors)
    try:
        with credential_files(chain_pem, key_pem) as (certfile, keyfile):
            context.load_cert_chain(certfile, keyfile)
    except (OSError, ValueError) as error:  # ssl.SSLError is an OSError
        result.steps.append(Step("load identity into TLS", False, str(error)))
        result.findings.append(Finding("mtls.identity_unusable", f"OpenSSL refused the identity: {error}", {}))
        return result
    finally:
        del key_pem
    name = f"TLS handshake + GET {url}"
    try:
        answer = exchange("GET", url, target=target, context=context, timeout=timeout, server_name=server_name)
    except TransportError as error:
        result.steps.append(Step(name, False, error.reason))
        result.findings.append(_transport_finding(error, certificate, intermediates, server_name or url))
        return result
    result.http_status = answer.status_code
    result.body = answer.body[:4096]
    result.tls_version = answer.tls_version
    verify = answer.headers.get(VERIFY_HEADER)
    text = answer.body.decode("utf-8", errors="replace")
    detail = f"{answer.tls_version}, HTTP {answer.status_code}" + (f", client verify {verify}" if verify else "")
    if 200 <= answer.status_code < 300:
        result.accepted = True
        result.steps.append(Step(name, True, detail))
        result.findings.append(
            Finding(
                "mtls.accepted",
                f"handshake accepted ({answer.tls_version}); the server "
                f"answered HTTP {answer.status_code}: {text.strip()[:200]}",
                {"status": answer.status_code, "body": text[:1000], "client_verify": verify},
            )
        )
        return result
    result.steps.append(Step(name, False, detail))
    if _nginx_certificate_error(answer.status_code, text, verify):
        reason = verify.split(":", 1)[1] if verify and ":" in verify else (verify or _title(text))
        cause = _cause_from_reason(reason, certificate, intermediates)
        result.findings.append(
            Finding(
                "mtls.client_certificate_rejected",
                f"the server completed the handshake but refused the client certificate: HTTP {answer.status_code} "
                f"{_title(text)!r}, verification {reason!r}: {CAUSE_ADVICE[cause]}",
                {"status": answer.status_code, "body": text[:1000], "client_verify": verify, "cause": cause},
            )
        )
        return result
    result.findings.append(
        Finding(
            "mtls.http_error",
            f"the handshake completed; the server answered HTTP {answer.status_code}: {text.strip()[:300]}",
            {"status": answer.status_code, "body": text[:1000]},
        )
    )
    return result


def _certificate(der: bytes) -> SecCertificate:
    from keychainsim.crypto.certificates import SecCertificateCreateWithData

    certificate = SecCertificateCreateWithData(der)
    if certificate is None:
        raise TypeError("ca_certificates: an element is neither a SecCertificate nor DER certificate bytes")
    return certificate


def _self_issued(certificate: SecCertificate) -> bool:
    parsed = inspect.load(certificate.der)
    return parsed is not None and parsed.issuer == parsed.subject


def _private_key_pem(key: Any) -> bytes | None:
    """PKCS#8 PEM for OpenSSL. Tooling: a real device keeps the key in the keychain and signs through it."""
    from cryptography.hazmat.primitives import serialization

    if not getattr(key, "is_private", False):
        return None
    return key.cryptography_key().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _nginx_certificate_error(status: int, text: str, verify: str | None) -> bool:
    if verify is not None and verify != "SUCCESS":
        return True
    return status in (400, 495, 496) and ("SSL certificate" in text or "SSL certificate was sent" in text)


def _title(text: str) -> str:
    import re

    match = re.search(r"<center>([^<]*SSL[^<]*)</center>", text) or re.search(r"<title>([^<]*)</title>", text)
    return match.group(1).strip() if match else text.strip()[:120]


def _cause_from_reason(reason: str, certificate: SecCertificate, intermediates: list[SecCertificate]) -> str:
    lowered = reason.lower()
    if "expired" in lowered or "not yet valid" in lowered:
        return "expired"
    if "purpose" in lowered:
        return "no_client_auth"
    if any(s in lowered for s in ISSUER_REASONS):
        leaf = inspect.load(certificate.der)
        sent = [p for p in (inspect.load(c.der) for c in intermediates) if p is not None]
        if leaf is not None and not inspect.issuer_present(leaf, sent):
            return "missing_intermediate"
        return "unknown_ca"
    if reason == "NONE" or "no required ssl certificate" in lowered:
        return "no_certificate"
    return "other"


def _transport_finding(
    error: TransportError, certificate: SecCertificate, intermediates: list[SecCertificate], host: str
) -> Finding:
    if error.kind == "untrusted":
        return Finding(
            "mtls.server_untrusted",
            f"the app would not trust the server {host}: {error.reason} (judged "
            "against the CA certificates the app received)",
            {"reason": error.reason},
        )
    if error.kind == "tls" and error.reason in ALERT_CAUSES:
        cause = ALERT_CAUSES[error.reason]
        if cause == "unknown_ca":
            cause = _cause_from_reason("unknown ca", certificate, intermediates)
        return Finding(
            "mtls.client_certificate_rejected",
            f"the server refused the client certificate with TLS alert {error.reason}: {CAUSE_ADVICE[cause]}",
            {"alert": error.reason, "cause": cause},
        )
    return Finding(
        "mtls.connection_failed", f"no TLS connection: {error.reason}", {"reason": error.reason, "kind": error.kind}
    )
