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

from keychainsim.probe.dumps import Dump, DumpItem, Near, Pair, Unpaired
from keychainsim.probe.identity_query import QueryTerm, identity_query_terms
from keychainsim.probe.load import DumpDisagreement, DumpOrigin, dump_origin, load_dump
from keychainsim.probe.snapshots import Change, Diff, Snapshot, snapshot
from keychainsim.probe.traces import Step, Trace, current_trace
from keychainsim.probe.visibility import Device, Hidden

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
    raise AttributeError(f"module 'keychainsim.probe' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_PRESENTED})
