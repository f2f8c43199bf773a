import Foundation
import KeychainSim
import Testing

// Older spellings that are still everywhere in keychain code: [String: AnyObject], NSMutableDictionary,
// withUnsafeMutablePointer, noErr, arrays of refs.

@Suite struct LegacyPatternTests {
    let device: KeychainSimulator
    init() throws { device = try KeychainSimulator() }

    @Test func anyObjectDictionariesAndNoErr() {
        device.run {
            let add: [String: AnyObject] = [
                kSecClass as String: kSecClassGenericPassword,
                kSecAttrService as String: "legacy" as AnyObject,
                kSecAttrAccount as String: "old" as AnyObject,
                kSecValueData as String: "pw".data(using: .utf8)! as AnyObject,
            ]
            #expect(SecItemAdd(add as CFDictionary, nil) == noErr)

            let query = NSMutableDictionary()
            query[kSecClass] = kSecClassGenericPassword
            query[kSecAttrService] = "legacy"
            query[kSecReturnData] = kCFBooleanTrue
            query[kSecMatchLimit] = kSecMatchLimitOne
            var result: AnyObject?
            let status = withUnsafeMutablePointer(to: &result) { SecItemCopyMatching(query, UnsafeMutablePointer($0)) }
            #expect(status == noErr)
            #expect((result as? Data).flatMap { String(data: $0, encoding: .utf8) } == "pw")

            // A Bool given as AnyObject is still a boolean to the keychain.
            let returnAttributes: [String: AnyObject] = [
                kSecClass as String: kSecClassGenericPassword, kSecReturnAttributes as String: true as AnyObject,
            ]
            var attributes: CFTypeRef?
            #expect(SecItemCopyMatching(returnAttributes as CFDictionary, &attributes) == errSecSuccess)
            #expect((attributes as? NSDictionary)?[kSecAttrAccount as String] as? String == "old")
        }
    }

    @Test func matchLimitAllWithReturnRefGivesAnArrayOfRefs() throws {
        try device.run {
            var error: Unmanaged<CFError>?
            for tag in ["a", "b"] {
                let parameters: [String: Any] = [
                    kSecAttrKeyType as String: kSecAttrKeyTypeECSECPrimeRandom, kSecAttrKeySizeInBits as String: 256,
                    kSecPrivateKeyAttrs as String: [kSecAttrIsPermanent as String: true, kSecAttrApplicationTag as String: Data(tag.utf8)],
                ]
                #expect(SecKeyCreateRandomKey(parameters as CFDictionary, &error) != nil)
            }
            var items: CFTypeRef?
            let query: [String: Any] = [
                kSecClass as String: kSecClassKey, kSecAttrKeyClass as String: kSecAttrKeyClassPrivate,
                kSecReturnRef as String: true, kSecMatchLimit as String: kSecMatchLimitAll,
            ]
            #expect(SecItemCopyMatching(query as CFDictionary, &items) == errSecSuccess)
            let keys = try #require(items as? [SecKey])
            #expect(keys.count == 2)
            #expect(keys.allSatisfy { CFGetTypeID($0) == SecKeyGetTypeID() })
        }
    }
}
