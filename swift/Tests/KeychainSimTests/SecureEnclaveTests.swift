import Foundation
import KeychainSim
import Testing

// A Secure Enclave key end to end through the engine, written as Apple's documentation writes it:
// "Protecting keys with the Secure Enclave" (developer.apple.com/documentation/security/
// protecting-keys-with-the-secure-enclave) creates it, "Storing keys in the keychain" finds it by tag.
// What a device does with it comes from Apple's source: OSX/sec/Security/SecItem.m SecTokenItemAdd (the item
// is stored with kSecAttrAccessibleAlwaysPrivate, the token object ID and access control move into its data),
// OSX/sec/Security/SecCTKKey.m kSecCTKKeyDescriptor (no copyExternalRepresentation, so SecKey.m
// SecKeyCopyExternalRepresentation fails with errSecUnimplemented), and on macOS
// OSX/libsecurity_keychain/lib/SecItem.cpp SecItemCategorizeQuery (a token ID can live only in the data
// protection keychain; identities join within one keychain).

private let app = "A1B2C3D4E5.com.example.app"
private let tag = "com.example.keys.mykey".data(using: .utf8)!
private let label = "com.example.enclave-identity"
/// kSecAttrAccessibleAlwaysPrivate (SecItemConstants.c: "dk", the raw value of kSecAttrAccessibleAlways): SPI, so
/// apps cannot name it; SecTokenItemAdd stores token items with it, whatever protection the access control names.
private let alwaysPrivate = "dk"

/// The documentation's code, unchanged but for returning the key.
private func makeEnclaveKey() throws -> SecKey {
    let access =
        SecAccessControlCreateWithFlags(
            kCFAllocatorDefault,
            kSecAttrAccessibleWhenUnlockedThisDeviceOnly,
            .privateKeyUsage,
            nil)!  // Ignore errors.

    let attributes: NSDictionary = [
        kSecAttrKeyType: kSecAttrKeyTypeEC,
        kSecAttrKeySizeInBits: 256,
        kSecAttrTokenID: kSecAttrTokenIDSecureEnclave,
        kSecPrivateKeyAttrs: [
            kSecAttrIsPermanent: true,
            kSecAttrApplicationTag: tag,
            kSecAttrAccessControl: access,
        ],
    ]

    var error: Unmanaged<CFError>?
    guard let privateKey = SecKeyCreateRandomKey(attributes, &error) else {
        throw error!.takeRetainedValue() as Error
    }
    return privateKey
}

/// "Storing keys in the keychain": the key back by its tag.
private func findKey(returning returnKey: CFString = kSecReturnRef) -> (OSStatus, CFTypeRef?) {
    let getquery: [String: Any] = [
        kSecClass as String: kSecClassKey,
        kSecAttrApplicationTag as String: tag,
        kSecAttrKeyType as String: kSecAttrKeyTypeEC,
        returnKey as String: true,
    ]
    var item: CFTypeRef?
    let status = SecItemCopyMatching(getquery as CFDictionary, &item)
    return (status, item)
}

