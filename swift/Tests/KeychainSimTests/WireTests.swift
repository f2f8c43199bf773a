import Foundation
import Testing

@testable import KeychainSim

// What Swift code puts in a dictionary reaches the engine with its CF type (docs/protocol.md, "Values").

@Suite struct WireTests {
    let device: KeychainSimulator
    init() throws { device = try KeychainSimulator() }

    func encoded(_ value: Any) throws -> [String: Any] {
        try Wire.encode(value, path: "v", connection: device.connection)
    }

    @Test func booleansNumbersAndTextKeepTheirTypesThroughBridging() throws {
        let dictionary: [String: Any] = [
            "bool": true, "cfTrue": kCFBooleanTrue!, "nsBool": NSNumber(value: false), "int": 1, "int8": NSNumber(value: Int8(1)),
            "double": 1.5, "string": "s", "nsString": NSString(string: "t"), "data": Data([1]), "nsData": NSData(data: Data([2])),
            "null": NSNull(), "nil": Optional<String>.none as Any, "array": [1, "x"], "date": Date(timeIntervalSince1970: 1.5),
        ]
        let wire = try encoded(dictionary as CFDictionary)
        let entries = try #require(wire["dict"] as? [String: [String: Any]])
        #expect(entries["bool"]?["bool"] as? Bool == true)
        #expect(entries["cfTrue"]?["bool"] as? Bool == true)
        #expect(entries["nsBool"]?["bool"] as? Bool == false)
        #expect((entries["int"]?["int"] as? NSNumber)?.intValue == 1)
        #expect((entries["int8"]?["int"] as? NSNumber)?.intValue == 1)  // a CFNumber, not a CFBoolean
        #expect(entries["double"]?["float"] as? Double == 1.5)
        #expect(entries["string"]?["string"] as? String == "s")
        #expect(entries["nsString"]?["string"] as? String == "t")
        #expect(entries["data"]?["data"] as? String == "AQ==")
        #expect(entries["nsData"]?["data"] as? String == "Ag==")
        #expect(entries["null"]?["null"] as? Bool == true)
        #expect(entries["nil"]?["null"] as? Bool == true)
        #expect(entries["date"]?["date"] as? String == "1970-01-01T00:00:01.500000Z")
        let array = try #require(entries["array"]?["array"] as? [[String: Any]])
        #expect((array[0]["int"] as? NSNumber)?.intValue == 1 && array[1]["string"] as? String == "x")
    }

    @Test func valuesWithoutACFTypeAreRefusedWithTheirPlace() throws {
        let error = #expect(throws: WireError.self) { try encoded(["labl": UUID()] as [String: Any]) }
        #expect(error?.path == "v[\"labl\"]")
        #expect(error?.problem.contains("UUID") == true)
        #expect(throws: WireError.self) { try encoded([1: "x"] as [Int: Any]) }
        // A refused dictionary is errSecParam, as the real call gives for an unusable value.
        let status = device.run { SecItemAdd([kSecClass as String: kSecClassGenericPassword, "acct": UUID()] as CFDictionary, nil) }
        #expect(status == errSecParam)
    }

    @Test func datesRoundTripThroughTheEngineWithMicroseconds() throws {
        let date = try #require(Wire.parseDate("2025-06-01T12:00:00.123456Z"))
        #expect(abs(date.timeIntervalSince1970 - 1_748_779_200.123456) < 1e-6)
        #expect(Wire.parseDate("2025-06-01T12:00:00Z")?.timeIntervalSince1970 == 1_748_779_200)
        #expect(Wire.parseDate("yesterday") == nil)
        #expect(Wire.parseDate("2025-13-01T12:00:00Z") == nil)
        #expect(Wire.parseDate("2025-06-01T12:00:00.Z") == nil)
        #expect(Wire.parseDate("1969-12-31T23:59:59Z")?.timeIntervalSince1970 == -1)
        #expect(Wire.parseDate("2024-02-29T00:00:00Z")?.timeIntervalSince1970 == 1_709_164_800)
        #expect(Wire.parseDate("2025-06-01T14:00:00+02:00")?.timeIntervalSince1970 == 1_748_779_200)  // other forms
        // What the engine returns for an item's creation date is the Date the keychain's clock read.
        let clock = Date(timeIntervalSince1970: 1_748_779_200.250123)
        try device.reset(clock: clock)
        let attributes: CFTypeRef? = device.run {
            let add = [kSecClass as String: kSecClassGenericPassword, kSecAttrAccount as String: "d", kSecValueData as String: Data()]
            _ = SecItemAdd(add as CFDictionary, nil)
            var result: CFTypeRef?
            let query = [kSecClass as String: kSecClassGenericPassword, kSecReturnAttributes as String: true] as CFDictionary
            _ = SecItemCopyMatching(query, &result)
            return result
        }
        let created = try #require((attributes as? [String: Any])?[kSecAttrCreationDate as String] as? Date)
        #expect(abs(created.timeIntervalSince(clock)) < 1e-6)
        #expect(Wire.isoDate(created) == "2025-06-01T12:00:00.250123Z")  // microseconds, not milliseconds
        #expect(Wire.isoDate(Date(timeIntervalSince1970: -0.5)) == "1969-12-31T23:59:59.500000Z")
        #expect(Wire.isoDate(Date(timeIntervalSince1970: 951_782_400)) == "2000-02-29T00:00:00.000000Z")
        // Sent back in a query, the date read from the item finds the item.
        let byDate = device.run {
            SecItemCopyMatching([kSecClass as String: kSecClassGenericPassword, kSecAttrCreationDate as String: created] as CFDictionary, nil)
        }
        #expect(byDate == errSecSuccess)
    }
}
