"""``keychainsim run FILE...``: run scenario files step by step and tell what happened (the story is
laid out by :mod:`keychainsim.render.story`): each scenario's description, each step's outcome and diff,
each finding's message and, at a failed expectation, the explanation."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from keychainsim.cli.state import EXIT_OK, EXIT_UNEXPECTED_STATUS, emit_json, guard, open_keychain, options

app = typer.Typer(rich_markup_mode=None)
PANEL = "Scenarios"


def step_lines(done: Any) -> list[str]:
    """One step as plain text lines, as ``run`` prints it off a terminal (the pytest plugin's failure report
    and ``learn`` show steps this way)."""
    from keychainsim.cli.terminal import plain
    from keychainsim.render.story import step_lines as story_lines

    return plain(story_lines(done)).splitlines()


PROGRESS_FROM = 3
"""``run`` shows a progress bar (on a terminal) from this many scenario files on."""


@app.command(rich_help_panel=PANEL)
def run(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(metavar="FILE...", help="Scenario files (YAML).")],
    probe: bool = typer.Option(False, "--probe", help="Also show the full dump after every step."),
    on_store: bool = typer.Option(
        False, "--on-store", help="Run on the persistent store (--store) instead of a fresh in-memory keychain."
    ),
    json_output: bool = typer.Option(False, "--json", help="Print JSON."),
    allow_file_outside: bool = typer.Option(
        False, "--allow-file-outside", help="Let file: literals read files outside the scenario's directory."
    ),
    html: str | None = typer.Option(
        None,
        "--html",
        metavar="FILE",
        help="Also write a self-contained HTML report: steps, items changed, findings with evidence, and a "
        "picture of how identities form.",
    ),
) -> None:
    """Run scenario files: what each is about, each step with the difference it made and the findings that
    explain it; at a failed expectation, the whole explanation.

    Every file is checked before any runs; a malformed file stops with exit 5 naming the file and line.
    A file: literal reads only files in the scenario's own directory, unless --allow-file-outside.
    """
    opts = options(ctx)
    as_json = json_output or opts.json
    outside = allow_file_outside or opts.allow_file_outside
    results: list[Any] = []
    with guard():
        from keychainsim.cli.html_report import check_writable
        from keychainsim.scenario.loader import load_scenario

        report_path = check_writable(html) if html is not None else None
        scenarios = [load_scenario(f, allow_file_outside=outside) for f in files]
        with _progress(len(scenarios)) as advance:
            for scenario in scenarios:
                result = _run_one(ctx, scenario, on_store, probe)
                results.append(result)
                if not as_json:
                    from keychainsim.cli.terminal import show
                    from keychainsim.render.story import scenario_lines

                    show(scenario_lines(result))
                advance(scenario.path)
        if report_path is not None:
            from keychainsim.cli.html_report import run_report, write_page

            write_page(report_path, run_report(results))
            typer.echo(f"HTML report: {report_path}", err=True)
    passed = all(r.passed for r in results)
    if as_json:
        emit_json({"passed": passed, "scenarios": [r.to_dict() for r in results]})
    else:
        from keychainsim.cli.terminal import show
        from keychainsim.render.story import summary_lines

        show(summary_lines(results))
    raise typer.Exit(EXIT_OK if passed else EXIT_UNEXPECTED_STATUS)


def _run_one(ctx: typer.Context, scenario: Any, on_store: bool, probe: bool) -> Any:
    from keychainsim.scenario.runner import Runner

    keychain = None
    if on_store:
        opts_for = options(ctx)
        if "platform" in scenario.raw:
            opts_for.platform = scenario.get("platform")
        if scenario.get("access_groups") and not opts_for.access_groups:
            opts_for.access_groups = list(scenario.get("access_groups"))
        keychain = open_keychain(opts_for)
    return Runner(scenario, keychain=keychain, probe=probe).run()


@contextmanager
def _progress(total: int) -> Iterator[Callable[[str], None]]:
    """A progress bar on stderr while many scenarios run, on a terminal only (it vanishes when done);
    elsewhere a call that does nothing."""
    from keychainsim.cli.terminal import console

    err = console(err=True)
    if total < PROGRESS_FROM or not err.is_terminal:
        yield lambda _path: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(
        TextColumn("running scenarios"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        console=err,
        transient=True,
    ) as progress:
        task = progress.add_task("", total=total)
        yield lambda path: progress.update(task, advance=1, description=str(path))


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
