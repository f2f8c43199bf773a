"""explain(kc, query): why a call returns what it returns, in findings a developer can act on.

The call is replayed through the facade's own path with the engine's hooks recording (architecture
principle 1): the status, the matches and the rows each part of the call searched, added or collided
with are the engine's own, on every path (the macOS shim's two keychains, an identity's two halves).
The near misses are the rows the one matcher rejected, with the constraints they fail; an add that
collides names the existing row; a refusal is given in the engine's own words.
"""

from __future__ import annotations

from typing import Any

from keychainsim.explain.findings import MEANING, Finding
from keychainsim.explain.report import NearMiss, Report

__all__ = ["MEANING", "Finding", "NearMiss", "Report", "explain"]


def explain(
    kc: Any,
    query: dict[str, Any],
    history: Any = None,
    call: str | None = None,
    attributes_to_update: dict[str, Any] | None = None,
) -> Report:
    """Explain ``query`` against keychain ``kc``.

    Args:
        kc: the :class:`~keychainsim.Keychain` (the caller's entitlements and platform apply).
        query: the dictionary of the call: a SecItemCopyMatching query, a SecItemAdd's attributes, or a
            SecItemUpdate or SecItemDelete query.
        history: a trace (``keychainsim.probe.trace``) whose steps add what only the history shows; inside
            an active trace block it is found automatically.
        call: ``"SecItemCopyMatching"``, ``"SecItemAdd"``, ``"SecItemUpdate"`` or ``"SecItemDelete"``. When
            omitted: the last call's, if it was made with this dictionary; else SecItemAdd for a dictionary
            carrying kSecValueData or kSecValueRef and no kSecReturn / kSecMatch keys; else
            SecItemCopyMatching.
        attributes_to_update: SecItemUpdate's second argument (the last call's when it was that update).

    Writes are replayed on a copy of the data: explaining an add, update or delete changes nothing.
    """
    from keychainsim import tracing
    from keychainsim.explain.analysis import explain_call
    from keychainsim.explain.history import active_trace, history_findings
    from keychainsim.status import OSStatus

    if history is None:
        history = active_trace(kc)
    last = _last_call_with(kc, query)
    if call is None:
        call = last.call if last is not None else ("SecItemAdd" if _looks_like_add(query) else "SecItemCopyMatching")
    if call == "SecItemUpdate" and attributes_to_update is None and last is not None and last.call == call:
        attributes_to_update = last.args[1]
    with tracing.inside():  # explain's own key and certificate calls are no steps of the traced flow
        earlier = history_findings(kc, query, history) if history is not None else []
        report = explain_call(kc, call, query, attributes_to_update, {f.code for f in earlier})
        if report.status == OSStatus.errSecItemNotFound:
            # The history explains what is missing; it is no cause of a refusal, a collision or a lock.
            report.findings.extend(earlier)
    return report


def _last_call_with(kc: Any, query: dict[str, Any]) -> Any:
    """The keychain's last SecItem call, when it was made with this very dictionary."""
    last = getattr(kc, "last_call", None)
    if last is None or last.call not in ("SecItemCopyMatching", "SecItemAdd", "SecItemUpdate", "SecItemDelete"):
        return None
    args = last.args
    return last if args and args[0] == query else None


def _looks_like_add(query: dict[str, Any]) -> bool:
    has_value = "v_Data" in query or ("v_Ref" in query and query.get("class") != "idnt")
    return has_value and not any(str(k).startswith(("r_", "m_")) for k in query)
