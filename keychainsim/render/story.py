"""A scenario run told as a story: what the scenario is about, each step with its outcome and the items it
added, removed or changed, and each finding with its message, a success that hides a problem included.

Also the styling of an explanation's text (:func:`explanation_lines`), which ``run`` and ``explain`` share.
Lines carry their styles and their hanging indents (:class:`~keychainsim.render.lines.Lines`): on a
terminal they are coloured and wrapped at its width, elsewhere printed as written. Nothing here decides
anything: outcomes, diffs and findings come from the runner and ``explain``.
"""

from __future__ import annotations

import re
from typing import Any

from rich.style import Style

from keychainsim.render.lines import Lines
from keychainsim.render.values import one_line

PASSED = Style(bold=True, color="green")
FAILED = Style(bold=True, color="red")
SUCCESS = Style(color="green")
FAILURE = Style(bold=True, color="red")
CODE = Style(bold=True, color="yellow")
WARNING = Style(bold=True, color="magenta")
ADDED = Style(color="green")
REMOVED = Style(color="red")
CHANGED = Style(color="yellow")
DIM = Style(dim=True)
TITLE = Style(bold=True)
DESCRIPTION = Style(italic=True)

STEP_INDENT = "  "
DETAIL_INDENT = "      "
_FINDING = re.compile(r"^(\s*)(\[[\w.]+\])( )")
_STATUS = re.compile(r"^([^:\s][^:]*: )(\w+ \(-?\d+\))(.*)$")


def scenario_lines(result: Any) -> Lines:
    """One scenario's run: the verdict, the description, then every step (see :func:`step_lines`)."""
    scenario = result.scenario
    lines = Lines()
    verdict = ("PASS", PASSED) if result.passed else ("FAIL", FAILED)
    lines.add(verdict, f" {scenario.path}: ", (scenario.name, TITLE), hang=5)
    description = " ".join(str(scenario.get("description") or "").split())
    if description:
        lines.add(STEP_INDENT, (description, DESCRIPTION), hang=len(STEP_INDENT))
    for done in result.steps:
        lines.extend(step_lines(done).lines)
    return lines


def step_lines(done: Any) -> Lines:
    """One step: its number, name and call, its outcome, its diff, its failed expectations, then its
    findings with their messages (on a success, as a warning: the call worked but something is wrong)."""
    step = done.step
    lines = Lines()
    outcome: list[tuple[str, Style | None]] = []
    if done.status is not None:
        ok = int(done.status) == 0
        outcome.append((f"{done.status.name} ({int(done.status)})", SUCCESS if ok else FAILURE))
    if done.error is not None:
        outcome.append((f"error {done.error}", FAILURE))
    if done.shape != "none" or not outcome:
        outcome.append((f"-> {done.shape}", None))
    joined: list[tuple[str, Style | None]] = []
    for number, part in enumerate(outcome):
        joined += [(", ", None), part] if number else [part]
    mark = ("ok  ", SUCCESS) if done.ok else ("FAIL", FAILURE)
    head = f" {step.index:>2}. "
    lines.add(STEP_INDENT, mark, head, (step.title, TITLE), (f" [{step.call}]", DIM), ": ", *joined, hang=11)
    if done.reason:
        lines.add(DETAIL_INDENT, f"refused: {done.reason}", hang=len(DETAIL_INDENT) + 9)
    if done.diff is not None:
        for item in done.diff.added:
            lines.add(DETAIL_INDENT, ("+ ", ADDED), *_item(item), hang=len(DETAIL_INDENT) + 2)
        for item in done.diff.removed:
            lines.add(DETAIL_INDENT, ("- ", REMOVED), *_item(item), hang=len(DETAIL_INDENT) + 2)
        for change in done.diff.changed:
            names = ", ".join(sorted(change.attributes))
            where = f"{change.after.item_class}#{change.after.rowid}"
            lines.add(DETAIL_INDENT, ("~ ", CHANGED), f"{where} changed: {names}", hang=len(DETAIL_INDENT) + 2)
    for failure in done.failures:
        lines.add(DETAIL_INDENT, ("expected: ", FAILURE), failure, hang=len(DETAIL_INDENT) + 10)
    report = done.report
    if report is not None and (done.failures or step.call == "explain"):
        lines.extend(explanation_lines(explanation_text(report), DETAIL_INDENT).lines)
    elif report is not None and report.findings:
        succeeded = done.status is not None and int(done.status) == 0 and _is_secitem(report)
        if succeeded:
            lines.add(
                DETAIL_INDENT,
                ("warning: ", WARNING),
                "the call succeeded, but what it returned is not what the app needs:",
                hang=len(DETAIL_INDENT) + 9,
            )
        for finding in report.findings:
            mark = ("! " if succeeded else "") + f"[{finding.code}]"
            lines.add(
                DETAIL_INDENT,
                (mark, WARNING if succeeded else CODE),
                f" {finding.message}",
                hang=len(DETAIL_INDENT) + len(mark) + 1,
            )
    if done.dump_text is not None:
        for text in str(done.dump_text).rstrip("\n").splitlines():
            lines.add(DETAIL_INDENT, ("| ", DIM), text, hang=len(DETAIL_INDENT) + 2)
    return lines


