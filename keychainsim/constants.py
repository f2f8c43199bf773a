"""Apple's Security-framework vocabulary: every kSec* constant keychainsim uses, with its raw value.

The values are the raw strings Apple's framework puts in dictionaries (``kSecAttrLabel == "labl"``), so
a dictionary written with these names and one copied from a device dump mean the same thing.

Source of every raw value: ``OSX/sec/Security/SecItemConstants.c`` (all platforms) and, for "macOS only"
rows, ``OSX/include/security_keychain/SecItemConstants.c``; the import/export keys come from
``OSX/sec/Security/SecImportExport.c`` and the algorithm identifiers from ``OSX/sec/Security/SecKeyAdaptors.m``
(repository apple-oss-distributions/Security, tag Security-61901.0.87.0.1). The comment after each value
says which header declares it and any note the reference keeps for it.

Several Apple names share one raw value (``kSecAttrKeyType`` and ``kSecAttrType`` are both ``"type"``);
:data:`NAME_OF` picks the name a person most expects for each raw value and :data:`VALUE_OF` maps every
name to its value.
"""

from __future__ import annotations

from keychainsim.status import *  # noqa: F403  (errSec* names travel with the constants, as in Swift)
from keychainsim.status import OSStatus

# A.1 Class key and class values
kSecClass = "class"  # SecItem.h
kSecClassGenericPassword = "genp"  # SecItem.h
kSecClassInternetPassword = "inet"  # SecItem.h
kSecClassAppleSharePassword = "apls"  # SecItemPriv.h; not accepted by DP server (errSecNoSuchClass)
kSecClassCertificate = "cert"  # SecItem.h
kSecClassKey = "keys"  # SecItem.h
kSecClassIdentity = "idnt"  # SecItem.h

