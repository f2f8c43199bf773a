import Foundation
import Security

// The forum thread's enrollment code (the seed flow of docs/pitfalls.md; the recipe of developer.apple.com/forums/thread/797509),
// written as it was posted: `import Security`, `[String: Any]` dictionaries bridged with `as CFDictionary`,
// the key attributes at the top level of SecKeyCreateRandomKey's parameters, a PEM-to-DER helper, the
// certificate added with its label, a loop over the CA certificates, and the identity looked up by label.
// The CSR, which the thread builds with swift-certificates, comes from KeychainSimulator.
//
// `Changes` holds the one thing a broken variant does differently (fixtures/thread/variants.json); with no
// changes, this is the code as posted.

enum EnrollmentError: Error {
    case invalidCertificate
    case keychain(OSStatus)
}

final class EnrollmentManager {
    let tag: Data
    let label: String
    let changes: Changes

    init(tag: String, label: String, changes: Changes = Changes()) {
        self.tag = tag.data(using: .utf8)!
        self.label = label
        self.changes = changes
    }

    func generateKeyPair() throws -> SecKey {
        var keyAttributes: [String: Any] = [kSecAttrApplicationTag as String: tag]
        switch changes.permanent {
        case .bool: keyAttributes[kSecAttrIsPermanent as String] = true
        case .number: keyAttributes[kSecAttrIsPermanent as String] = 1
        case .absent: break
        }
        if changes.synchronizableKey { keyAttributes[kSecAttrSynchronizable as String] = true }
        if changes.labelOnKey { keyAttributes[kSecAttrLabel as String] = label }

        var attributes: [String: Any] = [
            kSecAttrKeyType as String: kSecAttrKeyTypeECSECPrimeRandom,
            kSecAttrKeySizeInBits as String: 256,
        ]
        if changes.keyAttributesInPrivateKeyAttrs {
            attributes[kSecPrivateKeyAttrs as String] = keyAttributes
        } else {
            attributes.merge(keyAttributes) { _, new in new }  // as posted: all at the top level
        }

        var error: Unmanaged<CFError>?
        guard let privateKey = SecKeyCreateRandomKey(attributes as CFDictionary, &error) else {
            throw error!.takeRetainedValue() as Error
        }
        return privateKey
    }

    func publicKeyData(for privateKey: SecKey) throws -> Data {
        guard let publicKey = SecKeyCopyPublicKey(privateKey) else {
            throw EnrollmentError.invalidCertificate
        }
        var error: Unmanaged<CFError>?
        guard let data = SecKeyCopyExternalRepresentation(publicKey, &error) as Data? else {
            throw error!.takeRetainedValue() as Error
        }
        return data
    }

    func pemToDER(_ pem: String) -> Data? {
        let base64 = pem
            .replacingOccurrences(of: "-----BEGIN CERTIFICATE-----", with: "")
            .replacingOccurrences(of: "-----END CERTIFICATE-----", with: "")
            .replacingOccurrences(of: "\n", with: "")
            .replacingOccurrences(of: "\r", with: "")
        return Data(base64Encoded: base64)
    }

    func storeCertificate(_ pem: String) throws {
        let certificateData = changes.certificateAsPEM ? pem.data(using: .utf8) : pemToDER(pem)
        guard let der = certificateData, let certificate = SecCertificateCreateWithData(nil, der as CFData) else {
            throw EnrollmentError.invalidCertificate
        }
        var addQuery: [String: Any] = [
            kSecClass as String: kSecClassCertificate,
            kSecValueRef as String: certificate,
        ]
        if !changes.labelOnKey { addQuery[kSecAttrLabel as String] = label }
        if let group = changes.certificateAccessGroup { addQuery[kSecAttrAccessGroup as String] = group }
        if changes.tagOnCertificate { addQuery[kSecAttrApplicationTag as String] = tag }
        let status = SecItemAdd(addQuery as CFDictionary, nil)
        guard status == errSecSuccess || status == errSecDuplicateItem else {
            throw EnrollmentError.keychain(status)
        }
    }

    func storeCACertificates(_ pems: [String]) {
        for pem in pems {
            guard let der = pemToDER(pem), let certificate = SecCertificateCreateWithData(nil, der as CFData) else {
                continue
            }
            let addQuery: [String: Any] = [
                kSecClass as String: kSecClassCertificate,
                kSecValueRef as String: certificate,
            ]
            _ = SecItemAdd(addQuery as CFDictionary, nil)
        }
    }

    var identityQuery: [String: Any] {
        [
            kSecClass as String: kSecClassIdentity,
            kSecAttrLabel as String: label,
            kSecReturnRef as String: true,
            kSecMatchLimit as String: kSecMatchLimitOne,
        ]
    }

    func loadIdentity() -> (OSStatus, SecIdentity?) {
        var item: CFTypeRef?
        let status = SecItemCopyMatching(identityQuery as CFDictionary, &item)
        guard status == errSecSuccess else { return (status, nil) }
        return (status, (item as! SecIdentity))
    }
}

/// What a variant changes in the code above (the "changes" of fixtures/thread/variants.json).
struct Changes: Sendable {
    enum Permanent: String, Sendable { case bool, number, absent }

    var keyAttributesInPrivateKeyAttrs = false
    var permanent = Permanent.bool
    var synchronizableKey = false
    var labelOnKey = false
    var faults: [CAFault] = []
    var certificateAsPEM = false
    var certificateAccessGroup: String?
    var tagOnCertificate = false
    var lookupAccessGroups: [String]?
    var lockBeforeLookup = false

    init() {}

    init(_ json: [String: Any]) {
        keyAttributesInPrivateKeyAttrs = json["key_attributes_in"] as? String == "private_key_attrs"
        permanent = (json["permanent"] as? String).flatMap(Permanent.init(rawValue:)) ?? .bool
        synchronizableKey = json["synchronizable_key"] as? Bool ?? false
        labelOnKey = json["label_on_key"] as? Bool ?? false
        faults = (json["faults"] as? [String] ?? []).compactMap(CAFault.init(rawValue:))
        certificateAsPEM = json["certificate_as_pem"] as? Bool ?? false
        certificateAccessGroup = json["certificate_access_group"] as? String
        tagOnCertificate = json["tag_on_certificate"] as? Bool ?? false
        lookupAccessGroups = json["lookup_access_groups"] as? [String]
        lockBeforeLookup = json["lock_before_lookup"] as? Bool ?? false
    }
}
