"""The few facts about a stored certificate that the kSecMatch post-filters read (§E.4).

Apple's filters decode the certificate from the item's data (``SecItemServer.c: SecServerMatch_Item()``);
so does this, lazily, so that password-only work never imports ``cryptography``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache


@dataclass(frozen=True)
class CertificateFacts:
    not_before: datetime
    not_after: datetime
    emails: tuple[str, ...]

    @property
    def validity(self) -> tuple[datetime, datetime]:
        return (self.not_before, self.not_after)

    def valid_on(self, when: datetime) -> bool:
        """``_FilterWithDate()``: not-before <= date <= not-after, and the validity must be well formed."""
        return self.not_before <= self.not_after and self.not_before <= when <= self.not_after

    @staticmethod
    def of(der: bytes | None) -> CertificateFacts | None:
        return _facts(der) if isinstance(der, bytes) else None


@lru_cache(maxsize=1024)
def _facts(der: bytes) -> CertificateFacts | None:
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError:
        return None
    emails = [a.value for a in cert.subject.get_attributes_for_oid(NameOID.EMAIL_ADDRESS)]
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        emails.extend(san.get_values_for_type(x509.RFC822Name))
    except x509.ExtensionNotFound:
        pass
    return CertificateFacts(cert.not_valid_before_utc, cert.not_valid_after_utc, tuple(str(e) for e in emails))
