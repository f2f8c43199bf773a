"""The rich view of a dump: a header, one section per class with every attribute of every item, and
the identities drawn as a tree of certificate <-> private key pairs (style-anchors §E).

Nothing here decides anything: visibility, pairing and the reasons come from
:class:`keychainsim.probe.Dump`; this module only lays them out.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from rich.console import Console, ConsoleOptions, RenderableType
from rich.style import Style
from rich.tree import Tree

from keychainsim.probe.names import CLASS_NAMES, CLASS_ORDER, attribute_name, key_noun
from keychainsim.probe.visibility import OTHER_KEYCHAIN
from keychainsim.render.lines import Lines, Span
from keychainsim.render.values import display_value, ordered_keys, quoted, short_hash

if TYPE_CHECKING:
    from keychainsim.probe.device_identities import IdentityComparison
    from keychainsim.probe.dumps import Dump, DumpItem, Pair, Unpaired

HEADER = Style(bold=True)
SECTION = Style(bold=True, color="cyan")
RAW_KEY = Style(color="magenta")
CONSTANT = Style(dim=True)
VISIBLE = Style(color="green")
HIDDEN = Style(bold=True, color="red")
REASON = Style(color="red")
KEYCHAIN_NAMES = {"dp": "data protection keychain", "file": "file-based keychain"}


class DumpView:
    """A rich renderable for a :class:`~keychainsim.probe.Dump`."""

    def __init__(self, dump: Dump) -> None:
        self.dump = dump

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[RenderableType]:
        yield from self.parts(options.max_width)

    def parts(self, width: int) -> Iterator[RenderableType]:
        """The renderables the dump is made of, in order, for a console ``width`` cells wide."""
        yield header(self.dump)
        for item_class in CLASS_ORDER:
            yield class_section(self.dump, item_class, width)
        yield rule(f"idnt · {CLASS_NAMES['idnt']} · cert pkhh = key klbl, key priv = 1", width)
        yield identity_tree(self.dump)
        origin = self.dump.origin
        for comparison in origin.identity_checks if origin is not None else ():
            where = " (file-based keychain)" if comparison.keychain == "file" else ""
            yield rule(f"the device's identities against the model's join{where}", width)
            yield identity_check(comparison)


def header(dump: Dump) -> Lines:
    lines = Lines()
    hidden = sum(1 for i in dump.items if not i.visible and not _only_in_other_keychain(i.hidden))
    elsewhere = sum(1 for i in dump.items if not i.visible and _only_in_other_keychain(i.hidden))
    lines.add((f"keychainsim dump · {dump.platform} · device {dump.device.describe()}", HEADER))
    groups = ", ".join(quoted(g) for g in dump.access_groups) or "none (every call fails with -34018)"
    lines.add(f"this app's access groups: {groups}", hang=26)
    if dump.platform == "macos":
        lines.add("visibility as seen by calls to the data protection keychain (kSecUseDataProtectionKeychain)")
    counted = f"{hidden} hidden from this app"
    if elsewhere:
        counted += f", {elsewhere} in the file-based keychain"
    lines.add(
        f"{_count(len(dump.items), 'item')} ({counted}) · "
        f"{_count(len(dump.pairs), 'identity', 'identities')} · {len(dump.unpaired)} unpaired"
    )
    origin = dump.origin
    if origin is not None:
        described = f" ({origin.description})" if origin.description else ""
        lines.add(f"loaded from {origin.source}{described}", hang=12)
        if origin.classes != CLASS_ORDER:
            lines.add(f"the dump covers only {', '.join(origin.classes)}: other classes were not read")
        for note in origin.notes:
            lines.add(f"note: {note}", hang=6)
    return lines


def identity_check(comparison: IdentityComparison) -> Lines:
    """The device's identity query against the model's on the same items: agreement, or each disagreement."""
    lines = Lines()
    count = len(comparison.device.identities)
    if comparison.agrees:
        lines.add(
            ("✓ the model agrees with the device: ", VISIBLE),
            f"{_count(count, 'identity', 'identities')}, status {comparison.device.status}",
        )
        return lines
    lines.add(("✗ the model disagrees with the device (a fidelity problem; please report it)", HIDDEN))
    for sentence in comparison.disagreements():
        lines.add("  ✗ ", (sentence, REASON), hang=4)
    return lines


def _count(number: int, one: str, many: str = "") -> str:
    return f"{number} {one if number == 1 else (many or one + 's')}"


def rule(title: str, width: int) -> Lines:
    lines = Lines()
    text = f"── {title} "
    lines.add("")
    lines.add((text + "─" * max(width - len(text), 2), SECTION), hang=3)
    return lines


def class_section(dump: Dump, item_class: str, width: int) -> Lines:
    items = dump.by_class(item_class)
    count = _count(len(items), "item") if items else "no items"
    lines = rule(f"{item_class} · {CLASS_NAMES[item_class]} · {count}", width)
    if not items:
        return lines
    keys = {k for i in items for k in i.attrs}
    key_width = max((len(k) for k in keys), default=4)
    names = {k: attribute_name(item_class, k) or "" for k in keys}
    name_width = max((len(n) for n in names.values()), default=0)
    hang = 2 + key_width + 2 + name_width + 2
    columns = {
        k: [
            ("  ", None),
            (k.ljust(key_width), RAW_KEY),
            ("  ", None),
            (names[k].ljust(name_width), CONSTANT),
            ("  ", None),
        ]
        for k in keys
    }
    for entry in items:
        item_lines(lines, entry, columns, hang)
    return lines


OUTSIDE_DP = "not seen by data protection calls"
"""A macOS file-keychain item the app reads with calls that leave out kSecUseDataProtectionKeychain: the
dump's visibility is that of data protection calls, so "hidden from this app" would say more than is true."""


