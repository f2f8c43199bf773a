"""Every SecItem call of every fixture scenario and lesson is explained, and the explanation holds: its
status is the call's, and a failing call has at least one finding (``Runner(check_explanations=True)``).

Scenarios that reach the reference servers (enrollment, mTLS) are left to their own tests: their SecItem
calls happen inside the enrollment client, not as steps.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from keychainsim.scenario import run_scenario

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = sorted(
    p
    for p in [*(REPO / "fixtures" / "scenarios").rglob("*.yaml"), *(REPO / "keychainsim" / "lessons").rglob("*.yaml")]
    if "call: enroll" not in p.read_text(encoding="utf-8")
    and "call: mtls_check" not in p.read_text(encoding="utf-8")
    and "\nsteps:" in p.read_text(encoding="utf-8")
)


@pytest.mark.model
def test_there_are_scenarios_to_check() -> None:
    assert len(SCENARIOS) >= 60


@pytest.mark.model
@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: str(p.relative_to(REPO)))
def test_every_call_of_the_scenario_is_explained_truly(path: Path) -> None:
    result = run_scenario(path, check_explanations=True)
    wrong = [f for s in result.steps for f in s.failures if f.startswith(("explain says", "the call failed with"))]
    assert not wrong, f"{path}: {wrong}"
    checked = [s for s in result.steps if s.step.call.startswith("SecItem") and s.status is not None]
    assert all(s.report is not None for s in checked)
