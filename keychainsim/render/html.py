"""An HTML report: one self-contained page (inline CSS, inline SVG, no script, no font, nothing fetched).

``run --html`` shows each scenario with its steps and statuses, the items each step added, removed or
changed, the findings with their evidence, and a picture of identity formation after the last step
(:mod:`keychainsim.render.identity_svg`); ``explain --html`` shows one call's explanation the same way.
Presentation only: statuses, diffs, findings and pairs come from the runner, ``explain`` and the probe.
Every piece of text is escaped (labels, tags and file names are user data), and the page's Content
Security Policy forbids loading anything, so a hostile label can neither run code nor reach the network.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING, Any

from keychainsim.render.identity_svg import identity_svg
from keychainsim.render.values import display_scalar, display_value, one_line

if TYPE_CHECKING:
    from keychainsim.probe.dumps import Dump
    from keychainsim.probe.identity_query import QueryTerm

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


@dataclass(frozen=True)
class Picture:
    """The state to draw: a dump (after the scenario, or of the explained keychain) and the identity
    query whose attributes to place on the halves they filter."""

    dump: Dump
    terms: Sequence[QueryTerm] = ()
    query_title: str = "identity query"


def run_page(results: Sequence[Any], pictures: Sequence[Picture | None], version: str) -> str:
    """The report of ``run``: one section per scenario result, each with its picture (or None)."""
    passed = sum(1 for r in results if r.passed)
    summary = f"{passed} passed, {len(results) - passed} failed"
    body = [
        "<header>",
        "<h1>keychainsim run</h1>",
        f'<p class="summary">{escape(summary)} · keychainsim {escape(version)}</p>',
        "</header>",
    ]
    for number, (result, picture) in enumerate(zip(results, pictures, strict=True), start=1):
        body.append(_scenario(number, result, picture))
    return _page("keychainsim run: " + summary, body)


def explain_page(report: Any, picture: Picture | None, version: str, source: str) -> str:
    """The report of ``explain``: the call, its status, matches, findings with evidence, near misses."""
    data = report.to_dict()
    ok = int(report.status) == 0
    body = [
        "<header>",
        f"<h1>keychainsim explain: {escape(report.call)}</h1>",
        f'<p class="summary">{escape(source)} · keychainsim {escape(version)}</p>',
        "</header>",
        '<section class="explanation">',
        f'<p class="call">{escape(report.call)} → {_status(report.status)}</p>',
    ]
    if data.get("reason"):
        body.append(f'<p class="reason">refused: {escape(data["reason"])}</p>')
    body.append("<h2>The dictionary</h2>")
    body.append(_dictionary(report.query))
    body.append("<h2>Matches</h2>")
    matches = data.get("matches") or []
    body.append(
        '<ul class="matches">' + "".join(f"<li>{escape(str(m))}</li>" for m in matches) + "</ul>"
        if matches
        else '<p class="none">no item matches</p>'
    )
    body.append("<h2>Findings</h2>")
    body.append(_findings(report.findings, warning=ok) if report.findings else '<p class="none">no finding</p>')
    near = list(getattr(report, "near_misses", ()))[:20]
    if near:
        body.append("<h2>Near misses</h2>")
        rows = "".join(
            f'<li class="near-miss"><span class="row">{escape(d["row"])}</span>: {escape(n.describe())}</li>'
            for n, d in zip(near, data.get("near_misses", ()), strict=False)
        )
        body.append(f'<ul class="near-misses">{rows}</ul>')
    if picture is not None:
        body.append(_picture(picture))
    body.append("</section>")
    return _page(f"keychainsim explain: {report.call} {report.status.name}", body)


def _page(title: str, body: list[str]) -> str:
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{escape(title)}</title>",
            f"<style>{_CSS}</style>",
            "</head>",
            "<body>",
            *body,
            "</body>",
            "</html>",
            "",
        ]
    )


def _scenario(number: int, result: Any, picture: Picture | None) -> str:
    scenario = result.scenario
    verdict = "pass" if result.passed else "fail"
    out = [
        f'<section class="scenario {verdict}" id="scenario-{number}" data-passed="{str(result.passed).lower()}">',
        f'<h2><span class="verdict {verdict}">{verdict.upper()}</span> {escape(scenario.name)}</h2>',
        f'<p class="path">{escape(str(scenario.path))}</p>',
    ]
    description = " ".join(str(scenario.get("description") or "").split())
    if description:
        out.append(f'<p class="description">{escape(description)}</p>')
    out.append('<ol class="steps">')
    out += [_step(done) for done in result.steps]
    out.append("</ol>")
    if picture is not None:
        out.append(_picture(picture))
    out.append("</section>")
    return "\n".join(out)


def _step(done: Any) -> str:
    step = done.step
    state = "ok" if done.ok else "fail"
    status = "" if done.status is None else _status(done.status)
    code = "" if done.status is None else f' data-status="{int(done.status)}"'
    head = [
        f'<span class="index">{step.index}.</span>',
        f'<span class="title">{escape(step.title)}</span>',
        f'<code class="call">{escape(step.call)}</code>',
        status,
    ]
    if done.error is not None:
        head.append(f'<span class="status failure">error {escape(str(done.error))}</span>')
    if done.shape != "none":
        head.append(f'<span class="shape">→ {escape(done.shape)}</span>')
    out = [f'<li class="step {state}" id="step-{step.index}"{code}>', '<div class="head">', *head, "</div>"]
    if done.reason:
        out.append(f'<p class="reason">refused: {escape(done.reason)}</p>')
    if done.diff is not None and done.diff:
        out.append(_diff(done.diff))
    if done.failures:
        out.append(
            '<ul class="failures">' + "".join(f"<li>expected: {escape(str(f))}</li>" for f in done.failures) + "</ul>"
        )
    report = done.report
    if report is not None and report.findings:
        succeeded = done.status is not None and int(done.status) == 0 and hasattr(report, "near_misses")
        out.append(_findings(report.findings, warning=succeeded))
    out.append("</li>")
    return "\n".join(out)


def _diff(diff: Any) -> str:
    rows = []
    for item in diff.added:
        rows.append(_diff_row("added", "+", item, one_line(item.item_class, item.attrs)))
    for item in diff.removed:
        rows.append(_diff_row("removed", "−", item, one_line(item.item_class, item.attrs)))
    for change in diff.changed:
        item = change.after
        parts = [
            f"{key}: {display_value(item.item_class, key, old)} → {display_value(item.item_class, key, new)}"
            for key, (old, new) in change.attributes.items()
        ]
        rows.append(_diff_row("changed", "~", item, "; ".join(parts)))
    return '<ul class="diff">' + "".join(rows) + "</ul>"


def _diff_row(kind: str, sign: str, item: Any, text: str) -> str:
    where = "" if item.keychain == "dp" else " (file-based)"
    return (
        f'<li class="{kind}" data-class="{escape(item.item_class)}" data-rowid="{item.rowid}">'
        f'<span class="sign">{sign}</span> <span class="item">{escape(item.item_class)}#{item.rowid}'
        f"{escape(where)}</span> {escape(text)}</li>"
    )


def _findings(findings: Sequence[Any], warning: bool) -> str:
    out = [f'<ul class="findings{" warning" if warning else ""}">']
    if warning:
        out.append('<li class="warning-note">the call succeeded, but what it returned is not what the app needs</li>')
    for finding in findings:
        evidence = finding.to_dict().get("evidence") or {}
        out.append(f'<li class="finding" data-code="{escape(finding.code)}">')
        out.append(
            f'<code class="code">{escape(finding.code)}</code> <span class="message">{escape(finding.message)}</span>'
        )
        if evidence:
            out.append('<dl class="evidence">')
            for key, value in evidence.items():
                out.append(f"<dt>{escape(str(key))}</dt><dd>{escape(_evidence(value))}</dd>")
            out.append("</dl>")
        out.append("</li>")
    out.append("</ul>")
    return "\n".join(out)


def _evidence(value: Any) -> str:
    """A JSON evidence value as text: ``{"hex": ...}`` as its hex, lists joined, mappings as key: value."""
    if isinstance(value, dict):
        if set(value) == {"hex"}:
            return str(value["hex"]) or '""'
        return "; ".join(f"{k}: {_evidence(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_evidence(v) for v in value) or "none"
    if value is None:
        return "unset"
    return str(value)


def _dictionary(query: Any) -> str:
    rows = "".join(
        f"<tr><th>{escape(str(key))}</th><td>{escape(display_scalar(None, str(key), value))}</td></tr>"
        for key, value in dict(query).items()
    )
    return f'<table class="dictionary">{rows}</table>'


def _status(status: Any) -> str:
    css = "success" if int(status) == 0 else "failure"
    return f'<span class="status {css}">{escape(f"{status.name} ({int(status)})")}</span>'


def _picture(picture: Picture) -> str:
    if not picture.dump.by_class("cert") and not picture.dump.by_class("keys"):
        return '<p class="none no-picture">no certificate or key in the keychain: no identity can form</p>'
    caption = (
        "Identity formation: a certificate pairs with the private key whose klbl (kSecAttrApplicationLabel) "
        "equals the certificate's pkhh (its public key hash), and the key's priv is 1. Arrows are pairs; "
        "red boxes pair with nothing."
    )
    if picture.terms:
        caption += (
            " The query's attributes point at the half of the pair each one filters; the same attribute on"
            " the other half is marked: the query does not read it there."
        )
    return (
        '<figure class="identities">'
        f"{identity_svg(picture.dump, picture.terms, picture.query_title)}"
        f"<figcaption>{escape(caption)}</figcaption></figure>"
    )


_CSS = """
:root { --ok: #2e7d32; --bad: #c62828; --warn: #8e24aa; --code: #8d6e00; --ink: #1d1d1f; --mute: #6e6e73;
  --line: #d2d2d7; --paper: #ffffff; --soft: #f5f5f7; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1000px; padding: 24px; color: var(--ink); background: var(--paper);
  font: 15px/1.45 -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; }
