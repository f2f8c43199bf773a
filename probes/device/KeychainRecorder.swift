// KeychainRecorder.swift: records the keychain calls an app makes, one JSON line per call, for
// `keychainsim replay` (format "keychainsim-recording", version 1; documented in docs/recording.md).
//
// Add this file to the app target (debug builds only). It declares SecItemAdd, SecItemCopyMatching,
// SecItemUpdate, SecItemDelete, SecKeyCreateRandomKey, ... with Apple's names and signatures in the app's own
// module, where they take precedence over the Security framework's: the app's code calls them unchanged.
// Each one calls the real function (`Security.SecItemAdd`) and, while a recording runs, writes what was
// passed and what came back. Without a running recording they only pass the call on.
//
//     try KeychainRecorder.start(to: url, accessGroups: ["A1B2C3D4E5.com.example.app"])
//     ... the flow that fails ...
//     KeychainRecorder.stop()
//
// Copy the file off the device and run `keychainsim replay recording.jsonl`: every call whose outcome
// differs between the device and keychainsim's model, and why.
//
// Secrets (passwords, private keys' data, PKCS#12 data and passphrase, the plaintext of SecKey encryption and
// decryption, key-exchange results) are written as their length only,
// unless `includeSecrets: true`; a certificate's DER and a key's public key are public and always written.
// Code in other modules (a library that calls Security itself, e.g. swift-certificates) is not recorded.

import Foundation
import Security

#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
import Glibc
#endif

final class KeychainRecorder: @unchecked Sendable {

    // MARK: - Starting and stopping

    /// Start recording to `url` (replaced if it exists). `accessGroups`: the app's keychain access groups in
    /// entitlement order, as in its entitlements file (an app cannot read them at run time).
    static func start(
        to url: URL, accessGroups: [String] = [], includeSecrets: Bool = false, findDefaultAccessGroup: Bool = true
    ) throws {
        let recorder = try KeychainRecorder(url: url, includeSecrets: includeSecrets)
        var header: [String: Any] = [
            "format": "keychainsim-recording",
            "version": 1,
            "protocol": 1,
            "platform": platform,
            "access_groups": accessGroups,
            "secrets": includeSecrets,
            "device": deviceDescription(),
            "initial_items": initialItems(),
            "source": "KeychainRecorder.swift",
        ]
        if findDefaultAccessGroup, let group = defaultAccessGroup() {
            header["default_access_group"] = group
        }
        try recorder.write(header)
        lock.lock()
        current = recorder
        lock.unlock()
    }

    /// Stop recording and close the file.
    static func stop() {
        lock.lock()
        let recorder = current
        current = nil
        lock.unlock()
        recorder?.close()
    }

    static var isRecording: Bool {
        lock.lock()
        defer { lock.unlock() }
        return current != nil
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var current: KeychainRecorder?

    private let file: FileHandle
    private let includeSecrets: Bool
    private let writeLock = NSLock()
    private var seq = 0
    private var handles: [ObjectIdentifier: Int] = [:]
    private var alive: [AnyObject] = []  // the objects behind handles, kept so an identifier is never reused
    private var pendingRefs: [String: Any] = [:]
    private var accessControls: [ObjectIdentifier: (protection: String, flags: UInt)] = [:]

    private init(url: URL, includeSecrets: Bool) throws {
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)  // FileHandle below throws if it failed
        file = try FileHandle(forWritingTo: url)
        self.includeSecrets = includeSecrets
    }

    private func close() {
        writeLock.lock()
        defer { writeLock.unlock() }
        try? file.synchronize()
        try? file.close()
    }

