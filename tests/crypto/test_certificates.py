"""SecCertificate: creation rules, stored attributes, names, summary, key extraction (§D, §G)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from keychainsim.crypto import (
    SecCertificateCopyCommonName,
    SecCertificateCopyData,
    SecCertificateCopyKey,
    SecCertificateCopyNormalizedIssuerSequence,
    SecCertificateCopySerialNumberData,
    SecCertificateCopySubjectSummary,
    SecCertificateCreateWithData,
    SecKeyCopyPublicKey,
    der,
    normalize_issuer,
    public_key_hash,
)
from keychainsim.crypto.certificates import SecCertificate
from keychainsim.crypto.names import normalize_name_content

from .apple_vectors import SI_42, apple_bytes

_ISSUER_KEY = ec.generate_private_key(ec.SECP256R1())


def make_cert(
    subject: x509.Name | list[x509.NameAttribute],
    *,
    key=None,
    serial: int = 0x1234,
    extensions: list[x509.ExtensionType] = (),
    skid: bool = False,
) -> bytes:
    """A DER certificate signed by a throwaway P-256 issuer."""
    name = subject if isinstance(subject, x509.Name) else x509.Name(subject)
    public = (key or ec.generate_private_key(ec.SECP256R1())).public_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "issuer")]))
        .public_key(public)
        .serial_number(serial)
        .not_valid_before(datetime(2024, 1, 1, tzinfo=UTC))
        .not_valid_after(datetime(2030, 1, 1, tzinfo=UTC))
    )
    for extension in extensions:
        builder = builder.add_extension(extension, critical=False)
    if skid:
        builder = builder.add_extension(x509.SubjectKeyIdentifier(b"\x01" * 20), critical=False)
    return builder.sign(_ISSUER_KEY, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def rebuild_tbs(cert_der: bytes, edit) -> bytes:
    """Re-encode a certificate after ``edit(list_of_tbs_field_encodings)``; the signature is kept (and so
    no longer valid), which Apple's parser never checks."""
    outer = der.read_single(cert_der, der.SEQUENCE).children()
    fields = [child.encoded for child in outer[0].children()]
    edit(fields)
    return der.sequence(der.sequence(*fields), outer[1].encoded, outer[2].encoded)


CN = lambda value: x509.NameAttribute(NameOID.COMMON_NAME, value)  # noqa: E731


@pytest.mark.apple_source
def test_der_accepted_pem_and_garbage_rejected() -> None:
    """SecCertificate.c — SecCertificateCreateWithData/SecCertificateParse: DER only; PEM, base64,
    empty and garbage give NULL with no error (§G.1)."""
    cert_der = make_cert([CN("leaf")])
    cert = SecCertificateCreateWithData(cert_der)
    assert isinstance(cert, SecCertificate) and SecCertificateCopyData(cert) == cert_der
    pem = x509.load_der_x509_certificate(cert_der).public_bytes(serialization.Encoding.PEM)
    for bad in (pem, pem.split(b"\n", 1)[1], b"", b"\x30\x03\x02\x01\x01", b"garbage", None):
        assert SecCertificateCreateWithData(bad) is None


@pytest.mark.apple_source
def test_trailing_bytes_tolerated_first_certificate_kept() -> None:
    """SecCertificateParse resets the length to the first element; SecCertificateCopyData returns only
    it (§G.1): a DER "leaf‖intermediate" blob is the leaf."""
    leaf, other = make_cert([CN("leaf")]), make_cert([CN("intermediate")])
    cert = SecCertificateCreateWithData(leaf + other)
    assert cert is not None and SecCertificateCopyData(cert) == leaf
    assert SecCertificateCopySubjectSummary(cert) == "leaf"