def summary_lines(results: list[Any]) -> Lines:
    count = sum(r.passed for r in results)
    lines = Lines()
    failed = len(results) - count
    lines.add((f"{count} passed", PASSED if count else None), ", ", (f"{failed} failed", FAILED if failed else None))
    return lines


def explanation_text(report: Any, extra: list[str] | None = None) -> str:
    """An explain report as text, its near-miss lines (``extra``), and the constant names of the raw keys
    it uses (``terms: klbl = kSecAttrApplicationLabel, ...``)."""
    from keychainsim.render.glossary import terms_line

    lines = [str(report), *(extra or [])]
    legend = terms_line("\n".join(lines))
    if legend is not None:
        lines.append("  " + legend)
    return "\n".join(lines)


def explanation_lines(text: str, indent: str = "") -> Lines:
    """An explanation's text (``Report.__str__`` and its additions) with the status (of an unindented
    ``Call: status`` line), the finding codes and a leading ``warning:`` styled, and each line hanging under
    its message when wrapped."""
    lines = Lines()
    for line in text.splitlines():
        status = _STATUS.match(line)
        finding = _FINDING.match(line)
        if line.startswith("warning: "):
            lines.add(indent, ("warning: ", WARNING), line[9:], hang=len(indent) + 9)
        elif status is not None:
            ok = "errSecSuccess" in status.group(2)
            lines.add(indent, status.group(1), (status.group(2), SUCCESS if ok else FAILURE), status.group(3))
        elif finding is not None:
            lead, code = finding.group(1), finding.group(2)
            rest = line[finding.end(2) :]
            lines.add(indent, lead, (code, CODE), rest, hang=len(indent) + len(lead) + len(code) + 1)
        elif line.lstrip().startswith("terms:"):
            lines.add(indent, (line, DIM), hang=len(indent) + len(line) - len(line.lstrip()) + 7)
        else:
            lead = len(line) - len(line.lstrip())
            lines.add(indent, line, hang=len(indent) + lead + 2)
    return lines


def _is_secitem(report: Any) -> bool:
    """An explain report (of a SecItem call), not an enrollment's or an mTLS check's result."""
    return hasattr(report, "near_misses")


def _item(item: Any) -> list[tuple[str, Style | None] | str]:
    """An added or removed item on one line: class#rowid, where, and the attributes that identify it."""
    where = "" if item.keychain == "dp" else " (file-based)"
    return [(f"{item.item_class}#{item.rowid}{where}", TITLE), " " + one_line(item.item_class, item.attrs)]
