"""Every fixture scenario runs and passes; the catalog has a fixed twin for each broken scenario.

A scenario file names where its asserted behaviour comes from (``provenance`` and ``source``); each test
function below runs the scenarios of one provenance, so each carries exactly that one marker.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "scenarios"
ALL = sorted(FIXTURES.rglob("*.yaml"))
CATALOG = sorted((FIXTURES / "catalog").glob("*.yaml"))


def _meta(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _of(provenance: str) -> list[Path]:
    return [p for p in ALL if _meta(p).get("provenance") == provenance]


def _run(path: Path) -> None:
    from keychainsim.pytest_plugin import run_and_assert

    run_and_assert(path)


@pytest.mark.apple_docs
@pytest.mark.parametrize("path", _of("apple_docs"), ids=lambda p: p.name)
def test_scenarios_from_apple_docs(path: Path) -> None:
    _run(path)


@pytest.mark.apple_source
@pytest.mark.parametrize("path", _of("apple_source"), ids=lambda p: p.name)
def test_scenarios_from_apple_source(path: Path) -> None:
    _run(path)


@pytest.mark.apple_test
@pytest.mark.parametrize("path", _of("apple_test"), ids=lambda p: p.name)
def test_scenarios_from_apple_tests(path: Path) -> None:
    """Scenarios whose behaviour one of Apple's regression tests asserts (each names the test in its source)."""
    _run(path)


@pytest.mark.model
@pytest.mark.parametrize("path", _of("model"), ids=lambda p: p.name)
def test_scenarios_of_keychainsims_own_flows(path: Path) -> None:
    """Enrollment and mTLS flows against the reference servers on 127.0.0.1; nginx ones need nginx
    (skipped locally without it, failing under CI=true, which installs it)."""
    if "nginx" in path.name:
        import os

        from keychainsim.servers.nginx import nginx_unavailable_reason

        reason = nginx_unavailable_reason()
        if reason is not None:
            if os.environ.get("CI", "").lower() == "true":
                pytest.fail(f"CI must run the nginx scenarios: {reason}")
            pytest.skip(reason)
    _run(path)


@pytest.mark.model
def test_every_fixture_names_its_provenance_and_source() -> None:
    allowed = {"apple_docs", "apple_source", "apple_test", "inferred", "model"}
    for path in ALL:
        meta = _meta(path)
        assert meta.get("provenance") in allowed, path
        assert meta.get("source"), path
    ran = sum(len(_of(p)) for p in allowed)
    assert ran == len(ALL), "a provenance value has no test function running its scenarios"
    assert not _of("inferred"), "add a test function for it"


@pytest.mark.model
def test_catalog_pairs_each_broken_scenario_with_its_fixed_twin() -> None:
    broken = [p for p in CATALOG if not p.name.endswith(".fixed.yaml")]
    assert len(broken) >= 20
    causes = set()
    for path in broken:
        meta = _meta(path)
        twin = path.with_name(meta["twin"])
        assert twin.exists(), f"{path.name}: twin {meta['twin']} missing"
        twin_meta = _meta(twin)
        assert twin_meta["twin"] == path.name and twin_meta["cause"] == meta["cause"]
        causes.add(meta["cause"])
        codes = [c for step in meta["steps"] for c in (step.get("expect") or {}).get("findings", [])]
        assert codes, f"{path.name} asserts no finding code"
    assert len(causes) == len(broken)


@pytest.mark.model
def test_each_catalog_title_is_its_cause_heading_whole() -> None:
    """A catalog scenario's title is the heading of its cause in docs/pitfalls.md, whole (titles once cut
    at a fixed length, mid-word): `run` prints it, and a reader finds the entry under the same words."""
    pitfalls = (FIXTURES.parents[1] / "docs" / "pitfalls.md").read_text(encoding="utf-8")
    headings = {int(n): text for n, text in re.findall(r"^### C(\d+)\. (.+)$", pitfalls, flags=re.M)}
    for path in CATALOG:
        meta = _meta(path)
        kind = "fixed" if path.name.endswith(".fixed.yaml") else "broken"
        assert meta["scenario"] == f"{meta['cause']} ({kind}): {headings[int(meta['cause'][1:])]}", path.name


@pytest.mark.model
def test_seed_variants_break_the_seed_lookup() -> None:
    seed = _meta(FIXTURES / "seed.yaml")
    assert seed["steps"][-1]["expect"]["status"] == "errSecSuccess"
    variants = sorted((FIXTURES / "seed").glob("*.yaml"))
    assert len(variants) >= 8
    for path in variants:
        last = _meta(path)["steps"][-1]
        assert last["call"] == "SecItemCopyMatching" and last["query"]["kSecClass"] == "kSecClassIdentity"
        # -25300 with its cause, or a wrong success (an identity that cannot sign) with the finding saying so
        assert last["expect"]["status"] in ("errSecItemNotFound", "errSecSuccess"), path.name
        assert last["expect"]["findings"], path.name
