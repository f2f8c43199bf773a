import Foundation
import Testing

@testable import KeychainSim

// Finding and starting the engine: a missing or incompatible one is one message that says how to install it.

@Suite struct EngineTests {
    @Test func noEngineAnywhereSaysHowToInstallIt() throws {
        let error = #expect(throws: EngineError.self) {
            try Locator.find(environment: ["PATH": "/nonexistent-bin"], checkout: "/nonexistent/.venv/bin/keychainsim")
        }
        guard case .notFound(let message) = error else {
            Issue.record("expected notFound, got \(String(describing: error))")
            return
        }
        #expect(message.contains("KEYCHAINSIM_ENGINE is not set"))
        #expect(message.contains("pip install -e ."))
        #expect(message.contains("/nonexistent/.venv/bin/keychainsim"))
    }

    @Test func aConfiguredEngineThatIsNotExecutableIsNamed() throws {
        let error = #expect(throws: EngineError.self) {
            try Locator.find(environment: ["KEYCHAINSIM_ENGINE": "/nonexistent/keychainsim"])
        }
        #expect(String(describing: error!).contains("KEYCHAINSIM_ENGINE=/nonexistent/keychainsim is not an executable file"))
    }

    @Test func theEngineOnPathIsFound() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let script = try writeScript(in: directory, name: "keychainsim", body: "exit 0")
        #expect(try Locator.find(environment: ["PATH": "/nonexistent:\(directory.path)"], checkout: "/x") == script)
    }

    @Test func anEngineWithoutTheServerIsIncompatible() throws {
        // What an older keychainsim without `serve` does: a usage error and exit status 2.
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let script = try writeScript(
            in: directory, name: "keychainsim",
            body: "echo \"Usage: keychainsim [OPTIONS] COMMAND [ARGS]...\" >&2\necho \"Error: No such command 'serve'.\" >&2\nexit 2")
        let error = #expect(throws: EngineError.self) { try KeychainSimulator(engine: script) }
        guard case .incompatible(let message) = error else {
            Issue.record("expected incompatible, got \(String(describing: error))")
            return
        }
        #expect(message.contains("exited with status 2"))
        #expect(message.contains("No such command 'serve'"))
        #expect(message.contains("speaks protocol 1"))
        #expect(message.contains("pip install -e ."))
    }

    @Test func anEngineOfAnotherProtocolVersionIsIncompatible() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let reply = #"{"id":1,"error":{"code":"unsupported_protocol","message":"the client speaks protocol 1; keychainsim 9.0 speaks 2","supported":[2]}}"#
        let script = try writeScript(in: directory, name: "keychainsim", body: "read line\necho '\(reply)'\ncat > /dev/null")
        let error = #expect(throws: EngineError.self) { try KeychainSimulator(engine: script) }
        guard case .incompatible(let message) = error else {
            Issue.record("expected incompatible, got \(String(describing: error))")
            return
        }
        #expect(message.contains("keychainsim 9.0 speaks 2"))
        #expect(message.contains("pip install -e ."))
    }

    @Test func theRealEngineRefusesAnotherProtocolVersionInOneMessage() throws {
        // Not a stand-in: this checkout's `keychainsim serve --stdio`, asked for a protocol it does not speak
        // (what a newer KeychainSim meeting an older engine does), refuses the hello; the library says so once,
        // with the engine's own words and how to install the matching engine, and closes that engine.
        let engine = try Locator.find()
        let error = #expect(throws: EngineError.self) {
            try EngineConnection(executable: engine, protocolVersion: EngineConnection.protocolVersion + 1)
        }
        guard case .incompatible(let message) = error else {
            Issue.record("expected incompatible, got \(String(describing: error))")
            return
        }
        let asked = EngineConnection.protocolVersion + 1
        #expect(message.hasPrefix("KeychainSim: \(engine) is not a keychainsim engine this library can use"))
        #expect(message.contains("the client speaks protocol \(asked); keychainsim \(KeychainSimulator.version) speaks \(EngineConnection.protocolVersion)"))
        #expect(message.contains("It needs an engine that speaks protocol \(asked)"))
        #expect(message.contains("pip install -e ."))
        // The same engine, asked for the library's protocol, is accepted.
        let connection = try EngineConnection(executable: engine)
        #expect(connection.engineVersion == KeychainSimulator.version)
        connection.close()
    }

    @Test func aMissingExecutableCannotStart() throws {
        let error = #expect(throws: EngineError.self) { try KeychainSimulator(engine: "/nonexistent/keychainsim") }
        #expect(String(describing: error!).contains("could not start the keychainsim engine /nonexistent/keychainsim"))
    }

    @Test func theEngineReportsItsVersionAndStopsWithItsDevice() throws {
        let device = try KeychainSimulator()
        #expect(device.engineVersion == KeychainSimulator.version)
        device.shutdown()
        let status = device.run { SecItemDelete([kSecClass as String: kSecClassGenericPassword] as CFDictionary) }
        #expect(status == errSecNotAvailable)
    }

    private func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("keychainsim-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    private func writeScript(in directory: URL, name: String, body: String) throws -> String {
        let path = directory.appendingPathComponent(name).path
        try "#!/bin/sh\n\(body)\n".write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        return path
    }
}
