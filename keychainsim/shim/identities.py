"""What the client library does with identities in add, update, delete and CopyMatching-by-ref.

An identity is not stored, so Apple's client explodes it into its certificate and its private key
(``SecItem.m: explode_identity()``, ``handleUpdateIdentity()``, ``explode_persistent_identity_ref()``;
reference secitem-engine.md §H.6–§H.9). Each half then goes through the ordinary path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from keychainsim.engine import observe
from keychainsim.model import token_items
from keychainsim.model.item import DP
from keychainsim.model.reject import Reject
from keychainsim.shim import routing
from keychainsim.shim.client import ref_kind
from keychainsim.shim.context import CallContext
from keychainsim.status import OSStatus


def _status(fn: Callable[[], Any]) -> tuple[OSStatus, Any]:
    """Run one half and turn a refusal into its status, as the client sees each sub-call."""
    try:
        out = fn()
    except Reject as refused:
        observe.absorbed(refused)
        return refused.status, None
    if isinstance(out, tuple):
        return OSStatus(out[0]), out[1]
    return OSStatus(out), None


def _halves(identity: Any) -> tuple[Any, Any]:
    from keychainsim.crypto import SecIdentityCopyCertificate, SecIdentityCopyPrivateKey

    status_c, certificate = SecIdentityCopyCertificate(identity)
    status_k, key = SecIdentityCopyPrivateKey(identity)
    if status_c != 0 or status_k != 0 or certificate is None or key is None:
        raise Reject(OSStatus.errSecInvalidItemRef, "the SecIdentity has no certificate or no private key")
    return certificate, key


def add_identity(ctx: CallContext, attributes: dict[str, Any]) -> tuple[OSStatus, Any]:
    """§H.6: add the certificate, then the key; duplicates of one half are fine, of both are not."""
    certificate, key = _halves(attributes["v_Ref"])
    cert_dict = {**attributes, "v_Ref": certificate, "class": "cert"}
    status_c, result_c = _status(lambda: routing.add(ctx, cert_dict))
    cert_duplicate = status_c == OSStatus.errSecDuplicateItem
    if status_c not in (OSStatus.errSecSuccess, OSStatus.errSecDuplicateItem, OSStatus.errSecItemNotFound):
        return status_c, None
    key_dict = {**attributes, "v_Ref": key, "class": "keys", "r_PersistentRef": False}
    status_k, _ = _status(lambda: routing.add(ctx, key_dict))
    if status_k == OSStatus.errSecDuplicateItem:
        if cert_duplicate:
            return OSStatus.errSecDuplicateItem, None
        status_k = OSStatus.errSecSuccess
    if status_k != OSStatus.errSecSuccess:
        return status_k, None
    if attributes.get("r_PersistentRef") is True and isinstance(result_c, bytes) and not cert_duplicate:
        return OSStatus.errSecSuccess, b"idnt" + result_c[4:]
    return OSStatus.errSecSuccess, None


def copy_identity_ref(ctx: CallContext, query: dict[str, Any]) -> tuple[OSStatus, Any]:
    """§H.9: a certificate lookup (its result kept) then a key lookup (whose status is returned); only a
    persistent ref survives, rewritten to the identity class."""
    certificate, key = _halves(query["v_Ref"])
    status_c, result_c = _status(lambda: routing.copy(ctx, {**query, "v_Ref": certificate, "class": "cert"}))
    status_k, _ = _status(lambda: routing.copy(ctx, {**query, "v_Ref": key, "class": "keys", "r_PersistentRef": False}))
    if status_k != OSStatus.errSecSuccess:
        return status_k, None
    if status_c == OSStatus.errSecSuccess and isinstance(result_c, bytes) and query.get("r_PersistentRef") is True:
        return status_k, b"idnt" + result_c[4:]
    return status_k, None


def update_identity(ctx: CallContext, query: dict[str, Any], changes: dict[str, Any]) -> OSStatus:
    """§H.7: update the certificate half, then the key half; the first failure is returned."""
    if ref_kind(query.get("v_Ref")) == "identity":
        certificate, key = _halves(query["v_Ref"])
        cert_query = {**query, "v_Ref": certificate}
        key_query = {**query, "v_Ref": key}
        cert_query.pop("class", None)
        key_query.pop("class", None)
    else:
        cert_query = {**query, "class": "cert"}
        key_query = {**query, "class": "keys"}
    status, _ = _status(lambda: routing.update(ctx, cert_query, changes))
    if status != OSStatus.errSecSuccess:
        return status
    status, _ = _status(lambda: routing.update(ctx, key_query, changes))
    return status


def is_identity_delete(query: dict[str, Any]) -> bool:
    ref = query.get("v_PersistentRef")
    return (
        ref_kind(query.get("v_Ref")) == "identity"
        or query.get("class") == "idnt"
        or (isinstance(ref, bytes) and ref.startswith(b"idnt"))
    )


def delete_identity(ctx: CallContext, query: dict[str, Any]) -> OSStatus:
    """§H.8 and §G.1 a-b."""
    ref = query.get("v_PersistentRef")
    if isinstance(ref, bytes) and ref.startswith(b"idnt") and "v_Ref" not in query:
        lookup = {"v_PersistentRef": ref, "r_Ref": True}
        status, identity = _status(lambda: routing.copy(ctx, lookup))
        if status != OSStatus.errSecSuccess:
            return status
        rest = {k: v for k, v in query.items() if k not in ("v_PersistentRef", "class")}
        query = {**rest, "v_Ref": identity}
    if ref_kind(query.get("v_Ref")) == "identity":
        certificate, key = _halves(query["v_Ref"])
        base = {k: v for k, v in query.items() if k not in ("v_Ref", "class")}
        status, _ = _status(lambda: routing.delete(ctx, {**base, "v_Ref": certificate}))
        if status not in (OSStatus.errSecSuccess, OSStatus.errSecItemNotFound):
            return status
        from keychainsim.crypto import SecKeyCopyAttributes

        label = SecKeyCopyAttributes(key).get("klbl")
        others, _ = _status(lambda: routing.copy(ctx, {"class": "cert", "pkhh": label}))
        if others == OSStatus.errSecSuccess:
            return status  # another certificate still uses the key: it stays
        status, _ = _status(lambda: routing.delete(ctx, {**base, "v_Ref": key}))
        return status
    # kSecClass = kSecClassIdentity without a ref: the same query as a certificate delete, then as a
    # key delete, with no pairing at all.
    status, _ = _status(lambda: routing.delete(ctx, {**query, "class": "cert"}))
    if status != OSStatus.errSecSuccess:
        return status
    status, _ = _status(lambda: routing.delete(ctx, {**query, "class": "keys"}))
    return status


def identity_for_certificate(ctx: CallContext, certificate: Any) -> tuple[OSStatus, Any]:
    """``SecIdentityCreateWithCertificate`` (macOS API): the identity of ``certificate`` and the private key
    whose ``klbl`` equals its public-key hash, searched in every keychain this app can read (keys reference
    §H.1, §A.7)."""
    from keychainsim.crypto import SecIdentityCreate, SecKey

    label = certificate._keychain_attributes(for_query=False).get("pkhh")
    for item in sorted(ctx.db.all_items(), key=lambda i: i.rowid):
        if (
            item.item_class == "keys"
            and not item.is_tombstone
            and item.get("klbl") == label
            and item.get("kcls") == 1
            and (item.keychain != DP or item.get("agrp") in ctx.caller.access_groups)
        ):
            key = SecKey._from_keychain(token_items.ref_attributes(item.attrs), item.keychain != DP)
            identity = SecIdentityCreate(certificate, key) if key is not None else None
            if identity is not None:
                return OSStatus.errSecSuccess, identity
    return OSStatus.errSecItemNotFound, None
