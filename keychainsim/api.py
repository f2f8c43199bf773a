"""Apple's calls as module-level functions on a current keychain, for transcribed Swift code.

::

    from keychainsim.api import *
    with using(Keychain()):
        status, _ = SecItemAdd({kSecClass: kSecClassGenericPassword, ...})

The current keychain is a context variable, so threads and async tasks each see their own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from keychainsim.keychain import Keychain
from keychainsim.status import OSStatus

_current: ContextVar[Keychain | None] = ContextVar("keychainsim_current_keychain", default=None)


@contextmanager
def using(keychain: Keychain) -> Iterator[Keychain]:
    """Make ``keychain`` the one the module-level calls act on inside the block."""
    token = _current.set(keychain)
    try:
        yield keychain
    finally:
        _current.reset(token)


def current() -> Keychain:
    keychain = _current.get()
    if keychain is None:
        raise RuntimeError("no current keychain: wrap the calls in `with keychainsim.api.using(Keychain()):`")
    return keychain


def SecItemAdd(attributes: dict[str, Any]) -> tuple[OSStatus, Any]:
    return current().SecItemAdd(attributes)


def SecItemCopyMatching(query: dict[str, Any]) -> tuple[OSStatus, Any]:
    return current().SecItemCopyMatching(query)


def SecItemUpdate(query: dict[str, Any], attributes_to_update: dict[str, Any]) -> OSStatus:
    return current().SecItemUpdate(query, attributes_to_update)


def SecItemDelete(query: dict[str, Any]) -> OSStatus:
    return current().SecItemDelete(query)


def SecKeyCreateRandomKey(parameters: dict[str, Any]) -> tuple[Any, Any]:
    return current().SecKeyCreateRandomKey(parameters)


def SecIdentityCreateWithCertificate(certificate: Any) -> tuple[OSStatus, Any]:
    return current().SecIdentityCreateWithCertificate(certificate)


def SecPKCS12Import(data: bytes, options: dict[str, Any] | None = None) -> tuple[OSStatus, list[Any]]:
    """The keychain's import (which adds what the platform adds), not the pure module-level one."""
    return current().SecPKCS12Import(data, options)


def SecTrustCreateWithCertificates(certificates: Any, policies: Any) -> tuple[OSStatus, Any]:
    """The keychain's trust: its device's anchors, the certificates the app can read and its clock count,
    which the pure module-level function (a trust on no device) does not see."""
    return current().SecTrustCreateWithCertificates(certificates, policies)


__all__ = [
    "SecIdentityCreateWithCertificate",
    "SecItemAdd",
    "SecItemCopyMatching",
    "SecItemDelete",
    "SecItemUpdate",
    "SecKeyCreateRandomKey",
    "SecPKCS12Import",
    "SecTrustCreateWithCertificates",
    "current",
    "using",
]
