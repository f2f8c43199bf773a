import Foundation
import KeychainSim
import Testing

// Server trust as an iOS app writes it for mTLS or a pinned enrollment server: certificates from DER with
// SecCertificateCreateWithData, an SSL policy for the host, the app's own root as the only anchor,
// SecTrustEvaluateWithError, and the CFError's code when it fails. Expected answers: Apple's
// tests/TrustTests/FrameworkTests/TrustInterfaceTests.m testEvaluateWithError (trusted with the root as
// anchor; errSecCertificateExpired after expiry; errSecHostNameMismatch outranking expiry; errSecNotTrusted
// with no anchors), SecTrust.c SecTrustCopyError (the description and the underlying error) and
// SecPolicyLeafCallbacks.c SecDNSMatch (wildcards), the sources tests/crypto/test_sectrust.py cites.

/// Apple's declared Swift types for the trust API (developer.apple.com/documentation/security, e.g.
/// "SecTrustEvaluateWithError(_:_:)": `func SecTrustEvaluateWithError(_ trust: SecTrust, _ error:
/// UnsafeMutablePointer<CFError?>?) -> Bool`; SecTrustSetAnchorCertificates takes a `CFArray?`, as SecTrust.h
/// declares the array __nullable). A signature that differs fails to compile here.
private struct AppleTrustSignatures {
    let policyCreateBasicX509: () -> SecPolicy = SecPolicyCreateBasicX509
    let policyCreateSSL: (Bool, CFString?) -> SecPolicy = SecPolicyCreateSSL
    let trustCreateWithCertificates: (CFTypeRef, CFTypeRef?, UnsafeMutablePointer<SecTrust?>) -> OSStatus =
        SecTrustCreateWithCertificates
    let trustSetAnchorCertificates: (SecTrust, CFArray?) -> OSStatus = SecTrustSetAnchorCertificates
    let trustSetAnchorCertificatesOnly: (SecTrust, Bool) -> OSStatus = SecTrustSetAnchorCertificatesOnly
    let trustSetVerifyDate: (SecTrust, CFDate) -> OSStatus = SecTrustSetVerifyDate
    let trustEvaluateWithError: (SecTrust, UnsafeMutablePointer<CFError?>?) -> Bool = SecTrustEvaluateWithError
    let trustCopyCertificateChain: (SecTrust) -> CFArray? = SecTrustCopyCertificateChain
    let trustGetCertificateCount: (SecTrust) -> CFIndex = SecTrustGetCertificateCount
    let trustGetTypeID: () -> CFTypeID = SecTrustGetTypeID
}

/// 2025-06-01 12:00 UTC, the test CA's issuing time: its server certificates are valid then, for a year.
private let issued = Date(timeIntervalSince1970: 1_748_779_200)

@Suite struct TrustTests {
    let device: KeychainSimulator

    init() throws {
        device = try KeychainSimulator(platform: .iOS)
    }

