"""macOS: what the file-based keychain's attribute dictionaries hold, and how its identity join pairs keys.

Sources: OSX/libsecurity_keychain/lib/SecItem.cpp, AddItemResults() and _CreateAttributesDictionaryFromItem()
with its per-class tables (gGenericPasswordAttributes, gCertificateAttributes, gKeyAttributes) and
_CreateAttributesDictionaryFromInternetPasswordItem(); OSX/libsecurity_keychain/lib/IdentityCursor.cpp (the
identity search walks the private key records and finds certificates by public key hash).
"""

from __future__ import annotations

import copy
import json
import warnings

import pytest

from keychainsim import SecCertificateCopyData, SecCertificateCreateWithData
from keychainsim.constants import *
from keychainsim.crypto.ca import TestCA
from keychainsim.crypto.csr import create_csr
from keychainsim.probe import DumpDisagreement, dump_origin, load_dump
from tests.probe.test_load_dump import DEVICE_DOCUMENT

pytestmark = pytest.mark.apple_source

FILE = {kSecUseDataProtectionKeychain: False}
DP = {kSecUseDataProtectionKeychain: True}
ATTRIBUTES = {kSecReturnAttributes: True}


@pytest.fixture
def mac(make_keychain):
    return make_keychain(platform="macos")


def _identity(kc, where: dict) -> bytes:
    """A permanent EC key and a certificate for it, both in the keychain ``where`` names; the DER."""
    params = {
        kSecAttrKeyType: kSecAttrKeyTypeECSECPrimeRandom,
        kSecAttrKeySizeInBits: 256,
        kSecPrivateKeyAttrs: {kSecAttrIsPermanent: True, kSecAttrApplicationTag: b"client-key"},
        **where,
    }
    key, error = kc.SecKeyCreateRandomKey(params)
    assert error is None
    der = TestCA().issue(create_csr(key, {"CN": "mac client"})).der
    cert = SecCertificateCreateWithData(der)
    assert kc.SecItemAdd({kSecClass: kSecClassCertificate, kSecValueRef: cert, kSecAttrLabel: "client", **where})[0] == 0
    return der


def test_a_file_based_key_gives_the_key_table_with_its_class_and_type_as_constants(mac):
    """gKeyAttributes: the key's class and algorithm as CFString constants, its flags as CFBooleans, and
    nothing the table leaves out (no creation date, no kSecAttrIsPrivate, no kSecAttrIsSensitive)."""
    _identity(mac, FILE)
    status, found = mac.SecItemCopyMatching({kSecClass: kSecClassKey, **ATTRIBUTES, **FILE})
    assert status == errSecSuccess
    assert sorted(found) == sorted(
        ["class", "kcls", "perm", "klbl", "atag", "type", "bsiz", "esiz", "encr", "decr", "drve", "sign", "vrfy",
         "wrap", "unwp"]
    )  # fmt: skip
    assert found[kSecAttrKeyClass] == kSecAttrKeyClassPrivate == "1"
    assert found[kSecAttrKeyType] == kSecAttrKeyTypeECSECPrimeRandom == "73"
    assert found[kSecAttrIsPermanent] is True and found[kSecAttrCanSign] is True and found[kSecAttrCanEncrypt] is False
    assert found[kSecAttrApplicationTag] == b"client-key" and found[kSecAttrKeySizeInBits] == 256
    # The data protection keychain's dictionary of the same kind of key keeps its own columns.
    other = make_dp_key(mac)
    assert other[kSecAttrIsPrivate] == 1 and kSecAttrCreationDate in other


def make_dp_key(kc) -> dict:
    _identity(kc, DP)
    status, found = kc.SecItemCopyMatching({kSecClass: kSecClassKey, **ATTRIBUTES, **DP})
    assert status == errSecSuccess
    return found


def test_a_file_based_certificate_gives_the_certificate_table(mac):
    _identity(mac, FILE)
    status, found = mac.SecItemCopyMatching({kSecClass: kSecClassCertificate, **ATTRIBUTES, **FILE})
    assert status == errSecSuccess
    assert sorted(found) == sorted(["class", "labl", "subj", "issr", "slnr", "pkhh", "skid", "ctyp", "cenc"])
    assert found[kSecClass] == kSecClassCertificate and found[kSecAttrLabel] == "client"


