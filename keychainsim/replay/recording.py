"""Reading a recording (docs/recording.md): a header line, then one line per call, checked strictly.

Anything a recorder would not write is an :class:`~keychainsim.errors.InputError` naming the file, the
line and the field: a replay that skipped a malformed call would compare the rest against the wrong
history.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from keychainsim.errors import InputError
from keychainsim.replay import values
from keychainsim.server.wire import REF_KINDS, WireError

FORMAT_NAME = "keychainsim-recording"
FORMAT_VERSION = 1
PROTOCOL_VERSION = 1

CALLS: dict[str, tuple[tuple[str, ...], str]] = {
    "SecItemAdd": (("attributes",), "status+result"),
    "SecItemCopyMatching": (("query",), "status+result"),
    "SecItemUpdate": (("query", "attributes"), "status"),
    "SecItemDelete": (("query",), "status"),
    "SecPKCS12Import": (("data", "options"), "status+result"),
    "SecKeyCreateRandomKey": (("parameters",), "value+error"),
    "SecKeyCopyPublicKey": (("key",), "value"),
    "SecKeyCopyExternalRepresentation": (("key",), "value+error"),
    "SecKeyCopyAttributes": (("key",), "value"),
    "SecKeyCreateWithData": (("data", "attributes"), "value+error"),
    "SecKeyCreateSignature": (("key", "algorithm", "data"), "value+error"),
    "SecKeyVerifySignature": (("key", "algorithm", "signed_data", "signature"), "value+error"),
    "SecKeyCreateEncryptedData": (("key", "algorithm", "plaintext"), "value+error"),
    "SecKeyCreateDecryptedData": (("key", "algorithm", "ciphertext"), "value+error"),
    "SecKeyGetBlockSize": (("key",), "value"),
    "SecKeyCopyKeyExchangeResult": (("key", "algorithm", "public_key", "parameters"), "value+error"),
    "SecCertificateCreateWithData": (("data",), "value"),
    "SecCertificateCopyData": (("certificate",), "value"),
    "SecCertificateCopySubjectSummary": (("certificate",), "value"),
    "SecCertificateCopyKey": (("certificate",), "value"),
    "SecIdentityCopyCertificate": (("identity",), "status+result"),
    "SecIdentityCopyPrivateKey": (("identity",), "status+result"),
    "SecAccessControlCreateWithFlags": (("protection", "flags"), "value+error"),
}
"""Each recorded call: its arguments (protocol.md's names, in Apple's order) and its return convention."""

NULLABLE_RESULT_CALLS = ("SecItemAdd", "SecItemCopyMatching")
"""The calls whose ``CFTypeRef *result`` an app may pass as NULL (SecItem.h): a line may say so with
``"result_pointer": false``."""

CLASSES = ("genp", "inet", "cert", "keys")
_HEADER_REQUIRED = {"format", "version", "protocol", "platform", "access_groups", "secrets"}
_HEADER_OPTIONAL = {"default_access_group", "device", "initial_items", "source"}
_CALL_FIELDS = {"seq", "call", "args", "status", "result", "error", "refs", "result_pointer"}
_REF_FIELDS: dict[str, set[str]] = {
    "key": {"key_class", "key_type", "bits", "token", "public_key", "application_label"},
    "certificate": {"der"},
    "identity": {"certificate", "key"},
    "access_control": {"protection", "flags", "description"},
    "policy": {"description"},
    "keychain_item": {"description"},
}
_BYTES_FIELDS = {"public_key", "application_label", "der"}


@dataclass(frozen=True)
class Header:
    platform: str
    access_groups: tuple[str, ...]
    secrets: bool
    default_access_group: str | None = None
    device: dict[str, Any] = field(default_factory=dict)
    initial_items: dict[str, int] | None = None
    source: str = ""


@dataclass(frozen=True)
class RefFacts:
    """What the recording says of one handle (docs/recording.md, "Refs and handles")."""

    handle: int
    kind: str
    facts: dict[str, Any]
    """Bytes fields decoded; handles of an identity's halves as ints."""

    def get(self, name: str) -> Any:
        return self.facts.get(name)


