"""The forum thread's flow through the Python API gives, for every variant, the status and the finding the
shared variant file names; the Swift tests assert the same file against the Swift code, and
test_swift_package.py compares Swift's statuses with these directly."""

from __future__ import annotations

import pytest

from keychainsim.constants import OSSTATUS_OF
from keychainsim.crypto.ca import TestCA
from tests.swift.thread_flow import load_variants, run_variant

SPEC = load_variants()


@pytest.fixture(scope="module")
def ca() -> TestCA:
    return TestCA()


@pytest.mark.parametrize(
    "variant",
    [pytest.param(v, id=v["name"], marks=getattr(pytest.mark, v["provenance"])) for v in SPEC["variants"]],
)
def test_thread_variant_status_and_finding(variant: dict, ca: TestCA) -> None:
    """Each variant's status and its cause's finding; the source of each is the variant's ``source`` in
    fixtures/thread/variants.json (and its marker, its ``provenance``)."""
    expected = variant["expected"]
    assert OSSTATUS_OF[expected["status_name"]] == expected["status"], "the file's status name and number agree"
    outcome = run_variant(SPEC, variant, ca)
    assert outcome.status == expected["status"], (variant["name"], outcome)
    if expected["finding"] is None:
        assert not outcome.codes, outcome.codes
    else:
        assert expected["finding"] in outcome.codes, (variant["name"], outcome.codes)


@pytest.mark.model
def test_variant_file_uses_only_documented_changes() -> None:
    documented = set(SPEC["changes"])
    for variant in SPEC["variants"]:
        assert set(variant["changes"]) <= documented, variant["name"]
        assert variant["provenance"] in ("apple_test", "apple_source", "apple_docs", "inferred", "model")
        assert variant["source"], variant["name"]
    assert len({v["name"] for v in SPEC["variants"]}) == len(SPEC["variants"])
