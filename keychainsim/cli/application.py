"""The root of the ``keychainsim`` command: global options, exit codes, and the command groups.

Each group lives in its own module with its own ``typer.Typer()`` (style-anchors §E) and is merged into
the root, so the commands read ``keychainsim add``, ``keychainsim run`` ... Only typer is imported here;
the engine, crypto and rich are imported inside the commands, so ``keychainsim --help`` starts fast.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from keychainsim.cli import (
    crypto_commands,
    glossary_command,
    item_commands,
    learn_command,
    replay_command,
    run_command,
    serve_command,
    store_commands,
)
from keychainsim.cli.help_format import HelpGroup, name_placeholders
from keychainsim.cli.state import (
    DEFAULT_LOCK_TIMEOUT,
    EXIT_CODES_HELP,
    EXIT_INTERRUPTED,
    LOCK_TIMEOUT_ENV,
    Options,
    end_on_closed_pipe,
)
from keychainsim.enroll import cli as enroll_commands

app = typer.Typer(
    name="keychainsim",
    cls=HelpGroup,
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
    help="Simulate Apple's keychain (SecItem) on a persistent store and explain its errors.\n\n" + EXIT_CODES_HELP,
    epilog="Store: --store, else $KEYCHAINSIM_STORE, else ~/.local/share/keychainsim/keychain.json.",
)


def _version(value: bool) -> None:
    if value:
        from keychainsim import __version__

        typer.echo(f"keychainsim {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    store: str | None = typer.Option(
        None,
        "--store",
        envvar="KEYCHAINSIM_STORE",
        metavar="PATH",
        help="Store file (default: $KEYCHAINSIM_STORE, else per-user).",
    ),
    platform: str = typer.Option("ios", "--platform", help="ios or macos (file-based + data protection keychains)."),
    access_group: Annotated[
        list[str] | None,
        typer.Option(
            "--access-group",
            "-g",
            metavar="GROUP",
            help="The app's keychain access groups, in entitlement order; repeat.",
        ),
    ] = None,
    json_output: bool = typer.Option(False, "--json", help="JSON output for every command."),
    lock_timeout: float = typer.Option(
        DEFAULT_LOCK_TIMEOUT,
        "--lock-timeout",
        metavar="SECONDS",
        envvar=LOCK_TIMEOUT_ENV,
        min=0,
        help="Seconds to wait for a locked store.",
    ),
    allow_file_outside: bool = typer.Option(
        False,
        "--allow-file-outside",
        help="Let file: literals in scenario and query files read files outside the file's own directory.",
    ),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
) -> None:
    """Simulate Apple's keychain (SecItem) and explain its errors."""
    if platform not in ("ios", "macos"):
        raise typer.BadParameter(f"must be ios or macos, not {platform!r}", param_hint="--platform")
    ctx.obj = Options(
        store=store,
        platform=platform,
        access_groups=list(access_group or []),
        json=json_output,
        lock_timeout=lock_timeout,
        allow_file_outside=allow_file_outside,
    )


for group in (
    store_commands,
    item_commands,
    crypto_commands,
    run_command,
    replay_command,
    serve_command,
    enroll_commands,
    learn_command,
    glossary_command,
):
    app.add_typer(group.app)

name_placeholders(app)


def main() -> None:
    """Console-script entry point (``keychainsim = "keychainsim.cli:main"``)."""
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(EXIT_INTERRUPTED)
    except BrokenPipeError:
        # Output piped into `head` while the command line was being read (help): stop quietly.
        try:
            end_on_closed_pipe()
        except typer.Exit as end:
            sys.exit(end.exit_code)
