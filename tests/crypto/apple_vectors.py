"""Test vectors from Apple's own regression tests, read at test time from a local Security checkout.

Apple's test data (certificates, keys, PKCS#12 files in ``OSX/sec/Security/Regressions/secitem/``)
is not copied into this repository. Tests that need it call :func:`apple_bytes`, which reads the C
byte array out of Apple's file in a checkout of apple-oss-distributions/Security — a work tree or a
bare mirror, found through ``$KEYCHAINSIM_APPLE_SECURITY`` or the default mirror path — and skips the
test when no checkout is available.
"""

from __future__ import annotations

import functools
import os
import re
import subprocess
from pathlib import Path

import pytest

DEFAULT_CHECKOUTS = (
    "/work/.mirror/apple-oss-distributions+Security/repo",
)


def _checkout() -> Path | None:
    for candidate in filter(None, [os.environ.get("KEYCHAINSIM_APPLE_SECURITY"), *DEFAULT_CHECKOUTS]):
        path = Path(candidate)
        if path.exists():
            return path
    return None


@functools.cache
def _source(relative_path: str) -> str | None:
    root = _checkout()
    if root is None:
        return None
    work_tree_file = root / relative_path
    if work_tree_file.is_file():
        return work_tree_file.read_text(errors="replace")
    try:
        return subprocess.run(
            ["git", "--git-dir", str(root), "show", f"HEAD:{relative_path}"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None


def apple_bytes(relative_path: str, array_name: str) -> bytes:
    """The bytes of the C array ``array_name`` in Apple's file; skips the test if unavailable."""
    source = _source(relative_path)
    if source is None:
        pytest.skip("no apple-oss-distributions/Security checkout (set KEYCHAINSIM_APPLE_SECURITY)")
    match = re.search(rf"\b{re.escape(array_name)}\s*\[\s*\]\s*=\s*\{{(.*?)\}};", source, re.S)
    if match is None:
        pytest.fail(f"{array_name} not found in {relative_path}")
    body = re.sub(r"/\*.*?\*/|//[^\n]*", "", match.group(1), flags=re.S)
    if '"' in body:
        pytest.fail(f"{array_name} is a string literal, not a byte array")
    return bytes(int(token, 0) for token in re.findall(r"0[xX][0-9a-fA-F]+|\d+", body))


SI_42 = "OSX/sec/Security/Regressions/secitem/si-42-identity.m"
SI_41 = "OSX/sec/Security/Regressions/secitem/si-41-sececkey.c"
SI_61_H = "OSX/sec/Security/Regressions/secitem/si-61-pkcs12.h"