# A.2 Item attribute keys (kSecAttr*, raw 4-char keys)
kSecAttrAccessible = "pdmn"  # SecItem.h
kSecAttrAccessControl = "accc"  # SecItem.h
kSecAttrAccessGroup = "agrp"  # SecItem.h
kSecAttrCreationDate = "cdat"  # SecItem.h
kSecAttrModificationDate = "mdat"  # SecItem.h
kSecAttrDescription = "desc"  # SecItem.h
kSecAttrComment = "icmt"  # SecItem.h
kSecAttrCreator = "crtr"  # SecItem.h
kSecAttrType = "type"  # SecItem.h
kSecAttrLabel = "labl"  # SecItem.h
kSecAttrIsInvisible = "invi"  # SecItem.h
kSecAttrIsNegative = "nega"  # SecItem.h
kSecAttrAccount = "acct"  # SecItem.h
kSecAttrService = "svce"  # SecItem.h
kSecAttrGeneric = "gena"  # SecItem.h
kSecAttrSecurityDomain = "sdmn"  # SecItem.h
kSecAttrServer = "srvr"  # SecItem.h
kSecAttrProtocol = "ptcl"  # SecItem.h
kSecAttrAuthenticationType = "atyp"  # SecItem.h
kSecAttrPort = "port"  # SecItem.h
kSecAttrPath = "path"  # SecItem.h
kSecAttrVolume = "volm"  # SecItemPriv.h
kSecAttrAddress = "addr"  # SecItemPriv.h
kSecAttrAFPServerSignature = "afps"  # SecItemPriv.h
kSecAttrAlias = "alis"  # SecItemPriv.h
kSecAttrSubject = "subj"  # SecItem.h
kSecAttrIssuer = "issr"  # SecItem.h
kSecAttrSerialNumber = "slnr"  # SecItem.h
kSecAttrSubjectKeyID = "skid"  # SecItem.h
kSecAttrPublicKeyHash = "pkhh"  # SecItem.h
kSecAttrCertificateType = "ctyp"  # SecItem.h
kSecAttrCertificateEncoding = "cenc"  # SecItem.h
kSecAttrKeyClass = "kcls"  # SecItem.h
kSecAttrApplicationLabel = "klbl"  # SecItem.h
kSecAttrIsPermanent = "perm"  # SecItem.h
kSecAttrIsPrivate = "priv"  # SecItemPriv.h
kSecAttrIsModifiable = "modi"  # SecItemPriv.h
kSecAttrApplicationTag = "atag"  # SecItem.h
kSecAttrKeyCreator = "crtr"  # SecItemPriv.h; same raw key as kSecAttrCreator
kSecAttrKeyType = "type"  # SecItem.h; same raw key as kSecAttrType
kSecAttrKeySizeInBits = "bsiz"  # SecItem.h
kSecAttrEffectiveKeySize = "esiz"  # SecItem.h
kSecAttrStartDate = "sdat"  # SecItemPriv.h
kSecAttrEndDate = "edat"  # SecItemPriv.h
kSecAttrIsSensitive = "sens"  # SecItem.h, SecItemPriv.h
kSecAttrWasAlwaysSensitive = "asen"  # SecItemPriv.h
kSecAttrIsExtractable = "extr"  # SecItem.h, SecItemPriv.h
kSecAttrWasNeverExtractable = "next"  # SecItemPriv.h
kSecAttrCanEncrypt = "encr"  # SecItem.h
kSecAttrCanDecrypt = "decr"  # SecItem.h
kSecAttrCanDerive = "drve"  # SecItem.h
kSecAttrCanSign = "sign"  # SecItem.h
kSecAttrCanVerify = "vrfy"  # SecItem.h
kSecAttrCanSignRecover = "snrc"  # SecItemPriv.h
kSecAttrCanVerifyRecover = "vyrc"  # SecItemPriv.h
kSecAttrCanWrap = "wrap"  # SecItem.h
kSecAttrCanUnwrap = "unwp"  # SecItem.h
kSecAttrSyncViewHint = "vwht"  # SecItem.h, SecItemPriv.h
kSecAttrTokenID = "tkid"  # SecItem.h
kSecAttrScriptCode = "scrp"  # SecItemPriv.h
kSecAttrHasCustomIcon = "cusi"  # SecItemPriv.h
kSecAttrCRLType = "crlt"  # SecItemPriv.h
kSecAttrCRLEncoding = "crle"  # SecItemPriv.h
kSecAttrSynchronizable = "sync"  # SecItem.h
kSecAttrTombstone = "tomb"  # SecItemPriv.h
kSecAttrMultiUser = "musr"  # SecItemPriv.h
kSecAttrNoLegacy = "nleg"  # SecItemPriv.h; deprecated SPI twin of kSecUseDataProtectionKeychain
kSecAttrTokenOID = "toid"  # SecItemPriv.h
kSecAttrUUID = "UUID"  # SecItemPriv.h
kSecAttrPersistantReference = "persistref"  # SecItem.h; misspelled alias
kSecAttrPersistentReference = "persistref"  # SecItem.h
kSecAttrSysBound = "sysb"  # SecItemPriv.h
kSecAttrSHA1 = "sha1"  # SecItemPriv.h
kSecAttrDeriveSyncIDFromItemAttributes = "dspk"  # SecItemPriv.h
kSecAttrPCSPlaintextServiceIdentifier = "pcss"  # SecItemPriv.h
kSecAttrPCSPlaintextPublicKey = "pcsk"  # SecItemPriv.h
kSecAttrPCSPlaintextPublicIdentity = "pcsi"  # SecItemPriv.h
kSecDataInetExtraNotes = "binn"  # SecItemPriv.h
kSecDataInetExtraHistory = "bini"  # SecItemPriv.h
kSecDataInetExtraClientDefined0 = "bin0"  # SecItemPriv.h
kSecDataInetExtraClientDefined1 = "bin1"  # SecItemPriv.h
kSecDataInetExtraClientDefined2 = "bin2"  # SecItemPriv.h
kSecDataInetExtraClientDefined3 = "bin3"  # SecItemPriv.h
kSecAttrSharingGroup = "ggrp"  # SecItemPriv.h; alias kSecAttrGroupKitGroup
kSecAttrAccess = "acls"  # SecItem.h, macOS only
kSecAttrPRF = "prf"  # SecItem.h, macOS only
kSecAttrSalt = "salt"  # SecItem.h, macOS only
kSecAttrRounds = "rounds"  # SecItem.h, macOS only

