import Foundation
import KeychainSim
import Testing

// Keychain code as developers write it against Apple's Security framework compiles here and gets the
// engine's answers. Each test asserts what a device answers, not that the call ran.

private let app = "A1B2C3D4E5.com.example.app"
private let shared = "A1B2C3D4E5.com.example.shared"

@Suite struct DeveloperStyleTests {
    let device: KeychainSimulator

    init() throws {
        device = try KeychainSimulator(platform: .iOS, accessGroups: [app, shared])
    }

    @Test func genericPasswordRoundTripWithStringKeysAndCFDictionary() throws {
        device.run {
            let add: [String: Any] = [
                kSecClass as String: kSecClassGenericPassword,
                kSecAttrService as String: "api",
                kSecAttrAccount as String: "alice",
                kSecValueData as String: "s3cret".data(using: .utf8)!,
            ]
            #expect(SecItemAdd(add as CFDictionary, nil) == errSecSuccess)
            #expect(SecItemAdd(add as CFDictionary, nil) == errSecDuplicateItem)

            let query: [String: Any] = [
                kSecClass as String: kSecClassGenericPassword,
                kSecAttrService as String: "api",
                kSecReturnData as String: true,
                kSecMatchLimit as String: kSecMatchLimitOne,
            ]
            var item: CFTypeRef?
            let status = SecItemCopyMatching(query as CFDictionary, &item)
            #expect(status == errSecSuccess)
            let password = String(data: item as! Data, encoding: .utf8)
            #expect(password == "s3cret")
        }
    }

    @Test func attributesComeBackAsADictionaryWithTypedValues() throws {
        try device.run {
            let add: [CFString: Any] = [
                kSecClass: kSecClassGenericPassword, kSecAttrService: "api", kSecAttrAccount: "bob",
                kSecAttrLabel: "Bob's token", kSecValueData: Data([1, 2, 3]),
            ]
            #expect(SecItemAdd(add as CFDictionary, nil) == errSecSuccess)
            var item: CFTypeRef?
            let query = [kSecClass: kSecClassGenericPassword, kSecReturnAttributes: kCFBooleanTrue!] as CFDictionary
            #expect(SecItemCopyMatching(query, &item) == errSecSuccess)
            let attributes = try #require(item as? [String: Any])
            #expect(attributes[kSecAttrAccount as String] as? String == "bob")
            #expect(attributes[kSecAttrLabel as String] as? String == "Bob's token")
            #expect(attributes[kSecAttrAccessGroup as String] as? String == app)
            #expect(attributes[kSecAttrSynchronizable as String] as? Int == 0)
            #expect(attributes[kSecAttrCreationDate as String] is Date)
            #expect(attributes[kSecValueData as String] == nil)  // not asked for
        }
    }

    @Test func matchLimitAllGivesAnArrayOfDictionaries() throws {
        device.run {
            for account in ["a", "b", "c"] {
                let add = [kSecClass: kSecClassGenericPassword, kSecAttrAccount: account, kSecValueData: Data()] as CFDictionary
                #expect(SecItemAdd(add, nil) == errSecSuccess)
            }
            var items: CFTypeRef?
            let query: [String: Any] = [
                kSecClass as String: kSecClassGenericPassword,
                kSecMatchLimit as String: kSecMatchLimitAll,
                kSecReturnAttributes as String: true,
            ]
            #expect(SecItemCopyMatching(query as CFDictionary, &items) == errSecSuccess)
            let accounts = (items as! [[String: Any]]).compactMap { $0[kSecAttrAccount as String] as? String }
            #expect(accounts.sorted() == ["a", "b", "c"])
        }
    }

    @Test func aFailedSearchLeavesTheResultUntouched() throws {
        device.run {
            var item: CFTypeRef? = "untouched" as NSString
            let query = [kSecClass as String: kSecClassGenericPassword, kSecReturnData as String: true] as [String: Any]
            #expect(SecItemCopyMatching(query as CFDictionary, &item) == errSecItemNotFound)
            #expect(item as? String == "untouched")
            #expect(SecCopyErrorMessageString(errSecItemNotFound, nil) as String? == "The specified item could not be found in the keychain.")
        }
    }

