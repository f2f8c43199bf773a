import Foundation
import KeychainSim
import Testing

// The device-side probes (probes/device/KeychainRecorder.swift and KeychainDump.swift, linked into this
// target) compiled against KeychainSim and run on a simulated device, as a developer runs them on a phone:
// the recorder is in the same module as the forum thread's code (EnrollmentManager.swift, also linked), so
// that code's Security calls go through the recorder's wrappers without an edit. The files written here
// are replayed and explained by keychainsim in tests/swift/test_device_probes.py, which points
// KEYCHAINSIM_PROBE_OUTPUT at a directory of its own; without it they go to a temporary directory.

let probeOutput: URL = {
    let directory = ProcessInfo.processInfo.environment["KEYCHAINSIM_PROBE_OUTPUT"].map { URL(fileURLWithPath: $0) }
        ?? FileManager.default.temporaryDirectory.appendingPathComponent("keychainsim-probes-\(getpid())")
    // Created when missing, so `KEYCHAINSIM_PROBE_OUTPUT=/tmp/probes swift test` (the README's) works as typed.
    try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory
}()

let appGroup = "A1B2C3D4E5.com.example.app"
let sharedGroup = "A1B2C3D4E5.com.example.shared"

/// The variants of fixtures/thread/variants.json a recording is made of: one app, one device state. (The
/// variant that looks the identity up from another app is left out: a recorder runs inside one app.)
let recordedVariants = [
    "as_posted", "private_key_attrs", "key_not_permanent", "permanent_as_number", "certificate_for_other_key",
    "pem_not_der", "label_on_key", "synchronizable_key", "tag_on_certificate", "locked",
]

func variantChanges(_ name: String) -> Changes {
    let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("fixtures/thread/variants.json")
    let json = try! JSONSerialization.jsonObject(with: Data(contentsOf: file)) as! [String: Any]
    let variant = (json["variants"] as! [[String: Any]]).first { $0["name"] as? String == name }!
    return Changes(variant["changes"] as! [String: Any])
}

/// The thread's enrollment as the app runs it; returns the identity lookup's status.
func enroll(on device: KeychainSimulator, changes: Changes) throws -> OSStatus {
    let manager = EnrollmentManager(tag: "com.example.enrollment.key", label: "com.example.client-identity", changes: changes)
    let privateKey = try manager.generateKeyPair()
    _ = try manager.publicKeyData(for: privateKey)
    let csr = try device.certificateSigningRequest(privateKey: privateKey, subject: ["CN": "device-0001", "O": "Example"])
    let response = try device.issueCertificate(for: csr.der, faults: changes.faults)
    do {
        try manager.storeCertificate(response.pem)
        manager.storeCACertificates(response.caCertificatesPEM)
    } catch {
        // as in the thread: the lookup below still runs
    }
    if changes.lockBeforeLookup { try device.lock() }
    let (status, identity) = manager.loadIdentity()
    if let identity {
        var certificate: SecCertificate?
        _ = SecIdentityCopyCertificate(identity, &certificate)
        _ = SecCertificateCopySubjectSummary(certificate!)
    }
    return status
}

func jsonLines(_ url: URL) throws -> [[String: Any]] {
    let text = try String(contentsOf: url, encoding: .utf8)
    return try text.split(separator: "\n").map {
        try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
    }
}

