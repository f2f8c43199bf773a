import Foundation

// The Security framework's object types. On a device they are CF objects; here each one is a handle to the
// object the engine holds (docs/protocol.md, "Refs"), so `item as! SecIdentity` and `as? SecKey` casts from
// a CFTypeRef behave as they do there. A handle is released in the engine when its Swift object goes away.

/// The engine-side object behind a Sec* reference; released (lazily, with the next request) on deinit.
final class EngineHandle: @unchecked Sendable {
    let number: Int
    let kind: String
    let connection: EngineConnection

    init(number: Int, kind: String, connection: EngineConnection) {
        self.number = number
        self.kind = kind
        self.connection = connection
    }

    deinit {
        connection.release(number)
    }
}

/// A Sec* object backed by an engine handle.
protocol EngineObject: AnyObject {
    var handle: EngineHandle { get }
}

extension EngineObject {
    var refDescription: String { "<\(type(of: self))Ref \(handle.kind) #\(handle.number)>" }
}

/// `CFEqual` of two Security objects, as Apple's types define it (SecKey.m SecKeyEqual: the same key;
/// SecCertificate.c SecCertificateEqual: the same DER; SecIdentity.c SecIdentityCompare: both halves), asked of
/// the engine that holds them: two refs from two lookups of one item are equal, a key and its public key are not.
func engineEqual(_ lhs: EngineObject, _ rhs: EngineObject) -> Bool {
    if lhs === rhs || lhs.handle === rhs.handle { return true }
    guard lhs.handle.connection === rhs.handle.connection, lhs.handle.kind == rhs.handle.kind else { return false }
    do {
        let (reply, connection) = try Calls.on("CFEqual", lhs, ["a": lhs, "b": rhs])
        return (try Wire.decode(reply["result"], connection: connection) as? NSNumber)?.boolValue ?? false
    } catch {
        Calls.report("CFEqual", error)
        return false
    }
}

// Apple's CF types are Hashable through CFEqual/CFHash, so `a == b` and `Set<SecCertificate>` compile there. Here
// equality is the engine's; the hash is the object's kind, which equal objects share (correct, if coarse: a
// set of refs is searched linearly, which is fine at a simulator's scale).

/// A key (SecKeyRef): EC or RSA, public or private, in the keychain or not.
public final class SecKey: EngineObject, CustomStringConvertible, Hashable, @unchecked Sendable {
    let handle: EngineHandle
    init(handle: EngineHandle) { self.handle = handle }
    public var description: String { refDescription }
    public static func == (lhs: SecKey, rhs: SecKey) -> Bool { engineEqual(lhs, rhs) }
    public func hash(into hasher: inout Hasher) { hasher.combine(handle.kind) }
}

/// An X.509 certificate (SecCertificateRef).
public final class SecCertificate: EngineObject, CustomStringConvertible, Hashable, @unchecked Sendable {
    let handle: EngineHandle
    init(handle: EngineHandle) { self.handle = handle }
    public var description: String { refDescription }
    public static func == (lhs: SecCertificate, rhs: SecCertificate) -> Bool { engineEqual(lhs, rhs) }
    public func hash(into hasher: inout Hasher) { hasher.combine(handle.kind) }
}

/// A certificate and its private key (SecIdentityRef), as the keychain's identity join forms it.
public final class SecIdentity: EngineObject, CustomStringConvertible, Hashable, @unchecked Sendable {
    let handle: EngineHandle
    init(handle: EngineHandle) { self.handle = handle }
    public var description: String { refDescription }
    public static func == (lhs: SecIdentity, rhs: SecIdentity) -> Bool { engineEqual(lhs, rhs) }
    public func hash(into hasher: inout Hasher) { hasher.combine(handle.kind) }
}

/// A protection class with access-control flags (SecAccessControlRef), for kSecAttrAccessControl.
public final class SecAccessControl: EngineObject, CustomStringConvertible, Hashable, @unchecked Sendable {
    let handle: EngineHandle
    init(handle: EngineHandle) { self.handle = handle }
    public var description: String { refDescription }
    public static func == (lhs: SecAccessControl, rhs: SecAccessControl) -> Bool { engineEqual(lhs, rhs) }
    public func hash(into hasher: inout Hasher) { hasher.combine(handle.kind) }
}

