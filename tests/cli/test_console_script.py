"""The installed console script as a real process: help, exit codes, a store locked by another
process, and stderr carrying one line, never a traceback."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import SCENARIOS

SCRIPT = shutil.which("keychainsim", path=str(Path(sys.executable).parent)) or "keychainsim"


def run(*args: str, store: Path, timeout: float = 60, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "KEYCHAINSIM_STORE": str(store), **env}
    return subprocess.run([SCRIPT, *args], capture_output=True, text=True, timeout=timeout, env=environment)


@pytest.mark.model
def test_help_imports_neither_engine_nor_crypto_nor_rich() -> None:
    code = (
        "import sys; from keychainsim.cli import app; "
        "heavy = [m for m in ('cryptography', 'rich', 'keychainsim.engine', 'keychainsim.crypto', 'yaml', "
        "'jsonschema') if m in sys.modules]; print(heavy)"
    )
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.strip() == "[]"


@pytest.mark.model
def test_help_exits_0_and_lists_the_commands(tmp_path: Path) -> None:
    # How fast it starts is measured by benchmarks/ (a test never asserts a wall-clock time).
    result = run("--help", store=tmp_path / "k.json")
    assert result.returncode == 0
    assert "find" in result.stdout and "dump" in result.stdout


@pytest.mark.model
def test_run_seed_and_its_broken_variant_as_processes(tmp_path: Path) -> None:
    store = tmp_path / "k.json"
    ok = run("run", str(SCENARIOS / "seed.yaml"), store=store)
    assert ok.returncode == 0 and "PASS" in ok.stdout
    broken = run("run", "--on-store", str(SCENARIOS / "seed" / "s5-server-certified-other-key.yaml"), store=store)
    assert broken.returncode == 0
    lookup = run("identity", "--label", "device-identity", store=store)
    assert lookup.returncode == 1
    assert "identity.certificate_for_other_key" in lookup.stderr


@pytest.mark.model
def test_store_locked_by_another_process_exits_4_and_changes_nothing(tmp_path: Path) -> None:
    store = tmp_path / "k.json"
    assert run("add", "-a", "kSecClass=kSecClassGenericPassword", "-a", "kSecAttrAccount=a", store=store).returncode == 0
    before = store.read_bytes()
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import fcntl, sys, time; fd = open(sys.argv[1], 'a'); fcntl.flock(fd, fcntl.LOCK_EX); print('held', flush=True);"
         " time.sleep(30)", str(store) + ".lock"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        result = run("add", "-a", "kSecClass=kSecClassGenericPassword", "-a", "kSecAttrAccount=b", store=store,
                     KEYCHAINSIM_LOCK_TIMEOUT="0.3")
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 4
    assert "locked by another process" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert store.read_bytes() == before


@pytest.mark.model
def test_unknown_constant_as_a_process(tmp_path: Path) -> None:
    result = run("find", "-a", "kSecClass=kSecClassIdentty", store=tmp_path / "k.json")
    assert result.returncode == 5
    assert result.stderr.startswith("keychainsim: ") and "did you mean kSecClassIdentity" in result.stderr
    assert result.stdout == ""
