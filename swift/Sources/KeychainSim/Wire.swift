import Foundation

// Typed values (docs/protocol.md, "Values"): what the Swift code put in its dictionaries goes to the engine
// with its type, and what the engine returns comes back as the Foundation objects a CF result bridges to.

/// A value the protocol cannot carry, with where it was (`attributes["klbl"]`).
struct WireError: Error, CustomStringConvertible {
    let path: String
    let problem: String
    var description: String { "\(path): \(problem)" }
}

enum Wire {
    /// A Swift or Foundation value as a typed wire value, for the engine `connection`.
    static func encode(_ value: Any?, path: String, connection: EngineConnection) throws -> [String: Any] {
        guard let value = unwrap(value) else { return ["null": true] }
        if type(of: value) == Bool.self, let flag = value as? Bool { return ["bool": flag] }
        if let number = nativeNumber(value) { return number }
        if value is NSNumber, let number = value as? NSNumber {
            if isBoolean(number) { return ["bool": number.boolValue] }
            switch String(cString: number.objCType) {
            case "f", "d":
                guard number.doubleValue.isFinite else { throw WireError(path: path, problem: "a non-finite number") }
                return ["float": number.doubleValue]
            case "Q", "L":
                return ["int": NSNumber(value: number.uint64Value)]
            default:
                return ["int": NSNumber(value: number.int64Value)]
            }
        }
        if let object = value as? EngineObject {
            guard object.handle.connection === connection else {
                throw WireError(
                    path: path,
                    problem: "this \(type(of: object)) belongs to another simulated device (each KeychainSimulator is one engine)"
                )
            }
            return ["ref": ["kind": object.handle.kind, "handle": object.handle.number]]
        }
        if let text = value as? String { return ["string": text] }
        if let data = value as? Data { return ["data": data.base64EncodedString()] }
        if let date = value as? Date { return ["date": isoDate(date)] }
        if value is NSNull { return ["null": true] }
        if let dictionary = value as? [AnyHashable: Any] {
            var out: [String: Any] = [:]
            for (key, item) in dictionary {
                guard let name = key.base as? String else {
                    throw WireError(path: path, problem: "a dictionary key must be a string (a CFString such as kSecClass), not \(type(of: key.base))")
                }
                out[name] = try encode(item, path: "\(path)[\"\(name)\"]", connection: connection)
            }
            return ["dict": out]
        }
        if let array = value as? [Any] {
            return ["array": try array.enumerated().map { try encode($1, path: "\(path)[\($0)]", connection: connection) }]
        }
        throw WireError(path: path, problem: "a \(type(of: value)) has no CF type the keychain accepts")
    }

    /// A typed wire value from the engine as a Foundation object (what the CF result bridges to).
    static func decode(_ wire: Any?, connection: EngineConnection) throws -> AnyObject? {
        guard let wire = wire as? [String: Any], wire.count == 1, let (kind, payload) = wire.first else {
            throw EngineError.protocolViolation("a value that is not a one-key typed object: \(String(describing: wire))")
        }
        switch kind {
        case "null": return nil
        case "string": return (payload as? String).map { $0 as NSString }
        case "data":
            guard let text = payload as? String, let data = Data(base64Encoded: text) else { break }
            return data as NSData
        case "bool":
            guard let flag = payload as? Bool else { break }
            return NSNumber(value: flag)
        case "int":
            guard let number = payload as? NSNumber else { break }
            return NSNumber(value: number.int64Value)
        case "float":
            guard let number = payload as? NSNumber else { break }
            return NSNumber(value: number.doubleValue)
        case "date":
            guard let text = payload as? String, let date = parseDate(text) else { break }
            return date as NSDate
        case "array":
            guard let items = payload as? [Any] else { break }
            return try items.map { try decode($0, connection: connection) ?? NSNull() } as NSArray
        case "dict":
            guard let entries = payload as? [String: Any] else { break }
            let out = NSMutableDictionary()
            for (key, item) in entries { out[key as NSString] = try decode(item, connection: connection) ?? NSNull() }
            return out
        case "ref":
            guard let ref = payload as? [String: Any], let refKind = ref["kind"] as? String,
                let number = (ref["handle"] as? NSNumber)?.intValue
            else { break }
            return makeObject(EngineHandle(number: number, kind: refKind, connection: connection))
        default:
            throw EngineError.protocolViolation("unknown value type \(kind)")
        }
        throw EngineError.protocolViolation("a \(kind) value with a payload of the wrong type: \(payload)")
    }

    static func makeObject(_ handle: EngineHandle) -> AnyObject {
        switch handle.kind {
        case "key": return SecKey(handle: handle)
        case "certificate": return SecCertificate(handle: handle)
        case "identity": return SecIdentity(handle: handle)
        case "access_control": return SecAccessControl(handle: handle)
        case "policy": return SecPolicy(handle: handle)
        default: return SecKeychainItem(handle: handle)
        }
    }

    /// Optional.none (as `Any`) is NSNull, as Swift bridges a nil optional in a `[String: Any]`.
    private static func unwrap(_ value: Any?) -> Any? {
        guard let value else { return nil }
        let mirror = Mirror(reflecting: value)
        guard mirror.displayStyle == .optional else { return value }
        guard let child = mirror.children.first else { return nil }
        return unwrap(child.value)
    }

    /// Swift integer and floating types given directly (not yet bridged to NSNumber).
    private static func nativeNumber(_ value: Any) -> [String: Any]? {
        switch value {
        case let v as Int where type(of: value) == Int.self: return ["int": v]
        case let v as Int8 where type(of: value) == Int8.self: return ["int": Int(v)]
        case let v as Int16 where type(of: value) == Int16.self: return ["int": Int(v)]
        case let v as Int32 where type(of: value) == Int32.self: return ["int": Int(v)]
        case let v as Int64 where type(of: value) == Int64.self: return ["int": Int(v)]
        case let v as UInt where type(of: value) == UInt.self: return ["int": NSNumber(value: v)]
        case let v as UInt8 where type(of: value) == UInt8.self: return ["int": Int(v)]
        case let v as UInt16 where type(of: value) == UInt16.self: return ["int": Int(v)]
        case let v as UInt32 where type(of: value) == UInt32.self: return ["int": Int(v)]
        case let v as UInt64 where type(of: value) == UInt64.self: return ["int": NSNumber(value: v)]
        case let v as Double where type(of: value) == Double.self: return v.isFinite ? ["float": v] : nil
        case let v as Float where type(of: value) == Float.self: return v.isFinite ? ["float": Double(v)] : nil
        default: return nil
        }
    }

    static func isoDate(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }

    /// ISO 8601 with a zone; the engine writes microseconds, which the formatter's fraction option does not
    /// take in every Foundation, so the fraction is read here.
    static func parseDate(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        guard let dot = text.firstIndex(of: ".") else { return formatter.date(from: text) }
        guard let zone = text[dot...].firstIndex(where: { $0 == "Z" || $0 == "+" || $0 == "-" }) else { return nil }
        guard let whole = formatter.date(from: String(text[..<dot]) + String(text[zone...])),
            let fraction = Double("0" + text[dot..<zone])
        else { return nil }
        return whole.addingTimeInterval(fraction)
    }
}
