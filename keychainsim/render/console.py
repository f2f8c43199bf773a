"""Consoles for deterministic output: colourless, fixed width, written to a string.

Tests and ``--json``-less CLI output compare exact text (style-anchors rule 16), so rendering goes
through one console factory whose output depends only on the renderable and the width.
"""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console

DEFAULT_WIDTH = 100


def fixed_console(width: int = DEFAULT_WIDTH, file: Any = None) -> Console:
    """``Console(color_system=None, width=width)`` writing to ``file`` (a new StringIO by default)."""
    return Console(
        color_system=None,
        width=width,
        file=file if file is not None else io.StringIO(),
        force_terminal=False,
        force_jupyter=False,
        legacy_windows=False,
        emoji=False,
        highlight=False,
        markup=False,
        soft_wrap=False,
    )


def render_text(renderable: Any, width: int = DEFAULT_WIDTH) -> str:
    """The renderable as plain text, lines right-stripped (rich pads some renderables to the width)."""
    console = fixed_console(width)
    console.print(renderable)
    text = console.file.getvalue()  # type: ignore[attr-defined]
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"


def render_as(format: str, view: Any, document: Any, width: int = DEFAULT_WIDTH) -> Any:
    """One object in the three forms every probe result offers: ``"text"`` (str), ``"rich"`` (the view)
    or ``"json"`` (str). ``view`` and ``document`` are called only for the form asked for."""
    if format == "json":
        from keychainsim.probe.document import to_json

        return to_json(document())
    if format == "rich":
        return view()
    if format == "text":
        return render_text(view(), width=width)
    raise ValueError(f"format must be text, rich or json, got {format!r}")
