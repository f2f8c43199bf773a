import Foundation

/// A simulated device: one keychainsim engine process, its apps, its lock state, and what it can show.
///
/// The Security functions (`SecItemAdd`, `SecKeyCreateRandomKey`, ...) go to the device the current task is
/// bound to with ``run(_:)-swift.method`` (or ``asApp(accessGroups:_:)`` for another app on it), else to
/// ``shared``, a device started on first use. Every answer comes from the engine; nothing is decided here.
///
/// ```swift
/// let device = try KeychainSimulator(platform: .iOS, accessGroups: ["A1B2C3D4E5.com.example.app"])
/// try device.run { try enroll() }                    // the app's own code, unchanged
/// print(try device.dump())                           // every item, and whether this app sees it
/// let why = try device.explain([kSecClass as String: kSecClassIdentity, kSecAttrLabel as String: "client"])
/// print(why.codes)                                   // e.g. ["identity.certificate_for_other_key"]
/// ```
public final class KeychainSimulator: @unchecked Sendable {
    public static let version = "0.1.0"
    public static let defaultAccessGroups = ["A1B2C3D4E5.com.example.app"]

    public enum Platform: String, Sendable {
        case iOS = "ios"
        /// macOS: the file-based and the data protection keychains side by side, routed as Apple's shim does.
        case macOS = "macos"
    }

    public enum LockState: String, Sendable {
        case unlocked
        case locked
        /// Restarted and not unlocked since: AfterFirstUnlock items are unreadable too.
        case beforeFirstUnlock = "before_first_unlock"
    }

    let connection: EngineConnection
    public private(set) var platform: Platform
    public private(set) var accessGroups: [String]

    /// The keychainsim executable behind this device.
    public var engineExecutable: String { connection.executable }
    /// The engine's keychainsim version (from the handshake).
    public var engineVersion: String { connection.engineVersion }

    /// Start a device (an engine process) with the main app's entitlements.
    ///
    /// - Parameters:
    ///   - engine: the keychainsim executable; default: `$KEYCHAINSIM_ENGINE`, else `keychainsim` on PATH,
    ///     else `.venv/bin/keychainsim` of the repository this package is in.
    /// - Throws: ``EngineError/notFound(_:)`` or ``EngineError/incompatible(_:)`` with the message that says
    ///   how to install the engine.
    public init(
        platform: Platform = .iOS, accessGroups: [String] = KeychainSimulator.defaultAccessGroups,
        lock: LockState = .unlocked, engine: String? = nil
    ) throws {
        let executable = try engine ?? Locator.find()
        connection = try EngineConnection(executable: executable)
        self.platform = platform
        self.accessGroups = accessGroups
        try reset(platform: platform, accessGroups: accessGroups, lock: lock)
    }

    // MARK: - Which device a Security call reaches

    struct Binding: Sendable {
        let device: KeychainSimulator
        let app: [String]?
    }

    @TaskLocal static var binding: Binding?

    private static let sharedLock = NSLock()
    nonisolated(unsafe) private static var sharedDevice: KeychainSimulator?
    nonisolated(unsafe) private static var sharedFailure: EngineError?

    /// The device Security calls reach when no ``run(_:)-swift.method`` binds one: started on first use
    /// (iOS, ``defaultAccessGroups``). If the engine cannot start, every call says so with the same error.
    public static var shared: KeychainSimulator {
        get throws {
            sharedLock.lock()
            defer { sharedLock.unlock() }
            if let sharedDevice { return sharedDevice }
            if let sharedFailure { throw sharedFailure }
            do {
                let device = try KeychainSimulator()
                sharedDevice = device
                return device
            } catch let error as EngineError {
                sharedFailure = error
                FileHandle.standardError.write(Data("\(error)\n".utf8))
                throw error
            }
        }
    }

    /// The device the current task's Security calls reach.
    public static var current: KeychainSimulator {
        get throws { try binding?.device ?? shared }
    }

    static func currentBinding() throws -> Binding {
        if let binding { return binding }
        return Binding(device: try shared, app: nil)
    }

    /// Run `body` with its Security calls going to this device (as its main app).
    public func run<T>(_ body: () throws -> T) rethrows -> T {
        try Self.$binding.withValue(Binding(device: self, app: nil), operation: body)
    }

    /// Run `body` with its Security calls going to this device (as its main app).
    public func run<T>(_ body: () async throws -> T) async rethrows -> T {
        try await Self.$binding.withValue(Binding(device: self, app: nil), operation: body)
    }

    /// Run `body` as another app on this device: the same items, these keychain access groups (entitlement
    /// order; the first is where that app's adds go).
    public func asApp<T>(accessGroups: [String], _ body: () throws -> T) rethrows -> T {
        try Self.$binding.withValue(Binding(device: self, app: accessGroups), operation: body)
    }

