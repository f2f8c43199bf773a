import Foundation

// SecPolicy.h and SecTrust.h, with Apple's Swift signatures: server-trust and mTLS code evaluates a chain
// against the anchors it pins. The engine models SecTrust.c and trustd (docs/protocol.md): a simulated device
// has no system roots, so a trust without SecTrustSetAnchorCertificates trusts nothing.

/// A trust evaluation (SecTrustRef): certificates, policies, anchors, a date; evaluated by the engine.
public final class SecTrust: EngineObject, CustomStringConvertible, Hashable, @unchecked Sendable {
    let handle: EngineHandle
    init(handle: EngineHandle) { self.handle = handle }
    public var description: String { refDescription }
    public static func == (lhs: SecTrust, rhs: SecTrust) -> Bool { lhs === rhs || lhs.handle === rhs.handle }
    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(handle)) }
}

public func SecTrustGetTypeID() -> CFTypeID { 305 }

// MARK: - Policies

/// The Basic X.509 policy: a chain to a trusted anchor, every certificate valid at the date.
public func SecPolicyCreateBasicX509() -> SecPolicy {
    createPolicy("SecPolicyCreateBasicX509", [:])
}

/// The SSL policy for a server (`server` true: the leaf must name `hostname` in its subjectAltName) or a client
/// certificate; a nil host name checks no name.
public func SecPolicyCreateSSL(_ server: Bool, _ hostname: CFString?) -> SecPolicy {
    createPolicy("SecPolicyCreateSSL", ["server": server, "hostname": hostname as Any])
}

/// Apple's policy constructors cannot fail, so there is no failure value to return: without an engine the
/// program stops here, saying why.
private func createPolicy(_ name: String, _ args: [String: Any]) -> SecPolicy {
    do {
        let (reply, connection) = try Calls.onDevice(name, args)
        if let policy = try Wire.decode(reply["result"], connection: connection) as? SecPolicy { return policy }
        throw EngineError.protocolViolation("\(name) returned no policy")
    } catch {
        Calls.report(name, error)
        fatalError("KeychainSim: \(name) needs a running engine: \(error)")
    }
}

// MARK: - Trust

/// A trust for a certificate (or an array of them, leaf first) and a policy (or an array of policies; nil is
/// the Basic X.509 policy). errSecParam for an empty array or a member of the wrong type.
public func SecTrustCreateWithCertificates(
    _ certificates: CFTypeRef, _ policies: CFTypeRef?, _ trust: UnsafeMutablePointer<SecTrust?>
) -> OSStatus {
    var value: CFTypeRef?
    let status = Calls.status(
        "SecTrustCreateWithCertificates", ["certificates": certificates, "policies": policies as Any], result: &value)
    if status == errSecSuccess { trust.pointee = value as? SecTrust }
    return status
}

/// Trust these anchors and, until SecTrustSetAnchorCertificatesOnly(trust, false), only these; nil returns to
/// the device's anchors (none on a simulated device).
public func SecTrustSetAnchorCertificates(_ trust: SecTrust, _ anchorCertificates: CFArray?) -> OSStatus {
    trustStatus("SecTrustSetAnchorCertificates", trust, ["anchors": anchorCertificates as Any])
}

/// Whether the anchors set with SecTrustSetAnchorCertificates are the only ones trusted.
public func SecTrustSetAnchorCertificatesOnly(_ trust: SecTrust, _ anchorCertificatesOnly: Bool) -> OSStatus {
    trustStatus("SecTrustSetAnchorCertificatesOnly", trust, ["only": anchorCertificatesOnly])
}

/// Evaluate at this date instead of now.
public func SecTrustSetVerifyDate(_ trust: SecTrust, _ verifyDate: CFDate) -> OSStatus {
    trustStatus("SecTrustSetVerifyDate", trust, ["date": verifyDate])
}

