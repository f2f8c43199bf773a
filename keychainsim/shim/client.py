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


def expand_ref(dictionary: dict[str, Any], for_query: bool) -> dict[str, Any]:
    """Replace kSecValueRef by the ref's attributes, adding only keys the caller did not supply."""
    if "v_Ref" not in dictionary:
        return dictionary
    ref = dictionary["v_Ref"]
    kind = ref_kind(ref)
    if type(ref).__name__ == "SecKeychainItem":
        from keychainsim.errors import NotModeledError

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


def prepare(dictionary: dict[str, Any], op: str) -> dict[str, Any]:
    """The dictionary the server receives for ``op`` (identity refs are handled before this)."""
    check_access_control(dictionary, op)
    dictionary = normalize_issuer_value(dictionary)
    if op == "add":
        dictionary = infer_certificate_label(dictionary)
    dictionary = expand_ref(dictionary, for_query=op not in ("add", "update_attributes"))
    return strip_auth_params(dictionary, op)
