"""Rendered text, checked exactly on a colourless 100-column console (style-anchors rule 16).

Persistent references (random) and item digests (the engine's hash) are normalised; everything else,
dates included (a fixed clock), is pinned.
"""

from __future__ import annotations

import pytest

from keychainsim import Keychain
from keychainsim.constants import *
from keychainsim.probe import dump, trace
from keychainsim.render import Lines, render_text

from ._keychains import APP, HASH_A, HASH_B, OTHER, add, certificate, keychain, normalise, private_key


def small_keychain():
    """A password, an identity (key + certificate), a certificate whose hash only a public key carries,
    and another app's password."""
    kc = keychain()
    add(
        kc,
        {
            kSecClass: kSecClassGenericPassword,
            kSecAttrAccount: "bob",
            kSecAttrService: "api",
            kSecValueData: b"hunter2",
        },
    )
    add(kc, {**private_key(HASH_A), kSecAttrApplicationTag: b"com.example.key"})
    add(kc, {**certificate(HASH_A), kSecAttrLabel: "device"})
    add(kc, {**private_key(HASH_B), kSecAttrIsPrivate: 0, kSecAttrKeyClass: kSecAttrKeyClassPublic})
    add(kc, certificate(HASH_B, serial=b"2"))
    add(kc.with_entitlements([OTHER]), {kSecClass: kSecClassGenericPassword, kSecAttrAccount: "theirs"})
    return kc


def traced_flow():
    kc = keychain()
    with trace(kc) as t:
        kc.SecItemAdd({kSecClass: kSecClassGenericPassword, kSecAttrAccount: "bob", kSecValueData: b"hunter2"})
        kc.SecItemAdd({kSecClass: kSecClassGenericPassword, kSecAttrAccount: "bob", kSecValueData: b"other"})
        kc.SecItemUpdate({kSecClass: kSecClassGenericPassword, kSecAttrAccount: "bob"}, {kSecAttrLabel: "renamed"})
        kc.with_entitlements([OTHER]).SecItemCopyMatching(
            {kSecClass: kSecClassGenericPassword, kSecAttrAccount: "bob", kSecAttrAccessGroup: APP}
        )
        kc.SecItemCopyMatching(
            {
                kSecClass: kSecClassGenericPassword,
                kSecAttrAccount: "bob",
                kSecReturnAttributes: True,
                kSecMatchLimit: kSecMatchLimitAll,
            }
        )
        kc.SecItemDelete({kSecClass: kSecClassGenericPassword, kSecAttrAccount: "bob"})
    return t