@pytest.mark.apple_source
def test_version_rules() -> None:
    """SecCertificateParse: an explicit version must be 1 or 2 (v2/v3); an explicit v1 (0) is rejected;
    an omitted version is v1 → ctyp 1 (CSSM_CERT_X_509v1) (§G.1, §G.5)."""
    v3 = make_cert([CN("v")])
    assert SecCertificateCreateWithData(v3)._keychain_attributes(False)["ctyp"] == 3

    def explicit(number: int):
        def edit(fields: list[bytes]) -> None:
            fields[0] = der.context(0, der.integer(number))
        return edit

    assert SecCertificateCreateWithData(rebuild_tbs(v3, explicit(1)))._keychain_attributes(False)["ctyp"] == 2
    assert SecCertificateCreateWithData(rebuild_tbs(v3, explicit(0))) is None
    assert SecCertificateCreateWithData(rebuild_tbs(v3, explicit(3))) is None

    def drop_version_and_extensions(fields: list[bytes]) -> None:
        del fields[0]
        if fields[-1][0] == 0xA3:
            del fields[-1]

    v1 = SecCertificateCreateWithData(rebuild_tbs(v3, drop_version_and_extensions))
    assert v1 is not None and v1._keychain_attributes(False)["ctyp"] == 1


@pytest.mark.apple_source
def test_serial_keeps_leading_zero() -> None:
    """SecCertificateParse / SecCertificateCopySerialNumberData: slnr is the INTEGER content, with the
    sign-padding 00 kept (§G.2, §G.5)."""
    cert = SecCertificateCreateWithData(make_cert([CN("s")], serial=0x80FF))
    assert SecCertificateCopySerialNumberData(cert) == (b"\x00\x80\xff", None)
    assert cert._keychain_attributes(False)["slnr"] == b"\x00\x80\xff"
    data, error = SecCertificateCopySerialNumberData(None)
    assert data is None and error.code == -26275


@pytest.mark.apple_source
def test_keychain_attributes() -> None:
    """SecCertificate.c — SecCertificateCopyAttributeDictionary (§G.5): class, ctyp, cenc=3, subj, issr,
    slnr, pkhh, v_Data; skid only with the extension; no label."""
    key = ec.generate_private_key(ec.SECP256R1())
    without = SecCertificateCreateWithData(make_cert([CN("a")], key=key))._keychain_attributes(False)
    with_skid = SecCertificateCreateWithData(make_cert([CN("a")], key=key, skid=True))._keychain_attributes(True)
    assert without["class"] == "cert" and without["cenc"] == 3 and "labl" not in without
    assert "skid" not in without and with_skid["skid"] == b"\x01" * 20
    point = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    assert without["pkhh"] == public_key_hash(point) == with_skid["pkhh"]
    subject = x509.Name([CN("a")]).public_bytes()
    assert without["subj"] == der.read_single(subject).content
    assert SecCertificate._from_keychain({"v_Data": without["v_Data"]}) == SecCertificateCreateWithData(
        without["v_Data"]
    )


@pytest.mark.apple_source
def test_name_normalization() -> None:
    """SecCertificate.c — createNormalizedX501Name (§G.4): PrintableString upper-cased, blanks trimmed
    and collapsed, lengths re-encoded; UTF8String untouched; full DER names normalize to the content."""
    name = x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "  Example\t\tCorp  ", _type=x509.name._ASN1Type.PrintableString),
        x509.NameAttribute(NameOID.COMMON_NAME, "  Mixed Case  ", _type=x509.name._ASN1Type.UTF8String),
    ])
    content = der.read_single(name.public_bytes()).content
    normalized = normalize_name_content(content)
    expected = x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "EXAMPLE CORP", _type=x509.name._ASN1Type.PrintableString),
        x509.NameAttribute(NameOID.COMMON_NAME, "  Mixed Case  ", _type=x509.name._ASN1Type.UTF8String),
    ])
    assert normalized == der.read_single(expected.public_bytes()).content
    assert normalize_issuer(name.public_bytes()) == normalized
    assert normalize_issuer(b"\x31\x00") is None and normalize_issuer(b"junk") is None


@pytest.mark.apple_test
def test_si42_issuer_dn_normalizes_to_certificate_issr() -> None:
    """si-42-identity.m "find identity by cert issuer": the full DN and the certificate's normalized
    issuer select the same identity, i.e. normalize(DN) == issr of `_c1`."""
    cert = SecCertificateCreateWithData(apple_bytes(SI_42, "_c1"))
    issr = cert._keychain_attributes(False)["issr"]
    assert normalize_issuer(apple_bytes(SI_42, "DN")) == issr
    assert SecCertificateCopyNormalizedIssuerSequence(cert) == der.tlv(der.SEQUENCE, issr)
    assert SecCertificateCopySubjectSummary(cert) == "uranusLeaf"


