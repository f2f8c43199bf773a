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
//     from keychainsim.probe import load_dump, dump
//     kc = load_dump("keychain-dump.json"); print(dump(kc))
//
// What it reads is what Apple DTS's dump reads: one SecItemCopyMatching per class with kSecMatchLimitAll,
// kSecReturnAttributes and kSecReturnRef, plus kSecAttrSynchronizableAny so that synchronizable items show
// up too. It never sets kSecReturnData: passwords and private keys stay on the device. A certificate's DER
// (public) is written from SecCertificateCopyData on the returned reference, because explaining an
// identity lookup needs the certificate.
//
// accessGroups: the app's keychain access groups in entitlement order (keychain-access-groups, then the
// application identifier, then app groups). An app cannot read its entitlements at run time; if you pass
// none, the groups seen on the items are written instead, sorted, which loses which group is the default.
//
// includeFileBasedKeychain (macOS only): also dump the file-based keychain. That lists the attributes (not
// the secrets) of every item in the user's login keychain, so it is off by default.

import Foundation
import LocalAuthentication
import Security

enum KeychainDump {

    /// Writes the dump as pretty-printed JSON with sorted keys.
    static func write(to url: URL, accessGroups: [String] = [], includeFileBasedKeychain: Bool = false) throws {
        let document = makeDocument(accessGroups: accessGroups, includeFileBasedKeychain: includeFileBasedKeychain)
        let data = try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys])
        try data.write(to: url, options: .atomic)
    }

    /// The dump as a JSON-compatible dictionary.
    static func makeDocument(accessGroups: [String] = [], includeFileBasedKeychain: Bool = false) -> [String: Any] {
        var items: [[String: Any]] = []
        var statuses: [String: Int] = [:]
        var rowid = 0
        for store in stores(includeFileBasedKeychain: includeFileBasedKeychain) {
            for (itemClass, classKey) in classes {
                var query: [String: Any] = [
                    kSecClass as String: itemClass,
                    kSecMatchLimit as String: kSecMatchLimitAll,
                    kSecReturnAttributes as String: true,
                    kSecReturnRef as String: true,
                    kSecAttrSynchronizable as String: kSecAttrSynchronizableAny,
                ]
                #if os(macOS)
                query[kSecUseDataProtectionKeychain as String] = (store == "dp")
                #endif
                var result: CFTypeRef?
                let status = SecItemCopyMatching(query as CFDictionary, &result)
                statuses["\(store)/\(classKey)"] = Int(status)
                guard status == errSecSuccess, let found = result as? [[String: Any]] else { continue }
                for dictionary in found {
                    rowid += 1
                    items.append(item(dictionary, rowid: rowid, classKey: classKey, store: store))
                }
            }
        }
        // A query that reaches an item whose protection class is unavailable fails with -25308.
        let locked = statuses.values.contains(Int(errSecInteractionNotAllowed))
        return [
            "format": "keychainsim-dump",
            "version": 1,
            "platform": platform,
            "access_groups": accessGroups.isEmpty ? observedGroups(items) : accessGroups,
            "device": [
                "unlocked": !locked,
                "unlocked_since_boot": true,  // the app is running, so the device was unlocked since boot
                "passcode_set": LAContext().canEvaluatePolicy(.deviceOwnerAuthentication, error: nil),
            ],
            "items": items,
            "statuses": statuses,
            "source": "KeychainDump.swift, \(ProcessInfo.processInfo.operatingSystemVersionString)",
        ]
    }

    // MARK: - Items

    private static let classes: [(CFString, String)] = [
        (kSecClassGenericPassword, "genp"),
        (kSecClassInternetPassword, "inet"),
        (kSecClassCertificate, "cert"),
        (kSecClassKey, "keys"),
    ]

    #if os(macOS)
    private static let platform = "macos"
    #else
    private static let platform = "ios"
    #endif

    private static func stores(includeFileBasedKeychain: Bool) -> [String] {
        #if os(macOS)
        return includeFileBasedKeychain ? ["dp", "file"] : ["dp"]
        #else
        return ["dp"]
        #endif
    }

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
                    let der = SecCertificateCopyData(ref as! SecCertificate) as Data
                    attributes["v_Data"] = ["type": "data", "value": hex(der)]
                }
                continue
            }
            attributes[key] = encode(value, protection: protection)
        }
        out["attributes"] = attributes
        return out
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
            if CFNumberIsFloatType(number as CFNumber) {
                return ["type": "number", "value": number.doubleValue]
            }
            return ["type": "number", "value": number.int64Value]
        }
        if typeID == CFStringGetTypeID() {
            return ["type": "string", "value": object as! String]
        }
        if typeID == CFDataGetTypeID() {
            return ["type": "data", "value": hex(object as! Data)]
        }
        if typeID == CFDateGetTypeID() {
            return ["type": "date", "value": isoFormatter.string(from: object as! Date)]
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

    private static let isoFormatter: ISO8601DateFormatter = {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter
    }()

    private static func hex(_ data: Data) -> String {
        data.map { String(format: "%02x", $0) }.joined()
    }

    private static func observedGroups(_ items: [[String: Any]]) -> [String] {
        var seen = Set<String>()
        for item in items {
            if let attributes = item["attributes"] as? [String: Any],
               let group = attributes[kSecAttrAccessGroup as String] as? [String: Any],
               let name = group["value"] as? String {
                seen.insert(name)
            }
        }
        return seen.sorted()
    }
}