@Suite("A Secure Enclave key through the engine", .serialized)
struct SecureEnclaveTests {
    @Test("created as the documentation does, stored once, exports nothing private", arguments: [KeychainSimulator.Platform.iOS, .macOS])
    func createdAndStored(_ platform: KeychainSimulator.Platform) throws {
        let device = try KeychainSimulator(platform: platform, accessGroups: [app])
        try device.run {
            let privateKey = try makeEnclaveKey()
            let created = try #require(SecKeyCopyAttributes(privateKey) as? [String: Any])
            #expect(created[kSecAttrTokenID as String] as? String == kSecAttrTokenIDSecureEnclave as String)
            #expect(created[kSecAttrKeyClass as String] as? String == kSecAttrKeyClassPrivate as String)
            #expect(created[kSecAttrAccessControl as String] is SecAccessControl)

            // SecKey.m SecKeyCopyExternalRepresentation: the token key class has no export, errSecUnimplemented.
            var error: Unmanaged<CFError>?
            #expect(SecKeyCopyExternalRepresentation(privateKey, &error) == nil)
            let exportError = try #require(error).takeRetainedValue() as Error as NSError
            #expect(exportError.domain == NSOSStatusErrorDomain && exportError.code == Int(errSecUnimplemented))
            // The public half is an ordinary P-256 key: X9.63, 04 || X || Y.
            let publicKey = try #require(SecKeyCopyPublicKey(privateKey))
            let exported = try #require(SecKeyCopyExternalRepresentation(publicKey, nil) as Data?)
            #expect(exported.count == 65 && exported.first == 0x04)

            // Only the private key was permanent: one key item, and it is the enclave's (SecTokenItemAdd).
            var rows: CFTypeRef?
            let all: [String: Any] = [
                kSecClass as String: kSecClassKey, kSecMatchLimit as String: kSecMatchLimitAll,
                kSecReturnAttributes as String: true,
            ]
            #expect(SecItemCopyMatching(all as CFDictionary, &rows) == errSecSuccess)
            let items = try #require(rows as? [[String: Any]])
            #expect(items.count == 1)
            let item = items[0]
            #expect(item[kSecAttrApplicationTag as String] as? Data == tag)
            #expect(item[kSecAttrTokenID as String] as? String == kSecAttrTokenIDSecureEnclave as String)
            #expect(item[kSecAttrAccessible as String] as? String == alwaysPrivate)
            #expect(item[kSecValueData as String] == nil)
            #expect(item[kSecAttrApplicationLabel as String] as? Data == created[kSecAttrApplicationLabel as String] as? Data)
            #expect(item[kSecAttrAccessGroup as String] as? String == app)
        }
        if platform == .macOS {
            // SecItemCategorizeQuery: the token key is in the data protection keychain, not the file-based one.
            let dataProtection: [String: Any] = [
                kSecClass as String: kSecClassKey, kSecAttrApplicationTag as String: tag,
                kSecUseDataProtectionKeychain as String: true,
            ]
            let fileBased = dataProtection.merging([kSecUseDataProtectionKeychain as String: false]) { $1 }
            #expect(device.run { SecItemCopyMatching(dataProtection as CFDictionary, nil) } == errSecSuccess)
            #expect(device.run { SecItemCopyMatching(fileBased as CFDictionary, nil) } == errSecItemNotFound)
        }
    }

    @Test("found by tag, it signs; its public key verifies", arguments: [KeychainSimulator.Platform.iOS, .macOS])
    func foundByTagSigns(_ platform: KeychainSimulator.Platform) throws {
        let device = try KeychainSimulator(platform: platform, accessGroups: [app])
        try device.run {
            let created = try makeEnclaveKey()
            let (status, item) = findKey()
            #expect(status == errSecSuccess)
            let key = item as! SecKey
            let attributes = try #require(SecKeyCopyAttributes(key) as? [String: Any])
            #expect(attributes[kSecAttrTokenID as String] as? String == kSecAttrTokenIDSecureEnclave as String)
            var error: Unmanaged<CFError>?
            #expect(SecKeyCopyExternalRepresentation(key, &error) == nil)  // the found ref is the enclave's too
            _ = error?.takeRetainedValue()

            let algorithm: SecKeyAlgorithm = .ecdsaSignatureMessageX962SHA256
            #expect(SecKeyIsAlgorithmSupported(key, .sign, algorithm))
            let message = Data("challenge".utf8)
            error = nil
            let signature = try #require(SecKeyCreateSignature(key, algorithm, message as CFData, &error) as Data?)
            #expect(error == nil)
            // DER ECDSA-Sig-Value for P-256: a SEQUENCE of two INTEGERs, at most 72 bytes.
            #expect(signature.first == 0x30 && signature.count <= 72)
            let publicKey = try #require(SecKeyCopyPublicKey(created))
            #expect(SecKeyVerifySignature(publicKey, algorithm, message as CFData, signature as CFData, &error))
            #expect(!SecKeyVerifySignature(publicKey, algorithm, Data("other".utf8) as CFData, signature as CFData, &error))
            let verifyError = try #require(error).takeRetainedValue() as Error as NSError
            #expect(verifyError.code == Int(errSecVerifyFailed))

            // Deleting by tag removes the enclave key; the lookup then finds nothing.
            let byTag = [kSecClass as String: kSecClassKey, kSecAttrApplicationTag as String: tag] as CFDictionary
            #expect(SecItemDelete(byTag) == errSecSuccess)
            #expect(findKey().0 == errSecItemNotFound)
        }
    }

