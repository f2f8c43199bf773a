"""Run the call being explained through the facade's own path, with the engine's hooks recording.

The status, the result and what each part of the call did (searches, adds, collisions, absorbed
refusals; :mod:`keychainsim.engine.observe`) come from the same code the call itself runs: the macOS
shim's routing and merging, an identity's two halves, the data protection and file-based engines. A
call that writes runs on a copy of the data, so explaining it changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from keychainsim import shim
from keychainsim.engine import observe
from keychainsim.engine.database import Database
from keychainsim.engine.observe import Observation, Search
from keychainsim.model.reject import Reject
from keychainsim.shim.context import CallContext
from keychainsim.status import OSStatus

CALLS = ("SecItemCopyMatching", "SecItemAdd", "SecItemUpdate", "SecItemDelete")


@dataclass
class Replay:
    """One call, replayed: its status and result, the refusal that ended it, and what the engine did."""

    call: str
    status: OSStatus
    result: Any
    refused: Reject | None
    seen: Observation
    db: Database
    """The data as it was before the call (the live tables; a write ran on a copy)."""

    @property
    def searches(self) -> list[Search]:
        return self.seen.searches

    def returned_rows(self) -> list[Any]:
        """The rows behind what the call returned: the rows of the search whose result the caller got, or of
        the searches whose arrays were concatenated into it (macOS: data protection first); for a result
        that names no row (none asked for, an identity's persistent reference), every row found."""
        if self.status != OSStatus.errSecSuccess or self.call != "SecItemCopyMatching":
            return []
        found = [s for s in self.searches if s.op == "copy" and s.done and s.rows]
        result = self.result
        for search in found:
            if result is not None and search.result is result:
                return list(search.rows)
        if isinstance(result, list):
            rows: list[Any] = []
            position = 0
            for search in found:
                part = search.result
                if isinstance(part, list) and _starts_with(result[position:], part):
                    rows += search.rows
                    position += len(part)
            if position == len(result):
                return rows
        return [row for search in found for row in search.rows]


def _starts_with(whole: list[Any], part: list[Any]) -> bool:
    """Whether ``whole`` begins with the very objects of ``part`` (a merge concatenates, it does not copy)."""
    return len(part) <= len(whole) and all(a is b for a, b in zip(whole, part, strict=False))


def replay(kc: Any, call: str, query: dict[str, Any], attributes_to_update: dict[str, Any] | None = None) -> Replay:
    """Run ``call`` as ``kc`` would, recording; the store is never changed.

    Raises:
        TypeError, NotModeledError: as the call itself would (a value no CF type maps to, a key keychainsim
            does not model).
    """
    from keychainsim.keychain import _ref_types
    from keychainsim.model.query import check_python_types

    if call not in CALLS:
        raise ValueError(f"call must be one of {', '.join(CALLS)}, got {call!r}")
    args = (query,) if call != "SecItemUpdate" else (query, attributes_to_update or {})
    for arg in args:
        check_python_types(arg, f"{call} argument", _ref_types())
    runner: dict[str, Callable[[CallContext], Any]] = {
        "SecItemCopyMatching": lambda ctx: shim.copy_matching(ctx, query),
        "SecItemAdd": lambda ctx: shim.add(ctx, query),
        "SecItemUpdate": lambda ctx: (shim.update(ctx, query, args[-1]), None),
        "SecItemDelete": lambda ctx: (shim.delete(ctx, query), None),
    }
    with kc.call_context(call) as live, observe.recording() as seen:
        db = live.db
        ctx = live if call == "SecItemCopyMatching" else replace(live, db=db.copy())
        refused = None
        try:
            status, result = runner[call](ctx)
        except Reject as reject:
            status, result, refused = reject.status, None, reject
        return Replay(call, OSStatus(status), result, refused, seen, db)
