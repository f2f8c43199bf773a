import Foundation
import KeychainSim
import Testing

// RSA encryption as an app writes it against the Security framework: a key pair from SecKeyCreateRandomKey,
// the public key encrypts, the private key (found again in the keychain) decrypts. The expected answers are
// the engine's model of OSX/sec/Security/SecKeyAdaptors.m (SecKeyRSACopyEncryptedWithPadding /
// SecKeyRSACopyDecryptedWithPadding), SecRSAKey.c (which raw operation each key class runs, the block size)
// and Regressions/secitem/si-40-seckey.c (testsupportedalgos), the sources tests/crypto/test_encryption.py cites.

@Suite struct EncryptionTests {
    let device: KeychainSimulator

    init() throws {
        device = try KeychainSimulator(platform: .iOS)
    }

    /// A permanent RSA key pair of `bits`, the private key tagged `tag`, as an app creates it.
    private func makeRSAKey(bits: Int, tag: String) throws -> SecKey {
        try makePermanentKey(type: kSecAttrKeyTypeRSA, bits: bits, tag: tag)
    }

    @Test func oaepSHA256RoundTripThroughTheStoredPrivateKey() throws {
        try device.run {
            let privateKey = try makeRSAKey(bits: 2048, tag: "com.example.enc")
            let publicKey = try #require(SecKeyCopyPublicKey(privateKey))
            // si-40-seckey.c testsupportedalgos: the public key encrypts, the private key decrypts.
            #expect(SecKeyIsAlgorithmSupported(publicKey, .encrypt, .rsaEncryptionOAEPSHA256))
            #expect(SecKeyIsAlgorithmSupported(privateKey, .decrypt, .rsaEncryptionOAEPSHA256))
            #expect(!SecKeyIsAlgorithmSupported(privateKey, .encrypt, .rsaEncryptionOAEPSHA256))

            var error: Unmanaged<CFError>?
            let plaintext = Data("attack at dawn".utf8)
            guard let ciphertext = SecKeyCreateEncryptedData(publicKey, .rsaEncryptionOAEPSHA256, plaintext as CFData, &error) as Data? else {
                Issue.record("SecKeyCreateEncryptedData failed: \(error!.takeRetainedValue() as Error)")
                return
            }
            // SecKeyAdaptors.m: the output is one modulus (SecKeyGetBlockSize) long, and OAEP's seed is fresh
            // each time, so the same plaintext encrypts differently twice.
            #expect(ciphertext.count == SecKeyGetBlockSize(publicKey) && ciphertext.count == 256)
            #expect(ciphertext.range(of: plaintext) == nil)
            let again = SecKeyCreateEncryptedData(publicKey, .rsaEncryptionOAEPSHA256, plaintext as CFData, &error) as Data?
            #expect(again != nil && again != ciphertext)

            // The private key as the app finds it later: by tag, from the keychain.
            let query: [String: Any] = [
                kSecClass as String: kSecClassKey, kSecAttrApplicationTag as String: Data("com.example.enc".utf8),
                kSecAttrKeyClass as String: kSecAttrKeyClassPrivate, kSecReturnRef as String: true,
            ]
            var item: CFTypeRef?
            #expect(SecItemCopyMatching(query as CFDictionary, &item) == errSecSuccess)
            let storedKey = item as! SecKey
            let decrypted = SecKeyCreateDecryptedData(storedKey, .rsaEncryptionOAEPSHA256, ciphertext as CFData, &error) as Data?
            #expect(decrypted == plaintext)
            // Another padding does not decrypt it: OAEP-SHA1 unpadding of an OAEP-SHA256 block fails.
            #expect(SecKeyCreateDecryptedData(storedKey, .rsaEncryptionOAEPSHA1, ciphertext as CFData, &error) == nil)
            _ = error?.takeRetainedValue()
        }
    }

