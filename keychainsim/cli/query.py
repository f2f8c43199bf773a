"""A SecItem dictionary from the command line: a JSON/YAML file (or stdin) and repeated ``--attr NAME=VALUE``.

Both use the scenario files' value rules (:mod:`keychainsim.scenario.literals`): constant names for keys
and values, typed literals (``utf8:``, ``hex:``, ``base64:``, ``int:``, ``bool:``, ``date:``, ``file:``,
``swift:``) for data. A file (or an ``--attr``) that opens with ``[`` (or ``let``/``var``) is a Swift
dictionary literal pasted from code (:mod:`keychainsim.scenario.swift_literals`). ``--attr`` entries are
applied after the file, so they override it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from keychainsim.cli.state import read_input


def parse_document(data: bytes, source: str) -> Any:
    """A JSON or YAML document (JSON is tried first; YAML is a superset but slower and laxer).

    A query file is as untrusted as a scenario file, so YAML goes through the same bounded reader
    (:func:`keychainsim.scenario.yamlnodes.load_yaml`: alias expansion, nesting and tags limited).

    Raises:
        InputError: neither parses, or the document is too deep or too large; with the line when known.
    """
    from keychainsim.errors import InputError, ScenarioError
    from keychainsim.scenario.yamlnodes import load_yaml

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(source, "is not UTF-8 text") from None
    if not text.strip():
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        pass
    except RecursionError:
        raise InputError(source, "is JSON nested too deeply to read") from None
    except ValueError as error:  # e.g. an integer past Python's digit limit
        raise InputError(source, f"is JSON keychainsim cannot read: {error}") from None
    try:
        return load_yaml(text, source)
    except ScenarioError as error:
        hint = f" (hint: {error.hint})" if error.hint and "scenario" not in error.hint else ""
        where = f"{source}:{error.line}" if error.line is not None else source
        raise InputError(where, f"is neither JSON nor readable YAML: {error.problem}{hint}") from None


def build_dictionary(
    file: str | None, attrs: list[str] | None, what: str = "query", allow_file_outside: bool = False
) -> dict[str, Any]:
    """The dictionary named by ``--file`` and ``--attr`` options.

    ``file:`` literals in the file read only files in its directory (the working directory for stdin)
    unless ``allow_file_outside``; in ``--attr`` they are the user's own words, read as written.

    Raises:
        InputError: unreadable or malformed file; LiteralError: an unknown constant or bad literal.
    """
    from keychainsim.errors import InputError
    from keychainsim.scenario import literals, swift_literals

    out: dict[str, Any] = {}
    if file is not None:
        source = "stdin" if file == "-" else file
        data = read_input(file)
        swift = swift_text(data, source, force=file.endswith(".swift"))
        if swift is not None:
            out.update(parse_swift(swift, source))
        else:
            document = parse_document(data, source)
            if not isinstance(document, dict):
                raise InputError(source, f"must hold a {what} mapping (constant names to values)")
            base = Path(file).resolve().parent if file != "-" else Path.cwd()
            files = literals.FileScope(base, confined=not allow_file_outside)
            try:
                out.update(literals.dictionary(document, files))
            except literals.LiteralError as error:
                raise InputError(source, str(error)) from None
    for assignment in attrs or []:
        if swift_literals.looks_like_swift(assignment):
            out.update(parse_swift(assignment, f"--attr {assignment[:30]!r}"))
            continue
        key, value = literals.parse_assignment(assignment)
        out[key] = value
    if not out:
        raise InputError(what, "is empty: give --file PATH (or - for stdin) and/or --attr NAME=VALUE")
    return out


def swift_text(data: bytes, source: str, force: bool = False) -> str | None:
    """The text of a file that holds a Swift dictionary literal (``.swift``, or opening with ``[``/``let``),
    else None (JSON or YAML).

    Raises:
        InputError: not UTF-8.
    """
    from keychainsim.errors import InputError
    from keychainsim.scenario.swift_literals import looks_like_swift

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(source, "is not UTF-8 text") from None
    return text if force or looks_like_swift(text) else None


def parse_swift(text: str, source: str) -> dict[str, Any]:
    """A Swift dictionary literal, or an InputError at ``source:line:column`` with the line and a caret."""
    from keychainsim.errors import InputError
    from keychainsim.scenario.swift_literals import SwiftLiteralError, parse_dictionary

    try:
        return parse_dictionary(text)
    except SwiftLiteralError as error:
        hint = f" (hint: {error.hint})" if error.hint else ""
        raise InputError(f"{source}:{error.line}:{error.column}", f"{error.bare}{hint}\n{error.snippet}") from None


def has_return_key(query: dict[str, Any]) -> bool:
    return any(str(k).startswith("r_") for k in query)
