"""Schema v12.11 class tables, transcribed from the reference (secitem-engine.md §C.3-§C.5).

Source of every row: ``keychain/securityd/SecItemSchema.c`` in apple-oss-distributions/Security
(tag Security-61901.0.87.0.1): the ``attrs`` lists of ``v12_genp_class``, ``v12_10_inet_class``,
``v12_cert_class`` and ``v12_10_keys_class``, in declaration order. Storage-only columns (``rowid``,
``data``, ``v_pk``, ``u_Tomb``) are left out: no dictionary can name them. The uniqueness tuple of each
class is its P-flagged attributes (§C.3): it matches Apple's errSecDuplicateItem documentation page,
which lists the public members only.
"""

from __future__ import annotations

from keychainsim.schema.model import Attr, Default, ItemClass, Kind

# The authenticated and bookkeeping attributes every stored class ends with, in declaration order
# (agrp ... clip), then the sharing group; inet puts its secret extra-data blobs between the two.
SHARED_TAIL = (
    Attr("agrp", Kind.STRING, "PRA", Default.CALLER_GROUP),
    Attr("pdmn", Kind.ACCESS, "RA", Default.CLASS_PROTECTION),
    Attr("sync", Kind.SYNC, "PRA", Default.ZERO),
    Attr("tomb", Kind.TOMB, "R", Default.ZERO),
    Attr("sha1", Kind.SHA1, "IRA", Default.SHA1_OF_ITEM),
    Attr("vwht", Kind.STRING, "PIRA", Default.NONE),
    Attr("tkid", Kind.STRING, "PIRA", Default.NONE),
    Attr("v_Data", Kind.DATA, "D", Default.NONE),
    Attr("accc", Kind.ACCESS_CONTROL, "RA", Default.NONE),
    Attr("musr", Kind.UUID, "PR", Default.CALLER_MUSR),
    Attr("UUID", Kind.STRING, "I", Default.NONE),
    Attr("sysb", Kind.NUMBER, "RA", Default.NONE),
    Attr("pcss", Kind.NUMBER, "RA", Default.NONE),
    Attr("pcsk", Kind.BLOB, "RA", Default.NONE),
    Attr("pcsi", Kind.BLOB, "RA", Default.NONE),
    Attr("persistref", Kind.UUID, "I", Default.NEW_UUID),
    Attr("clip", Kind.NUMBER, "", Default.ZERO),
)
SHARING_GROUP = (Attr("ggrp", Kind.STRING, "PIRA", Default.NONE),)


GENP = ItemClass(
    "genp",
    source="keychain/securityd/SecItemSchema.c: v12_genp_class; reference table C-genp",
    attributes=(
        Attr("cdat", Kind.CREATION_DATE, "RA", Default.NOW),
        Attr("mdat", Kind.MODIFICATION_DATE, "RA", Default.NOW),
        Attr("desc", Kind.BLOB, "SRA", Default.NONE),
        Attr("icmt", Kind.BLOB, "SRA", Default.NONE),
        Attr("crtr", Kind.NUMBER, "RA", Default.NONE),
        Attr("type", Kind.NUMBER, "IRA", Default.NONE),
        Attr("scrp", Kind.NUMBER, "RA", Default.NONE),
        Attr("labl", Kind.BLOB, "SRA", Default.NONE),
        Attr("alis", Kind.BLOB, "SRA", Default.NONE),
        Attr("invi", Kind.NUMBER, "RA", Default.NONE),
        Attr("nega", Kind.NUMBER, "RA", Default.NONE),
        Attr("cusi", Kind.NUMBER, "RA", Default.NONE),
        Attr("prot", Kind.BLOB, "SRA", Default.NONE),
        Attr("acct", Kind.BLOB, "PISRA", Default.EMPTY_STRING),
        Attr("svce", Kind.BLOB, "PISRA", Default.EMPTY_STRING),
        Attr("gena", Kind.BLOB, "SRA", Default.NONE),
        *SHARED_TAIL,
        *SHARING_GROUP,
    ),
)

INET = ItemClass(
    "inet",
    source="keychain/securityd/SecItemSchema.c: v12_10_inet_class; reference table C-inet",
    attributes=(
        Attr("cdat", Kind.CREATION_DATE, "RA", Default.NOW),
        Attr("mdat", Kind.MODIFICATION_DATE, "RA", Default.NOW),
        Attr("desc", Kind.BLOB, "SRA", Default.NONE),
        Attr("icmt", Kind.BLOB, "SRA", Default.NONE),
        Attr("crtr", Kind.NUMBER, "RA", Default.NONE),
        Attr("type", Kind.NUMBER, "IRA", Default.NONE),
        Attr("scrp", Kind.NUMBER, "RA", Default.NONE),
        Attr("labl", Kind.BLOB, "SRA", Default.NONE),
        Attr("alis", Kind.BLOB, "ISRA", Default.NONE),
        Attr("invi", Kind.NUMBER, "RA", Default.NONE),
        Attr("nega", Kind.NUMBER, "RA", Default.NONE),
        Attr("cusi", Kind.NUMBER, "RA", Default.NONE),
        Attr("prot", Kind.BLOB, "SRA", Default.NONE),
        Attr("acct", Kind.BLOB, "PISRA", Default.EMPTY_STRING),
        Attr("sdmn", Kind.BLOB, "PISRA", Default.EMPTY_STRING),
        Attr("srvr", Kind.BLOB, "PISRA", Default.EMPTY_STRING),
        Attr("ptcl", Kind.NUMBER, "PIRA", Default.ZERO),
        Attr("atyp", Kind.BLOB, "PISRA", Default.EMPTY_STRING),
        Attr("port", Kind.NUMBER, "PIRA", Default.ZERO),
        Attr("path", Kind.BLOB, "PISRA", Default.EMPTY_STRING),
        *SHARED_TAIL,
        Attr("binn", Kind.DATA, "D", Default.NONE),
        Attr("bini", Kind.DATA, "D", Default.NONE),
        Attr("bin0", Kind.DATA, "D", Default.NONE),
        Attr("bin1", Kind.DATA, "D", Default.NONE),
        Attr("bin2", Kind.DATA, "D", Default.NONE),
        Attr("bin3", Kind.DATA, "D", Default.NONE),
        *SHARING_GROUP,
    ),
)

