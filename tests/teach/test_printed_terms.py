"""Every term the tool prints can be looked up with the tool itself: the output of `run --probe` over the
seed variants and the catalog (dumps after every step, findings, statuses, titles) is read for the words a
newcomer would look up, and each one is found by `glossary`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from keychainsim.glossary import lookup

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "fixtures" / "scenarios"

PRINTED_TERMS = {
    "finding code": re.compile(r"\[([a-z]+\.[a-z0-9_]+)\]"),
    "status": re.compile(r"\b(errSec\w+)\b"),
    "constant": re.compile(r"\b(kSec\w+)\b"),
    "dump row (raw key)": re.compile(r"^\s*\|\s{3}(\S+)\s{2,}(?:kSec\w+|-)", re.M),
    "value code": re.compile(r'"([\w-]{1,6})" \(kSec\w+\)'),
    "class": re.compile(r"── (\w+) · kSecClass"),
    "pitfall id": re.compile(r"\b([CR]\d{1,2}) \((?:broken|fixed)\)"),
}


@pytest.mark.model
def test_every_term_run_prints_is_in_the_glossary(cli) -> None:
    files = sorted((SCENARIOS / "seed").glob("*.yaml")) + sorted((SCENARIOS / "catalog").glob("*.yaml"))
    result = cli("run", "--probe", *map(str, files))
    assert result.exit_code == 0, result.output[-2000:]
    unresolved: dict[str, set[str]] = {}
    for kind, pattern in PRINTED_TERMS.items():
        found = set(pattern.findall(result.output))
        assert found, f"no {kind} in the output: the pattern no longer reads it"
        unresolved[kind] = {word for word in found if not lookup(word)}
    assert unresolved == {kind: set() for kind in PRINTED_TERMS}
