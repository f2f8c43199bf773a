"""What every command shares: the global options, opening the keychain, output channels, exit codes.

Exit codes (documented in ``keychainsim --help`` and the README):

==  ======================================================================================
0   success (and, for ``--expect``, the status was the expected one)
1   a call returned an unexpected status, or a scenario expectation failed
2   usage error: an unknown option, a missing argument, an option value outside its choices or range,
    options that do not go together
3   a key or feature keychainsim does not model
4   store problem: corrupt, written by a newer keychainsim, or locked by another process
5   malformed input: a scenario file, a query file, a --attr/--set value, a literal (--tag hex:...,
    --subject, a status name in --expect or learn --answer), PEM/DER/PKCS#12 data
70  internal error: a bug in keychainsim (one line; ``KEYCHAINSIM_DEBUG=1`` shows the traceback)
141 the reader of the output went away (``keychainsim explain --codes | head -1``): a normal end, with
    nothing printed, as a Unix tool killed by SIGPIPE (for which a shell reports 128 + 13 = 141)
==  ======================================================================================

Errors are one line on stderr, ``keychainsim: <message>``; with ``--json`` the JSON body (if any) is
printed on stdout before a non-zero exit. Nothing here imports the engine, crypto, rich or typer at
import time: ``keychainsim --help`` must start fast, and the plain ``find`` of :mod:`.lean_find` uses this
module without loading the command-line framework at all.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    import typer

EXIT_OK = 0
EXIT_UNEXPECTED_STATUS = 1
EXIT_USAGE = 2
EXIT_NOT_MODELED = 3
EXIT_STORAGE = 4
EXIT_INPUT = 5
EXIT_INTERNAL = 70
EXIT_CLOSED_PIPE = 141
EXIT_INTERRUPTED = 130
"""Ctrl-C: what a shell reports for a tool that SIGINT ends (128 + 2), as typer itself exits."""

EXIT_CODES_HELP = (
    "Exit codes: 0 success; 1 unexpected status or failed expectation; 2 usage error; "
    "3 not modelled by keychainsim; 4 store problem (corrupt, newer, locked by another process); "
    "5 malformed input (scenario, query, PEM/DER/PKCS#12); 70 internal error; "
    "141 the output's reader went away (a closed pipe, as with | head)."
)

LOCK_TIMEOUT_ENV = "KEYCHAINSIM_LOCK_TIMEOUT"
DEFAULT_LOCK_TIMEOUT = 5.0


@dataclass
class Options:
    """The root callback's options, carried in ``ctx.obj``."""

    store: str | None = None
    platform: str = "ios"
    access_groups: list[str] = field(default_factory=list)
    json: bool = False
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT
    allow_file_outside: bool = False

    @property
    def store_path(self) -> str:
        """``--store``, else ``$KEYCHAINSIM_STORE``, else the per-user default."""
        if self.store:
            return os.path.abspath(os.path.expanduser(self.store))
        from keychainsim.store import default_store_path

        return default_store_path()


def options(ctx: typer.Context) -> Options:
    """The global options (a default set when a command runs without the root callback, e.g. in tests)."""
    root = ctx.find_root()
    if not isinstance(root.obj, Options):
        root.obj = Options()
    return root.obj


def open_keychain(opts: Options) -> Any:
    """The persistent keychain the options name (platform, entitlements, lock timeout)."""
    from keychainsim import Keychain
    from keychainsim.cli.terminal import lock_wait_notice

    groups = opts.access_groups or None
    return Keychain(
        platform=opts.platform,
        access_groups=groups,
        store=opts.store_path,
        lock_timeout=opts.lock_timeout,
        on_lock_wait=lock_wait_notice,
    )


def open_backend(opts: Options) -> Any:
    """The store's backend alone (init, reset), saying so on a terminal while it waits for the lock."""
    from keychainsim.backend import Backend
    from keychainsim.cli.terminal import lock_wait_notice

    return Backend(opts.store_path, lock_timeout=opts.lock_timeout, on_lock_wait=lock_wait_notice)


def load_device_dump(path: str, access_groups: list[str]) -> tuple[Any, Any]:
    """A dump file as a keychain, and its :class:`~keychainsim.probe.DumpOrigin`. Disagreements with the
    device are shown by the commands (not as Python warnings); ``-g`` groups make the keychain another
    app's view of the same items.

    Raises:
        InputError: the file is not a readable dump.
    """
    import warnings

    from keychainsim.probe import DumpDisagreement, dump_origin, load_dump

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DumpDisagreement)
        kc = load_dump(path)
    origin = dump_origin(kc)
    return (kc.with_entitlements(access_groups) if access_groups else kc), origin


def fail(message: str, code: int) -> NoReturn:
    """One line on stderr, then the exit code."""
    import typer

    typer.echo(error_line(message), err=True)
    raise typer.Exit(code)


