"""A plain ``keychainsim find`` without the command-line framework.

``find`` is the command scripts and tests run most, often in loops, and a whole process is dominated by
its fixed cost: importing typer, building the application with every command module, and rich. Here a
plain ``find`` command line is read by hand and answered with the same functions the typer command uses
(:mod:`.call_report`), printed the way typer prints off a terminal. Nothing else is handled: :func:`run`
returns None ("declined") for anything unusual, and the typer application then runs the command line as
it always has. Declining is always safe, so it declines generously:

* the command line is not zero or more global options, ``find``, then zero or more ``find`` options, in
  the forms ``--opt VALUE``, ``--opt=VALUE`` and ``-x VALUE`` (help, ``--version``, ``--``, combined or
  attached short options, a repeated single option, a flag given a value, an empty value or one that
  starts with ``-`` (``--file -`` included), ``--platform`` other than ios/macos, an unusual
  ``--lock-timeout``, an unknown option or word: all declined);
* ``$KEYCHAINSIM_STORE`` or ``$KEYCHAINSIM_LOCK_TIMEOUT`` (read as click reads them when the option is
  not given) is set but empty, or the timeout is unusual;
* the output could be styled or rewritten: stdout or stderr is a terminal, ``FORCE_COLOR`` or
  ``TTY_COMPATIBLE`` is set (:mod:`.terminal`), a stream is not a UTF-8 text stream (click would wrap
  it), a shell-completion request is in the environment, or the text holds an escape character (which
  click strips off a terminal) or a character UTF-8 cannot encode;
* anything at all raises while the query is built, the store opened or the call made: ``find`` only
  reads (SecItemCopyMatching never writes the store), so the typer command runs it again and reports
  the failure its own way, message, exit code and ``KEYCHAINSIM_DEBUG`` traceback included. Nothing is
  printed before that point. The one exception is a store problem (exit 4), told here with the typer
  command's line (:func:`.state.expected_failure`): the store may have been waited for, locked by another
  process, for the whole ``--lock-timeout``, and running the command again would wait as long again.
"""

from __future__ import annotations

import codecs
import io
import os
import re
import sys
from collections.abc import Mapping
from typing import Any

from keychainsim.cli.state import (
    DEFAULT_LOCK_TIMEOUT,
    EXIT_CLOSED_PIPE,
    EXIT_INTERRUPTED,
    LOCK_TIMEOUT_ENV,
    Options,
    error_line,
    expected_failure,
    silence_stdout,
)

COMMAND = "find"

GLOBAL_VALUES = {
    "--store": "store",
    "--platform": "platform",
    "--access-group": "access_groups",
    "-g": "access_groups",
    "--lock-timeout": "lock_timeout",
}
GLOBAL_FLAGS = {"--json": "json", "--allow-file-outside": "allow_file_outside"}
FIND_VALUES = {"--file": "file", "-f": "file", "--attr": "attr", "-a": "attr", "--expect": "expect"}
FIND_FLAGS = {"--all": "all_matches", "--raw": "raw", "--json": "json"}
REPEATABLE = frozenset({"access_groups", "attr"})
"""Options given once per value, kept in order; every other option given twice is declined."""

PLATFORMS = ("ios", "macos")
PLAIN_SECONDS = re.compile(r"[0-9]+(\.[0-9]+)?")
"""A lock timeout as written by people and scripts; click's float accepts more (``1e3``, ``inf``, spaces),
and those go to typer."""

STYLING_ENV = ("FORCE_COLOR", "TTY_COMPATIBLE")
ESCAPE = "\x1b"


def run(argv: list[str]) -> int | None:
    """Run ``keychainsim find`` for ``argv`` (the arguments after the program name) and return its exit
    code, or None when the typer application must run the command line instead (see the module
    docstring). Ctrl-C ends with 130 and a reader that went away with 141, as in the typer commands."""
    try:
        return _run(argv)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


