"""macOS: how the SecItem shim merges the two keychains, routes keys and identities, and refuses flags.

Sources: OSX/libsecurity_keychain/lib/SecItem.cpp (SecItemCategorizeQuery, SecItemCopyMatching,
SecItemMergeResults), OSX/libsecurity_keychain/lib/SecKey.cpp (_SecKeyCreateRandomKey,
CopyFullKeyParameters, SecKeyIsCDSAKey), OSX/libsecurity_keychain/lib/SecImportExport.c (SecPKCS12Import,
importPkcs12IdentityToLegacyKeychain), OSX/libsecurity_keychain/lib/SecIdentity.cpp
(SecIdentityImportToFileBackedKeychain). Reference secitem-engine.md §M, as corrected.
"""

from __future__ import annotations

import pytest

from keychainsim import SecCertificateCreateWithData, SecIdentityCopyPrivateKey, SecKeyCopyAttributes
from keychainsim.constants import *
from keychainsim.crypto.ca import TestCA
from keychainsim.crypto.csr import create_csr
from keychainsim.errors import NotModeledError
from keychainsim.model.keychain_item import SecKeychainItem

from ._support import genp

DP = {kSecUseDataProtectionKeychain: True}
FILE = {kSecUseDataProtectionKeychain: False}


@pytest.fixture
def mac(make_keychain):
    return make_keychain(platform="macos")


def both(kc, account: str = "alice") -> None:
    """The same password in each keychain (the shim's uniqueness is per keychain)."""
    assert kc.SecItemAdd(genp(account, **{kSecValueData: b"file"}))[0] == errSecSuccess
    assert kc.SecItemAdd(genp(account, **{kSecValueData: b"dp"}, **DP))[0] == errSecSuccess


@pytest.mark.apple_source
def test_without_return_keys_the_caller_gets_the_file_items_reference(mac):
    """SecItemMergeResults: with both halves successful and no array, the result is the data protection
    one if it is non-NULL, else the file one. Without return keys the data protection half returns NULL
    and the file half its default SecKeychainItemRef, so the caller gets the file item's reference."""
    both(mac)
    status, result = mac.SecItemCopyMatching(genp())
    assert status == errSecSuccess
    assert isinstance(result, SecKeychainItem) and result.keychain == "file"
    status, data = mac.SecItemCopyMatching(genp(**{kSecReturnData: True}))
    assert (status, data) == (errSecSuccess, b"dp")  # a non-NULL data protection result wins


@pytest.mark.apple_source
def test_arrays_are_concatenated_data_protection_first_and_the_limit_is_not_applied_again(mac):
    """SecItemMergeResults: two arrays are folded into one, the data protection array first; each half ran
    with the caller's limit and nothing trims the sum, so kSecMatchLimit 2 can give four items. (Data with
    kSecMatchLimitAll would not do here: the file-based keychain refuses it for passwords, and a failed
    file half leaves the data protection result alone.) Items of the file-based keychain have no access
    group."""
    for account in ("a", "b"):
        both(mac, account)
    query = {kSecClass: kSecClassGenericPassword, kSecAttrService: "svc", kSecReturnAttributes: True}
    status, found = mac.SecItemCopyMatching(query | {kSecMatchLimit: kSecMatchLimitAll})
    assert status == errSecSuccess
    assert [kSecAttrAccessGroup in row for row in found] == [True, True, False, False]
    status, found = mac.SecItemCopyMatching(query | {kSecMatchLimit: 2})
    assert status == errSecSuccess and len(found) == 4
    status, found = mac.SecItemCopyMatching(query | {kSecReturnData: True, kSecMatchLimit: kSecMatchLimitAll})
    assert status == errSecSuccess and [row[kSecValueData] for row in found] == [b"dp", b"dp"]


@pytest.mark.apple_source
def test_a_missing_entitlement_in_the_data_protection_half_is_ignored(make_keychain):
    """SecItemMergeResults: when both keychains were targeted and the data protection half failed with
    errSecMissingEntitlement (an app without keychain access groups), its result is ignored: the file
    half's status is the call's, success or errSecItemNotFound, never -34018. Asked for the data protection
    keychain alone, the same app gets -34018."""
    kc = make_keychain(platform="macos", access_groups=[])
    assert kc.SecItemCopyMatching(genp())[0] == errSecItemNotFound
    assert kc.SecItemAdd(genp(**{kSecValueData: b"pw"}))[0] == errSecSuccess
    assert kc.SecItemCopyMatching(genp(**{kSecReturnData: True})) == (errSecSuccess, b"pw")
    assert kc.SecItemCopyMatching(genp(**DP))[0] == errSecMissingEntitlement


