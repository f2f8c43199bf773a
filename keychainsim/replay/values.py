"""Typed values in a recording: the engine protocol's encoding (keychainsim.server.wire) plus ``secret``.

A recording is the requests an app made and the replies its device gave, so its values are the
protocol's (docs/protocol.md, "Values"); the one addition is ``{"secret": {"length": n}}``, a value the
recorder withheld (docs/recording.md). This module walks typed values without decoding them, so the
replay can map handles, substitute device bytes by the model's and compare two results shape by shape.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any

from keychainsim.server.wire import REF_KINDS, TYPES, WireError

RECORDING_TYPES = (*TYPES, "secret", "unsupported")
"""Every type a recorded value may carry."""


class Unsupported(ValueError):
    """A value the recorder could not encode (an object of a type the format has no kind for)."""


class Withheld:
    """A secret the recorder left out: only its length is known. Replayed as that many zero bytes."""

    __slots__ = ("length",)

    def __init__(self, length: int) -> None:
        self.length = length

    def __repr__(self) -> str:
        return f"<withheld secret, {self.length} bytes>"


def kind_of(value: dict[str, Any]) -> str:
    """The type name of a typed value (its one key)."""
    return next(iter(value))


def check(value: Any, path: str, depth: int = 0) -> None:
    """Raise WireError unless ``value`` is a well-formed recorded typed value (refs unresolved)."""
    from keychainsim.server.wire import decode

    if depth > 32:
        raise WireError(path, "nested deeper than 32 levels")
    if not isinstance(value, dict) or len(value) != 1:
        raise WireError(path, 'expected a one-key object such as {"string": ...}')
    kind = kind_of(value)
    payload = value[kind]
    if kind == "secret":
        length = payload.get("length") if isinstance(payload, dict) else None
        if set(payload or {}) != {"length"} or type(length) is not int or length < 0:
            raise WireError(path, 'a secret is {"secret": {"length": <bytes>}}')
    elif kind == "unsupported":
        if (
            not isinstance(payload, dict)
            or set(payload) != {"description"}
            or not isinstance(payload["description"], str)
        ):
            raise WireError(path, 'an unsupported value is {"unsupported": {"description": <text>}}')
    elif kind == "array":
        if not isinstance(payload, list):
            raise WireError(path, "expected a JSON array")
        for index, item in enumerate(payload):
            check(item, f"{path}[{index}]", depth + 1)
    elif kind == "dict":
        if not isinstance(payload, dict):
            raise WireError(path, "expected a JSON object")
        for key, item in payload.items():
            check(item, f"{path}.{key}", depth + 1)
    elif kind == "ref":
        if not isinstance(payload, dict) or set(payload) != {"kind", "handle"}:
            raise WireError(path, 'a ref is {"kind": ..., "handle": int}')
        if payload["kind"] not in REF_KINDS or type(payload["handle"]) is not int:
            raise WireError(path, f"a ref's kind is one of {', '.join(REF_KINDS)} and its handle an integer")
    else:
        decode(value, _no_refs, path)


def _no_refs(handle: int, kind: str, path: str) -> Any:  # pragma: no cover - refs are handled above
    raise WireError(path, "unexpected ref")


def refs_in(value: dict[str, Any]) -> list[tuple[int, str]]:
    """Every (handle, kind) in a typed value, depth first."""
    kind = kind_of(value)
    payload = value[kind]
    if kind == "ref":
        return [(payload["handle"], payload["kind"])]
    if kind == "array":
        return [r for item in payload for r in refs_in(item)]
    if kind == "dict":
        return [r for item in payload.values() for r in refs_in(item)]
    return []


def has_secret(value: dict[str, Any]) -> bool:
    kind = kind_of(value)
    payload = value[kind]
    if kind == "secret":
        return True
    if kind == "array":
        return any(has_secret(v) for v in payload)
    if kind == "dict":
        return any(has_secret(v) for v in payload.values())
    return False


def data_of(value: dict[str, Any]) -> bytes | None:
    """The bytes of a ``data`` value, else None."""
    if kind_of(value) != "data":
        return None
    try:
        return base64.b64decode(value["data"], validate=True)
    except (binascii.Error, ValueError):
        return None


def data(raw: bytes) -> dict[str, Any]:
    return {"data": base64.b64encode(raw).decode("ascii")}


def translate(
    value: dict[str, Any],
    ref: Callable[[int, str], dict[str, Any]],
    substitute: Callable[[bytes], bytes],
) -> dict[str, Any]:
    """A device value made ready for the model: refs mapped by ``ref(handle, kind)`` (which returns the
    model's typed ref), data passed through ``substitute``, withheld secrets as zero bytes."""
    kind = kind_of(value)
    payload = value[kind]
    if kind == "ref":
        return ref(payload["handle"], payload["kind"])
    if kind == "secret":
        return data(bytes(payload["length"]))
    if kind == "unsupported":
        raise Unsupported(f"the recorder could not encode a value ({payload['description']})")
    if kind == "data":
        raw = data_of(value)
        return value if raw is None else data(substitute(raw))
    if kind == "array":
        return {"array": [translate(v, ref, substitute) for v in payload]}
    if kind == "dict":
        return {"dict": {k: translate(v, ref, substitute) for k, v in payload.items()}}
    return value


def plain(value: dict[str, Any]) -> Any:
    """A typed value as plain Python for reading (refs as ``<kind #handle>``, data as bytes)."""
    kind = kind_of(value)
    payload = value[kind]
    if kind == "ref":
        return f"<{payload['kind']} #{payload['handle']}>"
    if kind == "secret":
        return Withheld(payload["length"])
    if kind == "unsupported":
        return f"<unsupported: {payload['description']}>"
    if kind == "data":
        return data_of(value)
    if kind == "null":
        return None
    if kind == "array":
        return [plain(v) for v in payload]
    if kind == "dict":
        return {k: plain(v) for k, v in payload.items()}
    return payload
