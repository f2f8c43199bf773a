"""explain of every call the engine accepts: its status is the call's, and a failure always says what
happened (a collision, a stale reference, a refused add, update or delete), in the terms of its mechanism.

Each test explains a call first, then makes it, on a real Keychain, and compares.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from keychainsim import Keychain
from keychainsim.constants import *

pytest.importorskip("keychainsim.crypto")

from keychainsim.crypto import SecCertificateCreateWithData, SecIdentityCreate
from keychainsim.engine.results import persistent_ref
from keychainsim.explain import explain
from keychainsim.probe import trace
from tests.conformance._enrollment import IDENTITY_QUERY, LABEL, enroll, issue, key_params, public_point

APP = "A1B2C3D4E5.com.example.app"
SHARED = "A1B2C3D4E5.com.example.shared"
GENP = {kSecClass: kSecClassGenericPassword, kSecAttrService: "api", kSecAttrAccount: "alice"}
P12 = (Path(__file__).resolve().parents[2] / "fixtures" / "material" / "device-legacy.p12").read_bytes()


def explained_then_called(kc: Keychain, call: str, *args):
    """explain of the call, then the call; their statuses must agree."""
    changes = args[1] if call == "SecItemUpdate" else None
    report = explain(kc, args[0], call=call, attributes_to_update=changes)
    returned = getattr(kc, call)(*args)
    status = returned[0] if isinstance(returned, tuple) else returned
    assert report.status == status, str(report)
    return report, returned


@pytest.mark.apple_source
def test_identity_add_that_collides_names_both_halves() -> None:
    """SecItem.m explode_identity (reference §H.6): SecItemAdd({kSecValueRef: identity}) adds the certificate,
    then the key; when both already exist the add is errSecDuplicateItem. explain follows the same two adds
    and names the row each half collides with."""
    kc = Keychain()
    key, certificate, _ = enroll(kc)
    identity = SecIdentityCreate(certificate, key)
    first, (status, _) = explained_then_called(kc, "SecItemAdd", {kSecValueRef: identity})
    assert (
        status == errSecSuccess and first.findings == []
    )  # the certificate collides (fine); the key ref adds a row of its own
    report, (status, _) = explained_then_called(kc, "SecItemAdd", {kSecValueRef: identity})
    assert status == errSecDuplicateItem
    assert report.codes == ["add.duplicate", "add.duplicate"]
    collided = {(f.items[0].item_class, f.items[0].rowid) for f in report.findings}
    stored = {(i.item_class, i.rowid) for i in kc.all_items()}
    assert {c for c, _ in collided} == {"cert", "keys"} and collided <= stored
    assert explain(kc, {kSecValueRef: identity}).status == errSecDuplicateItem  # guessed: an add


@pytest.mark.apple_source
def test_stale_persistent_reference() -> None:
    """SecItemDb.c / reference §L.2: a persistent reference names a row by its UUID; once the item is deleted
    the lookup is errSecItemNotFound. explain says the reference is stale, and the trace shows the delete."""
    kc = Keychain()
    with trace(kc):
        status, ref = kc.SecItemAdd({**GENP, kSecValueData: b"pw", kSecReturnPersistentRef: True})
        assert status == errSecSuccess
        assert kc.SecItemDelete(GENP) == errSecSuccess
        query = {kSecValuePersistentRef: ref, kSecReturnData: True}
        report, (status, _) = explained_then_called(kc, "SecItemCopyMatching", query)
    assert status == errSecItemNotFound
    assert report.codes[0] == "query.stale_persistent_ref"
    assert report.findings[0].evidence["persistent_ref"] == ref[4:]
    assert "trace.item_deleted" in report.codes


@pytest.mark.apple_source
def test_update_that_would_duplicate_another_item() -> None:
    """SecItemDb.c s3dl_query_update (reference §F.4): an update giving a row the uniqueness attributes of
    another is errSecDuplicateItem; explain names the row it would duplicate. Called right after the failed
    update, explain takes it (and its attributes to update) as the call to explain."""
    kc = Keychain()
    assert kc.SecItemAdd({**GENP, kSecValueData: b"1"})[0] == errSecSuccess
    assert kc.SecItemAdd({**GENP, kSecAttrAccount: "bob", kSecValueData: b"2"})[0] == errSecSuccess
    report, status = explained_then_called(kc, "SecItemUpdate", GENP, {kSecAttrAccount: "bob"})
    assert status == errSecDuplicateItem
    (finding,) = report.findings
    assert finding.code == "update.duplicate" and finding.items[0].rowid == 2
    assert finding.evidence["updated"] == "genp#1"
    assert explain(kc, GENP).codes == ["update.duplicate"]  # the last call, with its attributes to update


@pytest.mark.apple_source
def test_update_that_collides_on_an_earlier_row_says_what_it_kept() -> None:
    """SecItemDb.c s3dl_query_update: the first matching row collides, the last one updates, so the server
    commits the last row's change and replies with the first row's errSecDuplicateItem. explain agrees on
    the status, names the row collided with, and says which row was updated all the same."""
    kc = Keychain()
    for account, service, label in (("a", "s", "L"), ("b", "s", "L"), ("a", "s2", "M")):
        added = kc.SecItemAdd(
            {
                kSecClass: kSecClassGenericPassword,
                kSecAttrAccount: account,
                kSecAttrService: service,
                kSecAttrLabel: label,
            }
        )
        assert added[0] == errSecSuccess
    query = {kSecClass: kSecClassGenericPassword, kSecAttrLabel: "L"}
    report, status = explained_then_called(kc, "SecItemUpdate", query, {kSecAttrService: "s2"})
    assert status == errSecDuplicateItem and report.status == status
    (finding,) = report.findings
    assert finding.code == "update.duplicate" and finding.items[0].rowid == 3
    assert finding.evidence["updated"] == "genp#1" and finding.evidence["updated_all_the_same"] == ["genp#2"]
    assert "unless the last matching row fails" in finding.message
    assert sorted(i.get("svce") for i in kc.all_items()) == ["s", "s2", "s2"]


@pytest.mark.apple_source
def test_update_stopped_at_a_locked_row_says_what_it_kept() -> None:
    """SecItemDb.c s3dl_query_update: on a locked device the first matching row (kSecAttrAccessibleWhenUnlocked)
    cannot be decrypted and fails, the last (kSecAttrAccessibleAfterFirstUnlock) updates and is committed;
    the reply carries -25308. explain names the locked row and the row updated all the same."""
    kc = Keychain()
    for account, protection in (("a", kSecAttrAccessibleWhenUnlocked), ("b", kSecAttrAccessibleAfterFirstUnlock)):
        item = {kSecClass: kSecClassGenericPassword, kSecAttrAccount: account, kSecAttrLabel: "L"}
        assert kc.SecItemAdd({**item, kSecAttrAccessible: protection})[0] == errSecSuccess
    kc.lock()
    query = {kSecClass: kSecClassGenericPassword, kSecAttrLabel: "L"}
    report, status = explained_then_called(kc, "SecItemUpdate", query, {kSecAttrLabel: "N"})
    assert status == errSecInteractionNotAllowed
    assert report.codes == ["lock.item_unavailable"]
    finding = report.findings[0]
    assert [i.rowid for i in finding.items] == [1] and finding.evidence["updated_all_the_same"] == ["genp#2"]
    assert sorted(i.get("labl") for i in kc.all_items()) == ["L", "N"]


@pytest.mark.apple_test
def test_refused_update_and_delete_say_why() -> None:
    """si-05-add.c (an attribute not of the class is errSecNoSuchAttr) and the delete rules of
    SecItemServer.c (a match limit other than all is errSecParam on iOS): explain gives the engine's reason."""
    kc = Keychain()
    assert kc.SecItemAdd({**GENP, kSecValueData: b"1"})[0] == errSecSuccess
    report, status = explained_then_called(kc, "SecItemUpdate", GENP, {kSecAttrApplicationTag: b"t"})
    assert status == errSecNoSuchAttr
    assert report.codes == ["query.rejected"] and "'atag'" in report.findings[0].message
    report, status = explained_then_called(kc, "SecItemDelete", {**GENP, kSecMatchLimit: kSecMatchLimitOne})
    assert status == errSecParam and report.codes == ["query.rejected"]
    report, status = explained_then_called(kc, "SecItemDelete", {**GENP, kSecAttrAccount: "carol"})
    assert status == errSecItemNotFound
    assert report.codes == ["query.attribute_mismatch"] and "'carol'" in report.findings[0].message
    assert len(kc.all_items()) == 1  # explaining a delete deleted nothing


