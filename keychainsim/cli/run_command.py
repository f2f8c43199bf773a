"""``keychainsim run FILE...``: run scenario files step by step, with each step's diff and, at a failed
expectation, the explanation."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from keychainsim.cli.state import EXIT_OK, EXIT_UNEXPECTED_STATUS, emit_json, guard, open_keychain, options

app = typer.Typer(rich_markup_mode=None)
PANEL = "Scenarios"


def _item_line(sign: str, item: Any) -> str:
    from keychainsim.explain.evidence import show

    shown = []
    for key in ("labl", "acct", "svce", "atag", "kcls", "klbl", "pkhh", "agrp", "sync", "pdmn"):
        if key in item.attrs:
            value = item.attrs[key]
            text = show(key, value)
            if key in ("klbl", "pkhh") and isinstance(value, bytes) and len(value) == 20:
                text = text[:12] + "…"
            shown.append(f"{key}={text}")
    where = "" if item.keychain == "dp" else " (file-based)"
    return f"      {sign} {item.item_class}#{item.rowid}{where} " + " ".join(shown)


def step_lines(done: Any) -> list[str]:
    """One step as text: index, name, call, outcome; then its diff; then failures."""
    step = done.step
    outcome: list[str] = []
    if done.status is not None:
        outcome.append(f"{done.status.name} ({int(done.status)})")
    if done.error is not None:
        outcome.append(f"error {done.error}")
    if done.shape != "none" or not outcome:
        outcome.append(f"-> {done.shape}")
    mark = "ok  " if done.ok else "FAIL"
    lines = [f"  {mark} {step.index:>2}. {step.title} [{step.call}]: " + ", ".join(outcome)]
    if done.reason:
        lines.append(f"      refused: {done.reason}")
    if done.diff is not None:
        lines += [_item_line("+", i) for i in done.diff.added]
        lines += [_item_line("-", i) for i in done.diff.removed]
        for change in done.diff.changed:
            names = ", ".join(sorted(change.attributes))
            lines.append(f"      ~ {change.after.item_class}#{change.after.rowid} changed: {names}")
    for failure in done.failures:
        lines.append(f"      expected: {failure}")
    if done.report is not None and done.ok and done.report.codes and step.call != "explain":
        lines.append("      findings: " + ", ".join(done.report.codes))
        if done.status is not None and int(done.status) == 0:
            # A success with a finding is a wrong success (an identity that cannot sign): say what is wrong.
            lines += [f"      ! [{f.code}] {f.message}" for f in done.report.findings]
    if done.report is not None and (done.failures or step.call == "explain"):
        from keychainsim.cli.show import explanation_text

        lines += ["      " + line for line in explanation_text(done.report).splitlines()]
    if done.dump_text is not None:
        lines += ["      | " + line for line in str(done.dump_text).rstrip("\n").splitlines()]
    return lines


@app.command(rich_help_panel=PANEL)
def run(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(help="Scenario files (YAML).")],
    probe: bool = typer.Option(False, "--probe", help="Also show the full dump after every step."),
    on_store: bool = typer.Option(
        False, "--on-store", help="Run on the persistent store (--store) instead of a fresh in-memory keychain."
    ),
    json_output: bool = typer.Option(False, "--json", help="Print JSON."),
    allow_file_outside: bool = typer.Option(
        False, "--allow-file-outside", help="Let file: literals read files outside the scenario's directory."
    ),
) -> None:
    """Run scenario files: each step with the difference it made; at a failed expectation, the explanation.

    Every file is checked before any runs; a malformed file stops with exit 5 naming the file and line.
    A file: literal reads only files in the scenario's own directory, unless --allow-file-outside.
    """
    opts = options(ctx)
    outside = allow_file_outside or opts.allow_file_outside
    results: list[Any] = []
    with guard():
        from keychainsim.scenario.loader import load_scenario
        from keychainsim.scenario.runner import Runner

        scenarios = [load_scenario(f, allow_file_outside=outside) for f in files]
        for scenario in scenarios:
            keychain = None
            if on_store:
                opts_for = options(ctx)
                if "platform" in scenario.raw:
                    opts_for.platform = scenario.get("platform")
                if scenario.get("access_groups") and not opts_for.access_groups:
                    opts_for.access_groups = list(scenario.get("access_groups"))
                keychain = open_keychain(opts_for)
            results.append(Runner(scenario, keychain=keychain, probe=probe).run())
    passed = all(r.passed for r in results)
    if json_output or opts.json:
        emit_json({"passed": passed, "scenarios": [r.to_dict() for r in results]})
    else:
        for result in results:
            head = "PASS" if result.passed else "FAIL"
            typer.echo(f"{head} {result.scenario.path}: {result.scenario.name}")
            for done in result.steps:
                for line in step_lines(done):
                    typer.echo(line)
        count = sum(r.passed for r in results)
        typer.echo(f"{count} passed, {len(results) - count} failed")
    raise typer.Exit(EXIT_OK if passed else EXIT_UNEXPECTED_STATUS)


@app.command(hidden=True)
def demo(ctx: typer.Context) -> None:
    """The stub's demo, kept until the README's main command moves to `run`: the uniqueness pitfall (C14)
    on the persistent store, a read with kSecAttrGeneric misses, then the add collides."""
    from keychainsim.cli.state import EXIT_UNEXPECTED_STATUS as FAILED

    opts = options(ctx)
    with guard():
        kc = open_keychain(opts)
        base = {"class": "genp", "svce": "demo.service", "acct": "alice"}
        kc.SecItemDelete(dict(base))
        typer.echo(f"store: {opts.store_path}")
        typer.echo(f"{'SecItemAdd':45} -> {kc.SecItemAdd({**base, 'gena': b'v1', 'v_Data': b'secret'})[0]}")
        missed = kc.SecItemCopyMatching({**base, "gena": b"v2"})[0]
        typer.echo(f"{'SecItemCopyMatching (kSecAttrGeneric v2)':45} -> {missed}")
        last = kc.SecItemAdd({**base, "gena": b"v2", "v_Data": b"x"})[0]
        typer.echo(f"{'SecItemAdd (kSecAttrGeneric v2)':45} -> {last}")
    typer.echo(
        "kSecAttrGeneric is not part of a generic password's uniqueness (acct, svce, agrp, sync, ...): "
        "the query misses, yet the add collides with the existing item."
    )
    if last != -25299:
        raise typer.Exit(FAILED)
