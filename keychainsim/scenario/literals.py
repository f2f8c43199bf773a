"""Values written by people: Apple's constant names and typed data literals, turned into what the API takes.

Scenario files, ``--attr NAME=VALUE`` options and query files all write values the same way, so one
parser serves them (the CLI and the runner stay thin, style-anchors rule 1):

=================  =======================================================================
``kSec...``         a constant's raw value (``kSecClassGenericPassword`` -> ``"genp"``)
``errSec...``       an OSStatus (in expectations)
``utf8:TEXT``       the UTF-8 bytes of TEXT (CFData)
``utf16:TEXT``      the UTF-16LE bytes of TEXT (a classic encoding mistake, catalog C43)
``hex:0a1b``        bytes from hex (spaces and colons allowed)
``base64:...``      bytes from base64
``file:PATH``       the bytes of a file inside the directory of the scenario or query file (see FileScope)
``int:42``          an integer (CFNumber)
``bool:true``       a boolean (CFBoolean)
``date:ISO-8601``   a timezone-aware datetime (CFDate); a date without zone is UTC
``str:TEXT``        TEXT exactly, even if it looks like a constant or a literal
``swift:EXPR``      a Swift expression (``swift:"tag".data(using: .utf8)!``), see :mod:`.swift_literals`
``$name``           a named result of an earlier step (``$issued.der``, ``$bundle.0``)
=================  =======================================================================

Anything else is the plain string. A string that starts like a constant (``kSec``/``errSec``) but names
none is an error with the closest names as a hint: a misspelt constant silently sent as text is how a
scenario would "reproduce" a -25300 that the device never gave.
"""

from __future__ import annotations

import base64
import binascii
import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

PREFIXES = ("utf8:", "utf16:", "hex:", "base64:", "file:", "int:", "bool:", "date:", "str:", "swift:")
"""Typed-literal prefixes, in the order the documentation lists them."""

_CONSTANT_LIKE = re.compile(r"^(kSec|errSec)[A-Za-z0-9]*$")


class LiteralError(ValueError):
    """A value cannot be read; ``hint`` says what would be accepted."""

    def __init__(self, problem: str, hint: str = "") -> None:
        self.problem = problem
        self.hint = hint
        super().__init__(problem + (f" (hint: {hint})" if hint else ""))


def _constants() -> Mapping[str, str]:
    from keychainsim.constants import VALUE_OF

    return VALUE_OF


def _statuses() -> Mapping[str, Any]:
    from keychainsim.status import OSStatus

    return {name: member for name, member in OSStatus.__members__.items()}


def suggest(word: str, candidates: list[str] | Mapping[str, Any], n: int = 3) -> str:
    """``did you mean A, B?`` for the closest candidates, or an empty string."""
    close = difflib.get_close_matches(word, list(candidates), n=n, cutoff=0.6)
    return f"did you mean {', '.join(close)}?" if close else ""


def constant_value(name: str) -> str:
    """The raw value of a ``kSec*`` constant name.

    Raises:
        LiteralError: the name is not a constant keychainsim knows, with the closest names as a hint.
    """
    values = _constants()
    if name in values:
        return values[name]
    raise LiteralError(f"unknown constant {name!r}", suggest(name, values) or "see keychainsim.constants")


def status_value(value: Any) -> int:
    """An OSStatus from its name (``errSecItemNotFound``) or number (-25300, "-25300").

    Raises:
        LiteralError: neither a known name nor an integer.
    """
    from keychainsim.status import OSStatus

    if isinstance(value, bool):
        raise LiteralError(f"{value!r} is not a status", "write a name such as errSecItemNotFound or a number")
    if isinstance(value, int):
        return int(OSStatus(value)) if value in OSStatus._value2member_map_ else value
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"[-+]?\d+", text):
            return int(text)
        statuses = _statuses()
        if text in statuses:
            return int(statuses[text])
        raise LiteralError(f"unknown status {value!r}", suggest(text, statuses) or "e.g. errSecItemNotFound or -25300")
    raise LiteralError(f"{value!r} is not a status", "write a name such as errSecItemNotFound or a number")


