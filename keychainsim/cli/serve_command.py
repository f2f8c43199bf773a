"""``keychainsim serve --stdio``: the engine for the Swift library (and any other client), over a pipe.

The protocol is docs/protocol.md; the server lives in :mod:`keychainsim.server`. The device is in memory
and starts as the global ``--platform`` and ``--access-group`` options say.
"""

from __future__ import annotations

import sys

import typer

from keychainsim.cli.state import EXIT_USAGE, fail, options

app = typer.Typer(rich_markup_mode=None)
PANEL = "Swift library and other clients"


@app.command("serve", rich_help_panel=PANEL)
def serve(
    ctx: typer.Context,
    stdio: bool = typer.Option(False, "--stdio", help="Speak the engine protocol on stdin/stdout (JSON lines)."),
) -> None:
    """Run the engine for a client such as the Swift library: one in-memory device per process.

    Requests and replies follow docs/protocol.md (versioned; the first request is "hello").
    """
    if not stdio:
        fail("serve: choose a transport; --stdio (JSON lines on stdin/stdout) is the one there is", EXIT_USAGE)
    from keychainsim.server.stdio import serve as serve_stdio

    opts = options(ctx)
    raise typer.Exit(serve_stdio(sys.stdin.buffer, sys.stdout.buffer, opts.platform, opts.access_groups or None))
