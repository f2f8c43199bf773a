"""A dump as a developer sees it on a device: SecItemCopyMatching results printed by Foundation.

DTS's probe runs one SecItemCopyMatching per class with kSecMatchLimitAll, kSecReturnAttributes and
kSecReturnRef and prints each result (pitfalls catalog §1.1-§1.2; §1.3 adds kSecAttrSynchronizableAny
and, on macOS, one pass per keychain). This module prints what those queries would return here, in
NSArray/NSDictionary description style (iOS 13+ data form ``{length = 20, bytes = 0x...}``, keys
sorted, strings quoted unless alphanumeric), followed by a comment naming the items the probe could not
see. References are left out: on a device they print only a memory address. Unlike Foundation, a string
longer than ``LONG_VALUE`` is shortened to its start, length and fingerprint, as in the text dump.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from keychainsim.engine.identity import IdentityResultRow, IdentityRow
from keychainsim.engine.results import attributes_for_copy
from keychainsim.model.access_control import SecAccessControl
from keychainsim.probe.names import CLASS_ORDER
from keychainsim.probe.visibility import LOCKED, SYNCHRONIZABLE
from keychainsim.render.values import LONG_VALUE, long_text

if TYPE_CHECKING:
    from keychainsim.probe.dumps import Dump, DumpItem

_BARE = re.compile(r"[A-Za-z0-9]+")
SHORT_DATA = 24
"""Foundation prints data up to this length in full and longer data with its middle elided."""


def plain_dump(dump: Dump) -> str:
    """The per-class probe output, for each keychain of the platform (data protection first)."""
    out: list[str] = []
    stores = ("dp", "file") if dump.platform == "macos" else ("dp",)
    for store in stores:
        if dump.platform == "macos":
            flag = "true" if store == "dp" else "false"
            out.append(f"// kSecUseDataProtectionKeychain = {flag}")
        for item_class in (*CLASS_ORDER, "idnt"):
            out.extend(_class_block(dump, item_class, store))
    return "\n".join(out) + "\n"


def _probe_sees(entry: DumpItem, store: str) -> bool:
    """Returned by the probe query (sync = any, this keychain): hidden only by reasons it lifts."""
    if entry.keychain != store:
        return False
    if store == "file":
        return True
    return all(h.code in (SYNCHRONIZABLE, LOCKED) for h in entry.hidden)


def _class_block(dump: Dump, item_class: str, store: str) -> list[str]:
    title = f"SecItemCopyMatching(class = {item_class})"
    if item_class == "idnt":
        pairs = [p for p in dump.pairs if p.keychain == store]
        # One pass each (membership in a list of dataclasses would compare field by field: quadratic).
        sees = [_probe_sees(p.certificate, store) and _probe_sees(p.key, store) for p in pairs]
        seen = [p for p, visible in zip(pairs, sees, strict=True) if visible]
        locked = any(LOCKED in {h.code for h in p.certificate.hidden + p.key.hidden} for p in seen)
        dicts = [IdentityResultRow(IdentityRow(p.certificate.item, p.key.item)).attributes() for p in seen]
        unseen = [
            f"identity cert row {p.certificate.rowid} + key row {p.key.rowid}"
            for p, visible in zip(pairs, sees, strict=True)
            if not visible
        ]
        return _result_lines(title, item_class, dicts, locked, unseen)
    entries = [e for e in dump.by_class(item_class) if e.keychain == store]
    item_sees = [_probe_sees(e, store) for e in entries]
    seen_items = [e for e, visible in zip(entries, item_sees, strict=True) if visible]
    locked = any(LOCKED in {h.code for h in e.hidden} for e in seen_items)
    dicts = [attributes_for_copy(e.item) for e in seen_items]
    unseen = [
        f"row {e.rowid} ({', '.join(h.code for h in e.hidden)})"
        for e, visible in zip(entries, item_sees, strict=True)
        if not visible
    ]
    return _result_lines(title, item_class, dicts, locked, unseen)


def _result_lines(
    title: str, item_class: str, dicts: list[dict[str, Any]], locked: bool, unseen: list[str]
) -> list[str]:
    if locked:
        lines = [f"{title}: errSecInteractionNotAllowed (-25308)"]
    elif not dicts:
        lines = [f"{title}: errSecItemNotFound (-25300)"]
    else:
        lines = [f"{title}: errSecSuccess (0)", "("]
        for index, attributes in enumerate(dicts):
            lines.extend(_dictionary({"class": item_class, **attributes}, last=index == len(dicts) - 1))
        lines.append(")")
    if unseen:
        lines.append(f"// not returned to this app: {'; '.join(unseen)}")
    return lines


def _dictionary(attributes: dict[str, Any], last: bool) -> list[str]:
    # Foundation indents a dictionary inside an array by 8 and closes it at 4: reproduced as is.
    lines = ["        {"]
    for key in sorted(attributes):
        lines.append(f"        {_string(key)} = {_value(attributes[key])};")
    lines.append("    }" if last else "    },")
    return lines


def _string(text: str) -> str:
    if _BARE.fullmatch(text):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return _string(value) if len(value) <= LONG_VALUE else long_text(value)
    if isinstance(value, bytes):
        return _data(value)
    if isinstance(value, datetime):
        return '"' + value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S +0000") + '"'
    if isinstance(value, SecAccessControl):
        flags = f";flags({value.flags:#x})" if value.flags else ""
        return f'"<SecAccessControlRef: {value.protection}{flags}>"'
    return _string(repr(value))


def _data(data: bytes) -> str:
    if len(data) <= SHORT_DATA:
        return f"{{length = {len(data)}, bytes = 0x{data.hex()}}}"
    head, tail = data[:8].hex(), data[-8:].hex()
    return f"{{length = {len(data)}, bytes = 0x{head} ... {tail}}}"
