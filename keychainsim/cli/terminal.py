"""The command line's terminal: colour, width, progress and notices only where a person is watching.

A stream is a terminal when rich says so: a tty, unless ``TTY_COMPATIBLE=0``; anything with
``FORCE_COLOR`` set (non-empty) or ``TTY_COMPATIBLE=1`` (https://force-color.org/). On a terminal,
output is styled (colour, bold, dim) and wrapped at the terminal's width (``COLUMNS`` overrides it),
continuation lines hanging under the text they continue; ``NO_COLOR`` (non-empty, https://no-color.org/)
removes every escape sequence, styles included, and keeps the wrapping. Off a terminal (a pipe, a file,
a test's runner) the text is exactly the lines as written: no escape sequences and no wrapping, so
``grep`` and scripts see one logical line per line.

Nothing here imports rich until something is shown, nor typer until something is printed:
``keychainsim --help`` stays fast, and the plain ``find`` of :mod:`.lean_find` loads neither.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

    from keychainsim.render.lines import Lines
    from keychainsim.store.lock import LockWait


def console(err: bool = False) -> Console:
    """A console on stdout (or stderr) that follows the rules of the module docstring."""
    from rich.console import Console

    colours: dict[str, Any] = {"color_system": None} if os.environ.get("NO_COLOR", "") != "" else {}
    out = Console(stderr=err, highlight=False, soft_wrap=False, emoji=False, markup=False, **colours)
    out.on_broken_pipe = closed_pipe  # type: ignore[method-assign]  # rich would exit 1 by itself
    return out


def closed_pipe() -> None:
    """A styled write (``FORCE_COLOR`` into ``| head``) met a closed pipe: end as every command does."""
    from keychainsim.cli.state import end_on_closed_pipe

    end_on_closed_pipe()


def is_terminal(err: bool = False) -> bool:
    """Whether a person is watching the stream (see the module docstring)."""
    return console(err).is_terminal


def show(lines: Lines, err: bool = False) -> None:
    """Print ``lines``: styled and wrapped on a terminal, plain and unwrapped elsewhere."""
    out = console(err)
    if out.is_terminal:
        out.print(lines)
    elif lines.lines:
        import typer

        typer.echo(plain(lines), err=err)


def plain(lines: Lines) -> str:
    """The lines' text without styles or wrapping."""
    return "\n".join("".join(text for text, _ in line.spans) for line in lines.lines)


def plain_explanation(text: str) -> str:
    """``plain(explanation_lines(text))`` without rich: what :func:`show` prints off a terminal for an
    explanation. :func:`keychainsim.render.story.explanation_lines` only styles parts of each of
    ``text.splitlines()``, and :func:`plain` joins the lines' parts back with newlines, so the text comes
    back with each of its line breaks (carriage returns, form feeds, U+2028 ... included) made a newline."""
    return "\n".join(text.splitlines())


def lock_wait_notice(wait: LockWait) -> None:
    """Say on a terminal that a command waits for a store another process (or thread) holds, and for how
    long at most; off a terminal say nothing (the error after a timeout is the one line scripts read)."""
    from rich.style import Style

    from keychainsim.render.lines import Lines

    if not is_terminal(err=True):
        return
    lines = Lines()
    lines.add(
        ("keychainsim: ", None),
        (f"waiting for the store {wait.path}", Style(bold=True)),
        f": it is locked by {wait.holder}; giving up after {wait.timeout:g} s (--lock-timeout) …",
        hang=13,
    )
    show(lines, err=True)
    sys.stderr.flush()