    private func write(_ line: [String: Any]) throws {
        var data = try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys])
        data.append(0x0A)
        try file.write(contentsOf: data)
    }

    // MARK: - Recording one call (called by the functions at the end of this file)

    enum Convention { case status, statusResult, value, valueError }

    /// `resultPointer`: false when the app passed nil for a `CFTypeRef *` result, so nothing could come back
    /// (written as `"result_pointer": false`; the replay then does not compare results).
    static func record(
        _ call: String, _ args: [(String, Any?, Secret)], convention: Convention, status: OSStatus? = nil,
        result: Any?, resultSecret: Secret = .no, error: Unmanaged<CFError>? = nil, resultPointer: Bool = true
    ) {
        lock.lock()
        let recorder = current
        lock.unlock()
        recorder?.append(call, args, convention, status, result, resultSecret, error, resultPointer)
    }

    /// Which values of an argument or result are secret (withheld unless `includeSecrets`).
    enum Secret { case no, whole, byClass }

    private func append(
        _ call: String, _ args: [(String, Any?, Secret)], _ convention: Convention, _ status: OSStatus?,
        _ result: Any?, _ resultSecret: Secret, _ error: Unmanaged<CFError>?, _ resultPointer: Bool
    ) {
        writeLock.lock()
        defer { writeLock.unlock() }
        seq += 1
        var encodedArgs: [String: Any] = [:]
        var itemClass: String?
        for (name, value, secret) in args {
            if let dictionary = value as? [String: Any], let cls = dictionary[kSecClass as String] as? String {
                itemClass = itemClass ?? cls
            }
            encodedArgs[name] = encode(value, itemClass: itemClass, secret: secret)
        }
        var line: [String: Any] = ["seq": seq, "call": call, "args": encodedArgs]
        line["result"] = encode(result, itemClass: itemClass ?? Self.classOf(call), secret: resultSecret)
        if !resultPointer { line["result_pointer"] = false }
        if convention == .status || convention == .statusResult, let status {
            line["status"] = Int(status)
        }
        if convention == .valueError {
            if let error {
                let value = error.takeUnretainedValue()
                line["error"] = [
                    "domain": CFErrorGetDomain(value) as String,
                    "code": CFErrorGetCode(value),
                    "description": CFErrorCopyDescription(value) as String,
                ]
            } else {
                line["error"] = NSNull()
            }
        }
        if !pendingRefs.isEmpty {
            line["refs"] = pendingRefs
            pendingRefs = [:]
        }
        try? write(line)
    }

    private static func classOf(_ call: String) -> String? {
        ["SecKeyCreateRandomKey", "SecKeyCreateWithData", "SecKeyCopyAttributes"].contains(call) ? "keys" : nil
    }

    // MARK: - Values (docs/protocol.md "Values", plus {"secret": {"length"}} and {"unsupported"})

    private func encode(_ value: Any?, itemClass: String?, secret: Secret) -> [String: Any] {
        guard let value = Self.unwrap(value) else { return ["null": true] }
        if secret == .whole && !includeSecrets {
            if let data = value as? Data { return ["secret": ["length": data.count]] }
            if let text = value as? String { return ["secret": ["length": text.utf8.count]] }
        }
        if let ref = encodeRef(value) { return ref }
        if type(of: value) == Bool.self, let flag = value as? Bool { return ["bool": flag] }
        if let number = Self.nativeNumber(value) { return number }
        if value is NSNumber, let number = value as? NSNumber {
            if CFGetTypeID(number) == CFBooleanGetTypeID() { return ["bool": number.boolValue] }
            let code = String(cString: number.objCType)
            if code == "f" || code == "d" { return ["float": number.doubleValue] }
            return ["int": NSNumber(value: number.int64Value)]
        }
        if let text = value as? String { return ["string": text] }
        if let data = value as? Data { return ["data": data.base64EncodedString()] }
        if let date = value as? Date { return ["date": Self.isoDate(date)] }
        if value is NSNull { return ["null": true] }
        if let dictionary = value as? [String: Any] {
            let cls = dictionary[kSecClass as String] as? String ?? itemClass
            var out: [String: Any] = [:]
            for (key, item) in dictionary {
                let nested = key == kSecPrivateKeyAttrs as String || key == kSecPublicKeyAttrs as String
                let isSecret = secret != .no && Self.isSecretEntry(key, itemClass: cls)
                out[key] = encode(item, itemClass: nested ? "keys" : cls, secret: isSecret ? .whole : secret == .no ? .no : .byClass)
            }
            return ["dict": out]
        }
        if let array = value as? [Any] {
            return ["array": array.map { encode($0, itemClass: itemClass, secret: secret == .no ? .no : .byClass) }]
        }
        return ["unsupported": ["description": String(describing: value)]]
    }

    /// kSecValueData of passwords and keys (and of identities: their key's), and the PKCS#12 passphrase.
    private static func isSecretEntry(_ key: String, itemClass: String?) -> Bool {
        if key == kSecImportExportPassphrase as String { return true }
        guard key == kSecValueData as String, let itemClass else { return false }
        return itemClass != (kSecClassCertificate as String)
    }

    private func encodeRef(_ value: Any) -> [String: Any]? {
        let object = value as AnyObject
        let typeID = CFGetTypeID(object)
        let kind: String
        switch typeID {
        case SecKeyGetTypeID(): kind = "key"
        case SecCertificateGetTypeID(): kind = "certificate"
        case SecIdentityGetTypeID(): kind = "identity"
        case SecAccessControlGetTypeID(): kind = "access_control"
        case SecPolicyGetTypeID(): kind = "policy"
        default: return nil
        }
        return ["ref": ["kind": kind, "handle": handle(object, kind: kind)]]
    }

    private func handle(_ object: AnyObject, kind: String) -> Int {
        let id = ObjectIdentifier(object)
        if let known = handles[id] { return known }
        let number = handles.count + 1
        handles[id] = number
        alive.append(object)
        pendingRefs[String(number)] = facts(object, kind: kind)
        return number
    }

    /// What the replay needs to re-create or recognise an object (docs/recording.md, "Refs and handles").
    private func facts(_ object: AnyObject, kind: String) -> [String: Any] {
        var facts: [String: Any] = ["kind": kind]
        switch kind {
        case "key":
            let key = object as! SecKey
            let attributes = Security.SecKeyCopyAttributes(key) as? [String: Any] ?? [:]
            let keyClass = attributes[kSecAttrKeyClass as String].map { "\($0)" }
            facts["key_class"] = keyClass == (kSecAttrKeyClassPrivate as String) ? "private" : "public"
            facts["key_type"] = attributes[kSecAttrKeyType as String].map { "\($0)" } ?? NSNull()
            facts["bits"] = (attributes[kSecAttrKeySizeInBits as String] as? NSNumber)?.intValue ?? NSNull()
            facts["token"] = attributes[kSecAttrTokenID as String] as? String ?? NSNull()
            facts["application_label"] =
                (attributes[kSecAttrApplicationLabel as String] as? Data)?.base64EncodedString() ?? NSNull()
            let publicKey = Security.SecKeyCopyPublicKey(key) ?? key
            let exported = Security.SecKeyCopyExternalRepresentation(publicKey, nil) as Data?
            facts["public_key"] = exported?.base64EncodedString() ?? NSNull()
        case "certificate":
            facts["der"] = (Security.SecCertificateCopyData(object as! SecCertificate) as Data).base64EncodedString()
        case "identity":
            let identity = object as! SecIdentity
            var certificate: SecCertificate?
            var key: SecKey?
            _ = Security.SecIdentityCopyCertificate(identity, &certificate)
            _ = Security.SecIdentityCopyPrivateKey(identity, &key)
            facts["certificate"] = certificate.map { handle($0, kind: "certificate") } ?? NSNull()
            facts["key"] = key.map { handle($0, kind: "key") } ?? NSNull()
        case "access_control":
            let known = accessControls[ObjectIdentifier(object)]
            facts["protection"] = known?.protection ?? NSNull()
            facts["flags"] = known.map { NSNumber(value: $0.flags) } ?? NSNull()
            facts["description"] = String(describing: object)
        default:
            facts["description"] = String(describing: object)
        }
        return facts
    }

    /// SecAccessControlCreateWithFlags' arguments, so the replay can make the same object (a device cannot
    /// read the flags back from a SecAccessControl).
    static func remember(_ accessControl: SecAccessControl, protection: String, flags: UInt) {
        lock.lock()
        let recorder = current
        lock.unlock()
        guard let recorder else { return }
        recorder.writeLock.lock()
        recorder.accessControls[ObjectIdentifier(accessControl)] = (protection, flags)
        recorder.writeLock.unlock()
    }

    /// Optional.none (as `Any`) is NSNull, as Swift bridges a nil optional in a `[String: Any]`.
    private static func unwrap(_ value: Any?) -> Any? {
        guard let value else { return nil }
        let mirror = Mirror(reflecting: value)
        guard mirror.displayStyle == .optional else { return value }
        guard let child = mirror.children.first else { return nil }
        return unwrap(child.value)
    }

    private static func nativeNumber(_ value: Any) -> [String: Any]? {
        switch value {
        case let v as Int where type(of: value) == Int.self: return ["int": v]
        case let v as Int32 where type(of: value) == Int32.self: return ["int": Int(v)]
        case let v as Int64 where type(of: value) == Int64.self: return ["int": NSNumber(value: v)]
        case let v as UInt where type(of: value) == UInt.self: return ["int": NSNumber(value: v)]
        case let v as Double where type(of: value) == Double.self: return ["float": v]
        case let v as Float where type(of: value) == Float.self: return ["float": Double(v)]
        default: return nil
        }
    }

    /// ISO 8601 in UTC with milliseconds (a formatter per call: formatters are not Sendable).
    private static func isoDate(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }

    // MARK: - The header: the device, what the app could see, where an add without a group goes

    #if os(macOS)
    private static let platform = "macos"
    #elseif os(Linux)
    // On Linux `Security` is keychainsim's Swift package: the device is the simulated one the calls reach.
    private static var platform: String { (try? KeychainSimulator.current.platform.rawValue) ?? "ios" }
    #else
    private static let platform = "ios"
    #endif

    private static func deviceDescription() -> [String: Any] {
        var system = utsname()
        uname(&system)
        let machine = withUnsafeBytes(of: &system.machine) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        #if targetEnvironment(simulator)
        let simulator = true
        #else
        let simulator = false
        #endif
        return ["model": machine, "os": ProcessInfo.processInfo.operatingSystemVersionString, "simulator": simulator]
    }

    /// How many items of each class the app can see now (the replay starts empty).
    private static func initialItems() -> [String: Int] {
        var counts: [String: Int] = [:]
        let classes: [(CFString, String)] = [
            (kSecClassGenericPassword, "genp"), (kSecClassInternetPassword, "inet"),
            (kSecClassCertificate, "cert"), (kSecClassKey, "keys"),
        ]
        for (itemClass, name) in classes {
            var query: [String: Any] = [
                kSecClass as String: itemClass,
                kSecMatchLimit as String: kSecMatchLimitAll,
                kSecReturnAttributes as String: true,
                kSecAttrSynchronizable as String: kSecAttrSynchronizableAny,
            ]
            #if os(macOS)
            query[kSecUseDataProtectionKeychain as String] = true
            #endif
            var result: CFTypeRef?
            let status = Security.SecItemCopyMatching(query as CFDictionary, &result)
            counts[name] = status == errSecSuccess ? ((result as? [Any])?.count ?? 0) : 0
        }
        return counts
    }

    /// Where the device puts an item added without kSecAttrAccessGroup (the app's first access group, per
    /// the kSecAttrAccessGroup documentation): a temporary item is added, its group read back, and deleted.
    static func defaultAccessGroup() -> String? {
        let probe: [String: Any] = [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: "keychainsim.default-group-probe.\(UUID().uuidString)",
            kSecAttrAccount as String: "probe",
            kSecAttrAccessible as String: kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly,
        ]
        var add = probe
        add[kSecReturnAttributes as String] = true
        #if os(macOS)
        add[kSecUseDataProtectionKeychain as String] = true
        #endif
        var result: CFTypeRef?
        let status = Security.SecItemAdd(add as CFDictionary, &result)
        var remove = probe
        remove.removeValue(forKey: kSecAttrAccessible as String)
        #if os(macOS)
        remove[kSecUseDataProtectionKeychain as String] = true
        #endif
        _ = Security.SecItemDelete(remove as CFDictionary)
        guard status == errSecSuccess, let attributes = result as? [String: Any] else { return nil }
        return attributes[kSecAttrAccessGroup as String] as? String
    }
}