@Suite("Device probes on a simulated device", .serialized)
struct DeviceProbeTests {
    @Test("the recorder writes one line per call of the thread's flow", arguments: recordedVariants)
    func recording(_ name: String) throws {
        let device = try KeychainSimulator(platform: .iOS, accessGroups: [appGroup, sharedGroup])
        let url = probeOutput.appendingPathComponent("recording-\(name).jsonl")
        let status = try device.run { () throws -> OSStatus in
            try KeychainRecorder.start(to: url, accessGroups: [appGroup, sharedGroup])
            defer { KeychainRecorder.stop() }
            return try enroll(on: device, changes: variantChanges(name))
        }
        #expect(!KeychainRecorder.isRecording)
        let lines = try jsonLines(url)
        let header = lines[0]
        #expect(header["format"] as? String == "keychainsim-recording")
        #expect(header["default_access_group"] as? String == appGroup)
        #expect(header["initial_items"] as? [String: Int] == ["genp": 0, "inet": 0, "cert": 0, "keys": 0])
        #expect(lines[1]["call"] as? String == "SecKeyCreateRandomKey")
        let lookup = lines.last { $0["call"] as? String == "SecItemCopyMatching" }!
        #expect(lookup["status"] as? Int == Int(status))
        #expect(lines.dropFirst().enumerated().allSatisfy { $0.element["seq"] as? Int == $0.offset + 1 })
        // The recorder's own queries (initial items, default group) are not the app's calls.
        #expect(!lines.contains { ($0["args"] as? [String: Any]).map { "\($0)" }?.contains("default-group-probe") ?? false })
    }

    @Test("the dump asks for identities, finds the default group, and can be limited to keys and certificates")
    func dump() throws {
        let device = try KeychainSimulator(platform: .iOS, accessGroups: [appGroup, sharedGroup])
        let formed = probeOutput.appendingPathComponent("dump-private_key_attrs.json")
        let broken = probeOutput.appendingPathComponent("dump-certificate_for_other_key.json")
        try device.run {
            #expect(try enroll(on: device, changes: variantChanges("private_key_attrs")) == errSecSuccess)
            // The developer lists the groups in the wrong order; the dump measures the default itself.
            try KeychainDump.write(to: formed, accessGroups: [sharedGroup, appGroup])
        }
        let document = try JSONSerialization.jsonObject(with: Data(contentsOf: formed)) as! [String: Any]
        #expect(document["default_access_group"] as? String == appGroup)
        let identities = document["device_identities"] as! [String: Any]
        #expect(identities["status"] as? Int == 0)
        let identity = (identities["identities"] as! [[String: Any]]).first!
        let items = document["items"] as! [[String: Any]]
        let certificate = items.first { $0["rowid"] as? Int == identity["certificate"] as? Int }
        let key = items.first { $0["rowid"] as? Int == identity["key"] as? Int }
        #expect(certificate?["class"] as? String == "cert" && key?["class"] as? String == "keys")
        #expect(items.count == 4)  // the key, the leaf and two CA certificates; the probe's item is gone

        let other = try KeychainSimulator(platform: .iOS, accessGroups: [appGroup])
        try other.run {
            _ = try enroll(on: other, changes: variantChanges("certificate_for_other_key"))
            try KeychainDump.write(to: broken, accessGroups: [appGroup], scope: .keysAndCertificates)
        }
        let limited = try JSONSerialization.jsonObject(with: Data(contentsOf: broken)) as! [String: Any]
        #expect(limited["classes"] as? [String] == ["cert", "keys"])
        #expect((limited["statuses"] as? [String: Int])?["dp/genp"] == nil)
        #expect((limited["device_identities"] as? [String: Any])?["status"] as? Int == Int(errSecItemNotFound))
    }

    @Test("a phone's dump becomes a simulated device where the app's own lookup gives the phone's answer")
    func loadDump() throws {
        let url = probeOutput.appendingPathComponent("dump-loaded-into-a-simulator.json")
        let changes = variantChanges("certificate_for_other_key")
        let phone = try KeychainSimulator(platform: .iOS, accessGroups: [appGroup])
        let onPhone = try phone.run { () throws -> OSStatus in
            let status = try enroll(on: phone, changes: changes)
            try KeychainDump.write(to: url, accessGroups: [appGroup])
            return status
        }
        #expect(onPhone == errSecItemNotFound)
        let written = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]

        // Another simulated device, started as a Mac of another app, becomes the phone the dump describes.
        let desk = try KeychainSimulator(platform: .macOS, accessGroups: [sharedGroup])
        let loaded = try desk.load(dump: url)
        #expect(loaded.platform == .iOS && desk.platform == .iOS && desk.accessGroups == [appGroup])
        #expect(loaded.itemCount == (written["items"] as! [[String: Any]]).count)
        #expect(loaded.identityDisagreements.isEmpty)  // the model forms no identity either, as the phone
        let manager = EnrollmentManager(tag: "com.example.enrollment.key", label: "com.example.client-identity", changes: changes)
        let (status, identity) = desk.run { manager.loadIdentity() }
        #expect(status == onPhone && identity == nil)
        let why = try desk.explain([kSecClass as String: kSecClassIdentity, kSecAttrLabel as String: "com.example.client-identity"])
        #expect(why.codes.contains("identity.certificate_for_other_key"))

