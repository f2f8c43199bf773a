"""``keychainsim replay FILE``: re-run a device's recording in the model and report where they differ.

Exit codes (docs/recording.md): 0 no divergence; 1 at least one divergence (or, with ``--strict``, a call
the replay could not reproduce); 3 a call keychainsim does not model, and no divergence; 5 the file is not
a readable recording; 70 internal error.
"""

from __future__ import annotations

import typer

from keychainsim.cli.state import (
    EXIT_NOT_MODELED,
    EXIT_OK,
    EXIT_UNEXPECTED_STATUS,
    emit_json,
    guard,
    load_device_dump,
    options,
)

app = typer.Typer(rich_markup_mode=None)
PANEL = "Device probes"


@app.command(rich_help_panel=PANEL)
def replay(
    ctx: typer.Context,
    recording: str = typer.Argument(..., help="A recording (KeychainRecorder.swift, docs/recording.md)."),
    initial: str | None = typer.Option(
        None,
        "--initial",
        metavar="DUMP",
        help="A device dump (KeychainDump.swift) the replay starts from instead of empty.",
    ),
    strict: bool = typer.Option(False, "--strict", help="Calls that could not be reproduced fail the run too."),
    json_output: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Replay a device's recording in the model: every call whose outcome differs, and why.

    Exit 0: no divergence; 1: a divergence (--strict: or an unreproducible call); 3: a call not modelled;
    5: not a readable recording.
    """
    opts = options(ctx)
    with guard():
        from keychainsim.render.replay import replay_text
        from keychainsim.replay import read_recording
        from keychainsim.replay import replay as run_replay

        start = load_device_dump(initial, [])[0] if initial is not None else None
        report = run_replay(read_recording(recording), initial=start)
        if json_output or opts.json:
            emit_json(report.to_dict())
        else:
            typer.echo(replay_text(report))
    counts = report.counts()
    if counts["divergence"] or (strict and counts["unreproducible"]):
        raise typer.Exit(EXIT_UNEXPECTED_STATUS)
    if counts["not_modelled"]:
        raise typer.Exit(EXIT_NOT_MODELED)
    raise typer.Exit(EXIT_OK)