    // MARK: - Device controls

    /// Start from scratch: no items, a new trace, this platform and these entitlements.
    public func reset(
        platform: Platform? = nil, accessGroups: [String]? = nil, lock: LockState = .unlocked, clock: Date? = nil
    ) throws {
        var args: [String: Any] = [
            "platform": (platform ?? self.platform).rawValue,
            "access_groups": accessGroups ?? self.accessGroups,
            "lock": lock.rawValue,
        ]
        if let clock { args["clock"] = ["date": Wire.isoDate(clock)] }
        _ = try connection.call("reset", args)
        self.platform = platform ?? self.platform
        self.accessGroups = accessGroups ?? self.accessGroups
    }

    /// What ``load(dump:)`` found in a dump: the device it describes, and whether the model forms the
    /// identities that device formed.
    public struct DumpLoad: Sendable {
        public let platform: Platform
        /// The app's access groups in entitlement order (the device's measured default group first).
        public let accessGroups: [String]
        public let itemCount: Int
        /// One sentence per identity the device and the model form differently; empty when they agree (or
        /// when the dump does not carry the device's identities).
        public let identityDisagreements: [String]
        /// What loading changed, in sentences (e.g. the default group moved first).
        public let notes: [String]
    }

    /// Become the device a keychainsim dump describes: its platform, entitlements, lock state and items
    /// (a dump that KeychainDump.swift wrote on a phone or a Mac, or `keychainsim dump --format json`), with
    /// a new trace; then run the app's own code against it. A dump holds no secrets and no private key
    /// material: lookups, attributes, uniqueness and identities behave as on the device; signing with a
    /// dumped key or reading a dumped password's data cannot.
    ///
    /// - Throws: ``EngineRequestError`` (`bad_argument`) naming what is wrong with a malformed dump; the
    ///   device is left as it was.
    @discardableResult
    public func load(dump url: URL) throws -> DumpLoad {
        try load(dumpText: String(contentsOf: url, encoding: .utf8))
    }

    /// ``load(dump:)`` with the dump's JSON text.
    @discardableResult
    public func load(dumpText: String) throws -> DumpLoad {
        let reply = try connection.call("load_dump", ["document": dumpText])
        let loaded = DumpLoad(
            platform: Platform(rawValue: reply["platform"] as? String ?? "") ?? platform,
            accessGroups: reply["access_groups"] as? [String] ?? [],
            itemCount: reply["items"] as? Int ?? 0,
            identityDisagreements: (reply["identity_checks"] as? [[String: Any]] ?? []).flatMap {
                $0["disagreements"] as? [String] ?? []
            },
            notes: reply["notes"] as? [String] ?? [])
        platform = loaded.platform
        accessGroups = loaded.accessGroups
        return loaded
    }

    /// Lock the device: WhenUnlocked items become unreadable (errSecInteractionNotAllowed).
    public func lock() throws { _ = try connection.call("lock") }
    public func unlock() throws { _ = try connection.call("unlock") }
    /// Restart: locked, and before first unlock.
    public func restart() throws { _ = try connection.call("restart") }

    // MARK: - What the device shows

    /// Every item of every class, whether the main app can see it and why not, and how certificates and
    /// private keys pair into identities.
    public func dump() throws -> String {
        try connection.call("dump", ["format": "text"])["text"] as? String ?? ""
    }

    /// The same as JSON (keychainsim's dump format, the one the device-side probe writes).
    public func dumpDocument() throws -> [String: Any] {
        try connection.call("dump", ["format": "json"])["document"] as? [String: Any] ?? [:]
    }

    /// Why `query` returns what it returns on this device, drawing on every call since the last reset.
    ///
    /// - Parameter accessGroups: explain as another app (default: the main app).
    public func explain(_ query: [AnyHashable: Any], accessGroups: [String]? = nil) throws -> Explanation {
        let args = ["query": try Wire.encode(query, path: "query", connection: connection)]
        let reply = try connection.call("explain", args, app: accessGroups)
        return Explanation(reply)
    }

    /// ``explain(_:accessGroups:)`` for a dictionary already bridged to CFDictionary.
    public func explain(_ query: CFDictionary, accessGroups: [String]? = nil) throws -> Explanation {
        try explain(query as! [AnyHashable: Any], accessGroups: accessGroups)
    }

    /// Every Security call made on this device since the last reset, with its status.
    public func trace() throws -> [TraceStep] {
        let steps = try connection.call("trace")["steps"] as? [[String: Any]] ?? []
        return steps.map(TraceStep.init)
    }

    /// The trace as keychainsim renders it: each call, its outcome, and the items it changed.
    public func traceText() throws -> String {
        try connection.call("trace", ["text": true])["text"] as? String ?? ""
    }

