"""The identity picture's data and drawing without a browser: the query's halves come from the engine's
join columns, and every pair and unpaired half the probe reports is drawn, no more."""

from __future__ import annotations

import re

import pytest

from keychainsim.probe import Dump, identity_query_terms
from keychainsim.render.html import Picture, run_page
from keychainsim.render.identity_svg import CHAR_WIDTH, identity_svg
from keychainsim.scenario import run_scenario
from tests.cli.conftest import SCENARIOS


@pytest.mark.apple_source
def test_identity_query_terms_name_the_half_each_attribute_filters() -> None:
    """keychain/securityd/SecItemDb.c s3dl_create_select_sql(): the identity join exposes the certificate's
    labl, issr, slnr, skid and tkid, and the key's columns for everything else (agrp, sync included);
    pkhh is no column of the join (the query fails)."""
    query = {
        "class": "idnt",
        "labl": "device",
        "atag": b"tag",
        "agrp": "A1B2C3D4E5.com.example.app",
        "issr": b"issuer",
        "pkhh": b"\x01" * 20,
        "r_Ref": True,
        "m_Limit": "m_LimitOne",
    }
    sides = [(t.key, t.side) for t in identity_query_terms(query)]
    assert sides == [("labl", "cert"), ("atag", "keys"), ("agrp", "keys"), ("issr", "cert"), ("pkhh", "none")]
    assert identity_query_terms({"class": "genp", "labl": "x"}) == ()
    assert identity_query_terms(None) == ()


@pytest.mark.model
@pytest.mark.parametrize(
    "scenario",
    ["seed.yaml", "seed/s5-server-certified-other-key.yaml", "seed/s14-permanent-at-top-level.yaml"],
)
def test_the_picture_draws_exactly_the_probes_pairs_and_unpaired_halves(scenario: str) -> None:
    state = Dump.of(run_scenario(SCENARIOS / scenario).keychain)
    svg = identity_svg(state, identity_query_terms({"class": "idnt", "labl": "device-identity"}))
    drawn = re.findall(r'<g class="pair[^"]*" data-cert="(\d+)" data-key="(\d+)" data-hash="([0-9a-f]+)"', svg)
    assert drawn == [(str(p.certificate.rowid), str(p.key.rowid), p.hash.hex()) for p in state.pairs]
    public = re.findall(r'<g class="pair public-key" data-cert="(\d+)" data-key="(\d+)"', svg)
    assert public == [(str(p.certificate.rowid), str(p.key.rowid)) for p in state.pairs if p.key_is_public]
    unpaired = re.findall(r'<g class="item (?:cert|key) unpaired[^"]*" data-class="(\w+)" data-rowid="(\d+)"', svg)
    assert sorted(unpaired) == sorted((u.item.item_class, str(u.item.rowid)) for u in state.unpaired)
    boxes = re.findall(r'<g class="item [^"]*" data-class="(\w+)" data-rowid="(\d+)"', svg)
    assert sorted(boxes) == sorted(
        (i.item_class, str(i.rowid)) for i in state.items if i.item_class in ("cert", "keys")
    )
    assert re.findall(r'<g class="term" data-key="(\w+)" data-side="(\w+)"', svg) == [("labl", "cert")]


@pytest.mark.model
def test_every_text_is_escaped() -> None:
    result = run_scenario(SCENARIOS / "seed.yaml")
    hostile = "<b onmouseover=x>&"
    object.__setattr__(result.scenario, "name", hostile)
    page = run_page([result], [Picture(Dump.of(result.keychain))], "0")
    assert "&lt;b onmouseover=x&gt;&amp;" in page and "<b onmouseover" not in page


@pytest.mark.model
def test_the_query_box_cuts_a_long_value_never_the_half_it_filters() -> None:
    """A hash in an identity query is shown short, and however long a value is, the line still ends
    with the half it filters (or that the join has no such column), inside the box drawn for it."""
    state = Dump.of(run_scenario(SCENARIOS / "seed.yaml").keychain)
    pkhh = state.by_class("cert")[0].attrs["pkhh"]
    long_label = "a-label-" * 20
    svg = identity_svg(state, identity_query_terms({"class": "idnt", "pkhh": pkhh, "labl": long_label}))
    box = re.search(r'<rect x="(\d+)" y="\d+" width="(\d+)" height="\d+" rx="6" class="query-box"/>', svg)
    assert box is not None
    lines = re.findall(r'<text x="(\d+)" y="\d+" class="term-text" text-anchor="start">([^<]*)</text>', svg)
    assert [text for _, text in lines] == [
        f"pkhh {pkhh[:4].hex()}…{pkhh[-4:].hex()} → no column of the join (refused)",
        f"labl &quot;{long_label[:35]}… → the certificate",  # 60 characters, the most a line holds
    ]
    right_edge = int(box.group(1)) + int(box.group(2))
    for x, text in lines:
        assert int(x) + len(text.replace("&quot;", '"')) * CHAR_WIDTH <= right_edge


@pytest.mark.model
def test_a_keychain_without_certificates_or_keys_gets_a_sentence_not_an_empty_picture() -> None:
    result = run_scenario(SCENARIOS / "catalog" / "c36-macos-two-keychains.yaml")
    page = run_page([result], [Picture(Dump.of(result.keychain))], "0")
    assert "<svg" not in page
    assert "no certificate or key in the keychain: no identity can form" in page
