"""The glossary: every name keychainsim prints can be looked up, and what it says is read from the tables the
engine runs on (so a wrong uniqueness set or identity side would show here too)."""

from __future__ import annotations

import json

import pytest
import yaml

from keychainsim import constants
from keychainsim.glossary import all_terms, lookup, suggest
from keychainsim.status import OSStatus


def _one(word: str, kind: str | None = None):
    found = [t for t in lookup(word) if kind is None or t.kind == kind]
    assert len(found) == 1, (word, [t.name for t in found])
    return found[0]


@pytest.mark.model
def test_every_constant_status_and_finding_code_has_a_meaning() -> None:
    from keychainsim.enroll.findings import CODES
    from keychainsim.explain import MEANING

    names = {t.name: t for t in all_terms()}
    wanted = [n for n in vars(constants) if n.startswith("kSec")] + list(OSStatus.__members__)
    wanted += list(MEANING) + list(CODES)
    missing = [n for n in wanted if n not in names or not names[n].meaning]
    assert not missing, missing


@pytest.mark.model
def test_the_meanings_file_names_nothing_that_does_not_exist() -> None:
    from importlib import resources

    data = yaml.safe_load(resources.files("keychainsim.glossary").joinpath("meanings.yaml").read_text())
    known = set(vars(constants)) | set(OSStatus.__members__)
    assert not [n for n in data["terms"] if n not in known]
    assert all(any(n.startswith(p) and n != p for n in known) for p in data["families"])


@pytest.mark.apple_docs
def test_uniqueness_roles_are_the_ones_apples_duplicate_item_page_lists() -> None:
    """errSecDuplicateItem (developer.apple.com/documentation/security/errsecduplicateitem): a generic
    password is unique by account and service, a certificate by type, issuer and serial number, a key by
    class, application label, tag, type and sizes; the label is part of none."""
    assert _one("acct").unique_in == ("genp", "inet")
    assert _one("svce").unique_in == ("genp",)
    assert {_one(k).unique_in for k in ("ctyp", "issr", "slnr")} == {("cert",)}
    assert {_one(k).unique_in for k in ("kcls", "klbl", "atag", "bsiz", "esiz")} == {("keys",)}
    assert _one("kSecAttrKeyType").unique_in == ("keys",)
    label = _one("labl")
    assert label.unique_in == () and label.name == "kSecAttrLabel"
    assert set(label.classes) == {"genp", "inet", "cert", "keys", "idnt"}


@pytest.mark.apple_source
def test_identity_sides_follow_the_join() -> None:
    """keychain/securityd/SecItemDb.c s3dl_create_select_sql: labl, issr, slnr, skid, tkid come from the
    certificate, every other attribute from the key; pkhh is not a column of the join."""
    assert "in an identity query: compared with the certificate's value" in _one("labl").facts
    assert "in an identity query: compared with the private key's value" in _one("atag").facts
    assert "in an identity query: compared with the private key's value" in _one("agrp").facts
    assert "an identity query cannot filter on it (errSecNotAvailable)" in _one("pkhh").facts
    assert "idnt" not in _one("svce").classes


@pytest.mark.model
def test_lookup_by_constant_short_name_value_code_number_and_any_case() -> None:
    assert _one("kSecAttrApplicationLabel").raw == "klbl"
    assert _one("klbl").name == "kSecAttrApplicationLabel"
    assert _one("ksecattrapplicationlabel").name == "kSecAttrApplicationLabel"
    accessible = _one("ak")
    assert (accessible.name, accessible.value_of, accessible.kind) == (
        "kSecAttrAccessibleWhenUnlocked",
        "kSecAttrAccessible",
        "attribute value",
    )
    assert _one("cku").name == "kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly"
    assert [t.name for t in lookup("dk")] == ["kSecAttrAccessibleAlways", "kSecAttrAccessibleAlwaysPrivate"]
    assert _one("kSecAttrAccessibleAlways").same_raw == ("kSecAttrAccessibleAlwaysPrivate",)
    assert _one("genp").name == "kSecClassGenericPassword" and _one("genp").kind == "class"
    assert _one("-25300").name == "errSecItemNotFound"
    assert _one("25300").name == "errSecItemNotFound"
    assert _one("errSecDuplicateItem").raw == "-25299"
    alias = _one("errSecItemInvalidValue")
    assert alias.raw == "-50" and alias.header == "SecBasePriv.h" and "errSecParam" in alias.same_raw
    assert alias.doc == ""
    assert _one("identity.attribute_on_wrong_side").kind == "finding"
    assert _one("enroll.certificate_for_other_key").kind == "finding"