EXPECTED_DUMP = """\
keychainsim dump · ios · device unlocked, passcode set
this app's access groups: "A1B2C3D4E5.com.example.app", "A1B2C3D4E5.com.example.shared"
6 items (1 hidden from this app) · 1 identity · 1 unpaired

── genp · kSecClassGenericPassword · 2 items ───────────────────────────────────────────────────────
row 1 · dp · visible to this app
  acct        kSecAttrAccount              "bob"
  svce        kSecAttrService              "api"
  pdmn        kSecAttrAccessible           "ak" (kSecAttrAccessibleWhenUnlocked)
  agrp        kSecAttrAccessGroup          "A1B2C3D4E5.com.example.app"
  sync        kSecAttrSynchronizable       0
  cdat        kSecAttrCreationDate         2025-01-31T10:00:00.000000Z
  mdat        kSecAttrModificationDate     2025-01-31T10:00:00.000000Z
  tomb        kSecAttrTombstone            0
  sha1        kSecAttrSHA1                 <sha1>
  v_Data      kSecValueData                <secret: 7 bytes, sha1 f3bbbd66>
  musr        kSecAttrMultiUser            <empty data>
  persistref  kSecAttrPersistentReference  <uuid>
row 6 · dp · hidden from this app
  ✗ access_group: access group "Z9Y8X7W6V5.com.example.other" is not one of this app's groups
    ("A1B2C3D4E5.com.example.app", "A1B2C3D4E5.com.example.shared")
  acct        kSecAttrAccount              "theirs"
  svce        kSecAttrService              ""
  pdmn        kSecAttrAccessible           "ak" (kSecAttrAccessibleWhenUnlocked)
  agrp        kSecAttrAccessGroup          "Z9Y8X7W6V5.com.example.other"
  sync        kSecAttrSynchronizable       0
  cdat        kSecAttrCreationDate         2025-01-31T10:00:05.000000Z
  mdat        kSecAttrModificationDate     2025-01-31T10:00:05.000000Z
  tomb        kSecAttrTombstone            0
  sha1        kSecAttrSHA1                 <sha1>
  musr        kSecAttrMultiUser            <empty data>
  persistref  kSecAttrPersistentReference  <uuid>

── inet · kSecClassInternetPassword · no items ─────────────────────────────────────────────────────

── cert · kSecClassCertificate · 2 items ───────────────────────────────────────────────────────────
row 3 · dp · visible to this app
  ctyp        kSecAttrCertificateType      0
  issr        kSecAttrIssuer               69
  slnr        kSecAttrSerialNumber         31
  labl        kSecAttrLabel                "device"
  pdmn        kSecAttrAccessible           "dk" (kSecAttrAccessibleAlways)
  agrp        kSecAttrAccessGroup          "A1B2C3D4E5.com.example.app"
  sync        kSecAttrSynchronizable       0
  cdat        kSecAttrCreationDate         2025-01-31T10:00:02.000000Z
  mdat        kSecAttrModificationDate     2025-01-31T10:00:02.000000Z
  pkhh        kSecAttrPublicKeyHash        0101010101010101010101010101010101010101
  tomb        kSecAttrTombstone            0
  sha1        kSecAttrSHA1                 <sha1>
  musr        kSecAttrMultiUser            <empty data>
  persistref  kSecAttrPersistentReference  <uuid>
row 5 · dp · visible to this app
  ctyp        kSecAttrCertificateType      0
  issr        kSecAttrIssuer               69
  slnr        kSecAttrSerialNumber         32
  pdmn        kSecAttrAccessible           "dk" (kSecAttrAccessibleAlways)
  agrp        kSecAttrAccessGroup          "A1B2C3D4E5.com.example.app"
  sync        kSecAttrSynchronizable       0
  cdat        kSecAttrCreationDate         2025-01-31T10:00:04.000000Z
  mdat        kSecAttrModificationDate     2025-01-31T10:00:04.000000Z
  pkhh        kSecAttrPublicKeyHash        0202020202020202020202020202020202020202
  tomb        kSecAttrTombstone            0
  sha1        kSecAttrSHA1                 <sha1>
  musr        kSecAttrMultiUser            <empty data>
  persistref  kSecAttrPersistentReference  <uuid>

── keys · kSecClassKey · 2 items ───────────────────────────────────────────────────────────────────
row 2 · dp · visible to this app
  kcls        kSecAttrKeyClass             1 (kSecAttrKeyClassPrivate)
  klbl        kSecAttrApplicationLabel     0101010101010101010101010101010101010101
  atag        kSecAttrApplicationTag       data "com.example.key"
  crtr        kSecAttrCreator              0
  type        kSecAttrKeyType              73 (kSecAttrKeyTypeECSECPrimeRandom)
  bsiz        kSecAttrKeySizeInBits        256
  esiz        kSecAttrEffectiveKeySize     0
  sdat        kSecAttrStartDate            2001-01-01T00:00:00.000000Z
  edat        kSecAttrEndDate              2001-01-01T00:00:00.000000Z
  pdmn        kSecAttrAccessible           "ak" (kSecAttrAccessibleWhenUnlocked)
  agrp        kSecAttrAccessGroup          "A1B2C3D4E5.com.example.app"
  sync        kSecAttrSynchronizable       0
  cdat        kSecAttrCreationDate         2025-01-31T10:00:01.000000Z
  mdat        kSecAttrModificationDate     2025-01-31T10:00:01.000000Z
  priv        kSecAttrIsPrivate            1
  tomb        kSecAttrTombstone            0
  sha1        kSecAttrSHA1                 <sha1>
  musr        kSecAttrMultiUser            <empty data>
  persistref  kSecAttrPersistentReference  <uuid>
row 4 · dp · visible to this app
  kcls        kSecAttrKeyClass             0 (kSecAttrKeyClassPublic)
  klbl        kSecAttrApplicationLabel     0202020202020202020202020202020202020202
  atag        kSecAttrApplicationTag       ""
  crtr        kSecAttrCreator              0
  type        kSecAttrKeyType              73 (kSecAttrKeyTypeECSECPrimeRandom)
  bsiz        kSecAttrKeySizeInBits        256
  esiz        kSecAttrEffectiveKeySize     0
  sdat        kSecAttrStartDate            2001-01-01T00:00:00.000000Z
  edat        kSecAttrEndDate              2001-01-01T00:00:00.000000Z
  pdmn        kSecAttrAccessible           "ak" (kSecAttrAccessibleWhenUnlocked)
  agrp        kSecAttrAccessGroup          "A1B2C3D4E5.com.example.app"
  sync        kSecAttrSynchronizable       0
  cdat        kSecAttrCreationDate         2025-01-31T10:00:03.000000Z
  mdat        kSecAttrModificationDate     2025-01-31T10:00:03.000000Z
  priv        kSecAttrIsPrivate            0
  tomb        kSecAttrTombstone            0
  sha1        kSecAttrSHA1                 <sha1>
  musr        kSecAttrMultiUser            <empty data>
  persistref  kSecAttrPersistentReference  <uuid>

── idnt · kSecClassIdentity · cert pkhh = key klbl, key priv = 1 ───────────────────────────────────
identities
├── identity: certificate row 3 ↔ private key row 2 · dp · visible to this app
│   ├── certificate row 3 · labl "device"
│   ├── private key row 2 · atag data "com.example.key"
│   └── pkhh = klbl = 0101010101010101010101010101010101010101 ✓
└── unpaired certificate row 5 · pkhh 02020202…02020202
    ├── ✗ no private key in the same keychain has klbl = this pkhh and priv = 1
    └── row 4 shares the hash but does not pair: key row 4 is a public key (kcls 0) with priv 0
        (kSecAttrIsPrivate), and the join requires priv = 1
"""