    /// The server's chain (leaf, intermediate, root) as the app has it: DER turned into SecCertificates.
    private func serverChain(_ names: [String], ipAddresses: [String] = []) throws -> [SecCertificate] {
        let server = try device.issueServerCertificate(dnsNames: names, ipAddresses: ipAddresses)
        return try server.chain.map { try #require(SecCertificateCreateWithData(nil, $0 as CFData)) }
    }

    /// What a URLSession delegate's server-trust check does: evaluate `certificates` for `host`, trusting only
    /// `anchors`, at `date`; nil when trusted, else the CFError.
    private func evaluate(
        _ certificates: [SecCertificate], host: String?, anchors: [SecCertificate], at date: Date = issued
    ) throws -> NSError? {
        var trust: SecTrust?
        let policy = SecPolicyCreateSSL(true, host as CFString?)
        #expect(SecTrustCreateWithCertificates(certificates as CFArray, policy, &trust) == errSecSuccess)
        let serverTrust = try #require(trust)
        #expect(SecTrustSetAnchorCertificates(serverTrust, anchors as CFArray) == errSecSuccess)
        #expect(SecTrustSetAnchorCertificatesOnly(serverTrust, true) == errSecSuccess)
        #expect(SecTrustSetVerifyDate(serverTrust, date as CFDate) == errSecSuccess)
        var error: CFError?
        let trusted = SecTrustEvaluateWithError(serverTrust, &error)
        #expect(trusted == (error == nil))
        return error
    }

    @Test func pinnedRootTrustsTheServerAndTheChainComesBackLeafFirst() throws {
        try device.run {
            let chain = try serverChain(["api.example.com"])
            var trust: SecTrust?
            let policy = SecPolicyCreateSSL(true, "api.example.com" as CFString)
            #expect(SecTrustCreateWithCertificates([chain[0], chain[1]] as CFArray, policy, &trust) == errSecSuccess)
            let serverTrust = try #require(trust)
            #expect(CFGetTypeID(serverTrust) == SecTrustGetTypeID())
            #expect(SecTrustSetAnchorCertificates(serverTrust, [chain[2]] as CFArray) == errSecSuccess)
            #expect(SecTrustSetVerifyDate(serverTrust, issued as CFDate) == errSecSuccess)
            var error: CFError?
            #expect(SecTrustEvaluateWithError(serverTrust, &error))
            #expect(error == nil)
            let built = try #require(SecTrustCopyCertificateChain(serverTrust) as? [SecCertificate])
            #expect(built == chain)  // CFEqual: the same DER, leaf to root
            #expect(SecTrustGetCertificateCount(serverTrust) == 3)
            #expect(SecCertificateCopySubjectSummary(built[0]) as String? == "api.example.com")
        }
    }

    @Test func failuresCarryApplesCodesAndDescriptions() throws {
        try device.run {
            let chain = try serverChain(["api.example.com"])
            let (leaf, intermediate, root) = (chain[0], chain[1], chain[2])

            // SSL policy for another host: errSecHostNameMismatch, the leaf named in the description.
            let mismatch = try #require(try evaluate(chain, host: "other.example", anchors: [root]))
            #expect(mismatch.domain == NSOSStatusErrorDomain)
            #expect(mismatch.code == Int(errSecHostNameMismatch) && mismatch.code == -67602)
            #expect(mismatch.localizedDescription == "“api.example.com” certificate name does not match input")
            let details = try #require(mismatch.userInfo[NSUnderlyingErrorKey] as? NSError)
            #expect(details.code == -67602)
            #expect(details.localizedDescription == "Certificate 0 “api.example.com” has errors: SSL hostname does not match name(s) in certificate;")

            // After notAfter: errSecCertificateExpired; with a wrong host too, the name outranks the date.
            let later = issued.addingTimeInterval(400 * 86_400)
            #expect(try evaluate(chain, host: "api.example.com", anchors: [root], at: later)?.code == -67818)
            #expect(try evaluate(chain, host: "other.example", anchors: [root], at: later)?.code == -67602)

            // No anchors: the root is not trusted (errSecNotTrusted), and that outranks the name.
            let untrusted = try #require(try evaluate(chain, host: "other.example", anchors: []))
            #expect(untrusted.code == Int(errSecNotTrusted) && untrusted.code == -67843)
            #expect(untrusted.localizedDescription == "“keychainsim Test Root” certificate is not trusted")

            // The leaf alone, its intermediate nowhere: errSecCreateChainFailed.
            #expect(try evaluate([leaf], host: "api.example.com", anchors: [root])?.code == -25318)
            #expect(try evaluate([leaf, intermediate], host: "api.example.com", anchors: [root]) == nil)
        }
    }

    @Test func wildcardsCoverOneLeftMostLabelAndIPAddressesMatchTheirEntries() throws {
        try device.run {
            let chain = try serverChain(["*.example.com"], ipAddresses: ["192.0.2.7"])
            let root = [chain[2]]
            #expect(try evaluate(chain, host: "api.example.com", anchors: root) == nil)
            #expect(try evaluate(chain, host: "a.b.example.com", anchors: root)?.code == -67602)
            #expect(try evaluate(chain, host: "example.com", anchors: root)?.code == -67602)
            #expect(try evaluate(chain, host: "192.0.2.7", anchors: root) == nil)
            #expect(try evaluate(chain, host: nil, anchors: root) == nil)  // no host name: no name check
        }
    }

    @Test func aCertificateReadBackFromTheKeychainEvaluates() throws {
        try device.run {
            let chain = try serverChain(["api.example.com"])
            // The app stores the server's intermediate and leaf, and later reads the leaf back by label.
            #expect(SecItemAdd([kSecValueRef as String: chain[1]] as CFDictionary, nil) == errSecSuccess)
            let add: [String: Any] = [kSecValueRef as String: chain[0], kSecAttrLabel as String: "server"]
            #expect(SecItemAdd(add as CFDictionary, nil) == errSecSuccess)
            var item: CFTypeRef?
            let query: [String: Any] = [
                kSecClass as String: kSecClassCertificate, kSecAttrLabel as String: "server", kSecReturnRef as String: true,
            ]
            #expect(SecItemCopyMatching(query as CFDictionary, &item) == errSecSuccess)
            let stored = try #require(item as? SecCertificate)
            // Evaluated alone: the intermediate comes from the app's keychain, as trustd's keychain source finds it.
            #expect(try evaluate([stored], host: "api.example.com", anchors: [chain[2]]) == nil)
        }
    }

    @Test func everyTrustFunctionBoundToApplesTypeAnswers() throws {
        let apple = AppleTrustSignatures()
        try device.run {
            let chain = try serverChain(["api.example.com"])
            var trust: SecTrust?
            #expect(apple.trustCreateWithCertificates(chain[0], apple.policyCreateBasicX509(), &trust) == errSecSuccess)
            let basic = try #require(trust)
            #expect(apple.trustSetAnchorCertificates(basic, [chain[2]] as CFArray) == errSecSuccess)
            #expect(apple.trustSetVerifyDate(basic, issued as CFDate) == errSecSuccess)
            var error: CFError?
            #expect(!apple.trustEvaluateWithError(basic, &error))  // the intermediate is missing
            #expect(error?.code == Int(errSecCreateChainFailed))
            #expect(apple.trustGetCertificateCount(basic) == 1)
            // SecTrust.c: nil anchors go back to the device's anchors, of which a simulated device has none.
            #expect(apple.trustSetAnchorCertificates(basic, nil) == errSecSuccess)
            #expect(apple.trustSetAnchorCertificatesOnly(basic, false) == errSecSuccess)
            trust = nil
            #expect(apple.trustCreateWithCertificates(chain as CFArray, apple.policyCreateSSL(false, nil), &trust) == errSecSuccess)
            let ssl = try #require(trust)
            #expect(apple.trustSetAnchorCertificates(ssl, [chain[2]] as CFArray) == errSecSuccess)
            #expect(apple.trustSetVerifyDate(ssl, issued as CFDate) == errSecSuccess)
            // A server certificate (serverAuth only) presented as a client's: the usage is wrong (-67609).
            #expect(!apple.trustEvaluateWithError(ssl, &error) && error?.code == -67609)
            #expect((apple.trustCopyCertificateChain(ssl) as? [SecCertificate])?.count == 3)
            #expect(CFGetTypeID(ssl) == apple.trustGetTypeID())
            // SecTrust.c SecTrustCreateWithCertificates: an empty array is errSecParam and leaves the out-parameter.
            trust = nil
            #expect(apple.trustCreateWithCertificates([] as CFArray, nil, &trust) == errSecParam && trust == nil)
        }
    }
}
