"""Every term keychainsim prints, built from the tables that already define it.

A term is a constant of :mod:`keychainsim.constants` (attribute keys such as ``labl``, value codes such as
``ak`` or ``73``, classes such as ``genp``, search, return, value and use keys, algorithms), a status of
:mod:`keychainsim.status`, or a finding code. What a term *is* (its raw value, the header that declares it,
the classes that carry an attribute, whether it is part of their uniqueness, whether its column matches by
exact bytes, which half of an identity it filters) is read from those modules and the schema tables, so it
cannot drift from what the engine does; only the sentence saying what it *means* comes from
``meanings.yaml`` beside this module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

PUBLIC_HEADERS = ("SecItem.h", "SecKey.h", "SecImportExport.h", "SecBase.h")
"""Headers Apple documents: a name declared in one has a documentation page of its own name."""

_CONSTANT_LINE = re.compile(r"^(kSec\w+) = (\"[^\"]*\"|-?\d+)(?:\s+#\s*(.*))?$")
_SECTION_LINE = re.compile(r"^# (A\.\d+) (.*)$|^# (Signature algorithms|SecKeyOperationType)\b")

_SECTION_KIND = {
    "A.2": "attribute",
    "A.11": "return key",
    "A.12": "value key",
    "A.14": "internal",
    "A.16": "import option",
    "Signature algorithms": "algorithm",
    "SecKeyOperationType": "operation type",
}
"""The kind of every constant in a section of :mod:`keychainsim.constants` that holds one kind only."""

_VALUE_SECTIONS = ("A.3", "A.4", "A.5", "A.6", "A.7", "A.8", "A.9")
"""Sections holding only attribute values: each is a value of the attribute its name starts with."""

_MIXED_SECTIONS: dict[str, tuple[str, str, str, tuple[str, ...]]] = {
    # section: (kind of the keys, kind of the values, the key the values belong to, the values)
    "A.1": ("dictionary key", "class", "kSecClass", ()),
    "A.10": ("search key", "search value", "kSecMatchLimit", ("kSecMatchLimitOne", "kSecMatchLimitAll")),
    "A.13": (
        "use key",
        "use value",
        "kSecUseAuthenticationUI",
        ("kSecUseAuthenticationUIAllow", "kSecUseAuthenticationUIFail", "kSecUseAuthenticationUISkip"),
    ),
}

_CLASSES_OF_NAME: dict[str, tuple[str, ...]] = {
    "kSecAttrType": ("genp", "inet"),
    "kSecAttrCreator": ("genp", "inet"),
    "kSecAttrKeyType": ("keys", "idnt"),
    "kSecAttrKeyCreator": ("keys", "idnt"),
}
"""Names that share a raw key (``type``, ``crtr``) but that Apple defines for some classes only."""

KINDS = (
    "class",
    "attribute",
    "attribute value",
    "dictionary key",
    "search key",
    "search value",
    "return key",
    "value key",
    "use key",
    "use value",
    "key generation",
    "import option",
    "import result",
    "algorithm",
    "operation type",
    "internal",
    "status",
    "finding",
    "rule",
    "pitfall",
    "seed variant",
)
"""Every kind of term, in the order a full listing shows them."""


@dataclass(frozen=True)
class Term:
    """One name keychainsim prints, and what it means.

    Attributes:
        name: Apple's name (``kSecAttrLabel``, ``errSecItemNotFound``) or the finding code.
        kind: one of :data:`KINDS`.
        raw: what a dictionary or a dump shows: the raw key or value (``labl``, ``ak``, ``73``), a
            status's number, a finding's code.
        meaning: what it means, in this project's words.
        header: Apple's header that declares the name (empty for findings).
        platform: ``macOS only`` when Apple declares it for macOS alone.
        value_of: for a value, the constant of the key it is a value of.
        classes: the item classes that carry the attribute (or whose key the value is a value of).
        unique_in: the classes whose uniqueness constraint (primary key) includes the attribute.
        facts: further facts read from the schema and the engine (how it matches, its default, ...).
        same_raw: other names for the same raw value and role (aliases).
        doc: the Apple documentation page that describes the name, or empty when Apple documents none.
    """

    name: str
    kind: str
    raw: str
    meaning: str
    header: str = ""
    platform: str = ""
    value_of: str = ""
    classes: tuple[str, ...] = ()
    unique_in: tuple[str, ...] = ()
    facts: tuple[str, ...] = ()
    same_raw: tuple[str, ...] = ()
    doc: str = ""
    see: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "raw": self.raw,
            "meaning": self.meaning,
            "header": self.header,
            "platform": self.platform,
            "value_of": self.value_of,
            "classes": list(self.classes),
            "unique_in": list(self.unique_in),
            "facts": list(self.facts),
            "same_raw": list(self.same_raw),
            "apple_documentation": self.doc,
            "see": list(self.see),
        }


@dataclass(frozen=True)
class _Declared:
    """A constant as :mod:`keychainsim.constants` declares it: value, section, and its comment."""

    name: str
    value: str | int
    section: str
    comment: str


def _declarations() -> list[_Declared]:
    """Every constant in declaration order, with the section heading and trailing comment of its line."""
    from keychainsim import constants

    source = resources.files("keychainsim").joinpath("constants.py").read_text(encoding="utf-8")
    section = ""
    out: list[_Declared] = []
    for line in source.splitlines():
        heading = _SECTION_LINE.match(line)
        if heading:
            section = heading.group(1) or heading.group(3)
            continue
        declared = _CONSTANT_LINE.match(line)
        if declared:
            name = declared.group(1)
            out.append(_Declared(name, getattr(constants, name), section, declared.group(3) or ""))
    return out


def _meanings() -> dict[str, Any]:
    text = resources.files("keychainsim.glossary").joinpath("meanings.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def _entry(meanings: dict[str, Any], name: str) -> dict[str, Any]:
    """The data file's entry for ``name``: its own, else its family's with ``{rest}`` filled in."""
    own = meanings["terms"].get(name)
    if own is not None:
        return own if isinstance(own, dict) else {"meaning": own}
    for prefix, family in sorted(meanings["families"].items(), key=lambda kv: -len(kv[0])):
        if name.startswith(prefix) and name != prefix:
            entry = family if isinstance(family, dict) else {"meaning": family}
            return {**entry, "meaning": entry["meaning"].replace("{rest}", name[len(prefix) :])}
    return {}


def _header_and_platform(declared: _Declared) -> tuple[str, str]:
    if declared.section == "A.16":
        return "SecImportExport.h", "macOS only" if declared.comment.startswith("macOS") else ""
    if declared.section in ("Signature algorithms", "SecKeyOperationType"):
        return "SecKey.h", ""
    header = declared.comment.split(";")[0].strip()
    platform = "macOS only" if "macOS only" in header else ""
    header = header.replace(", macOS only", "").strip()
    return header, platform


def _kind_and_owner(declared: _Declared, attributes: list[str]) -> tuple[str, str]:
    """The kind of a constant and, for a value, the key it is a value of."""
    section = declared.section
    if section in _MIXED_SECTIONS:
        key_kind, value_kind, owner, values = _MIXED_SECTIONS[section]
        if section == "A.1":
            return ("dictionary key", "") if declared.name == owner else (value_kind, owner)
        return (value_kind, owner) if declared.name in values else (key_kind, "")
    if section in _VALUE_SECTIONS:
        owners = [a for a in attributes if declared.name.startswith(a) and declared.name != a]
        return "attribute value", max(owners, key=len) if owners else ""
    return _SECTION_KIND.get(section, "internal"), ""


def _schema_facts(raw: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """(classes, unique_in, facts) of a raw attribute key, from the schema tables and the identity join."""
    from keychainsim.engine.identity import CERTIFICATE_SIDE, NO_COLUMN
    from keychainsim.schema import CLASSES, IDNT_ATTRIBUTES

    carriers = [c for c in CLASSES.values() if raw in c]
    classes = tuple(c.name for c in carriers)
    unique_in = tuple(c.name for c in carriers if c.by_key[raw].pk)
    facts: list[str] = []
    if not carriers:
        return (), (), ()
    attr = carriers[0].by_key[raw]
    if attr.hashed:
        facts.append("matched by the SHA-1 of its bytes: exact bytes, text and its UTF-8 data are one value")
    if attr.secret:
        facts.append("secret: returned only with kSecReturnData")
    defaults = {c.by_key[raw].default for c in carriers}
    if len(defaults) == 1:
        (default,) = defaults
        facts.append(f"left out on add: {default.value}")
    if raw in IDNT_ATTRIBUTES:
        classes += ("idnt",)
        if raw in NO_COLUMN:
            facts.append("an identity query cannot filter on it (errSecNotAvailable)")
        elif raw in CERTIFICATE_SIDE:
            facts.append("in an identity query: compared with the certificate's value")
        else:
            facts.append("in an identity query: compared with the private key's value")
    return classes, unique_in, tuple(facts)


def _constant_terms(meanings: dict[str, Any]) -> list[Term]:
    from keychainsim.schema import CLASSES

    declared = _declarations()
    attributes = [d.name for d in declared if d.section == "A.2"]
    rows: list[tuple[_Declared, str, str, dict[str, Any]]] = []
    for d in declared:
        entry = _entry(meanings, d.name)
        kind, owner = _kind_and_owner(d, attributes)
        rows.append((d, entry.get("kind", kind), entry.get("value_of", owner), entry))
    raw_of = {d.name: str(d.value) for d in declared}
    terms: list[Term] = []
    for d, kind, owner, entry in rows:
        raw = str(d.value)
        header, platform = _header_and_platform(d)
        classes: tuple[str, ...] = ()
        unique_in: tuple[str, ...] = ()
        facts: tuple[str, ...] = ()
        if kind == "attribute":
            classes, unique_in, facts = _schema_facts(raw)
            if d.name in _CLASSES_OF_NAME:
                classes = tuple(c for c in classes if c in _CLASSES_OF_NAME[d.name])
                unique_in = tuple(c for c in unique_in if c in classes)
                if "idnt" not in classes:
                    facts = tuple(f for f in facts if "identity query" not in f)
        elif kind == "class" and raw in CLASSES:
            classes = (raw,)
            facts = ("unique by: " + ", ".join(CLASSES[raw].primary_key),)
        elif kind == "class" and raw == "idnt":
            classes = ("idnt",)
            facts = ("not stored: the join of a certificate and a private key with cert pkhh = key klbl, priv = 1",)
        elif kind == "attribute value" and owner:
            classes = _CLASSES_OF_NAME.get(owner) or _schema_facts(raw_of[owner])[0]
        same = tuple(
            other.name
            for other, other_kind, other_owner, _ in rows
            if other.name != d.name and str(other.value) == raw and other_kind == kind and other_owner == owner
        )
        public = any(h in header for h in PUBLIC_HEADERS)
        terms.append(
            Term(
                name=d.name,
                kind=kind,
                raw=raw,
                meaning=entry.get("meaning", ""),
                header=header,
                platform=platform,
                value_of=owner,
                classes=classes,
                unique_in=unique_in,
                facts=facts,
                same_raw=same,
                doc=entry.get("doc", d.name if public else ""),
            )
        )
    return terms


def _status_terms(meanings: dict[str, Any]) -> list[Term]:
    from keychainsim.status import OSStatus

    terms: list[Term] = []
    for name, member in OSStatus.__members__.items():
        entry = _entry(meanings, name)
        if member.name != name:  # an SPI alias (SecBasePriv.h) of a public code
            canonical = _entry(meanings, member.name)["meaning"]
            entry = {
                "meaning": f"Private alias of {member.name} ({int(member)}): {canonical}",
                "header": "SecBasePriv.h",
            }
        header = entry.get("header", "SecBase.h")
        facts = (f"Apple's message: {member.message}",) if member.message else ()
        same = tuple(n for n, m in OSStatus.__members__.items() if m is member and n != name)
        terms.append(
            Term(
                name=name,
                kind="status",
                raw=str(int(member)),
                meaning=entry.get("meaning", ""),
                header=header,
                facts=facts,
                same_raw=same,
                doc=name if header == "SecBase.h" else "",
            )
        )
    return terms


def _finding_terms() -> list[Term]:
    from keychainsim.glossary.codes import finding_codes

    terms: list[Term] = []
    for code in finding_codes():
        facts = (f"severity: {code.severity}",) if code.severity else ()
        see = (f"keychainsim run {code.example}",) if code.example else ()
        terms.append(Term(name=code.code, kind="finding", raw=code.code, meaning=code.meaning, facts=facts, see=see))
    return terms


def _pitfall_terms() -> list[Term]:
    """R, C and S entries of docs/pitfalls.md, with the lessons that teach each."""
    from keychainsim.glossary.pitfalls import DOC_PATH, lessons_by_pitfall, pitfalls

    taught = lessons_by_pitfall()
    terms: list[Term] = []
    for entry in pitfalls().values():
        facts: list[str] = []
        if entry.rules:
            facts.append("rules: " + ", ".join(entry.rules))
        if entry.causes:
            facts.append("causes: " + ", ".join(entry.causes))
        if entry.confidence:
            facts.append(f"confidence: {entry.confidence}")
        see = [f"{DOC_PATH}#{entry.anchor}"]
        see += [f"keychainsim learn {number} ({title})" for number, _, title in taught.get(entry.id, [])]
        terms.append(
            Term(
                name=entry.id,
                kind=entry.kind,
                raw=entry.id,
                meaning=f"{entry.title}. {entry.summary}",
                facts=tuple(facts),
                see=tuple(see),
            )
        )
    return terms


@cache
def all_terms() -> tuple[Term, ...]:
    """Every term, grouped by kind in :data:`KINDS` order, each group in declaration order."""
    meanings = _meanings()
    terms = _constant_terms(meanings) + _status_terms(meanings) + _finding_terms() + _pitfall_terms()
    order = {kind: i for i, kind in enumerate(KINDS)}
    return tuple(sorted(terms, key=lambda t: order.get(t.kind, len(order))))
