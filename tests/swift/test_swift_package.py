"""Build and test the Swift package (swift/) against this checkout's engine.

This is how the README's test command and ``.ci/run`` cover Swift: ``swift build`` and ``swift test`` run
here, with ``KEYCHAINSIM_ENGINE`` pointing at the keychainsim of the running virtual environment. Without a
Swift toolchain the test is skipped on a developer's machine and FAILS under ``CI`` (set by ``.ci/run``), so a
CI machine that lost its toolchain cannot pass silently.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "swift"
TOOLCHAIN_FALLBACK = Path("/opt/swift/usr/bin/swift")


def swift_executable() -> str | None:
    """``swift`` on PATH, else the toolchain's usual place on the project's machines."""
    found = shutil.which("swift")
    if found:
        return found
    return str(TOOLCHAIN_FALLBACK) if TOOLCHAIN_FALLBACK.exists() else None


def require_swift() -> str:
    swift = swift_executable()
    if swift is None:
        message = "no Swift toolchain (swift not on PATH, nothing at /opt/swift): install Swift 6.3 to test swift/"
        if os.environ.get("CI"):
            pytest.fail(message + " — CI is set, so a missing toolchain is a failure, not a skip")
        pytest.skip(message)
    return swift


def engine_environment() -> dict[str, str]:
    """The environment for swift: this virtual environment's keychainsim is the engine."""
    env = dict(os.environ)
    env["KEYCHAINSIM_ENGINE"] = str(Path(sys.executable).parent / "keychainsim")
    return env


def run_swift(*args: str, timeout: float = 3600) -> subprocess.CompletedProcess[str]:
    swift = require_swift()
    return subprocess.run(
        [swift, *args],
        cwd=PACKAGE,
        env=engine_environment(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.slow
@pytest.mark.model
def test_swift_package_builds_and_its_tests_pass() -> None:
    build = run_swift("build", "--build-tests")
    assert build.returncode == 0, f"swift build failed:\n{build.stdout[-6000:]}\n{build.stderr[-6000:]}"
    tested = run_swift("test", "--skip-build")
    output = tested.stdout + tested.stderr
    assert tested.returncode == 0, f"swift test failed:\n{output[-12000:]}"
    # Swift Testing reports its own run; a run of zero tests must not pass.
    assert "Test run with" in output and " passed after " in output, output[-3000:]
    assert "Test run with 0 tests" not in output
