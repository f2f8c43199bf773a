"""SecTrust: evaluate a certificate chain against policies, with the result and CFError Apple gives.

Client side ``OSX/sec/Security/SecTrust.c`` (creation, anchors, verify date, ``SecTrustEvaluateWithError``,
``SecTrustCopyError`` / ``SecTrustCopyErrorStrings``), server side ``trust/trustd/SecPolicyServer.c``
(which check fails for what) and ``OSX/sec/Security/SecPolicyChecks.list`` (each check's status and
error subtype). The chain comes from the one chain builder, :func:`keychainsim.crypto.trust.build_chain`.

Where the anchors come from. trustd trusts the custom anchors of ``SecTrustSetAnchorCertificates`` and,
unless ``SecTrustSetAnchorCertificatesOnly(true)`` (which setting anchors turns on), the device's root
store and user trust settings. A simulated device has none of Apple's roots: its trust store is the
``trust_anchors`` its :class:`~keychainsim.Keychain` was given, and a trust made by the module-level
function belongs to no device at all. With no anchors set, nothing is trusted.

Intermediates come from the certificates given after the leaf and, for a trust made through a keychain
(``Keychain.SecTrustCreateWithCertificates``), from the certificates that app can read in its keychain,
as trustd's keychain certificate source provides them. No network fetch (caIssuers) happens.

Modelled checks: the chain to a trusted anchor (``AnchorTrusted`` when it ends at an untrusted self-signed
root, ``MissingIntermediate`` otherwise), each certificate's validity at the verify date
(``TemporalValidity``: errSecCertificateExpired whether the certificate expired or is not yet valid), and
for the SSL policy the leaf's extended key usage and host name. Not modelled: revocation, Certificate
Transparency, key-size and signature-hash minimums, validity-period caps, name and policy constraints,
pinning, exceptions (``SecTrustSetExceptions``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from keychainsim.crypto.certificates import SecCertificate, SecCertificateCreateWithData, subject_summary
from keychainsim.crypto.policy import SecPolicy, SecPolicyCreateBasicX509, leaf_failures
from keychainsim.crypto.trust import _load, _valid_on, build_chain, is_self_signed
from keychainsim.status import CFError, OSStatus

# Error subtypes in priority order (OSX/sec/Security/SecTrustInternal.h SecTrustErrorSubType): the
# failure with the lowest subtype gives the CFError's code; on a tie the lowest certificate index wins.
SUBTYPE_TRUST, SUBTYPE_USAGE, SUBTYPE_NAME, SUBTYPE_EXPIRED = 7, 8, 9, 10

SUBTYPE_FORMATS = {
    SUBTYPE_TRUST: "“{}” certificate is not trusted",
    SUBTYPE_USAGE: "“{}” certificate is not permitted for this usage",
    SUBTYPE_NAME: "“{}” certificate name does not match input",
    SUBTYPE_EXPIRED: "“{}” certificate is expired",
}
"""The simple error's text per subtype (SecFrameworkStrings.h SEC_TRUST_ERROR_SUBTYPE_*, English)."""


@dataclass(frozen=True)
class Check:
    """One policy check of SecPolicyChecks.list: its subtype, status and per-certificate error text."""

    subtype: int
    status: OSStatus
    text: str


CHECKS: dict[str, Check] = {
    # In SecPolicyChecks.list order, which is also the order a certificate's errors are listed in here
    # (Apple lists them in its details dictionary's order, which it does not fix).
    "SSLHostname": Check(
        SUBTYPE_NAME, OSStatus.errSecHostNameMismatch, "SSL hostname does not match name(s) in certificate"
    ),
    "TemporalValidity": Check(
        SUBTYPE_EXPIRED, OSStatus.errSecCertificateExpired, "Certificate is not temporally valid"
    ),
    "ExtendedKeyUsage": Check(
        SUBTYPE_USAGE, OSStatus.errSecInvalidExtendedKeyUsage, "Extended key usage does not match certificate usage"
    ),
    "AnchorTrusted": Check(SUBTYPE_TRUST, OSStatus.errSecNotTrusted, "Root is not trusted"),
    "MissingIntermediate": Check(
        SUBTYPE_TRUST,
        OSStatus.errSecCreateChainFailed,
        "Unable to build chain to root (possible missing intermediate)",
    ),
}