@pytest.mark.model
def test_a_raw_value_with_several_meanings_returns_each() -> None:
    by_name = {t.name: t for t in lookup("type")}
    assert set(by_name) == {"kSecAttrType", "kSecAttrKeyType"}
    assert by_name["kSecAttrType"].classes == ("genp", "inet")
    assert by_name["kSecAttrKeyType"].classes == ("keys", "idnt")
    assert {t.value_of for t in lookup("http")} == {"kSecAttrProtocol", "kSecAttrAuthenticationType"}
    ec = {t.name for t in lookup("73")}
    assert ec == {"kSecAttrKeyTypeEC", "kSecAttrKeyTypeECSECPrimeRandom", "kSecAttrKeyTypeECDSA"}


@pytest.mark.model
def test_private_names_cite_no_documentation_and_public_ones_their_page() -> None:
    assert _one("kSecAttrIsPrivate").header == "SecItemPriv.h" and _one("kSecAttrIsPrivate").doc == ""
    assert _one("kSecAttrApplicationTag").doc == "kSecAttrApplicationTag"
    assert _one("kSecPrivateKeyAttrs").header == "SecKey.h"
    assert _one("kSecImportItemIdentity").header == "SecImportExport.h"
    assert _one("kSecAttrAccess").platform == "macOS only"


@pytest.mark.model
def test_unknown_names_get_the_closest_ones() -> None:
    assert lookup("kSecAttrLable") == []
    assert suggest("kSecAttrLable")[0] == "kSecAttrLabel"
    assert "errSecItemNotFound" in suggest("errSecItemNotFond")


@pytest.mark.model
def test_glossary_command_text_json_and_exit_codes(cli) -> None:
    shown = cli("glossary", "klbl")
    assert shown.exit_code == 0
    assert shown.output.startswith("klbl  kSecAttrApplicationLabel  (attribute; SecItem.h)")
    assert "part of the uniqueness of: keys" in shown.output
    assert "Apple documentation: kSecAttrApplicationLabel" in shown.output
    body = json.loads(cli("glossary", "--json", "--", "-25308").output)
    assert json.loads(cli("glossary", "25308", "--json").output) == body | {"name": "25308"}
    assert [t["name"] for t in body["terms"]] == ["errSecInteractionNotAllowed"]
    unknown = cli("glossary", "kSecAttrLable")
    assert unknown.exit_code == 1
    assert "did you mean kSecAttrLabel" in unknown.output
    listing = cli("glossary", "--kind", "class")
    assert listing.exit_code == 0
    assert [line.split()[0] for line in listing.output.splitlines()[1:]] == [
        "genp",
        "inet",
        "apls",
        "cert",
        "keys",
        "idnt",
    ]
    assert cli("glossary", "--kind", "nonsense").exit_code == 2


@pytest.mark.model
def test_explanations_name_the_constants_beside_raw_keys() -> None:
    from keychainsim.render.glossary import terms_line

    line = terms_line("the certificate's pkhh matches no key's klbl; agrp differs; its type is odd")
    assert line == (
        "terms: pkhh = kSecAttrPublicKeyHash, klbl = kSecAttrApplicationLabel, agrp = kSecAttrAccessGroup "
        "(keychainsim glossary NAME)"
    )
    assert terms_line("nothing raw here") is None
    assert "type = kSecAttrType" in (terms_line("type=73") or "")


@pytest.mark.model
def test_pitfall_ids_are_terms_with_their_lessons_and_document_anchor(cli) -> None:
    c5 = _one("C5")
    assert c5.kind == "pitfall" and c5.meaning.startswith("The identity query's attribute filters the other half.")
    assert "docs/pitfalls.md#c5" in c5.see
    assert any(s.startswith("keychainsim learn 4 ") for s in c5.see)
    assert _one("r6").kind == "rule" and "causes: C5, C44" in _one("S9").facts
    shown = cli("glossary", "C12")
    assert shown.exit_code == 0 and "keychainsim learn 3 (Public and private halves)" in shown.output


@pytest.mark.model
def test_a_pitfall_id_as_the_catalog_writes_it_names_the_same_entry(cli) -> None:
    """`run` prints catalog titles such as "C01 (broken): ..."; `glossary C01` is C1, whatever the case."""
    assert [t.name for t in lookup("C01")] == [t.name for t in lookup("c1")] == ["C1"]
    assert [t.name for t in lookup("C08")] == ["C8"] and [t.name for t in lookup("R05")] == ["R5"]
    assert lookup("C00") == [] and lookup("C099") == []
    shown = cli("glossary", "C01")
    assert shown.exit_code == 0 and "The certificate was issued for another key" in shown.output


@pytest.mark.model
def test_finding_terms_name_an_example_scenario() -> None:
    assert _one("mtls.http_error").see == ("keychainsim run fixtures/scenarios/enrollment/mtls-http-error.yaml",)
    assert "severity: error" in _one("enroll.add_failed").facts