// MARK: - The wrapped functions: Apple's names and signatures, recorded, then passed to Security.

func SecItemAdd(_ attributes: CFDictionary, _ result: UnsafeMutablePointer<CFTypeRef?>?) -> OSStatus {
    let status = Security.SecItemAdd(attributes, result)
    KeychainRecorder.record(
        "SecItemAdd", [("attributes", attributes, .byClass)], convention: .statusResult, status: status,
        result: result?.pointee, resultSecret: dataOnly(attributes), resultPointer: result != nil)
    return status
}

func SecItemCopyMatching(_ query: CFDictionary, _ result: UnsafeMutablePointer<CFTypeRef?>?) -> OSStatus {
    let status = Security.SecItemCopyMatching(query, result)
    KeychainRecorder.record(
        "SecItemCopyMatching", [("query", query, .byClass)], convention: .statusResult, status: status,
        result: result?.pointee, resultSecret: dataOnly(query), resultPointer: result != nil)
    return status
}

func SecItemUpdate(_ query: CFDictionary, _ attributesToUpdate: CFDictionary) -> OSStatus {
    let status = Security.SecItemUpdate(query, attributesToUpdate)
    // The query comes first, so a new kSecValueData is judged by the class the query names.
    KeychainRecorder.record(
        "SecItemUpdate", [("query", query, .byClass), ("attributes", attributesToUpdate, .byClass)],
        convention: .status, status: status, result: nil)
    return status
}

