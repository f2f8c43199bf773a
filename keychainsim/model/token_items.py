"""Token items (Secure Enclave keys) as the keychain stores them: the object ID and the access control
live in the item's data field, not in columns.

``OSX/sec/Security/SecItem.m``: before a token item reaches the server, ``SecTokenItemAdd()`` takes
kSecAttrTokenOID out of the attributes and sets kSecAttrAccessible to kSecAttrAccessibleAlwaysPrivate
("dk": the token's own access control protects the key), and ``SecTokenCopyUpdatedObjectID()`` removes
kSecAttrAccessControl and stores ``SecTokenItemValueCreate(object ID, access control, data)`` as
kSecValueData: a DER dictionary ``{oid, ac[, data]}`` (:mod:`keychainsim.model.der_plist`). Reading an
item back, ``SecItemResultCopyPrepared()`` parses that field (``SecTokenItemValueCopy()``) to rebuild the
ref (``SecTokenItemCreateFromAttributes()`` puts the object ID back as kSecAttrTokenOID) and to report
the token's access control. kSecAttrTokenID stays an ordinary attribute throughout.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from keychainsim.model import der_plist
from keychainsim.model.access_control import SecAccessControl

OBJECT_ID = "oid"
ACCESS_CONTROL = "ac"
DATA = "data"
"""The keys of the data field (``SecItemInternal.h``: kSecTokenValueObjectIDKey, ...AccessControlKey,
...DataKey)."""


@dataclass(frozen=True)
class TokenValue:
    """A token item's data field, parsed."""

    object_id: bytes
    access_control: SecAccessControl | None = None
    data: bytes | None = None


def value_create(object_id: bytes, access_control: SecAccessControl | None, data: bytes | None = None) -> bytes:
    """``SecTokenItemValueCreate()``: the kSecValueData a token item is stored with."""
    value: dict[str, Any] = {OBJECT_ID: object_id}
    if access_control is not None:
        value[ACCESS_CONTROL] = access_control.to_data()
    if data is not None:
        value[DATA] = data
    return der_plist.encode(value)


def value_copy(blob: Any) -> TokenValue | None:
    """``SecTokenItemValueCopy()``: the parsed data field, or None when it is not a token value (no object
    ID, not a DER dictionary, trailing bytes)."""
    if not isinstance(blob, bytes):
        return None
    try:
        value = der_plist.decode(blob)
    except ValueError:
        return None
    if not isinstance(value, dict) or not isinstance(value.get(OBJECT_ID), bytes):
        return None
    access = value.get(ACCESS_CONTROL)
    data = value.get(DATA)
    return TokenValue(
        value[OBJECT_ID],
        SecAccessControl.from_data(access) if isinstance(access, bytes) else None,
        data if isinstance(data, bytes) else None,
    )


def is_token_item(attrs: Mapping[str, Any]) -> bool:
    return attrs.get("tkid") is not None


def ref_attributes(attrs: Mapping[str, Any]) -> Mapping[str, Any]:
    """The attributes a ref is rebuilt from (``SecItemResultCopyPrepared()``): for a token item, the object
    ID back as kSecAttrTokenOID, the token's access control as kSecAttrAccessControl and the data field's
    own data (if any) as kSecValueData; any other item's attributes unchanged."""
    if not is_token_item(attrs) or "toid" in attrs:
        return attrs
    value = value_copy(attrs.get("v_Data"))
    if value is None:
        return attrs
    out = {k: v for k, v in attrs.items() if k != "v_Data"}
    out["toid"] = value.object_id
    if value.access_control is not None:
        out["accc"] = value.access_control
    if value.data is not None:
        out["v_Data"] = value.data
    return out
