"""SecPolicy: the Basic X.509 and SSL policies, as kSecMatchPolicy evaluates them.

``SecItemServer.c: _FilterWithPolicy()`` evaluates each candidate certificate with the given policy at
kSecMatchValidOnDate (else now): the Basic X.509 policy builds the chain to an anchor (``SecTrustEvaluate``),
every other policy judges the leaf alone (``SecTrustEvaluateLeafOnly``). For the SSL policy the leaf checks
modelled here are the ones an identity lookup for TLS turns on: validity at the date, the extended key
usage the role needs when the certificate names any (serverAuth for a server, clientAuth for a client), and
the host name, when the policy has one, against the subjectAltName (:func:`names_host`). Apple's further
leaf checks (key sizes, signature hashes, validity-period caps for public CAs) are not modelled. SecTrust
(:mod:`keychainsim.crypto.sectrust`) runs the same leaf checks on the chain it builds.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from keychainsim.crypto.trust import _load, _valid_on, evaluate_basic_x509

kSecPolicyAppleX509Basic = "1.2.840.113635.100.1.2"
kSecPolicyAppleSSL = "1.2.840.113635.100.1.3"


@dataclass(frozen=True)
class SecPolicy:
    """A trust policy: its OID, and for SSL the role and the host name to match."""

    oid: str
    server: bool = True
    hostname: str | None = None

    @property
    def builds_chain(self) -> bool:
        """Only the Basic X.509 (and revocation) policies evaluate the chain in ``_FilterWithPolicy``."""
        return self.oid == kSecPolicyAppleX509Basic


def SecPolicyCreateBasicX509() -> SecPolicy:
    return SecPolicy(kSecPolicyAppleX509Basic)


def SecPolicyCreateSSL(server: bool, hostname: str | None) -> SecPolicy:
    """The SSL policy for a server (``server=True``, checks the host name) or a client certificate."""
    return SecPolicy(kSecPolicyAppleSSL, server=bool(server), hostname=hostname)


SSL_EKUS = {
    True: (
        ExtendedKeyUsageOID.SERVER_AUTH,
        x509.ObjectIdentifier("1.3.6.1.4.1.311.10.3.3"),
        x509.ObjectIdentifier("2.16.840.1.113730.4.1"),
    ),
    False: (ExtendedKeyUsageOID.CLIENT_AUTH,),
}
"""The extended key usages the SSL policy accepts, besides anyExtendedKeyUsage and no EKU extension at all
(``SecPolicy.c: set_ssl_ekus``): serverAuth or either Server Gated Cryptography OID for a server, clientAuth
for a client."""


def leaf_failures(policy: SecPolicy, cert: x509.Certificate) -> list[str]:
    """The names of the SSL policy's leaf checks ``cert`` fails (``SecPolicyChecks.list`` names:
    ``ExtendedKeyUsage``, ``SSLHostname``); none for the Basic X.509 policy, which has no leaf checks
    beyond the chain's.

    The host name is checked whenever the policy carries one, for a client policy too
    (``SecPolicy.c: SecPolicyCreateSSL_internal`` adds ``kSecPolicyCheckSSLHostname`` for any non-NULL
    host name).
    """
    if policy.oid != kSecPolicyAppleSSL:
        return []
    failures = []
    try:
        usages = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        usages = None
    accepted = (*SSL_EKUS[policy.server], ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE)
    if usages is not None and not any(oid in usages for oid in accepted):
        failures.append("ExtendedKeyUsage")
    if policy.hostname is not None and not names_host(cert, policy.hostname):
        failures.append("SSLHostname")
    return failures


def evaluate(
    policy: SecPolicy, leaf_der: bytes, intermediates: list[bytes], anchors: tuple[bytes, ...], when: datetime
) -> tuple[bool, str]:
    """``(passes, reason)`` for one certificate, as ``_FilterWithPolicy()`` decides it."""
    if policy.builds_chain:
        return evaluate_basic_x509(leaf_der, intermediates, anchors, when)
    cert = _load(leaf_der)
    if cert is None:
        return False, "the certificate data does not parse"
    if not _valid_on(cert, when):
        return False, "the certificate is not valid at the evaluation date"
    failures = leaf_failures(policy, cert)
    if "ExtendedKeyUsage" in failures:
        role = "serverAuth" if policy.server else "clientAuth"
        return False, f"the extended key usage does not include {role}"
    if "SSLHostname" in failures:
        return False, f"the certificate does not name the host {policy.hostname!r}"
    return True, "the leaf satisfies the SSL policy"


def names_host(cert: x509.Certificate, hostname: str) -> bool:
    """Whether the leaf's subjectAltName covers ``hostname`` (``SecPolicyLeafCallbacks.c:
    SecPolicyCheckCertSSLHostname``): a dNSName matching by :func:`dns_match`, else, when the host name is
    an IPv4 or IPv6 address, an equal iPAddress. The subject's common name is never consulted, with or
    without a subjectAltName extension."""
    try:
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return False
    if any(dns_match(hostname, presented) for presented in names.get_values_for_type(x509.DNSName)):
        return True
    try:
        address = ipaddress.ip_address(hostname)
    except ValueError:
        return False
    return address in names.get_values_for_type(x509.IPAddress)


def dns_match(reference: str, presented: str) -> bool:
    """RFC 6125 matching as ``SecPolicyLeafCallbacks.c: SecDNSMatch`` does it.

    One trailing dot on the reference (the host asked for) is dropped; the two names must then have the
    same number of labels, compared case-insensitively. ``*`` matches one whole label and only as the
    left-most label of a name with at least three labels (``*.example.com``, never ``*.com`` nor
    ``f*.example.com``). Apple also refuses a wildcard directly above a public suffix of several labels
    (``*.co.uk``) through CFNetwork's public-suffix list; that list is not modelled.
    """
    if not reference:
        return False
    if reference.endswith("."):
        reference = reference[:-1]
    wanted, offered = reference.split("."), presented.split(".")
    if len(wanted) != len(offered):
        return False
    count = len(offered)
    for index, (label, pattern) in enumerate(zip(wanted, offered, strict=True)):
        if pattern == "*":
            if index != 0 or count <= 2:
                return False
        elif "*" in pattern or label.lower() != pattern.lower():
            return False
    return True
