"""The explain report: the status and matches the engine computes, the near misses, the findings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from keychainsim.engine.identity import IdentityRow
from keychainsim.explain.evidence import attr_name, jsonable, show
from keychainsim.explain.findings import Finding
from keychainsim.model.item import Item
from keychainsim.model.match import Miss
from keychainsim.status import OSStatus

Row = Item | IdentityRow


@dataclass(frozen=True)
class NearMiss:
    """A row of the queried class and every constraint it fails (empty for a match)."""

    row: Row
    misses: tuple[Miss, ...]
    kinds: frozenset[str] = field(init=False, compare=False)
    """The kinds of constraint the row fails (attribute, sync, access_group, ...)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "kinds", frozenset(m.kind for m in self.misses))

    def describe(self) -> str:
        parts = [
            f"{attr_name(m.key)} wanted {show(m.key, m.wanted)}, found {show(m.key, m.found)}"
            + (f" on the {m.on}" if m.on and isinstance(self.row, IdentityRow) else "")
            for m in self.misses
        ]
        return "; ".join(parts)


KEYCHAIN_NAMES = {"dp": "data protection", "file": "file-based"}
"""The two macOS keychain implementations, as messages name them."""


def row_label(row: Row) -> str:
    if isinstance(row, IdentityRow):
        return f"identity(cert#{row.certificate.rowid}, key#{row.key.rowid})"
    where = "" if row.keychain == "dp" else " (file-based keychain)"
    return f"{row.item_class}#{row.rowid}{where}"


@dataclass
class Report:
    """Why a query returns what it returns. ``status`` and ``matches`` come from the engine's own matcher."""

    call: str
    query: dict[str, Any]
    status: OSStatus
    matches: list[Row] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    near_misses: list[NearMiss] = field(default_factory=list)
    reason: str = ""

    @property
    def codes(self) -> list[str]:
        return [f.code for f in self.findings]

    def to_dict(self) -> dict[str, Any]:
        return {
            "call": self.call,
            "status": {"name": self.status.name, "code": int(self.status)},
            "reason": self.reason,
            "matches": [row_label(r) for r in self.matches],
            "findings": [f.to_dict() for f in self.findings],
            "near_misses": [
                {"row": row_label(n.row), "misses": [jsonable(m._asdict()) for m in n.misses]} for n in self.near_misses
            ],
        }

    def __str__(self) -> str:
        lines = [f"{self.call}: {self.status}"]
        if self.reason:
            lines.append(f"  refused: {self.reason}")
        if self.matches:
            lines.append("  matches: " + ", ".join(row_label(r) for r in self.matches))
        for finding in self.findings:
            lines.append(f"  [{finding.code}] {finding.message}")
        return "\n".join(lines)
