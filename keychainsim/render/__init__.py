"""Presentation only: how probe data reads as rich text, plain text and fixed-width strings.

No rule lives here (architecture principle 3): what is visible, what pairs, what changed is decided in
:mod:`keychainsim.probe` and the engine; these modules lay it out. Imports rich; import it only to render.

- :mod:`~.console`: the colourless fixed-width console used by tests and the CLI.
- :mod:`~.values`: how one attribute value reads (hex, text, dates, constant names).
- :mod:`~.lines`: a fast block of pre-laid-out lines (rich's Table is too slow for 1,000-item dumps).
- :mod:`~.dump`, :mod:`~.plain`, :mod:`~.diff`, :mod:`~.trace`: one view per probe result.
"""

import typing as _typing

from keychainsim.lazy import lazy_face

if _typing.TYPE_CHECKING:  # the names, for type checkers; at run time each is imported on first use
    from keychainsim.render.console import DEFAULT_WIDTH, fixed_console, render_text
    from keychainsim.render.diff import DiffView
    from keychainsim.render.dump import DumpView
    from keychainsim.render.lines import Line, Lines
    from keychainsim.render.plain import plain_dump
    from keychainsim.render.trace import TraceView
    from keychainsim.render.values import display_value, hex_data, ordered_keys

_HOMES = {
    **dict.fromkeys(("DEFAULT_WIDTH", "fixed_console", "render_text"), "keychainsim.render.console"),
    "DiffView": "keychainsim.render.diff",
    "DumpView": "keychainsim.render.dump",
    **dict.fromkeys(("Line", "Lines"), "keychainsim.render.lines"),
    "plain_dump": "keychainsim.render.plain",
    "TraceView": "keychainsim.render.trace",
    **dict.fromkeys(("display_value", "hex_data", "ordered_keys"), "keychainsim.render.values"),
}
"""Where each name of this face lives, imported on first use: a command printing one result needs its own
view, not every view and the probes behind them."""

__all__ = [
    "DEFAULT_WIDTH",
    "DiffView",
    "DumpView",
    "Line",
    "Lines",
    "TraceView",
    "display_value",
    "fixed_console",
    "hex_data",
    "ordered_keys",
    "plain_dump",
    "render_text",
]


__getattr__, __dir__ = lazy_face(__name__, _HOMES, globals())