    @Test func updateAndDelete() throws {
        device.run {
            let add = [kSecClass as String: kSecClassGenericPassword, kSecAttrAccount as String: "u", kSecValueData as String: Data([1])]
            #expect(SecItemAdd(add as CFDictionary, nil) == errSecSuccess)
            let query = [kSecClass as String: kSecClassGenericPassword, kSecAttrAccount as String: "u"] as CFDictionary
            let change = [kSecValueData as String: Data([2])] as CFDictionary
            #expect(SecItemUpdate(query, change) == errSecSuccess)
            var data: CFTypeRef?
            let read = [kSecClass as String: kSecClassGenericPassword, kSecAttrAccount as String: "u", kSecReturnData as String: true]
            #expect(SecItemCopyMatching(read as CFDictionary, &data) == errSecSuccess)
            #expect(data as? Data == Data([2]))
            // SecItemServer.c SecServerItemUpdateWithCustomDb: a kSecReturn* key in the query is -50; in the
            // attributes to update it is no attribute at all (-25303).
            let queryWithReturn = [kSecClass as String: kSecClassGenericPassword, kSecReturnData as String: true] as CFDictionary
            #expect(SecItemUpdate(queryWithReturn, change) == errSecParam)
            #expect(SecItemUpdate(query, [kSecReturnData as String: true] as CFDictionary) == errSecNoSuchAttr)
            #expect(SecItemDelete(query) == errSecSuccess)
            #expect(SecItemDelete(query) == errSecItemNotFound)
        }
    }

    @Test func keysWithUnmanagedErrorsAndSignatures() throws {
        try device.run {
            var error: Unmanaged<CFError>?
            let attributes: [String: Any] = [
                kSecAttrKeyType as String: kSecAttrKeyTypeECSECPrimeRandom,
                kSecAttrKeySizeInBits as String: 256,
                kSecPrivateKeyAttrs as String: [kSecAttrIsPermanent as String: true, kSecAttrApplicationTag as String: Data("tag".utf8)],
            ]
            guard let privateKey = SecKeyCreateRandomKey(attributes as CFDictionary, &error) else {
                Issue.record("SecKeyCreateRandomKey failed: \(error!.takeRetainedValue() as Error)")
                return
            }
            let publicKey = try #require(SecKeyCopyPublicKey(privateKey))
            let exported = try #require(SecKeyCopyExternalRepresentation(publicKey, &error)) as Data
            #expect(exported.count == 65 && exported.first == 0x04)

            let keyAttributes = try #require(SecKeyCopyAttributes(privateKey) as? [String: Any])
            #expect(keyAttributes[kSecAttrKeySizeInBits as String] as? Int == 256)
            #expect((keyAttributes[kSecAttrApplicationLabel as String] as? Data)?.count == 20)

            let message = Data("hello".utf8) as CFData
            let signature = try #require(SecKeyCreateSignature(privateKey, .ecdsaSignatureMessageX962SHA256, message, &error))
            #expect(SecKeyVerifySignature(publicKey, .ecdsaSignatureMessageX962SHA256, message, signature, &error))
            let tampered = Data("hellp".utf8) as CFData
            #expect(!SecKeyVerifySignature(publicKey, .ecdsaSignatureMessageX962SHA256, tampered, signature, &error))
            let verifyError = error!.takeRetainedValue() as Error as NSError
            #expect(verifyError.domain == NSOSStatusErrorDomain && verifyError.code == Int(errSecVerifyFailed))

            let copy = SecKeyCreateWithData(
                exported as CFData,
                [kSecAttrKeyType as String: kSecAttrKeyTypeECSECPrimeRandom, kSecAttrKeyClass as String: kSecAttrKeyClassPublic] as CFDictionary,
                &error)
            #expect(copy != nil)
            #expect(SecKeyCreateWithData(Data([1, 2, 3]) as CFData, [kSecAttrKeyType as String: kSecAttrKeyTypeECSECPrimeRandom, kSecAttrKeyClass as String: kSecAttrKeyClassPublic] as CFDictionary, &error) == nil)
            #expect(error != nil)
            _ = error?.takeRetainedValue()

            // The private key was stored (perm is a real boolean); the key ref finds it.
            var found: CFTypeRef?
            let query = [kSecClass as String: kSecClassKey, kSecValueRef as String: privateKey, kSecReturnRef as String: true] as [String: Any]
            #expect(SecItemCopyMatching(query as CFDictionary, &found) == errSecSuccess)
            #expect(CFGetTypeID(found) == SecKeyGetTypeID())
            _ = found as! SecKey
        }
    }

    @Test func anErrorFromKeyGenerationBridgesToSwiftError() throws {
        device.run {
            var error: Unmanaged<CFError>?
            let bad = [kSecAttrKeyType as String: kSecAttrKeyTypeECSECPrimeRandom, kSecAttrKeySizeInBits as String: 255] as CFDictionary
            #expect(SecKeyCreateRandomKey(bad, &error) == nil)
            let swiftError = error!.takeRetainedValue() as Error
            #expect((swiftError as NSError).domain == NSOSStatusErrorDomain)
            #expect((swiftError as NSError).code != 0)
        }
    }

