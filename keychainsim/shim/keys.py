"""SecKeyCreateRandomKey's keychain side: the generated halves are added as ordinary items.

The parameter rules (what is generated, which halves are permanent, in which order) belong to the crypto
layer (:func:`keychainsim.crypto.create_random_key`, ``SecKey.m: SecKeyCreateRandomKey, add_key``); each
half it asks to store goes through the same SecItemAdd as a caller's own add, so its refusal reason is the
call's.

On macOS, ``OSX/libsecurity_keychain/lib/SecKey.cpp: _SecKeyCreateRandomKey()`` first decides which
implementation makes the key: each half's full parameters (the top level overridden by its sub-dictionary,
class kSecClassKey; ``CopyFullKeyParameters()``) are routed as a query would be (``SecItemCategorizeQuery()``).
If both halves can go to the file-based keychain, the CDSA implementation makes the pair and stores the
halves marked permanent there (``_SecCDSAKeyCreateRandomKey()``); otherwise, if both can go to the data
protection keychain, the iOS implementation does (``SecKeyCreateRandomKey_ios``); else the parameters are
inconsistent (-50). So without kSecUseDataProtectionKeychain or a token ID, a Mac app's key lands in the
file-based keychain.
"""

from __future__ import annotations

from typing import Any

from keychainsim.engine import observe
from keychainsim.model.item import DP, FILE
from keychainsim.model.reject import Reject
from keychainsim.shim import calls, macos
from keychainsim.shim.context import CallContext
from keychainsim.status import CFError, OSStatus


def full_parameters(parameters: dict[str, Any], half: str) -> dict[str, Any]:
    """``CopyFullKeyParameters()``: the parameters with class kSecClassKey, overridden by the half's
    sub-dictionary."""
    merged = {**parameters, "class": "keys"}
    sub = parameters.get(half)  # kSecPrivateKeyAttrs is "private", kSecPublicKeyAttrs "public"
    if isinstance(sub, dict):
        merged.update(sub)
    return merged


def implementation(parameters: dict[str, Any]) -> str:
    """Which keychain's implementation makes the key on macOS: ``FILE`` (CDSA) or ``DP`` (iOS).

    Raises:
        Reject: -50 when one half can only go to one keychain and the other only to the other, or when
            a half's parameters are refused by the routing itself.
    """
    private = macos.targets(full_parameters(parameters, "private"))
    public = macos.targets(full_parameters(parameters, "public"))
    if FILE in private and FILE in public:
        return FILE
    if DP in private and DP in public:
        return DP
    raise Reject(
        OSStatus.errSecParam, "inconsistent key parameters, cannot target neither modern nor legacy key implementation"
    )


def create_random_key(ctx: CallContext, parameters: dict[str, Any]) -> tuple[Any, Any]:
    """``(private key, CFError | None)``, storing the halves the parameters make permanent."""
    from keychainsim.crypto import create_random_key as generate

    cdsa = False
    if ctx.platform == "macos" and isinstance(parameters, dict):
        try:
            cdsa = implementation(parameters) == FILE
        except Reject as refused:
            ctx.refused(refused.reason, refused.key)
            return None, CFError.from_status(refused.status, refused.reason)

    def add_one(attributes: dict[str, Any]) -> int:
        if cdsa:
            attributes = {**attributes, "v_Ref": attributes["v_Ref"]._as_cdsa()}
        try:
            status, _ = calls.add(ctx, attributes)
        except Reject as refused:
            observe.absorbed(refused)
            ctx.refused(refused.reason, refused.key)
            return refused.status
        return status

    key, error = generate(parameters, add_one)
    return (key._as_cdsa() if cdsa and key is not None else key), error
