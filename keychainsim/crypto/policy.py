"""SecPolicy: the Basic X.509 and SSL policies, as kSecMatchPolicy evaluates them.

``SecItemServer.c: _FilterWithPolicy()`` evaluates each candidate certificate with the given policy at
kSecMatchValidOnDate (else now): the Basic X.509 policy builds the chain to an anchor (``SecTrustEvaluate``),
every other policy judges the leaf alone (``SecTrustEvaluateLeafOnly``). For the SSL policy the leaf checks
modelled here are the ones an identity lookup for TLS turns on: validity at the date, the extended key
usage the role needs when the certificate names any (serverAuth for a server, clientAuth for a client), and
for a server the host name against the subjectAltName. Apple's further leaf checks (key sizes, signature
hashes, validity-period caps for public CAs) are not modelled.
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
    wanted = ExtendedKeyUsageOID.SERVER_AUTH if policy.server else ExtendedKeyUsageOID.CLIENT_AUTH
    try:
        usages = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        usages = None
    if usages is not None and wanted not in usages and ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE not in usages:
        role = "serverAuth" if policy.server else "clientAuth"
        return False, f"the extended key usage does not include {role}"
    if policy.server and policy.hostname and not _names_host(cert, policy.hostname):
        return False, f"the certificate does not name the host {policy.hostname!r}"
    return True, "the leaf satisfies the SSL policy"


def _names_host(cert: x509.Certificate, hostname: str) -> bool:
    try:
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return False
    try:
        address = ipaddress.ip_address(hostname)
    except ValueError:
        address = None
    if address is not None:
        return address in names.get_values_for_type(x509.IPAddress)
    host = hostname.lower().rstrip(".")
    for name in names.get_values_for_type(x509.DNSName):
        pattern = name.lower().rstrip(".")
        if pattern == host:
            return True
        if pattern.startswith("*.") and "." in host and host.split(".", 1)[1] == pattern[2:]:
            return True
    return False