def test_a_file_based_identity_gives_its_certificates_dictionary_and_data(mac):
    """AddItemResults() is handed the certificate as the item beside the identity: the attributes are the
    certificate's (kSecClass kSecClassCertificate), and kSecReturnData gives SecCertificateCopyData; in the
    data protection keychain the identity's data is its key's and its attributes are the join's."""
    der = _identity(mac, FILE)
    query = {kSecClass: kSecClassIdentity, kSecAttrLabel: "client", **FILE}
    status, identity_attrs = mac.SecItemCopyMatching({**query, **ATTRIBUTES})
    assert status == errSecSuccess
    status, cert_attrs = mac.SecItemCopyMatching({kSecClass: kSecClassCertificate, **ATTRIBUTES, **FILE})
    assert identity_attrs == cert_attrs and identity_attrs[kSecClass] == kSecClassCertificate
    assert kSecAttrApplicationLabel not in identity_attrs
    status, data = mac.SecItemCopyMatching({**query, kSecReturnData: True})
    assert status == errSecSuccess and data == der
    status, ref = mac.SecItemCopyMatching({kSecClass: kSecClassCertificate, kSecReturnRef: True, **FILE})
    assert SecCertificateCopyData(ref) == der


def test_an_internet_password_leaves_out_empty_attributes_and_gives_flags_as_booleans(mac):
    """_CreateAttributesDictionaryFromInternetPasswordItem copies only values of length > 0: no empty
    security domain, path or authentication type; kSecAttrIsInvisible as a CFBoolean."""
    item = {kSecClass: kSecClassInternetPassword, kSecAttrServer: "h.example", kSecAttrAccount: "a",
            kSecAttrProtocol: kSecAttrProtocolHTTPS, kSecAttrIsInvisible: True, kSecValueData: b"x"}  # fmt: skip
    assert mac.SecItemAdd(item)[0] == errSecSuccess
    status, found = mac.SecItemCopyMatching({kSecClass: kSecClassInternetPassword, **ATTRIBUTES, **FILE})
    assert status == errSecSuccess
    assert not {kSecAttrSecurityDomain, kSecAttrPath, kSecAttrAuthenticationType} & set(found)
    assert found[kSecAttrProtocol] == kSecAttrProtocolHTTPS and found[kSecAttrIsInvisible] is True
    assert found[kSecAttrServer] == "h.example" and found[kSecAttrLabel] == "h.example"


def test_a_generic_password_gives_only_the_generic_password_table(mac):
    item = {kSecClass: kSecClassGenericPassword, kSecAttrService: "s", kSecAttrAccount: "a",
            kSecAttrIsNegative: True, kSecAttrGeneric: b"g", kSecValueData: b"x"}  # fmt: skip
    assert mac.SecItemAdd(item)[0] == errSecSuccess
    status, found = mac.SecItemCopyMatching({kSecClass: kSecClassGenericPassword, **ATTRIBUTES, **FILE})
    assert status == errSecSuccess
    assert set(found) <= {"class", "cdat", "mdat", "desc", "icmt", "crtr", "type", "labl", "invi", "nega", "acct",
                          "svce", "gena"}  # fmt: skip
    assert found[kSecAttrIsNegative] is True and found[kSecAttrGeneric] == b"g" and found[kSecAttrLabel] == "s"


def _mac_dump(without: str, keychain: str) -> str:
    """The device document with its key and certificate in ``keychain`` and the key's ``without``
    attribute removed, its identities left out (nothing to compare)."""
    body = copy.deepcopy(DEVICE_DOCUMENT)
    body["platform"] = "macos"
    for item in body["items"]:
        item["keychain"] = keychain
    del body["items"][0]["attributes"][without]
    return json.dumps(body)


@pytest.mark.parametrize(
    ("keychain", "without", "pairs"),
    [
        ("file", "priv", True),  # a Mac's file-based key has no kSecAttrIsPrivate: its class decides
        ("file", "kcls", False),
        ("dp", "priv", False),  # the data protection join reads keys.priv = 1 (SecItemDb.c)
    ],
)
def test_which_key_column_the_identity_join_reads_in_each_keychain(keychain: str, without: str, pairs: bool):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DumpDisagreement)
        kc = load_dump(_mac_dump(without, keychain))
    assert dump_origin(kc) is not None
    where = FILE if keychain == "file" else DP
    status, _ = kc.SecItemCopyMatching({kSecClass: kSecClassIdentity, kSecReturnAttributes: True, **where})
    assert status == (errSecSuccess if pairs else errSecItemNotFound)
