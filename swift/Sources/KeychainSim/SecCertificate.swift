import Foundation

// SecCertificate.h, SecIdentity.h and SecAccessControl.h, with Apple's Swift signatures.

/// A certificate from DER data; nil for anything else (PEM text included, as on a device).
public func SecCertificateCreateWithData(_ allocator: CFAllocator?, _ data: CFData) -> SecCertificate? {
    do {
        let (reply, connection) = try Calls.onDevice("SecCertificateCreateWithData", ["data": data])
        return try Wire.decode(reply["result"], connection: connection) as? SecCertificate
    } catch {
        Calls.report("SecCertificateCreateWithData", error)
        return nil
    }
}

/// The certificate's DER encoding.
public func SecCertificateCopyData(_ certificate: SecCertificate) -> CFData {
    certificateCall("SecCertificateCopyData", certificate) as? NSData ?? NSData()
}

/// A human-readable summary of the subject (usually the common name).
public func SecCertificateCopySubjectSummary(_ certificate: SecCertificate) -> CFString? {
    certificateCall("SecCertificateCopySubjectSummary", certificate) as? NSString
}

/// The certificate's public key.
public func SecCertificateCopyKey(_ certificate: SecCertificate) -> SecKey? {
    certificateCall("SecCertificateCopyKey", certificate) as? SecKey
}

/// The last common name of the subject; errSecInternal when it has none.
public func SecCertificateCopyCommonName(_ certificate: SecCertificate, _ commonName: UnsafeMutablePointer<CFString?>) -> OSStatus {
    do {
        var value: CFTypeRef?
        let (reply, connection) = try Calls.on("SecCertificateCopyCommonName", certificate, ["certificate": certificate])
        let status = try Calls.statusReply(reply, connection, result: &value)
        if status == errSecSuccess { commonName.pointee = value as? NSString }
        return status
    } catch {
        return Calls.report("SecCertificateCopyCommonName", error)
    }
}

/// The serial number's content bytes (DER INTEGER, leading zero kept).
public func SecCertificateCopySerialNumberData(
    _ certificate: SecCertificate, _ error: UnsafeMutablePointer<Unmanaged<CFError>?>?
) -> CFData? {
    do {
        let (reply, connection) = try Calls.on("SecCertificateCopySerialNumberData", certificate, ["certificate": certificate])
        return try Calls.valueReply(reply, connection, error: error) as? NSData
    } catch let failure {
        Calls.fail("SecCertificateCopySerialNumberData", failure, error)
        return nil
    }
}

private func certificateCall(_ name: String, _ certificate: SecCertificate) -> AnyObject? {
    do {
        let (reply, connection) = try Calls.on(name, certificate, ["certificate": certificate])
        return try Wire.decode(reply["result"], connection: connection)
    } catch {
        Calls.report(name, error)
        return nil
    }
}

/// The identity's certificate.
public func SecIdentityCopyCertificate(
    _ identityRef: SecIdentity, _ certificateRef: UnsafeMutablePointer<SecCertificate?>
) -> OSStatus {
    var value: CFTypeRef?
    let status = identityCall("SecIdentityCopyCertificate", identityRef, &value)
    if status == errSecSuccess { certificateRef.pointee = value as? SecCertificate }
    return status
}

/// The identity's private key.
public func SecIdentityCopyPrivateKey(
    _ identityRef: SecIdentity, _ privateKeyRef: UnsafeMutablePointer<SecKey?>
) -> OSStatus {
    var value: CFTypeRef?
    let status = identityCall("SecIdentityCopyPrivateKey", identityRef, &value)
    if status == errSecSuccess { privateKeyRef.pointee = value as? SecKey }
    return status
}

private func identityCall(_ name: String, _ identity: SecIdentity, _ out: UnsafeMutablePointer<CFTypeRef?>) -> OSStatus {
    do {
        let (reply, connection) = try Calls.on(name, identity, ["identity": identity])
        return try Calls.statusReply(reply, connection, result: out)
    } catch {
        return Calls.report(name, error)
    }
}

/// macOS: the identity formed by `certificateRef` and the private key with its public-key hash, searched in
/// the keychains this app can read (`keychainOrArray` is not modelled and must be nil).
public func SecIdentityCreateWithCertificate(
    _ keychainOrArray: CFTypeRef?, _ certificateRef: SecCertificate, _ identityRef: UnsafeMutablePointer<SecIdentity?>
) -> OSStatus {
    guard keychainOrArray == nil else {
        return Calls.report("SecIdentityCreateWithCertificate", WireError(path: "keychainOrArray", problem: "only nil (the default search list) is modelled"))
    }
    var value: CFTypeRef?
    let status = Calls.status("SecIdentityCreateWithCertificate", ["certificate": certificateRef], result: &value)
    if status == errSecSuccess { identityRef.pointee = value as? SecIdentity }
    return status
}

/// An access-control object: a protection class (kSecAttrAccessible* value) and flags.
public func SecAccessControlCreateWithFlags(
    _ allocator: CFAllocator?, _ protection: CFTypeRef, _ flags: SecAccessControlCreateFlags,
    _ error: UnsafeMutablePointer<Unmanaged<CFError>?>?
) -> SecAccessControl? {
    do {
        let args: [String: Any] = ["protection": protection, "flags": Int(bitPattern: flags.rawValue)]
        let (reply, connection) = try Calls.onDevice("SecAccessControlCreateWithFlags", args)
        return try Calls.valueReply(reply, connection, error: error) as? SecAccessControl
    } catch let failure {
        Calls.fail("SecAccessControlCreateWithFlags", failure, error)
        return nil
    }
}