        // A malformed dump is refused, naming the problem, and the device stays the phone's.
        #expect(throws: EngineRequestError.self) { try desk.load(dumpText: "{\"format\": \"keychainsim-dump\", \"version\": 1}") }
        #expect(try desk.dumpDocument()["items"] as? [[String: Any]] != nil && desk.platform == .iOS)
        let stillThere = desk.run { manager.loadIdentity() }
        #expect(stillThere.0 == onPhone)
    }

    @Test("on a Mac the dump reads both keychains when asked, and says macos")
    func macOSDump() throws {
        let device = try KeychainSimulator(platform: .macOS, accessGroups: [appGroup])
        let url = probeOutput.appendingPathComponent("dump-macos.json")
        try device.run {
            // The thread's code on a Mac: without kSecUseDataProtectionKeychain its items go to the file-based
            // keychain (SecItem.cpp SecItemCategorizeQuery), where the data-protection-only dump cannot see them.
            #expect(try enroll(on: device, changes: variantChanges("private_key_attrs")) == errSecSuccess)
            let dataProtectionOnly = KeychainDump.makeDocument(accessGroups: [appGroup])
            #expect(dataProtectionOnly["platform"] as? String == "macos")
            #expect((dataProtectionOnly["items"] as? [[String: Any]])?.isEmpty == true)
            try KeychainDump.write(to: url, accessGroups: [appGroup], includeFileBasedKeychain: true)
        }
        let document = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        let items = document["items"] as! [[String: Any]]
        #expect(Set(items.map { $0["keychain"] as? String }) == ["file"])
        #expect(items.count == 4)  // the key, the leaf and two CA certificates
        #expect((document["statuses"] as? [String: Int])?["file/cert"] == 0)
        // Each keychain forms its own identities: none in the (empty) data protection keychain, the client's
        // in the file-based one, its halves found among the file-based rows.
        #expect((document["device_identities"] as? [String: Any])?["status"] as? Int == Int(errSecItemNotFound))
        let file = document["file_identities"] as? [String: Any]
        #expect(file?["status"] as? Int == Int(errSecSuccess))
        let formed = file?["identities"] as? [[String: Any]] ?? []
        #expect(formed.count == 1)
        let halves = formed.first.map { [$0["certificate"] as? Int, $0["key"] as? Int] } ?? []
        let classes = halves.map { row in items.first { $0["rowid"] as? Int == row }?["class"] as? String }
        #expect(classes == ["cert", "keys"])
    }

    // In this suite, not a suite of its own: the recorder is one per process, so recordings never overlap.
    @Test("the recorder writes the enclave flow", arguments: [KeychainSimulator.Platform.iOS, .macOS])
    func enclaveRecording(_ platform: KeychainSimulator.Platform) throws {
        let device = try KeychainSimulator(platform: platform, accessGroups: [appGroup])
        let url = probeOutput.appendingPathComponent("recording-secure_enclave-\(platform.rawValue).jsonl")
        let status = try device.run { () throws -> OSStatus in
            try KeychainRecorder.start(to: url, accessGroups: [appGroup])
            defer { KeychainRecorder.stop() }
            return try enrollWithTheSecureEnclave(on: device)
        }
        #expect(status == errSecSuccess)
        let lines = try jsonLines(url)
        #expect(lines[0]["platform"] as? String == platform.rawValue)
        #expect(lines.dropFirst().map { $0["call"] as? String } == [
            "SecAccessControlCreateWithFlags", "SecKeyCreateRandomKey", "SecItemCopyMatching", "SecKeyCreateSignature",
            "SecKeyCopyPublicKey", "SecKeyVerifySignature", "SecCertificateCreateWithData", "SecItemAdd", "SecItemCopyMatching",
        ])
        // The enclave key's facts: its token, and a public key the replay can re-make the certificate over.
        let creation = lines[2]
        let handle = ((creation["result"] as? [String: Any])?["ref"] as? [String: Any])?["handle"] as? Int
        let facts = (creation["refs"] as? [String: Any])?["\(handle ?? -1)"] as? [String: Any]
        #expect(facts?["token"] as? String == "com.apple.setoken")
        #expect((facts?["public_key"] as? String).flatMap { Data(base64Encoded: $0) }?.count == 65)
        // The identity lookup passed nil for its result: the line says so, and holds no result.
        let lookup = lines.last!
        #expect(lookup["result_pointer"] as? Bool == false)
        #expect(lookup["status"] as? Int == 0 && (lookup["result"] as? [String: Any])?["null"] as? Bool == true)
        #expect(lines[3]["result_pointer"] == nil)  // the lookup by tag passed &item
    }

    @Test("the recorder writes SecKey encryption, block size and key exchange, their secrets withheld")
    func keyOperationsRecording() throws {
        let device = try KeychainSimulator(platform: .iOS, accessGroups: [appGroup])
        let url = probeOutput.appendingPathComponent("recording-key_operations.jsonl")
        let plaintext = Data("attack at dawn".utf8)
        let derived = try device.run { () throws -> Data? in
            try KeychainRecorder.start(to: url, accessGroups: [appGroup])
            defer { KeychainRecorder.stop() }
            return try keyOperations(plaintext)
        }
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(!text.contains(plaintext.base64EncodedString()))
        #expect(!text.contains(try #require(derived).base64EncodedString()))
        let lines = try jsonLines(url)
        #expect(lines.dropFirst().compactMap { $0["call"] as? String }.filter { $0.hasPrefix("SecKey") && $0 != "SecKeyCopyPublicKey" } == [
            "SecKeyCreateRandomKey", "SecKeyGetBlockSize", "SecKeyCreateEncryptedData", "SecKeyCreateDecryptedData",
            "SecKeyCreateRandomKey", "SecKeyCreateRandomKey", "SecKeyCopyKeyExchangeResult", "SecKeyCopyKeyExchangeResult",
        ])
        let block = lines.first { $0["call"] as? String == "SecKeyGetBlockSize" }
        #expect((block?["result"] as? [String: Any])?["int"] as? Int == 256)
        let decrypt = lines.first { $0["call"] as? String == "SecKeyCreateDecryptedData" }
        #expect(((decrypt?["result"] as? [String: Any])?["secret"] as? [String: Any])?["length"] as? Int == plaintext.count)
    }
}

