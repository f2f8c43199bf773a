"""Consoles for deterministic output: colourless, fixed width, written to a string.

Tests and ``--json``-less CLI output compare exact text (style-anchors rule 16), so rendering goes
through one console factory whose output depends only on the renderable and the width.
"""

from __future__ import annotations

import gc
import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console

from keychainsim.render.lines import Lines

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
    """The renderable as plain text, lines right-stripped (rich pads some renderables to the width).

    A renderable made of parts (``parts(width)``, as a dump is) has its :class:`Lines` parts laid out
    directly (:meth:`Lines.plain_lines`, the same text) and only its other parts rendered by rich.
    """
    parts = getattr(renderable, "parts", None)
    lines: list[str] = []
    with collector_paused():
        for part in parts(width) if parts is not None else (renderable,):
            fast = part.plain_lines(width) if isinstance(part, Lines) else None
            if fast is None:
                console = fixed_console(width)
                console.print(part)
                fast = console.file.getvalue().splitlines()  # type: ignore[attr-defined]
            lines.extend(fast)
    return "\n".join(line.rstrip() for line in lines) + "\n"


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a large text is laid out.

    Laying out a dump creates hundreds of thousands of small containers that form no reference cycles
    and stay alive until the text is joined; the collector's passes over them cost more than the layout
    itself (half the time of a 10,000-item text dump). Reference counting still frees everything.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


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
