"""The dump JSON document (format ``keychainsim-dump``, version 1): writing it and checking it on the way in.

The layout is documented in ``keychainsim/probe/FORMAT.md``; ``probes/device/KeychainDump.swift`` writes
the same document on a device. Output is deterministic (sorted keys, two-space indent, items in row
order) so that dump -> load -> dump gives identical text and dumps diff cleanly in review.

Reading is strict (style-anchors rule 6): anything the writer would not produce is an
:class:`~keychainsim.errors.InputError` naming the source, the item and the field, never a silent skip,
because a skipped attribute is how a loaded keychain stops reproducing the device's -25300.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from keychainsim.errors import InputError
from keychainsim.model.item import DP, FILE, Item
from keychainsim.model.reject import Reject
from keychainsim.probe.jsontext import dumps
from keychainsim.probe.names import CLASS_NAMES, CLASS_ORDER
from keychainsim.probe.values import (
    SECRET_KEYS,
    BadValue,
    EncodedAttributes,
    EncodedItem,
    decode_value,
    encode_secret,
    encode_value,
)
from keychainsim.probe.visibility import REASON_CODES, Device

if TYPE_CHECKING:
    from keychainsim.probe.device_identities import DeviceIdentities

FORMAT_NAME = "keychainsim-dump"
FORMAT_VERSION = 1

_TOP_FIELDS = {"format", "version", "platform", "access_groups", "device", "items"}
_TOP_OPTIONAL = {
    "identities",
    "source",
    "statuses",
    "default_access_group",
    "classes",
    "device_identities",
    "identity_check",
    "file_identities",
    "file_identity_check",
}
_ITEM_FIELDS = {"rowid", "keychain", "class", "attributes"}
_ITEM_OPTIONAL = {"visible", "hidden_because", "ref"}
_DEVICE_FIELDS = {"unlocked", "unlocked_since_boot", "passcode_set"}


def to_json(document: dict[str, Any]) -> str:
    """Deterministic JSON text: sorted keys, indent 2, non-ASCII kept, trailing newline."""
    return dumps(document) + "\n"


def item_attributes(item: Item, secrets: str = "omit") -> dict[str, Any]:
    """An item's attributes as typed JSON objects.

    ``secrets``: ``"omit"`` leaves secret data out (as a device's kSecReturnAttributes does),
    ``"include"`` writes it, ``"summarise"`` writes its length and fingerprint only (traces).
    """
    out: dict[str, Any] = {}
    item_class = item.item_class
    secret = SECRET_KEYS.get(item_class, frozenset())
    for key, value in item.items():
        if key in secret:
            if secrets == "omit":
                continue
            if secrets == "summarise":
                out[key] = encode_secret(item_class, key, value)
                continue
        out[key] = encode_value(item_class, key, value)
    return out


def item_document(item: Item, secrets: str = "omit") -> dict[str, Any]:
    return {"attributes": item_attributes(item, secrets), **_identity_fields(item)}


def _identity_fields(item: Item) -> dict[str, Any]:
    return {"class": item.item_class, "keychain": item.keychain, "rowid": item.rowid}


def dump_document(dump: Any, secrets: bool = False, for_text: bool = False) -> dict[str, Any]:
    """The JSON document for ``dump``, a :class:`~keychainsim.probe.dumps.Dump` (FORMAT.md; named here by its
    use only, since the dump module serializes through this one). ``for_text``: for :func:`to_json` only, each item is
    left for it to write (:class:`EncodedItem`, :class:`EncodedAttributes`: the same text, each repeated
    value encoded once)."""
    items: list[Any] = []
    texts: dict[tuple[Any, ...], str] = {}
    for entry in dump.items:
        item = entry.item
        hidden_because = [h.to_dict() for h in entry.hidden]
        if for_text:
            withheld = () if secrets else SECRET_KEYS.get(item.item_class, frozenset())
            values = {k: v for k, v in item.items() if k not in withheld}
            attributes = EncodedAttributes(item.item_class, values, texts)
            items.append(
                EncodedItem(attributes, item.item_class, hidden_because, item.keychain, item.rowid, entry.visible)
            )
        else:
            doc = item_document(item, "include" if secrets else "omit")
            doc["visible"] = entry.visible
            doc["hidden_because"] = hidden_because
            items.append(doc)
    document: dict[str, Any] = {
        "access_groups": list(dump.access_groups),
        "device": dump.device.to_dict(),
        "format": FORMAT_NAME,
        "identities": {
            "pairs": [
                {
                    "certificate": p.certificate.rowid,
                    "hash": p.hash.hex(),
                    "key": p.key.rowid,
                    "key_is_public": p.key_is_public,
                    "keychain": p.keychain,
                    "visible": p.visible,
                }
                for p in dump.pairs
            ],
            "unpaired": [
                {
                    "hash": u.hash.hex(),
                    "kind": u.kind,
                    "near": [{"rowid": n.item.rowid, "why": n.why} for n in u.near],
                    "rowid": u.item.rowid,
                }
                for u in dump.unpaired
            ],
        },
        "items": items,
        "platform": dump.platform,
        "version": FORMAT_VERSION,
    }
    origin = dump.origin
    if origin is not None:
        # What a device dump said beyond its items is kept, so dump -> load -> dump keeps it.
        if origin.default_access_group is not None:
            document["default_access_group"] = origin.default_access_group
        if origin.classes != CLASS_ORDER:
            document["classes"] = list(origin.classes)
        kept = (
            ("device_identities", "identity_check", origin.identities),
            ("file_identities", "file_identity_check", origin.file_identities),
        )
        for field, derived, comparison in kept:
            if comparison is not None:
                document[field] = comparison.device.to_dict()
                check = comparison.to_dict()
                document[derived] = {k: check[k] for k in ("agrees", "disagreements", "model")}
    return document


@dataclass(frozen=True)
class LoadedDump:
    """What a dump document holds that a keychain needs: the derived fields are recomputed, not read."""

    platform: str
    access_groups: tuple[str, ...]
    device: Device
    items: tuple[Item, ...]
    default_access_group: str | None = None
    """Where the device put an item added without kSecAttrAccessGroup (device probe only)."""
    classes: tuple[str, ...] = ("genp", "inet", "cert", "keys")
    """The classes the dump covers (a device dump may be limited to keys and certificates)."""
    device_identities: DeviceIdentities | None = None
    """The device's own answer to the identity query (device probe only)."""
    file_identities: DeviceIdentities | None = None
    """The same in a Mac's file-based keychain (a device probe that read that keychain)."""
    description: str = ""
    """The document's ``source`` text (where it was written)."""


def parse_document(text: str, source: str) -> LoadedDump:
    """Check and decode a dump document.

    Raises:
        InputError: naming ``source`` and what is wrong (not JSON, another format, a newer version, a
            missing or unknown field, a value the schema refuses).
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(source, f"not JSON: {error.msg} at line {error.lineno} column {error.colno}") from None
    except (RecursionError, ValueError) as error:  # nested too deeply; an integer past Python's digit limit
        raise InputError(source, f"not JSON keychainsim can read: {error}") from None
    if not isinstance(data, dict):
        raise InputError(source, f"not a keychainsim dump: the top level is {_what(data)}, expected an object")
    if data.get("format") != FORMAT_NAME:
        raise InputError(source, f"not a keychainsim dump: format is {data.get('format')!r}, expected {FORMAT_NAME!r}")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise InputError(source, f"dump version {version!r} is not a positive integer")
    if version > FORMAT_VERSION:
        raise InputError(
            source,
            f"dump format version {version} is newer than this keychainsim reads ({FORMAT_VERSION}); "
            "upgrade keychainsim",
        )
    _check_fields(data, _TOP_FIELDS, _TOP_OPTIONAL, "the document", source)
    platform = data["platform"]
    if platform not in ("ios", "macos"):
        raise InputError(source, f"platform {platform!r} is not 'ios' or 'macos'")
    groups = data["access_groups"]
    if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
        raise InputError(source, "access_groups must be an array of strings")
    device = _device(data["device"], source)
    raw_items = data["items"]
    if not isinstance(raw_items, list):
        raise InputError(source, f"items is {_what(raw_items)}, expected an array")
    items: list[Item] = []
    seen: set[int] = set()
    for index, raw in enumerate(raw_items):
        item = _item(raw, f"items[{index}]", platform, source)
        if item.rowid in seen:
            raise InputError(source, f"items[{index}]: rowid {item.rowid} appears twice")
        seen.add(item.rowid)
        items.append(item)
    default = data.get("default_access_group")
    if default is not None and (not isinstance(default, str) or not default):
        raise InputError(source, f"default_access_group {default!r} is not a non-empty string")
    classes = data.get("classes", list(CLASS_ORDER))
    if not isinstance(classes, list) or not classes or any(c not in CLASS_ORDER for c in classes):
        raise InputError(source, f"classes must be a non-empty array of {', '.join(CLASS_ORDER)}")
    for item in items:
        if item.item_class not in classes:
            raise InputError(source, f"row {item.rowid} is a {item.item_class} item, but classes lists {classes}")
    from keychainsim.probe.device_identities import parse

    identities = file_identities = None
    by_rowid = {i.rowid: i for i in items}
    if data.get("device_identities") is not None:
        identities = parse(data["device_identities"], by_rowid, source)
    if data.get("file_identities") is not None:
        if platform != "macos":
            raise InputError(source, "file_identities is for a Mac's file-based keychain; this dump's platform is ios")
        file_identities = parse(data["file_identities"], by_rowid, source, keychain="file")
    text = data.get("source", "")
    return LoadedDump(
        platform,
        tuple(groups),
        device,
        tuple(items),
        default_access_group=default,
        classes=tuple(classes),
        device_identities=identities,
        file_identities=file_identities,
        description=text if isinstance(text, str) else "",
    )


def _device(raw: Any, source: str) -> Device:
    if not isinstance(raw, dict):
        raise InputError(source, f"device is {_what(raw)}, expected an object")
    _check_fields(raw, _DEVICE_FIELDS, set(), "device", source)
    for name in sorted(_DEVICE_FIELDS):
        if not isinstance(raw[name], bool):
            raise InputError(source, f"device.{name} is {raw[name]!r}, expected true or false")
    return Device(raw["unlocked"], raw["unlocked_since_boot"], raw["passcode_set"])


def _item(raw: Any, where: str, platform: str, source: str) -> Item:
    from keychainsim.model.values import coerce
    from keychainsim.schema import CLASSES

    if not isinstance(raw, dict):
        raise InputError(source, f"{where} is {_what(raw)}, expected an object")
    _check_fields(raw, _ITEM_FIELDS, _ITEM_OPTIONAL, where, source)
    rowid = raw["rowid"]
    if not isinstance(rowid, int) or isinstance(rowid, bool) or rowid < 1:
        raise InputError(source, f"{where}: rowid {rowid!r} is not a positive integer")
    where = f"{where} (rowid {rowid})"
    item_class = raw["class"]
    if item_class not in CLASSES:
        stored = ", ".join(k for k in CLASS_NAMES if k in CLASSES)
        raise InputError(source, f"{where}: class {item_class!r} is not a stored class ({stored})")
    keychain = raw["keychain"]
    if keychain not in (DP, FILE):
        raise InputError(source, f"{where}: keychain {keychain!r} is not 'dp' or 'file'")
    if keychain == FILE and platform != "macos":
        raise InputError(source, f"{where}: a file-based keychain item in an {platform} dump (macOS only)")
    hidden = raw.get("hidden_because", [])
    if not isinstance(hidden, list) or any(
        not isinstance(h, dict) or h.get("code") not in REASON_CODES for h in hidden
    ):
        raise InputError(source, f"{where}: hidden_because must be a list of {{code, message}} with known codes")
    attributes = raw["attributes"]
    if not isinstance(attributes, dict):
        raise InputError(source, f"{where}: attributes is {_what(attributes)}, expected an object")
    schema = CLASSES[item_class]
    attrs: dict[str, Any] = {}
    for key, entry in attributes.items():
        attr = schema.by_key.get(key)
        if attr is None:
            raise InputError(source, f"{where}: {key!r} is not an attribute of class {item_class}")
        try:
            value = decode_value(entry)
        except BadValue as error:
            raise InputError(source, f"{where}.attributes.{key}: {error}") from None
        try:
            attrs[key] = coerce(attr, value)
        except Reject as refused:
            raise InputError(source, f"{where}.attributes.{key}: {refused.reason}") from None
    return Item(rowid, item_class, keychain, attrs)


def _check_fields(raw: dict[str, Any], required: set[str], optional: set[str], where: str, source: str) -> None:
    missing = sorted(required - raw.keys())
    if missing:
        raise InputError(source, f"{where}: missing {', '.join(missing)}")
    unknown = sorted(raw.keys() - required - optional)
    if unknown:
        raise InputError(source, f"{where}: unknown fields {', '.join(unknown)}")


def _what(value: Any) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "a number"
    return names.get(type(value), type(value).__name__)
