import Foundation

// SecRandom.h. On a device SecRandomCopyBytes reads the system's cryptographic generator
// (OSX/libsecurity_keychain/lib/SecRandom.c: CCRandomCopyBytes) and never reaches the keychain, so it needs
// no engine here either: SystemRandomNumberGenerator is the system's generator (getrandom(2) on Linux).

/// A random number generator (`const struct __SecRandom *`); only the default one exists.
public typealias SecRandomRef = OpaquePointer

/// The default generator, NULL (SecRandom.c). Apple's Swift interface types it as a non-optional
/// `SecRandomRef` holding that NULL; Swift can only spell a NULL pointer as an optional, which every call
/// `SecRandomCopyBytes(kSecRandomDefault, ...)` accepts alike.
public nonisolated(unsafe) let kSecRandomDefault: SecRandomRef? = nil

/// Fill `bytes` with `count` cryptographically secure random bytes and return errSecSuccess. Any `rnd` means
/// the default generator, as on a device (SecRandom.h: "If rnd is unrecognized or unsupported,
/// kSecRandomDefault is used"; si-50-secrandom.c passes a made-up one and expects success).
public func SecRandomCopyBytes(_ rnd: SecRandomRef?, _ count: Int, _ bytes: UnsafeMutableRawPointer) -> Int32 {
    guard count >= 0 else {
        // Apple's count is a size_t; a negative Int cannot be one.
        FileHandle.standardError.write(Data("KeychainSim: SecRandomCopyBytes: count must not be negative, got \(count)\n".utf8))
        return errSecParam
    }
    var generator = SystemRandomNumberGenerator()
    var offset = 0
    while offset < count {
        let word = generator.next()
        let length = min(MemoryLayout<UInt64>.size, count - offset)
        withUnsafeBytes(of: word) { (bytes + offset).copyMemory(from: $0.baseAddress!, byteCount: length) }
        offset += length
    }
    return errSecSuccess
}