@dataclass(frozen=True)
class TrustDevice:
    """What the device a trust is evaluated on contributes: its trusted anchors (DER), the certificates the
    app's keychain holds (a callable, read at evaluation time) and its clock (the default verify date)."""

    anchors: tuple[bytes, ...] = ()
    certificates: Callable[[], Sequence[bytes]] = tuple
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)


NO_DEVICE = TrustDevice()


@dataclass(frozen=True)
class Evaluation:
    """The outcome of one evaluation: the chain (leaf first) and each certificate's failed checks."""

    chain: tuple[SecCertificate, ...]
    details: tuple[tuple[str, ...], ...]

    @property
    def trusted(self) -> bool:
        return not any(self.details)

    def error(self) -> CFError | None:
        """The CFError ``SecTrustCopyError`` builds: the code of the highest-priority failure, the simple
        description naming its certificate, and an underlying error whose description lists every
        certificate's errors (``Certificate 0 “name” has errors: ...;``)."""
        if self.trusted:
            return None
        best: tuple[int, int, Check] | None = None
        lines = []
        for index, failed in enumerate(self.details):
            if not failed:
                continue
            summary = subject_summary(self.chain[index]) or ""
            lines.append(
                f"Certificate {index} “{summary}” has errors: " + ", ".join(CHECKS[n].text for n in failed) + ";"
            )
            for name in failed:
                check = CHECKS[name]
                if best is None or check.subtype < best[0]:
                    best = (check.subtype, index, check)
        assert best is not None
        subtype, index, check = best
        simple = SUBTYPE_FORMATS[subtype].format(subject_summary(self.chain[index]) or "")
        underlying = CFError(code=int(check.status), description="".join(lines))
        return CFError(code=int(check.status), description=simple, underlying=underlying)


@dataclass(eq=False)
class SecTrust:
    """A SecTrustRef: the certificates to evaluate (leaf first), the policies, and the evaluation's inputs.

    Build with :func:`SecTrustCreateWithCertificates` (or ``Keychain.SecTrustCreateWithCertificates`` for a
    trust that sees that device's anchors and keychain). Changing an input discards the last result, as
    ``SecTrustSetNeedsEvaluation`` does.
    """

    certificates: tuple[SecCertificate, ...]
    policies: tuple[SecPolicy, ...]
    device: TrustDevice = NO_DEVICE
    anchors: tuple[SecCertificate, ...] | None = None
    anchors_only: bool = False
    verify_date: datetime | None = None
    _evaluation: Evaluation | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        return f"<SecTrust leaf={subject_summary(self.certificates[0])!r} certificates={len(self.certificates)}>"

    def evaluate(self) -> Evaluation:
        """The evaluation, computed once until an input changes (``SecTrustEvaluateIfNecessary``)."""
        if self._evaluation is None:
            self._evaluation = self._run()
        return self._evaluation

    def _reset(self) -> None:
        self._evaluation = None

    def _anchor_ders(self) -> tuple[bytes, ...]:
        custom = tuple(c.der for c in self.anchors or ())
        if self.anchors_only:
            return custom
        return custom + self.device.anchors

    def _run(self) -> Evaluation:
        when = self.verify_date or self.device.clock()
        leaf = self.certificates[0]
        given = [c.der for c in self.certificates[1:]]
        built = build_chain(leaf.der, [*given, *self.device.certificates()], self._anchor_ders(), when)
        known = {c.der: c for c in (*self.certificates, *(self.anchors or ()))}
        chain = tuple(known.get(der) or SecCertificateCreateWithData(der) for der in built.ders)
        details: list[list[str]] = [[] for _ in chain]
        leaf_cert = _load(leaf.der)
        if leaf_cert is not None:
            for policy in self.policies:
                details[0].extend(n for n in leaf_failures(policy, leaf_cert) if n not in details[0])
        for index, der in enumerate(built.ders):
            cert = _load(der)
            if cert is None or not _valid_on(cert, when):
                details[index].append("TemporalValidity")
        if not built.anchored:
            details[-1].append("AnchorTrusted" if is_self_signed(built.ders[-1]) else "MissingIntermediate")
        order = list(CHECKS)
        return Evaluation(
            chain=tuple(c for c in chain if c is not None),
            details=tuple(tuple(sorted(d, key=order.index)) for d in details),
        )


