// KeychainDump.swift: writes this app's view of the keychain as a keychainsim dump
// (format "keychainsim-dump", version 1; documented in keychainsim/probe/FORMAT.md).
//
// Paste this file into the app (debug builds only), then, for example:
//
//     let url = FileManager.default.temporaryDirectory.appendingPathComponent("keychain-dump.json")
//     try KeychainDump.write(to: url, accessGroups: ["A1B2C3D4E5.com.example.app"])
//     print(url.path)
//
// Copy the file off the device (Xcode > Devices and Simulators > the app's container, or the simulator's
// data directory) and on a desktop:
//
//     keychainsim explain --dump keychain-dump.json      # each certificate's identity, device vs model
//     keychainsim dump --from keychain-dump.json         # every item, who can see it, how identities pair
//
// What it reads is what Apple DTS's dump reads: one SecItemCopyMatching per class with kSecMatchLimitAll,
// kSecReturnAttributes and kSecReturnRef, plus kSecAttrSynchronizableAny so that synchronizable items show
// up too; then the same for kSecClassIdentity, the device's own certificate/key join, which keychainsim holds
// against its model's (on a Mac, in each keychain it reads: the file-based one forms its own identities). It never sets kSecReturnData: passwords and private keys stay on the device. A
// certificate's DER (public) is written from SecCertificateCopyData, because explaining an identity lookup
// needs the certificate.
//
// accessGroups: the app's keychain access groups in entitlement order (keychain-access-groups, then the
// application identifier, then app groups). An app cannot read its entitlements at run time; if you pass
// none, the groups seen on the items are written instead, sorted.
//
// findDefaultAccessGroup (default true): measure where an add without kSecAttrAccessGroup goes, by adding a
// temporary generic password, reading its group back and deleting it. Pass false for a read-only probe.
//
// scope: .keysAndCertificates reads only keys, certificates and identities (what an enrollment needs).
//
// includeFileBasedKeychain (macOS only): also dump the file-based keychain. That lists the attributes (not
// the secrets) of every item in the user's login keychain, so it is off by default.
//
// The probe calls `Security.SecItemCopyMatching` and friends by their module-qualified names, so that with
// KeychainRecorder.swift in the same target its own queries are not recorded as the app's.

import Foundation
import Security

#if canImport(LocalAuthentication)
import LocalAuthentication
#endif

enum KeychainDump {

    enum Scope {
        case all
        case keysAndCertificates
    }

