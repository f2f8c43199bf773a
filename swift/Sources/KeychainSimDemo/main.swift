// swift run KeychainSimDemo [other_key|expired|wrong_order|no_client_auth|pem_extra_text]
//
// An app's enrollment, as the forum thread wrote it, on the simulated device KeychainSim starts by itself:
// the key in the keychain, a CSR, the server's certificate added with a label, the identity looked up by
// that label. It prints the status and, when the lookup fails, the explanation. Arguments are mistakes the
// test CA makes on purpose. Exit status: 0 when the identity formed, 1 otherwise.

import Foundation
import Security

let label = "com.example.client-identity"
let faults = CommandLine.arguments.dropFirst().compactMap(CAFault.init(rawValue:))

// Start from scratch, as the app does on first launch.
for itemClass in [kSecClassKey, kSecClassCertificate] {
    let status = SecItemDelete([kSecClass as String: itemClass] as CFDictionary)
    print("SecItemDelete(\(itemClass)): \(status)")
}

let attributes: [String: Any] = [
    kSecAttrKeyType as String: kSecAttrKeyTypeECSECPrimeRandom,
    kSecAttrKeySizeInBits as String: 256,
    kSecPrivateKeyAttrs as String: [
        kSecAttrIsPermanent as String: true,
        kSecAttrApplicationTag as String: "com.example.enrollment.key".data(using: .utf8)!,
    ],
]
var error: Unmanaged<CFError>?
guard let privateKey = SecKeyCreateRandomKey(attributes as CFDictionary, &error) else {
    print("SecKeyCreateRandomKey failed: \(error!.takeRetainedValue() as Error)")
    exit(1)
}

do {
    let device = try KeychainSimulator.current
    let csr = try device.certificateSigningRequest(privateKey: privateKey, subject: ["CN": "device-0001", "O": "Example"])
    let issued = try device.issueCertificate(for: csr.der, faults: faults)
    guard let certificate = SecCertificateCreateWithData(nil, issued.der as CFData) else {
        print("SecCertificateCreateWithData returned nil")
        exit(1)
    }
    let add: [String: Any] = [
        kSecClass as String: kSecClassCertificate, kSecValueRef as String: certificate, kSecAttrLabel as String: label,
    ]
    print("SecItemAdd(certificate): \(SecItemAdd(add as CFDictionary, nil))")

    let query: [String: Any] = [
        kSecClass as String: kSecClassIdentity,
        kSecAttrLabel as String: label,
        kSecReturnRef as String: true,
        kSecMatchLimit as String: kSecMatchLimitOne,
    ]
    var item: CFTypeRef?
    let status = SecItemCopyMatching(query as CFDictionary, &item)
    print("SecItemCopyMatching(identity): \(status) \(SecCopyErrorMessageString(status, nil) as String? ?? "")")
    if status != errSecSuccess {
        print(try device.explain(query))
        exit(1)
    }
    print("identity: \(item as! SecIdentity)")
} catch {
    print("KeychainSimDemo: \(error)")
    exit(1)
}
