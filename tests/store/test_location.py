"""Where the store lives by default: $KEYCHAINSIM_STORE, else the XDG data directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from keychainsim.store import STORE_ENV, default_store_path

pytestmark = pytest.mark.model


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(STORE_ENV, raising=False)
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


def test_the_environment_variable_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv(STORE_ENV, str(tmp_path / "mine.json"))
    assert default_store_path() == str(tmp_path / "mine.json")


def test_a_tilde_in_the_environment_variable_is_expanded(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(STORE_ENV, "~/kc.json")
    assert default_store_path() == str(tmp_path / "home" / "kc.json")


def test_xdg_data_home_is_used_when_absolute(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_store_path() == str(tmp_path / "xdg" / "keychainsim" / "keychain.json")


@pytest.mark.parametrize("value", ["", "relative/dir"])
def test_otherwise_the_home_data_directory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, value: str) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", value)
    assert default_store_path() == str(tmp_path / "home" / ".local" / "share" / "keychainsim" / "keychain.json")