EXPECTED_PLAIN = """\
SecItemCopyMatching(class = genp): errSecSuccess (0)
(
        {
        accc = "<SecAccessControlRef: ak>";
        acct = bob;
        agrp = "A1B2C3D4E5.com.example.app";
        cdat = "2025-01-31 10:00:00 +0000";
        class = genp;
        mdat = "2025-01-31 10:00:00 +0000";
        musr = {length = 0, bytes = 0x};
        pdmn = ak;
        sha1 = {length = 20, bytes = 0x<sha1>};
        svce = api;
        sync = 0;
        tomb = 0;
    }
)
// not returned to this app: row 6 (access_group)
SecItemCopyMatching(class = inet): errSecItemNotFound (-25300)
SecItemCopyMatching(class = cert): errSecSuccess (0)
(
        {
        accc = "<SecAccessControlRef: dk>";
        agrp = "A1B2C3D4E5.com.example.app";
        cdat = "2025-01-31 10:00:02 +0000";
        class = cert;
        ctyp = 0;
        issr = {length = 1, bytes = 0x69};
        labl = device;
        mdat = "2025-01-31 10:00:02 +0000";
        musr = {length = 0, bytes = 0x};
        pdmn = dk;
        pkhh = {length = 20, bytes = 0x0101010101010101010101010101010101010101};
        sha1 = {length = 20, bytes = 0x<sha1>};
        slnr = {length = 1, bytes = 0x31};
        sync = 0;
        tomb = 0;
    },
        {
        accc = "<SecAccessControlRef: dk>";
        agrp = "A1B2C3D4E5.com.example.app";
        cdat = "2025-01-31 10:00:04 +0000";
        class = cert;
        ctyp = 0;
        issr = {length = 1, bytes = 0x69};
        mdat = "2025-01-31 10:00:04 +0000";
        musr = {length = 0, bytes = 0x};
        pdmn = dk;
        pkhh = {length = 20, bytes = 0x0202020202020202020202020202020202020202};
        sha1 = {length = 20, bytes = 0x<sha1>};
        slnr = {length = 1, bytes = 0x32};
        sync = 0;
        tomb = 0;
    }
)
SecItemCopyMatching(class = keys): errSecSuccess (0)
(
        {
        accc = "<SecAccessControlRef: ak>";
        agrp = "A1B2C3D4E5.com.example.app";
        atag = {length = 15, bytes = 0x636f6d2e6578616d706c652e6b6579};
        bsiz = 256;
        cdat = "2025-01-31 10:00:01 +0000";
        class = keys;
        crtr = 0;
        edat = "2001-01-01 00:00:00 +0000";
        esiz = 0;
        kcls = 1;
        klbl = {length = 20, bytes = 0x0101010101010101010101010101010101010101};
        mdat = "2025-01-31 10:00:01 +0000";
        musr = {length = 0, bytes = 0x};
        pdmn = ak;
        priv = 1;
        sdat = "2001-01-01 00:00:00 +0000";
        sha1 = {length = 20, bytes = 0x<sha1>};
        sync = 0;
        tomb = 0;
        type = 73;
    },
        {
        accc = "<SecAccessControlRef: ak>";
        agrp = "A1B2C3D4E5.com.example.app";
        atag = "";
        bsiz = 256;
        cdat = "2025-01-31 10:00:03 +0000";
        class = keys;
        crtr = 0;
        edat = "2001-01-01 00:00:00 +0000";
        esiz = 0;
        kcls = 0;
        klbl = {length = 20, bytes = 0x0202020202020202020202020202020202020202};
        mdat = "2025-01-31 10:00:03 +0000";
        musr = {length = 0, bytes = 0x};
        pdmn = ak;
        priv = 0;
        sdat = "2001-01-01 00:00:00 +0000";
        sha1 = {length = 20, bytes = 0x<sha1>};
        sync = 0;
        tomb = 0;
        type = 73;
    }
)
SecItemCopyMatching(class = idnt): errSecSuccess (0)
(
        {
        accc = "<SecAccessControlRef: dk>";
        agrp = "A1B2C3D4E5.com.example.app";
        atag = {length = 15, bytes = 0x636f6d2e6578616d706c652e6b6579};
        bsiz = 256;
        cdat = "2025-01-31 10:00:02 +0000";
        class = idnt;
        crtr = 0;
        ctyp = 0;
        edat = "2001-01-01 00:00:00 +0000";
        esiz = 0;
        issr = {length = 1, bytes = 0x69};
        kcls = 1;
        klbl = {length = 20, bytes = 0x0101010101010101010101010101010101010101};
        labl = device;
        mdat = "2025-01-31 10:00:02 +0000";
        musr = {length = 0, bytes = 0x};
        pdmn = dk;
        pkhh = {length = 20, bytes = 0x0101010101010101010101010101010101010101};
        priv = 1;
        sdat = "2001-01-01 00:00:00 +0000";
        sha1 = {length = 20, bytes = 0x<sha1>};
        slnr = {length = 1, bytes = 0x31};
        sync = 0;
        tomb = 0;
        type = 73;
    }
)
"""