/// RSA and ECDH as an app writes them, in the recorder's module so the calls are recorded: the public key's
/// block size, OAEP encryption, decryption with the private key found by tag; two P-256 keys agree on 32 bytes.
/// Returns the derived key.
func keyOperations(_ plaintext: Data) throws -> Data? {
    var error: Unmanaged<CFError>?
    let tag = Data("com.example.rsa".utf8)
    let rsa: NSDictionary = [
        kSecAttrKeyType: kSecAttrKeyTypeRSA, kSecAttrKeySizeInBits: 2048,
        kSecPrivateKeyAttrs: [kSecAttrIsPermanent: true, kSecAttrApplicationTag: tag],
    ]
    guard let rsaKey = SecKeyCreateRandomKey(rsa, &error), let rsaPublic = SecKeyCopyPublicKey(rsaKey) else {
        throw error!.takeRetainedValue() as Error
    }
    _ = SecKeyGetBlockSize(rsaPublic)
    let ciphertext = SecKeyCreateEncryptedData(rsaPublic, .rsaEncryptionOAEPSHA256, plaintext as CFData, &error)!
    var item: CFTypeRef?
    let byTag: [String: Any] = [kSecClass as String: kSecClassKey, kSecAttrApplicationTag as String: tag, kSecReturnRef as String: true]
    guard SecItemCopyMatching(byTag as CFDictionary, &item) == errSecSuccess else { return nil }
    _ = SecKeyCreateDecryptedData(item as! SecKey, .rsaEncryptionOAEPSHA256, ciphertext, &error)
    let p256: NSDictionary = [kSecAttrKeyType: kSecAttrKeyTypeECSECPrimeRandom, kSecAttrKeySizeInBits: 256]
    guard let alice = SecKeyCreateRandomKey(p256, &error), let bob = SecKeyCreateRandomKey(p256, &error) else {
        throw error!.takeRetainedValue() as Error
    }
    let parameters: [String: Any] = [
        SecKeyKeyExchangeParameter.requestedSize.rawValue as String: 32,
        SecKeyKeyExchangeParameter.sharedInfo.rawValue as String: Data("com.example.session".utf8),
    ]
    let mine = SecKeyCopyKeyExchangeResult(
        alice, .ecdhKeyExchangeStandardX963SHA256, SecKeyCopyPublicKey(bob)!, parameters as CFDictionary, &error) as Data?
    let theirs = SecKeyCopyKeyExchangeResult(
        bob, .ecdhKeyExchangeStandardX963SHA256, SecKeyCopyPublicKey(alice)!, parameters as CFDictionary, &error) as Data?
    return mine != nil && mine == theirs ? mine : nil
}