CERT = ItemClass(
    "cert",
    source="keychain/securityd/SecItemSchema.c: v12_cert_class; reference table C-cert",
    attributes=(
        Attr("cdat", Kind.CREATION_DATE, "RA", Default.NOW),
        Attr("mdat", Kind.MODIFICATION_DATE, "RA", Default.NOW),
        Attr("ctyp", Kind.NUMBER, "PIRA", Default.ZERO),
        Attr("cenc", Kind.NUMBER, "RA", Default.NONE),
        Attr("labl", Kind.BLOB, "SRA", Default.NONE),
        Attr("alis", Kind.BLOB, "ISRA", Default.NONE),
        Attr("subj", Kind.DATA, "ISRA", Default.NONE),
        Attr("issr", Kind.DATA, "PISRA", Default.EMPTY_DATA),
        Attr("slnr", Kind.DATA, "PISRA", Default.EMPTY_DATA),
        Attr("skid", Kind.DATA, "ISRA", Default.NONE),
        Attr("pkhh", Kind.DATA, "IRA", Default.NONE),
        *SHARED_TAIL,
        *SHARING_GROUP,
    ),
)

KEYS = ItemClass(
    "keys",
    source="keychain/securityd/SecItemSchema.c: v12_10_keys_class; reference table C-keys",
    attributes=(
        Attr("cdat", Kind.CREATION_DATE, "RA", Default.NOW),
        Attr("mdat", Kind.MODIFICATION_DATE, "RA", Default.NOW),
        Attr("kcls", Kind.NUMBER, "PISRA", Default.ZERO),
        Attr("labl", Kind.BLOB, "SRA", Default.NONE),
        Attr("alis", Kind.BLOB, "ISRA", Default.NONE),
        Attr("perm", Kind.NUMBER, "RA", Default.NONE),
        Attr("priv", Kind.NUMBER, "RA", Default.NONE),
        Attr("modi", Kind.NUMBER, "RA", Default.NONE),
        Attr("klbl", Kind.DATA, "PIRA", Default.EMPTY_DATA),
        Attr("atag", Kind.BLOB, "PISRA", Default.EMPTY_STRING),
        Attr("crtr", Kind.NUMBER, "PIRA", Default.ZERO),
        Attr("type", Kind.NUMBER, "PIRA", Default.ZERO),
        Attr("bsiz", Kind.NUMBER, "PIRA", Default.ZERO),
        Attr("esiz", Kind.NUMBER, "PIRA", Default.ZERO),
        Attr("sdat", Kind.DATE, "PIRA", Default.DATE_ZERO),
        Attr("edat", Kind.DATE, "PIRA", Default.DATE_ZERO),
        Attr("sens", Kind.NUMBER, "RA", Default.NONE),
        Attr("asen", Kind.NUMBER, "RA", Default.NONE),
        Attr("extr", Kind.NUMBER, "RA", Default.NONE),
        Attr("next", Kind.NUMBER, "RA", Default.NONE),
        Attr("encr", Kind.NUMBER, "IRA", Default.NONE),
        Attr("decr", Kind.NUMBER, "IRA", Default.NONE),
        Attr("drve", Kind.NUMBER, "IRA", Default.NONE),
        Attr("sign", Kind.NUMBER, "IRA", Default.NONE),
        Attr("vrfy", Kind.NUMBER, "IRA", Default.NONE),
        Attr("snrc", Kind.NUMBER, "RA", Default.NONE),
        Attr("vyrc", Kind.NUMBER, "RA", Default.NONE),
        Attr("wrap", Kind.NUMBER, "IRA", Default.NONE),
        Attr("unwp", Kind.NUMBER, "IRA", Default.NONE),
        *SHARED_TAIL,
        *SHARING_GROUP,
    ),
)


CLASSES: dict[str, ItemClass] = {c.name: c for c in (GENP, INET, CERT, KEYS)}
"""The stored classes. ``idnt`` is not stored: it is synthesized by joining cert and keys (§C.5, §H)."""

IDNT_ATTRIBUTES: dict[str, Attr] = {**KEYS.by_key, **CERT.by_key}
"""Attribute names an identity query may use: the certificate schema first, then the key schema
(``SecItemDb.c: SecDbAttrWithKey()`` special case, §C.5). Which half each one filters on is decided
in :mod:`keychainsim.engine.identity` (§H.2)."""

IGNORED_MATCH_KEYS = ("m_CaseInsensitive", "m_SubjectContains", "m_ItemList", "m_SearchList")
"""Match keys the data protection engine parses as match terms and then consumes nowhere (§E.3, §E.4)."""


def item_class(name: str) -> ItemClass | None:
    """The stored class called ``name`` (genp, inet, cert, keys), or None."""
    return CLASSES.get(name)
