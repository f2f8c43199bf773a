"""Twin certificates: a device's certificate re-made over the model's key, so a replayed identity can form.

A server certified the device's public key; the replay's key is another key, so the recorded
certificate cannot pair with it (``pkhh`` is the hash of the certified key). The identity join compares
nothing but that hash, so a twin that keeps every field the keychain reads (subject, issuer, serial
number, validity, extensions) and carries the model's public key behaves in the join exactly as the
original did on the device. What a twin cannot keep is the issuer's signature: it is signed by a stand-in
key, so it does not chain to its real issuer, and the replay says so wherever trust is evaluated.
"""

from __future__ import annotations

from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding


def certified_key(der: bytes) -> bytes | None:
    """The public key a DER certificate certifies, as SecKeyCopyExternalRepresentation writes it
    (X9.63 for EC, PKCS#1 for RSA), or None when the data is not a certificate keychainsim reads."""
    from keychainsim.crypto import SecCertificateCreateWithData

    certificate = SecCertificateCreateWithData(der)
    return None if certificate is None else certificate.public_key_bytes


def make_twin(der: bytes, public_key: Any) -> bytes | None:
    """``der`` re-made over ``public_key`` (a cryptography public key), or None when it cannot be
    (a field cryptography refuses to write, such as a serial number of more than 20 bytes)."""
    try:
        original = x509.load_der_x509_certificate(der)
        builder = (
            x509.CertificateBuilder()
            .subject_name(original.subject)
            .issuer_name(original.issuer)
            .serial_number(original.serial_number)
            .not_valid_before(original.not_valid_before_utc)
            .not_valid_after(original.not_valid_after_utc)
            .public_key(public_key)
        )
        for extension in original.extensions:
            value = extension.value
            if isinstance(value, x509.SubjectKeyIdentifier):
                value = x509.SubjectKeyIdentifier.from_public_key(public_key)
            builder = builder.add_extension(value, critical=extension.critical)
        stand_in = ec.generate_private_key(ec.SECP256R1())
        return builder.sign(stand_in, hashes.SHA256()).public_bytes(Encoding.DER)
    except (ValueError, TypeError):
        return None
