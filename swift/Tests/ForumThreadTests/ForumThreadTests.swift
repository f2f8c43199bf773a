import Foundation
import KeychainSim
import Testing

// The forum thread's code (EnrollmentManager.swift) run against the engine, once as posted, once as the
// recipe says, and once for each way it breaks. The variants, their expected statuses and findings are
// fixtures/thread/variants.json, which tests/swift/test_thread_parity.py runs through the Python API too.
// Each run prints the status the device gave and the finding that names the cause.

struct ThreadVariant: Sendable, CustomTestStringConvertible {
    let name: String
    let story: String
    let changes: Changes
    let expectedStatus: OSStatus
    let expectedStatusName: String
    let expectedFinding: String?
    var testDescription: String { name }
}

struct ThreadSpec: Sendable {
    let platform: KeychainSimulator.Platform
    let accessGroups: [String]
    let tag: String
    let label: String
    let subject: [String: String]
    let variants: [ThreadVariant]

    static let file = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("fixtures/thread/variants.json")

    static let shared: ThreadSpec = {
        let data = try! Data(contentsOf: file)
        let json = try! JSONSerialization.jsonObject(with: data) as! [String: Any]
        let device = json["device"] as! [String: Any]
        let flow = json["flow"] as! [String: Any]
        let variants = (json["variants"] as! [[String: Any]]).map { variant in
            let expected = variant["expected"] as! [String: Any]
            return ThreadVariant(
                name: variant["name"] as! String,
                story: variant["story"] as! String,
                changes: Changes(variant["changes"] as! [String: Any]),
                expectedStatus: OSStatus(expected["status"] as! Int),
                expectedStatusName: expected["status_name"] as! String,
                expectedFinding: expected["finding"] as? String
            )
        }
        return ThreadSpec(
            platform: KeychainSimulator.Platform(rawValue: device["platform"] as! String)!,
            accessGroups: device["access_groups"] as! [String],
            tag: flow["tag"] as! String,
            label: flow["label"] as! String,
            subject: flow["subject"] as! [String: String],
            variants: variants
        )
    }()
}

@Suite("The forum thread's enrollment code")
struct ForumThreadTests {
    @Test("runs and gives the status and finding of", arguments: ThreadSpec.shared.variants)
    func variant(_ variant: ThreadVariant) throws {
        let spec = ThreadSpec.shared
        let device = try KeychainSimulator(platform: spec.platform, accessGroups: spec.accessGroups)
        let manager = EnrollmentManager(tag: spec.tag, label: spec.label, changes: variant.changes)

        let (status, identity) = try device.run { () throws -> (OSStatus, SecIdentity?) in
            let privateKey = try manager.generateKeyPair()
            let publicKey = try manager.publicKeyData(for: privateKey)
            #expect(publicKey.count == 65 && publicKey.first == 0x04)  // what the thread sends the server
            let csr = try device.certificateSigningRequest(privateKey: privateKey, subject: spec.subject)
            let response = try device.issueCertificate(for: csr.der, faults: variant.changes.faults)
            do {
                try manager.storeCertificate(response.pem)
                manager.storeCACertificates(response.caCertificatesPEM)
            } catch {
                print("seed variant \(variant.name): enrollment stopped at storeCertificate: \(error)")
            }
            if variant.changes.lockBeforeLookup { try device.lock() }
            if let groups = variant.changes.lookupAccessGroups {
                return device.asApp(accessGroups: groups) { manager.loadIdentity() }
            }
            return manager.loadIdentity()
        }

        let explanation = try device.explain(manager.identityQuery, accessGroups: variant.changes.lookupAccessGroups)
        let message = device.run { SecCopyErrorMessageString(status, nil) as String? } ?? ""
        let finding = explanation.findings.first { $0.code == variant.expectedFinding } ?? explanation.findings.first
        print(
            "seed variant \(variant.name): status \(status) (\(variant.expectedStatusName): \(message))"
                + (finding.map { "; finding \($0.code): \($0.message)" } ?? "; no finding"))

        #expect(status == variant.expectedStatus, "\(variant.name): \(variant.story)")
        #expect(explanation.status == status)  // explain computes what the call returned
        if let expected = variant.expectedFinding {
            #expect(explanation.codes.contains(expected), "\(variant.name): \(explanation.text)")
        } else {
            #expect(explanation.findings.isEmpty, "\(variant.name): \(explanation.text)")
        }
        if status == errSecSuccess {
            // The identity is usable: its certificate is the one the server issued.
            var certificate: SecCertificate?
            #expect(SecIdentityCopyCertificate(identity!, &certificate) == errSecSuccess)
            #expect(SecCertificateCopySubjectSummary(certificate!) as String? == spec.subject["CN"])
            var key: SecKey?
            #expect(SecIdentityCopyPrivateKey(identity!, &key) == errSecSuccess)
        }
    }
}
