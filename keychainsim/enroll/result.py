"""What an enrollment and an mTLS check return: the outcome, the findings, the steps taken.

Both results are data first (style-anchors rule 7): ``ok`` and ``exit_code`` derive from the findings,
``to_dict()`` feeds ``--json``, ``str()`` is what a person reads. Key material never appears in either:
keys show as their type, size and ``klbl``, certificates as subject and ``pkhh``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from keychainsim.enroll.findings import Finding

EXIT_OK = 0
EXIT_FAILED = 1


@dataclass(frozen=True)
class Step:
    """One step of the flow: the call (a Sec* name, or the HTTP exchange), whether it worked, and what it gave."""

    name: str
    ok: bool
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "detail": self.detail}

    def __str__(self) -> str:
        return f"{'ok ' if self.ok else 'FAIL'} {self.name}" + (f": {self.detail}" if self.detail else "")


@dataclass
class _Outcome:
    findings: list[Finding] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No error finding."""
        return not any(f.is_error for f in self.findings)

    @property
    def exit_code(self) -> int:
        """0 when ``ok``, else 1 (the command line's "failed expectation")."""
        return EXIT_OK if self.ok else EXIT_FAILED

    @property
    def codes(self) -> list[str]:
        return [f.code for f in self.findings]

    def finding(self, code: str) -> Finding | None:
        """The first finding with ``code``."""
        return next((f for f in self.findings if f.code == code), None)


@dataclass
class EnrollmentResult(_Outcome):
    """The outcome of :func:`keychainsim.enroll.enroll`.

    Attributes:
        url: the registration endpoint.
        label: the identity's label (kSecAttrLabel of the leaf certificate).
        identity: the SecIdentity the lookup returned (None when it failed).
        private_key: the key SecKeyCreateRandomKey made.
        certificate: the certificate the app took as its leaf (the first of the response).
        ca_certificates: the other certificates the server sent (intermediate, root), in its order: what
            :func:`keychainsim.enroll.mtls_check` judges the server against and presents as the chain.
        csr_der: the CSR sent.
        http_status: the registration server's HTTP status (None without an answer).
        response_body: the body the server sent (capped), shown on failures.
    """

    url: str = ""
    label: str = ""
    identity: Any = None
    private_key: Any = None
    certificate: Any = None
    ca_certificates: tuple[Any, ...] = ()
    csr_der: bytes | None = None
    http_status: int | None = None
    response_body: bytes = b""

    def to_dict(self) -> dict[str, Any]:
        from keychainsim.crypto.certificates import SecCertificateCopySubjectSummary

        def cert(c: Any) -> dict[str, Any]:
            return {
                "subject": SecCertificateCopySubjectSummary(c),
                "pkhh": c.public_key_hash.hex(),
                "not_after": c.not_after.isoformat(),
            }

        return {
            "ok": self.ok,
            "url": self.url,
            "label": self.label,
            "http_status": self.http_status,
            "key": None
            if self.private_key is None
            else {"klbl": self.private_key.application_label.hex(), "description": repr(self.private_key)},
            "certificate": None if self.certificate is None else cert(self.certificate),
            "ca_certificates": [cert(c) for c in self.ca_certificates],
            "identity": self.identity is not None,
            "findings": [f.to_dict() for f in self.findings],
            "steps": [s.to_dict() for s in self.steps],
        }

    def __str__(self) -> str:
        head = f"enroll {self.url}: " + ("identity formed" if self.ok else "FAILED")
        return "\n".join([head, *(f"  {s}" for s in self.steps), *(_indent(str(f)) for f in self.findings)])


@dataclass
class MTLSResult(_Outcome):
    """The outcome of :func:`keychainsim.enroll.mtls_check`.

    Attributes:
        url: the endpoint.
        accepted: the handshake completed and the server accepted the client certificate.
        http_status: the server's HTTP status (None without an answer).
        body: the server's answer (capped): nginx's error page, or the client subject it saw.
        tls_version: the negotiated protocol.
    """

    url: str = ""
    accepted: bool = False
    http_status: int | None = None
    body: bytes = b""
    tls_version: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "url": self.url,
            "accepted": self.accepted,
            "http_status": self.http_status,
            "tls_version": self.tls_version,
            "body": self.body.decode("utf-8", errors="replace"),
            "findings": [f.to_dict() for f in self.findings],
            "steps": [s.to_dict() for s in self.steps],
        }

    def __str__(self) -> str:
        head = f"mtls-check {self.url}: " + ("accepted" if self.accepted else "FAILED")
        return "\n".join([head, *(f"  {s}" for s in self.steps), *(_indent(str(f)) for f in self.findings)])


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())
