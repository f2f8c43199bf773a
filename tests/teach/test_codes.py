"""`explain --codes` lists every finding code the source can report, each with its meaning and an example
fixture that reports it when run."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from keychainsim.glossary.codes import EXAMPLES, NO_EXAMPLE, finding_codes

ROOT = Path(__file__).resolve().parents[2]
CODE = re.compile(
    r"^(class|query|access|lock|platform|identity|add|update|delete|call|trace|enroll|mtls)\.[a-z][a-z0-9_]*$"
)


def _codes_in_source() -> set[str]:
    """Every string literal in keychainsim/ shaped like a finding code."""
    found = set()
    for path in (ROOT / "keychainsim").rglob("*.py"):
        if path.name == "codes.py" and path.parent.name == "glossary":
            continue  # the examples table itself
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and CODE.match(node.value):
                found.add(node.value)
    return found


@pytest.mark.model
def test_the_codes_listed_are_exactly_the_codes_the_source_emits(cli) -> None:
    listed = json.loads(cli("explain", "--codes", "--json").output)
    assert set(listed) == {c.code for c in finding_codes()}
    assert set(listed) == _codes_in_source()
    assert set(EXAMPLES) | set(NO_EXAMPLE) == set(listed), "every code needs an example fixture (or a reason)"
    assert not set(EXAMPLES) & set(NO_EXAMPLE)
    for code, entry in listed.items():
        assert entry["meaning"] and entry["example"] == EXAMPLES.get(code, "")
    text = cli("explain", "--codes").output
    assert "enroll.token_missing\n    the template names a bearer-token environment variable" in text
    assert "example: keychainsim run fixtures/scenarios/enrollment/enroll-token-missing.yaml" in text


def _reported(result) -> set[str]:
    codes: set[str] = set()
    for done in result.steps:
        for finding in getattr(done.report, "findings", None) or []:
            codes.add(finding.code)
            codes.update(f.code for f in getattr(finding, "explained", ()))
    return codes


BY_FIXTURE: dict[str, list[str]] = {}
for _code, _fixture in EXAMPLES.items():
    BY_FIXTURE.setdefault(_fixture, []).append(_code)


@pytest.mark.model
@pytest.mark.parametrize("fixture", sorted(BY_FIXTURE), ids=lambda f: Path(f).name)
def test_each_example_fixture_reports_its_codes(fixture: str) -> None:
    from keychainsim.scenario import run_scenario

    path = ROOT / fixture
    assert path.is_file(), fixture
    result = run_scenario(path)
    assert result.passed, result.failures
    missing = [code for code in BY_FIXTURE[fixture] if code not in _reported(result)]
    assert not missing, f"{fixture} does not report {missing} (it reports {sorted(_reported(result))})"
