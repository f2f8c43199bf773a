"""What a SecItem command (add, find, update, delete) reports about its one call, and the call ``find``
makes, without the command-line framework.

The typer commands (:mod:`.item_commands`) and the plain ``find`` that skips typer (:mod:`.lean_find`)
both build their output here, so that the two paths cannot drift apart: the same query, the same text,
the same JSON body, the same hint and the same exit code. Printing stays with each caller (typer's echo
and rich on one side, plain writes on the other).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from keychainsim.cli.state import EXIT_OK, Options, expected_status, open_keychain, status_exit

COPY_MATCHING = "SecItemCopyMatching"
ADDED_RETURN_ATTRIBUTES = "(added kSecReturnAttributes: true; --raw sends the query unchanged)"


@dataclass(frozen=True)
class CallReport:
    """One call's outcome as the command line tells it: status, the engine's refusal reason, the result,
    extra lines (what the command changed in the query, items removed) and the exit code."""

    call: str
    status: Any
    reason: str
    code: int
    result: Any = None
    extra: list[str] = field(default_factory=list)

    @classmethod
    def of(
        cls, kc: Any, call: str, status: Any, wanted: int, result: Any = None, extra: list[str] | None = None
    ) -> CallReport:
        """The report of the call ``kc`` just made; ``wanted`` is the status ``--expect`` named (0 if none)."""
        last = kc.last_call
        reason = last.reason if last is not None and last.call == call else ""
        return cls(call, status, reason, status_exit(status, wanted), result, list(extra or []))

    def text(self) -> str:
        """The report as text: ``Call: status``, the refusal reason, the extra lines, then the result."""
        from keychainsim.cli.show import result_lines

        lines = [f"{self.call}: {self.status}", *([f"  refused: {self.reason}"] if self.reason else []), *self.extra]
        return "\n".join(lines + result_lines(self.result))

    def json_body(self) -> dict[str, Any]:
        """The report as the JSON body ``--json`` prints."""
        from keychainsim.cli.show import status_json, value_json

        return {
            "call": self.call,
            "status": status_json(self.status),
            "reason": self.reason,
            "result": value_json(self.result),
        }

    def hint(self) -> str | None:
        """The line for stderr after a text report when the call failed unexpectedly: where to learn why. A
        success that ``--expect`` did not want gets none (explain has nothing to say about a success)."""
        if self.code == EXIT_OK or int(self.status) == 0:
            return None
        return f"hint: keychainsim explain with the same dictionary says why ({self.call})."


def copy_matching(
    opts: Options, file: str | None, attrs: list[str] | None, all_matches: bool, raw: bool, expect: str | None
) -> CallReport:
    """``keychainsim find``: SecItemCopyMatching of the ``--file``/``--attr`` query on the store.

    ``--all`` adds kSecMatchLimitAll; a query that asks for no result gets kSecReturnAttributes: true
    (unless ``--raw``), since SecItemCopyMatching would otherwise answer a bare status, and the report
    says it was added. ``--expect`` is read first, so that a misspelt status name changes nothing.

    Raises:
        InputError, LiteralError, StorageError, NotModeledError, TypeError: as :func:`.state.guard` reports.
    """
    from keychainsim.cli.query import build_dictionary, has_return_key

    wanted = expected_status(expect)
    query = build_dictionary(file, attrs, allow_file_outside=opts.allow_file_outside)
    extra: list[str] = []
    if all_matches:
        query["m_Limit"] = "m_LimitAll"
    if not raw and not has_return_key(query):
        query["r_Attributes"] = True
        extra.append(ADDED_RETURN_ATTRIBUTES)
    kc = open_keychain(opts)
    status, result = kc.SecItemCopyMatching(query)
    return CallReport.of(kc, COPY_MATCHING, status, wanted, result, extra)
