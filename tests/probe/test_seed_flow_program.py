"""The seed-flow probe program: every variant behaves as a device would, with its finding."""

from __future__ import annotations

import json
import runpy
from pathlib import Path

import pytest

PROGRAM = Path(__file__).resolve().parents[2] / "probes" / "seed_flow.py"


@pytest.fixture(scope="module")
def seed_flow():
    pytest.importorskip("keychainsim.crypto")
    return runpy.run_path(str(PROGRAM), run_name="seed_flow")


@pytest.mark.apple_docs
def test_every_variant_matches_the_device(seed_flow, capsys):
    """DTS (pitfalls catalog §2): the working flow forms the identity; each broken variant returns the
    status a device gives and explain names its cause."""
    assert seed_flow["main"](["--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    by_name = {entry["variant"]: entry for entry in document}
    assert by_name["working"]["status"] == 0
    assert all(entry["as_expected"] for entry in document), [e["variant"] for e in document if not e["as_expected"]]
    for variant in seed_flow["VARIANTS"]:
        codes = [f["code"] for f in by_name[variant.name]["explain"]["findings"]]
        assert variant.expected_finding is None or variant.expected_finding in codes
        assert set(by_name[variant.name]["dumps"]) == {
            "after the key is created",
            "after the certificate is added",
            "after the identity lookup",
        }


@pytest.mark.model
def test_unknown_variant_is_a_usage_error(seed_flow, capsys):
    assert seed_flow["main"](["no_such_variant"]) == 2
    assert "unknown variant" in capsys.readouterr().err
