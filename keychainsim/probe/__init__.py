"""Probes: read-only views over a keychain for the person debugging it.

- :func:`dump` shows every item of every class with every attribute, whether the calling app can see it
  and why not, and how certificates and private keys pair into identities (text, rich, plain, JSON).
- :func:`load_dump` turns a JSON dump (from :func:`dump` or the device-side probe in
  ``probes/device/KeychainDump.swift``) back into a keychain, so a device's state can be explained here;
  :func:`dump_origin` says what loading found (the device's identities against the model's join).
- :func:`snapshot` and :func:`diff` compare the items at two moments.
- :func:`trace` records every Sec* call made inside a block, with status, refusal reason, result and
  the items after each call.

The modules of this package produce data and import no renderer. ``dump``, ``trace`` and ``diff`` as
listed here return results that also print themselves: they are :mod:`keychainsim.readable`'s, the layer
above both probes and renderers, and this face resolves them on first use, so importing the package
imports neither that layer nor rich.
"""

import typing as _typing
from importlib import import_module as _import_module

if _typing.TYPE_CHECKING:  # the names, for type checkers; at run time each is imported on first use
    from keychainsim.probe.dumps import Dump, DumpItem, Near, Pair, Unpaired
    from keychainsim.probe.identity_query import QueryTerm, identity_query_terms
    from keychainsim.probe.load import DumpDisagreement, DumpOrigin, dump_origin, load_dump
    from keychainsim.probe.snapshots import Change, Diff, Snapshot, snapshot
    from keychainsim.probe.traces import Step, Trace, current_trace
    from keychainsim.probe.visibility import Device, Hidden

_HOMES = {
    **dict.fromkeys(("Dump", "DumpItem", "Near", "Pair", "Unpaired"), "dumps"),
    **dict.fromkeys(("QueryTerm", "identity_query_terms"), "identity_query"),
    **dict.fromkeys(("DumpDisagreement", "DumpOrigin", "dump_origin", "load_dump"), "load"),
    **dict.fromkeys(("Change", "Diff", "Snapshot", "snapshot"), "snapshots"),
    **dict.fromkeys(("Step", "Trace", "current_trace"), "traces"),
    **dict.fromkeys(("Device", "Hidden"), "visibility"),
}
"""The module of this package each name lives in. A name is imported on first use: the engine server needs
only the traces, and a command line printing one result only the values and names, so neither pays for
compiling and importing dumps, loading and the identity checks (about half of the engine's start without
a bytecode cache)."""

_PRESENTED = ("diff", "dump", "trace")
"""Names this face hands on from :mod:`keychainsim.readable`."""

__all__ = [
    "Change",
    "Device",
    "Diff",
    "Dump",
    "DumpDisagreement",
    "DumpItem",
    "DumpOrigin",
    "Hidden",
    "Near",
    "Pair",
    "QueryTerm",
    "Snapshot",
    "Step",
    "Trace",
    "Unpaired",
    "current_trace",
    "diff",
    "dump",
    "dump_origin",
    "identity_query_terms",
    "load_dump",
    "snapshot",
    "trace",
]


def __getattr__(name: str) -> object:
    if name in _PRESENTED:
        from keychainsim import readable

        return getattr(readable, name)
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'keychainsim.probe' has no attribute {name!r}")
    value = getattr(_import_module(f"keychainsim.probe.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOMES, *_PRESENTED})
