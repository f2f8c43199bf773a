"""The reference servers' PKI: the local test CA, and TLS server certificates for 127.0.0.1 / localhost.

The client certificates come from :class:`keychainsim.crypto.ca.TestCA` (issued for the device's CSR);
this module adds what a server needs: a serverAuth certificate for the loopback names, signed by the
same intermediate, and the server-side mistakes the client must catch (another CA, an expired
certificate, the wrong host name, no serverAuth usage). The CA issues against the real clock, because
real TLS libraries (OpenSSL in nginx and in Python) judge validity against it.
"""

from __future__ import annotations

import enum
import ipaddress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from keychainsim.crypto.ca import TestCA
from keychainsim.crypto.pem import der_to_pem

LOOPBACK_DNS_NAMES = ("localhost",)
LOOPBACK_ADDRESSES = ("127.0.0.1", "::1")


class ServerCertFault(enum.Enum):
    """A mistake in the server's own certificate, which the app must refuse (``mtls.server_untrusted``)."""

    OTHER_CA = "other_ca"
    EXPIRED = "expired"
    WRONG_HOST = "wrong_host"
    NO_SERVER_AUTH = "no_server_auth"


@dataclass(frozen=True)
class ServerCredentials:
    """A server's certificate chain (leaf, intermediate) and private key, as PEM."""

    chain_pem: bytes
    key_pem: bytes
    leaf: x509.Certificate


class ReferencePKI:
    """A test CA issuing against "now", and server credentials for the loopback names.

    Args:
        organization: the O of the CA names (two PKIs with different names are told apart in messages).
        now: the reference time (default: the current time).
    """

    def __init__(self, organization: str = "keychainsim Reference CA", now: datetime | None = None) -> None:
        self.now = now or datetime.now(UTC)
        self.ca = TestCA(organization=organization, reference_time=self.now)

    @property
    def root_pem(self) -> bytes:
        return der_to_pem(self.ca.root_der).encode("ascii")

    @property
    def intermediate_pem(self) -> bytes:
        return der_to_pem(self.ca.intermediate_der).encode("ascii")

    @property
    def ca_bundle_pem(self) -> bytes:
        """Intermediate then root: what a client that trusts this PKI is given."""
        return self.intermediate_pem + self.root_pem

    def server_credentials(self, fault: ServerCertFault | str | None = None) -> ServerCredentials:
        """A serverAuth certificate for localhost, 127.0.0.1 and ::1 signed by the intermediate.

        ``fault`` makes it one an app must refuse: signed by an unrelated CA, expired, issued for another
        host name, or without the serverAuth usage.
        """
        fault = ServerCertFault(fault) if fault is not None else None
        issuer_ca = (
            TestCA(organization="keychainsim Unrelated CA", reference_time=self.now)
            if (fault is ServerCertFault.OTHER_CA)
            else self.ca
        )
        key = ec.generate_private_key(ec.SECP256R1())
        if fault is ServerCertFault.EXPIRED:
            start, end = self.now - timedelta(days=400), self.now - timedelta(days=30)
        else:
            start, end = self.now - timedelta(days=1), self.now + timedelta(days=365)
        if fault is ServerCertFault.WRONG_HOST:
            names: list[x509.GeneralName] = [x509.DNSName("registration.invalid")]
            common_name = "registration.invalid"
        else:
            names = [x509.DNSName(n) for n in LOOPBACK_DNS_NAMES]
            names += [x509.IPAddress(ipaddress.ip_address(a)) for a in LOOPBACK_ADDRESSES]
            common_name = "localhost"
        usage = (
            ExtendedKeyUsageOID.CLIENT_AUTH
            if fault is ServerCertFault.NO_SERVER_AUTH
            else (ExtendedKeyUsageOID.SERVER_AUTH)
        )
        leaf = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
            .issuer_name(issuer_ca.intermediate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .sign(issuer_ca.intermediate_key, hashes.SHA256())
        )
        chain = leaf.public_bytes(serialization.Encoding.PEM) + issuer_ca.intermediate.public_bytes(
            serialization.Encoding.PEM
        )
        key_pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        return ServerCredentials(chain_pem=chain, key_pem=key_pem, leaf=leaf)
