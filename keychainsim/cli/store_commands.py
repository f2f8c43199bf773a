"""Store commands: init, reset, lock, unlock, dump — the device and its keychain file as a whole."""

from __future__ import annotations

import typer

from keychainsim.cli.state import choice, emit_json, guard, load_device_dump, open_backend, open_keychain, options

app = typer.Typer(rich_markup_mode=None)
PANEL = "Store and device"


@app.command(rich_help_panel=PANEL)
def init(ctx: typer.Context, json_output: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Create the store file if it does not exist (an existing, readable store is left as it is)."""
    opts = options(ctx)
    with guard():
        import os

        path = opts.store_path
        existed = os.path.exists(path)
        count = open_backend(opts).create()  # reads (and so checks) an existing file
        if json_output or opts.json:
            emit_json({"store": path, "created": not existed, "items": count})
        else:
            typer.echo(f"{'created' if not existed else 'already there'}: {path} ({count} items)")


@app.command(rich_help_panel=PANEL)
def reset(
    ctx: typer.Context,
    force: bool = typer.Option(
        False, "--force", help="Also replace an unreadable store (corrupt, newer), keeping it beside the new one."
    ),
    json_output: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Start from scratch: replace the store with an empty keychain (unlocked, after first unlock)."""
    opts = options(ctx)
    with guard():
        path = opts.store_path
        backup = open_backend(opts).reset(force=force)
        if json_output or opts.json:
            emit_json({"store": path, "reset": True, "backup": backup})
        else:
            typer.echo(f"reset: {path}")
            if backup is not None:
                typer.echo(f"the unreadable store it replaced is kept as {backup}")


def _set_lock(ctx: typer.Context, state: str, json_output: bool) -> None:
    opts = options(ctx)
    with guard():
        kc = open_keychain(opts)
        {"locked": kc.lock, "unlocked": kc.unlock, "before_first_unlock": kc.restart}[state]()
        if json_output or opts.json:
            emit_json({"store": opts.store_path, "device": state})
        else:
            typer.echo(f"device {state.replace('_', ' ')}")


@app.command(rich_help_panel=PANEL)
def lock(
    ctx: typer.Context,
    restart: bool = typer.Option(False, "--restart", help="Restart instead: locked and before first unlock."),
    json_output: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Lock the device: WhenUnlocked (ak) items become unavailable (-25308); --restart also AfterFirstUnlock."""
    _set_lock(ctx, "before_first_unlock" if restart else "locked", json_output)


@app.command(rich_help_panel=PANEL)
def unlock(ctx: typer.Context, json_output: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Unlock the device."""
    _set_lock(ctx, "unlocked", json_output)


@app.command(rich_help_panel=PANEL)
def dump(
    ctx: typer.Context,
    format: str = typer.Option("text", "--format", help="text, plain (NSDictionary style) or json."),
    secrets: bool = typer.Option(False, "--secrets", help="Include secret data in JSON."),
    from_file: str | None = typer.Option(
        None,
        "--from",
        metavar="FILE",
        help="A dump file (KeychainDump.swift on a device, or --format json) instead of the store.",
    ),
    json_output: bool = typer.Option(False, "--json", help="Same as --format json."),
) -> None:
    """Every item of every class, whether this app can see it and why not, and how identities pair."""
    opts = options(ctx)
    if json_output or opts.json:
        format = "json"
    choice("--format", format, ("text", "plain", "json", "rich"))
    with guard():
        from keychainsim.probe import dump as probe_dump

        if from_file is not None:
            kc, _ = load_device_dump(from_file, opts.access_groups)
        else:
            kc = open_keychain(opts)
        from keychainsim.cli.terminal import console

        out = console()
        if format == "rich" or (format == "text" and out.is_terminal):
            out.print(probe_dump(kc, format="rich"))  # the terminal's width and colours
            return
        text = probe_dump(kc, format=format, secrets=secrets)
        typer.echo(text.rstrip("\n"))