# A.3 kSecAttrAccessible values
kSecAttrAccessibleWhenUnlocked = "ak"  # SecItem.h
kSecAttrAccessibleAfterFirstUnlock = "ck"  # SecItem.h
kSecAttrAccessibleAlways = "dk"  # SecItem.h; deprecated; still accepted
kSecAttrAccessibleWhenUnlockedThisDeviceOnly = "aku"  # SecItem.h
kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly = "cku"  # SecItem.h
kSecAttrAccessibleAlwaysThisDeviceOnly = "dku"  # SecItem.h; deprecated; still accepted
kSecAttrAccessibleWhenPasscodeSetThisDeviceOnly = "akpu"  # SecItem.h
kSecAttrAccessibleAlwaysPrivate = "dk"  # SecItemPriv.h; = dk
kSecAttrAccessibleAlwaysThisDeviceOnlyPrivate = "dku"  # SecItemPriv.h; = dku
kSecAttrAccessibleUntilReboot = "f"  # SecItemPriv.h

# A.4 kSecAttrProtocol values (inet "ptcl")
kSecAttrProtocolFTP = "ftp "  # SecItem.h
kSecAttrProtocolFTPAccount = "ftpa"  # SecItem.h
kSecAttrProtocolHTTP = "http"  # SecItem.h
kSecAttrProtocolIRC = "irc "  # SecItem.h
kSecAttrProtocolNNTP = "nntp"  # SecItem.h
kSecAttrProtocolPOP3 = "pop3"  # SecItem.h
kSecAttrProtocolSMTP = "smtp"  # SecItem.h
kSecAttrProtocolSOCKS = "sox "  # SecItem.h
kSecAttrProtocolIMAP = "imap"  # SecItem.h
kSecAttrProtocolLDAP = "ldap"  # SecItem.h
kSecAttrProtocolAppleTalk = "atlk"  # SecItem.h
kSecAttrProtocolAFP = "afp "  # SecItem.h
kSecAttrProtocolTelnet = "teln"  # SecItem.h
kSecAttrProtocolSSH = "ssh "  # SecItem.h
kSecAttrProtocolFTPS = "ftps"  # SecItem.h
kSecAttrProtocolHTTPS = "htps"  # SecItem.h
kSecAttrProtocolHTTPProxy = "htpx"  # SecItem.h
kSecAttrProtocolHTTPSProxy = "htsx"  # SecItem.h
kSecAttrProtocolFTPProxy = "ftpx"  # SecItem.h
kSecAttrProtocolSMB = "smb "  # SecItem.h
kSecAttrProtocolRTSP = "rtsp"  # SecItem.h
kSecAttrProtocolRTSPProxy = "rtsx"  # SecItem.h
kSecAttrProtocolDAAP = "daap"  # SecItem.h
kSecAttrProtocolEPPC = "eppc"  # SecItem.h
kSecAttrProtocolIPP = "ipp "  # SecItem.h
kSecAttrProtocolNNTPS = "ntps"  # SecItem.h
kSecAttrProtocolLDAPS = "ldps"  # SecItem.h
kSecAttrProtocolTelnetS = "tels"  # SecItem.h
kSecAttrProtocolIMAPS = "imps"  # SecItem.h
kSecAttrProtocolIRCS = "ircs"  # SecItem.h
kSecAttrProtocolPOP3S = "pops"  # SecItem.h

# A.5 kSecAttrAuthenticationType values (inet "atyp")
kSecAttrAuthenticationTypeNTLM = "ntlm"  # SecItem.h
kSecAttrAuthenticationTypeMSN = "msna"  # SecItem.h
kSecAttrAuthenticationTypeDPA = "dpaa"  # SecItem.h
kSecAttrAuthenticationTypeRPA = "rpaa"  # SecItem.h
kSecAttrAuthenticationTypeHTTPBasic = "http"  # SecItem.h
kSecAttrAuthenticationTypeHTTPDigest = "httd"  # SecItem.h
kSecAttrAuthenticationTypeHTMLForm = "form"  # SecItem.h
kSecAttrAuthenticationTypeDefault = "dflt"  # SecItem.h

# A.6 kSecAttrKeyClass values (keys "kcls")
kSecAttrKeyClassPublic = "0"  # SecItem.h
kSecAttrKeyClassPrivate = "1"  # SecItem.h
kSecAttrKeyClassSymmetric = "2"  # SecItem.h

