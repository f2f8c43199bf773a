"""A trace as a step-by-step report: the call, its status (and the engine's reason), its result, and the
items it added, removed or changed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from rich.console import Console, ConsoleOptions
from rich.segment import Segment
from rich.style import Style

from keychainsim.render.diff import diff_lines
from keychainsim.render.lines import Lines
from keychainsim.render.values import quoted
from keychainsim.status import OSStatus

if TYPE_CHECKING:
    from keychainsim.probe.traces import Step, Trace

CALL = Style(bold=True)
SUCCESS = Style(color="green")
FAILURE = Style(bold=True, color="red")


def step_lines(step: Step, default_groups: tuple[str, ...]) -> Lines:
    lines = Lines()
    number = f"{step.index}. "
    pad = " " * len(number)
    arguments = ", ".join(a.text() for a in step.arguments)
    lines.add((f"{number}{step.call}", CALL), f"({arguments})", hang=len(number) + 2)
    if step.caller is not None and step.caller != default_groups:
        groups = ", ".join(quoted(g) for g in step.caller) or "none"
        lines.add(pad, f"called by the app with access groups {groups}", hang=len(pad) + 2)
    outcome = []
    if step.status is not None:
        ok = step.status == OSStatus.errSecSuccess
        outcome.append((f"{step.status.name} ({int(step.status)})", SUCCESS if ok else FAILURE))
    if step.result_text:
        outcome.append((("; " if outcome else "") + step.result_text, None))
    if outcome:
        lines.add(pad, "→ ", *outcome, hang=len(pad) + 2)
    if step.reason:
        lines.add(pad, f"reason: {step.reason}", hang=len(pad) + 8)
    lines.extend(diff_lines(step.diff, indent=pad).lines)
    return lines


class TraceView:
    """A rich renderable for a :class:`~keychainsim.probe.Trace`."""

    def __init__(self, trace: Trace) -> None:
        self.trace = trace

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Segment]:
        kc = self.trace.kc
        groups = tuple(kc.caller.access_groups)
        head = Lines()
        count = len(self.trace.steps)
        head.add((f"trace · {kc.platform} · {count} step{'s' if count != 1 else ''}", CALL))
        head.add(f"{len(self.trace.initial)} items before the first call")
        yield from head.__rich_console__(console, options)
        for step in self.trace.steps:
            yield from step_lines(step, groups).__rich_console__(console, options)