EXPECTED_TRACE = """\
trace · ios · 6 steps
0 items before the first call
1. SecItemAdd({kSecClass: kSecClassGenericPassword, kSecAttrAccount: "bob", kSecValueData: <7
     bytes, sha1 f3bbbd66>})
   → errSecSuccess (0)
   + genp row 1 (dp): acct "bob", svce "", agrp "A1B2C3D4E5.com.example.app"
2. SecItemAdd({kSecClass: kSecClassGenericPassword, kSecAttrAccount: "bob", kSecValueData: <5
     bytes, sha1 d0941e68>})
   → errSecDuplicateItem (-25299)
   reason: an item with the same uniqueness attributes already exists (row 1)
   no change
3. SecItemUpdate({kSecClass: kSecClassGenericPassword, kSecAttrAccount: "bob"}, {kSecAttrLabel:
     "renamed"})
   → errSecSuccess (0)
   ~ genp row 1 (dp)
       mdat  kSecAttrModificationDate  2025-01-31T10:00:00.000000Z → 2025-01-31T10:00:02.000000Z
       sha1  kSecAttrSHA1              - <sha1>
                                       + <sha1>
       labl  kSecAttrLabel             <not set> → "renamed"
4. SecItemCopyMatching({kSecClass: kSecClassGenericPassword, kSecAttrAccount: "bob",
     kSecAttrAccessGroup: "A1B2C3D4E5.com.example.app"})
   called by the app with access groups "Z9Y8X7W6V5.com.example.other"
   → errSecMissingEntitlement (-34018)
   reason: kSecAttrAccessGroup 'A1B2C3D4E5.com.example.app' is not one of the caller's groups
           ['Z9Y8X7W6V5.com.example.other']
   no change
5. SecItemCopyMatching({kSecClass: kSecClassGenericPassword, kSecAttrAccount: "bob",
     kSecReturnAttributes: true, kSecMatchLimit: kSecMatchLimitAll})
   → errSecSuccess (0); 1 result: {kSecAttrAccount: "bob", kSecAttrService: "", kSecAttrLabel:
     "renamed", kSecAttrAccessGroup: "A1B2C3D4E5.com.example.app", +8 more}
   no change
6. SecItemDelete({kSecClass: kSecClassGenericPassword, kSecAttrAccount: "bob"})
   → errSecSuccess (0)
   - genp row 1 (dp): acct "bob", svce "", labl "renamed", agrp "A1B2C3D4E5.com.example.app"
"""


@pytest.mark.model
def test_dump_text_is_exact():
    assert normalise(dump(small_keychain())) == EXPECTED_DUMP


