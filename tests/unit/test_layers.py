"""Arrows point down (architecture.md, principle 6): a static check of every import in the source tree.

Each source file is parsed (nothing is imported or run) and every ``import`` in it, at module level or
inside a function, is held against the table below: the layers under the facade never import the facade,
the client shim or anything above them; the shim never imports the facade; the probe package's modules
never import a renderer. The probe package's public face may hand on the presenting entry points of
:mod:`keychainsim.readable`, but only from inside a function, so importing the package loads no renderer.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "keychainsim"

ABOVE_THE_FACADE = (
    "keychainsim.api",
    "keychainsim.cli",
    "keychainsim.enroll",
    "keychainsim.explain",
    "keychainsim.probe",
    "keychainsim.pytest_plugin",
    "keychainsim.readable",
    "keychainsim.render",
    "keychainsim.scenario",
)
"""Front ends and read-only views: everything that sits on the facade."""

FORBIDDEN: dict[str, tuple[str, ...]] = {
    "keychainsim/engine": ("keychainsim.keychain", "keychainsim.shim", "keychainsim.backend", *ABOVE_THE_FACADE),
    "keychainsim/model": ("keychainsim.keychain", "keychainsim.shim", "keychainsim.engine", *ABOVE_THE_FACADE),
    "keychainsim/store": ("keychainsim.keychain", "keychainsim.shim", "keychainsim.engine", *ABOVE_THE_FACADE),
    "keychainsim/schema": ("keychainsim.keychain", "keychainsim.shim", "keychainsim.engine", *ABOVE_THE_FACADE),
    "keychainsim/crypto": (
        "keychainsim.keychain",
        "keychainsim.shim",
        "keychainsim.engine",
        "keychainsim.model",
        *ABOVE_THE_FACADE,
    ),
    "keychainsim/shim": ("keychainsim.keychain", "keychainsim.backend", *ABOVE_THE_FACADE),
    "keychainsim/probe": ("keychainsim.render", "keychainsim.readable", "keychainsim.explain", "keychainsim.cli"),
    "keychainsim/render": ("keychainsim.readable", "keychainsim.explain", "keychainsim.cli", "keychainsim.scenario"),
}
"""Per source folder, the modules its files must never import (the folder's own package is always fine)."""

PROBE_FACE = PACKAGE / "probe" / "__init__.py"


def _imports(path: Path) -> list[tuple[str, int, bool]]:
    """(imported module, line, at module level) for every import in ``path``; ``from a import b`` yields
    both ``a`` and ``a.b``, since ``b`` may be a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    top_level = {id(node) for node in tree.body}
    found: list[tuple[str, int, bool]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((alias.name, node.lineno, id(node) in top_level) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, node.lineno, id(node) in top_level))
            found.extend((f"{node.module}.{alias.name}", node.lineno, id(node) in top_level) for alias in node.names)
    return found


def _names(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def _violations(folder: str, forbidden: tuple[str, ...]) -> list[str]:
    out = []
    for path in sorted((PACKAGE.parent / folder).rglob("*.py")):
        if path == PROBE_FACE:
            continue
        for module, line, _ in _imports(path):
            if _names(module, forbidden):
                out.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {module}")
    return out


@pytest.mark.model
@pytest.mark.parametrize("folder", sorted(FORBIDDEN))
def test_no_import_points_up(folder):
    """Every file of the folder imports only what sits at its level or below."""
    assert (PACKAGE.parent / folder).is_dir()
    assert _violations(folder, FORBIDDEN[folder]) == []


@pytest.mark.model
def test_the_checker_sees_an_upward_import(tmp_path):
    """The check itself can fail: a function-level import of the facade is found, with its line."""
    source = tmp_path / "upward.py"
    source.write_text("import os\n\n\ndef f():\n    from keychainsim.keychain import Keychain\n    return Keychain\n")
    assert _imports(source) == [
        ("os", 1, True),
        ("keychainsim.keychain", 5, False),
        ("keychainsim.keychain.Keychain", 5, False),
    ]


@pytest.mark.model
def test_the_probe_face_hands_on_presentation_only_lazily():
    """The face imports the probe's own modules (on first use, or for type checkers) and keychainsim.readable
    only inside a function; nothing else."""
    imports = _imports(PROBE_FACE)
    module_level = {m for m, _, top in imports if top}
    lazy = {m for m, _, top in imports if not top}
    assert all(_names(m, ("keychainsim.probe", "typing", "importlib")) for m in module_level), module_level
    assert {m for m in lazy if not _names(m, ("keychainsim.probe",))} == {"keychainsim", "keychainsim.readable"}


@pytest.mark.model
def test_importing_the_probe_package_loads_no_renderer():
    """At run time too: after ``import keychainsim.probe`` neither the render package nor the presenting
    layer is loaded; asking the face for ``dump`` loads them."""
    code = (
        "import sys, keychainsim.probe as p\n"
        "print(sorted(m for m in ('keychainsim.render', 'keychainsim.readable', 'rich') if m in sys.modules))\n"
        "p.dump\n"
        "print('keychainsim.render' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split("\n")
    assert out[:2] == ["[]", "True"]


FACADE = PACKAGE / "keychain.py"


def _backend_uses(path: Path) -> list[int]:
    """Lines of ``path`` that reach for a keychain's private store handle (``kc._backend`` or
    ``_backend=``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    lines = [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr == "_backend"]
    lines += [n.value.lineno for n in ast.walk(tree) if isinstance(n, ast.keyword) and n.arg == "_backend"]
    return sorted(lines)


@pytest.mark.model
def test_only_the_facade_touches_its_store_handle():
    """Dumps, load_dump, replay and every front end read and fill a keychain through the facade's public
    methods (``export_contents``, ``restore_contents``), never through ``Keychain._backend``; the checker
    itself finds such a use."""
    offenders = [
        f"{path.relative_to(PACKAGE.parent)}:{line}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path != FACADE
        for line in _backend_uses(path)
    ]
    assert offenders == []
    assert _backend_uses(FACADE), "the facade keeps its store handle under another name: update this test"
    from keychainsim.probe import dumps, load

    assert "export_contents" in Path(dumps.__file__).read_text(encoding="utf-8")
    assert "restore_contents" in Path(load.__file__).read_text(encoding="utf-8")
