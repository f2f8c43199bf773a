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
        case "trust": return SecTrust(handle: handle)
        default: return SecKeychainItem(handle: handle)
        }
    }

    /// Optional.none (as `Any`) is NSNull, as Swift bridges a nil optional in a `[String: Any]`.
    private static func unwrap(_ value: Any?) -> Any? {
        guard let value else { return nil }
        guard let optional = value as? AnyOptional else { return value }
        return unwrap(optional.wrappedValue)
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

    /// UTC with microseconds, the engine's precision: a date read from an item and sent back in a query must
    /// be the same date to the engine.
    static func isoDate(_ date: Date) -> String {
        let total = date.timeIntervalSince1970
        var seconds = Int(total.rounded(.down))
        var micros = Int(((total - Double(seconds)) * 1_000_000).rounded())
        if micros == 1_000_000 {
            seconds += 1
            micros = 0
        }
        let days = Int((Double(seconds) / 86_400).rounded(.down))
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = civilFromDays(days)
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(secondOfDay / 3_600, 2)):"
            + "\(pad(secondOfDay % 3_600 / 60, 2)):\(pad(secondOfDay % 60, 2)).\(pad(micros, 6))Z"
    }

    /// The proleptic Gregorian date of a day count since 1970-01-01 (H. Hinnant's civil_from_days).
    static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shifted = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shifted + 2) / 5 + 1
        let month = shifted < 10 ? shifted + 3 : shifted - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// ISO 8601 with a zone. The engine's own form (`2025-06-01T12:00:00.123456Z`, UTC, optional fraction) is
    /// read by hand: a result with attributes carries two dates per item, and a formatter per date would cost
    /// more than the rest of the round trip. Other forms go through ISO8601DateFormatter.
    static func parseDate(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                let digit = Int(bytes[index]) - 48
                guard (0...9).contains(digit) else { return nil }
                value = value * 10 + digit
            }
            return value
        }
        if bytes.count >= 20, bytes.last == UInt8(ascii: "Z"), bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            bytes[10] == UInt8(ascii: "T"), bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
            let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        {
            var fraction = 0.0
            if bytes.count > 20 {
                guard bytes[19] == UInt8(ascii: "."), bytes.count > 21, let digits = number(20..<(bytes.count - 1)) else {
                    return nil
                }
                fraction = Double(digits) / pow(10, Double(bytes.count - 21))
            } else if bytes.count != 20 {
                return nil
            }
            let days = daysFromCivil(year: year, month: month, day: day)
            let seconds = Double(days * 86_400 + hour * 3_600 + minute * 60 + second) + fraction
            return Date(timeIntervalSince1970: seconds)
        }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}

/// An Optional seen through `Any` (a `String?` put in a `[String: Any]`), unwrapped without reflection.
private protocol AnyOptional {
    var wrappedValue: Any? { get }
}

extension Optional: AnyOptional {
    fileprivate var wrappedValue: Any? { map { $0 as Any } }
}
