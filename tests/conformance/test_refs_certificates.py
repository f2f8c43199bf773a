"""Certificates added by reference (SecCertificateRef) and certificate-only match keys.

Sources: OSX/sec/Security/Regressions/secitem/si-05-add.c (cases 1–8),
keychain/securityd/Regressions/secd-83-item-match-valid-on-date.m, secd-83-item-match-trusted.m,
keychain/SecurityUnitTests/SecItemTests.m test_data_protection_kc_no_email, OSX/sec/Security/SecItem.m
infer_cert_label, keychain/securityd/SecDbQuery.c query_infer_keyclass (cert default dk).
Reference §D.3, §D.5, §E.4, §K.1.

These tests need keychainsim.crypto (SecCertificateCreateWithData …) and are skipped until it exists.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from keychainsim.constants import *

from ._certs import load_crypto, make_certificate_der

VALID_DATE = datetime(2016, 4, 7, 16, 0, 0, tzinfo=UTC)
DATE_BEFORE = datetime(2016, 4, 6, 16, 0, 0, tzinfo=UTC)
DATE_AFTER = datetime(2017, 4, 8, 16, 0, 0, tzinfo=UTC)


@pytest.fixture
def crypto():
    return load_crypto()


@pytest.fixture
def cert_der():
    return make_certificate_der()


@pytest.fixture
def cert(crypto, cert_der):
    c = crypto.SecCertificateCreateWithData(cert_der)
    assert c is not None
    return c


def _cert_dict(cert, **extra):
    return {kSecClass: kSecClassCertificate, kSecValueRef: cert, **extra}


@pytest.mark.apple_test
def test_si05_case1_add_duplicate_delete(keychain, cert):
    """si-05-add.c case 1: 'add certificate NULL return pointer' → 0; 'add certificate again' →
    errSecDuplicateItem; 'delete certificate' with the same dictionary → 0."""
    d = _cert_dict(cert)
    assert keychain.SecItemAdd(d)[0] == errSecSuccess
    assert keychain.SecItemAdd(d)[0] == errSecDuplicateItem
    assert keychain.SecItemDelete(d) == errSecSuccess
    assert keychain.SecItemCopyMatching({kSecClass: kSecClassCertificate})[0] == errSecItemNotFound


@pytest.mark.apple_test
def test_si05_case1b_no_return_type_returns_nothing(keychain, cert):
    """si-05-add.c case 1b: 'add certificate dont ask for return type' → 0 and 'nothing returned'."""
    status, result = keychain.SecItemAdd(_cert_dict(cert))
    assert status == errSecSuccess and result is None


@pytest.mark.apple_test
def test_si05_case2_persistent_ref_yields_cert_data(keychain, cert, cert_der):
    """si-05-add.c case 2: kSecReturnPersistentRef → CFData ('persistent ref returned'); 'lookup item
    data by persistent ref' (only the ref + kSecReturnData) → the certificate's DER."""
    status, pref = keychain.SecItemAdd(_cert_dict(cert, **{kSecReturnPersistentRef: True}))
    assert status == errSecSuccess
    assert isinstance(pref, bytes) and pref[:4] == b"cert"
    status, data = keychain.SecItemCopyMatching({kSecValuePersistentRef: pref, kSecReturnData: True})
    assert status == errSecSuccess and data == cert_der


@pytest.mark.apple_test
def test_si05_case3_return_ref_is_the_certificate(keychain, crypto, cert, cert_der):
    """si-05-add.c case 3: kSecReturnRef → 'certificate ref matches' (same certificate)."""
    status, ref = keychain.SecItemAdd(_cert_dict(cert, **{kSecReturnRef: True}))
    assert status == errSecSuccess
    assert ref is not None and not isinstance(ref, (dict, bytes))
    assert crypto.SecCertificateCopyData(ref) == cert_der


@pytest.mark.apple_test
def test_si05_case4_return_data_is_der(keychain, cert, cert_der):
    """si-05-add.c case 4: kSecReturnData → 'certificate data matches' (the DER)."""
    status, data = keychain.SecItemAdd(_cert_dict(cert, **{kSecReturnData: True}))
    assert status == errSecSuccess and data == cert_der


@pytest.mark.apple_test
def test_si05_case5_return_attributes(keychain, cert):
    """si-05-add.c case 5: kSecReturnAttributes → 'result is a dict', 'result has no data', 'no ref',
    'no persistent ref'; kSecAttrCertificateType and kSecAttrCertificateEncoding are numbers."""
    status, attrs = keychain.SecItemAdd(_cert_dict(cert, **{kSecReturnAttributes: True}))
    assert status == errSecSuccess
    assert isinstance(attrs, dict)
    for absent in (kSecValueData, kSecValueRef, kSecValuePersistentRef):
        assert absent not in attrs
    assert type(attrs[kSecAttrCertificateType]) is int
    assert type(attrs[kSecAttrCertificateEncoding]) is int


@pytest.mark.apple_test
def test_si05_case6_all_return_types(keychain, crypto, cert, cert_der):
    """si-05-add.c case 6: Data + Attributes + Ref + PersistentRef → one dictionary: v_Data is the DER,
    v_Ref the certificate, v_PersistentRef looks the data up again, class is kSecClassCertificate, ctyp
    and cenc are numbers."""
    status, d = keychain.SecItemAdd(
        _cert_dict(
            cert,
            **{kSecReturnData: True, kSecReturnAttributes: True, kSecReturnRef: True, kSecReturnPersistentRef: True},
        )
    )
    assert status == errSecSuccess
    assert isinstance(d, dict)
    assert d[kSecValueData] == cert_der
    assert crypto.SecCertificateCopyData(d[kSecValueRef]) == cert_der
    assert d[kSecClass] == kSecClassCertificate
    assert type(d[kSecAttrCertificateType]) is int and type(d[kSecAttrCertificateEncoding]) is int
    status, data = keychain.SecItemCopyMatching(
        {kSecValuePersistentRef: d[kSecValuePersistentRef], kSecReturnData: True}
    )
    assert status == errSecSuccess and data == cert_der


@pytest.mark.apple_test
def test_si05_case7_application_tag_on_certificate(keychain, cert):
    """si-05-add.c case 7: kSecAttrApplicationTag (a key attribute) on a certificate → SecItemAdd
    errSecNoSuchAttr and SecItemDelete errSecNoSuchAttr."""
    d = _cert_dict(cert, **{kSecAttrApplicationTag: b"funnytag"})
    status, result = keychain.SecItemAdd(d)
    assert status == errSecNoSuchAttr and result is None
    assert keychain.SecItemDelete(d) == errSecNoSuchAttr


@pytest.mark.apple_test
def test_si05_case8_synchronizable_certificate(keychain, cert):
    """si-05-add.c case 8: 'add certificate with synchronizable attribute works' → 0; 'delete certificate
    with synchronizable attribute works' → 0."""
    d = _cert_dict(cert, **{kSecAttrSynchronizable: True})
    assert keychain.SecItemAdd(d)[0] == errSecSuccess
    assert keychain.SecItemDelete(d) == errSecSuccess


