"""The fidelity report of a replay: each call's outcome on the device and in the model, and why they differ."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from keychainsim.replay import values

if TYPE_CHECKING:
    from keychainsim.explain import Report
    from keychainsim.replay.recording import Call, Recording

VERDICTS = ("same", "divergence", "unreproducible", "not_modelled")


@dataclass
class CallOutcome:
    """One replayed call."""

    call: Call
    device: str
    """The device's outcome in words (status, result shape, error)."""
    model: str | None = None
    """The model's outcome in words; None when the call could not be run."""
    verdict: str = "same"
    differences: list[str] = field(default_factory=list)
    causes: list[str] = field(default_factory=list)
    """Inputs the replay could not reproduce that touch this call (why it is ``unreproducible``)."""
    reason: str | None = None
    """The engine's own words when it refused the dictionary."""
    explanation: Report | None = None
    """For a divergent SecItem call: explain() of the model's answer, with the replay's history."""

    @property
    def summary(self) -> str:
        """The call and the recognisable parts of its dictionary: ``SecItemAdd [class cert, labl 'client']``."""
        for name in ("query", "attributes", "parameters"):
            value = self.call.args.get(name)
            if value is not None and values.kind_of(value) == "dict":
                shown = []
                for key in ("class", "labl", "acct", "svce", "atag", "type"):
                    entry = value["dict"].get(key)
                    if entry is not None:
                        plain = values.plain(entry)
                        shown.append(f"{key} {plain!r}")
                return f"{self.call.call} [{', '.join(shown)}]" if shown else self.call.call
        return self.call.call

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "seq": self.call.seq,
            "line": self.call.line,
            "call": self.call.call,
            "summary": self.summary,
            "verdict": self.verdict,
            "device": self.device,
            "model": self.model,
            "differences": list(self.differences),
            "causes": list(self.causes),
            "reason": self.reason,
        }
        if self.explanation is not None:
            out["explanation"] = self.explanation.to_dict()
        return out


@dataclass(frozen=True)
class ReplayReport:
    """Every call of a recording replayed, with the notes that apply to the whole replay."""

    recording: Recording
    outcomes: list[CallOutcome]
    notes: tuple[str, ...] = ()
    twins: tuple[str, ...] = ()

    def of(self, verdict: str) -> list[CallOutcome]:
        return [o for o in self.outcomes if o.verdict == verdict]

    @property
    def divergences(self) -> list[CallOutcome]:
        return self.of("divergence")

    @property
    def agrees(self) -> bool:
        """No call gave a different outcome in the model although every input was reproduced."""
        return not self.divergences

    def counts(self) -> dict[str, int]:
        return {verdict: len(self.of(verdict)) for verdict in VERDICTS}

    def to_dict(self) -> dict[str, Any]:
        header = self.recording.header
        return {
            "recording": self.recording.source,
            "platform": header.platform,
            "device": dict(header.device),
            "source": header.source,
            "counts": self.counts(),
            "agrees": self.agrees,
            "calls": [o.to_dict() for o in self.outcomes],
            "notes": list(self.notes),
            "twins": list(self.twins),
        }

