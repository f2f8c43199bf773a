"""The ``keychainsim`` command line: a thin skin over the Python API (style-anchors rule 1).

``app`` is the typer application, ``main`` the console-script entry point. Exit codes are listed in
:mod:`keychainsim.cli.state` and in ``keychainsim --help``. Both are loaded on first use, so that command
modules living elsewhere (``keychainsim.enroll.cli``) can import :mod:`keychainsim.cli.state` without a
cycle through the application that mounts them.
"""

from __future__ import annotations

import sys
from importlib import import_module
from typing import Any

__all__ = ["app", "main"]

ENGINE_ARGV = ["serve", "--stdio"]
"""How the Swift library starts the engine; this exact command line skips the command-line framework."""


def main() -> None:
    """Console-script entry point (``keychainsim = "keychainsim.cli:main"``).

    ``keychainsim serve --stdio`` goes straight to the engine server: a Swift test starts one engine per
    simulated device, and importing typer (with its pydantic adapters) would double the engine's start
    time. A plain ``keychainsim find`` (:mod:`keychainsim.cli.lean_find`) is answered without typer and
    rich, whose imports would otherwise cost more than the lookup: scripts run ``find`` in loops. It
    declines anything unusual (help, an unknown option, a terminal, any failure) and typer then runs the
    command line. Every other command line, ``serve`` with global options included, goes through typer.
    """
    if sys.argv[1:] == ENGINE_ARGV:
        from keychainsim.server.stdio import serve

        sys.exit(serve(sys.stdin.buffer, sys.stdout.buffer))
    from keychainsim.cli import lean_find

    code = lean_find.run(sys.argv[1:])
    if code is not None:
        sys.exit(code)
    import_module("keychainsim.cli.application").main()


def __getattr__(name: str) -> Any:
    if name == "app":
        application = import_module("keychainsim.cli.application")
        return getattr(application, name)
    raise AttributeError(f"module 'keychainsim.cli' has no attribute {name!r}")