def _key_params(**top: object) -> dict:
    return {
        kSecAttrKeyType: kSecAttrKeyTypeECSECPrimeRandom,
        kSecAttrKeySizeInBits: 256,
        kSecPrivateKeyAttrs: {kSecAttrIsPermanent: True, kSecAttrApplicationTag: b"mac-key"},
        **top,
    }


@pytest.mark.apple_source
def test_a_key_made_without_the_flag_and_its_certificate_form_an_identity_in_the_file_keychain(mac):
    """SecKey.cpp _SecKeyCreateRandomKey: parameters that can target the file-based keychain (no
    kSecUseDataProtectionKeychain, no token ID) make a CDSA key, stored there when permanent; a certificate
    added without the flag goes there too, so an identity query without the flag pairs them. The key ref
    is a CDSA key (SecKeyIsCDSAKey), which SecItemCategorizeQuery sends to the file-based keychain only:
    adding it again with its tag collides there."""
    key, error = mac.SecKeyCreateRandomKey(_key_params())
    assert error is None
    assert [(i.item_class, i.keychain) for i in mac.all_items()] == [("keys", "file")]
    cert = SecCertificateCreateWithData(TestCA().issue(create_csr(key, {"CN": "mac client"})).der)
    assert mac.SecItemAdd({kSecClass: kSecClassCertificate, kSecValueRef: cert, kSecAttrLabel: "mac"})[0] == 0
    status, identity = mac.SecItemCopyMatching(
        {kSecClass: kSecClassIdentity, kSecAttrLabel: "mac", kSecReturnRef: True}
    )
    assert status == errSecSuccess and SecIdentityCopyPrivateKey(identity)[1] == key
    again = {kSecClass: kSecClassKey, kSecValueRef: key, kSecAttrApplicationTag: b"mac-key"}
    assert mac.SecItemAdd(again)[0] == errSecDuplicateItem
    assert mac.SecItemCopyMatching({kSecClass: kSecClassIdentity, kSecAttrLabel: "mac", **DP})[0] == errSecItemNotFound


@pytest.mark.apple_source
def test_a_key_made_with_the_flag_lives_in_the_data_protection_keychain(mac):
    """SecKey.cpp _SecKeyCreateRandomKey: kSecUseDataProtectionKeychain true rules out the file-based
    keychain for both halves, so the iOS implementation makes and stores the key."""
    key, error = mac.SecKeyCreateRandomKey(_key_params(**DP))
    assert error is None
    assert [(i.item_class, i.keychain) for i in mac.all_items()] == [("keys", "dp")]
    label = SecKeyCopyAttributes(key)[kSecAttrApplicationLabel]
    assert mac.SecItemCopyMatching({kSecClass: kSecClassKey, kSecAttrApplicationLabel: label, **DP})[0] == 0


@pytest.mark.apple_source
def test_halves_that_can_only_go_to_different_keychains_are_refused(mac):
    """SecKey.cpp _SecKeyCreateRandomKey: the private half only for the file-based keychain, the public
    half only for the data protection one: "inconsistent key parameters" (-50), nothing stored."""
    params = _key_params()
    params[kSecPrivateKeyAttrs] = {**params[kSecPrivateKeyAttrs], **FILE}
    params[kSecPublicKeyAttrs] = dict(DP)
    key, error = mac.SecKeyCreateRandomKey(params)
    assert key is None and error.code == errSecParam
    assert mac.all_items() == []


@pytest.mark.apple_source
def test_a_sharing_group_beside_a_false_data_protection_flag_is_a_parameter_error(mac):
    """SecItemCategorizeQuery: kSecAttrSharingGroup needs the data protection keychain; with
    kSecUseDataProtectionKeychain false the call is errSecParam (-50), for a query and for an add. Without
    the flag the query goes to the data protection keychain alone, where naming a sharing group needs an
    entitlement apps do not have (-34018), instead of also searching the file-based keychain."""
    shared = {kSecAttrSharingGroup: "group.example.shared"}
    assert mac.SecItemCopyMatching(genp(**shared, **FILE))[0] == errSecParam
    assert mac.SecItemAdd(genp(**shared, **FILE, **{kSecValueData: b"x"}))[0] == errSecParam
    assert mac.SecItemCopyMatching(genp(**shared))[0] == errSecMissingEntitlement
    assert mac.all_items() == []