@pytest.mark.apple_source
def test_subject_summary_ranking() -> None:
    """SecCertificate.c — obtainSummaryFromX501Name / SecCertificateCopySubjectSummary (§G.3)."""
    O = lambda v: x509.NameAttribute(NameOID.ORGANIZATION_NAME, v)  # noqa: E731
    OU = lambda v: x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, v)  # noqa: E731
    DESC = x509.NameAttribute(x509.ObjectIdentifier("2.5.4.13"), "laptop")
    san = x509.SubjectAlternativeName([x509.DNSName("host.example"), x509.RFC822Name("me@example.com")])
    dns_only = x509.SubjectAlternativeName([x509.DNSName("host.example")])
    cases = [
        ([O("Org"), CN("one")], [], "one"),
        ([CN("first"), CN("second")], [], "second, first"),
        ([CN("dev"), DESC], [], "dev (laptop)"),
        ([O("Org"), OU("Unit")], [], "Unit"),
        ([O("Org")], [], "Org"),
        ([O("Org")], [san], "me@example.com"),
        ([O("Org")], [dns_only], "host.example"),
        ([CN("wins")], [san], "wins"),
    ]
    for attributes, extensions, expected in cases:
        cert = SecCertificateCreateWithData(make_cert(attributes, extensions=extensions))
        assert SecCertificateCopySubjectSummary(cert) == expected, attributes


@pytest.mark.apple_source
def test_common_name_is_last_cn() -> None:
    """SecCertificate.c — SecCertificateCopyCommonName: the last CN; none → errSecInternal (-26276)."""
    cert = SecCertificateCreateWithData(make_cert([CN("first"), CN("last")]))
    assert SecCertificateCopyCommonName(cert) == (0, "last")
    no_cn = SecCertificateCreateWithData(make_cert([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Org")]))
    assert SecCertificateCopyCommonName(no_cn) == (-26276, None)
    assert SecCertificateCopyCommonName(None) == (-50, None)


@pytest.mark.apple_source
def test_copy_key_and_compressed_point(make_key) -> None:
    """SecCertificate.c — _SecCertificateCopyKey_onqueue + SecECKey.m: the key of a certificate that
    encodes the point compressed still loads and exports uncompressed, so its klbl differs from the
    certificate's pkhh (§D.3 row 1); explicit curve parameters give no key (§D.3 row 2)."""
    key = make_key("EC", 256)
    cert_der = make_cert([CN("c")], key=key.cryptography_key())
    cert = SecCertificateCreateWithData(cert_der)
    assert SecCertificateCopyKey(cert) == SecKeyCopyPublicKey(key)
    compressed = key.public_key_object().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
    )

    def compress(fields: list[bytes]) -> None:
        spki = der.read_single(fields[6]).children()
        fields[6] = der.sequence(spki[0].encoded, der.bit_string(compressed))

    odd = SecCertificateCreateWithData(rebuild_tbs(cert_der, compress))
    assert odd.public_key_hash == public_key_hash(compressed) != key.application_label
    assert SecCertificateCopyKey(odd) == SecKeyCopyPublicKey(key)

    def explicit_params(fields: list[bytes]) -> None:
        spki = der.read_single(fields[6]).children()
        algorithm = der.sequence(der.oid("1.2.840.10045.2.1"), der.sequence(der.integer(1)))
        fields[6] = der.sequence(algorithm, spki[1].encoded)

    explicit = SecCertificateCreateWithData(rebuild_tbs(cert_der, explicit_params))
    assert explicit is not None and explicit.public_key_hash == key.application_label
    assert SecCertificateCopyKey(explicit) is None


@pytest.mark.apple_test
def test_si42_certificate_key() -> None:
    """si-42-identity.m: `_c1`'s key is the public half of `_k1` (RSA-2048, modulus with top bit set)."""
    cert = SecCertificateCreateWithData(apple_bytes(SI_42, "_c1"))
    key = SecCertificateCopyKey(cert)
    assert key is not None and key.key_size_in_bits == 2048
    assert key.application_label == cert.public_key_hash