@pytest.mark.apple_test
def test_secd83_add_by_ref_without_class(keychain, cert):
    """secd-83-item-match-*.m addTestCertificates: SecItemAdd({kSecValueRef: cert}) with no kSecClass →
    0 (the ref supplies the class, §D.3)."""
    assert keychain.SecItemAdd({kSecValueRef: cert})[0] == errSecSuccess
    status, rows = keychain.SecItemCopyMatching(
        {kSecClass: kSecClassCertificate, kSecMatchLimit: kSecMatchLimitAll, kSecReturnAttributes: True}
    )
    assert status == errSecSuccess and len(rows) == 1


@pytest.mark.apple_source
def test_certificate_default_accessibility_is_always(keychain, cert):
    """SecDbQuery.c query_infer_keyclass: class cert defaults to kSecAttrAccessibleAlways ("dk") — and
    so stays readable while the device is locked or before the first unlock (§K.1/§K.2)."""
    status, attrs = keychain.SecItemAdd(_cert_dict(cert, **{kSecReturnAttributes: True}))
    assert status == errSecSuccess
    assert attrs[kSecAttrAccessible] == kSecAttrAccessibleAlways
    keychain.lock()
    assert keychain.SecItemCopyMatching({kSecClass: kSecClassCertificate, kSecReturnData: True})[0] == errSecSuccess
    keychain.restart()
    assert keychain.SecItemCopyMatching({kSecClass: kSecClassCertificate, kSecReturnData: True})[0] == errSecSuccess