    @Test func decryptingWithThePublicKeyFailsWithErrSecParam() throws {
        try device.run {
            let privateKey = try makeRSAKey(bits: 2048, tag: "com.example.public-decrypt")
            let publicKey = try #require(SecKeyCopyPublicKey(privateKey))
            var error: Unmanaged<CFError>?
            let ciphertext = try #require(
                SecKeyCreateEncryptedData(publicKey, .rsaEncryptionOAEPSHA256, Data("secret".utf8) as CFData, &error))
            // SecRSAKey.c: a public key runs its raw public operation for decrypt too, and the result never
            // unpads: SecKeyAdaptors.m fails with errSecParam ("RSAdecrypt wrong input").
            #expect(SecKeyCreateDecryptedData(publicKey, .rsaEncryptionOAEPSHA256, ciphertext, &error) == nil)
            let decryptError = try #require(error).takeRetainedValue() as Error as NSError
            #expect(decryptError.domain == NSOSStatusErrorDomain && decryptError.code == Int(errSecParam))
            #expect(decryptError.code == -50)
            #expect(decryptError.localizedDescription.contains("RSAdecrypt wrong input"))

            // The private key cannot encrypt (si-40-seckey.c: encrypt is not among its supported algorithms).
            error = nil
            #expect(SecKeyCreateEncryptedData(privateKey, .rsaEncryptionOAEPSHA256, Data("x".utf8) as CFData, &error) == nil)
            let encryptError = try #require(error).takeRetainedValue() as Error as NSError
            #expect(encryptError.code == -50 && encryptError.localizedDescription.contains("not supported by the key"))

            // OAEP-SHA256 holds at most 256 - 2·32 - 2 = 190 bytes in a 2048-bit modulus.
            error = nil
            #expect(SecKeyCreateEncryptedData(publicKey, .rsaEncryptionOAEPSHA256, Data(count: 190) as CFData, &error) != nil)
            #expect(SecKeyCreateEncryptedData(publicKey, .rsaEncryptionOAEPSHA256, Data(count: 191) as CFData, &error) == nil)
            let sizeError = try #require(error).takeRetainedValue() as Error as NSError
            #expect(sizeError.code == -50 && sizeError.localizedDescription.contains("wrong input size"))
        }
    }

    @Test func oaepNeedsAModulusOfTwoHashesPlusTwoBytes() throws {
        try device.run {
            // SecKeyAdaptors.m SecKeyRSACopyEncryptedWithPadding: OAEP needs 2·hLen+2 bytes of modulus. A
            // 1024-bit key (128 bytes) holds OAEP-SHA384 (98) but not OAEP-SHA512 (130).
            let privateKey = try makeRSAKey(bits: 1024, tag: "com.example.small")
            let publicKey = try #require(SecKeyCopyPublicKey(privateKey))
            #expect(SecKeyGetBlockSize(publicKey) == 128)
            #expect(!SecKeyIsAlgorithmSupported(publicKey, .encrypt, .rsaEncryptionOAEPSHA512))
            var error: Unmanaged<CFError>?
            #expect(SecKeyCreateEncryptedData(publicKey, .rsaEncryptionOAEPSHA512, Data("x".utf8) as CFData, &error) == nil)
            let tooSmall = try #require(error).takeRetainedValue() as Error as NSError
            #expect(tooSmall.domain == NSOSStatusErrorDomain && tooSmall.code == -50)
            error = nil
            let fits = try #require(SecKeyCreateEncryptedData(publicKey, .rsaEncryptionOAEPSHA384, Data("x".utf8) as CFData, &error))
            #expect((fits as Data).count == 128)
            #expect(SecKeyCreateDecryptedData(privateKey, .rsaEncryptionOAEPSHA384, fits, &error) as Data? == Data("x".utf8))
        }
    }

    @Test func blockSizeIsTheModulusOrTheCoordinate() throws {
        try device.run {
            // SecRSAKey.c SecRSAPublicKeyBlockSize: modulus bytes; SecECKey.m: coordinate bytes.
            let rsa = try makeRSAKey(bits: 2048, tag: "com.example.block")
            #expect(SecKeyGetBlockSize(rsa) == 256)
            #expect(SecKeyGetBlockSize(try #require(SecKeyCopyPublicKey(rsa))) == 256)
            var error: Unmanaged<CFError>?
            let ec = [kSecAttrKeyType as String: kSecAttrKeyTypeECSECPrimeRandom, kSecAttrKeySizeInBits as String: 256] as CFDictionary
            let ecKey = try #require(SecKeyCreateRandomKey(ec, &error))
            #expect(SecKeyGetBlockSize(ecKey) == 32)
            // An EC key has no RSA encryption adaptor: errSecParam.
            let ecPublic = try #require(SecKeyCopyPublicKey(ecKey))
            #expect(SecKeyCreateEncryptedData(ecPublic, .rsaEncryptionPKCS1, Data("x".utf8) as CFData, &error) == nil)
            #expect((try #require(error).takeRetainedValue() as Error as NSError).code == -50)
        }
    }

    @Test func randomCopyBytesFillsTheBufferAndSucceeds() throws {
        // SecRandom.h / developer.apple.com SecRandomCopyBytes(_:_:_:): 0 (errSecSuccess) and `count` fresh bytes.
        var first = [UInt8](repeating: 0, count: 32)
        var second = [UInt8](repeating: 0, count: 32)
        #expect(SecRandomCopyBytes(kSecRandomDefault, first.count, &first) == errSecSuccess)
        #expect(SecRandomCopyBytes(kSecRandomDefault, second.count, &second) == 0)
        #expect(first != second)
        #expect(first != [UInt8](repeating: 0, count: 32))
        // Only `count` bytes are written: the rest of a larger buffer is left alone.
        var partial = [UInt8](repeating: 0xAA, count: 16)
        #expect(SecRandomCopyBytes(kSecRandomDefault, 5, &partial) == errSecSuccess)
        #expect(Array(partial[5...]) == [UInt8](repeating: 0xAA, count: 11))
        #expect(Array(partial[..<5]) != [UInt8](repeating: 0xAA, count: 5))
        // The Data idiom from Apple's sample code, with no engine involved.
        var key = Data(count: 16)
        let status = key.withUnsafeMutableBytes { SecRandomCopyBytes(kSecRandomDefault, 16, $0.baseAddress!) }
        #expect(status == errSecSuccess && key != Data(count: 16))
    }
}
