"""``run --html FILE`` and ``explain --html FILE``: gather what the page shows and write it.

The page is laid out by :mod:`keychainsim.render.html`; here the command line collects its facts: the
keychain's dump after a scenario (or of the explained keychain) and the identity query to draw on it,
read from the explanations the run made (the last identity lookup explained), with the half each
attribute filters taken from the probe.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from keychainsim.errors import InputError


def check_writable(path: str) -> Path:
    """The report's path, checked before anything runs: its directory must exist and be writable, and
    the path must not be a directory.

    Raises:
        InputError: the report could not be written there (exit 5, before any call).
    """
    target = Path(path)
    if target.is_dir():
        raise InputError(f"--html {path}", "is a directory: give a file name for the report")
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise InputError(f"--html {path}", f"cannot be written: {directory} is not a directory")
    if not os.access(directory, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise InputError(f"--html {path}", "cannot be written: permission denied")
    return target


def write_page(target: Path, page: str) -> None:
    try:
        target.write_text(page, encoding="utf-8")
    except OSError as error:
        raise InputError(f"--html {target}", f"cannot be written: {error.strerror}") from None


def run_report(results: list[Any]) -> str:
    """The page for a run: each scenario with the picture of its keychain after the last step."""
    from keychainsim import __version__
    from keychainsim.render.html import run_page

    return run_page(results, [_after(result) for result in results], __version__)


def explain_report(kc: Any, report: Any, source: str) -> str:
    """The page for one explanation, with the picture of the keychain it explained."""
    from keychainsim import __version__
    from keychainsim.probe import Dump
    from keychainsim.probe.identity_query import identity_query_terms
    from keychainsim.render.html import Picture, explain_page

    picture = Picture(Dump.of(kc), identity_query_terms(report.query), f"the query ({report.call})")
    return explain_page(report, picture, __version__, source)


def _after(result: Any) -> Any:
    from keychainsim.probe import Dump
    from keychainsim.probe.identity_query import identity_query_terms, is_identity_query
    from keychainsim.render.html import Picture

    for done in reversed(result.steps):
        query = getattr(done.report, "query", None)
        if is_identity_query(query):
            title = f"identity query of step {done.step.index} ({done.step.title})"
            return Picture(Dump.of(result.keychain), identity_query_terms(query), title)
    return Picture(Dump.of(result.keychain))
