"""explain(kc, query): why a query returns what it returns, in findings a developer can act on.

The status and the matches are computed by the engine's own code on the same data (architecture
principle 1); the near misses are the rows the one matcher rejected, with the constraints they fail.
Called with a failed SecItemAdd's dictionary, it names the existing item the add collides with.
"""

from __future__ import annotations

from typing import Any

from keychainsim.explain.findings import MEANING, Finding
from keychainsim.explain.report import NearMiss, Report

__all__ = ["MEANING", "Finding", "NearMiss", "Report", "explain"]


def explain(kc: Any, query: dict[str, Any], history: Any = None, call: str | None = None) -> Report:
    """Explain ``query`` against keychain ``kc``.

    Args:
        kc: the :class:`~keychainsim.Keychain` (the caller's entitlements and platform apply).
        query: a SecItemCopyMatching dictionary, or the dictionary of a SecItemAdd to explain a duplicate.
        history: a trace (``keychainsim.probe.trace``) whose steps add what only the history shows; inside
            an active trace block it is found automatically.
        call: ``"SecItemCopyMatching"`` or ``"SecItemAdd"``; guessed when omitted (an add dictionary
            carries kSecValueData or kSecValueRef and no kSecReturn / kSecMatch keys, or is the last call's).
    """
    from keychainsim import tracing
    from keychainsim.explain.analysis import explain_add, explain_copy
    from keychainsim.explain.history import active_trace, history_findings

    if history is None:
        history = active_trace(kc)
    if call is None:
        call = "SecItemAdd" if _looks_like_add(kc, query) else "SecItemCopyMatching"
    with tracing.inside():  # explain's own key and certificate calls are no steps of the traced flow
        report = explain_add(kc, query) if call == "SecItemAdd" else explain_copy(kc, query)
        if history is not None and report.status != 0:
            report.findings.extend(history_findings(kc, query, report, history))
    return report


def _looks_like_add(kc: Any, query: dict[str, Any]) -> bool:
    last = getattr(kc, "last_call", None)
    if last is not None and last.call == "SecItemAdd" and last.details.get("args", (None,))[0] == query:
        return True
    has_value = "v_Data" in query or ("v_Ref" in query and query.get("class") != "idnt")
    return has_value and not any(str(k).startswith(("r_", "m_")) for k in query)