@pytest.mark.model
@pytest.mark.parametrize("platform", ["ios", "macos"])
def test_the_system_keychain_is_refused_as_not_modelled(make_keychain, platform):
    """kSecUseSystemKeychainAlways (SecItemCategorizeQuery: the data protection system keychain) is not
    modelled: NotModeledError rather than a search of the app's own keychain."""
    kc = make_keychain(platform=platform)
    with pytest.raises(NotModeledError, match="u_SystemKeychainAlways"):
        kc.SecItemCopyMatching(genp(**{kSecUseSystemKeychainAlways: True}))


@pytest.mark.apple_source
def test_the_system_keychain_beside_a_false_data_protection_flag_is_a_parameter_error(mac):
    """SecItemCategorizeQuery: kSecUseSystemKeychainAlways with kSecUseDataProtectionKeychain false is
    errSecParam (-50) before any keychain is searched."""
    assert mac.SecItemCopyMatching(genp(**{kSecUseSystemKeychainAlways: True}, **FILE))[0] == errSecParam


@pytest.mark.apple_source
def test_the_device_lock_does_not_lock_the_file_keychain(mac):
    """securityd/src/kcdatabase.cpp (KeychainDatabase::makeUnlocked, KeychainDbCommon idle timeout and lock
    on sleep) and OSX/libsecurity_keychain/lib/Keychains.cpp (KeychainImpl::status reads the keychain
    database's own isLocked()): the file-based keychain is locked and unlocked by itself, per keychain file,
    and its items have no data protection class. Locking the device (the class keys of the data protection
    keychain) leaves a file-based item readable, updatable and deletable, while the data protection item
    beside it is errSecInteractionNotAllowed (-25308); a search of both keychains then gives the file
    half's outcome (SecItemMergeResults: a failed data protection half is set aside)."""
    both(mac)
    mac.lock()
    assert mac.SecItemUpdate(genp(**FILE), {kSecValueData: b"file 2"}) == errSecSuccess
    assert mac.SecItemCopyMatching(genp(**FILE, **{kSecReturnData: True})) == (errSecSuccess, b"file 2")
    assert mac.SecItemCopyMatching(genp(**DP, **{kSecReturnData: True}))[0] == errSecInteractionNotAllowed
    assert mac.SecItemUpdate(genp(**DP), {kSecValueData: b"dp 2"}) == errSecInteractionNotAllowed
    assert mac.SecItemCopyMatching(genp(**{kSecReturnData: True})) == (errSecSuccess, b"file 2")
    assert mac.SecItemDelete(genp(**FILE)) == errSecSuccess
    mac.unlock()
    assert [(i.keychain, i.get("v_Data")) for i in mac.all_items()] == [("dp", b"dp")]


@pytest.mark.apple_source
def test_explain_on_a_locked_device_blames_no_file_keychain_item(mac):
    """securityd/src/kcdatabase.cpp: the device lock is not the file-based keychain's lock, so explaining
    an update of a file-based item while the device is locked gives the call's own status (success) and no
    lock finding; for the data protection item it names the protection class and the lock."""
    from keychainsim.explain import explain

    both(mac)
    mac.lock()
    report = explain(mac, genp(**FILE), call="SecItemUpdate", attributes_to_update={kSecValueData: b"x"})
    assert report.status == errSecSuccess
    assert not [f for f in report.findings if f.code.startswith("lock.")]
    report = explain(mac, genp(**DP), call="SecItemUpdate", attributes_to_update={kSecValueData: b"x"})
    assert report.status == mac.SecItemUpdate(genp(**DP), {kSecValueData: b"x"}) == errSecInteractionNotAllowed
    assert any("protection" in f.message and "locked" in f.message for f in report.findings)