# A.7 kSecAttrKeyType values (keys "type")
kSecAttrKeyTypeRSA = "42"  # SecItem.h
kSecAttrKeyTypeEC = "73"  # SecItem.h; same value as ECSECPrimeRandom
kSecAttrKeyTypeECSECPrimeRandom = "73"  # SecItem.h
kSecAttrKeyTypeECSECPrimeRandomPKA = "2147483678"  # SecItemPriv.h
kSecAttrKeyTypeSecureEnclaveAttestation = "2147483679"  # SecItemPriv.h
kSecAttrKeyTypeSecureEnclaveAnonymousAttestation = "2147483680"  # SecItemPriv.h
kSecAttrKeyTypeEd25519 = "105"  # SecItemPriv.h
kSecAttrKeyTypeX25519 = "106"  # SecItemPriv.h
kSecAttrKeyTypeEd448 = "107"  # SecItemPriv.h
kSecAttrKeyTypeX448 = "108"  # SecItemPriv.h
kSecAttrKeyTypeKyber = "109"  # SecItemPriv.h
kSecAttrKeyTypeMLKEM = "110"  # SecItemPriv.h
kSecAttrKeyTypeMLDSA = "111"  # SecItemPriv.h
kSecAttrKeyTypeDES = "14"  # SecItem.h, macOS only
kSecAttrKeyType3DES = "17"  # SecItem.h, macOS only
kSecAttrKeyTypeRC2 = "23"  # SecItem.h, macOS only
kSecAttrKeyTypeRC4 = "25"  # SecItem.h, macOS only
kSecAttrKeyTypeDSA = "43"  # SecItem.h, macOS only
kSecAttrKeyTypeCAST = "56"  # SecItem.h, macOS only
kSecAttrKeyTypeECDSA = "73"  # SecItem.h, macOS only
kSecAttrKeyTypeAES = "2147483649"  # SecItem.h, macOS only

# A.8 Key size / PRF values
kSecAttrKeySizeKyber768 = "768"  # SecItemPriv.h
kSecAttrKeySizeKyber1024 = "1024"  # SecItemPriv.h
kSecAttrKeySizeMLKEM768 = "768"  # SecItemPriv.h
kSecAttrKeySizeMLKEM1024 = "1024"  # SecItemPriv.h
kSecAttrKeySizeMLDSA65 = "65"  # SecItemPriv.h
kSecAttrKeySizeMLDSA87 = "87"  # SecItemPriv.h
kSecAttrPRFHmacAlgSHA1 = "hsha1"  # SecItem.h, macOS only
kSecAttrPRFHmacAlgSHA224 = "hsha224"  # SecItem.h, macOS only
kSecAttrPRFHmacAlgSHA256 = "hsha256"  # SecItem.h, macOS only
kSecAttrPRFHmacAlgSHA384 = "hsha384"  # SecItem.h, macOS only
kSecAttrPRFHmacAlgSHA512 = "hsha512"  # SecItem.h, macOS only

# A.9 Special attribute values (sync-any, token group/IDs, sharing)
kSecAttrAccessGroupToken = "com.apple.token"  # SecItem.h; value for kSecAttrAccessGroup (read-only group)
kSecAttrSynchronizableAny = "syna"  # SecItem.h; value for kSecAttrSynchronizable
kSecAttrSecureEnclaveKeyBlob = "toid"  # SecItemPriv.h; alias of toid
kSecAttrTokenIDSecureEnclave = "com.apple.setoken"  # SecItem.h
kSecAttrTokenIDAppleKeyStore = "com.apple.setoken:aks"  # SecItemPriv.h
kSecAttrTokenIDSecureElement = "com.apple.secelemtoken"  # SecItemPriv.h
kSecAttrSharingGroupNone = ""  # SecItemPriv.h