func SecItemDelete(_ query: CFDictionary) -> OSStatus {
    let status = Security.SecItemDelete(query)
    KeychainRecorder.record("SecItemDelete", [("query", query, .byClass)], convention: .status, status: status, result: nil)
    return status
}

func SecPKCS12Import(_ pkcs12_data: CFData, _ options: CFDictionary, _ items: UnsafeMutablePointer<CFArray?>) -> OSStatus {
    let status = Security.SecPKCS12Import(pkcs12_data, options, items)
    KeychainRecorder.record(
        "SecPKCS12Import", [("data", pkcs12_data, .whole), ("options", options, .byClass)], convention: .statusResult,
        status: status, result: items.pointee)
    return status
}

func SecKeyCreateRandomKey(_ parameters: CFDictionary, _ error: UnsafeMutablePointer<Unmanaged<CFError>?>?) -> SecKey? {
    var failure: Unmanaged<CFError>?
    let key = Security.SecKeyCreateRandomKey(parameters, &failure)
    KeychainRecorder.record(
        "SecKeyCreateRandomKey", [("parameters", parameters, .byClass)], convention: .valueError, result: key,
        error: failure)
    return handOver(failure, to: error, key)
}

func SecKeyCopyPublicKey(_ key: SecKey) -> SecKey? {
    let publicKey = Security.SecKeyCopyPublicKey(key)
    KeychainRecorder.record("SecKeyCopyPublicKey", [("key", key, .no)], convention: .value, result: publicKey)
    return publicKey
}