/// A Secure Enclave enrollment as Apple's documentation writes it ("Protecting keys with the Secure Enclave"),
/// in the recorder's module so its calls are recorded: the key, found by tag, signs; the certificate for its
/// public key is added; the identity forms. Returns the identity lookup's status.
func enrollWithTheSecureEnclave(on device: KeychainSimulator) throws -> OSStatus {
    let tag = "com.example.keys.mykey".data(using: .utf8)!
    let access = SecAccessControlCreateWithFlags(
        kCFAllocatorDefault, kSecAttrAccessibleWhenUnlockedThisDeviceOnly, .privateKeyUsage, nil)!
    let attributes: NSDictionary = [
        kSecAttrKeyType: kSecAttrKeyTypeEC,
        kSecAttrKeySizeInBits: 256,
        kSecAttrTokenID: kSecAttrTokenIDSecureEnclave,
        kSecPrivateKeyAttrs: [kSecAttrIsPermanent: true, kSecAttrApplicationTag: tag, kSecAttrAccessControl: access],
    ]
    var error: Unmanaged<CFError>?
    guard let privateKey = SecKeyCreateRandomKey(attributes, &error) else { throw error!.takeRetainedValue() as Error }
    var item: CFTypeRef?
    let byTag: [String: Any] = [
        kSecClass as String: kSecClassKey, kSecAttrApplicationTag as String: tag,
        kSecAttrKeyType as String: kSecAttrKeyTypeEC, kSecReturnRef as String: true,
    ]
    guard SecItemCopyMatching(byTag as CFDictionary, &item) == errSecSuccess else { return errSecItemNotFound }
    let signature = SecKeyCreateSignature(item as! SecKey, .ecdsaSignatureMessageX962SHA256, Data("hi".utf8) as CFData, &error)
    _ = SecKeyVerifySignature(SecKeyCopyPublicKey(privateKey)!, .ecdsaSignatureMessageX962SHA256, Data("hi".utf8) as CFData, signature!, &error)
    let csr = try device.certificateSigningRequest(privateKey: privateKey, subject: ["CN": "enclave-device"])
    let certificate = SecCertificateCreateWithData(nil, try device.issueCertificate(for: csr.der).der as CFData)!
    var add: [String: Any] = [
        kSecClass as String: kSecClassCertificate, kSecValueRef as String: certificate,
        kSecAttrLabel as String: "com.example.enclave-identity",
    ]
    if device.platform == .macOS { add[kSecUseDataProtectionKeychain as String] = true }
    _ = SecItemAdd(add as CFDictionary, nil)
    let lookup: [String: Any] = [
        kSecClass as String: kSecClassIdentity, kSecAttrLabel as String: "com.example.enclave-identity",
        kSecReturnRef as String: true,
    ]
    return SecItemCopyMatching(lookup as CFDictionary, nil)
}
