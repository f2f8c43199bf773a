import Foundation
import Security
import Testing

// A file that says `import Security` and nothing else of keychainsim compiles on Linux: the whole API surface
// comes with it, and the calls reach the engine.

@Test func importSecurityAloneIsEnough() throws {
    let device = try KeychainSimulator()
    device.run {
        let query: [String: Any] = [
            kSecClass as String: kSecClassInternetPassword,
            kSecAttrServer as String: "example.com",
            kSecAttrAccount as String: "alice",
            kSecValueData as String: Data("pw".utf8),
        ]
        #expect(SecItemAdd(query as CFDictionary, nil) == errSecSuccess)
        var result: CFTypeRef?
        let lookup: [String: Any] = [
            kSecClass as String: kSecClassInternetPassword, kSecAttrServer as String: "example.com",
            kSecReturnData as String: kCFBooleanTrue!,
        ]
        #expect(SecItemCopyMatching(lookup as CFDictionary, &result) == errSecSuccess)
        #expect(result as? Data == Data("pw".utf8))
    }
}
