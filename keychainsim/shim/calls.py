"""The four SecItem calls as the client side runs them: identities exploded, every other item routed.

``SecItem.m`` handles a ``SecIdentityRef`` (or the identity class in an update or a delete) before anything
else (``explode_identity()``, ``handleUpdateIdentity()``); everything else goes to
:mod:`keychainsim.shim.routing`. Each function raises :class:`~keychainsim.model.reject.Reject` for a
refused dictionary, as the engine does; the facade turns that into the status.
"""

from __future__ import annotations

from typing import Any

from keychainsim.shim import identities, routing
from keychainsim.shim.client import ref_kind
from keychainsim.shim.context import CallContext
from keychainsim.status import OSStatus


def add(ctx: CallContext, attributes: dict[str, Any]) -> tuple[OSStatus, Any]:
    if ref_kind(attributes.get("v_Ref")) == "identity":
        return identities.add_identity(ctx, attributes)
    return routing.add(ctx, attributes)


def copy_matching(ctx: CallContext, query: dict[str, Any]) -> tuple[OSStatus, Any]:
    if "v_Ref" in query and ref_kind(query["v_Ref"]) == "identity":
        return identities.copy_identity_ref(ctx, query)
    return routing.copy(ctx, query)


def update(ctx: CallContext, query: dict[str, Any], changes: dict[str, Any]) -> OSStatus:
    if ref_kind(query.get("v_Ref")) == "identity" or query.get("class") == "idnt":
        return identities.update_identity(ctx, query, changes)
    return routing.update(ctx, query, changes)


def delete(ctx: CallContext, query: dict[str, Any]) -> OSStatus:
    if identities.is_identity_delete(query):
        return identities.delete_identity(ctx, query)
    return routing.delete(ctx, query)