/// Whether the chain is trusted for every policy. On failure `error` gets the CFError SecTrust.c builds
/// (SecTrustCopyError): NSOSStatusErrorDomain, the code of the highest-priority failure (errSecNotTrusted,
/// errSecHostNameMismatch, errSecCertificateExpired, ...), a description naming the certificate, and an
/// underlying error (NSUnderlyingErrorKey) listing each certificate's failures.
public func SecTrustEvaluateWithError(_ trust: SecTrust, _ error: UnsafeMutablePointer<CFError?>?) -> Bool {
    do {
        let (reply, connection) = try Calls.on("SecTrustEvaluateWithError", trust, ["trust": trust])
        let trusted = (try Wire.decode(reply["result"], connection: connection) as? NSNumber)?.boolValue ?? false
        error?.pointee = (reply["error"] as? [String: Any]).map(trustError)
        return trusted
    } catch let failure {
        let status = Calls.report("SecTrustEvaluateWithError", failure)
        error?.pointee = NSError(
            domain: NSOSStatusErrorDomain, code: Int(status), userInfo: [NSLocalizedDescriptionKey: "\(failure)"])
        return false
    }
}

/// The chain as built, leaf first (the trust is evaluated first if it has not been).
public func SecTrustCopyCertificateChain(_ trust: SecTrust) -> CFArray? {
    trustValue("SecTrustCopyCertificateChain", trust) as? NSArray
}

/// The number of certificates in the built chain.
public func SecTrustGetCertificateCount(_ trust: SecTrust) -> CFIndex {
    (trustValue("SecTrustGetCertificateCount", trust) as? NSNumber)?.intValue ?? 0
}

private func trustStatus(_ name: String, _ trust: SecTrust, _ args: [String: Any]) -> OSStatus {
    do {
        let (reply, connection) = try Calls.on(name, trust, args.merging(["trust": trust]) { a, _ in a })
        return try Calls.statusReply(reply, connection, result: nil)
    } catch {
        return Calls.report(name, error)
    }
}

private func trustValue(_ name: String, _ trust: SecTrust) -> AnyObject? {
    do {
        let (reply, connection) = try Calls.on(name, trust, ["trust": trust])
        return try Wire.decode(reply["result"], connection: connection)
    } catch {
        Calls.report(name, error)
        return nil
    }
}

/// A CFError from its wire form, its underlying error under NSUnderlyingErrorKey as CFErrorCreate puts it.
private func trustError(_ wire: [String: Any]) -> NSError {
    var userInfo: [String: Any] = [NSLocalizedDescriptionKey: wire["description"] as? String ?? ""]
    if let underlying = wire["underlying"] as? [String: Any] { userInfo[NSUnderlyingErrorKey] = trustError(underlying) }
    return NSError(
        domain: wire["domain"] as? String ?? NSOSStatusErrorDomain, code: wire["code"] as? Int ?? Int(errSecInternal),
        userInfo: userInfo)
}

// MARK: - The server side of a TLS handshake

/// A TLS server certificate from the engine's test CA, and its chain (leaf, intermediate, root; DER).
public struct IssuedServerCertificate: Sendable {
    public let der: Data
    public let chain: [Data]
}

extension KeychainSimulator {
    /// The engine's test CA issues a TLS server certificate (serverAuth) naming `dnsNames` and `ipAddresses`
    /// in its subjectAltName, valid from a day before 2025-06-01 12:00 UTC for a year unless dates are given.
    public func issueServerCertificate(
        dnsNames: [String], ipAddresses: [String] = [], notBefore: Date? = nil, notAfter: Date? = nil
    ) throws -> IssuedServerCertificate {
        var args: [String: Any] = ["dns_names": dnsNames, "ip_addresses": ipAddresses]
        if let notBefore { args["not_before"] = ["date": Wire.isoDate(notBefore)] }
        if let notAfter { args["not_after"] = ["date": Wire.isoDate(notAfter)] }
        let reply = try connection.call("issue_server", args)
        let result = try Wire.decode(reply["result"], connection: connection) as? [String: Any] ?? [:]
        return IssuedServerCertificate(der: result["der"] as? Data ?? Data(), chain: result["chain"] as? [Data] ?? [])
    }
}
