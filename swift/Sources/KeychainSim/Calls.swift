import Foundation

// How a Security function reaches the engine: encode the arguments with their types, send them to the
// device (the task's bound device, or the object's own), decode the result. When the engine cannot
// answer, the function returns what the real one returns for a failure (a status, or NULL with a CFError)
// and says why on stderr: a refused value is errSecParam, something keychainsim does not model is
// errSecUnimplemented, no engine at all is errSecNotAvailable.

enum Calls {
    /// A call with an OSStatus and an optional `CFTypeRef *` result, on the task's device.
    static func status(
        _ name: String, _ args: [String: Any], result: UnsafeMutablePointer<CFTypeRef?>? = nil
    ) -> OSStatus {
        do {
            let binding = try KeychainSimulator.currentBinding()
            let connection = binding.device.connection
            let reply = try connection.call(name, try encode(args, connection), app: binding.app)
            return try statusReply(reply, connection, result: result)
        } catch {
            return report(name, error)
        }
    }

    /// A call on the device that owns `object` (a SecKey, SecCertificate, ...): `(reply, connection)`.
    static func on(_ name: String, _ object: AnyObject, _ args: [String: Any]) throws -> ([String: Any], EngineConnection) {
        guard let owner = object as? EngineObject else {
            throw WireError(path: name, problem: "\(type(of: object)) is not a Security object")
        }
        let connection = owner.handle.connection
        return (try connection.call(name, try encode(args, connection)), connection)
    }

    /// A call on the task's device that returns `(result, CFError?)`.
    static func onDevice(_ name: String, _ args: [String: Any]) throws -> ([String: Any], EngineConnection) {
        let binding = try KeychainSimulator.currentBinding()
        let connection = binding.device.connection
        return (try connection.call(name, try encode(args, connection), app: binding.app), connection)
    }

    static func encode(_ args: [String: Any], _ connection: EngineConnection) throws -> [String: Any] {
        var out: [String: Any] = [:]
        for (name, value) in args { out[name] = try Wire.encode(value, path: name, connection: connection) }
        return out
    }

    static func statusReply(
        _ reply: [String: Any], _ connection: EngineConnection, result: UnsafeMutablePointer<CFTypeRef?>?
    ) throws -> OSStatus {
        let status = OSStatus(truncatingIfNeeded: reply["status"] as? Int ?? Int(errSecInternal))
        let value = try reply["result"].map { try Wire.decode($0, connection: connection) } ?? nil
        // SecItem.m writes *result only on success (NULL when nothing was asked back).
        if status == errSecSuccess, let result { result.pointee = value }
        return status
    }

    /// The value of a `(result, error)` reply, filling the caller's `CFErrorRef *` on failure.
    static func valueReply(
        _ reply: [String: Any], _ connection: EngineConnection, error: UnsafeMutablePointer<Unmanaged<CFError>?>?
    ) throws -> AnyObject? {
        if let failure = reply["error"] as? [String: Any] {
            error?.pointee = Unmanaged.passRetained(
                NSError(
                    domain: failure["domain"] as? String ?? NSOSStatusErrorDomain,
                    code: failure["code"] as? Int ?? Int(errSecInternal),
                    userInfo: [NSLocalizedDescriptionKey: failure["description"] as? String ?? ""]))
        }
        return try reply["result"].map { try Wire.decode($0, connection: connection) } ?? nil
    }

    /// The status a failed exchange stands for, after saying why on stderr.
    @discardableResult
    static func report(_ name: String, _ error: Error) -> OSStatus {
        let status: OSStatus
        switch error {
        case let refused as EngineRequestError where refused.code == "not_modelled":
            status = errSecUnimplemented
        case let refused as EngineRequestError where refused.code == "internal":
            status = errSecInternal
        case is EngineRequestError, is WireError:
            status = errSecParam
        case let engine as EngineError:
            if case .notFound = engine { return errSecNotAvailable }  // said once, when the device failed to start
            if case .incompatible = engine { return errSecNotAvailable }
            status = errSecNotAvailable
        default:
            status = errSecInternal
        }
        FileHandle.standardError.write(Data("KeychainSim: \(name): \(error)\n".utf8))
        return status
    }

    /// `report` for a function that returns NULL and fills a `CFErrorRef *`.
    static func fail(_ name: String, _ error: Error, _ out: UnsafeMutablePointer<Unmanaged<CFError>?>?) {
        let status = report(name, error)
        out?.pointee = Unmanaged.passRetained(
            NSError(domain: NSOSStatusErrorDomain, code: Int(status), userInfo: [NSLocalizedDescriptionKey: "\(error)"]))
    }
}