def error_line(message: str) -> str:
    """How every failure is told on stderr: the program's name, then the message."""
    return f"keychainsim: {message}"


def emit_json(body: Any) -> None:
    """The JSON body on stdout: sorted keys, bytes as ``{"hex": ...}``."""
    import typer

    typer.echo(json_text(body))


def json_text(body: Any) -> str:
    """The text :func:`emit_json` prints (without its newline)."""
    return json.dumps(body, sort_keys=True, indent=2, default=_default)


def _default(value: Any) -> Any:
    from keychainsim.explain.evidence import jsonable

    return jsonable(value)


def console(stderr: bool = False) -> Any:
    """A rich console for human output (stderr for explanations and warnings): see :mod:`.terminal`."""
    from keychainsim.cli.terminal import console as terminal_console

    return terminal_console(err=stderr)


@contextmanager
def guard() -> Iterator[None]:
    """Turn every expected failure into one line on stderr and its documented exit code."""
    import typer

    try:
        yield
    except typer.Exit:
        raise
    except KeyboardInterrupt:
        raise
    except BrokenPipeError:
        end_on_closed_pipe()
    except Exception as error:
        known = expected_failure(error)
        if known is not None:
            fail(*known)
        if os.environ.get("KEYCHAINSIM_DEBUG"):
            raise
        fail(
            f"internal error ({type(error).__name__}: {error}); set KEYCHAINSIM_DEBUG=1 for the traceback",
            EXIT_INTERNAL,
        )


def expected_failure(error: Exception) -> tuple[str, int] | None:
    """The message and exit code of a failure keychainsim expects (a store problem, a feature it does not
    model, malformed input), or None for anything else: a bug, which :func:`guard` reports as internal."""
    from keychainsim.errors import InputError, NotModeledError, ScenarioError, StorageError
    from keychainsim.scenario.literals import LiteralError

    if isinstance(error, StorageError):
        return str(error), EXIT_STORAGE
    if isinstance(error, NotModeledError):
        return str(error), EXIT_NOT_MODELED
    if isinstance(error, (ScenarioError, InputError, LiteralError)):
        return str(error), EXIT_INPUT
    if isinstance(error, TypeError):
        # The facade raises TypeError naming the key for values no CF type maps to (style-anchors rule 4).
        return f"malformed input: {error}", EXIT_INPUT
    return None


def end_on_closed_pipe() -> NoReturn:
    """End quietly because whoever read stdout has gone (``| head -1`` has its line): not an error of
    keychainsim's, so no message and no traceback, as a Unix tool that SIGPIPE ends says nothing.

    Stdout is pointed at /dev/null first (:func:`silence_stdout`); then the command ends through
    ``typer.Exit``, so that ``finally`` blocks and context managers (a store's lock, a server's child
    processes) still close.
    """
    import typer

    silence_stdout()
    raise typer.Exit(EXIT_CLOSED_PIPE)


def silence_stdout() -> None:
    """Point stdout at /dev/null after its reader went away, so that the interpreter's last flush of what
    is still buffered cannot fail again on the way out (an "Exception ignored" message and exit 120)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # stdout already closed or replaced: nothing left to flush there
        pass


def usage_error(message: str) -> NoReturn:
    """An option value outside its choices or range, or options that do not go together: exit 2."""
    fail(message, EXIT_USAGE)


def choice(option: str, value: str, allowed: tuple[str, ...]) -> str:
    """``value`` when it is one of ``allowed``, else a usage error naming the option and the choices."""
    if value not in allowed:
        usage_error(f"{option} must be {', '.join(allowed[:-1])} or {allowed[-1]}, not {value!r}")
    return value


def expected_status(expect: str | None) -> int:
    """The status ``--expect`` names (0 when not given), read before any call so that a misspelt name
    changes nothing.

    Raises:
        InputError: neither a known status name nor a number (exit 5).
    """
    from keychainsim.errors import InputError
    from keychainsim.scenario.literals import LiteralError, status_value

    if expect is None:
        return 0
    try:
        return status_value(expect)
    except LiteralError as error:
        raise InputError("--expect", str(error)) from None


def status_exit(status: Any, wanted: int = 0) -> int:
    """The exit code for a call's status: 0 when it is the expected one (success by default), else 1."""
    return EXIT_OK if int(status) == wanted else EXIT_UNEXPECTED_STATUS


def read_input(path: str) -> bytes:
    """The bytes of ``path`` (``-`` for stdin).

    Raises:
        InputError: the file cannot be read.
    """
    from keychainsim.errors import InputError

    if path == "-":
        return sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode()
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as error:
        raise InputError(path, f"cannot be read: {error.strerror}") from None