/// A trust policy (SecPolicyRef), for kSecMatchPolicy.
public final class SecPolicy: EngineObject, CustomStringConvertible, Hashable, @unchecked Sendable {
    let handle: EngineHandle
    init(handle: EngineHandle) { self.handle = handle }
    public var description: String { refDescription }
    public static func == (lhs: SecPolicy, rhs: SecPolicy) -> Bool { engineEqual(lhs, rhs) }
    public func hash(into hasher: inout Hasher) { hasher.combine(handle.kind) }
}

/// macOS: the opaque handle a password query returns with kSecReturnRef (SecKeychainItemRef).
public final class SecKeychainItem: EngineObject, CustomStringConvertible, Hashable, @unchecked Sendable {
    let handle: EngineHandle
    init(handle: EngineHandle) { self.handle = handle }
    public var description: String { refDescription }
    public static func == (lhs: SecKeychainItem, rhs: SecKeychainItem) -> Bool { engineEqual(lhs, rhs) }
    public func hash(into hasher: inout Hasher) { hasher.combine(handle.kind) }
}

public func SecKeyGetTypeID() -> CFTypeID { 300 }
public func SecCertificateGetTypeID() -> CFTypeID { 301 }
public func SecIdentityGetTypeID() -> CFTypeID { 302 }
public func SecAccessControlGetTypeID() -> CFTypeID { 303 }
public func SecPolicyGetTypeID() -> CFTypeID { 304 }

/// The algorithm of a SecKey operation (Apple's NS_TYPED_ENUM over CFString): `.ecdsaSignatureMessageX962SHA256`.
public struct SecKeyAlgorithm: Hashable, RawRepresentable, @unchecked Sendable {
    public let rawValue: CFString
    public init(rawValue: CFString) { self.rawValue = rawValue }
    public init(_ rawValue: CFString) { self.rawValue = rawValue }
}

/// A key of SecKeyCopyKeyExchangeResult's parameters (SecKey.h's CF_STRING_ENUM over CFString):
/// `SecKeyKeyExchangeParameter.requestedSize.rawValue`.
public struct SecKeyKeyExchangeParameter: Hashable, RawRepresentable, @unchecked Sendable {
    public let rawValue: CFString
    public init(rawValue: CFString) { self.rawValue = rawValue }
    public init(_ rawValue: CFString) { self.rawValue = rawValue }
}

/// SecAccessControlCreateFlags (keychain/headers/SecAccessControl.h).
public struct SecAccessControlCreateFlags: OptionSet, Sendable {
    public let rawValue: CFOptionFlags
    public init(rawValue: CFOptionFlags) { self.rawValue = rawValue }

    public static let userPresence = SecAccessControlCreateFlags(rawValue: 1 << 0)
    public static let biometryAny = SecAccessControlCreateFlags(rawValue: 1 << 1)
    public static let touchIDAny = SecAccessControlCreateFlags(rawValue: 1 << 1)
    public static let biometryCurrentSet = SecAccessControlCreateFlags(rawValue: 1 << 3)
    public static let touchIDCurrentSet = SecAccessControlCreateFlags(rawValue: 1 << 3)
    public static let devicePasscode = SecAccessControlCreateFlags(rawValue: 1 << 4)
    public static let watch = SecAccessControlCreateFlags(rawValue: 1 << 5)
    public static let companion = SecAccessControlCreateFlags(rawValue: 1 << 5)
    public static let or = SecAccessControlCreateFlags(rawValue: 1 << 14)
    public static let and = SecAccessControlCreateFlags(rawValue: 1 << 15)
    public static let privateKeyUsage = SecAccessControlCreateFlags(rawValue: 1 << 30)
    public static let applicationPassword = SecAccessControlCreateFlags(rawValue: 1 << 31)
}

/// SecKeyOperationType, for SecKeyIsAlgorithmSupported.
public enum SecKeyOperationType: Int, Sendable {
    case sign = 0, verify = 1, encrypt = 2, decrypt = 3, keyExchange = 4
}
