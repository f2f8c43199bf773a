import Foundation

// SecKey.h, with Apple's Swift signatures: functions that can fail fill an `Unmanaged<CFError>?`.

/// Generate a key pair; the halves the parameters make permanent are stored in the keychain
/// (kSecAttrIsPermanent must be a boolean true: a number is ignored, as on a device).
public func SecKeyCreateRandomKey(
    _ parameters: CFDictionary, _ error: UnsafeMutablePointer<Unmanaged<CFError>?>?
) -> SecKey? {
    do {
        let (reply, connection) = try Calls.onDevice("SecKeyCreateRandomKey", ["parameters": parameters])
        return try Calls.valueReply(reply, connection, error: error) as? SecKey
    } catch let failure {
        Calls.fail("SecKeyCreateRandomKey", failure, error)
        return nil
    }
}

/// The public key of a key pair.
public func SecKeyCopyPublicKey(_ key: SecKey) -> SecKey? {
    keyCall("SecKeyCopyPublicKey", key, [:], error: nil) as? SecKey
}

/// The key's external representation: X9.63 for EC public keys (04 || X || Y), PKCS#1 for RSA.
public func SecKeyCopyExternalRepresentation(
    _ key: SecKey, _ error: UnsafeMutablePointer<Unmanaged<CFError>?>?
) -> CFData? {
    keyCall("SecKeyCopyExternalRepresentation", key, [:], error: error) as? NSData
}

/// The key's attributes (kSecAttrKeyType, kSecAttrKeySizeInBits, kSecAttrApplicationLabel, ...).
public func SecKeyCopyAttributes(_ key: SecKey) -> CFDictionary? {
    keyCall("SecKeyCopyAttributes", key, [:], error: nil) as? NSDictionary
}

/// A key from its external representation and attributes (kSecAttrKeyType, kSecAttrKeyClass).
public func SecKeyCreateWithData(
    _ keyData: CFData, _ attributes: CFDictionary, _ error: UnsafeMutablePointer<Unmanaged<CFError>?>?
) -> SecKey? {
    do {
        let (reply, connection) = try Calls.onDevice("SecKeyCreateWithData", ["data": keyData, "attributes": attributes])
        return try Calls.valueReply(reply, connection, error: error) as? SecKey
    } catch let failure {
        Calls.fail("SecKeyCreateWithData", failure, error)
        return nil
    }
}

/// Sign `dataToSign` with a private key.
public func SecKeyCreateSignature(
    _ key: SecKey, _ algorithm: SecKeyAlgorithm, _ dataToSign: CFData,
    _ error: UnsafeMutablePointer<Unmanaged<CFError>?>?
) -> CFData? {
    keyCall("SecKeyCreateSignature", key, ["algorithm": algorithm.rawValue, "data": dataToSign], error: error) as? NSData
}

/// Check `signature` over `signedData` with a public key.
public func SecKeyVerifySignature(
    _ key: SecKey, _ algorithm: SecKeyAlgorithm, _ signedData: CFData, _ signature: CFData,
    _ error: UnsafeMutablePointer<Unmanaged<CFError>?>?
) -> Bool {
    let args: [String: Any] = ["algorithm": algorithm.rawValue, "signed_data": signedData, "signature": signature]
    return (keyCall("SecKeyVerifySignature", key, args, error: error) as? NSNumber)?.boolValue ?? false
}

/// Encrypt `plaintext` with an RSA public key (PKCS#1 v1.5 or OAEP); the ciphertext is one modulus long.
/// A private key, a modulus too small for the padding or a plaintext too long is NULL with an errSecParam
/// CFError (SecKeyAdaptors.m SecKeyRSACopyEncryptedWithPadding).
public func SecKeyCreateEncryptedData(
    _ key: SecKey, _ algorithm: SecKeyAlgorithm, _ plaintext: CFData,
    _ error: UnsafeMutablePointer<Unmanaged<CFError>?>?
) -> CFData? {
    keyCall("SecKeyCreateEncryptedData", key, ["algorithm": algorithm.rawValue, "plaintext": plaintext], error: error) as? NSData
}

/// Decrypt `ciphertext` with an RSA private key. A public key runs its raw public operation, whose output
/// never unpads: NULL with an errSecParam CFError (SecRSAKey.c, SecKeyAdaptors.m).
public func SecKeyCreateDecryptedData(
    _ key: SecKey, _ algorithm: SecKeyAlgorithm, _ ciphertext: CFData,
    _ error: UnsafeMutablePointer<Unmanaged<CFError>?>?
) -> CFData? {
    keyCall("SecKeyCreateDecryptedData", key, ["algorithm": algorithm.rawValue, "ciphertext": ciphertext], error: error) as? NSData
}

/// ECDH between `privateKey` (an EC private key) and the peer's `publicKey`: the raw shared secret for
/// `.ecdhKeyExchangeStandard` / `.ecdhKeyExchangeCofactor`, or X9.63 KDF output of
/// `SecKeyKeyExchangeParameter.requestedSize` bytes (required) over it, with optional `.sharedInfo`, for the
/// X963 variants (SecKey.m SecKeyCopyKeyExchangeResult, SecKeyAdaptors.m SecKeyECDHCopyX963Result).
public func SecKeyCopyKeyExchangeResult(
    _ privateKey: SecKey, _ algorithm: SecKeyAlgorithm, _ publicKey: SecKey, _ parameters: CFDictionary,
    _ error: UnsafeMutablePointer<Unmanaged<CFError>?>?
) -> CFData? {
    let args: [String: Any] = ["algorithm": algorithm.rawValue, "public_key": publicKey, "parameters": parameters]
    return keyCall("SecKeyCopyKeyExchangeResult", privateKey, args, error: error) as? NSData
}

/// The key's block size in bytes: the modulus for RSA, a coordinate for EC (0 when the engine cannot answer).
public func SecKeyGetBlockSize(_ key: SecKey) -> Int {
    (keyCall("SecKeyGetBlockSize", key, [:], error: nil) as? NSNumber)?.intValue ?? 0
}

/// Whether `key` can run `algorithm` for `operation` (sign, verify, RSA encrypt or decrypt, ECDH key exchange).
public func SecKeyIsAlgorithmSupported(_ key: SecKey, _ operation: SecKeyOperationType, _ algorithm: SecKeyAlgorithm) -> Bool {
    let args: [String: Any] = ["operation": operation.rawValue, "algorithm": algorithm.rawValue]
    return (keyCall("SecKeyIsAlgorithmSupported", key, args, error: nil) as? NSNumber)?.boolValue ?? false
}

/// A call on the engine that holds `key`, returning its result (and filling `error` when there is one).
private func keyCall(
    _ name: String, _ key: SecKey, _ args: [String: Any], error: UnsafeMutablePointer<Unmanaged<CFError>?>?
) -> AnyObject? {
    do {
        let (reply, connection) = try Calls.on(name, key, args.merging(["key": key]) { a, _ in a })
        return try Calls.valueReply(reply, connection, error: error)
    } catch let failure {
        Calls.fail(name, failure, error)
        return nil
    }
}
