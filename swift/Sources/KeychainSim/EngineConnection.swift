import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why the engine could not be used. The description is the whole message a developer needs.
public enum EngineError: Error, CustomStringConvertible, Sendable {
    /// No keychainsim executable was found; the message says how to install one.
    case notFound(String)
    /// The executable found does not speak this library's protocol; the message says what to install.
    case incompatible(String)
    /// The engine stopped or broke the protocol while in use.
    case failed(String)
    /// The engine answered something docs/protocol.md does not allow (a bug on one side).
    case protocolViolation(String)

    public var description: String {
        switch self {
        case .notFound(let message), .incompatible(let message), .failed(let message):
            return message
        case .protocolViolation(let message):
            return "keychainsim engine protocol violation: \(message)"
        }
    }
}

/// A request the engine refused (docs/protocol.md error codes: bad_value, not_modelled, ...).
public struct EngineRequestError: Error, CustomStringConvertible, Sendable {
    public let code: String
    public let message: String
    public var description: String { "keychainsim engine: \(code): \(message)" }
}

/// One engine process and the JSON-lines conversation with it. Requests are serialised by a lock; a Sec*
/// object's deinit only queues its handle, which rides along with the next request.
final class EngineConnection: @unchecked Sendable {
    static let protocolVersion = 1
    static let clientName = "KeychainSim (Swift) \(KeychainSimulator.version)"

    let executable: String
    private let process: Process
    private let input: Int32
    private let output: Int32
    /// The engine's stderr, kept for the message when it stops: a file unlinked as soon as it is open, so no
    /// log outlives the program (the shared device is never deinitialised).
    private let stderrLog: FileHandle
    private var buffer: [UInt8] = []
    private var chunk = [UInt8](repeating: 0, count: 65536)
    private var nextID = 1
    private var closed = false
    private let lock = NSLock()
    private let releaseLock = NSLock()
    private var pendingReleases: [Int] = []
    private(set) var engineVersion = ""

    /// The protocol version this connection asked for in its hello (``protocolVersion``; tests ask for others).
    let requestedProtocol: Int

