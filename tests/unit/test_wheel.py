"""The built wheel works on its own: nothing passes only because the checkout is on sys.path
(style-anchors §E, packaging)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.model
def test_wheel_contains_the_package_and_imports_from_itself(tmp_path):
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
    )
    if build.returncode != 0 and "hatchling" in build.stderr:
        pytest.skip("hatchling is not installed in this environment")
    assert build.returncode == 0, build.stderr
    (wheel,) = tmp_path.glob("keychainsim-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "keychainsim/py.typed" in names
    assert "keychainsim/schema/tables.py" in names
    assert "keychainsim/glossary/meanings.yaml" in names  # the glossary's and the course's package data
    assert "keychainsim/lessons/04-label-belongs-to-the-certificate.yaml" in names
    assert "keychainsim/lessons/scenarios/12-pkcs12.yaml" in names
    assert "keychainsim/lessons/scenarios/device.p12" in names
    assert not any(n.startswith(("tests/", "benchmarks/")) for n in names)
    code = (
        "import keychainsim, keychainsim.constants as c;"
        "from keychainsim import Keychain;"
        "kc = Keychain();"
        "from keychainsim.lessons import load_course; from keychainsim.lessons.run import run_lesson;"
        "from keychainsim.glossary import lookup;"
        "ok = kc.SecItemAdd({c.kSecClass: c.kSecClassGenericPassword})[0] == 0;"
        "ok = ok and run_lesson(load_course()[11]).answer == -25300 and lookup('pdmn')[0].meaning != '';"
        "print(ok, keychainsim.__file__)"
    )
    run = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(wheel)!r}); {code}"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr
    ok, location = run.stdout.split()
    assert ok == "True"
    assert str(wheel) in location