def parse(argv: list[str]) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The global and the ``find`` options of a plain ``find`` command line by destination name (a list
    for repeatable options, True for flags), or None when the command line is anything else."""
    found: tuple[dict[str, Any], dict[str, Any]] = ({}, {})
    sections = ((GLOBAL_VALUES, GLOBAL_FLAGS), (FIND_VALUES, FIND_FLAGS))
    section = 0
    index = 0
    while index < len(argv):
        word = argv[index]
        index += 1
        if section == 0 and word == COMMAND:
            section = 1
            continue
        values, flags = sections[section]
        name, equals, attached = word.partition("=") if word.startswith("--") else (word, "", "")
        if name in flags and not equals:
            dest, value = flags[name], True
        elif name in values:
            if equals:
                value = attached
            elif index < len(argv):
                value = argv[index]
                index += 1
            else:
                return None
            if not value or value.startswith("-"):
                return None
            dest = values[name]
        else:
            return None
        options = found[section]
        if dest in REPEATABLE:
            options.setdefault(dest, []).append(value)
        elif dest in options:
            return None
        else:
            options[dest] = value
    return found if section == 1 else None


def global_options(given: dict[str, Any], environ: Mapping[str, str]) -> Options | None:
    """The root's options as the typer application would build them (environment variables included for
    options not given), or None when a value is one the lean path leaves to typer."""
    from keychainsim.store.location import STORE_ENV  # here: every other command line declines without it

    store = given.get("store")
    if store is None and STORE_ENV in environ:
        store = environ[STORE_ENV]
        if not store:
            return None
    timeout = given.get("lock_timeout")
    if timeout is None and LOCK_TIMEOUT_ENV in environ:
        timeout = environ[LOCK_TIMEOUT_ENV]
    if timeout is not None and PLAIN_SECONDS.fullmatch(timeout) is None:
        return None
    platform = given.get("platform", "ios")
    if platform not in PLATFORMS:
        return None
    return Options(
        store=store,
        platform=platform,
        access_groups=list(given.get("access_groups", [])),
        json=bool(given.get("json")),
        lock_timeout=DEFAULT_LOCK_TIMEOUT if timeout is None else float(timeout),
        allow_file_outside=bool(given.get("allow_file_outside")),
    )


def plain_streams(environ: Mapping[str, str]) -> bool:
    """Whether typer and rich would print exactly the text given, unstyled and unwrapped, on stdout and
    stderr (see the module docstring)."""
    if os.name == "nt" or any(name in environ for name in STYLING_ENV):
        return False
    if any(name.startswith("_") and name.endswith("_COMPLETE") for name in environ):
        return False
    for stream in (sys.stdout, sys.stderr):
        try:
            if not isinstance(stream, io.TextIOBase) or stream.isatty():
                return False
            if stream.errors is None or codecs.lookup(stream.encoding).name != "utf-8":
                return False
        except (AttributeError, LookupError, OSError, TypeError, ValueError):
            return False
    return True


def _run(argv: list[str]) -> int | None:
    parsed = parse(argv)
    if parsed is None or not plain_streams(os.environ):
        return None
    given, find = parsed
    opts = global_options(given, os.environ)
    if opts is None:
        return None
    out: str | None
    try:
        out, err, code = _answer(opts, find)
    except Exception as error:
        failure = _store_failure(error)
        if failure is None:
            return None  # read-only: the typer command runs it again and reports the failure its own way
        out, err, code = None, error_line(failure[0]), failure[1]
    if not all(_prints_as_is(text) for text in (out, err) if text is not None):
        return None
    try:
        if out is not None:
            _write(sys.stdout, out)
        if err is not None:
            _write(sys.stderr, err)
    except BrokenPipeError:
        silence_stdout()
        return EXIT_CLOSED_PIPE
    return code


def _store_failure(error: Exception) -> tuple[str, int] | None:
    """A store problem's message and exit code (see the module docstring), else None."""
    from keychainsim.errors import StorageError

    return expected_failure(error) if isinstance(error, StorageError) else None


def _answer(opts: Options, find: dict[str, Any]) -> tuple[str, str | None, int]:
    """What the typer ``find`` prints off a terminal: stdout's text, stderr's (or None), the exit code."""
    from keychainsim.cli.call_report import copy_matching
    from keychainsim.cli.state import json_text
    from keychainsim.cli.terminal import plain_explanation

    report = copy_matching(
        opts,
        find.get("file"),
        find.get("attr"),
        bool(find.get("all_matches")),
        bool(find.get("raw")),
        find.get("expect"),
    )
    if opts.json or find.get("json"):
        return json_text(report.json_body()), None, report.code
    return plain_explanation(report.text()), report.hint(), report.code


def _prints_as_is(text: str) -> bool:
    """Whether typer would print ``text`` unchanged and without failing halfway: no escape character
    (click strips escape sequences off a terminal), and nothing strict UTF-8 cannot encode (a lone
    surrogate from a store's value would fail in the middle of the output)."""
    if ESCAPE in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _write(stream: Any, text: str) -> None:
    """``typer.echo(text)``'s write: the text, a newline, a flush."""
    stream.write(text + "\n")
    stream.flush()
