import Foundation
import KeychainSim

/// A key pair as an app creates it with SecKeyCreateRandomKey: the private half permanent in the keychain
/// under kSecAttrApplicationTag `tag`, so a test can find it again the way the app does.
func makePermanentKey(type: CFString, bits: Int, tag: String) throws -> SecKey {
    var error: Unmanaged<CFError>?
    let attributes: [String: Any] = [
        kSecAttrKeyType as String: type,
        kSecAttrKeySizeInBits as String: bits,
        kSecPrivateKeyAttrs as String: [kSecAttrIsPermanent as String: true, kSecAttrApplicationTag as String: Data(tag.utf8)],
    ]
    guard let key = SecKeyCreateRandomKey(attributes as CFDictionary, &error) else {
        throw error!.takeRetainedValue() as Error
    }
    return key
}