    // MARK: - The server side of an enrollment

    /// A PKCS#10 request for `privateKey`, built as swift-certificates builds one (the public key from
    /// SecKeyCopyPublicKey + SecKeyCopyExternalRepresentation, signed through SecKeyCreateSignature).
    public func certificateSigningRequest(privateKey: SecKey, subject: [String: String]) throws -> CertificateSigningRequest {
        let reply = try connection.call(
            "csr",
            [
                "key": try Wire.encode(privateKey, path: "privateKey", connection: connection),
                "subject": try Wire.encode(subject, path: "subject", connection: connection),
            ])
        let result = try Wire.decode(reply["result"], connection: connection) as? [String: Any] ?? [:]
        return CertificateSigningRequest(der: result["der"] as? Data ?? Data(), pem: result["pem"] as? String ?? "")
    }

    /// The engine's test CA (a root and an intermediate) issues a client certificate for `csr` (DER), making
    /// the mistakes real enrollment servers make when `faults` ask for them.
    public func issueCertificate(for csr: Data, faults: [CAFault] = []) throws -> IssuedCertificate {
        let reply = try connection.call(
            "issue", ["csr": ["data": csr.base64EncodedString()], "faults": faults.map(\.rawValue)])
        let result = try Wire.decode(reply["result"], connection: connection) as? [String: Any] ?? [:]
        return IssuedCertificate(
            der: result["der"] as? Data ?? Data(),
            pem: result["pem"] as? String ?? "",
            chain: result["chain"] as? [Data] ?? [],
            chainPEM: result["chain_pem"] as? String ?? "",
            caCertificatesPEM: result["ca_pem"] as? [String] ?? []
        )
    }

    /// Stop the engine now (it also stops when the simulator is released).
    public func shutdown() { connection.close() }
}

/// A mistake the test CA makes on purpose (keychainsim.crypto.ca.Fault).
public enum CAFault: String, Sendable, CaseIterable {
    /// It certifies a key of its own instead of the CSR's.
    case otherKey = "other_key"
    case noClientAuth = "no_client_auth"
    case expired
    /// The chain comes CA-first.
    case wrongOrder = "wrong_order"
    /// Text around the PEM block.
    case pemExtraText = "pem_extra_text"
}

public struct CertificateSigningRequest: Sendable {
    public let der: Data
    public let pem: String
}

/// What the enrollment server hands back.
public struct IssuedCertificate: Sendable {
    /// The leaf certificate, DER.
    public let der: Data
    /// The leaf as the server's PEM text.
    public let pem: String
    /// DER certificates in the order the server sends them.
    public let chain: [Data]
    /// The chain as one PEM bundle.
    public let chainPEM: String
    /// The chain's CA certificates (intermediate, root), one PEM text each.
    public let caCertificatesPEM: [String]
}

/// One finding of an explanation: a stable code and the sentence that names the cause with its evidence.
public struct Finding: Sendable, CustomStringConvertible {
    public let code: String
    public let message: String
    public var description: String { "[\(code)] \(message)" }
}

/// Why a query returns what it returns (keychainsim's explain report).
public struct Explanation: Sendable, CustomStringConvertible {
    /// What SecItemCopyMatching (or SecItemAdd) returns for it on this device.
    public let status: OSStatus
    public let findings: [Finding]
    /// The report as keychainsim prints it.
    public let text: String

    public var codes: [String] { findings.map(\.code) }
    public var description: String { text }

    init(_ reply: [String: Any]) {
        status = OSStatus(truncatingIfNeeded: reply["status"] as? Int ?? 0)
        findings = (reply["findings"] as? [[String: Any]] ?? []).map {
            Finding(code: $0["code"] as? String ?? "", message: $0["message"] as? String ?? "")
        }
        text = reply["text"] as? String ?? ""
    }
}

/// One Security call the device received.
public struct TraceStep: Sendable, CustomStringConvertible {
    public let index: Int
    public let call: String
    /// The OSStatus, for calls that return one.
    public let status: OSStatus?
    /// A one-line summary of what came back besides the status.
    public let result: String
    /// The engine's words for a refusal.
    public let reason: String?
    /// The access groups of the app that made a keychain call.
    public let accessGroups: [String]?

    init(_ step: [String: Any]) {
        index = step["index"] as? Int ?? 0
        call = step["call"] as? String ?? ""
        status = (step["status"] as? Int).map { OSStatus(truncatingIfNeeded: $0) }
        result = step["result"] as? String ?? ""
        reason = step["reason"] as? String
        accessGroups = step["access_groups"] as? [String]
    }

    public var description: String {
        "\(index). \(call)" + (status.map { " -> \($0)" } ?? "") + (result.isEmpty ? "" : " \(result)")
    }
}
