"""The Keychain facade: a device's keychain seen by one app (platform, entitlements, lock state).

Calls follow the API contract's conventions: ``SecItemCopyMatching`` returns ``(status, result)``,
``SecItemUpdate`` / ``SecItemDelete`` return the status. Refused dictionaries give Apple's status, never
an exception; exceptions are for Python misuse (TypeError) and for keys keychainsim does not model
(:class:`~keychainsim.errors.NotModeledError`).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from keychainsim import shim, tracing
from keychainsim.backend import Backend
from keychainsim.engine import contents, observe
from keychainsim.engine.contents import DeviceContents
from keychainsim.engine.context import ALL_GROUPS, TOKEN_GROUP, Caller, Clock, system_clock
from keychainsim.model.item import Item
from keychainsim.model.query import check_python_types, plain_dictionary
from keychainsim.model.reject import Reject
from keychainsim.shim.client import ref_kind
from keychainsim.shim.context import CallContext, CallRecord
from keychainsim.shim.identities import identity_for_certificate
from keychainsim.shim.keys import create_random_key
from keychainsim.shim.pkcs12 import store_imported
from keychainsim.status import OSStatus
from keychainsim.store.lock import LockWait

_SUCCESS = OSStatus.errSecSuccess

DEFAULT_ACCESS_GROUPS = ("A1B2C3D4E5.com.example.app",)
PLATFORMS = ("ios", "macos")

__all__ = ["DEFAULT_ACCESS_GROUPS", "PLATFORMS", "CallRecord", "DeviceContents", "Keychain"]


def _ref_types() -> tuple[type, ...]:
    """The Sec* ref classes, once the crypto layer has been imported by whoever made a ref."""
    crypto = sys.modules.get("keychainsim.crypto")
    if crypto is None:
        return ()
    return (crypto.SecKey, crypto.SecCertificate, crypto.SecIdentity, crypto.SecPolicy)


def _anchor_ders(anchors: Sequence[Any]) -> tuple[bytes, ...]:
    """Trust anchors as DER: SecCertificate refs are copied out, bytes taken as DER."""
    out = []
    for anchor in anchors:
        if isinstance(anchor, bytes):
            out.append(anchor)
        elif ref_kind(anchor) == "certificate":
            from keychainsim.crypto import SecCertificateCopyData

            out.append(SecCertificateCopyData(anchor))
        else:
            raise TypeError(f"trust_anchors: expected SecCertificate or DER bytes, got {type(anchor).__name__}")
    return tuple(out)


def _normalise_groups(groups: Sequence[str]) -> tuple[str, ...]:
    """§I.1: the token group, wherever the entitlement lists it, is moved to the end."""
    if isinstance(groups, str) or not all(isinstance(g, str) for g in groups):
        raise TypeError(f"access_groups must be a list of strings, got {groups!r}")
    ordered = [g for g in groups if g != TOKEN_GROUP]
    ordered += [g for g in groups if g == TOKEN_GROUP]
    return tuple(ordered)


class Keychain:
    """A simulated keychain as one app sees it.

    Args:
        platform: ``"ios"`` (data protection keychain only) or ``"macos"`` (the file-based and the data
            protection keychains side by side, routed as the SecItem shim does, reference §M).
        access_groups: the app's keychain access groups in entitlement order; the first is the default.
        store: None for an in-memory keychain, or a path to a persistent tinydb file.
        clock: returns the current time (timezone-aware); for reproducible dates.
        lock_timeout: with a store, how long to wait for another process holding its lock before
            StorageError.
        on_lock_wait: with a store, called with a :class:`~keychainsim.store.LockWait` when a call has to
            wait for another process (or thread) holding the store's lock; the command line says so.
        trust_anchors: certificates (SecCertificate or DER) the simulated device trusts as anchors, for
            kSecMatchTrustedOnly; a simulated device has none of Apple's roots, so the default is none.
        user_response: how the simulated user answers a prompt for an item protected by access-control
            constraints: ``"approve"`` (default), ``"cancel"`` (errSecUserCanceled) or ``"fail"``
            (errSecAuthFailed).
    """

    def __init__(
        self,
        platform: str = "ios",
        access_groups: Sequence[str] | None = None,
        store: str | Path | None = None,
        clock: Clock | None = None,
        *,
        lock_timeout: float = 10.0,
        on_lock_wait: Callable[[LockWait], None] | None = None,
        trust_anchors: Sequence[Any] = (),
        user_response: str = "approve",
        _backend: Backend | None = None,
    ) -> None:
        if platform not in PLATFORMS:
            raise ValueError(f"platform must be one of {PLATFORMS}, got {platform!r}")
        self.platform = platform
        groups = _normalise_groups(DEFAULT_ACCESS_GROUPS if access_groups is None else access_groups)
        if user_response not in ("approve", "cancel", "fail"):
            raise ValueError(f"user_response must be approve, cancel or fail, got {user_response!r}")
        self.caller = Caller(groups, anchors=_anchor_ders(trust_anchors), user_response=user_response)
        self._backend = _backend or Backend(store, lock_timeout, on_lock_wait)
        self._memory = self._backend.in_memory  # fixed for the backend's life: read once, not per call
        self.clock: Clock = clock or system_clock
        self.last_call: CallRecord | None = None
        self.observers: list[Callable[[str, tuple[Any, ...], Any, Keychain], None]] = []

    # -- device and callers ------------------------------------------------------------------

    @property
    def access_groups(self) -> list[str]:
        return list(self.caller.access_groups)

    @property
    def store_path(self) -> Path | None:
        return self._backend.path

    def with_entitlements(self, access_groups: Sequence[str], platform: str | None = None) -> Keychain:
        """Another app on the same device: the same items, other entitlements (and, for a scenario that
        replays one device's items under another platform's rules, another platform)."""
        other = Keychain(platform or self.platform, access_groups, clock=self.clock, _backend=self._backend)
        other.caller = Caller(
            other.caller.access_groups, anchors=self.caller.anchors, user_response=self.caller.user_response
        )
        other.observers = self.observers
        return other

    def lock(self) -> None:
        """Lock the device: class A (WhenUnlocked) items become unreadable (§K.2). The data protection
        keychain's class keys only: items of the macOS file-based keychain stay available (that keychain's
        own lock is not modelled; see ``engine.protection.item_available``)."""
        with self._backend.transaction() as db:
            db.device.unlocked = False
            db.changes += 1

    def unlock(self) -> None:
        with self._backend.transaction() as db:
            db.device.unlocked = True
            db.device.unlocked_since_boot = True
            db.changes += 1

    def restart(self) -> None:
        """Restart the device: locked and before first unlock, so class C items are unreadable too.
        Items protected ``until reboot`` (``f``) cannot be decrypted any more and are dropped."""
        with self._backend.transaction() as db:
            db.device.unlocked = False
            db.device.unlocked_since_boot = False
            for item in [i for i in db.all_items() if i.get("pdmn") == "f"]:
                db.remove(item)
            db.changes += 1

    def set_passcode(self, present: bool) -> None:
        """Set or remove the device passcode; removing it destroys WhenPasscodeSet items (§K.2)."""
        with self._backend.transaction() as db:
            db.device.passcode_set = present
            if not present:
                for item in [i for i in db.all_items() if i.get("pdmn") == "akpu"]:
                    db.remove(item)
            db.changes += 1

    @property
    def is_locked(self) -> bool:
        with self._backend.reading() as db:
            return not db.device.unlocked

    @property
    def revision(self) -> tuple[Any, int]:
        """A token that changes whenever a stored item or the device state changes, so that a reader (a trace)
        can reuse what it read while it stays the same. Compare it with :meth:`same_revision`: it holds the
        database object, and a store re-read from its file is another object."""
        with self._backend.transaction() as db:
            return (db, db.changes)

    @staticmethod
    def same_revision(a: tuple[Any, int] | None, b: tuple[Any, int] | None) -> bool:
        return a is not None and b is not None and a[0] is b[0] and a[1] == b[1]

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group calls into one store transaction (one lock, one read, one write)."""
        with self._backend.transaction():
            yield

    def all_items(self) -> list[Item]:
        """Every stored item of both keychains, tombstones included, whatever the caller may see."""
        with self._backend.reading() as db:
            return sorted(db.all_items(), key=lambda i: i.rowid)

    def export_contents(self) -> DeviceContents:
        """Every stored item, the device's lock state and the identity pairs the engine forms, read in one
        transaction so the parts agree: what a dump shows."""
        with self._backend.reading() as db:
            return contents.export(db)

    def restore_contents(self, device_contents: DeviceContents) -> None:
        """Put ``device_contents``' rows into this keychain's store exactly as they are (row ids, dates,
        digests and persistent refs untouched) and set the device's lock state: what loading a dump does.
        SecItemAdd would apply defaults, new dates and new persistent refs instead."""
        with self._backend.transaction() as db:
            contents.restore(db, device_contents)

    @contextmanager
    def call_context(self, name: str = "explain") -> Iterator[CallContext]:
        """The context a SecItem call on this keychain runs in (one store transaction), for tools that look
        at the engine the way a call would, such as ``explain``. Nothing is recorded as a call."""
        with self._backend.reading() as db:
            yield CallContext(db, self.caller, self.platform, self.clock, CallRecord(name, OSStatus.errSecSuccess))

    # -- SecItem -----------------------------------------------------------------------------

    def SecItemAdd(self, attributes: dict[str, Any]) -> tuple[OSStatus, Any]:
        return self._call("SecItemAdd", (attributes,), shim.add)

    def SecItemCopyMatching(self, query: dict[str, Any]) -> tuple[OSStatus, Any]:
        return self._call("SecItemCopyMatching", (query,), shim.copy_matching, write=False)

    def SecItemUpdate(self, query: dict[str, Any], attributes_to_update: dict[str, Any]) -> OSStatus:
        status, _ = self._call(
            "SecItemUpdate",
            (query, attributes_to_update),
            lambda ctx, query, changes: (shim.update(ctx, query, changes), None),
        )
        return status

    def SecItemDelete(self, query: dict[str, Any]) -> OSStatus:
        status, _ = self._call("SecItemDelete", (query,), lambda ctx, query: (shim.delete(ctx, query), None))
        return status

    def _call(
        self,
        name: str,
        args: tuple[Any, ...],
        body: Callable[..., tuple[OSStatus, Any]],
        write: bool = True,
    ) -> tuple[OSStatus, Any]:
        """Run ``body(context, *args)`` as one SecItem call: its arguments checked, in one store transaction,
        its status and refusal reason recorded in ``last_call`` and its observers told."""
        record = CallRecord(name, _SUCCESS, args=args)
        token = tracing.enter()  # the work of this call: traced functions it uses are no steps of their own
        try:
            for arg in args:
                if not plain_dictionary(arg):
                    check_python_types(arg, f"{name} argument", _ref_types())
            observe.forget_absorbed()
            memory = self._memory
            if memory is not None:
                with memory[0]:
                    status, result = body(CallContext(memory[1], self.caller, self.platform, self.clock, record), *args)
            else:
                with self._backend.transaction(write=write) as db:
                    status, result = body(CallContext(db, self.caller, self.platform, self.clock, record), *args)
        except Reject as refused:
            status, result = refused.status, None
            record.reason, record.key = refused.reason, refused.key
        finally:
            tracing.leave(token)
        if status is not _SUCCESS:
            record.status = status = status if type(status) is OSStatus else OSStatus(status)
            if status != _SUCCESS and not record.reason:
                # A composite call (macOS's two keychains, an identity's halves) returned a part's refusal.
                absorbed = observe.absorbed_since()
                if absorbed is not None and absorbed.status == status:
                    record.reason, record.key = absorbed.reason, absorbed.key
        self.last_call = record
        if self.observers:
            self._notify(name, args, (status, result))
        return status, result

    # -- keys and identities -----------------------------------------------------------------

    def SecKeyCreateRandomKey(self, parameters: dict[str, Any]) -> tuple[Any, Any]:
        """``(private key, error)``; stores the halves the parameters make permanent (keys reference §A)."""
        check_python_types(parameters, "SecKeyCreateRandomKey parameters", _ref_types())
        record = CallRecord("SecKeyCreateRandomKey", OSStatus.errSecSuccess, args=(parameters,))
        with tracing.inside(), self._backend.transaction() as db:
            key, error = create_random_key(CallContext(db, self.caller, self.platform, self.clock, record), parameters)
        if error is not None:
            record.status = OSStatus(error.code) if error.code in OSStatus._value2member_map_ else record.status
        self.last_call = record
        self._notify("SecKeyCreateRandomKey", (parameters,), (key, error))
        return key, error

    def SecIdentityCreateWithCertificate(self, certificate: Any) -> tuple[OSStatus, Any]:
        """macOS API: the identity of ``certificate`` and the private key with ``klbl`` equal to its public-key
        hash, searched in every keychain this app can read (keys reference §H.1, §A.7)."""
        record = CallRecord("SecIdentityCreateWithCertificate", OSStatus.errSecSuccess)
        with tracing.inside(), self._backend.reading() as db:
            return identity_for_certificate(
                CallContext(db, self.caller, self.platform, self.clock, record), certificate
            )

    def SecPKCS12Import(self, data: bytes, options: dict[str, Any] | None = None) -> tuple[OSStatus, list[Any]]:
        """The module-level import, plus what the platform adds to this keychain (keys reference §I.1):

        - iOS adds nothing unless ``kSecUseDataProtectionKeychain`` is true; then each identity is added
          (class idnt, by ref) and each chain certificate (class cert), with the other option keys
          (access group, label, sync) forwarded and duplicates ignored;
        - macOS imports into the file-based keychain by default, into the data protection keychain with
          ``kSecUseDataProtectionKeychain: true``, and nowhere with ``kSecImportToMemoryOnly: true``.
        """
        from keychainsim.crypto import SecPKCS12Import

        options = dict(options or {})
        record = CallRecord("SecPKCS12Import", OSStatus.errSecSuccess, args=(data, options))
        with tracing.inside():
            status, items = SecPKCS12Import(data, options, platform=self.platform)
            if status == OSStatus.errSecSuccess:
                with self._backend.transaction() as db:
                    ctx = CallContext(db, self.caller, self.platform, self.clock, record)
                    status = store_imported(ctx, items, options)
        record.status = status
        self.last_call = record
        self._notify("SecPKCS12Import", (data, options), (status, items))
        return status, items

    # -- trust -----------------------------------------------------------------------------

    def SecTrustCreateWithCertificates(self, certificates: Any, policies: Any) -> tuple[OSStatus, Any]:
        """The module-level ``SecTrustCreateWithCertificates`` on this device: the trust's anchors, unless
        replaced with ``SecTrustSetAnchorCertificates``, are this keychain's ``trust_anchors`` (the simulated
        device's trust store; none by default), its intermediates include the certificates this app can read
        in the data protection keychain (trustd's keychain source), and its default date is this keychain's
        clock."""
        from keychainsim.crypto.sectrust import SecTrustCreateWithCertificates, TrustDevice

        device = TrustDevice(anchors=self.caller.anchors, certificates=self._readable_certificates, clock=self.clock)
        with tracing.inside():
            status, trust = SecTrustCreateWithCertificates(certificates, policies, device=device)
        self._notify("SecTrustCreateWithCertificates", (certificates, policies), (status, trust))
        return status, trust

    def _readable_certificates(self) -> list[bytes]:
        from keychainsim.engine.copy import readable_certificates

        groups = self.caller.access_groups
        if not groups:
            return []  # an app without a keychain access group reads no certificate
        with self._backend.reading() as db:
            return readable_certificates(db, "dp", None if ALL_GROUPS in groups else groups)

    def _notify(self, name: str, args: tuple[Any, ...], result: Any) -> None:
        for observer in self.observers:
            observer(name, args, result, self)

    def __repr__(self) -> str:
        where = f", store={str(self.store_path)!r}" if self.store_path else ""
        return f"Keychain(platform={self.platform!r}, access_groups={self.access_groups!r}{where})"
