"""SecKeyCreateRandomKey's keychain side: the generated halves are added as ordinary items.

The parameter rules (what is generated, which halves are permanent, in which order) belong to the crypto
layer (:func:`keychainsim.crypto.create_random_key`, ``SecKey.m: SecKeyCreateRandomKey, add_key``); each
half it asks to store goes through the same SecItemAdd as a caller's own add, so its refusal reason is the
call's.
"""

from __future__ import annotations

from typing import Any

from keychainsim.model.reject import Reject
from keychainsim.shim import calls
from keychainsim.shim.context import CallContext


def create_random_key(ctx: CallContext, parameters: dict[str, Any]) -> tuple[Any, Any]:
    """``(private key, CFError | None)``, storing the halves the parameters make permanent."""
    from keychainsim.crypto import create_random_key as generate

    def add_one(attributes: dict[str, Any]) -> int:
        try:
            status, _ = calls.add(ctx, attributes)
        except Reject as refused:
            ctx.refused(refused.reason, refused.key)
            return refused.status
        return status

    return generate(parameters, add_one)
