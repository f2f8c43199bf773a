"""dump(kc): every item of every class, whether this app can see it, and how identities pair up.

A :class:`Dump` is the data, and its versioned JSON document (:mod:`keychainsim.probe.document`) the data
in a file; laying it out as text is :mod:`keychainsim.render`'s work, and ``dump(kc)`` in its formats is
:mod:`keychainsim.readable`'s, so the same facts feed every format and this package imports no renderer.
Identities are not stored (pitfalls catalog R6): they are drawn from the engine's own join of
certificates and private keys on ``cert.pkhh = key.klbl`` with ``key.priv = 1``, and every certificate or
private key left out of that join is listed with the items that share its hash but do not pair.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from keychainsim.model.item import FILE, Item
from keychainsim.probe.names import CLASS_ORDER, key_noun
from keychainsim.probe.visibility import Device, Hidden, hidden_reasons

if TYPE_CHECKING:
    from keychainsim.keychain import Keychain
    from keychainsim.probe.load import DumpOrigin


@dataclass(frozen=True)
class DumpItem:
    """One stored item and the reasons (if any) the calling app cannot see it."""

    item: Item
    hidden: tuple[Hidden, ...] = ()

    @property
    def rowid(self) -> int:
        return self.item.rowid

    @property
    def item_class(self) -> str:
        return self.item.item_class

    @property
    def keychain(self) -> str:
        return self.item.keychain

    @property
    def attrs(self) -> Mapping[str, Any]:
        return self.item.attrs

    @property
    def visible(self) -> bool:
        return not self.hidden

    def __rich_repr__(self) -> Any:
        yield "rowid", self.rowid
        yield "class", self.item_class
        yield "keychain", self.keychain
        yield "visible", self.visible


@dataclass(frozen=True)
class Pair:
    """An identity: a certificate and the private key whose ``klbl`` equals the certificate's ``pkhh``."""

    certificate: DumpItem
    key: DumpItem

    @property
    def hash(self) -> bytes:
        """The joining hash (the certificate's ``pkhh``, equal to the key's ``klbl``)."""
        value = self.certificate.attrs.get("pkhh", b"")
        return value if isinstance(value, bytes) else bytes(str(value), "utf-8")

    @property
    def keychain(self) -> str:
        return self.certificate.keychain

    @property
    def key_is_public(self) -> bool:
        """The joined key is a public key (kcls 0) stored through a SecKeyRef (priv 1): the identity forms
        but cannot sign (``identity.key_is_public``)."""
        return self.key.attrs.get("kcls") in (0, "0")

    @property
    def visible(self) -> bool:
        """An identity is returned only when both halves are (R6: agrp must hold for both)."""
        return self.certificate.visible and self.key.visible


@dataclass(frozen=True)
class Near:
    """An item that shares the joining hash with an unpaired item but does not pair with it, and why."""

    item: DumpItem
    why: str


@dataclass(frozen=True)
class Unpaired:
    """A certificate with no private key, or a private key with no certificate."""

    item: DumpItem
    kind: str
    """``"certificate"``, or the key's class: ``"private_key"``, ``"public_key"`` (kcls 0 with priv 1, which
    the join would take) or ``"key"`` (kcls unset or symmetric)."""
    near: tuple[Near, ...] = ()

    @property
    def hash(self) -> bytes:
        value = self.item.attrs.get("pkhh" if self.kind == "certificate" else "klbl", b"")
        return value if isinstance(value, bytes) else bytes(str(value), "utf-8")