@pytest.mark.apple_source
def test_certificate_label_inferred_from_subject_summary(keychain, crypto, cert):
    """OSX/sec/Security/SecItem.m infer_cert_label: a certificate added by ref without kSecAttrLabel
    gets the subject summary as its label; a caller label wins."""
    status, attrs = keychain.SecItemAdd(_cert_dict(cert, **{kSecReturnAttributes: True}))
    assert status == errSecSuccess
    assert attrs[kSecAttrLabel] == crypto.SecCertificateCopySubjectSummary(cert)
    keychain.SecItemDelete(_cert_dict(cert))
    status, attrs = keychain.SecItemAdd(_cert_dict(cert, **{kSecAttrLabel: "mine", kSecReturnAttributes: True}))
    assert status == errSecSuccess and attrs[kSecAttrLabel] == "mine"


@pytest.mark.apple_source
def test_certificate_ref_contributes_issuer_serial_and_pkhh(keychain, cert):
    """SecCertificate.c SecCertificateCopyAttributeDictionary (§D.3): the ref adds ctyp, cenc (3 = DER),
    issr, slnr and a 20-byte pkhh."""
    status, attrs = keychain.SecItemAdd(_cert_dict(cert, **{kSecReturnAttributes: True}))
    assert status == errSecSuccess
    assert attrs[kSecAttrCertificateEncoding] == 3
    assert attrs[kSecAttrCertificateType] in (1, 2, 3)
    assert isinstance(attrs[kSecAttrIssuer], bytes) and attrs[kSecAttrIssuer]
    assert isinstance(attrs[kSecAttrSerialNumber], bytes) and attrs[kSecAttrSerialNumber]
    assert isinstance(attrs[kSecAttrPublicKeyHash], bytes) and len(attrs[kSecAttrPublicKeyHash]) == 20


@pytest.mark.apple_source
def test_two_certificates_with_other_serials_coexist(keychain, crypto):
    """§C.3 cert uniqueness (ctyp, issr, slnr, agrp, sync, …): two certificates from one issuer with
    different serial numbers are different items."""
    c1 = crypto.SecCertificateCreateWithData(make_certificate_der(serial=1))
    c2 = crypto.SecCertificateCreateWithData(make_certificate_der(serial=2))
    assert keychain.SecItemAdd(_cert_dict(c1))[0] == errSecSuccess
    assert keychain.SecItemAdd(_cert_dict(c2))[0] == errSecSuccess


@pytest.mark.inferred
def test_raw_data_certificates_collide(keychain, cert_der):
    """§D.3 (inferred: the server never parses kSecValueData): certificates added as raw data get
    ctyp 0 and empty issr/slnr, so a second, different certificate in the same group collides."""
    assert keychain.SecItemAdd({kSecClass: kSecClassCertificate, kSecValueData: cert_der})[0] == errSecSuccess
    other = make_certificate_der(serial=99, common_name="other")
    assert keychain.SecItemAdd({kSecClass: kSecClassCertificate, kSecValueData: other})[0] == errSecDuplicateItem


