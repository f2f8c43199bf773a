"""The ``keychainsim`` command line: a thin skin over the Python API (style-anchors rule 1).

``app`` is the typer application, ``main`` the console-script entry point. Exit codes are listed in
:mod:`keychainsim.cli.state` and in ``keychainsim --help``. Both are loaded on first use, so that command
modules living elsewhere (``keychainsim.enroll.cli``) can import :mod:`keychainsim.cli.state` without a
cycle through the application that mounts them.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__all__ = ["app", "main"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        application = import_module("keychainsim.cli.application")
        return getattr(application, name)
    raise AttributeError(f"module 'keychainsim.cli' has no attribute {name!r}")
