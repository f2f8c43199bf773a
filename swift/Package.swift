// swift-tools-version:6.0
// KeychainSim: Apple's Security API surface (SecItem, SecKey, SecCertificate, ...) for Swift on Linux,
// answered by keychainsim's Python engine (`keychainsim serve --stdio`, docs/protocol.md). The package
// depends on the toolchain alone. On Linux the same library is also importable as `Security`, so a
// file that says `import Security` compiles unchanged.
import PackageDescription

var products: [Product] = [.library(name: "KeychainSim", targets: ["KeychainSim"])]
var targets: [Target] = [
    .target(name: "KeychainSim"),
    // benchmarks/swift_engine.py builds and runs it (release): round trips from Swift through the engine.
    .executableTarget(name: "KeychainSimBenchmark", dependencies: ["KeychainSim"]),
    .testTarget(name: "KeychainSimTests", dependencies: ["KeychainSim"]),
]
#if os(Linux)
// Apple platforms have the real Security framework; a second module of that name would shadow it.
products.append(.library(name: "Security", targets: ["Security"]))
targets += [
    .target(name: "Security", dependencies: ["KeychainSim"]),
    // The README's first run: an app's enrollment on the simulated device, with `import Security`.
    .executableTarget(name: "KeychainSimDemo", dependencies: ["Security"]),
    .testTarget(name: "ForumThreadTests", dependencies: ["Security", "KeychainSim"]),
    // probes/device/*.swift (linked in) compiled against KeychainSim and run on a simulated device.
    .testTarget(name: "DeviceProbeTests", dependencies: ["Security", "KeychainSim"]),
]
#endif

let package = Package(
    name: "KeychainSim",
    products: products,
    targets: targets,
    swiftLanguageModes: [.v6]
)
