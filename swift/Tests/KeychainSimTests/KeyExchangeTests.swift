import Foundation
import KeychainSim
import Testing

// ECDH as an app writes it against the Security framework: each side has a P-256 key pair from
// SecKeyCreateRandomKey, sends its public key, and derives a 32-byte key with SecKeyCopyKeyExchangeResult
// and the X9.63 KDF. The expected answers are the engine's model of OSX/sec/Security/SecKey.m
// (SecKeyCopyKeyExchangeResult), SecECKey.m (the raw ECDH) and SecKeyAdaptors.m (SecKeyECDHCopyX963Result),
// and Regressions/secitem/si-41-sececkey.c testkeyexchange, the sources tests/crypto/test_keyexchange.py cites.

@Suite struct KeyExchangeTests {
    let device: KeychainSimulator

    init() throws {
        device = try KeychainSimulator(platform: .iOS)
    }

    private func makeP256Key(tag: String) throws -> SecKey {
        try makePermanentKey(type: kSecAttrKeyTypeECSECPrimeRandom, bits: 256, tag: tag)
    }

    @Test func bothSidesDeriveTheSame32ByteKey() throws {
        try device.run {
            let alice = try makeP256Key(tag: "com.example.alice")
            let bob = try makeP256Key(tag: "com.example.bob")
            let alicePublic = try #require(SecKeyCopyPublicKey(alice))
            let bobPublic = try #require(SecKeyCopyPublicKey(bob))
            #expect(SecKeyIsAlgorithmSupported(alice, .keyExchange, .ecdhKeyExchangeStandardX963SHA256))
            #expect(!SecKeyIsAlgorithmSupported(alicePublic, .keyExchange, .ecdhKeyExchangeStandardX963SHA256))

            let parameters: [String: Any] = [
                SecKeyKeyExchangeParameter.requestedSize.rawValue as String: 32,
                SecKeyKeyExchangeParameter.sharedInfo.rawValue as String: Data("com.example.session".utf8),
            ]
            var error: Unmanaged<CFError>?
            guard let aliceKey = SecKeyCopyKeyExchangeResult(
                alice, .ecdhKeyExchangeStandardX963SHA256, bobPublic, parameters as CFDictionary, &error) as Data?
            else {
                Issue.record("SecKeyCopyKeyExchangeResult failed: \(error!.takeRetainedValue() as Error)")
                return
            }
            let bobKey = SecKeyCopyKeyExchangeResult(
                bob, .ecdhKeyExchangeStandardX963SHA256, alicePublic, parameters as CFDictionary, &error) as Data?
            #expect(aliceKey.count == 32)
            #expect(bobKey == aliceKey)

            // The raw shared secret is the 32-byte X coordinate, and the KDF output is not that secret.
            let raw = SecKeyCopyKeyExchangeResult(alice, .ecdhKeyExchangeStandard, bobPublic, [:] as CFDictionary, &error) as Data?
            #expect(raw?.count == 32 && raw != aliceKey)
            // Another shared info derives another key (X9.63 hashes it into every block).
            let other: [String: Any] = [SecKeyKeyExchangeParameter.requestedSize.rawValue as String: 32]
            let plain = SecKeyCopyKeyExchangeResult(
                alice, .ecdhKeyExchangeStandardX963SHA256, bobPublic, other as CFDictionary, &error) as Data?
            #expect(plain != nil && plain != aliceKey)
        }
    }

    @Test func wrongUseFailsWithTheEnginesCFError() throws {
        try device.run {
            let alice = try makeP256Key(tag: "com.example.alice")
            let bob = try makeP256Key(tag: "com.example.bob")
            let bobPublic = try #require(SecKeyCopyPublicKey(bob))
            var error: Unmanaged<CFError>?
            // SecKeyAdaptors.m SecKeyECDHCopyX963Result: the KDF variants need requestedSize: errSecParam.
            #expect(SecKeyCopyKeyExchangeResult(
                alice, .ecdhKeyExchangeStandardX963SHA256, bobPublic, [:] as CFDictionary, &error) == nil)
            let missing = try #require(error).takeRetainedValue() as Error as NSError
            #expect(missing.domain == NSOSStatusErrorDomain && missing.code == -50)
            #expect(missing.localizedDescription.contains("kSecKeyKeyExchangeParameterRequestedSize is missing"))

            // A public key has no ECDH operation (SecECKey.m): "algorithm not supported by the key", -50.
            error = nil
            let parameters = [SecKeyKeyExchangeParameter.requestedSize.rawValue as String: 32] as CFDictionary
            #expect(SecKeyCopyKeyExchangeResult(bobPublic, .ecdhKeyExchangeStandardX963SHA256, bobPublic, parameters, &error) == nil)
            let unsupported = try #require(error).takeRetainedValue() as Error as NSError
            #expect(unsupported.code == Int(errSecParam))
            #expect(unsupported.localizedDescription.contains("algorithm not supported by the key"))

            // A peer on another curve fails computing the secret (SecECKey.m): errSecDecode.
            error = nil
            var keyError: Unmanaged<CFError>?
            let p384 = [kSecAttrKeyType as String: kSecAttrKeyTypeECSECPrimeRandom, kSecAttrKeySizeInBits as String: 384] as CFDictionary
            let p384Key = try #require(SecKeyCreateRandomKey(p384, &keyError))
            let otherCurve = try #require(SecKeyCopyPublicKey(p384Key))
            #expect(SecKeyCopyKeyExchangeResult(alice, .ecdhKeyExchangeStandard, otherCurve, [:] as CFDictionary, &error) == nil)
            let decode = try #require(error).takeRetainedValue() as Error as NSError
            #expect(decode.code == Int(errSecDecode) && decode.code == -26275)
        }
    }
}