@dataclass(frozen=True)
class Dump:
    """A keychain as one app sees it: platform, entitlements, lock state, items and identities."""

    platform: str
    access_groups: tuple[str, ...]
    device: Device
    items: tuple[DumpItem, ...]
    pairs: tuple[Pair, ...] = ()
    unpaired: tuple[Unpaired, ...] = ()
    origin: DumpOrigin | None = None
    """For a keychain loaded from a dump: the file, the device's identities against the model's join."""

    @classmethod
    def of(cls, kc: Keychain) -> Dump:
        """Read ``kc`` (one store transaction) and work out visibility and identities."""
        from keychainsim.probe.load import dump_origin

        contents = kc.export_contents()
        state = contents.device
        device = Device(state.unlocked, state.unlocked_since_boot, state.passcode_set)
        groups = tuple(kc.caller.access_groups)
        by_row = {
            item.rowid: DumpItem(item, hidden_reasons(item, groups, device, kc.platform)) for item in contents.items
        }
        pairs = tuple(Pair(by_row[cert.rowid], by_row[key.rowid]) for cert, key in contents.identities)
        return cls(
            platform=kc.platform,
            access_groups=groups,
            device=device,
            items=tuple(by_row.values()),
            pairs=pairs,
            unpaired=_unpaired(tuple(by_row.values()), pairs),
            origin=dump_origin(kc),
        )

    def by_class(self, item_class: str) -> tuple[DumpItem, ...]:
        return tuple(i for i in self.items if i.item_class == item_class)

    def item(self, rowid: int) -> DumpItem | None:
        for candidate in self.items:
            if candidate.rowid == rowid:
                return candidate
        return None

    @property
    def classes(self) -> tuple[str, ...]:
        return CLASS_ORDER

    def to_dict(self, secrets: bool = False) -> dict[str, Any]:
        """The versioned JSON document (FORMAT.md); secret data only when ``secrets`` is true."""
        from keychainsim.probe.document import dump_document

        return dump_document(self, secrets=secrets)

    def to_json(self, secrets: bool = False) -> str:
        from keychainsim.probe.document import dump_document, to_json

        return to_json(dump_document(self, secrets=secrets, for_text=True))


def _is_private_key(item: Item) -> bool:
    """A key the identity join could take (priv 1) or that is a private key (kcls 1)."""
    return item.item_class == "keys" and (item.get("priv") == 1 or item.get("kcls") == 1)


def _key_kind(item: Item) -> str:
    return key_noun(item.get("kcls")).replace("symmetric key", "key").replace(" ", "_")


def _unpaired(items: tuple[DumpItem, ...], pairs: tuple[Pair, ...]) -> tuple[Unpaired, ...]:
    """Certificates and private keys outside every pair, each with the near misses that share its hash."""
    paired = {p.certificate.rowid for p in pairs} | {p.key.rowid for p in pairs}
    keys_by_label: dict[Any, list[DumpItem]] = {}
    certs_by_hash: dict[Any, list[DumpItem]] = {}
    for entry in items:
        if entry.item_class == "keys" and entry.item.key_of("klbl") is not None:
            keys_by_label.setdefault(entry.item.key_of("klbl"), []).append(entry)
        elif entry.item_class == "cert" and entry.item.key_of("pkhh") is not None:
            certs_by_hash.setdefault(entry.item.key_of("pkhh"), []).append(entry)
    out: list[Unpaired] = []
    for entry in items:
        if entry.rowid in paired:
            continue
        if entry.item_class == "cert":
            near = tuple(
                Near(key, _why_key_does_not_pair(entry, key))
                for key in keys_by_label.get(entry.item.key_of("pkhh"), ())
            )
            out.append(Unpaired(entry, "certificate", near))
        elif _is_private_key(entry.item):
            near = tuple(
                Near(cert, _why_key_does_not_pair(cert, entry))
                for cert in certs_by_hash.get(entry.item.key_of("klbl"), ())
            )
            out.append(Unpaired(entry, _key_kind(entry.item), near))
    return tuple(out)


def _why_key_does_not_pair(cert: DumpItem, key: DumpItem) -> str:
    """The join condition a (certificate, key) sharing the hash fails: another keychain, or priv != 1."""
    if cert.keychain != key.keychain:
        where = _keychain_name(cert.keychain), _keychain_name(key.keychain)
        return f"the certificate is in the {where[0]}, the key in the {where[1]}"
    priv = key.attrs.get("priv")
    kcls = key.attrs.get("kcls")
    if key.keychain == FILE:
        # IdentityCursor.cpp: the file-based keychain pairs the private key records (kcls 1) alone.
        return f"key row {key.rowid} is not a private key (kcls {kcls}); the file-based keychain pairs private keys"
    if kcls == 0:
        return (
            f"key row {key.rowid} is a public key (kcls 0) with priv {priv} (kSecAttrIsPrivate), "
            "and the join requires priv = 1"
        )
    return f"key row {key.rowid} has priv {priv} (kSecAttrIsPrivate), and the join requires priv = 1"


def _keychain_name(keychain: str) -> str:
    return "file-based keychain" if keychain == "file" else "data protection keychain"
