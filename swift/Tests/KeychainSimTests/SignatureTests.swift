import Foundation
import KeychainSim
import Testing

// Apple's Swift signatures, pinned. Each function keychain code calls is bound here to a constant of the exact
// type the Security framework's Swift interface declares for it (the declarations on
// developer.apple.com/documentation/security/<function>, e.g. "SecKeyCreateRandomKey(_:_:)": `func
// SecKeyCreateRandomKey(_ parameters: CFDictionary, _ error: UnsafeMutablePointer<Unmanaged<CFError>?>?) ->
// SecKey?`). A parameter or result type that differs from Apple's (an optional too many, a Swift type where
// Apple has a CF one) fails to compile here, before a developer's file fails to compile against it. The test
// then drives one flow through these constants, so each binding is also the function that answers
// (SecIdentityCreateWithCertificate, macOS API, runs in DeviceTests.identityFromACertificateOnMacOS).

/// Apple's declared types (instance members: a function value is not Sendable, so no statics under Swift 6).
private struct AppleSignatures {
    // SecItem.h
    let itemAdd: (CFDictionary, UnsafeMutablePointer<CFTypeRef?>?) -> OSStatus = SecItemAdd
    let itemCopyMatching: (CFDictionary, UnsafeMutablePointer<CFTypeRef?>?) -> OSStatus = SecItemCopyMatching
    let itemUpdate: (CFDictionary, CFDictionary) -> OSStatus = SecItemUpdate
    let itemDelete: (CFDictionary) -> OSStatus = SecItemDelete
    // SecKey.h
    let keyCreateRandomKey: (CFDictionary, UnsafeMutablePointer<Unmanaged<CFError>?>?) -> SecKey? = SecKeyCreateRandomKey
    let keyCopyPublicKey: (SecKey) -> SecKey? = SecKeyCopyPublicKey
    let keyCopyExternalRepresentation: (SecKey, UnsafeMutablePointer<Unmanaged<CFError>?>?) -> CFData? =
        SecKeyCopyExternalRepresentation
    let keyCopyAttributes: (SecKey) -> CFDictionary? = SecKeyCopyAttributes
    let keyCreateWithData: (CFData, CFDictionary, UnsafeMutablePointer<Unmanaged<CFError>?>?) -> SecKey? =
        SecKeyCreateWithData
    let keyCreateSignature: (SecKey, SecKeyAlgorithm, CFData, UnsafeMutablePointer<Unmanaged<CFError>?>?) -> CFData? =
        SecKeyCreateSignature
    let keyVerifySignature: (SecKey, SecKeyAlgorithm, CFData, CFData, UnsafeMutablePointer<Unmanaged<CFError>?>?) -> Bool =
        SecKeyVerifySignature
    let keyIsAlgorithmSupported: (SecKey, SecKeyOperationType, SecKeyAlgorithm) -> Bool = SecKeyIsAlgorithmSupported
    let keyCreateEncryptedData: (SecKey, SecKeyAlgorithm, CFData, UnsafeMutablePointer<Unmanaged<CFError>?>?) -> CFData? =
        SecKeyCreateEncryptedData
    let keyCreateDecryptedData: (SecKey, SecKeyAlgorithm, CFData, UnsafeMutablePointer<Unmanaged<CFError>?>?) -> CFData? =
        SecKeyCreateDecryptedData
    let keyGetBlockSize: (SecKey) -> Int = SecKeyGetBlockSize
    let keyCopyKeyExchangeResult:
        (SecKey, SecKeyAlgorithm, SecKey, CFDictionary, UnsafeMutablePointer<Unmanaged<CFError>?>?) -> CFData? =
            SecKeyCopyKeyExchangeResult
    // SecRandom.h
    let randomCopyBytes: (SecRandomRef?, Int, UnsafeMutableRawPointer) -> Int32 = SecRandomCopyBytes
    let keyGetTypeID: () -> CFTypeID = SecKeyGetTypeID
    // SecCertificate.h
    let certificateCreateWithData: (CFAllocator?, CFData) -> SecCertificate? = SecCertificateCreateWithData
    let certificateCopyData: (SecCertificate) -> CFData = SecCertificateCopyData
    let certificateCopySubjectSummary: (SecCertificate) -> CFString? = SecCertificateCopySubjectSummary
    let certificateCopyKey: (SecCertificate) -> SecKey? = SecCertificateCopyKey
    let certificateCopyCommonName: (SecCertificate, UnsafeMutablePointer<CFString?>) -> OSStatus = SecCertificateCopyCommonName
    let certificateCopySerialNumberData: (SecCertificate, UnsafeMutablePointer<Unmanaged<CFError>?>?) -> CFData? =
        SecCertificateCopySerialNumberData
    // SecIdentity.h
    let identityCopyCertificate: (SecIdentity, UnsafeMutablePointer<SecCertificate?>) -> OSStatus = SecIdentityCopyCertificate
    let identityCopyPrivateKey: (SecIdentity, UnsafeMutablePointer<SecKey?>) -> OSStatus = SecIdentityCopyPrivateKey
    let identityCreateWithCertificate: (CFTypeRef?, SecCertificate, UnsafeMutablePointer<SecIdentity?>) -> OSStatus =
        SecIdentityCreateWithCertificate
    // SecImportExport.h, SecAccessControl.h, SecBase.h
    let pkcs12Import: (CFData, CFDictionary, UnsafeMutablePointer<CFArray?>) -> OSStatus = SecPKCS12Import
    let accessControlCreateWithFlags:
        (CFAllocator?, CFTypeRef, SecAccessControlCreateFlags, UnsafeMutablePointer<Unmanaged<CFError>?>?) -> SecAccessControl? =
            SecAccessControlCreateWithFlags
    let copyErrorMessageString: (OSStatus, UnsafeMutableRawPointer?) -> CFString? = SecCopyErrorMessageString
    // CFBase.h: CF objects compare with CFEqual, and Security's types are Hashable in Swift through it.
    let cfEqual: (CFTypeRef?, CFTypeRef?) -> Bool = CFEqual
    // The types: OSStatus is Int32, the flags' raw value CFOptionFlags, the algorithm a CFString wrapper.
    let status: Int32 = errSecItemNotFound
    let flags: CFOptionFlags = SecAccessControlCreateFlags.privateKeyUsage.rawValue
    let algorithm = SecKeyAlgorithm("algid:sign:ECDSA:message-X962:SHA256" as CFString)  // swift_newtype's init(_:)
}