# A.10 Search (kSecMatch*) keys and limit values
kSecMatchPolicy = "m_Policy"  # SecItem.h
kSecMatchItemList = "m_ItemList"  # SecItem.h
kSecMatchSearchList = "m_SearchList"  # SecItem.h
kSecMatchIssuers = "m_Issuers"  # SecItem.h
kSecMatchEmailAddressIfPresent = "m_EmailAddressIfPresent"  # SecItem.h
kSecMatchSubjectContains = "m_SubjectContains"  # SecItem.h
kSecMatchHostOrSubdomainOfHost = "m_HostOrSubdomainOfHost"  # SecItem.h
kSecMatchCaseInsensitive = "m_CaseInsensitive"  # SecItem.h
kSecMatchTrustedOnly = "m_TrustedOnly"  # SecItem.h
kSecMatchValidOnDate = "m_ValidOnDate"  # SecItem.h
kSecMatchLimit = "m_Limit"  # SecItem.h
kSecMatchLimitOne = "m_LimitOne"  # SecItem.h
kSecMatchLimitAll = "m_LimitAll"  # SecItem.h
kSecMatchSubjectStartsWith = "m_SubjectStartsWith"  # SecItem.h, macOS only
kSecMatchSubjectEndsWith = "m_SubjectEndsWith"  # SecItem.h, macOS only
kSecMatchSubjectWholeString = "m_SubjectWholeString"  # SecItem.h, macOS only
kSecMatchDiacriticInsensitive = "m_DiacriticInsensitive"  # SecItem.h, macOS only
kSecMatchWidthInsensitive = "m_WidthInsensitive"  # SecItem.h, macOS only

# A.11 Return-type keys
kSecReturnData = "r_Data"  # SecItem.h
kSecReturnAttributes = "r_Attributes"  # SecItem.h
kSecReturnRef = "r_Ref"  # SecItem.h
kSecReturnPersistentRef = "r_PersistentRef"  # SecItem.h

# A.12 Value keys
kSecValueData = "v_Data"  # SecItem.h
kSecValueRef = "v_Ref"  # SecItem.h
kSecValuePersistentRef = "v_PersistentRef"  # SecItem.h

# A.13 kSecUse* keys and values
kSecUseItemList = "u_ItemList"  # SecItem.h; DP: unsupported (see §D, §E)
kSecUseTombstones = "u_Tomb"  # SecItemPriv.h
kSecUseCredentialReference = "u_CredRef"  # SecItemPriv.h
kSecUseOperationPrompt = "u_OpPrompt"  # SecItem.h
kSecUseNoAuthenticationUI = "u_NoAuthUI"  # SecItem.h
kSecUseAuthenticationUI = "u_AuthUI"  # SecItem.h
kSecUseSystemKeychainAlways = "u_SystemKeychainAlways"  # SecItemPriv.h
kSecUseSystemKeychainAlwaysDarwinOSOnlyUnavailableOnMacOS = "u_SystemKeychainAlways"  # internal; alias
kSecUseSystemKeychain = "u_SystemKeychain"  # SecItemPriv.h
kSecUseSyncBubbleKeychain = "u_SyncBubbleKeychain"  # SecItemPriv.h
kSecUseCallerName = "u_CallerName"  # SecItemPriv.h
kSecUseTokenRawItems = "u_TokenRawItems"  # SecItemPriv.h
kSecUseCertificatesWithMatchIssuers = "u_CertWithIssuers"  # SecItemPriv.h
kSecUseDataProtectionKeychain = "nleg"  # SecItem.h; 4-char -> parsed as an attribute key; server ignores it
kSecUseUserIndependentKeychain = "u_UserIndependentKeychain"  # SecItem.h
kSecUseAuthenticationUIAllow = "u_AuthUIA"  # SecItem.h
kSecUseAuthenticationUIFail = "u_AuthUIF"  # SecItem.h
kSecUseAuthenticationUISkip = "u_AuthUIS"  # SecItem.h
kSecUseAuthenticationContext = "u_AuthCtx"  # SecItem.h
kSecUseKeychain = "u_Keychain"  # SecItem.h, macOS only

# A.14 Other constants defined in the same files
kSecPrivateKeyAttrs = "private"  # SecKey.h
kSecPublicKeyAttrs = "public"  # SecKey.h
kSecKeyApplePayEnabled = "applepay"  # internal
kSecKeyOSBound = "osbound"  # internal
kSecKeySealedHashesBound = "sealedhashesbound"  # internal
kSecPasswordMaxLength = "PasswordMaxLength"  # internal
kSecPasswordMinLength = "PasswordMaxLength"  # internal; (sic) same string as Max
kSecPasswordAllowedCharacters = "PasswordAllowedCharacters"  # internal
kSecPasswordRequiredCharacters = "PasswordRequiredCharacters"  # internal
kSecSharedPassword = "spwd"  # internal
kSecSymmetricKeyAttrs = "symmetric"  # internal, macOS only