MERGED_QUERIES = [
    {},  # no return keys: the file item's ref
    {kSecReturnData: True},  # the data protection half's non-NULL result
    {kSecReturnPersistentRef: True, kSecMatchLimit: 2},  # two arrays of two, not cut back to two
    {kSecReturnAttributes: True, kSecMatchLimit: kSecMatchLimitAll},
]


@pytest.mark.apple_source
@pytest.mark.parametrize("extra", MERGED_QUERIES)
@pytest.mark.parametrize("state", ["unlocked", "locked", "unentitled"])
def test_explain_gives_the_merged_status_and_matches(make_keychain, extra, state):
    """SecItem.cpp SecItemCopyMatching/SecItemMergeResults: explain replays the call through both halves
    and reports the merged status and the matches behind the merged result, data protection rows first:
    with both keychains holding items, with the data protection half failing -25308 (device locked) and
    with it failing -34018 (no keychain access groups), both set aside for the file half."""
    kc = make_keychain(platform="macos", access_groups=[] if state == "unentitled" else None)
    for account in ("a", "b"):
        assert kc.SecItemAdd(genp(account, **{kSecValueData: b"file"}))[0] == errSecSuccess
        if state != "unentitled":
            assert kc.SecItemAdd(genp(account, **{kSecValueData: b"dp"}, **DP))[0] == errSecSuccess
    if state == "locked":
        kc.lock()
    from keychainsim.explain import explain

    query = {kSecClass: kSecClassGenericPassword, kSecAttrService: "svc", **extra}
    report = explain(kc, query, call="SecItemCopyMatching")
    status, result = kc.SecItemCopyMatching(query)
    assert status == errSecSuccess and report.status == status
    keychains = [m.keychain for m in report.matches]
    dp_result = state == "unlocked" and extra  # else the data protection half failed, or returned NULL
    expected_dp = (2 if isinstance(result, list) else 1) if dp_result else 0
    assert keychains == ["dp"] * expected_dp + ["file"] * (len(keychains) - expected_dp)
    assert len(report.matches) == (len(result) if isinstance(result, list) else 1)
    if not extra:
        assert isinstance(result, SecKeychainItem) and keychains == ["file"]


@pytest.mark.apple_source
def test_the_file_keychain_returns_exactly_the_result_types_asked_for(mac):
    """SecItem.cpp AddItemResults (SecItemAdd_osx and SecItemCopyMatching_osx alike): several result types
    make one dictionary holding exactly those types, attributes merged in only for kSecReturnAttributes;
    the attributes (_CreateAttributesDictionaryFromGenericPasswordItem) carry kSecClass and no SHA-1.
    So data with a persistent ref is {v_Data, v_PersistentRef} from the file-based keychain on add and on
    search, while the data protection keychain's search carries the attributes too (SecItem.m
    SecItemCopyMatching asks its server for them; reference §E.6, corrected)."""
    both_returns = {kSecReturnData: True, kSecReturnPersistentRef: True}
    status, added = mac.SecItemAdd(genp(**{kSecValueData: b"file"}, **both_returns))
    assert status == errSecSuccess and set(added) == {kSecValueData, kSecValuePersistentRef}
    assert mac.SecItemAdd(genp(**{kSecValueData: b"dp"}, **DP))[0] == errSecSuccess
    status, found = mac.SecItemCopyMatching(genp(**FILE, **both_returns))
    assert status == errSecSuccess and found == added
    status, found = mac.SecItemCopyMatching(genp(**DP, **both_returns))
    assert status == errSecSuccess and found[kSecValueData] == b"dp" and found[kSecAttrAccount] == "alice"
    status, found = mac.SecItemCopyMatching(genp(**FILE, **{kSecReturnRef: True, kSecReturnAttributes: True}))
    assert status == errSecSuccess and kSecValueData not in found
    assert isinstance(found[kSecValueRef], SecKeychainItem) and found[kSecAttrAccount] == "alice"
    status, attributes = mac.SecItemCopyMatching(genp(**FILE, **{kSecReturnAttributes: True}))
    assert status == errSecSuccess and attributes[kSecClass] == kSecClassGenericPassword
    assert kSecAttrSHA1 not in attributes and attributes[kSecAttrLabel] == "svc"  # the label defaults
    status, attributes = mac.SecItemCopyMatching(genp(**DP, **{kSecReturnAttributes: True}))
    assert status == errSecSuccess and kSecClass not in attributes and kSecAttrSHA1 in attributes
