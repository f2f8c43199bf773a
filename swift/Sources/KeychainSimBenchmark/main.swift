// KeychainSimBenchmark --items N --calls M
//
// One round of benchmarks/swift_engine.py: start a simulated device (an engine process) and time the start,
// add N generic passwords, then time M SecItemCopyMatching calls from Swift through the engine, each for a
// different item (fresh inputs: no call repeats the previous one's query). Prints one JSON object with the
// samples in seconds; the driver takes the medians. Build it in release mode for honest figures.

import Foundation
import KeychainSim

func argument(_ name: String, default value: Int) -> Int {
    guard let index = CommandLine.arguments.firstIndex(of: name), index + 1 < CommandLine.arguments.count,
        let number = Int(CommandLine.arguments[index + 1])
    else { return value }
    return number
}

let items = argument("--items", default: 100)
let calls = argument("--calls", default: 200)
let clock = ContinuousClock()

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

var device: KeychainSimulator?
let start = clock.measure { device = try! KeychainSimulator() }

var lookups: [Double] = []
var statuses: Set<OSStatus> = []
device!.run {
    for index in 0..<items {
        let add: [String: Any] = [
            kSecClass as String: kSecClassGenericPassword, kSecAttrService as String: "bench",
            kSecAttrAccount as String: "account-\(index)", kSecValueData as String: Data("secret-\(index)".utf8),
        ]
        precondition(SecItemAdd(add as CFDictionary, nil) == errSecSuccess)
    }
    var order = Array(0..<items).shuffled()
    for call in 0..<calls {
        if call % items == 0 { order.shuffle() }
        let index = order[call % items]
        let query: [String: Any] = [
            kSecClass as String: kSecClassGenericPassword, kSecAttrService as String: "bench",
            kSecAttrAccount as String: "account-\(index)", kSecReturnData as String: true,
        ]
        var result: CFTypeRef?
        var status: OSStatus = 0
        let elapsed = clock.measure { status = SecItemCopyMatching(query as CFDictionary, &result) }
        precondition(result as? Data == Data("secret-\(index)".utf8))
        statuses.insert(status)
        lookups.append(seconds(elapsed))
    }
}
device!.shutdown()

let report: [String: Any] = [
    "engine_start": seconds(start), "lookups": lookups, "statuses": statuses.map { Int($0) },
    "engine": device!.engineExecutable, "engine_version": device!.engineVersion,
]
print(String(decoding: try! JSONSerialization.data(withJSONObject: report), as: UTF8.self))