def _certificate_list(value: object) -> tuple[SecCertificate, ...] | None:
    """A SecCertificate or a non-empty list of them, as ``SecTrustCreateWithCertificates`` takes them."""
    if isinstance(value, SecCertificate):
        return (value,)
    if isinstance(value, list | tuple) and value and all(isinstance(c, SecCertificate) for c in value):
        return tuple(value)
    return None


def SecTrustCreateWithCertificates(
    certificates: object, policies: object, *, device: TrustDevice = NO_DEVICE
) -> tuple[OSStatus, SecTrust | None]:
    """``(status, trust)`` for a leaf certificate (or a list, leaf first) and a policy, a list of policies or
    None (the Basic X.509 policy). An empty list or a member of the wrong type is errSecParam
    (``SecTrust.c: SecTrustCreateWithCertificates``)."""
    certs = _certificate_list(certificates)
    if certs is None:
        return OSStatus.errSecParam, None
    if policies is None:
        chosen: tuple[SecPolicy, ...] | None = (SecPolicyCreateBasicX509(),)
    elif isinstance(policies, SecPolicy):
        chosen = (policies,)
    elif isinstance(policies, list | tuple) and policies and all(isinstance(p, SecPolicy) for p in policies):
        chosen = tuple(policies)
    else:
        chosen = None
    if chosen is None:
        return OSStatus.errSecParam, None
    return OSStatus.errSecSuccess, SecTrust(certs, chosen, device=device)


def SecTrustSetAnchorCertificates(trust: object, anchor_certificates: object) -> OSStatus:
    """Trust these anchors, and (until ``SecTrustSetAnchorCertificatesOnly(trust, False)``) only these; None
    goes back to the device's anchors. A member that is not a certificate is errSecParam."""
    if not isinstance(trust, SecTrust):
        return OSStatus.errSecParam
    if anchor_certificates is None:
        anchors = None
    elif isinstance(anchor_certificates, list | tuple) and all(
        isinstance(c, SecCertificate) for c in anchor_certificates
    ):
        anchors = tuple(anchor_certificates)
    else:
        return OSStatus.errSecParam
    trust.anchors, trust.anchors_only = anchors, anchors is not None
    trust._reset()
    return OSStatus.errSecSuccess


def SecTrustSetAnchorCertificatesOnly(trust: object, anchor_certificates_only: bool) -> OSStatus:
    """Whether the custom anchors are the only ones (True) or come on top of the device's (False)."""
    if not isinstance(trust, SecTrust):
        return OSStatus.errSecParam
    trust.anchors_only = bool(anchor_certificates_only)
    trust._reset()
    return OSStatus.errSecSuccess


def SecTrustSetVerifyDate(trust: object, verify_date: object) -> OSStatus:
    """Evaluate at this date instead of now; anything but a date is errSecParam. A naive datetime is UTC."""
    if not isinstance(trust, SecTrust) or not isinstance(verify_date, datetime):
        return OSStatus.errSecParam
    trust.verify_date = verify_date if verify_date.tzinfo else verify_date.replace(tzinfo=UTC)
    trust._reset()
    return OSStatus.errSecSuccess


def SecTrustEvaluateWithError(trust: object) -> tuple[bool, CFError | None]:
    """``(trusted, error)``: the error is None on success, else the CFError ``SecTrustCopyError`` builds
    (domain NSOSStatusErrorDomain; see :meth:`Evaluation.error`)."""
    if not isinstance(trust, SecTrust):
        return False, CFError.from_status(OSStatus.errSecParam)
    evaluation = trust.evaluate()
    return evaluation.trusted, evaluation.error()


def SecTrustCopyCertificateChain(trust: object) -> list[SecCertificate] | None:
    """The chain as built, leaf first (evaluating first if needed); None for something not a trust."""
    if not isinstance(trust, SecTrust):
        return None
    return list(trust.evaluate().chain)


def SecTrustGetCertificateCount(trust: object) -> int:
    """The number of certificates in the built chain (evaluating first if needed); 0 for something not a
    trust."""
    if not isinstance(trust, SecTrust):
        return 0
    return len(trust.evaluate().chain)
