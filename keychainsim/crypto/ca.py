"""A local test CA (root + intermediate) that issues client certificates for CSRs — and makes the
mistakes real enrollment servers make.

Real certificates, real signatures, fixed validity dates (reproducible fixtures, style-anchors rule
17). The faults reproduce keys-certs-identities.md §J.3 (server-side issuance pitfalls) and §K
(mechanical causes of "certificate + key do not form an identity"):

* :attr:`Fault.OTHER_KEY` — the server ignores the CSR's key and certifies a key of its own (§J.3 item 1;
  §K.5): the certificate's ``pkhh`` matches no device key.
* :attr:`Fault.NO_CLIENT_AUTH` — no clientAuth extended key usage (TLS client authentication fails,
  the keychain still forms the identity).
* :attr:`Fault.EXPIRED` — validity ended before the reference time.
* :attr:`Fault.WRONG_ORDER` — the chain comes CA-first, so "take the first certificate" takes the
  intermediate (§J.3 item 3).
* :attr:`Fault.PEM_EXTRA_TEXT` — the PEM response has text before and after the block, which a naive
  base64 decode or ``SecCertificateCreateWithData`` on the raw bytes mishandles (§J.3 item 5).

The CA side signs with ``cryptography`` directly: it models a server, not a device.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from keychainsim.crypto.pem import der_to_pem

ROOT_NOT_BEFORE = datetime(2020, 1, 1, tzinfo=UTC)
ROOT_NOT_AFTER = datetime(2045, 1, 1, tzinfo=UTC)
REFERENCE_TIME = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
"""The "now" the test CA issues against; a leaf is valid from a day before it for a year."""


class Fault(enum.Enum):
    """A mistake the issuing server makes (see the module docstring)."""

    OTHER_KEY = "other_key"
    NO_CLIENT_AUTH = "no_client_auth"
    EXPIRED = "expired"
    WRONG_ORDER = "wrong_order"
    PEM_EXTRA_TEXT = "pem_extra_text"


@dataclass(frozen=True)
class IssuedCertificate:
    """What the server hands back.

    Attributes:
        der: the leaf certificate, DER.
        pem: the leaf as the server's PEM text (with surrounding text under ``PEM_EXTRA_TEXT``).
        chain: DER certificates in the order the server sends them (leaf, intermediate, root unless
            ``WRONG_ORDER``).
        chain_pem: the same chain as one PEM bundle (with surrounding text under ``PEM_EXTRA_TEXT``).
        faults: the faults applied.
        server_private_key_der: under ``OTHER_KEY``, the PKCS#8 DER of the key the server certified.
    """

    der: bytes
    pem: str
    chain: tuple[bytes, ...]
    chain_pem: str
    faults: frozenset[Fault]
    server_private_key_der: bytes | None = None


def _name(common_name: str, organization: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _new_key(key_type: str) -> ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey:
    if key_type == "RSA":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(ec.SECP256R1())


class TestCA:
    """A root and an intermediate CA with fixed validity (2020–2045), issuing leaves for CSRs.

    Args:
        organization: the O of every CA name.
        key_type: "EC" (P-256, default) or "RSA" (2048) for the CA keys.
        reference_time: the "now" leaves are issued against.
    """

    __test__ = False  # not a pytest test class

    def __init__(
        self,
        organization: str = "keychainsim Test CA",
        key_type: str = "EC",
        reference_time: datetime = REFERENCE_TIME,
    ) -> None:
        self.reference_time = reference_time
        self._serial = 0x1000
        self.root_key = _new_key(key_type)
        self.intermediate_key = _new_key(key_type)
        root_name = _name("keychainsim Test Root", organization)
        intermediate_name = _name("keychainsim Test Intermediate", organization)
        self.root = self._ca_certificate(root_name, self.root_key, root_name, self.root_key, path_length=1)
        self.intermediate = self._ca_certificate(
            intermediate_name, self.intermediate_key, root_name, self.root_key, path_length=0
        )

    def _next_serial(self) -> int:
        self._serial += 1
        return self._serial

    def _ca_certificate(self, subject, subject_key, issuer, issuer_key, path_length: int) -> x509.Certificate:
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(subject_key.public_key())
            .serial_number(self._next_serial())
            .not_valid_before(ROOT_NOT_BEFORE)
            .not_valid_after(ROOT_NOT_AFTER)
            .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(subject_key.public_key()), critical=False)
        )
        return builder.sign(issuer_key, hashes.SHA256())

    @property
    def root_der(self) -> bytes:
        return self.root.public_bytes(serialization.Encoding.DER)

    @property
    def intermediate_der(self) -> bytes:
        return self.intermediate.public_bytes(serialization.Encoding.DER)

    def issue_server(
        self,
        dns_names: Iterable[str] = (),
        ip_addresses: Iterable[str] = (),
        *,
        common_name: str | None = None,
        not_before: datetime | None = None,
        not_after: datetime | None = None,
    ) -> IssuedCertificate:
        """A TLS server certificate (serverAuth, the names in its subjectAltName) signed by the intermediate,
        for the server side of a trust evaluation; its key is the CA's business, not the device's.

        Raises:
            ValueError: neither a DNS name nor an IP address (the SSL policy matches names only there).
        """
        import ipaddress

        dns_names, ip_addresses = list(dns_names), list(ip_addresses)
        if not dns_names and not ip_addresses:
            raise ValueError("issue_server: give at least one DNS name or IP address for the subjectAltName")
        key = ec.generate_private_key(ec.SECP256R1())
        names: list[x509.GeneralName] = [x509.DNSName(n) for n in dns_names]
        names += [x509.IPAddress(ipaddress.ip_address(a)) for a in ip_addresses]
        subject = _name(common_name or (dns_names or ip_addresses)[0], "keychainsim Test Server")
        leaf = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.intermediate.subject)
            .public_key(key.public_key())
            .serial_number(self._next_serial())
            .not_valid_before(not_before or self.reference_time - timedelta(days=1))
            .not_valid_after(not_after or self.reference_time + timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .sign(self.intermediate_key, hashes.SHA256())
            .public_bytes(serialization.Encoding.DER)
        )
        chain = (leaf, self.intermediate_der, self.root_der)
        return IssuedCertificate(
            der=leaf,
            pem=der_to_pem(leaf),
            chain=chain,
            chain_pem="".join(der_to_pem(c) for c in chain),
            faults=frozenset(),
        )

    def issue(
        self,
        csr_der: bytes,
        faults: Iterable[Fault] = (),
        *,
        not_before: datetime | None = None,
        not_after: datetime | None = None,
    ) -> IssuedCertificate:
        """Issue a client certificate for a DER CSR, applying ``faults``.

        Raises:
            ValueError: the CSR does not parse or its self-signature is invalid (a real CA refuses it).
        """
        faults = frozenset(Fault(f) for f in faults)
        csr = x509.load_der_x509_csr(csr_der)
        if not csr.is_signature_valid:
            raise ValueError("CSR self-signature is invalid")
        public_key = csr.public_key()
        server_key_der = None
        if Fault.OTHER_KEY in faults:
            server_key = ec.generate_private_key(ec.SECP256R1())
            public_key = server_key.public_key()
            server_key_der = server_key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        if Fault.EXPIRED in faults:
            start = not_before or self.reference_time - timedelta(days=400)
            end = not_after or self.reference_time - timedelta(days=35)
        else:
            start = not_before or self.reference_time - timedelta(days=1)
            end = not_after or self.reference_time + timedelta(days=365)
        usages = (
            [ExtendedKeyUsageOID.SERVER_AUTH] if Fault.NO_CLIENT_AUTH in faults else [ExtendedKeyUsageOID.CLIENT_AUTH]
        )
        builder = (
            x509.CertificateBuilder()
            .subject_name(csr.subject)
            .issuer_name(self.intermediate.subject)
            .public_key(public_key)
            .serial_number(self._next_serial())
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
            .add_extension(x509.ExtendedKeyUsage(usages), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.intermediate_key.public_key()),
                critical=False,
            )
        )
        try:
            san = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName)
            builder = builder.add_extension(san.value, critical=False)
        except x509.ExtensionNotFound:
            pass
        leaf = builder.sign(self.intermediate_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)
        chain = [leaf, self.intermediate_der, self.root_der]
        if Fault.WRONG_ORDER in faults:
            chain = [self.intermediate_der, self.root_der, leaf]
        pem = der_to_pem(leaf)
        chain_pem = "".join(der_to_pem(c) for c in chain)
        if Fault.PEM_EXTRA_TEXT in faults:
            pem = f"Here is your certificate:\n{pem}\nThank you for enrolling.\n"
            chain_pem = f"Here is your certificate chain:\n{chain_pem}\n-- end of response --\n"
        return IssuedCertificate(
            der=leaf,
            pem=pem,
            chain=tuple(chain),
            chain_pem=chain_pem,
            faults=faults,
            server_private_key_der=server_key_der,
        )
