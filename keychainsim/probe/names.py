"""Apple's names for raw attribute keys and values, chosen per attribute.

:data:`keychainsim.constants.NAME_OF` maps every raw value to the first constant declared with it, which
is right for keys but wrong for values shared across attributes: ``"http"`` is both
``kSecAttrProtocolHTTP`` (``ptcl``) and ``kSecAttrAuthenticationTypeHTTPBasic`` (``atyp``), ``"73"`` is
``kSecAttrKeyTypeEC`` and ``kSecAttrKeyTypeECSECPrimeRandom``, and a label that happens to read ``"http"``
has no constant name at all. So value names are looked up in a small table per attribute, built from the
constants module (which cites ``SecItemConstants.c`` for every raw value), and never guessed.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from keychainsim import constants

CLASS_NAMES: dict[str, str] = {
    "genp": "kSecClassGenericPassword",
    "inet": "kSecClassInternetPassword",
    "cert": "kSecClassCertificate",
    "keys": "kSecClassKey",
    "idnt": "kSecClassIdentity",
}
"""Item class raw values and their constants (``SecItem.h``)."""

KEY_CLASS_NOUNS: dict[Any, str] = {0: "public key", 1: "private key", 2: "symmetric key"}
"""What a key row is, by its ``kcls`` (kSecAttrKeyClassPublic 0, Private 1, Symmetric 2): the identity join
tests ``priv``, not ``kcls``, so a row that joins may still be a public key and must be called one."""


def key_noun(kcls: Any) -> str:
    """``"public key"``, ``"private key"``, ``"symmetric key"``; ``"key"`` when kcls is unset or unknown."""
    if isinstance(kcls, str) and kcls.isdigit():
        kcls = int(kcls)
    return KEY_CLASS_NOUNS.get(kcls, "key") if not isinstance(kcls, bool) else "key"


CLASS_ORDER: tuple[str, ...] = ("genp", "inet", "cert", "keys")
"""The stored classes in the order dumps show them (the order of DTS's per-class probe)."""

HASH_ATTRIBUTES = frozenset({"klbl", "pkhh", "skid", "sha1", "musr", "persistref", "subj", "issr", "slnr"})
"""Data attributes that are hashes, identifiers or DER: always shown as hex, never as text, because the
bytes are what identity formation and uniqueness compare (pitfalls catalog §1.2: a dump that prints
``20 bytes`` instead of the hex cannot show that ``klbl`` differs from ``pkhh``)."""

_KEY_NAMES: dict[str, str] = {
    "persistref": "kSecAttrPersistentReference",  # NAME_OF picks the misspelled alias declared first
    "nleg": "kSecUseDataProtectionKeychain",  # the public name; kSecAttrNoLegacy is deprecated SPI
}
_KEY_NAMES_BY_CLASS: dict[tuple[str, str], str] = {
    ("keys", "type"): "kSecAttrKeyType",
    ("idnt", "type"): "kSecAttrKeyType",
}

_VALUE_PREFIXES: dict[str, str] = {
    "pdmn": "kSecAttrAccessible",
    "ptcl": "kSecAttrProtocol",
    "atyp": "kSecAttrAuthenticationType",
    "kcls": "kSecAttrKeyClass",
    "class": "kSecClass",
    "m_Limit": "kSecMatchLimit",
    "tkid": "kSecAttrTokenID",
    "u_AuthUI": "kSecUseAuthenticationUI",
}
"""Attribute -> the prefix of the constants naming its values (the attribute's own constant excluded)."""

_VALUE_PREFERRED: dict[tuple[str, str], str] = {
    ("type", "73"): "kSecAttrKeyTypeECSECPrimeRandom",  # the name SecKey.h documents for new code
}
_SINGLE_VALUES: dict[str, dict[str, str]] = {
    "sync": {constants.kSecAttrSynchronizableAny: "kSecAttrSynchronizableAny"},
    "agrp": {constants.kSecAttrAccessGroupToken: "kSecAttrAccessGroupToken"},
}


def attribute_name(item_class: str | None, key: str) -> str | None:
    """The constant naming raw key ``key`` in a dictionary of ``item_class``, or None when Apple has none."""
    if item_class is not None:
        name = _KEY_NAMES_BY_CLASS.get((item_class, key))
        if name is not None:
            return name
    return _KEY_NAMES.get(key) or constants.NAME_OF.get(key)


@cache
def _value_table(key: str) -> dict[str, str]:
    """Raw value -> constant for attribute ``key``: first declared wins, then the explicit preferences."""
    table = dict(_SINGLE_VALUES.get(key, {}))
    prefix = _VALUE_PREFIXES.get(key)
    if prefix is not None:
        own = constants.NAME_OF.get(key)
        for name, value in constants.VALUE_OF.items():
            if name.startswith(prefix) and name != prefix and name != own:
                table.setdefault(value, name)
    if key == "type":
        for name, value in constants.VALUE_OF.items():
            if name.startswith("kSecAttrKeyType") and name != "kSecAttrKeyType":
                table.setdefault(value, name)
    for (attribute, value), name in _VALUE_PREFERRED.items():
        if attribute == key:
            table[value] = name
    return table


def value_name(item_class: str | None, key: str, value: Any) -> str | None:
    """The constant naming ``value`` of attribute ``key``, or None.

    A number stored for a value Apple spells as a string (``kcls`` 1, ``type`` 73) is looked up by its
    decimal text, as the engine's coercion relates them. ``type`` is named only for keys and identities:
    on passwords it is kSecAttrType, a free four-character code.
    """
    if key == "type" and item_class not in ("keys", "idnt", None):
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        value = str(value)
    if not isinstance(value, str):
        return None
    if key not in _VALUE_PREFIXES and key not in _SINGLE_VALUES and key != "type":
        return None
    return _value_table(key).get(value)
