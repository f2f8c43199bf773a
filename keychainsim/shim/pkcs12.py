"""What ``SecPKCS12Import`` adds to the keychain after decoding, per platform (keys reference §I.1).

The decoding is the crypto layer's (:func:`keychainsim.crypto.SecPKCS12Import`); this module makes the adds
the platform's wrapper makes: iOS only with ``kSecUseDataProtectionKeychain: true`` (each identity by ref,
each chain certificate; ``OSX/sec/Security/SecImportExport.c: SecPKCS12ImportToModernKeychain``), macOS by
default into the file-based keychain (``OSX/libsecurity_keychain/lib/SecImportExport.c: SecPKCS12Import``)
and nowhere with ``kSecImportToMemoryOnly: true``.

Importing the same file again on macOS succeeds and adds nothing: Security-61901's
``SecIdentityImportToFileBackedKeychain()`` reuses a private key the keychain already holds
(``copyPrivateKeyForPublicKeyDigest()``) and takes the certificate's errSecDuplicateItem as success. macOS 14
and earlier (Security-61040 and before) imported the whole file with ``SecKeychainItemImport`` and returned
errSecDuplicateItem; keychainsim models the current generation.
"""

from __future__ import annotations

from typing import Any

from keychainsim.engine import observe
from keychainsim.model.reject import Reject
from keychainsim.shim import calls
from keychainsim.shim.context import CallContext
from keychainsim.status import OSStatus

NOT_FORWARDED = ("passphrase", "memory", "keychain", "access")
"""Import options that are not item attributes: never forwarded to the adds."""


def store_imported(ctx: CallContext, items: list[dict[str, Any]], options: dict[str, Any]) -> OSStatus:
    """The adds an import makes on this platform, in the caller's transaction; duplicates are ignored."""
    status = OSStatus.errSecSuccess
    to_dp = options.get("nleg") is True
    to_file = ctx.platform == "macos" and not to_dp and options.get("memory") is not True
    if not (to_dp or to_file):
        return status
    forwarded = {k: v for k, v in options.items() if k not in NOT_FORWARDED}
    adds: list[dict[str, Any]] = []
    for entry in items:
        identity = entry.get("identity")
        if to_dp:
            if identity is not None:
                adds.append({**forwarded, "nleg": True, "class": "idnt", "v_Ref": identity})
            adds.extend({**forwarded, "nleg": True, "class": "cert", "v_Ref": c} for c in entry.get("chain", [])[1:])
        else:
            from keychainsim.crypto import SecIdentityCopyCertificate, SecIdentityCopyPrivateKey, SecIdentityCreate

            if identity is not None:
                # SecIdentityImportToFileBackedKeychain(): the key is imported into the file-based keychain
                # (a CDSA key from then on), the certificate added there, and the returned identity is
                # rebuilt around the keychain's key.
                certificate = SecIdentityCopyCertificate(identity)[1]
                key = SecIdentityCopyPrivateKey(identity)[1]._as_cdsa()
                adds.append({"nleg": False, "class": "cert", "v_Ref": certificate})
                adds.append({"nleg": False, "class": "keys", "v_Ref": key})
                entry["identity"] = SecIdentityCreate(certificate, key) or identity
            adds.extend({"nleg": False, "class": "cert", "v_Ref": c} for c in entry.get("chain", [])[1:])
    for attributes in adds:
        try:
            added, _ = calls.add(ctx, attributes)
        except Reject as refused:
            added = refused.status
            observe.absorbed(refused)
            ctx.refused(refused.reason, refused.key)
        if added not in (OSStatus.errSecSuccess, OSStatus.errSecDuplicateItem):
            return added
    return status