# A.16 Import/export keys (`SecPKCS12Import`, `SecItemImport`)
kSecImportExportPassphrase = "passphrase"  # all
kSecImportExportKeychain = "keychain"  # macOS
kSecImportExportAccess = "access"  # macOS
kSecImportToMemoryOnly = "memory"  # all
kSecImportItemLabel = "label"  # all
kSecImportItemKeyID = "keyid"  # all
kSecImportItemTrust = "trust"  # all
kSecImportItemCertChain = "chain"  # all
kSecImportItemIdentity = "identity"  # all


# Signature algorithms (SecKeyAlgorithm raw strings, OSX/sec/Security/SecKeyAdaptors.m)
kSecKeyAlgorithmECDSASignatureMessageX962SHA1 = "algid:sign:ECDSA:message-X962:SHA1"
kSecKeyAlgorithmECDSASignatureMessageX962SHA224 = "algid:sign:ECDSA:message-X962:SHA224"
kSecKeyAlgorithmECDSASignatureMessageX962SHA256 = "algid:sign:ECDSA:message-X962:SHA256"
kSecKeyAlgorithmECDSASignatureMessageX962SHA384 = "algid:sign:ECDSA:message-X962:SHA384"
kSecKeyAlgorithmECDSASignatureMessageX962SHA512 = "algid:sign:ECDSA:message-X962:SHA512"
kSecKeyAlgorithmECDSASignatureDigestX962 = "algid:sign:ECDSA:digest-X962"
kSecKeyAlgorithmECDSASignatureDigestX962SHA1 = "algid:sign:ECDSA:digest-X962:SHA1"
kSecKeyAlgorithmECDSASignatureDigestX962SHA224 = "algid:sign:ECDSA:digest-X962:SHA224"
kSecKeyAlgorithmECDSASignatureDigestX962SHA256 = "algid:sign:ECDSA:digest-X962:SHA256"
kSecKeyAlgorithmECDSASignatureDigestX962SHA384 = "algid:sign:ECDSA:digest-X962:SHA384"
kSecKeyAlgorithmECDSASignatureDigestX962SHA512 = "algid:sign:ECDSA:digest-X962:SHA512"
kSecKeyAlgorithmECDSASignatureMessageRFC4754SHA256 = "algid:sign:ECDSA:message-RFC4754:SHA256"
kSecKeyAlgorithmECDSASignatureMessageRFC4754SHA384 = "algid:sign:ECDSA:message-RFC4754:SHA384"
kSecKeyAlgorithmECDSASignatureMessageRFC4754SHA512 = "algid:sign:ECDSA:message-RFC4754:SHA512"
kSecKeyAlgorithmECDSASignatureDigestRFC4754SHA256 = "algid:sign:ECDSA:digest-RFC4754:SHA256"
kSecKeyAlgorithmECDSASignatureDigestRFC4754SHA384 = "algid:sign:ECDSA:digest-RFC4754:SHA384"
kSecKeyAlgorithmECDSASignatureDigestRFC4754SHA512 = "algid:sign:ECDSA:digest-RFC4754:SHA512"
kSecKeyAlgorithmECDSASignatureRFC4754 = "algid:sign:ECDSA:RFC4754"
kSecKeyAlgorithmECDSASignatureDigestRFC4754 = "algid:sign:ECDSA:digest-RFC4754"
kSecKeyAlgorithmECDSASignatureDigestRFC4754SHA1 = "algid:sign:ECDSA:digest-RFC4754:SHA1"
kSecKeyAlgorithmECDSASignatureDigestRFC4754SHA224 = "algid:sign:ECDSA:digest-RFC4754:SHA224"
kSecKeyAlgorithmECDSASignatureMessageRFC4754SHA1 = "algid:sign:ECDSA:message-RFC4754:SHA1"
kSecKeyAlgorithmECDSASignatureMessageRFC4754SHA224 = "algid:sign:ECDSA:message-RFC4754:SHA224"
kSecKeyAlgorithmRSASignatureRaw = "algid:sign:RSA:raw"
kSecKeyAlgorithmRSASignatureDigestPKCS1v15MD5 = "algid:sign:RSA:digest-PKCS1v15:MD5"
kSecKeyAlgorithmRSASignatureMessagePKCS1v15MD5 = "algid:sign:RSA:message-PKCS1v15:MD5"
kSecKeyAlgorithmRSASignatureDigestPKCS1v15Raw = "algid:sign:RSA:digest-PKCS1v15"
kSecKeyAlgorithmRSASignatureDigestPKCS1v15SHA1 = "algid:sign:RSA:digest-PKCS1v15:SHA1"
kSecKeyAlgorithmRSASignatureDigestPKCS1v15SHA224 = "algid:sign:RSA:digest-PKCS1v15:SHA224"
kSecKeyAlgorithmRSASignatureDigestPKCS1v15SHA256 = "algid:sign:RSA:digest-PKCS1v15:SHA256"
kSecKeyAlgorithmRSASignatureDigestPKCS1v15SHA384 = "algid:sign:RSA:digest-PKCS1v15:SHA384"
kSecKeyAlgorithmRSASignatureDigestPKCS1v15SHA512 = "algid:sign:RSA:digest-PKCS1v15:SHA512"
kSecKeyAlgorithmRSASignatureMessagePKCS1v15SHA1 = "algid:sign:RSA:message-PKCS1v15:SHA1"
kSecKeyAlgorithmRSASignatureMessagePKCS1v15SHA224 = "algid:sign:RSA:message-PKCS1v15:SHA224"
kSecKeyAlgorithmRSASignatureMessagePKCS1v15SHA256 = "algid:sign:RSA:message-PKCS1v15:SHA256"
kSecKeyAlgorithmRSASignatureMessagePKCS1v15SHA384 = "algid:sign:RSA:message-PKCS1v15:SHA384"
kSecKeyAlgorithmRSASignatureMessagePKCS1v15SHA512 = "algid:sign:RSA:message-PKCS1v15:SHA512"
kSecKeyAlgorithmRSASignatureDigestPSSSHA1 = "algid:sign:RSA:digest-PSS:SHA1:SHA1:20"
kSecKeyAlgorithmRSASignatureDigestPSSSHA224 = "algid:sign:RSA:digest-PSS:SHA224:SHA224:24"  # salt 24, sic
kSecKeyAlgorithmRSASignatureDigestPSSSHA256 = "algid:sign:RSA:digest-PSS:SHA256:SHA256:32"
kSecKeyAlgorithmRSASignatureDigestPSSSHA384 = "algid:sign:RSA:digest-PSS:SHA384:SHA384:48"
kSecKeyAlgorithmRSASignatureDigestPSSSHA512 = "algid:sign:RSA:digest-PSS:SHA512:SHA512:64"
kSecKeyAlgorithmRSASignatureMessagePSSSHA1 = "algid:sign:RSA:message-PSS:SHA1:SHA1:20"
kSecKeyAlgorithmRSASignatureMessagePSSSHA224 = "algid:sign:RSA:message-PSS:SHA224:SHA224:24"  # salt 24, sic
kSecKeyAlgorithmRSASignatureMessagePSSSHA256 = "algid:sign:RSA:message-PSS:SHA256:SHA256:32"
kSecKeyAlgorithmRSASignatureMessagePSSSHA384 = "algid:sign:RSA:message-PSS:SHA384:SHA384:48"
kSecKeyAlgorithmRSASignatureMessagePSSSHA512 = "algid:sign:RSA:message-PSS:SHA512:SHA512:64"

