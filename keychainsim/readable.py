"""Probe results as people and programs read them: ``dump(kc)``, ``trace(kc)``, ``diff(a, b)``.

The probe package (:mod:`keychainsim.probe`) produces data and imports no renderer; the render package
(:mod:`keychainsim.render`) lays data out and decides nothing. These entry points sit above both and
compose them: a dump in its four formats, and traces and diffs that print themselves. The probe package's
public face hands these names on (``from keychainsim.probe import dump, trace``), resolving them on first
use, so importing the probe package loads neither this module nor rich.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from keychainsim.probe.dumps import Dump
from keychainsim.probe.snapshots import Diff as DiffData
from keychainsim.probe.snapshots import Snapshot
from keychainsim.probe.snapshots import diff as diff_data
from keychainsim.probe.traces import Trace as TraceData
from keychainsim.probe.traces import trace as record
from keychainsim.render.console import render_as, render_text
from keychainsim.render.diff import DiffView
from keychainsim.render.dump import DumpView
from keychainsim.render.plain import plain_dump
from keychainsim.render.trace import TraceView

if TYPE_CHECKING:
    from keychainsim.keychain import Keychain

FORMATS = ("text", "rich", "plain", "json")


def dump(kc: Keychain, format: str = "text", *, width: int = 100, secrets: bool = False) -> Any:
    """Every item of every class of ``kc``, as a person or a program reads it.

    Args:
        kc: the keychain, seen with its caller's access groups and the device's lock state.
        format: ``"text"`` (default; colourless rich text, what ``print(dump(kc))`` shows), ``"rich"`` (a
            renderable for a rich Console), ``"plain"`` (NSDictionary description style, as printing
            SecItemCopyMatching results on a device shows) or ``"json"`` (the versioned document of
            FORMAT.md, also written by the device-side probe).
        width: line width of the text formats.
        secrets: include passwords' and keys' secret data in JSON (certificates' DER is always included).

    Raises:
        ValueError: an unknown format.
    """
    if format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {format!r}")
    data = Dump.of(kc)
    if format == "json":
        return data.to_json(secrets=secrets)
    if format == "plain":
        return plain_dump(data)
    if format == "rich":
        return DumpView(data)
    return render_text(DumpView(data), width=width)


class _Printable:
    """The three forms a trace or a diff offers: ``render(format)``, ``str()`` (the text) and rich printing."""

    def _view(self) -> Any:
        raise NotImplementedError

    to_dict: Callable[[], dict[str, Any]]
    """Supplied by the data class this is mixed into."""

    def render(self, format: str = "text", width: int = 100) -> Any:
        """``"text"`` (str), ``"rich"`` (renderable) or ``"json"`` (str)."""
        return render_as(format, self._view, self.to_dict, width)

    def __str__(self) -> str:
        return str(self.render("text"))

    def __rich__(self) -> Any:
        return self._view()


class Trace(_Printable, TraceData):
    """A recorded trace that also presents itself: ``print(t)``, ``t.render(format=...)``, rich printing."""

    def _view(self) -> Any:
        return TraceView(self)


@contextmanager
def trace(kc: Keychain) -> Iterator[Trace]:
    """Record every Sec* call made inside the block on ``kc``: :func:`keychainsim.probe.traces.trace`,
    with a trace that prints itself."""
    with record(kc, Trace) as recorded:
        assert isinstance(recorded, Trace)
        yield recorded


@dataclass(frozen=True, eq=False)
class Diff(_Printable, DiffData):
    """A diff that also presents itself; equal to the plain :class:`~keychainsim.probe.snapshots.Diff` of
    the same changes."""

    def _view(self) -> Any:
        return DiffView(self)


def diff(a: Snapshot, b: Snapshot) -> Diff:
    """Items added, removed and changed from ``a`` to ``b``: :func:`keychainsim.probe.snapshots.diff`,
    printable."""
    found = diff_data(a, b)
    return Diff(found.added, found.removed, found.changed)