@dataclass(frozen=True)
class Call:
    """One recorded call: what the app passed, what its device returned."""

    line: int
    seq: int
    call: str
    args: dict[str, dict[str, Any]]
    status: int | None
    result: dict[str, Any]
    error: dict[str, Any] | None
    refs: dict[int, RefFacts]
    #: False when the app passed NULL for the call's ``CFTypeRef *`` result: nothing could come back, so
    #: the null ``result`` says nothing about what the device would have returned.
    result_pointer: bool = True

    @property
    def convention(self) -> str:
        return CALLS[self.call][1]

    @property
    def error_code(self) -> int | None:
        return None if self.error is None else self.error.get("code")


@dataclass(frozen=True)
class Recording:
    source: str
    header: Header
    calls: tuple[Call, ...]


def read_recording(source: str | Path) -> Recording:
    """A recording from a file path, or from its text (a ``str`` whose first character is ``{``).

    Raises:
        InputError: naming the file, the line and what is wrong.
    """
    if isinstance(source, str) and source.lstrip().startswith("{"):
        return parse_recording(source, "<recording text>")
    path = Path(source)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise InputError(str(path), f"cannot read the recording: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise InputError(str(path), f"not UTF-8 text: {error.reason} at byte {error.start}") from None
    return parse_recording(text, str(path))


def parse_recording(text: str, source: str) -> Recording:
    lines = [(number, line) for number, line in enumerate(text.splitlines(), start=1) if line.strip()]
    if not lines:
        raise InputError(source, "is empty: a recording starts with its header line")
    header = _header(_json(lines[0][1], lines[0][0], source), lines[0][0], source)
    calls: list[Call] = []
    for number, line in lines[1:]:
        call = _call(_json(line, number, source), number, source)
        if call.seq != len(calls) + 1:
            raise InputError(f"{source}:{number}", f"seq is {call.seq}, expected {len(calls) + 1} (calls in order)")
        calls.append(call)
    return Recording(source, header, tuple(calls))


def _json(line: str, number: int, source: str) -> dict[str, Any]:
    try:
        value = json.loads(line)
    except json.JSONDecodeError as error:
        raise InputError(f"{source}:{number}", f"not JSON: {error.msg} at column {error.colno}") from None
    except (RecursionError, ValueError) as error:  # nested too deeply; an integer past Python's digit limit
        raise InputError(f"{source}:{number}", f"not JSON keychainsim can read: {error}") from None
    if not isinstance(value, dict):
        raise InputError(f"{source}:{number}", "each line is a JSON object")
    return value


def _fields(raw: dict[str, Any], required: set[str], optional: set[str], where: str) -> None:
    missing = sorted(required - raw.keys())
    if missing:
        raise InputError(where, f"missing {', '.join(missing)}")
    unknown = sorted(raw.keys() - required - optional)
    if unknown:
        raise InputError(where, f"unknown fields {', '.join(unknown)}")


def _header(raw: dict[str, Any], number: int, source: str) -> Header:
    where = f"{source}:{number}"
    if raw.get("format") != FORMAT_NAME:
        raise InputError(
            where, f"not a keychainsim recording: format is {raw.get('format')!r}, expected {FORMAT_NAME!r}"
        )
    version = raw.get("version")
    if type(version) is not int or version < 1:
        raise InputError(where, f"recording version {version!r} is not a positive integer")
    if version > FORMAT_VERSION:
        raise InputError(
            where, f"recording format version {version} is newer than this keychainsim reads ({FORMAT_VERSION})"
        )
    _fields(raw, _HEADER_REQUIRED, _HEADER_OPTIONAL, where)
    if raw["protocol"] != PROTOCOL_VERSION:
        raise InputError(where, f"values of protocol {raw['protocol']!r}; this keychainsim reads {PROTOCOL_VERSION}")
    if raw["platform"] not in ("ios", "macos"):
        raise InputError(where, f"platform {raw['platform']!r} is not 'ios' or 'macos'")
    groups = raw["access_groups"]
    if not isinstance(groups, list) or not all(isinstance(g, str) and g for g in groups):
        raise InputError(where, "access_groups must be an array of non-empty strings")
    if type(raw["secrets"]) is not bool:
        raise InputError(where, "secrets must be true or false")
    default = raw.get("default_access_group")
    if default is not None and (not isinstance(default, str) or not default):
        raise InputError(where, f"default_access_group {default!r} is not a non-empty string")
    device = raw.get("device", {})
    if not isinstance(device, dict) or not all(isinstance(v, str | bool | int) for v in device.values()):
        raise InputError(where, "device must be an object of strings, numbers and booleans")
    initial = raw.get("initial_items")
    if initial is not None and (
        not isinstance(initial, dict)
        or not set(initial) <= set(CLASSES)
        or not all(type(n) is int and n >= 0 for n in initial.values())
    ):
        raise InputError(where, f"initial_items must map classes ({', '.join(CLASSES)}) to counts")
    text = raw.get("source", "")
    return Header(
        raw["platform"],
        tuple(groups),
        raw["secrets"],
        default,
        dict(device),
        None if initial is None else dict(initial),
        text if isinstance(text, str) else "",
    )


def _call(raw: dict[str, Any], number: int, source: str) -> Call:
    where = f"{source}:{number}"
    name = raw.get("call")
    if name not in CALLS:
        shown = f"{name!r}" if isinstance(name, str) else "missing"
        raise InputError(where, f"call {shown} is not one keychainsim replays ({', '.join(CALLS)})")
    arguments, convention = CALLS[name]
    required = {"seq", "call", "args", "result"}
    if convention.startswith("status"):
        required.add("status")
    if convention == "value+error":
        required.add("error")
    _fields(raw, required, {"refs", "result_pointer"}, where)
    seq = raw["seq"]
    if type(seq) is not int:
        raise InputError(where, f"seq {seq!r} is not an integer")
    args = raw["args"]
    if not isinstance(args, dict) or set(args) != set(arguments):
        raise InputError(where, f"{name} args must be exactly {', '.join(arguments)}")
    try:
        for argument, value in args.items():
            values.check(value, f"args.{argument}")
        values.check(raw["result"], "result")
    except WireError as error:
        raise InputError(where, str(error)) from None
    status = raw.get("status")
    if convention.startswith("status") and type(status) is not int:
        raise InputError(where, f"status {status!r} is not an OSStatus number")
    error = raw.get("error")
    if error is not None and (
        not isinstance(error, dict) or type(error.get("code")) is not int or not isinstance(error.get("domain"), str)
    ):
        raise InputError(where, 'error must be null or {"domain": string, "code": int, "description": string}')
    refs = _refs(raw.get("refs", {}), where)
    result_pointer = raw.get("result_pointer", True)
    if type(result_pointer) is not bool:
        raise InputError(where, f"result_pointer {result_pointer!r} is not true or false")
    if not result_pointer and (name not in NULLABLE_RESULT_CALLS or values.kind_of(raw["result"]) != "null"):
        raise InputError(
            where,
            f"result_pointer false is for {' and '.join(NULLABLE_RESULT_CALLS)} only, with a null result "
            "(the app passed nil, so nothing came back)",
        )
    return Call(number, seq, name, args, status, raw["result"], error, refs, result_pointer)


def _refs(raw: Any, where: str) -> dict[int, RefFacts]:
    if not isinstance(raw, dict):
        raise InputError(where, "refs must be an object keyed by handle")
    out: dict[int, RefFacts] = {}
    for key, entry in raw.items():
        if not key.isdigit() or not isinstance(entry, dict) or entry.get("kind") not in REF_KINDS:
            raise InputError(where, f"refs.{key}: expected a handle number and an object with a known kind")
        kind = entry["kind"]
        unknown = set(entry) - {"kind"} - _REF_FIELDS[kind]
        if unknown:
            raise InputError(where, f"refs.{key}: unknown fields {', '.join(sorted(unknown))} for a {kind}")
        facts: dict[str, Any] = {}
        for name, value in entry.items():
            if name == "kind":
                continue
            if name in _BYTES_FIELDS and value is not None:
                try:
                    value = base64.b64decode(value, validate=True)
                except (binascii.Error, ValueError, TypeError):
                    raise InputError(where, f"refs.{key}.{name} is not base64") from None
            facts[name] = value
        if kind == "identity" and not all(type(facts.get(h)) is int for h in ("certificate", "key")):
            raise InputError(where, f"refs.{key}: an identity names the handles of its certificate and key")
        out[int(key)] = RefFacts(int(key), kind, facts)
    return out