@pytest.mark.apple_test
def test_add_while_locked() -> None:
    """secd-81-item-acl.m / reference §K.2: adding a WhenUnlocked (the default) item while the device is locked
    fails with errSecInteractionNotAllowed: the class key is not available to encrypt it."""
    kc = Keychain()
    kc.lock()
    report, (status, _) = explained_then_called(kc, "SecItemAdd", {**GENP, kSecValueData: b"1"})
    assert status == errSecInteractionNotAllowed
    assert report.codes == ["lock.add_unavailable"]
    kc.unlock()
    report, (status, _) = explained_then_called(kc, "SecItemAdd", {**GENP, kSecValueData: b"1"})
    assert status == errSecSuccess and report.findings == []


@pytest.mark.apple_source
def test_group_narrowed_by_the_query_is_not_an_entitlement_problem() -> None:
    """SecItemServer.c (reference §I.1): an explicit kSecAttrAccessGroup restricts the search to that group,
    and the identity join needs both halves inside it (§H.1). With the key in one group and the certificate in
    another, both entitled, the query's own group hides the pair: that is the query's attribute, not a missing
    entitlement. An app that really lacks the certificate's group gets access.group_not_visible."""
    kc = Keychain(access_groups=[APP, SHARED])
    enroll(kc, cert_extra={kSecAttrAccessGroup: SHARED})
    assert kc.SecItemCopyMatching(IDENTITY_QUERY)[0] == errSecSuccess
    narrowed = {**IDENTITY_QUERY, kSecAttrAccessGroup: APP}
    report, (status, _) = explained_then_called(kc, "SecItemCopyMatching", narrowed)
    assert status == errSecItemNotFound
    assert "access.group_not_visible" not in report.codes
    (finding,) = report.findings
    assert finding.code == "query.attribute_mismatch"
    assert "which this app is entitled to" in finding.message and "narrows the search" in finding.message
    other_app = kc.with_entitlements([APP])
    report, (status, _) = explained_then_called(other_app, "SecItemCopyMatching", IDENTITY_QUERY)
    assert status == errSecItemNotFound
    assert report.codes == ["access.group_not_visible"] and "not entitled" in report.findings[0].message