@pytest.mark.apple_test
@pytest.mark.parametrize("return_key", [kSecReturnAttributes, kSecReturnData, kSecReturnRef, kSecReturnPersistentRef])
def test_secd83_valid_on_date(keychain, crypto, return_key):
    """secd-83-item-match-valid-on-date.m: certificates valid 2016-04-07..2017-04-07; LimitAll finds all
    of them; with kSecMatchValidOnDate 2016-04-07 16:00 GMT all; with 2016-04-06 or 2017-04-08 →
    errSecItemNotFound — for each of the four return keys."""
    for serial in (1, 2, 3):
        cert = crypto.SecCertificateCreateWithData(make_certificate_der(serial=serial, common_name=f"c{serial}"))
        assert keychain.SecItemAdd({kSecValueRef: cert})[0] == errSecSuccess
    base = {kSecClass: kSecClassCertificate, kSecMatchLimit: kSecMatchLimitAll, return_key: True}
    status, result = keychain.SecItemCopyMatching(base)
    assert status == errSecSuccess and len(result) == 3
    status, result = keychain.SecItemCopyMatching(base | {kSecMatchValidOnDate: VALID_DATE})
    assert status == errSecSuccess and len(result) == 3
    for date in (DATE_BEFORE, DATE_AFTER):
        status, result = keychain.SecItemCopyMatching(base | {kSecMatchValidOnDate: date})
        assert status == errSecItemNotFound and result is None


@pytest.mark.apple_test
@pytest.mark.parametrize("return_key", [kSecReturnAttributes, kSecReturnData, kSecReturnRef, kSecReturnPersistentRef])
def test_secd83_trusted_only_excludes_untrusted(keychain, crypto, return_key):
    """secd-83-item-match-trusted.m: the test certificates are found with LimitAll, but with
    kSecMatchTrustedOnly = true → errSecItemNotFound (none chains to a trusted anchor)."""
    cert = crypto.SecCertificateCreateWithData(make_certificate_der())
    assert keychain.SecItemAdd({kSecValueRef: cert})[0] == errSecSuccess
    base = {kSecClass: kSecClassCertificate, kSecMatchLimit: kSecMatchLimitAll, return_key: True}
    status, result = keychain.SecItemCopyMatching(base)
    assert status == errSecSuccess and len(result) == 1
    from keychainsim.errors import NotModeledError

    try:
        status, result = keychain.SecItemCopyMatching(base | {kSecMatchTrustedOnly: True})
    except NotModeledError as exc:  # style-anchors rule 9: an unmodelled Apple key must say so
        pytest.skip(f"engine does not model kSecMatchTrustedOnly: {exc}")
    assert status == errSecItemNotFound and result is None


@pytest.mark.apple_test
@pytest.mark.parametrize("email", ["hazmatteam6@apple.com", ""])
def test_email_match_excludes_certificate_without_email(keychain, crypto, email):
    """SecItemTests.m test_data_protection_kc_no_email: a certificate without any email address is not
    returned when kSecMatchEmailAddressIfPresent is given (ReturnRef + LimitAll) → errSecItemNotFound,
    for a real address and for the empty string."""
    cert = crypto.SecCertificateCreateWithData(make_certificate_der())
    assert keychain.SecItemAdd({kSecValueRef: cert})[0] == errSecSuccess
    status, result = keychain.SecItemCopyMatching(
        {
            kSecClass: kSecClassCertificate,
            kSecReturnRef: True,
            kSecMatchEmailAddressIfPresent: email,
            kSecMatchLimit: kSecMatchLimitAll,
        }
    )
    assert status == errSecItemNotFound and result is None


@pytest.mark.apple_source
def test_email_match_finds_certificate_with_that_email(keychain, crypto):
    """SecItemServer.c _FilterWithEmailAddress (§E.4): case-insensitive compare with the certificate's
    email addresses — a certificate carrying the address is found (ReturnRef)."""
    cert = crypto.SecCertificateCreateWithData(make_certificate_der(email="someone@example.com"))
    assert keychain.SecItemAdd({kSecValueRef: cert})[0] == errSecSuccess
    status, result = keychain.SecItemCopyMatching(
        {
            kSecClass: kSecClassCertificate,
            kSecReturnRef: True,
            kSecMatchEmailAddressIfPresent: "SomeOne@Example.com",
            kSecMatchLimit: kSecMatchLimitAll,
        }
    )
    assert status == errSecSuccess and len(result) == 1