func SecKeyCopyExternalRepresentation(_ key: SecKey, _ error: UnsafeMutablePointer<Unmanaged<CFError>?>?) -> CFData? {
    var failure: Unmanaged<CFError>?
    let data = Security.SecKeyCopyExternalRepresentation(key, &failure)
    KeychainRecorder.record(
        "SecKeyCopyExternalRepresentation", [("key", key, .no)], convention: .valueError, result: data,
        resultSecret: isPrivate(key) ? .whole : .no, error: failure)
    return handOver(failure, to: error, data)
}

func SecKeyCopyAttributes(_ key: SecKey) -> CFDictionary? {
    let attributes = Security.SecKeyCopyAttributes(key)
    KeychainRecorder.record(
        "SecKeyCopyAttributes", [("key", key, .no)], convention: .value, result: attributes, resultSecret: .byClass)
    return attributes
}

func SecKeyCreateWithData(
    _ keyData: CFData, _ attributes: CFDictionary, _ error: UnsafeMutablePointer<Unmanaged<CFError>?>?
) -> SecKey? {
    var failure: Unmanaged<CFError>?
    let key = Security.SecKeyCreateWithData(keyData, attributes, &failure)
    let keyClass = (attributes as? [String: Any])?[kSecAttrKeyClass as String].map { "\($0)" }
    let secret: KeychainRecorder.Secret = keyClass == (kSecAttrKeyClassPrivate as String) ? .whole : .no
    KeychainRecorder.record(
        "SecKeyCreateWithData", [("data", keyData, secret), ("attributes", attributes, .byClass)],
        convention: .valueError, result: key, error: failure)
    return handOver(failure, to: error, key)
}

