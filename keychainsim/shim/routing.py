"""Where one item's SecItem call goes: the data protection engine on iOS, the macOS shim on macOS.

Identities never come here whole: :mod:`keychainsim.shim.identities` explodes them into a certificate and
a key first, and each half is routed by this module like any other item.
"""

from __future__ import annotations

from typing import Any

from keychainsim.engine.add import add as dp_add
from keychainsim.engine.copy import copy_matching
from keychainsim.engine.delete import delete as dp_delete
from keychainsim.engine.update import update as dp_update
from keychainsim.model.item import DP
from keychainsim.shim import macos
from keychainsim.shim.client import prepare
from keychainsim.shim.context import CallContext
from keychainsim.status import OSStatus


def add(ctx: CallContext, attributes: dict[str, Any]) -> tuple[OSStatus, Any]:
    if ctx.platform == "macos":
        return macos.add(ctx, attributes)
    return dp_add(ctx.db, ctx.caller, prepare(attributes, "add"), ctx.clock)


def copy(ctx: CallContext, query: dict[str, Any]) -> tuple[OSStatus, Any]:
    if ctx.platform == "macos":
        return macos.copy(ctx, query)
    return copy_matching(ctx.db, ctx.caller, prepare(query, "copy"), DP, ctx.platform, ctx.clock)


def update(ctx: CallContext, query: dict[str, Any], changes: dict[str, Any]) -> OSStatus:
    if ctx.platform == "macos":
        return macos.update(ctx, query, changes)
    return dp_update(
        ctx.db, ctx.caller, prepare(query, "update"), prepare(changes, "update_attributes"), ctx.clock, ctx.platform
    )


def delete(ctx: CallContext, query: dict[str, Any]) -> OSStatus:
    if ctx.platform == "macos":
        return macos.delete(ctx, query)
    return dp_delete(ctx.db, ctx.caller, prepare(query, "delete"), ctx.clock, ctx.platform)
