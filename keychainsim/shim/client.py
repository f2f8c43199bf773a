"""What Apple's client library does to a dictionary before the server sees it (``SecItem.m``).

Ref expansion (a kSecValueRef contributes its attributes, the caller's win), the certificate label
inference, the access-control checks and the removal of authentication-UI keys (§D.1 step 1, §D.3).

Why this lives in the client shim and not in the engine: ``SecItem.m`` runs in the app's process, between
the app (or, on macOS, ``SecItem.cpp``'s routing) and securityd. The server never sees a ``SecKeyRef``, a
``SecCertificateRef`` or an authentication-UI key: it receives the dictionary this module produces. So the
engine here models the server and takes prepared dictionaries, and the shim, which also holds the other
client-side steps (identity explosion, the macOS routing), prepares them (reference §0.3 layers 1 and 2).
"""

from __future__ import annotations

from typing import Any

from keychainsim.errors import NotModeledError
from keychainsim.model import token_items
from keychainsim.model.access_control import SecAccessControl
from keychainsim.model.query import CLIENT_STRIPPED_USE_KEYS
from keychainsim.model.reject import Reject
from keychainsim.model.values import truthy
from keychainsim.status import OSStatus

_REF_KINDS = {"SecKey": "key", "SecCertificate": "certificate", "SecIdentity": "identity"}


def ref_kind(value: Any) -> str | None:
    """``"key"``, ``"certificate"``, ``"identity"`` for Sec* refs, else None.

    Decided by class name so that password-only work never imports the crypto layer.
    """
    if value is None:
        return None
    for cls in type(value).__mro__:
        kind = _REF_KINDS.get(cls.__name__)
        if kind is not None and cls.__module__.startswith("keychainsim.crypto"):
            return kind
    return None


def is_cdsa_key(value: Any) -> bool:
    """``SecKeyIsCDSAKey()``: a key of the macOS file-based keychain's implementation (see ``SecKey._cdsa``)."""
    return ref_kind(value) == "key" and bool(getattr(value, "_cdsa", False))


def expand_ref(dictionary: dict[str, Any], for_query: bool) -> dict[str, Any]:
    """Replace kSecValueRef by the ref's attributes, adding only keys the caller did not supply."""
    if "v_Ref" not in dictionary:
        return dictionary
    ref = dictionary["v_Ref"]
    kind = ref_kind(ref)
    if type(ref).__name__ == "SecKeychainItem":
        raise NotModeledError("v_Ref", hint="a SecKeychainItemRef as kSecValueRef (the legacy macOS item API)")
    if kind not in ("key", "certificate"):
        raise Reject(
            OSStatus.errSecParam,
            f"kSecValueRef of type {type(ref).__name__} is not supported here",
            key="v_Ref",
        )
    out = {k: v for k, v in dictionary.items() if k != "v_Ref"}
    for key, value in ref._keychain_attributes(for_query=for_query).items():
        out.setdefault(key, value)
    if for_query:
        out.pop("toid", None)  # SecItemAttributesPrepare(): a query never names the token object
    return out


def infer_certificate_label(dictionary: dict[str, Any]) -> dict[str, Any]:
    """``infer_cert_label()``: a certificate added by ref without a label gets its subject summary."""
    ref = dictionary.get("v_Ref")
    if ref_kind(ref) != "certificate" or "labl" in dictionary:
        return dictionary
    from keychainsim.crypto import SecCertificateCopySubjectSummary

    summary = SecCertificateCopySubjectSummary(ref)
    if summary is None:
        return dictionary
    return {**dictionary, "labl": summary}


def check_access_control(dictionary: dict[str, Any], op: str) -> None:
    """``SecItemAuthDoQuery()`` and friends (§D.1 c, §F.1, §G.1 c)."""
    access = dictionary.get("accc")
    if "accc" in dictionary and not isinstance(access, SecAccessControl):
        raise Reject(OSStatus.errSecParam, "kSecAttrAccessControl must be a SecAccessControl", key="accc")
    if isinstance(access, SecAccessControl) and access.has_constraints and truthy(dictionary.get("sync")):
        raise Reject(
            OSStatus.errSecParam,
            "an item protected by access-control constraints cannot be synchronizable",
            key="accc",
        )
    if op != "copy" and dictionary.get("u_AuthUI") == "u_AuthUIS":
        raise Reject(
            OSStatus.errSecParam,
            "kSecUseAuthenticationUISkip is allowed only in SecItemCopyMatching",
            key="u_AuthUI",
        )
    if "u_AuthCtx" in dictionary and "u_CredRef" in dictionary:
        raise Reject(
            OSStatus.errSecParam,
            "kSecUseAuthenticationContext and kSecUseCredentialReference cannot be used together",
            key="u_AuthCtx",
        )


def strip_auth_params(dictionary: dict[str, Any], op: str) -> dict[str, Any]:
    """``SecItemAuthCopyParams()`` removes prompt/caller-name/no-UI keys, and every kSecUseAuthenticationUI
    value except Skip, which survives to the server for CopyMatching."""
    if not any(k in dictionary for k in CLIENT_STRIPPED_USE_KEYS) and "u_AuthUI" not in dictionary:
        return dictionary  # the usual case: nothing to strip, no copy
    out = {k: v for k, v in dictionary.items() if k not in CLIENT_STRIPPED_USE_KEYS}
    if out.get("u_AuthUI") not in (None, "u_AuthUIS") and op != "copy":
        out.pop("u_AuthUI")
    return out


