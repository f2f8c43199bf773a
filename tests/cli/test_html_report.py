"""The HTML report in a real browser: `keychainsim run --html` and `explain --html` as processes, the page
loaded by headless chromium, its DOM checked against the probe's own pairing and explain's findings, a
screenshot kept and its pixels counted; a hostile label stays text; nothing is fetched."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from keychainsim import Keychain
from keychainsim.probe import Dump
from tests.cli.browser import DOM, artefacts, dump_dom, find_chromium, read_png, screenshot
from tests.cli.conftest import SCENARIOS
from tests.cli.test_console_script import SCRIPT

pytestmark = pytest.mark.model

SEED = SCENARIOS / "seed.yaml"
OTHER_KEY = SCENARIOS / "seed" / "s5-server-certified-other-key.yaml"
UNPAIRED_RED = (0xC6, 0x28, 0x28)
"""The unpaired badge's fill (render/identity_svg.py's CSS): a solid area, so its pixels are exact."""
PAIR_GREEN = (0x2E, 0x7D, 0x32)
SIZE = (1000, 1400)


@pytest.fixture(scope="module")
def browser() -> str:
    return find_chromium()


@pytest.fixture(scope="module")
def kept(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return artefacts(tmp_path_factory)


def keychainsim(*args: str, store: Path) -> subprocess.CompletedProcess[str]:
    import os

    env = {**os.environ, "KEYCHAINSIM_STORE": str(store)}
    env.pop("NO_COLOR", None)
    return subprocess.run([SCRIPT, *args], capture_output=True, text=True, env=env, timeout=300)


def run_report(scenario: Path, page: Path, store: Path) -> None:
    """The scenario run on the store (so that the test reads the very state the page drew), with --html."""
    result = keychainsim("run", "--on-store", "--html", str(page), str(scenario), store=store)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"HTML report: {page}" in result.stderr


def assert_self_contained(markup: str) -> None:
    """No script, no external resource, nothing a page could fetch; the CSP forbids it anyway."""
    assert "<script" not in markup.lower()
    assert not re.search(r"<[^>]*\s(src|href|xlink:href)\s*=", markup)  # in a tag (text may say src=)
    assert not re.search(r"@import|@font-face", markup)
    assert all(ref.startswith("#") for ref in re.findall(r"url\(([^)]*)\)", markup)), "only in-page references"
    assert "Content-Security-Policy" in markup and "default-src 'none'" in markup


def test_seed_and_a_broken_variant_render_their_pairs_and_findings(browser: str, kept: Path, tmp_path: Path) -> None:
    """The seed flow's page shows one pair (the certificate and the key the probe pairs, by row and hash)
    and no unpaired half; the variant where the server certified another key shows no pair, both halves
    unpaired, and the finding identity.certificate_for_other_key with the certificate's pkhh as evidence.
    The screenshots show it: the unpaired badges' red only in the broken one, the pair's green in the seed."""
    pages = {}
    for name, scenario in (("seed", SEED), ("other-key", OTHER_KEY)):
        page = kept / f"run-{name}.html"
        run_report(scenario, page, tmp_path / f"{name}.json")
        assert_self_contained(page.read_text())
        pages[name] = DOM(dump_dom(browser, page, tmp_path / "profile"))

    # the probe's own answer, read from the store the scenario left behind
    (pair,) = Dump.of(Keychain(store=tmp_path / "seed.json")).pairs
    seed = pages["seed"]
    drawn = seed.select("g", "pair")
    assert [(g.attrs["data-cert"], g.attrs["data-key"], g.attrs["data-hash"]) for g in drawn] == [
        (str(pair.certificate.rowid), str(pair.key.rowid), pair.hash.hex())
    ]
    assert "pkhh = klbl" in drawn[0].get_text()
    assert seed.select("g", "unpaired") == []
    steps = seed.select("li", "step")
    assert len(steps) == 6 and all("ok" in s.classes for s in steps)
    assert steps[-1].attrs["data-status"] == "0" and "errSecSuccess (0)" in steps[-1].get_text()
    assert [(t.attrs["data-key"], t.attrs["data-side"]) for t in seed.select("g", "term")] == [("labl", "cert")]
    assert any("+" in li.get_text() and "keys#1" in li.get_text() for li in seed.select("li", "added"))

    broken = pages["other-key"]
    assert broken.select("g", "pair") == []
    state = Dump.of(Keychain(store=tmp_path / "other-key.json"))
    unpaired = {(g.attrs["data-class"], g.attrs["data-rowid"]) for g in broken.select("g", "unpaired")}
    assert (
        unpaired == {(u.item.item_class, str(u.item.rowid)) for u in state.unpaired} == {("cert", "2"), ("keys", "1")}
    )
    (finding,) = broken.select("li", "finding")
    assert finding.attrs["data-code"] == "identity.certificate_for_other_key"
    (certificate,) = state.by_class("cert")
    (key,) = state.by_class("keys")
    evidence = finding.get_text()
    assert certificate.attrs["pkhh"].hex() in evidence and key.attrs["klbl"].hex() in evidence  # in full
    assert "matches no private key" in finding.get_text()
    last = broken.select("li", "step")[-1]
    assert last.attrs["data-status"] == "-25300" and "errSecItemNotFound (-25300)" in last.get_text()

    images = {}
    for name in pages:
        png = screenshot(browser, kept / f"run-{name}.html", kept / f"run-{name}.png", tmp_path / "profile", SIZE)
        assert len(png) > 20_000
        images[name] = read_png(png)
        assert (images[name].width, images[name].height) == SIZE
        assert images[name].colours() > 20  # text, boxes, arrows: not a blank page
    assert images["seed"].count(UNPAIRED_RED) == 0
    assert images["other-key"].count(UNPAIRED_RED) > 1500  # two solid 78x18 badges
    assert images["seed"].count(PAIR_GREEN) > 300  # the pair's arrow and the PASS badge
    print(f"screenshots: {kept / 'run-seed.png'}, {kept / 'run-other-key.png'}")


def test_a_hostile_label_stays_text(browser: str, kept: Path, tmp_path: Path) -> None:
    """Labels, names and descriptions are user data: markup in them is shown, never interpreted."""
    hostile = "<script>alert(1)</script><img src=x onerror=alert(2)>\"'&amp;"
    scenario = tmp_path / "hostile.yaml"
    scenario.write_text(
        SEED.read_text()
        .replace("scenario: seed enrollment flow (works)", "scenario: '</title><script>alert(3)</script>'")
        .replace("kSecAttrLabel: device-identity", f"kSecAttrLabel: {json.dumps('str:' + hostile)}")
    )
    page = kept / "run-hostile.html"
    result = keychainsim("run", "--html", str(page), str(scenario), store=tmp_path / "k.json")
    assert result.returncode == 0, result.stdout + result.stderr
    markup = page.read_text()
    assert_self_contained(markup)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;" in markup
    dom = DOM(dump_dom(browser, page, tmp_path / "profile"))
    assert dom.select("script") == [] and dom.select("img") == []
    title = dom.select("title")[0].get_text()
    assert title.startswith("keychainsim run")
    (heading,) = [h for h in dom.select("h2") if "alert(3)" in h.get_text()]
    assert "</title><script>alert(3)</script>" in heading.get_text()
    texts = [e.get_text() for e in dom.select("text", "queried")]
    assert any("<script>alert(1)</script>" in t for t in texts), texts
    assert any(g.attrs["data-cert"] for g in dom.select("g", "pair"))  # the identity still forms


def test_explain_html_draws_the_query_on_the_half_it_filters(browser: str, kept: Path, tmp_path: Path) -> None:
    """explain --html on the label-on-the-key state: the finding with its evidence, the pair, and the
    query's kSecAttrLabel drawn on the certificate (the half it filters), where the label is not."""
    store = tmp_path / "k.json"
    s9 = SCENARIOS / "seed" / "s9-label-on-the-key.yaml"
    assert keychainsim("run", "--on-store", str(s9), store=store).returncode == 0
    page = kept / "explain-label-on-the-key.html"
    result = keychainsim(
        "explain",
        "-a",
        "kSecClass=kSecClassIdentity",
        "-a",
        "kSecAttrLabel=device-identity",
        "--html",
        str(page),
        store=store,
    )
    assert result.returncode == 0, result.stderr
    assert "[identity.attribute_on_wrong_side]" in result.stdout  # the text output is unchanged
    assert_self_contained(page.read_text())
    dom = DOM(dump_dom(browser, page, tmp_path / "profile"))
    (finding,) = dom.select("li", "finding")
    assert finding.attrs["data-code"] == "identity.attribute_on_wrong_side"
    assert "needed_on" in finding.get_text() and "cert" in finding.get_text()
    assert [(t.attrs["data-key"], t.attrs["data-side"]) for t in dom.select("g", "term")] == [("labl", "cert")]
    (pair,) = dom.select("g", "pair")
    certificate = next(g for g in dom.select("g", "cert") if g.attrs["data-rowid"] == pair.attrs["data-cert"])
    queried = [t.get_text() for t in dom.select("text", "queried")]
    assert queried == ['labl "device-0001"'] and queried[0] in certificate.get_text()
    # the label the app meant is on the key, where the query does not read it: drawn there, marked so
    key = next(g for g in dom.select("g", "key") if g.attrs["data-rowid"] == pair.attrs["data-key"])
    elsewhere = [t.get_text() for t in dom.select("text", "elsewhere") if t.get_text() in key.get_text()]
    assert elsewhere == ['labl "device-identity"']
    assert "not read: labl filters the certificate" in key.get_text()
    assert "errSecItemNotFound (-25300)" in dom.select("p", "call")[0].get_text()
    assert {row.get_text() for row in dom.select("th")} >= {"class", "labl"}
    png = screenshot(browser, page, kept / "explain-label-on-the-key.png", tmp_path / "profile", SIZE)
    assert read_png(png).colours() > 20


def test_a_report_that_cannot_be_written_stops_before_anything_runs(tmp_path: Path) -> None:
    store = tmp_path / "k.json"
    missing = tmp_path / "no-such-dir" / "report.html"
    result = keychainsim("run", "--on-store", "--html", str(missing), str(SEED), store=store)
    assert result.returncode == 5 and "is not a directory" in result.stderr
    assert not store.exists()  # nothing ran
    directory = keychainsim("run", "--html", str(tmp_path), str(SEED), store=store)
    assert directory.returncode == 5 and "is a directory" in directory.stderr
    no_query = keychainsim("explain", "--html", str(tmp_path / "x.html"), store=store)
    assert no_query.returncode == 2 and "--html writes the explanation of one call" in no_query.stderr
