"""Presentation only: how probe data reads as rich text, plain text and fixed-width strings.

No rule lives here (architecture principle 3): what is visible, what pairs, what changed is decided in
:mod:`keychainsim.probe` and the engine; these modules lay it out. Imports rich; import it only to render.

- :mod:`~.console`: the colourless fixed-width console used by tests and the CLI.
- :mod:`~.values`: how one attribute value reads (hex, text, dates, constant names).
- :mod:`~.lines`: a fast block of pre-laid-out lines (rich's Table is too slow for 1,000-item dumps).
- :mod:`~.dump`, :mod:`~.plain`, :mod:`~.diff`, :mod:`~.trace`: one view per probe result.
"""

from keychainsim.render.console import DEFAULT_WIDTH, fixed_console, render_text
from keychainsim.render.diff import DiffView
from keychainsim.render.dump import DumpView
from keychainsim.render.lines import Line, Lines
from keychainsim.render.plain import plain_dump
from keychainsim.render.trace import TraceView
from keychainsim.render.values import display_value, hex_data, ordered_keys

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