    /// Writes the dump as pretty-printed JSON with sorted keys.
    static func write(
        to url: URL, accessGroups: [String] = [], scope: Scope = .all, includeFileBasedKeychain: Bool = false,
        findDefaultAccessGroup: Bool = true
    ) throws {
        let document = makeDocument(
            accessGroups: accessGroups, scope: scope, includeFileBasedKeychain: includeFileBasedKeychain,
            findDefaultAccessGroup: findDefaultAccessGroup)
        let data = try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys])
        try data.write(to: url, options: .atomic)
    }

    /// The dump as a JSON-compatible dictionary.
    static func makeDocument(
        accessGroups: [String] = [], scope: Scope = .all, includeFileBasedKeychain: Bool = false,
        findDefaultAccessGroup: Bool = true
    ) -> [String: Any] {
        let defaultGroup = findDefaultAccessGroup ? measureDefaultAccessGroup() : nil
        var items: [[String: Any]] = []
        var statuses: [String: Int] = [:]
        var rowid = 0
        let wanted = scope == .all ? classes : classes.filter { $0.1 == "cert" || $0.1 == "keys" }
        for store in stores(includeFileBasedKeychain: includeFileBasedKeychain) {
            for (itemClass, classKey) in wanted {
                var result: CFTypeRef?
                let status = Security.SecItemCopyMatching(query(itemClass, store: store) as CFDictionary, &result)
                statuses["\(store)/\(classKey)"] = Int(status)
                guard status == errSecSuccess, let found = result as? [[String: Any]] else { continue }
                for dictionary in found {
                    rowid += 1
                    items.append(item(dictionary, rowid: rowid, classKey: classKey, store: store))
                }
            }
        }
        // Each keychain forms identities from its own certificates and keys, so each is asked on its own and
        // an identity's halves are looked for among that keychain's rows.
        var identitiesByStore: [String: [String: Any]] = [:]
        for store in stores(includeFileBasedKeychain: includeFileBasedKeychain) {
            var identityResult: CFTypeRef?
            let identityStatus = Security.SecItemCopyMatching(
                query(kSecClassIdentity, store: store) as CFDictionary, &identityResult)
            statuses["\(store)/idnt"] = Int(identityStatus)
            let rows = items.filter { $0["keychain"] as? String == store }
            let found = (identityResult as? [[String: Any]] ?? []).map { identity($0, items: rows) }
            identitiesByStore[store] = ["status": Int(identityStatus), "identities": found]
        }

        // A query that reaches an item whose protection class is unavailable fails with -25308.
        let locked = statuses.values.contains(Int(errSecInteractionNotAllowed))
        var groups = accessGroups.isEmpty ? observedGroups(items) : accessGroups
        if groups.isEmpty, let defaultGroup { groups = [defaultGroup] }
        var document: [String: Any] = [
            "format": "keychainsim-dump",
            "version": 1,
            "platform": platform,
            "access_groups": groups,
            "device": [
                "unlocked": !locked,
                "unlocked_since_boot": true,  // the app is running, so the device was unlocked since boot
                "passcode_set": passcodeSet(),
            ],
            "items": items,
            "statuses": statuses,
            "device_identities": identitiesByStore["dp"] ?? [:],
            "source": "KeychainDump.swift, \(ProcessInfo.processInfo.operatingSystemVersionString)",
        ]
        if let file = identitiesByStore["file"] { document["file_identities"] = file }
        if scope == .keysAndCertificates { document["classes"] = ["cert", "keys"] }
        if let defaultGroup { document["default_access_group"] = defaultGroup }
        return document
    }

    // MARK: - Queries

    private static var classes: [(CFString, String)] {
        [
            (kSecClassGenericPassword, "genp"),
            (kSecClassInternetPassword, "inet"),
            (kSecClassCertificate, "cert"),
            (kSecClassKey, "keys"),
        ]
    }

    private static func query(_ itemClass: CFString, store: String) -> [String: Any] {
        var query: [String: Any] = [
            kSecClass as String: itemClass,
            kSecMatchLimit as String: kSecMatchLimitAll,
            kSecReturnAttributes as String: true,
            kSecReturnRef as String: true,
            kSecAttrSynchronizable as String: kSecAttrSynchronizableAny,
        ]
        #if os(macOS) || os(Linux)
        if onMacOS { query[kSecUseDataProtectionKeychain as String] = (store == "dp") }
        #endif
        return query
    }

    /// Whether the device is a Mac (two keychains). On Linux `Security` is keychainsim's Swift package, and the
    /// device is the simulated one the calls reach, iOS or macOS.
    private static var onMacOS: Bool {
        #if os(macOS)
        return true
        #elseif os(Linux)
        return (try? KeychainSimulator.current.platform) == .macOS
        #else
        return false
        #endif
    }

    private static var platform: String { onMacOS ? "macos" : "ios" }

    private static func stores(includeFileBasedKeychain: Bool) -> [String] {
        onMacOS && includeFileBasedKeychain ? ["dp", "file"] : ["dp"]
    }

    private static func passcodeSet() -> Bool {
        #if canImport(LocalAuthentication)
        return LAContext().canEvaluatePolicy(.deviceOwnerAuthentication, error: nil)
        #else
        return true  // no LocalAuthentication (keychainsim's simulated device has a passcode)
        #endif
    }

    // MARK: - Items

    private static func item(_ dictionary: [String: Any], rowid: Int, classKey: String, store: String) -> [String: Any] {
        var attributes: [String: Any] = [:]
        var out: [String: Any] = ["rowid": rowid, "keychain": store, "class": classKey]
        let protection = dictionary[kSecAttrAccessible as String] as? String
        for (key, value) in dictionary {
            if key == kSecClass as String {
                continue
            }
            if key == kSecValueRef as String {
                let ref = value as AnyObject
                out["ref"] = String(describing: ref)
                if CFGetTypeID(ref) == SecCertificateGetTypeID() {
                    let der = Security.SecCertificateCopyData(ref as! SecCertificate) as Data
                    attributes["v_Data"] = ["type": "data", "value": hex(der)]
                }
                continue
            }
            attributes[key] = encode(value, protection: protection)
        }
        out["attributes"] = attributes
        return out
    }

    /// The rows of an identity's halves among the dumped items: the certificate by its DER, the private key by
    /// its application label (and access group) as SecKeyCopyAttributes gives them.
    private static func identity(_ dictionary: [String: Any], items: [[String: Any]]) -> [String: Any] {
        var out: [String: Any] = ["certificate": NSNull(), "key": NSNull()]
        if let label = dictionary[kSecAttrLabel as String] as? String { out["label"] = label }
        guard let ref = dictionary[kSecValueRef as String], CFGetTypeID(ref as AnyObject) == SecIdentityGetTypeID()
        else { return out }
        let identity = ref as AnyObject as! SecIdentity
        var certificate: SecCertificate?
        var key: SecKey?
        if Security.SecIdentityCopyCertificate(identity, &certificate) == errSecSuccess, let certificate {
            let der = hex(Security.SecCertificateCopyData(certificate) as Data)
            out["certificate"] = row(in: items, classKey: "cert") { attribute($0, "v_Data") == der } ?? NSNull()
        }
        if Security.SecIdentityCopyPrivateKey(identity, &key) == errSecSuccess, let key,
            let attributes = Security.SecKeyCopyAttributes(key) as? [String: Any],
            let label = attributes[kSecAttrApplicationLabel as String] as? Data
        {
            let group = attributes[kSecAttrAccessGroup as String] as? String
            out["klbl"] = hex(label)
            out["key"] = row(in: items, classKey: "keys") { item in
                attribute(item, "klbl") == hex(label) && isPrivateKey(item)
                    && (group == nil || attribute(item, "agrp") == group)
            } ?? NSNull()
        }
        return out
    }

    private static func row(in items: [[String: Any]], classKey: String, where matches: ([String: Any]) -> Bool) -> Int? {
        items.first { $0["class"] as? String == classKey && matches($0) }?["rowid"] as? Int
    }

    private static func attribute(_ item: [String: Any], _ key: String) -> String? {
        let entry = (item["attributes"] as? [String: Any])?[key] as? [String: Any]
        return entry?["value"].map { "\($0)" }
    }

    private static func isPrivateKey(_ item: [String: Any]) -> Bool {
        let value = attribute(item, "kcls")
        return value == "1"
    }

    /// A value with its CF type, as FORMAT.md's "Values" table says.
    private static func encode(_ value: Any, protection: String?) -> [String: Any] {
        let object = value as AnyObject
        let typeID = CFGetTypeID(object)
        if typeID == CFBooleanGetTypeID() {
            return ["type": "boolean", "value": (object as! NSNumber).boolValue]
        }
        if typeID == CFNumberGetTypeID() {
            let number = object as! NSNumber
            let code = String(cString: number.objCType)
            if code == "f" || code == "d" {
                return ["type": "number", "value": number.doubleValue]
            }
            return ["type": "number", "value": NSNumber(value: number.int64Value)]
        }
        if typeID == CFStringGetTypeID() {
            return ["type": "string", "value": object as! String]
        }
        if typeID == CFDataGetTypeID() {
            return ["type": "data", "value": hex(object as! Data)]
        }
        if typeID == CFDateGetTypeID() {
            return ["type": "date", "value": isoDate(object as! Date)]
        }
        if typeID == SecAccessControlGetTypeID() {
            // The flags cannot be read back from a SecAccessControl; keep its description as evidence.
            return [
                "type": "access_control",
                "value": ["protection": protection ?? "", "flags": 0],
                "description": String(describing: object),
            ]
        }
        // keychainsim refuses to load this, naming the item and attribute, rather than drop it silently.
        return ["type": "unsupported", "value": NSNull(), "description": String(describing: object)]
    }

    /// ISO 8601 in UTC with milliseconds (a formatter per call: formatters are not Sendable).
    private static func isoDate(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }

    private static func hex(_ data: Data) -> String {
        data.map { String(format: "%02x", $0) }.joined()
    }

    private static func observedGroups(_ items: [[String: Any]]) -> [String] {
        var seen = Set<String>()
        for item in items {
            if let name = attribute(item, "agrp") {
                seen.insert(name)
            }
        }
        return seen.sorted()
    }

    // MARK: - The default access group

    /// Where the device puts an item added without kSecAttrAccessGroup (the app's first access group, per the
    /// kSecAttrAccessGroup documentation): a temporary generic password is added with kSecReturnAttributes,
    /// its group read back, and the item deleted.
    static func measureDefaultAccessGroup() -> String? {
        let probe: [String: Any] = [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: "keychainsim.default-group-probe.\(UUID().uuidString)",
            kSecAttrAccount as String: "probe",
        ]
        var add = probe
        add[kSecAttrAccessible as String] = kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly
        add[kSecReturnAttributes as String] = true
        var remove = probe
        #if os(macOS) || os(Linux)
        if onMacOS {
            add[kSecUseDataProtectionKeychain as String] = true
            remove[kSecUseDataProtectionKeychain as String] = true
        }
        #endif
        var result: CFTypeRef?
        let status = Security.SecItemAdd(add as CFDictionary, &result)
        _ = Security.SecItemDelete(remove as CFDictionary)
        guard status == errSecSuccess, let attributes = result as? [String: Any] else { return nil }
        return attributes[kSecAttrAccessGroup as String] as? String
    }
}
