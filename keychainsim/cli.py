"""The ``keychainsim`` command: a thin skin over the Python API (style-anchors rule 1).

Exit codes: 0 success; 1 a call returned a status other than the one expected; 2 usage error (typer);
3 a key or feature keychainsim does not model; 4 a store problem (corrupt, newer, locked by another
process); 5 malformed input. Errors are one-line messages on stderr, never tracebacks.
"""

from __future__ import annotations

import sys

import typer

EXIT_UNEXPECTED_STATUS = 1
EXIT_NOT_MODELED = 3
EXIT_STORAGE = 4
EXIT_INPUT = 5

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    help="Simulate Apple's keychain (SecItem) and explain its errors.",
)


def _version(value: bool) -> None:
    if value:
        from keychainsim import __version__

        typer.echo(f"keychainsim {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
) -> None:
    """Simulate Apple's keychain (SecItem) and explain its errors."""


@app.command()
def demo(
    store: str = typer.Option(None, "--store", envvar="KEYCHAINSIM_STORE", help="Store file (default: per-user)."),
) -> None:
    """Replay the uniqueness pitfall: a query with kSecAttrGeneric misses, then the add collides."""
    from keychainsim import Keychain, StorageError
    from keychainsim.constants import (
        errSecDuplicateItem,
        kSecAttrAccount,
        kSecAttrGeneric,
        kSecAttrService,
        kSecClass,
        kSecClassGenericPassword,
        kSecValueData,
    )
    from keychainsim.store import default_store_path

    path = store or str(default_store_path())
    try:
        kc = Keychain(store=path)
        base = {kSecClass: kSecClassGenericPassword, kSecAttrService: "demo.service", kSecAttrAccount: "alice"}
        kc.SecItemDelete(dict(base))
        steps = [
            ("SecItemAdd", lambda: kc.SecItemAdd({**base, kSecAttrGeneric: b"v1", kSecValueData: b"secret"})[0]),
            (
                "SecItemCopyMatching (kSecAttrGeneric v2)",
                lambda: kc.SecItemCopyMatching({**base, kSecAttrGeneric: b"v2"})[0],
            ),
            (
                "SecItemAdd (kSecAttrGeneric v2)",
                lambda: kc.SecItemAdd({**base, kSecAttrGeneric: b"v2", kSecValueData: b"x"})[0],
            ),
        ]
        typer.echo(f"store: {path}")
        last = None
        for name, call in steps:
            last = call()
            typer.echo(f"{name:45} -> {last}")
    except StorageError as problem:
        typer.echo(f"keychainsim: {problem}", err=True)
        raise typer.Exit(EXIT_STORAGE) from None
    typer.echo(
        "kSecAttrGeneric is not part of a generic password's uniqueness (acct, svce, agrp, sync, ...): "
        "the query misses, yet the add collides with the existing item."
    )
    if last != errSecDuplicateItem:
        raise typer.Exit(EXIT_UNEXPECTED_STATUS)


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