# RSA encryption algorithms (SecKeyAdaptors.m; the strings are what SecKeyAlgorithm holds).
kSecKeyAlgorithmRSAEncryptionPKCS1 = "algid:encrypt:RSA:PKCS1"
kSecKeyAlgorithmRSAEncryptionOAEPSHA1 = "algid:encrypt:RSA:OAEP:SHA1"
kSecKeyAlgorithmRSAEncryptionOAEPSHA224 = "algid:encrypt:RSA:OAEP:SHA224"
kSecKeyAlgorithmRSAEncryptionOAEPSHA256 = "algid:encrypt:RSA:OAEP:SHA256"
kSecKeyAlgorithmRSAEncryptionOAEPSHA384 = "algid:encrypt:RSA:OAEP:SHA384"
kSecKeyAlgorithmRSAEncryptionOAEPSHA512 = "algid:encrypt:RSA:OAEP:SHA512"

# ECDH key exchange algorithms (SecKeyAdaptors.m; SecKey.h declares them). The X963 variants run the
# ANSI X9.63 KDF over the raw shared secret; "ECDHC" is the cofactor variant.
kSecKeyAlgorithmECDHKeyExchangeStandard = "algid:keyexchange:ECDH"
kSecKeyAlgorithmECDHKeyExchangeStandardX963SHA1 = "algid:keyexchange:ECDH:KDFX963:SHA1"
kSecKeyAlgorithmECDHKeyExchangeStandardX963SHA224 = "algid:keyexchange:ECDH:KDFX963:SHA224"
kSecKeyAlgorithmECDHKeyExchangeStandardX963SHA256 = "algid:keyexchange:ECDH:KDFX963:SHA256"
kSecKeyAlgorithmECDHKeyExchangeStandardX963SHA384 = "algid:keyexchange:ECDH:KDFX963:SHA384"
kSecKeyAlgorithmECDHKeyExchangeStandardX963SHA512 = "algid:keyexchange:ECDH:KDFX963:SHA512"
kSecKeyAlgorithmECDHKeyExchangeCofactor = "algid:keyexchange:ECDHC"
kSecKeyAlgorithmECDHKeyExchangeCofactorX963SHA1 = "algid:keyexchange:ECDHC:KDFX963:SHA1"
kSecKeyAlgorithmECDHKeyExchangeCofactorX963SHA224 = "algid:keyexchange:ECDHC:KDFX963:SHA224"
kSecKeyAlgorithmECDHKeyExchangeCofactorX963SHA256 = "algid:keyexchange:ECDHC:KDFX963:SHA256"
kSecKeyAlgorithmECDHKeyExchangeCofactorX963SHA384 = "algid:keyexchange:ECDHC:KDFX963:SHA384"
kSecKeyAlgorithmECDHKeyExchangeCofactorX963SHA512 = "algid:keyexchange:ECDHC:KDFX963:SHA512"

