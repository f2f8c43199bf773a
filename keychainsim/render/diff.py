"""A diff as lines: ``+`` added and ``-`` removed items on one line each, ``~`` changed items with one line
per attribute, old -> new."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from rich.console import Console, ConsoleOptions
from rich.segment import Segment
from rich.style import Style

from keychainsim.probe.names import attribute_name
from keychainsim.render.lines import Lines
from keychainsim.render.values import display_value, one_line

if TYPE_CHECKING:
    from keychainsim.probe.snapshots import Diff

ADDED = Style(color="green")
REMOVED = Style(color="red")
CHANGED = Style(color="yellow")
LONG_VALUES = 60
"""Old and new values longer than this together are shown on two lines instead of ``old → new``."""


def diff_lines(diff: Diff, indent: str = "") -> Lines:
    """The diff's lines, each prefixed by ``indent``; ``no change`` when it is empty."""
    lines = Lines()
    if not diff:
        lines.add(indent, ("no change", Style(dim=True)))
        return lines
    hang = len(indent) + 2
    for item in diff.added:
        where = f"+ {item.item_class} row {item.rowid} ({item.keychain})"
        lines.add(indent, (where, ADDED), f": {one_line(item.item_class, item.attrs)}", hang=hang)
    for item in diff.removed:
        where = f"- {item.item_class} row {item.rowid} ({item.keychain})"
        lines.add(indent, (where, REMOVED), f": {one_line(item.item_class, item.attrs)}", hang=hang)
    for change in diff.changed:
        item = change.after
        lines.add(indent, (f"~ {item.item_class} row {item.rowid} ({item.keychain})", CHANGED))
        keys = list(change.attributes)
        width = max(len(k) for k in keys)
        names = {k: attribute_name(item.item_class, k) or "" for k in keys}
        name_width = max(len(n) for n in names.values())
        hang_value = len(indent) + 4 + width + 2 + name_width + 2
        for key in keys:
            old, new = change.attributes[key]
            before = display_value(item.item_class, key, old)
            after = display_value(item.item_class, key, new)
            lead = f"    {key.ljust(width)}  {names[key].ljust(name_width)}  "
            if len(before) + len(after) <= LONG_VALUES:
                lines.add(indent, lead, f"{before} → {after}", hang=hang_value)
            else:
                # long values (hashes, DER) one above the other, so their bytes line up for comparison
                lines.add(indent, lead, ("- ", REMOVED), before, hang=hang_value + 2)
                lines.add(indent, " " * len(lead), ("+ ", ADDED), after, hang=hang_value + 2)
    return lines


class DiffView:
    """A rich renderable for a :class:`~keychainsim.probe.Diff`."""

    def __init__(self, diff: Diff) -> None:
        self.diff = diff

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Segment]:
        yield from diff_lines(self.diff).__rich_console__(console, options)