@pytest.mark.apple_docs
def test_pkcs12_import_on_ios_stores_nothing_and_the_trace_says_so() -> None:
    """SecImportExport.h: on iOS SecPKCS12Import returns the identity and stores nothing; the app must add it.
    The identity lookup that follows finds nothing; explain names the import from the trace instead of the
    usual hint about SecCertificateCreateWithData."""
    kc = Keychain()
    with trace(kc):
        status, items = kc.SecPKCS12Import(P12, {kSecImportExportPassphrase: "keychainsim"})
        assert status == errSecSuccess and len(items) == 1
        report, (status, _) = explained_then_called(kc, "SecItemCopyMatching", {kSecClass: kSecClassIdentity})
    assert status == errSecItemNotFound
    assert report.codes == ["identity.no_certificate", "trace.pkcs12_not_stored"]
    assert "SecCertificateCreateWithData" not in report.findings[0].message
    assert "PKCS#12 import in the trace stored nothing" in report.findings[0].message
    fixed = Keychain()
    with trace(fixed):
        _, items = fixed.SecPKCS12Import(P12, {kSecImportExportPassphrase: "keychainsim"})
        assert fixed.SecItemAdd({kSecValueRef: items[0][kSecImportItemIdentity]})[0] == errSecSuccess
        report, (status, _) = explained_then_called(fixed, "SecItemCopyMatching", {kSecClass: kSecClassIdentity})
    assert status == errSecSuccess and report.findings == []


@pytest.mark.apple_source
def test_macos_merge_matches_are_the_rows_returned() -> None:
    """SecItem.cpp SecItemCopyMatching (reference §M.3): without kSecUseDataProtectionKeychain both keychains
    are searched and the results merged, the data protection one first. explain's matches are the rows
    behind what came back: both for kSecMatchLimitAll, the data protection row for kSecMatchLimitOne."""
    kc = Keychain(platform="macos")
    for flag in (True, False):
        assert kc.SecItemAdd({**GENP, kSecValueData: b"pw", kSecUseDataProtectionKeychain: flag})[0] == 0
    for limit, count in ((kSecMatchLimitAll, 2), (kSecMatchLimitOne, 1)):
        query = {**GENP, kSecReturnPersistentRef: True, kSecMatchLimit: limit}
        report, (status, result) = explained_then_called(kc, "SecItemCopyMatching", query)
        assert status == errSecSuccess
        refs = result if isinstance(result, list) else [result]
        assert [persistent_ref("genp", row) for row in report.matches] == refs
        assert len(refs) == count and report.matches[0].keychain == "dp"


@pytest.mark.apple_source
def test_macos_half_refused_and_ignored_is_named() -> None:
    """SecItem.cpp SecItemCopyMatching (reference §M.3): a query without kSecUseDataProtectionKeychain also
    searches the file-based keychain; a refusal of the data protection half is ignored and the file-based
    answer is returned. explain names both: the near miss in the file-based keychain, and the refused half."""
    kc = Keychain(platform="macos")
    assert kc.SecItemAdd({**GENP, kSecValueData: b"pw"})[0] == errSecSuccess  # into the file-based keychain
    query = {**GENP, kSecAttrAccount: "bob", kSecAttrAccessGroup: "Z9Y8X7W6V5.com.example.other"}
    report, (status, _) = explained_then_called(kc, "SecItemCopyMatching", query)
    assert status == errSecItemNotFound
    assert "query.attribute_mismatch" in report.codes
    refused = next(f for f in report.findings if f.code == "access.missing_entitlement")
    assert refused.message.startswith("the data protection keychain's half was refused")


