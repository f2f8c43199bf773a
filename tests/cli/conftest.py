"""CLI test helpers: a store path per test, the typer runner, and the repository's fixture paths."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MATERIAL = REPO / "fixtures" / "material"
SCENARIOS = REPO / "fixtures" / "scenarios"


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A store path for this test, also exported as $KEYCHAINSIM_STORE (never the user's real store)."""
    path = tmp_path / "keychain.json"
    monkeypatch.setenv("KEYCHAINSIM_STORE", str(path))
    return path


@pytest.fixture
def cli(store: Path):
    """``cli(*args, input=None)`` runs the app in-process through typer's CliRunner."""
    from typer.testing import CliRunner

    from keychainsim.cli import app

    runner = CliRunner()

    def invoke(*args: str, input: str | bytes | None = None):
        return runner.invoke(app, list(args), input=input, catch_exceptions=False)

    return invoke
