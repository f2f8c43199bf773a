"""The identity class: never stored, synthesized by joining certificates and keys (§H).

``SecItemDb.c: s3dl_create_select_sql()`` joins ``keys.priv = 1 AND cert.pkhh = keys.klbl`` (the
``priv`` attribute, not ``kcls``), with the certificate inside the caller's groups. The outer WHERE
clause then resolves each query attribute against the joined columns: the certificate's ``labl``,
``issr``, ``slnr``, ``skid`` and ``tkid``; the key's columns for everything else, including the shared
names ``agrp``, ``pdmn``, ``sync`` and ``mdat`` (§H.2).

The macOS file-based keychain joins the same way but names its private keys by their record type: its
identity search (``OSX/libsecurity_keychain/lib/IdentityCursor.cpp``) walks the
``CSSM_DL_DB_RECORD_PRIVATE_KEY`` records, the keys whose class (``kcls``) is private, and finds the
certificates whose public key hash is the key's label. A file-based key's attribute dictionary has no
``kSecAttrIsPrivate`` at all, so a key read back from a Mac carries its class and not ``priv``.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator
from typing import Any

from keychainsim.engine.database import Database
from keychainsim.engine.results import (
    ResultRow,
    attributes_for_copy,
    item_data,
    persistent_ref,
    with_token_access_control,
)
from keychainsim.model import token_items
from keychainsim.model.item import DP, FILE, Item
from keychainsim.model.reject import Reject
from keychainsim.status import OSStatus

PRIVATE_KEY_COLUMN = {DP: "priv", FILE: "kcls"}
"""The key column that is 1 for a key the join pairs, per keychain (module docstring)."""

CERTIFICATE_SIDE = frozenset({"labl", "issr", "slnr", "skid", "tkid"})
"""Columns the join exposes from the certificate (test: si-42-identity.m, find by label and by issuer)."""

NO_COLUMN = frozenset({"pkhh", "subj", "ctyp", "cenc"})
"""Certificate attributes the joined sub-select does not expose: naming one is an SQL error, which the
client reports as errSecNotAvailable (§H.2; inferred, reference open question Q.4)."""


class IdentityRow:
    """A certificate and the private key it pairs with, as the matcher and the result builder see it."""

    __slots__ = ("certificate", "key")

    def __init__(self, certificate: Item, key: Item) -> None:
        self.certificate = certificate
        self.key = key

    item_class = "idnt"

    def term_item(self, key: str) -> Item:
        return self.certificate if key in CERTIFICATE_SIDE else self.key

    @property
    def group_items(self) -> tuple[Item, Item]:
        return (self.certificate, self.key)

    @property
    def state_item(self) -> Item:
        return self.key

    @property
    def ref_item(self) -> Item:
        return self.certificate

    @property
    def pdmn_items(self) -> tuple[Item, Item]:
        return (self.certificate, self.key)


def check_identity_query(attrs: dict[str, Any]) -> None:
    bad = sorted(NO_COLUMN & attrs.keys())
    if bad:
        raise Reject(
            OSStatus.errSecNotAvailable,
            f"an identity query cannot filter on {', '.join(bad)}: the joined table has no such column "
            "(Apple's SQL fails and the client reports errSecNotAvailable)",
            key=bad[0],
        )


def join(db: Database, keychain: str, terms: Iterable[tuple[str, Hashable]] = ()) -> Iterator[IdentityRow]:
    """The (certificate, private key) pairs that can satisfy ``terms``, key by key in rowid order.

    As SQLite plans the join: the caller's terms narrow each side through its indexes (certificate
    columns such as the label, issuer or serial; key columns such as the application label or tag), and
    the narrower side is joined to the other through the index on the join column (``keys.klbl`` or
    ``cert.pkhh``). With no indexed term on either side, every private key is joined to its certificates.
    Narrowing only leaves out pairs the matcher would reject; the verdict stays the matcher's.
    """
    cert_terms = [(k, v) for k, v in terms if k in CERTIFICATE_SIDE]
    key_terms = [(k, v) for k, v in terms if k not in CERTIFICATE_SIDE]
    certs = db.narrowed(keychain, "cert", cert_terms)
    keys = db.narrowed(keychain, "keys", key_terms)
    if certs is None and keys is None:
        yield from _join_every_key(db, keychain)
        return
    pairs: list[IdentityRow] = []
    if keys is None or (certs is not None and len(certs) <= len(keys)):
        for cert in certs or ():
            label = cert.key_of("pkhh")
            if label is not None:
                pairs.extend(IdentityRow(cert, key) for key in db.lookup(keychain, "keys", "klbl", label) or ())
    else:
        for key in keys:
            label = key.key_of("klbl")
            if label is not None:
                pairs.extend(IdentityRow(cert, key) for cert in db.lookup(keychain, "cert", "pkhh", label) or ())
    private = PRIVATE_KEY_COLUMN[keychain]
    pairs = [p for p in pairs if p.key.get(private) == 1]
    if len(pairs) > 1:
        pairs.sort(key=lambda p: (p.key.rowid, p.certificate.rowid))
    yield from pairs


def _join_every_key(db: Database, keychain: str) -> Iterator[IdentityRow]:
    """Every private key joined to the certificates of its public key hash (the join without narrowing)."""
    keys = db.table(keychain, "keys")
    db.examined += len(keys)
    private = PRIVATE_KEY_COLUMN[keychain]
    for key in keys.values():
        if key.get(private) != 1:
            continue
        label = key.key_of("klbl")
        if label is None:
            continue
        for cert in db.lookup(keychain, "cert", "pkhh", label) or ():
            yield IdentityRow(cert, key)


class IdentityResultRow(ResultRow):
    """Result parts of an identity (§H.4): the key's attributes overlaid by the certificate's, the key's
    data, a SecIdentity, and a persistent ref naming the certificate."""

    def __init__(self, row: IdentityRow) -> None:
        super().__init__(row.key)
        self.row = row

    @property
    def item_class(self) -> str:
        return "idnt"

    def attributes(self, for_add: bool = False, with_secret_parts: bool = False) -> dict[str, Any]:
        out = with_token_access_control(attributes_for_copy(self.row.key), self.row.key)
        cert_attrs = attributes_for_copy(self.row.certificate)
        if "tkid" in cert_attrs:
            out["certtkid"] = cert_attrs.pop("tkid")
        out.update(cert_attrs)
        if with_secret_parts:
            out["certdata"] = self.row.certificate.get("v_Data", b"")
        return out

    def data(self) -> bytes | None:
        return item_data(self.row.key)

    def persistent_ref(self) -> bytes:
        return persistent_ref("idnt", self.row.certificate)

    def ref(self) -> Any:
        from keychainsim.crypto import SecIdentity

        key_attributes = token_items.ref_attributes(self.row.key.attrs)
        cdsa = self.row.key.keychain == FILE
        return SecIdentity._from_keychain(self.row.certificate.get("v_Data", b""), key_attributes, cdsa)

    def raw_extras(self, returns: frozenset[str]) -> dict[str, Any]:
        return {}
