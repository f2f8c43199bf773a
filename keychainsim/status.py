"""OSStatus codes and CFError, with Apple's names, numbers and messages.

Sources: ``base/SecBase.h`` (public codes and their header comments, which are Apple's messages) and
``base/SecBasePriv.h`` (SPI codes and the aliases of -50 and -4), repository
apple-oss-distributions/Security. Where an SPI alias shares a value with a public code, the public
name is canonical and the alias resolves to it (``OSStatus.errSecItemInvalidKey is OSStatus.errSecParam``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class OSStatus(IntEnum):
    """A Security-framework result code; compares equal to its number.

    ``str(status)`` gives the name, the number and Apple's message, the form every keychainsim message
    uses.
    """

    errSecSuccess = 0
    errSecUnimplemented = -4
    errSecIO = -36
    errSecParam = -50
    errSecAllocate = -108
    errSecUserCanceled = -128
    errSecBadReq = -909
    errSecInternalComponent = -2070
    errSecUnknownFormat = -25257
    errSecPassphraseRequired = -25260
    errSecNotAvailable = -25291
    errSecReadOnly = -25292
    errSecAuthFailed = -25293
    errSecNoSuchKeychain = -25294
    errSecInvalidKeychain = -25295
    errSecDuplicateItem = -25299
    errSecItemNotFound = -25300
    errSecNoSuchAttr = -25303
    errSecInvalidItemRef = -25304
    errSecNoSuchClass = -25306
    errSecNoDefaultKeychain = -25307
    errSecInteractionNotAllowed = -25308
    errSecReadOnlyAttr = -25309
    errSecKeySizeNotAllowed = -25311
    errSecAuthNeeded = -25330
    errSecCreateChainFailed = -25318
    errSecDecode = -26275
    errSecInternal = -26276
    errSecMissingEntitlement = -34018
    errSecUpgradePending = -34019
    errSecRestrictedAPI = -34020
    errSecHostNameMismatch = -67602
    errSecInvalidExtendedKeyUsage = -67609
    errSecInvalidKeyRef = -67712
    errSecVerifyFailed = -67808
    errSecCertificateExpired = -67818
    errSecCertificateNotValidYet = -67819
    errSecNotTrusted = -67843

    # SPI aliases (SecBasePriv.h): same numbers, so they resolve to the canonical member above.
    errSecUnsupportedOperation = -4
    errSecUnsupportedAlgorithm = -4
    errSecItemInvalidKey = -50
    errSecItemInvalidKeyType = -50
    errSecItemInvalidValue = -50
    errSecItemClassMissing = -50
    errSecItemMatchUnsupported = -50
    errSecUseItemListUnsupported = -50
    errSecUseKeychainUnsupported = -50
    errSecReturnDataUnsupported = -50
    errSecReturnAttributesUnsupported = -50
    errSecReturnRefUnsupported = -50
    errSecReturnPersistentRefUnsupported = -50
    errSecValueRefUnsupported = -50
    errSecValuePersistentRefUnsupported = -50
    errSecReturnMissingPointer = -50
    errSecMatchLimitUnsupported = -50
    errSecItemIllegalQuery = -50
    errSecInvalidCertificate = -26275

    @property
    def message(self) -> str:
        """Apple's one-line description of the code (the SecBase.h header comment)."""
        return _MESSAGES.get(self, "")

    def __str__(self) -> str:
        return f"{self.name} ({int(self)}): {self.message}" if self.message else f"{self.name} ({int(self)})"


