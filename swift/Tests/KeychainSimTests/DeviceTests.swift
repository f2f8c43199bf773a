import Foundation
import Testing

@testable import KeychainSim

// The simulated device beyond single calls: platforms, PKCS#12 as apps import it, concurrency under Swift 6,
// and handles that do not pile up in the engine.

private let fixtures = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("fixtures/material")

@Suite struct DeviceTests {
    @Test func resetToMacOSRoutesAddsToTheFileBasedKeychain() throws {
        // TN3137 / OSX/libsecurity_keychain/lib/SecItem.cpp SecItemCategorizeQuery: without
        // kSecUseDataProtectionKeychain a macOS add goes to the file-based keychain.
        let device = try KeychainSimulator()
        try device.reset(platform: .macOS)
        #expect(device.platform == .macOS)
        device.run {
            let add = [kSecClass as String: kSecClassGenericPassword, kSecAttrAccount as String: "m", kSecValueData as String: Data([1])]
            #expect(SecItemAdd(add as CFDictionary, nil) == errSecSuccess)
            let both = [kSecClass as String: kSecClassGenericPassword, kSecAttrAccount as String: "m"] as CFDictionary
            #expect(SecItemCopyMatching(both, nil) == errSecSuccess)
            let dataProtection: [String: Any] = [
                kSecClass as String: kSecClassGenericPassword, kSecAttrAccount as String: "m",
                kSecUseDataProtectionKeychain as String: true,
            ]
            #expect(SecItemCopyMatching(dataProtection as CFDictionary, nil) == errSecItemNotFound)
        }
        try device.reset(platform: .iOS)
        #expect(device.run { SecItemCopyMatching([kSecClass as String: kSecClassGenericPassword] as CFDictionary, nil) } == errSecItemNotFound)
    }

    @Test func pkcs12ImportGivesIdentitiesAsAppsReadThem() throws {
        let device = try KeychainSimulator()
        let p12 = try Data(contentsOf: fixtures.appendingPathComponent("device-legacy.p12"))
        try device.run {
            var items: CFArray?
            let options = [kSecImportExportPassphrase as String: "keychainsim"]
            #expect(SecPKCS12Import(p12 as CFData, options as CFDictionary, &items) == errSecSuccess)
            let entries = try #require(items as? [[String: Any]])
            #expect(entries.count == 1)
            let identity = entries[0][kSecImportItemIdentity as String] as! SecIdentity
            let chain = try #require(entries[0][kSecImportItemCertChain as String] as? [SecCertificate])
            #expect(chain.count == 2)
            var certificate: SecCertificate?
            #expect(SecIdentityCopyCertificate(identity, &certificate) == errSecSuccess)
            #expect(SecCertificateCopySubjectSummary(certificate!) as String? == "device-0001")
            let der = try Data(contentsOf: fixtures.appendingPathComponent("device-cert.der"))
            #expect(SecCertificateCopyData(certificate!) as Data == der)
            #expect(SecCertificateCopyKey(certificate!) != nil)

            var commonName: CFString?
            #expect(SecCertificateCopyCommonName(certificate!, &commonName) == errSecSuccess)
            #expect(commonName as String? == "device-0001")
            var error: Unmanaged<CFError>?
            #expect(SecCertificateCopySerialNumberData(certificate!, &error) as Data? == Data([0x20, 0x01]))  // serial 0x2001
            var privateKey: SecKey?
            #expect(SecIdentityCopyPrivateKey(identity, &privateKey) == errSecSuccess)
            #expect(SecKeyIsAlgorithmSupported(privateKey!, .sign, .ecdsaSignatureMessageX962SHA256))
            #expect(!SecKeyIsAlgorithmSupported(privateKey!, .sign, .rsaSignatureMessagePKCS1v15SHA256))
            #expect(!SecKeyIsAlgorithmSupported(privateKey!, .verify, .ecdsaSignatureMessageX962SHA256))  // EC verify needs the public key

            var wrong: CFArray?
            let badOptions = [kSecImportExportPassphrase as String: "nope"] as CFDictionary
            #expect(SecPKCS12Import(p12 as CFData, badOptions, &wrong) == errSecAuthFailed)
            #expect(wrong == nil)
            // iOS imports into memory only: nothing was added to the keychain.
            #expect(SecItemCopyMatching([kSecClass as String: kSecClassIdentity] as CFDictionary, nil) == errSecItemNotFound)
        }
    }

    @Test func identityFromACertificateOnMacOS() throws {
        // keys reference §H.1 (Identity.cpp): the private key whose klbl is the certificate's public-key hash.
        let device = try KeychainSimulator(platform: .macOS)
        try device.run {
            var error: Unmanaged<CFError>?
            let parameters: [String: Any] = [
                kSecAttrKeyType as String: kSecAttrKeyTypeECSECPrimeRandom, kSecAttrKeySizeInBits as String: 256,
                kSecUseDataProtectionKeychain as String: true,
                kSecPrivateKeyAttrs as String: [kSecAttrIsPermanent as String: true],
            ]
            let key = try #require(SecKeyCreateRandomKey(parameters as CFDictionary, &error))
            let csr = try device.certificateSigningRequest(privateKey: key, subject: ["CN": "mac-1"])
            let certificate = try #require(SecCertificateCreateWithData(nil, try device.issueCertificate(for: csr.der).der as CFData))
            var identity: SecIdentity?
            #expect(SecIdentityCreateWithCertificate(nil, certificate, &identity) == errSecSuccess)
            #expect(identity != nil)
            let other = try #require(SecCertificateCreateWithData(nil, try device.issueCertificate(for: csr.der, faults: [.otherKey]).der as CFData))
            var none: SecIdentity?
            #expect(SecIdentityCreateWithCertificate(nil, other, &none) == errSecItemNotFound)
            #expect(none == nil)
        }
    }

    @Test func concurrentTasksShareOneDeviceSafely() async throws {
        let device = try KeychainSimulator()
        try await device.run {
            try await withThrowingTaskGroup(of: OSStatus.self) { group in
                for index in 0..<8 {
                    group.addTask {  // child tasks inherit the device binding
                        let account = "task-\(index)"
                        let add: [String: Any] = [
                            kSecClass as String: kSecClassGenericPassword, kSecAttrAccount as String: account,
                            kSecValueData as String: Data(account.utf8),
                        ]
                        guard SecItemAdd(add as CFDictionary, nil) == errSecSuccess else { return errSecParam }
                        var data: CFTypeRef?
                        let query: [String: Any] = [
                            kSecClass as String: kSecClassGenericPassword, kSecAttrAccount as String: account,
                            kSecReturnData as String: true,
                        ]
                        let status = SecItemCopyMatching(query as CFDictionary, &data)
                        return data as? Data == Data(account.utf8) ? status : errSecDecode
                    }
                }
                for try await status in group { #expect(status == errSecSuccess) }
            }
        }
        #expect(try device.trace().count == 16)
    }

    @Test func releasedObjectsLeaveTheEngine() throws {
        let device = try KeychainSimulator()
        let held: () throws -> Int = { try device.connection.call("release", ["handles": [Int]()])["held"] as! Int }
        let before = try held()
        device.run {
            for _ in 0..<50 {
                var error: Unmanaged<CFError>?
                let parameters = [kSecAttrKeyType as String: kSecAttrKeyTypeECSECPrimeRandom, kSecAttrKeySizeInBits as String: 256]
                let key = SecKeyCreateRandomKey(parameters as CFDictionary, &error)
                #expect(key.flatMap(SecKeyCopyPublicKey) != nil)
            }
        }
        _ = try held()  // carries the last releases
        #expect(try held() == before)
    }
}