@pytest.mark.model
def test_dump_data_laid_out_by_the_render_layer_is_the_text_format():
    """The probe's Dump is data; the render layer's view of it is exactly what dump(kc) prints."""
    from keychainsim.probe import Dump
    from keychainsim.render import DumpView

    assert normalise(render_text(DumpView(Dump.of(small_keychain())), width=100)) == EXPECTED_DUMP


@pytest.mark.model
def test_plain_text_is_exact():
    assert normalise(dump(small_keychain(), format="plain")) == EXPECTED_PLAIN


@pytest.mark.model
def test_trace_report_is_exact():
    assert normalise(traced_flow().render()) == EXPECTED_TRACE


@pytest.mark.model
def test_rich_format_is_a_renderable_giving_the_same_text():
    renderable = dump(small_keychain(), format="rich")
    assert not isinstance(renderable, str)
    assert normalise(render_text(renderable, width=100)) == EXPECTED_DUMP


@pytest.mark.model
def test_narrow_console_wraps_values_under_their_column():
    kc = keychain()
    add(kc, {kSecClass: kSecClassGenericPassword, kSecAttrAccount: "a" * 30 + " " + "b" * 30})
    lines = dump(kc, width=80).splitlines()
    start = lines.index('  acct        kSecAttrAccount              "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa')
    assert lines[start + 1] == '                                           bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"'
    assert all(len(line) <= 80 for line in lines)


@pytest.mark.model
def test_lines_break_at_spaces_and_hard_cut_words_longer_than_the_line():
    lines = Lines()
    lines.add("key  ", "alpha beta gamma delta", hang=5)
    lines.add("key  ", "x" * 30, hang=5)
    assert render_text(lines, width=20) == (
        "key  alpha beta\n     gamma delta\nkey  xxxxxxxxxxxxxxx\n     xxxxxxxxxxxxxxx\n"
    )


@pytest.mark.model
def test_long_data_is_elided_and_text_data_marked():
    kc = keychain()
    add(kc, {**certificate(HASH_A), kSecAttrSubject: bytes(range(40)), kSecAttrLabel: b"data label"})
    text = dump(kc)
    assert "  subj        kSecAttrSubject              <40 bytes: 0001020304050607…2021222324252627>" in text
    assert '  labl        kSecAttrLabel                data "data label"' in text


@pytest.mark.model
def test_plain_form_reports_a_locked_class_as_the_device_query_would():
    kc = keychain()
    add(kc, {kSecClass: kSecClassGenericPassword, kSecAttrAccount: "a"})
    add(kc, {**certificate(HASH_A), kSecAttrLabel: "always readable"})
    kc.lock()
    lines = dump(kc, format="plain").splitlines()
    assert lines[0] == "SecItemCopyMatching(class = genp): errSecInteractionNotAllowed (-25308)"
    assert "SecItemCopyMatching(class = cert): errSecSuccess (0)" in lines
    query = {kSecClass: kSecClassGenericPassword, kSecMatchLimit: kSecMatchLimitAll, kSecReturnAttributes: True}
    assert kc.SecItemCopyMatching(query)[0] == errSecInteractionNotAllowed


@pytest.mark.model
def test_unknown_format_is_a_value_error():
    with pytest.raises(ValueError, match="format must be one of text, rich, plain, json"):
        dump(keychain(), format="html")


@pytest.mark.apple_source
def test_a_macos_file_keychain_item_is_not_called_hidden_from_the_app():
    """SecItem.cpp SecItemCategorizeQuery / SecItemCopyMatching: a call without
    kSecUseDataProtectionKeychain reads the file-based keychain too, so an item there is readable by the
    app; the dump's visibility is that of data protection calls, and says that, not "hidden from this app"."""
    kc = Keychain(platform="macos")
    password = {kSecClass: kSecClassGenericPassword, kSecAttrAccount: "a", kSecValueData: b"x"}
    assert kc.SecItemAdd({**password, kSecAttrService: "file"})[0] == errSecSuccess
    assert kc.SecItemAdd({**password, kSecAttrService: "dp", kSecUseDataProtectionKeychain: True})[0] == 0
    assert kc.SecItemCopyMatching({kSecClass: kSecClassGenericPassword, kSecAttrService: "file"})[0] == 0
    text = render_text(dump(kc), width=100)
    assert "2 items (0 hidden from this app, 1 in the file-based keychain) · 0 identities" in text
    assert "row 1 · file · not seen by data protection calls\n  ✗ other_keychain:" in text
    assert "row 2 · dp · visible to this app" in text
    assert "hidden from this app\n" not in text