# SecKeyKeyExchangeParameter keys of SecKeyCopyKeyExchangeResult's parameters (keychain/headers/SecKey.h;
# values from SecKeyAdaptors.m). Swift imports them as SecKeyKeyExchangeParameter.requestedSize / .sharedInfo.
kSecKeyKeyExchangeParameterRequestedSize = "requestedSize"  # SecKey.h
kSecKeyKeyExchangeParameterSharedInfo = "sharedInfo"  # SecKey.h


# SecKeyOperationType (keychain/headers/SecKey.h), for SecKeyIsAlgorithmSupported.
kSecKeyOperationTypeSign = 0
kSecKeyOperationTypeVerify = 1
kSecKeyOperationTypeEncrypt = 2
kSecKeyOperationTypeDecrypt = 3
kSecKeyOperationTypeKeyExchange = 4

# Key-generation parameter dictionaries share these with SecItem dictionaries (SecKey.h).
# kSecPrivateKeyAttrs / kSecPublicKeyAttrs are listed in A.14 above.


def _build_tables() -> tuple[dict[str, str], dict[str, str]]:
    """Name -> value for every constant, and value -> preferred name.

    The preferred name of a shared raw value is the first one declared above, which is the public
    SecItem.h spelling (``kSecAttrType`` is declared before ``kSecAttrKeyType`` in Apple's file, but a
    dump reader wants the attribute names of the item class; the engine's schema, not this table,
    decides per class).
    """
    names = {k: v for k, v in globals().items() if k.startswith("kSec") and isinstance(v, str)}
    preferred: dict[str, str] = {}
    for name, value in names.items():
        preferred.setdefault(value, name)
    return names, preferred


VALUE_OF, NAME_OF = _build_tables()
"""``VALUE_OF[name] -> raw value`` for every kSec* name; ``NAME_OF[raw value] -> name`` (first declared)."""

OSSTATUS_OF: dict[str, OSStatus] = {m.name: m for m in OSStatus}
"""``OSSTATUS_OF["errSecItemNotFound"] -> OSStatus.errSecItemNotFound`` (canonical names only)."""


def name_of(raw: str) -> str:
    """The constant name for a raw value, or the raw value itself when no constant has it."""
    return NAME_OF.get(raw, raw)