_MESSAGES: dict[OSStatus, str] = {
    OSStatus.errSecSuccess: "No error.",
    OSStatus.errSecUnimplemented: "Function or operation not implemented.",
    OSStatus.errSecIO: "I/O error.",
    OSStatus.errSecParam: "One or more parameters passed to a function were not valid.",
    OSStatus.errSecAllocate: "Failed to allocate memory.",
    OSStatus.errSecUserCanceled: "User canceled the operation.",
    OSStatus.errSecBadReq: "Bad parameter or invalid state for operation.",
    OSStatus.errSecInternalComponent: "An internal component failed.",
    OSStatus.errSecUnknownFormat: "The item you are trying to import has an unknown format.",
    OSStatus.errSecPassphraseRequired: "Passphrase is required for import/export.",
    OSStatus.errSecNotAvailable: "No keychain is available. You may need to restart your computer.",
    OSStatus.errSecReadOnly: "This keychain cannot be modified.",
    OSStatus.errSecAuthFailed: "The user name or passphrase you entered is not correct.",
    OSStatus.errSecNoSuchKeychain: "The specified keychain could not be found.",
    OSStatus.errSecInvalidKeychain: "The specified keychain is not a valid keychain file.",
    OSStatus.errSecDuplicateItem: "The specified item already exists in the keychain.",
    OSStatus.errSecItemNotFound: "The specified item could not be found in the keychain.",
    OSStatus.errSecNoSuchAttr: "The specified attribute does not exist.",
    OSStatus.errSecInvalidItemRef: (
        "The specified item is no longer valid. It may have been deleted from the keychain."
    ),
    OSStatus.errSecNoSuchClass: "The specified item does not appear to be a valid keychain item.",
    OSStatus.errSecNoDefaultKeychain: "A default keychain could not be found.",
    OSStatus.errSecInteractionNotAllowed: "User interaction is not allowed.",
    OSStatus.errSecReadOnlyAttr: "The specified attribute could not be modified.",
    OSStatus.errSecKeySizeNotAllowed: "The key size is not allowed.",
    OSStatus.errSecAuthNeeded: "Auth is needed before the requested action can be performed.",
    OSStatus.errSecDecode: "Unable to decode the provided data.",
    OSStatus.errSecInternal: "An internal error occurred in the Security framework.",
    OSStatus.errSecMissingEntitlement: "A required entitlement isn't present.",
    OSStatus.errSecUpgradePending: "Keychain database needs an upgrade; the device is locked.",
    OSStatus.errSecRestrictedAPI: "Client is restricted and is not permitted to perform this operation.",
    OSStatus.errSecCreateChainFailed: "One or more certificates required to validate this certificate cannot be found.",
    OSStatus.errSecHostNameMismatch: "A host name mismatch has occurred.",
    OSStatus.errSecInvalidExtendedKeyUsage: "The extended key usage is not valid.",
    OSStatus.errSecInvalidKeyRef: "The key reference is invalid.",
    OSStatus.errSecVerifyFailed: "A cryptographic verification failure has occurred.",
    OSStatus.errSecCertificateExpired: "An expired certificate was detected.",
    OSStatus.errSecCertificateNotValidYet: "The certificate is not yet valid.",
    OSStatus.errSecNotTrusted: "The certificate was not trusted.",
}


@dataclass(frozen=True)
class CFError:
    """What a CFErrorRef out-parameter carries: domain, code and a description.

    Every SecKey / SecItem error in Apple's client code is built with domain ``NSOSStatusErrorDomain``
    and the OSStatus as code (``OSX/utilities/SecCFError.c: SecError``).
    """

    code: int
    description: str
    domain: str = "NSOSStatusErrorDomain"
    underlying: CFError | None = None
    """The error under this one (kCFErrorUnderlyingErrorKey): SecTrustEvaluateWithError's carries every
    certificate's failures there while its own description names the one that decided the code."""

    @classmethod
    def from_status(cls, status: OSStatus, description: str = "") -> CFError:
        """An OSStatus-domain error; the description defaults to Apple's message for the code."""
        return cls(code=int(status), description=description or status.message)

    @property
    def status(self) -> OSStatus | int:
        """The code as an :class:`OSStatus` where it is one."""
        try:
            return OSStatus(self.code)
        except ValueError:
            return self.code

    def __str__(self) -> str:
        return f"{self.domain} {self.code}: {self.description}"


# errSec* names at module level, so ``from keychainsim.constants import *`` brings them in too.
globals().update({name: OSStatus[name] for name in OSStatus.__members__})

__all__ = ["CFError", "OSStatus", *OSStatus.__members__]