func SecKeyCreateSignature(
    _ key: SecKey, _ algorithm: SecKeyAlgorithm, _ dataToSign: CFData, _ error: UnsafeMutablePointer<Unmanaged<CFError>?>?
) -> CFData? {
    var failure: Unmanaged<CFError>?
    let signature = Security.SecKeyCreateSignature(key, algorithm, dataToSign, &failure)
    KeychainRecorder.record(
        "SecKeyCreateSignature", [("key", key, .no), ("algorithm", algorithm.rawValue, .no), ("data", dataToSign, .no)],
        convention: .valueError, result: signature, error: failure)
    return handOver(failure, to: error, signature)
}

func SecKeyVerifySignature(
    _ key: SecKey, _ algorithm: SecKeyAlgorithm, _ signedData: CFData, _ signature: CFData,
    _ error: UnsafeMutablePointer<Unmanaged<CFError>?>?
) -> Bool {
    var failure: Unmanaged<CFError>?
    let valid = Security.SecKeyVerifySignature(key, algorithm, signedData, signature, &failure)
    KeychainRecorder.record(
        "SecKeyVerifySignature",
        [("key", key, .no), ("algorithm", algorithm.rawValue, .no), ("signed_data", signedData, .no),
         ("signature", signature, .no)],
        convention: .valueError, result: valid, error: failure)
    return handOver(failure, to: error, valid)
}

func SecKeyCreateEncryptedData(
    _ key: SecKey, _ algorithm: SecKeyAlgorithm, _ plaintext: CFData, _ error: UnsafeMutablePointer<Unmanaged<CFError>?>?
) -> CFData? {
    var failure: Unmanaged<CFError>?
    let ciphertext = Security.SecKeyCreateEncryptedData(key, algorithm, plaintext, &failure)
    KeychainRecorder.record(
        "SecKeyCreateEncryptedData",
        [("key", key, .no), ("algorithm", algorithm.rawValue, .no), ("plaintext", plaintext, .whole)],
        convention: .valueError, result: ciphertext, error: failure)
    return handOver(failure, to: error, ciphertext)
}

func SecKeyCreateDecryptedData(
    _ key: SecKey, _ algorithm: SecKeyAlgorithm, _ ciphertext: CFData, _ error: UnsafeMutablePointer<Unmanaged<CFError>?>?
) -> CFData? {
    var failure: Unmanaged<CFError>?
    let plaintext = Security.SecKeyCreateDecryptedData(key, algorithm, ciphertext, &failure)
    KeychainRecorder.record(
        "SecKeyCreateDecryptedData",
        [("key", key, .no), ("algorithm", algorithm.rawValue, .no), ("ciphertext", ciphertext, .no)],
        convention: .valueError, result: plaintext, resultSecret: .whole, error: failure)
    return handOver(failure, to: error, plaintext)
}

func SecKeyGetBlockSize(_ key: SecKey) -> Int {
    let size = Security.SecKeyGetBlockSize(key)
    KeychainRecorder.record("SecKeyGetBlockSize", [("key", key, .no)], convention: .value, result: size)
    return size
}

func SecKeyCopyKeyExchangeResult(
    _ privateKey: SecKey, _ algorithm: SecKeyAlgorithm, _ publicKey: SecKey, _ parameters: CFDictionary,
    _ error: UnsafeMutablePointer<Unmanaged<CFError>?>?
) -> CFData? {
    var failure: Unmanaged<CFError>?
    let shared = Security.SecKeyCopyKeyExchangeResult(privateKey, algorithm, publicKey, parameters, &failure)
    KeychainRecorder.record(
        "SecKeyCopyKeyExchangeResult",
        [("key", privateKey, .no), ("algorithm", algorithm.rawValue, .no), ("public_key", publicKey, .no),
         ("parameters", parameters, .no)],
        convention: .valueError, result: shared, resultSecret: .whole, error: failure)
    return handOver(failure, to: error, shared)
}

func SecCertificateCreateWithData(_ allocator: CFAllocator?, _ data: CFData) -> SecCertificate? {
    let certificate = Security.SecCertificateCreateWithData(allocator, data)
    KeychainRecorder.record(
        "SecCertificateCreateWithData", [("data", data, .no)], convention: .value, result: certificate)
    return certificate
}