def attribute_key(name: str) -> str:
    """A dictionary key: a ``kSec*`` name, or a raw key a device dump shows (``labl``, ``v_Ref``).

    Raises:
        LiteralError: neither a constant name nor a known raw key.
    """
    from keychainsim.constants import NAME_OF

    if not isinstance(name, str):
        raise LiteralError(f"dictionary key {name!r} is not text", "write a constant name such as kSecAttrLabel")
    values = _constants()
    if name in values:
        return values[name]
    if name in NAME_OF:
        return name
    hint = suggest(name, [k for k in values if k.startswith("kSec")]) or "write a constant name such as kSecAttrLabel"
    raise LiteralError(f"unknown attribute key {name!r}", hint)


def _bytes_from_hex(text: str) -> bytes:
    cleaned = re.sub(r"[\s:]", "", text)
    if cleaned.startswith(("0x", "0X")):
        cleaned = cleaned[2:]
    try:
        return bytes.fromhex(cleaned)
    except ValueError:
        raise LiteralError(f"hex:{text} is not hexadecimal", "two hex digits per byte, e.g. hex:0a1b2c") from None


def _date(text: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise LiteralError(f"date:{text} is not an ISO-8601 date", "e.g. date:2025-06-01T12:00:00Z") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


ALLOW_OUTSIDE_HINT = (
    "a shared file may only name files in its own directory: copy the file there, or allow it with "
    "--allow-file-outside (Python: allow_file_outside=True)"
)


@dataclass(frozen=True)
class FileScope:
    """Where ``file:`` literals read from.

    ``base`` is the directory a relative path starts from: the scenario's or the query file's own. A
    scenario is a file people share, and reading it must not read the machine it runs on: with ``confined``
    (the default) the path, once resolved (``..`` and symlinks followed), must name a regular file inside
    ``base``, so ``file:/etc/passwd``, ``file:../../x`` and a symlink pointing out are all refused.
    ``confined=False`` is what ``--allow-file-outside`` and ``allow_file_outside=True`` give.
    """

    base: Path
    confined: bool = True

    def locate(self, written: str, what: str = "file:") -> Path:
        """The path of the file ``written`` names, checked against the scope.

        Raises:
            LiteralError: the file is outside the scope, or is there but not a regular file.
        """
        path = Path(written).expanduser()
        if not path.is_absolute():
            path = self.base / path
        if not self.confined:
            return path
        root = self.base.resolve()
        real = path.resolve()
        if not real.is_relative_to(root):
            shown = f" (it resolves to {real})" if real != path else ""
            raise LiteralError(f"{what}{written} is outside {root}{shown}", ALLOW_OUTSIDE_HINT)
        if real.exists() and not real.is_file():
            raise LiteralError(f"{what}{written} is not a regular file", f"looked for {real}")
        return real

    def read(self, written: str) -> bytes:
        """The bytes of the file ``written`` names.

        Raises:
            LiteralError: the file is outside the scope, is not a regular file, or cannot be read.
        """
        path = self.locate(written)
        try:
            return path.read_bytes()
        except OSError as error:
            raise LiteralError(f"file:{written} cannot be read: {error.strerror}", f"looked for {path}") from None


Files = Path | FileScope | None
"""Where ``file:`` literals may read: a :class:`FileScope`; a bare directory (confined to it); or None, for
text the caller wrote itself (the command line's ``--attr``, a Python call): relative to the working
directory and not confined."""


def file_scope(files: Files) -> FileScope:
    """The :class:`FileScope` a ``files`` argument stands for."""
    if isinstance(files, FileScope):
        return files
    if files is None:
        return FileScope(Path.cwd(), confined=False)
    return FileScope(Path(files))


def typed_literal(text: str, base_dir: Files = None) -> Any:
    """The value of one string as written by a person (see the module docstring); ``$`` names excluded.

    Raises:
        LiteralError: a bad typed literal, an unknown constant, or an unreadable file.
    """
    prefix, _, rest = text.partition(":")
    prefix += ":"
    if prefix == "str:":
        return rest
    if prefix == "swift:":
        from keychainsim.scenario.swift_literals import parse_expression

        return parse_expression(rest)
    if prefix == "utf8:":
        return rest.encode("utf-8")
    if prefix == "utf16:":
        return rest.encode("utf-16-le")
    if prefix == "hex:":
        return _bytes_from_hex(rest)
    if prefix == "base64:":
        try:
            return base64.b64decode("".join(rest.split()), validate=True)
        except (binascii.Error, ValueError):
            raise LiteralError(f"base64:{rest[:20]}... is not valid base64", "standard alphabet, padded") from None
    if prefix == "int:":
        try:
            return int(rest.strip(), 0)
        except ValueError:
            raise LiteralError(f"int:{rest} is not an integer", "e.g. int:256 or int:0x100") from None
    if prefix == "bool:":
        lowered = rest.strip().lower()
        if lowered in ("true", "yes", "1"):
            return True
        if lowered in ("false", "no", "0"):
            return False
        raise LiteralError(f"bool:{rest} is not a boolean", "bool:true or bool:false")
    if prefix == "date:":
        return _date(rest.strip())
    if prefix == "file:":
        return file_scope(base_dir).read(rest.strip())
    if _CONSTANT_LIKE.match(text):
        if text.startswith("errSec"):
            return status_value(text)
        return constant_value(text)
    return text


Resolver = Callable[[str], Any]
"""Looks up ``$name`` references (named results); raises LiteralError for unknown names."""


def value(raw: Any, base_dir: Files = None, resolve: Resolver | None = None) -> Any:
    """A value of any shape: strings read as literals, mappings as dictionaries (see :func:`dictionary`),
    lists element by element; YAML dates become UTC datetimes; numbers, booleans and null stay.

    Raises:
        LiteralError: as :func:`typed_literal`, or an unknown ``$name``.
    """
    if isinstance(raw, str):
        if raw.startswith("$") and len(raw) > 1:
            if resolve is None:
                raise LiteralError(f"{raw} names a result, but there are no named results here", "use a literal")
            return resolve(raw[1:])
        return typed_literal(raw, base_dir)
    if isinstance(raw, Mapping):
        return dictionary(raw, base_dir, resolve)
    if isinstance(raw, list):
        return [value(v, base_dir, resolve) for v in raw]
    if isinstance(raw, datetime):
        return raw if raw.tzinfo else raw.replace(tzinfo=UTC)
    if isinstance(raw, date):
        return datetime(raw.year, raw.month, raw.day, tzinfo=UTC)
    return raw


def dictionary(raw: Mapping[Any, Any], base_dir: Files = None, resolve: Resolver | None = None) -> dict[str, Any]:
    """A SecItem dictionary: keys are constant names (or raw keys), values are literals.

    Raises:
        LiteralError: an unknown key or a bad value; the message names the key.
    """
    out: dict[str, Any] = {}
    for key, item in raw.items():
        raw_key = attribute_key(key)
        try:
            out[raw_key] = value(item, base_dir, resolve)
        except LiteralError as error:
            raise LiteralError(f"{key}: {error.problem}", error.hint) from None
    return out


DICTIONARY_ARGUMENTS = ("attributes", "query", "parameters", "options")
"""Step arguments that are SecItem dictionaries: a YAML mapping, or a string holding a Swift dictionary literal."""


def argument(name: str, raw: Any, base_dir: Files = None, resolve: Resolver | None = None) -> Any:
    """A step argument's value: a string given for a dictionary argument is a Swift dictionary literal
    (variables in it name saved results); everything else is read by :func:`value`.

    Raises:
        LiteralError: as :func:`value`; a SwiftLiteralError (with line and column in the literal) for Swift.
    """
    if name in DICTIONARY_ARGUMENTS and isinstance(raw, str):
        from keychainsim.scenario.swift_literals import parse_dictionary

        return parse_dictionary(raw, resolve)
    return value(raw, base_dir, resolve)


def parse_assignment(text: str, base_dir: Files = None) -> tuple[str, Any]:
    """``NAME=VALUE`` from the command line's ``--attr``; VALUE as :func:`typed_literal`, plus ``true``,
    ``false`` and ``null`` for CFBoolean and NSNull.

    Raises:
        LiteralError: no ``=``, an unknown key or a bad value.
    """
    name, sep, rest = text.partition("=")
    if not sep or not name.strip():
        raise LiteralError(f"--attr {text!r} is not NAME=VALUE", "e.g. --attr kSecAttrLabel=device-cert")
    key = attribute_key(name.strip())
    if rest in ("true", "false"):
        return key, rest == "true"
    if rest == "null":
        return key, None
    try:
        return key, typed_literal(rest, base_dir)
    except LiteralError as error:
        raise LiteralError(f"{name}: {error.problem}", error.hint) from None