header h1 { margin: 0 0 4px; font-size: 24px; }
.summary, .path { color: var(--mute); margin: 0 0 8px; }
code, .path, .dictionary, .evidence, .diff { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; }
section.scenario, section.explanation { border: 1px solid var(--line); border-radius: 10px; padding: 16px 20px;
  margin: 20px 0; }
section.scenario.fail { border-color: var(--bad); }
h2 { font-size: 19px; margin: 4px 0 8px; }
.verdict { display: inline-block; padding: 1px 8px; border-radius: 5px; color: #fff; font-size: 14px; }
.verdict.pass { background: var(--ok); } .verdict.fail { background: var(--bad); }
.description { font-style: italic; margin: 6px 0 12px; }
ol.steps { padding-left: 0; list-style: none; }
li.step { border-left: 4px solid var(--ok); padding: 6px 12px; margin: 8px 0; background: var(--soft);
  border-radius: 0 6px 6px 0; }
li.step.fail { border-left-color: var(--bad); }
.head { display: flex; flex-wrap: wrap; gap: 8px; align-items: baseline; }
.index { color: var(--mute); } .title { font-weight: 600; } .call { color: var(--mute); }
.status { font-weight: 600; } .status.success { color: var(--ok); } .status.failure { color: var(--bad); }
.shape, .reason { color: var(--mute); }
ul.diff, ul.findings, ul.failures, ul.matches, ul.near-misses { list-style: none; padding-left: 8px; margin: 6px 0; }
ul.diff li { overflow-wrap: anywhere; font-size: 13px; }
li.added .sign { color: var(--ok); } li.removed .sign { color: var(--bad); } li.changed .sign { color: var(--code); }
ul.failures li { color: var(--bad); }
li.finding { margin: 6px 0; overflow-wrap: anywhere; }
li.finding .code { color: var(--code); font-weight: 700; }
ul.findings.warning li.finding .code { color: var(--warn); }
li.warning-note { color: var(--warn); font-weight: 700; }
dl.evidence { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 4px 0 0 16px;
  font-size: 12px; color: var(--mute); }
dl.evidence dt { font-weight: 700; } dl.evidence dd { margin: 0; overflow-wrap: anywhere; }
table.dictionary { border-collapse: collapse; font-size: 13px; }
table.dictionary th, table.dictionary td { text-align: left; padding: 2px 12px 2px 0; overflow-wrap: anywhere; }
.none { color: var(--mute); }
figure.identities { margin: 16px 0 0; overflow-x: auto; }
figcaption { color: var(--mute); font-size: 13px; }
svg.identity-picture { display: block; font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12px; }
svg .box { fill: #fff; stroke: #8e8e93; stroke-width: 1.5; }
svg .cert .box { fill: #eef5ff; } svg .key .box { fill: #f3fbef; }
svg .unpaired .box { stroke: #c62828; stroke-width: 2.5; stroke-dasharray: 6 4; }
svg .hidden-item .box { fill: #f2f2f2; }
svg .badge { fill: #c62828; } svg .badge-text { fill: #fff; font-weight: 700; font-size: 11px; }
svg .box-title { font-weight: 700; fill: #1d1d1f; }
svg .attr { fill: #3a3a3c; } svg .queried { fill: #0b57d0; font-weight: 700; }
svg .elsewhere { fill: #b28704; font-weight: 700; } svg .elsewhere-note { fill: #b28704; font-size: 11px; }
svg .hidden { fill: #8e24aa; } svg .unpaired-note { fill: #c62828; }
svg .column-title { font-weight: 700; fill: #6e6e73; }
svg .arrow { stroke: #2e7d32; stroke-width: 2.5; } svg .arrow-head { fill: #2e7d32; } svg .bad-head { fill: #c62828; }
svg .public-key .arrow { stroke: #c62828; stroke-dasharray: 8 5; }
svg .arrow-label { fill: #2e7d32; font-weight: 700; } svg .public-key .arrow-label { fill: #c62828; }
svg .arrow-hash { fill: #6e6e73; font-size: 11px; }
svg .near-line { stroke: #8e8e93; stroke-width: 1.5; stroke-dasharray: 3 4; }
svg .near-label { fill: #8e8e93; font-size: 11px; }
svg .query-box { fill: #fff8e1; stroke: #b28704; stroke-width: 1.5; }
svg .term-text { fill: #5d4300; } svg .term-arrow { fill: none; stroke: #b28704; stroke-width: 1.5; }
svg .term-head { fill: #b28704; } svg .empty { fill: #6e6e73; }
"""