private let fixtures = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("fixtures/material")

@Suite struct SignatureTests {
    @Test func everyFunctionBoundToApplesTypeAnswersThroughTheEngine() throws {
        let apple = AppleSignatures()
        let device = try KeychainSimulator(platform: .iOS)
        try device.run {
            var error: Unmanaged<CFError>?
            // Keys.
            let parameters: [String: Any] = [
                kSecAttrKeyType as String: kSecAttrKeyTypeECSECPrimeRandom, kSecAttrKeySizeInBits as String: 256,
                kSecPrivateKeyAttrs as String: [kSecAttrIsPermanent as String: true, kSecAttrLabel as String: "pinned"],
            ]
            let privateKey = try #require(apple.keyCreateRandomKey(parameters as CFDictionary, &error))
            #expect(CFGetTypeID(privateKey) == apple.keyGetTypeID())
            let publicKey = try #require(apple.keyCopyPublicKey(privateKey))
            let external = try #require(apple.keyCopyExternalRepresentation(publicKey, &error)) as Data
            #expect(external.count == 65 && external.first == 0x04)
            let attributes = try #require(apple.keyCopyAttributes(privateKey) as? [String: Any])
            #expect(attributes[kSecAttrKeyClass as String] as? String == kSecAttrKeyClassPrivate as String)
            let rebuilt = apple.keyCreateWithData(
                external as CFData,
                [kSecAttrKeyType as String: kSecAttrKeyTypeECSECPrimeRandom, kSecAttrKeyClass as String: kSecAttrKeyClassPublic] as CFDictionary,
                &error)
            let message = Data("pinned".utf8) as CFData
            let signature = try #require(apple.keyCreateSignature(privateKey, .ecdsaSignatureMessageX962SHA256, message, &error))
            let rebuiltKey = try #require(rebuilt)
            #expect(apple.keyVerifySignature(rebuiltKey, .ecdsaSignatureMessageX962SHA256, message, signature, &error))
            #expect(apple.keyIsAlgorithmSupported(publicKey, .verify, .ecdsaSignatureMessageX962SHA256))
            // SecKey.m SecKeyEqual: the key rebuilt from the public key's data is that key; the private key is not.
            #expect(rebuiltKey == publicKey && rebuiltKey != privateKey)
            var stored: CFTypeRef?
            let byLabel = [kSecClass as String: kSecClassKey, kSecAttrLabel as String: "pinned", kSecReturnRef as String: true]
            #expect(apple.itemCopyMatching(byLabel as CFDictionary, &stored) == errSecSuccess)
            #expect(stored as! SecKey == privateKey && apple.cfEqual(stored, privateKey))
            #expect(!apple.keyIsAlgorithmSupported(publicKey, .sign, .ecdsaSignatureMessageX962SHA256))
            // SecECKey.m: a P-256 key's block is one 32-byte coordinate; it has no RSA encryption adaptor
            // (SecKeyAdaptors.m), so encrypt and decrypt are NULL with errSecParam.
            #expect(apple.keyGetBlockSize(privateKey) == 32)
            #expect(apple.keyCreateEncryptedData(publicKey, .rsaEncryptionOAEPSHA256, message, &error) == nil)
            #expect(error.map { $0.takeRetainedValue() as Error as NSError }?.code == Int(errSecParam))
            error = nil
            #expect(apple.keyCreateDecryptedData(privateKey, .rsaEncryptionOAEPSHA256, message, &error) == nil)
            #expect(error.map { $0.takeRetainedValue() as Error as NSError }?.code == Int(errSecParam))
            // SecKey.m SecKeyCopyKeyExchangeResult: the raw ECDH of a P-256 key with its own public key is one
            // 32-byte coordinate (SecECKey.m); the parameter key is SecKey.h's CF_STRING_ENUM member.
            error = nil
            let noParameters = [SecKeyKeyExchangeParameter.sharedInfo.rawValue as String: Data()] as CFDictionary
            let shared = apple.keyCopyKeyExchangeResult(privateKey, .ecdhKeyExchangeStandard, publicKey, noParameters, &error)
            #expect((shared as Data?)?.count == 32 && error == nil)
            var random = [UInt8](repeating: 0, count: 16)
            #expect(apple.randomCopyBytes(kSecRandomDefault, random.count, &random) == errSecSuccess && random != [UInt8](repeating: 0, count: 16))

            // Items.
            let item = [kSecClass as String: kSecClassGenericPassword, kSecAttrAccount as String: "pin", kSecValueData as String: Data([1])]
            var added: CFTypeRef?
            let addReturning = item.merging([kSecReturnAttributes as String: true]) { $1 }
            #expect(apple.itemAdd(addReturning as CFDictionary, &added) == errSecSuccess)
            #expect((added as? [String: Any])?[kSecAttrAccount as String] as? String == "pin")
            let query = [kSecClass as String: kSecClassGenericPassword, kSecAttrAccount as String: "pin"] as CFDictionary
            #expect(apple.itemUpdate(query, [kSecValueData as String: Data([2])] as CFDictionary) == errSecSuccess)
            var data: CFTypeRef?
            let read = [kSecClass as String: kSecClassGenericPassword, kSecAttrAccount as String: "pin", kSecReturnData as String: true]
            #expect(apple.itemCopyMatching(read as CFDictionary, &data) == errSecSuccess)
            #expect(data as? Data == Data([2]))
            #expect(apple.itemDelete(query) == errSecSuccess)
            #expect(apple.itemCopyMatching(query, nil) == apple.status)
            #expect(apple.copyErrorMessageString(apple.status, nil) as String? == "The specified item could not be found in the keychain.")

            // Access control: Apple's raw value for .privateKeyUsage (SecAccessControl.h, 1 << 30).
            #expect(apple.flags == 1 << 30)
            #expect(apple.accessControlCreateWithFlags(nil, kSecAttrAccessibleWhenUnlockedThisDeviceOnly, [.privateKeyUsage], &error) != nil)
            #expect(apple.algorithm == .ecdsaSignatureMessageX962SHA256)

            // Certificates and identities, from a PKCS#12 file.
            var items: CFArray?
            let p12 = try Data(contentsOf: fixtures.appendingPathComponent("device-legacy.p12")) as CFData
            #expect(apple.pkcs12Import(p12, [kSecImportExportPassphrase as String: "keychainsim"] as CFDictionary, &items) == errSecSuccess)
            let identity = (items as! [[String: Any]])[0][kSecImportItemIdentity as String] as! SecIdentity
            var certificate: SecCertificate?
            #expect(apple.identityCopyCertificate(identity, &certificate) == errSecSuccess)
            var identityKey: SecKey?
            #expect(apple.identityCopyPrivateKey(identity, &identityKey) == errSecSuccess)
            let identityCertificate = try #require(certificate)
            let der = apple.certificateCopyData(identityCertificate) as Data
            #expect(der == (try Data(contentsOf: fixtures.appendingPathComponent("device-cert.der"))))
            let copy = try #require(apple.certificateCreateWithData(kCFAllocatorDefault, der as CFData))
            #expect(apple.certificateCopySubjectSummary(copy) as String? == "device-0001")
            var commonName: CFString?
            #expect(apple.certificateCopyCommonName(copy, &commonName) == errSecSuccess && commonName as String? == "device-0001")
            #expect(apple.certificateCopySerialNumberData(copy, &error) as Data? == Data([0x20, 0x01]))
            // Equality is CFEqual's: the same DER, whichever ref (SecCertificate.c SecCertificateEqual).
            #expect(copy == identityCertificate && Set([copy, identityCertificate]).count == 1)
            #expect(apple.cfEqual(copy, identityCertificate) && !apple.cfEqual(copy, publicKey))
            let certificateKey = try #require(apple.certificateCopyKey(copy))
            let importedKey = try #require(identityKey)
            let signed = try #require(apple.keyCreateSignature(importedKey, .ecdsaSignatureMessageX962SHA256, message, &error))
            #expect(apple.keyVerifySignature(certificateKey, .ecdsaSignatureMessageX962SHA256, message, signed, &error))
        }
    }
}
