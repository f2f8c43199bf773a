"""The client shim: what runs in the app's process between the facade and the keychain engine.

Apple's SecItem calls pass through ``SecItem.cpp`` on macOS (routing between the file-based and the data
protection keychains, dictionary translation, result merging) and ``SecItem.m`` on every platform (identity
explosion, ref expansion, authentication parameters) before the server sees a dictionary (reference
secitem-engine.md §0.3). This package is that layer: the facade hands it a :class:`CallContext` and it
calls the engine; nothing here imports the facade, and the engine imports nothing from here.

- :mod:`~.calls`: the four SecItem calls (identities exploded, everything else routed);
- :mod:`~.routing`: one item's call to the data protection engine (iOS) or the macOS shim;
- :mod:`~.macos`: ``SecItem.cpp``: which keychain, the translated dictionaries, merged results;
- :mod:`~.identities`: ``SecItem.m``'s identity handling, and SecIdentityCreateWithCertificate;
- :mod:`~.client`: ``SecItem.m``'s dictionary preparation;
- :mod:`~.keys`, :mod:`~.pkcs12`: the adds SecKeyCreateRandomKey and SecPKCS12Import make.
"""

from keychainsim.shim.calls import add, copy_matching, delete, update
from keychainsim.shim.context import CallContext, CallRecord

__all__ = ["CallContext", "CallRecord", "add", "copy_matching", "delete", "update"]
