"""Typed values on the wire: every CF value keeps its type between a client and the engine.

JSON alone would lose what the keychain cares about: bytes and text are different values to SecItem
(``kSecAttrApplicationTag`` as data vs. string), a number is not a boolean (``kSecAttrIsPermanent: 1`` is
ignored where ``true`` stores the key), an integer is not a float. So each value is a one-key JSON object
naming its type (docs/protocol.md, "Values"):

``{"string": "abc"}``, ``{"data": "<base64>"}``, ``{"int": 5}``, ``{"float": 1.5}``, ``{"bool": true}``,
``{"date": "2025-06-01T12:00:00Z"}``, ``{"null": true}``, ``{"array": [...]}``, ``{"dict": {"key": ...}}``
and ``{"ref": {"kind": "key", "handle": 7}}`` for a SecKey/SecCertificate/... object the engine holds.
"""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from keychainsim.shim.client import ref_kind

TYPES = ("string", "data", "int", "float", "bool", "date", "null", "array", "dict", "ref")
"""Every type name a value may carry, in the order docs/protocol.md lists them."""

REF_KINDS = ("key", "certificate", "identity", "access_control", "policy", "trust", "keychain_item")
"""Kinds of handle: the Sec* objects a client can hold."""

MAX_DEPTH = 32
"""Deeper nesting is refused: no keychain dictionary nests more than a few levels."""


class WireError(ValueError):
    """A value on the wire is malformed; ``path`` names where (``attributes.v_Ref``)."""

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}")


def object_kind(value: Any) -> str | None:
    """The handle kind of a Sec* object, or None for a plain value."""
    kind = ref_kind(value)
    if kind is not None:
        return kind
    return {
        "SecAccessControl": "access_control",
        "SecPolicy": "policy",
        "SecTrust": "trust",
        "SecKeychainItem": "keychain_item",
    }.get(type(value).__name__)


def iso_date(value: datetime) -> str:
    """UTC, ISO 8601 with ``Z``; microseconds only when there are some."""
    value = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    if value.microsecond:
        text += f".{value.microsecond:06d}"
    return text + "Z"


def encode(value: Any, handle_of: Callable[[Any, str], int], path: str = "value") -> dict[str, Any]:
    """A Python CF value (as the engine returns it) as a typed wire value.

    ``handle_of(obj, kind)`` registers a Sec* object and returns its handle.

    Raises:
        WireError: a value no CF type maps to (a bug in the engine, reported as an internal error).
    """
    if value is None:
        return {"null": True}
    if value is True or value is False:
        return {"bool": value}
    if isinstance(value, int):
        return {"int": int(value)}
    if isinstance(value, float):
        if not math.isfinite(value):
            raise WireError(path, f"the float {value!r} has no JSON form")
        return {"float": value}
    if isinstance(value, str):
        return {"string": value}
    if isinstance(value, bytes | bytearray | memoryview):
        return {"data": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, datetime):
        return {"date": iso_date(value)}
    if isinstance(value, list | tuple):
        return {"array": [encode(v, handle_of, f"{path}[{i}]") for i, v in enumerate(value)]}
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise WireError(path, f"a dictionary key of type {type(key).__name__} cannot be sent")
            out[key] = encode(item, handle_of, f"{path}.{key}")
        return {"dict": out}
    kind = object_kind(value)
    if kind is not None:
        return {"ref": {"kind": kind, "handle": handle_of(value, kind)}}
    raise WireError(path, f"a {type(value).__name__} has no wire form")


def decode(wire: Any, resolve: Callable[[int, str, str], Any], path: str = "value", depth: int = 0) -> Any:
    """A typed wire value as the Python value the engine takes.

    ``resolve(handle, kind, path)`` returns the object a handle names (raising :class:`WireError`).

    Raises:
        WireError: not a one-key object of a known type, or a payload of the wrong JSON type.
    """
    if depth > MAX_DEPTH:
        raise WireError(path, f"nested deeper than {MAX_DEPTH} levels")
    if not isinstance(wire, dict) or len(wire) != 1:
        raise WireError(path, f'expected a one-key object such as {{"string": ...}}, got {_shown(wire)}')
    ((kind, payload),) = wire.items()
    if kind == "string":
        return _expect(payload, str, "a JSON string", path)
    if kind == "data":
        text = _expect(payload, str, "base64 text", path)
        try:
            return base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise WireError(path, "data is not valid base64") from None
    if kind == "int":
        if type(payload) is not int:
            raise WireError(path, f"int needs a JSON integer, got {_shown(payload)}")
        return payload
    if kind == "float":
        if type(payload) not in (int, float):
            raise WireError(path, f"float needs a JSON number, got {_shown(payload)}")
        return float(payload)
    if kind == "bool":
        return _expect(payload, bool, "true or false", path)
    if kind == "date":
        return _date(_expect(payload, str, "an ISO 8601 date", path), path)
    if kind == "null":
        if payload is not True:
            raise WireError(path, 'null is written {"null": true}')
        return None
    if kind == "array":
        items = _expect(payload, list, "a JSON array", path)
        return [decode(v, resolve, f"{path}[{i}]", depth + 1) for i, v in enumerate(items)]
    if kind == "dict":
        entries = _expect(payload, dict, "a JSON object", path)
        return {k: decode(v, resolve, f"{path}.{k}", depth + 1) for k, v in entries.items()}
    if kind == "ref":
        ref = _expect(payload, dict, 'an object {"kind": ..., "handle": ...}', path)
        handle, ref_kind_name = ref.get("handle"), ref.get("kind")
        if type(handle) is not int or ref_kind_name not in REF_KINDS or set(ref) != {"handle", "kind"}:
            raise WireError(path, f'a ref is {{"kind": one of {", ".join(REF_KINDS)}, "handle": int}}')
        return resolve(handle, ref_kind_name, path)
    raise WireError(path, f"unknown value type {kind!r} (expected one of {', '.join(TYPES)})")


def _expect(payload: Any, kind: type, what: str, path: str) -> Any:
    if type(payload) is not kind:
        raise WireError(path, f"expected {what}, got {_shown(payload)}")
    return payload


def _date(text: str, path: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise WireError(path, f"{text!r} is not an ISO 8601 date") from None
    if value.tzinfo is None:
        raise WireError(path, f"{text!r} has no time zone (end it with Z)")
    return value.astimezone(UTC)


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
