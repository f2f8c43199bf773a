import Foundation

/// Finds the keychainsim executable that runs the engine, and words the one message a developer reads when
/// there is none or it is the wrong one.
///
/// Order: `$KEYCHAINSIM_ENGINE` (a path to the executable), else `keychainsim` on `$PATH`, else — a developer
/// convenience for a checkout of the repository — `.venv/bin/keychainsim` next to this package.
enum Locator {
    static let environmentVariable = "KEYCHAINSIM_ENGINE"

    static let howToInstall = """
        Install keychainsim (Python 3.11+) from its repository: `python3 -m venv .venv && .venv/bin/pip install -e .` \
        at the repository root (the Swift package finds that .venv by itself), or `pip install` it anywhere and put \
        `keychainsim` on PATH, or set \(environmentVariable) to the keychainsim executable.
        """

    /// The repository checkout this source file is part of, if any (swift/Sources/KeychainSim/Locator.swift).
    static var repositoryVenvEngine: String {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
            .appendingPathComponent(".venv/bin/keychainsim").path
    }

    static func find(
        environment: [String: String] = ProcessInfo.processInfo.environment, checkout: String = repositoryVenvEngine
    ) throws -> String {
        if let configured = environment[environmentVariable], !configured.isEmpty {
            guard FileManager.default.isExecutableFile(atPath: configured) else {
                throw EngineError.notFound(
                    "KeychainSim: \(environmentVariable)=\(configured) is not an executable file. \(howToInstall)"
                )
            }
            return configured
        }
        for directory in (environment["PATH"] ?? "").split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/keychainsim"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        if FileManager.default.isExecutableFile(atPath: checkout) { return checkout }
        throw EngineError.notFound(
            "KeychainSim needs keychainsim's engine and found none (\(environmentVariable) is not set, no `keychainsim` "
                + "on PATH, no \(checkout)). \(howToInstall)"
        )
    }

    static func cannotStart(_ executable: String, _ error: Error) -> String {
        "KeychainSim could not start the keychainsim engine \(executable) (\(error)). \(howToInstall)"
    }

    static func incompatible(_ executable: String, protocol version: Int = EngineConnection.protocolVersion, detail: String) -> String {
        "KeychainSim: \(executable) is not a keychainsim engine this library can use: \(detail). It needs an engine "
            + "that speaks protocol \(version) (`keychainsim serve --stdio`, docs/protocol.md): the keychainsim of the "
            + "repository this Swift package comes from. " + howToInstall
    }
}