def normalize_issuer_value(dictionary: dict[str, Any]) -> dict[str, Any]:
    """``SecItemAttributesPrepare()``: a kSecAttrIssuer given as a whole DER Name is rewritten into the
    normalized content the keychain stores (§D.1 d; si-42-identity.m finds identities by either form)."""
    value = dictionary.get("issr")
    if not isinstance(value, bytes) or not value.startswith(b"\x30"):
        return dictionary
    from keychainsim.crypto.names import normalize_issuer

    normalized = normalize_issuer(value)
    return dictionary if normalized is None else {**dictionary, "issr": normalized}


SECURE_ENCLAVE = "com.apple.setoken"
"""kSecAttrTokenIDSecureEnclave: the only token keychainsim models."""

TOKEN_KEYCHAIN_ATTRIBUTES = frozenset(
    {
        "class",
        "tkid",
        "kcls",
        "priv",
        "modi",
        "type",
        "bsiz",
        "esiz",
        "sens",
        "asen",
        "extr",
        "next",
        "encr",
        "decr",
        "drve",
        "sign",
        "vrfy",
        "snrc",
        "vyrc",
        "wrap",
        "unwp",
        "klbl",
    }
)
"""What a token object reports as its keychain attributes (``TKClientTokenObject.keychainAttributes``), which
override the caller's in ``SecTokenCopyUpdatedObjectID()``. CryptoTokenKit is not open source (keys reference
§N.6): taken as the whitelist of ``SecCTKKeyCopyAttributeDictionary()`` plus the application label, that is
what the key describes about itself, without the object ID and the access control (inferred)."""


def prepare_token_add(dictionary: dict[str, Any], ref: Any = None) -> dict[str, Any]:
    """``SecTokenItemAdd()`` and ``SecTokenCopyUpdatedObjectID()``: the dictionary the server stores for an
    item that lives on a token (a Secure Enclave key), given the expanded dictionary and the key ref it
    came from (None when the caller named kSecAttrTokenID and kSecAttrTokenOID directly).

    kSecAttrAccessible becomes kSecAttrAccessibleAlwaysPrivate ("dk"); the token object supplies its
    attributes, which win over the caller's; kSecAttrTokenOID and kSecAttrAccessControl leave the
    attributes and go, with the object's access control, into kSecValueData
    (:func:`keychainsim.model.token_items.value_create`). kSecAttrTokenID stays.

    Raises:
        NotModeledError: a token other than the Secure Enclave, or a token item without an object ID
            (creating the object through SecItemAdd).
        Reject: errSecItemNotFound when the Secure Enclave has no such object (CryptoTokenKit's "object
            not found", keys reference §0.3; inferred).
    """
    token_id = dictionary.get("tkid")
    if token_id != SECURE_ENCLAVE:
        raise NotModeledError(
            "tkid", where="SecItemAdd", hint=f"token {token_id!r}: only the Secure Enclave is modelled"
        )
    object_id = dictionary.get("toid")
    if not isinstance(object_id, bytes):
        raise NotModeledError(
            "toid",
            where="SecItemAdd",
            hint="a token item without kSecAttrTokenOID (creating a token object by SecItemAdd)",
        )
    from keychainsim.crypto import SecKeyCopyAttributes, SecKeyCreateWithData

    key = ref
    if ref_kind(key) != "key" or SecKeyCopyAttributes(key).get("toid") != object_id:
        # The object the attributes name; the simulated enclave keeps no access control of its own, so the
        # dictionary's stands for the object's.
        key, _ = SecKeyCreateWithData(None, {"tkid": token_id, "toid": object_id, "accc": dictionary.get("accc")})
    if key is None:
        raise Reject(
            OSStatus.errSecItemNotFound, "the Secure Enclave has no object with this kSecAttrTokenOID", key="toid"
        )
    token = {k: v for k, v in key._keychain_attributes(for_query=False).items() if k in TOKEN_KEYCHAIN_ATTRIBUTES}
    out = dict(token)
    for k, v in dictionary.items():
        if k not in out and k not in ("v_Data", "toid", "accc", "v_Ref"):
            out[k] = v
    out["pdmn"] = "dk"
    out["v_Data"] = token_items.value_create(object_id, SecKeyCopyAttributes(key).get("accc"))
    return out


PREPARED_KEYS = frozenset(
    {"accc", "issr", "v_Ref", "tkid", "u_AuthUI", "u_AuthCtx", "u_CredRef", *CLIENT_STRIPPED_USE_KEYS}
)
"""The keys any step of :func:`prepare` reads: a dictionary without them reaches the server as it is (the
synchronizable check needs ``accc``, the label inference ``v_Ref``)."""


def prepare(dictionary: dict[str, Any], op: str) -> dict[str, Any]:
    """The dictionary the server receives for ``op`` (identity refs are handled before this)."""
    if PREPARED_KEYS.isdisjoint(dictionary):
        return dictionary  # the usual password query: every step below would hand it back unchanged
    check_access_control(dictionary, op)
    dictionary = normalize_issuer_value(dictionary)
    if op == "add":
        dictionary = infer_certificate_label(dictionary)
    ref = dictionary.get("v_Ref")
    dictionary = expand_ref(dictionary, for_query=op not in ("add", "update_attributes"))
    if op == "add" and "tkid" in dictionary:
        dictionary = prepare_token_add(dictionary, ref)
    return strip_auth_params(dictionary, op)