    /// Start `executable serve --stdio` and complete the hello handshake for `protocolVersion`.
    init(executable: String, arguments: [String] = [], protocolVersion: Int = EngineConnection.protocolVersion) throws {
        ignoreSIGPIPE
        self.executable = executable
        requestedProtocol = protocolVersion
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments + ["serve", "--stdio"]
        let toEngine = Pipe()
        let fromEngine = Pipe()
        let stderrFile = FileManager.default.temporaryDirectory
            .appendingPathComponent("keychainsim-engine-\(getpid())-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: stderrFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: stderrFile) }
        process.standardInput = toEngine
        process.standardOutput = fromEngine
        process.standardError = try FileHandle(forWritingTo: stderrFile)
        self.process = process
        stderrLog = try FileHandle(forReadingFrom: stderrFile)
        do {
            try process.run()
        } catch {
            throw EngineError.notFound(Locator.cannotStart(executable, error))
        }
        input = toEngine.fileHandleForWriting.fileDescriptor
        output = fromEngine.fileHandleForReading.fileDescriptor
        // Keep the descriptors open for the process's lifetime: the Pipe objects own them.
        pipes = (toEngine, fromEngine)
        try handshake()
    }

    private var pipes: (Pipe, Pipe)?

    deinit {
        close()
    }

    /// End of input ends the engine; wait for it so no process outlives its device.
    func close() {
        lock.lock()
        defer { lock.unlock() }
        guard !closed else { return }
        closed = true
        try? pipes?.0.fileHandleForWriting.close()
        if process.isRunning { process.waitUntilExit() }
    }

    private func handshake() throws {
        let reply: [String: Any]
        do {
            reply = try exchange(op: "hello", args: ["protocol": requestedProtocol, "client": Self.clientName], app: nil, timeout: 60)
        } catch let error as EngineRequestError where error.code == "unsupported_protocol" {
            close()
            throw EngineError.incompatible(Locator.incompatible(executable, protocol: requestedProtocol, detail: error.message))
        } catch let error as EngineRequestError {
            close()
            throw EngineError.incompatible(
                Locator.incompatible(executable, protocol: requestedProtocol, detail: "it answered hello with \(error.code): \(error.message)"))
        } catch EngineError.failed(let detail) {
            close()
            throw EngineError.incompatible(Locator.incompatible(executable, protocol: requestedProtocol, detail: detail))
        } catch EngineError.protocolViolation(let detail) {
            close()
            throw EngineError.incompatible(Locator.incompatible(executable, protocol: requestedProtocol, detail: detail))
        }
        guard (reply["protocol"] as? Int) == requestedProtocol, reply["engine"] as? String == "keychainsim" else {
            close()
            throw EngineError.incompatible(
                Locator.incompatible(executable, protocol: requestedProtocol, detail: "it answered hello with \(reply)"))
        }
        engineVersion = reply["version"] as? String ?? "?"
    }

    /// Queue a handle for release; sent with the next request.
    func release(_ handle: Int) {
        releaseLock.lock()
        pendingReleases.append(handle)
        releaseLock.unlock()
    }

    /// Send one request and return its `ok` payload.
    ///
    /// - Throws: `EngineRequestError` for an `error` reply, `EngineError` when the engine is gone.
    func call(_ op: String, _ args: [String: Any] = [:], app: [String]? = nil) throws -> [String: Any] {
        try exchange(op: op, args: args, app: app, timeout: nil)
    }

    private func exchange(op: String, args: [String: Any], app: [String]?, timeout: Int?) throws -> [String: Any] {
        lock.lock()
        defer { lock.unlock() }
        guard !closed else { throw EngineError.failed("the keychainsim engine (\(executable)) was closed") }
        let id = nextID
        nextID += 1
        var request: [String: Any] = ["id": id, "op": op, "args": args]
        if let app { request["app"] = ["access_groups": app] }
        releaseLock.lock()
        if !pendingReleases.isEmpty {
            request["release"] = pendingReleases
            pendingReleases.removeAll()
        }
        releaseLock.unlock()
        var line = try JSONSerialization.data(withJSONObject: request)
        line.append(0x0A)
        try writeAll(line)
        let replyLine = try readLine(timeout: timeout)
        guard let reply = try? JSONSerialization.jsonObject(with: replyLine) as? [String: Any] else {
            throw EngineError.protocolViolation("a reply that is not a JSON object: \(String(decoding: replyLine.prefix(200), as: UTF8.self))")
        }
        guard (reply["id"] as? Int) == id else {
            throw EngineError.protocolViolation("reply \(reply["id"] ?? "null") to request \(id)")
        }
        if let error = reply["error"] as? [String: Any] {
            throw EngineRequestError(code: error["code"] as? String ?? "?", message: error["message"] as? String ?? "")
        }
        guard let ok = reply["ok"] as? [String: Any] else {
            throw EngineError.protocolViolation("a reply with neither ok nor error")
        }
        return ok
    }

    private func writeAll(_ data: Data) throws {
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < raw.count {
                let written = write(input, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw EngineError.failed(engineStopped())
                }
                offset += written
            }
        }
    }

    private func readLine(timeout: Int?) throws -> Data {
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let line = Data(buffer[..<newline])
                buffer.removeSubrange(...newline)
                return line
            }
            if let timeout {
                var poller = pollfd(fd: output, events: Int16(POLLIN), revents: 0)
                let ready = poll(&poller, 1, Int32(timeout * 1000))
                if ready == 0 {
                    throw EngineError.failed("no answer from \(executable) within \(timeout) s")
                }
            }
            let count = chunk.withUnsafeMutableBytes { read(output, $0.baseAddress!, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { throw EngineError.failed(engineStopped()) }
            buffer.append(contentsOf: chunk[..<count])
        }
    }

    /// What to say when the engine went away: its exit status and the end of what it wrote on stderr.
    private func engineStopped() -> String {
        if process.isRunning {
            try? pipes?.0.fileHandleForWriting.close()
            process.waitUntilExit()
        }
        let status = process.terminationStatus
        let log = String(decoding: (try? stderrLog.readToEnd()) ?? Data(), as: UTF8.self)
        let tail = log.split(separator: "\n").suffix(3).joined(separator: " | ")
        return "\(executable) serve --stdio exited with status \(status)" + (tail.isEmpty ? "" : ": \(tail)")
    }
}

/// Writing to an engine that has exited must be an error, not a SIGPIPE that kills the program.
private let ignoreSIGPIPE: Void = {
    _ = signal(SIGPIPE, SIG_IGN)
}()