    @Test("a certificate for its public key forms the identity", arguments: [KeychainSimulator.Platform.iOS, .macOS])
    func identity(_ platform: KeychainSimulator.Platform) throws {
        let device = try KeychainSimulator(platform: platform, accessGroups: [app])
        try device.run {
            let privateKey = try makeEnclaveKey()
            // The CSR is signed inside the enclave (SecKeyCreateSignature through the key's token).
            let csr = try device.certificateSigningRequest(privateKey: privateKey, subject: ["CN": "enclave-device"])
            let issued = try device.issueCertificate(for: csr.der)
            let certificate = try #require(SecCertificateCreateWithData(nil, issued.der as CFData))

            var add: [String: Any] = [
                kSecClass as String: kSecClassCertificate, kSecValueRef as String: certificate,
                kSecAttrLabel as String: label,
            ]
            if platform == .macOS {
                // SecItemCategorizeQuery: without the flag the certificate goes to the file-based keychain and
                // never pairs with a key that lives in the data protection keychain.
                #expect(SecItemAdd(add as CFDictionary, nil) == errSecSuccess)
                let split = [kSecClass as String: kSecClassIdentity, kSecAttrLabel as String: label] as [String: Any]
                #expect(SecItemCopyMatching(split as CFDictionary, nil) == errSecItemNotFound)
                let why = try device.explain(split)
                #expect(why.status == errSecItemNotFound)
                #expect(why.codes.contains("platform.other_keychain"), "\(why)")
                let fileBased = [kSecClass as String: kSecClassCertificate, kSecAttrLabel as String: label] as CFDictionary
                #expect(SecItemDelete(fileBased) == errSecSuccess)
                add[kSecUseDataProtectionKeychain as String] = true
            }
            #expect(SecItemAdd(add as CFDictionary, nil) == errSecSuccess)

            let query: [String: Any] = [
                kSecClass as String: kSecClassIdentity, kSecAttrLabel as String: label,
                kSecMatchLimit as String: kSecMatchLimitOne, kSecReturnRef as String: true,
            ]
            var item: CFTypeRef?
            #expect(SecItemCopyMatching(query as CFDictionary, &item) == errSecSuccess)
            #expect(CFGetTypeID(item) == SecIdentityGetTypeID())
            let identity = item as! SecIdentity

            var identityKey: SecKey?
            #expect(SecIdentityCopyPrivateKey(identity, &identityKey) == errSecSuccess)
            let key = try #require(identityKey)
            #expect(key == privateKey)  // SecCTKKey.m SecCTKKeyIsEqual: the same token object
            let keyAttributes = try #require(SecKeyCopyAttributes(key) as? [String: Any])
            #expect(keyAttributes[kSecAttrTokenID as String] as? String == kSecAttrTokenIDSecureEnclave as String)
            var identityCertificate: SecCertificate?
            #expect(SecIdentityCopyCertificate(identity, &identityCertificate) == errSecSuccess)
            #expect(SecCertificateCopyData(try #require(identityCertificate)) as Data == issued.der)
            #expect(SecCertificateCopySubjectSummary(identityCertificate!) as String? == "enclave-device")

            // The identity's key signs what the certificate's key verifies: the pair is the enclave key's.
            var error: Unmanaged<CFError>?
            let message = Data("tls handshake".utf8) as CFData
            let signature = try #require(SecKeyCreateSignature(key, .ecdsaSignatureMessageX962SHA256, message, &error))
            let certificateKey = try #require(SecCertificateCopyKey(identityCertificate!))
            #expect(SecKeyVerifySignature(certificateKey, .ecdsaSignatureMessageX962SHA256, message, signature, &error))
            #expect(
                SecKeyCopyExternalRepresentation(certificateKey, nil) as Data?
                    == SecKeyCopyExternalRepresentation(SecKeyCopyPublicKey(privateKey)!, nil) as Data?)
        }
    }
}