@pytest.mark.apple_source
def test_certificate_for_a_key_never_stored_through_every_call() -> None:
    """SecKey.m SecKeyCreateRandomKey: a key without kSecAttrIsPermanent is not stored; the certificate add
    succeeds, the identity lookup and the identity delete both find nothing, and explain says why for each."""
    kc = Keychain()
    key, _ = kc.SecKeyCreateRandomKey({kSecAttrKeyType: kSecAttrKeyTypeECSECPrimeRandom, kSecAttrKeySizeInBits: 256})
    certificate = SecCertificateCreateWithData(issue(public_point(key)))
    add = {kSecClass: kSecClassCertificate, kSecValueRef: certificate, kSecAttrLabel: LABEL}
    assert explained_then_called(kc, "SecItemAdd", add)[0].status == errSecSuccess
    report, _ = explained_then_called(kc, "SecItemCopyMatching", IDENTITY_QUERY)
    assert report.codes == ["identity.no_private_key"]
    identity = SecIdentityCreate(certificate, key)
    report, status = explained_then_called(kc, "SecItemDelete", {kSecValueRef: identity})
    assert status == errSecItemNotFound
    assert report.codes == ["class.empty"]  # the certificate half is deleted; there is no key at all
    assert report.findings[0].evidence == {"class": "keys"}
    fixed = Keychain()
    key, _ = fixed.SecKeyCreateRandomKey(key_params())
    certificate = SecCertificateCreateWithData(issue(public_point(key)))
    fixed.SecItemAdd({**add, kSecValueRef: certificate})
    report, status = explained_then_called(fixed, "SecItemDelete", {kSecValueRef: SecIdentityCreate(certificate, key)})
    assert status == errSecSuccess and report.findings == []


@pytest.mark.apple_source
def test_scenario_explain_step_as_an_update(tmp_path) -> None:
    """A scenario's explain step explains an update without making it (SecItemDb.c s3dl_query_update: the
    changed row would duplicate another, errSecDuplicateItem)."""
    from keychainsim.scenario import run_scenario

    path = tmp_path / "update.yaml"
    path.write_text(
        """scenario: explain an update
source: test
provenance: apple_source
steps:
  - {call: SecItemAdd, attributes: {kSecClass: kSecClassGenericPassword, kSecAttrAccount: a}}
  - {call: SecItemAdd, attributes: {kSecClass: kSecClassGenericPassword, kSecAttrAccount: b}}
  - call: explain
    as: SecItemUpdate
    query: {kSecClass: kSecClassGenericPassword, kSecAttrAccount: a}
    attributes: {kSecAttrAccount: b}
    expect: {status: errSecDuplicateItem, findings: [update.duplicate]}
  - call: SecItemCopyMatching
    query: {kSecClass: kSecClassGenericPassword, kSecAttrAccount: a}
    expect: {status: errSecSuccess}
""",
        encoding="utf-8",
    )
    result = run_scenario(path)
    assert result.passed, result.failures


@pytest.mark.apple_test
@pytest.mark.parametrize(
    ("response", "ui", "status"),
    [
        ("cancel", None, errSecUserCanceled),
        ("fail", None, errSecAuthFailed),
        ("approve", kSecUseAuthenticationUIFail, errSecInteractionNotAllowed),
    ],
)
def test_read_behind_a_prompt(response, ui, status) -> None:
    """secd-81-item-acl-stress.m / reference §K.3: reading the data of an item with user-presence access
    control prompts; a cancelled prompt is errSecUserCanceled, a failed one errSecAuthFailed, and
    kSecUseAuthenticationUIFail (no prompt allowed) errSecInteractionNotAllowed. Attributes alone need no
    prompt."""
    from keychainsim import SecAccessControlCreateWithFlags
    from keychainsim.model.access_control import kSecAccessControlUserPresence

    kc = Keychain(user_response=response)
    access, _ = SecAccessControlCreateWithFlags(None, kSecAttrAccessibleWhenUnlocked, kSecAccessControlUserPresence)
    assert kc.SecItemAdd({**GENP, kSecValueData: b"pw", kSecAttrAccessControl: access})[0] == errSecSuccess
    query = {**GENP, kSecReturnData: True}
    if ui is not None:
        query[kSecUseAuthenticationUI] = ui
    report, (got, _) = explained_then_called(kc, "SecItemCopyMatching", query)
    assert got == status
    assert report.codes == ["access.authentication_required"]
    assert report.findings[0].evidence["key"] == ("u_AuthUI" if ui else "accc")
    report, (got, _) = explained_then_called(kc, "SecItemCopyMatching", {**GENP, kSecReturnAttributes: True})
    assert got == errSecSuccess and report.findings == []
