"""Each stored leaf certificate's identity lookup, explained: the question a device dump is loaded to answer.

A developer with a failing enrollment asks "why does my certificate not form an identity?". For every
certificate that can be half of one (a leaf: CA certificates, which carry basicConstraints cA, never have
the app's private key), this runs the lookup an app makes, by the certificate's label (or by its
public-key hash when it has none), and explains the answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cryptography import x509

from keychainsim.explain.report import Report


@dataclass(frozen=True)
class CertificateIdentity:
    """One certificate row and the explained identity lookup for it (None for a CA certificate)."""

    rowid: int
    label: str | None
    report: Report | None

    @property
    def is_ca(self) -> bool:
        return self.report is None


def certificate_identities(kc: Any) -> list[CertificateIdentity]:
    """Every certificate of ``kc`` in row order, with its identity lookup explained (CA certificates skipped)."""
    from keychainsim.explain import explain

    out: list[CertificateIdentity] = []
    for item in sorted(kc.all_items(), key=lambda i: i.rowid):
        if item.item_class != "cert" or item.is_tombstone:
            continue
        label = item.get("labl") if isinstance(item.get("labl"), str) else None
        if _is_ca(item.get("v_Data")):
            out.append(CertificateIdentity(item.rowid, label, None))
            continue
        query = {"class": "idnt", "labl": label} if label else {"class": "idnt", "pkhh": item.get("pkhh")}
        out.append(CertificateIdentity(item.rowid, label, explain(kc, query, call="SecItemCopyMatching")))
    return out


def _is_ca(der: Any) -> bool:
    if not isinstance(der, bytes):
        return False
    try:
        certificate = x509.load_der_x509_certificate(der)
        return bool(certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except (ValueError, x509.ExtensionNotFound):
        return False