    @Test func accessControlAndItsProtection() throws {
        try device.run {
            var error: Unmanaged<CFError>?
            let access = try #require(
                SecAccessControlCreateWithFlags(kCFAllocatorDefault, kSecAttrAccessibleWhenUnlockedThisDeviceOnly, .privateKeyUsage, &error))
            let add: [String: Any] = [
                kSecClass as String: kSecClassGenericPassword, kSecAttrAccount as String: "acl",
                kSecAttrAccessControl as String: access, kSecValueData as String: Data([9]),
            ]
            #expect(SecItemAdd(add as CFDictionary, nil) == errSecSuccess)
            var attributes: CFTypeRef?
            let query = [kSecClass as String: kSecClassGenericPassword, kSecAttrAccount as String: "acl", kSecReturnAttributes as String: true]
            #expect(SecItemCopyMatching(query as CFDictionary, &attributes) == errSecSuccess)
            #expect((attributes as! [String: Any])[kSecAttrAccessible as String] as? String == kSecAttrAccessibleWhenUnlockedThisDeviceOnly as String)
            #expect(SecAccessControlCreateWithFlags(nil, "nonsense" as CFString, [], &error) == nil)
            _ = error?.takeRetainedValue()
        }
    }

    @Test func aNumberIsNotABooleanForIsPermanent() throws {
        device.run {
            // SecKey.m getBoolForKey: a CFNumber 1 is not kCFBooleanTrue, so the key is not stored.
            let asNumber: [String: Any] = [
                kSecAttrKeyType as String: kSecAttrKeyTypeECSECPrimeRandom, kSecAttrKeySizeInBits as String: 256,
                kSecPrivateKeyAttrs as String: [kSecAttrIsPermanent as String: 1],
            ]
            var error: Unmanaged<CFError>?
            #expect(SecKeyCreateRandomKey(asNumber as CFDictionary, &error) != nil)
            let keys = [kSecClass as String: kSecClassKey] as CFDictionary
            #expect(SecItemCopyMatching(keys, nil) == errSecItemNotFound)
            let asBoolean: [String: Any] = [
                kSecAttrKeyType as String: kSecAttrKeyTypeECSECPrimeRandom, kSecAttrKeySizeInBits as String: 256,
                kSecPrivateKeyAttrs as String: [kSecAttrIsPermanent as String: kCFBooleanTrue!],
            ]
            #expect(SecKeyCreateRandomKey(asBoolean as CFDictionary, &error) != nil)
            #expect(SecItemCopyMatching(keys, nil) == errSecSuccess)
        }
    }

    @Test func anotherAppsEntitlementsLockAndTheExplanation() throws {
        device.run {
            let add = [kSecClass as String: kSecClassGenericPassword, kSecAttrAccount as String: "x", kSecValueData as String: Data([1])]
            #expect(SecItemAdd(add as CFDictionary, nil) == errSecSuccess)
        }
        let query: [String: Any] = [kSecClass as String: kSecClassGenericPassword, kSecAttrAccount as String: "x", kSecReturnData as String: true]
        let widget = device.asApp(accessGroups: [shared]) { SecItemCopyMatching(query as CFDictionary, nil) }
        #expect(widget == errSecItemNotFound)
        let why = try device.explain(query, accessGroups: [shared])
        #expect(why.status == errSecItemNotFound)
        #expect(why.codes.contains("access.group_not_visible"))

        try device.lock()
        #expect(device.run { SecItemCopyMatching(query as CFDictionary, nil) } == errSecInteractionNotAllowed)
        #expect(try device.explain(query).codes.contains("lock.item_unavailable"))
        try device.unlock()
        #expect(device.run { SecItemCopyMatching(query as CFDictionary, nil) } == errSecSuccess)

        let steps = try device.trace()
        #expect(steps.map(\.call) == ["SecItemAdd", "SecItemCopyMatching", "SecItemCopyMatching", "SecItemCopyMatching"])
        #expect(steps.map(\.status) == [errSecSuccess, errSecItemNotFound, errSecInteractionNotAllowed, errSecSuccess])
        #expect(steps[1].accessGroups == [shared])
        #expect(try device.dump().contains("\"x\""))
    }

    @Test func refsFromAnotherDeviceAreRefused() throws {
        let other = try KeychainSimulator()
        let certificateFromOther: SecKey? = other.run {
            var error: Unmanaged<CFError>?
            return SecKeyCreateRandomKey([kSecAttrKeyType as String: kSecAttrKeyTypeECSECPrimeRandom, kSecAttrKeySizeInBits as String: 256] as CFDictionary, &error)
        }
        let key = try #require(certificateFromOther)
        let status = device.run {
            SecItemAdd([kSecClass as String: kSecClassKey, kSecValueRef as String: key] as CFDictionary, nil)
        }
        #expect(status == errSecParam)
    }

    @Test func notModelledKeysAreNotIgnored() throws {
        let status = device.run {
            SecItemCopyMatching([kSecClass as String: kSecClassGenericPassword, kSecUseAuthenticationContext as String: "ctx"] as CFDictionary, nil)
        }
        #expect(status == errSecUnimplemented)
    }
}
