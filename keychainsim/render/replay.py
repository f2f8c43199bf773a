"""The replay's fidelity report as text: the calls that differ, why, and what the model says of them.

Calls that gave the same outcome are counted, not listed: the report is about the differences.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from keychainsim.replay.report import CallOutcome, ReplayReport

TITLES = {
    "divergence": "DIVERGENCE: the model disagrees with the device",
    "unreproducible": "differs, not reproducible in the model",
    "not_modelled": "not modelled by keychainsim",
}


def replay_text(report: ReplayReport) -> str:
    header = report.recording.header
    device = _device_words(header.device)
    made_by = f" by {header.source}" if header.source else ""
    lines = [
        f"replay of {report.recording.source} (recorded on {header.platform}{made_by}"
        f"{'; device: ' + device if device else ''})"
    ]
    counts = report.counts()
    lines.append(
        f"{len(report.outcomes)} calls: {counts['same']} same, {counts['divergence']} divergent, "
        f"{counts['unreproducible']} not reproducible, {counts['not_modelled']} not modelled"
    )
    for outcome in report.outcomes:
        if outcome.verdict != "same":
            lines.extend(_outcome_lines(outcome))
    if report.twins or report.notes:
        lines.append("")
        lines.append("notes:")
        lines.extend(f"  - {note}" for note in (*report.notes, *report.twins))
    lines.append("")
    if report.agrees:
        lines.append("no divergence: every call the replay could reproduce gave the device's outcome")
    else:
        lines.append(
            f"{counts['divergence']} divergent call(s): the model is wrong there, or the device did something "
            "the recording does not show"
        )
    return "\n".join(lines)


def _outcome_lines(outcome: CallOutcome) -> list[str]:
    call = outcome.call
    lines = ["", f"#{call.seq} {outcome.summary} (line {call.line}): {TITLES[outcome.verdict]}"]
    lines.append(f"    device: {outcome.device}")
    lines.append(f"    model:  {outcome.model if outcome.model is not None else 'not run'}")
    lines.extend(f"    differs: {d}" for d in outcome.differences)
    if outcome.reason:
        lines.append(f"    the engine refused: {outcome.reason}")
    lines.extend(f"    possible cause: {c}" for c in outcome.causes)
    if outcome.explanation is not None:
        lines.append("    the model's explanation of its answer:")
        lines.extend("      " + line for line in str(outcome.explanation).splitlines())
    return lines


def _device_words(device: Mapping[str, object]) -> str:
    """The header's free-form device description as a reader says it: the model and the system first, a
    simulator named as one (a real device is the default, so it is not said), anything else as ``name value``."""
    words = [str(device[name]) for name in ("model", "os") if device.get(name) not in (None, "")]
    if device.get("simulator") is True:
        words.append("a simulator")
    words += [f"{name} {value}" for name, value in sorted(device.items()) if name not in ("model", "os", "simulator")]
    return ", ".join(words)