def _only_in_other_keychain(reasons: Any) -> bool:
    return bool(reasons) and all(reason.code == OTHER_KEYCHAIN for reason in reasons)


def item_lines(lines: Lines, entry: DumpItem, columns: dict[str, list[Span]], hang: int) -> None:
    """An item's heading and one line per attribute; ``columns`` holds each attribute's first columns
    (its raw key and constant name, padded), the same for every item of the class."""
    where = f"row {entry.rowid} · {entry.keychain} · "
    if entry.visible:
        lines.add(where, ("visible to this app", VISIBLE))
    else:
        word = OUTSIDE_DP if _only_in_other_keychain(entry.hidden) else "hidden from this app"
        lines.add(where, (word, HIDDEN))
        for reason in entry.hidden:
            lines.add("  ✗ ", (f"{reason.code}: {reason.message}", REASON), hang=4)
    item_class = entry.item_class
    attrs = dict(entry.item.items())
    for key in ordered_keys(item_class, attrs):
        lines.add_spans([*columns[key], (display_value(item_class, key, attrs[key]), None)], hang)


def _mention(entry: DumpItem) -> str:
    """What a person recognises an item by in the tree: its label and tag."""
    parts = []
    for key in ("labl", "atag"):
        if entry.attrs.get(key) not in (None, "", b""):
            parts.append(f"{key} {display_value(entry.item_class, key, entry.attrs[key])}")
    return (" · " + " · ".join(parts)) if parts else ""


def _hidden_halves(pair: Pair) -> str:
    parts = []
    for name, half in (("certificate", pair.certificate), ("key", pair.key)):
        if not half.visible:
            parts.append(f"{name} row {half.rowid}: {', '.join(h.code for h in half.hidden)}")
    return "; ".join(parts)


def identity_tree(dump: Dump) -> Any:
    if not dump.pairs and not dump.unpaired:
        lines = Lines()
        lines.add("no certificates or private keys")
        return lines
    tree = Tree(("identities"), guide_style=Style(dim=True))
    for pair in dump.pairs:
        status = "visible to this app" if pair.visible else f"hidden from this app ({_hidden_halves(pair)})"
        key = key_noun(pair.key.attrs.get("kcls"))
        node = tree.add(
            f"identity: certificate row {pair.certificate.rowid} ↔ {key} row {pair.key.rowid} · "
            f"{pair.keychain} · {status}",
            style=HIDDEN if pair.key_is_public or not pair.visible else VISIBLE,
        )
        node.add(f"certificate row {pair.certificate.rowid}{_mention(pair.certificate)}")
        node.add(f"{key} row {pair.key.rowid}{_mention(pair.key)}")
        node.add(f"pkhh = klbl = {pair.hash.hex()} ✓")
        if pair.key_is_public:
            node.add(
                "✗ identity.key_is_public: the join tests priv (1 here), not kcls, so this identity forms with a "
                "public key and cannot sign",
                style=REASON,
            )
    for unpaired in dump.unpaired:
        tree.add(_unpaired_node(unpaired))
    return tree


def _unpaired_node(unpaired: Unpaired) -> Tree:
    entry = unpaired.item
    if unpaired.kind == "certificate":
        title = f"unpaired certificate row {entry.rowid}{_mention(entry)} · pkhh {short_hash(unpaired.hash)}"
        missing = "✗ no private key in the same keychain has klbl = this pkhh and priv = 1"
    else:
        noun = key_noun(entry.attrs.get("kcls"))
        title = f"unpaired {noun} row {entry.rowid}{_mention(entry)} · klbl {short_hash(unpaired.hash)}"
        missing = "✗ no certificate in the same keychain has pkhh = this klbl"
    node = Tree(title, style=HIDDEN)
    node.add(missing, style=REASON)
    for near in unpaired.near:
        node.add(f"row {near.item.rowid} shares the hash but does not pair: {near.why}")
    return node
