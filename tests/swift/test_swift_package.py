"""Build and test the Swift package (swift/) against this checkout's engine.

This is how the README's test command and ``.ci/run`` cover Swift: ``swift build`` and ``swift test`` run
here, with ``KEYCHAINSIM_ENGINE`` pointing at the keychainsim of the running virtual environment. Without a
Swift toolchain the test is skipped on a developer's machine and FAILS under ``CI`` (set by ``.ci/run``), so a
CI machine that lost its toolchain cannot pass silently.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from keychainsim.crypto.ca import TestCA
from tests.swift.thread_flow import load_variants, run_variant

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


@pytest.fixture(scope="module")
def built() -> Path:
    """``swift build --build-tests`` once for the module; the directory of the built products."""
    build = run_swift("build", "--build-tests")
    assert build.returncode == 0, f"swift build failed:\n{build.stdout[-6000:]}\n{build.stderr[-6000:]}"
    return Path(run_swift("build", "--show-bin-path").stdout.strip())


@pytest.mark.slow
@pytest.mark.apple_docs
def test_swift_tests_pass_and_the_thread_gives_the_python_statuses(built: Path) -> None:
    """The forum thread's Swift code (swift/Tests/ForumThreadTests) gives, variant by variant, the status the same
    flow gives through the Python API (tests/swift/thread_flow.py); both follow fixtures/thread/variants.json.
    Sources: developer.apple.com/forums/thread/797509 and the ``source`` of each variant."""
    tested = run_swift("test", "--skip-build")
    output = tested.stdout + tested.stderr
    assert tested.returncode == 0, f"swift test failed:\n{output[-12000:]}"
    # Swift Testing reports its own run; a run of zero tests must not pass.
    assert "Test run with" in output and " passed after " in output, output[-3000:]
    assert "Test run with 0 tests" not in output
    swift_statuses = {name: int(code) for name, code in re.findall(r"seed variant (\w+): status (-?\d+)", output)}
    spec = load_variants()
    ca = TestCA()
    python_statuses = {v["name"]: run_variant(spec, v, ca).status for v in spec["variants"]}
    assert swift_statuses == python_statuses
    for variant in spec["variants"]:
        finding = variant["expected"]["finding"]
        line = re.search(rf"seed variant {variant['name']}: status .*", output).group(0)
        assert (f"finding {finding}: " in line) if finding else line.endswith("; no finding"), line


def run_demo(built: Path, engine: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(engine_environment(), KEYCHAINSIM_ENGINE=engine)
    return subprocess.run([str(built / "KeychainSimDemo"), *args], env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.slow
@pytest.mark.model
def test_the_demo_forms_the_identity_and_explains_a_broken_server(built: Path) -> None:
    engine = engine_environment()["KEYCHAINSIM_ENGINE"]
    good = run_demo(built, engine)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "SecItemCopyMatching(identity): 0 No error." in good.stdout
    broken = run_demo(built, engine, "other_key")
    assert broken.returncode == 1
    assert "SecItemCopyMatching(identity): -25300" in broken.stdout
    assert "[identity.certificate_for_other_key]" in broken.stdout


@pytest.mark.slow
@pytest.mark.model
def test_a_missing_or_incompatible_engine_is_one_message_saying_how_to_install(built: Path, tmp_path: Path) -> None:
    old = tmp_path / "keychainsim"  # an engine without the server: what an old keychainsim answers
    old.write_text("#!/bin/sh\necho \"Error: No such command 'serve'.\" >&2\nexit 2\n")
    old.chmod(0o755)
    for engine, cause in ((str(tmp_path / "missing"), "is not an executable file"), (str(old), "No such command")):
        done = run_demo(built, engine)
        assert done.returncode == 1
        assert done.stderr.count("KeychainSim") == 1, done.stderr  # one message, however many calls failed
        assert cause in done.stderr and "pip install -e ." in done.stderr, done.stderr
        assert "SecItemDelete(keys): -25291" in done.stdout  # errSecNotAvailable, the status for no keychain