func SecCertificateCopyData(_ certificate: SecCertificate) -> CFData {
    let data = Security.SecCertificateCopyData(certificate)
    KeychainRecorder.record("SecCertificateCopyData", [("certificate", certificate, .no)], convention: .value, result: data)
    return data
}

func SecCertificateCopySubjectSummary(_ certificate: SecCertificate) -> CFString? {
    let summary = Security.SecCertificateCopySubjectSummary(certificate)
    KeychainRecorder.record(
        "SecCertificateCopySubjectSummary", [("certificate", certificate, .no)], convention: .value, result: summary)
    return summary
}

func SecCertificateCopyKey(_ certificate: SecCertificate) -> SecKey? {
    let key = Security.SecCertificateCopyKey(certificate)
    KeychainRecorder.record("SecCertificateCopyKey", [("certificate", certificate, .no)], convention: .value, result: key)
    return key
}

func SecIdentityCopyCertificate(
    _ identityRef: SecIdentity, _ certificateRef: UnsafeMutablePointer<SecCertificate?>
) -> OSStatus {
    let status = Security.SecIdentityCopyCertificate(identityRef, certificateRef)
    KeychainRecorder.record(
        "SecIdentityCopyCertificate", [("identity", identityRef, .no)], convention: .statusResult, status: status,
        result: certificateRef.pointee)
    return status
}

func SecIdentityCopyPrivateKey(_ identityRef: SecIdentity, _ privateKeyRef: UnsafeMutablePointer<SecKey?>) -> OSStatus {
    let status = Security.SecIdentityCopyPrivateKey(identityRef, privateKeyRef)
    KeychainRecorder.record(
        "SecIdentityCopyPrivateKey", [("identity", identityRef, .no)], convention: .statusResult, status: status,
        result: privateKeyRef.pointee)
    return status
}

func SecAccessControlCreateWithFlags(
    _ allocator: CFAllocator?, _ protection: CFTypeRef, _ flags: SecAccessControlCreateFlags,
    _ error: UnsafeMutablePointer<Unmanaged<CFError>?>?
) -> SecAccessControl? {
    var failure: Unmanaged<CFError>?
    let accessControl = Security.SecAccessControlCreateWithFlags(allocator, protection, flags, &failure)
    if let accessControl, let name = protection as? String {
        KeychainRecorder.remember(accessControl, protection: name, flags: UInt(flags.rawValue))
    }
    KeychainRecorder.record(
        "SecAccessControlCreateWithFlags",
        [("protection", protection, .no), ("flags", NSNumber(value: UInt64(flags.rawValue)), .no)],
        convention: .valueError, result: accessControl, error: failure)
    return handOver(failure, to: error, accessControl)
}

// MARK: - Helpers of the wrapped functions

/// The CFError goes to the caller's out-parameter when it has one, and is released otherwise.
private func handOver<T>(_ failure: Unmanaged<CFError>?, to error: UnsafeMutablePointer<Unmanaged<CFError>?>?, _ value: T) -> T {
    if let error {
        error.pointee = failure
    } else {
        failure?.release()
    }
    return value
}

/// A result that is a password's or key's data alone (kSecReturnData without attributes or refs) is secret.
private func dataOnly(_ dictionary: CFDictionary) -> KeychainRecorder.Secret {
    guard let query = dictionary as? [String: Any] else { return .byClass }
    let wantsData = query[kSecReturnData as String] as? Bool == true
    let wantsMore = [kSecReturnAttributes, kSecReturnRef, kSecReturnPersistentRef].contains {
        query[$0 as String] as? Bool == true
    }
    if wantsData && !wantsMore && !isCertificateClass(query[kSecClass as String]) { return .whole }
    return .byClass
}

private func isCertificateClass(_ itemClass: Any?) -> Bool {
    (itemClass as? String) == (kSecClassCertificate as String)
}

private func isPrivate(_ key: SecKey) -> Bool {
    let attributes = Security.SecKeyCopyAttributes(key) as? [String: Any]
    return attributes?[kSecAttrKeyClass as String].map { "\($0)" } == (kSecAttrKeyClassPrivate as String)
}
