import Foundation

// swift-corelibs-foundation does not export CoreFoundation's types through `import Foundation`, and its
// CoreFoundation module does not bridge with `as`. The Security API is therefore spelled here with the
// Foundation classes the CF types are toll-free bridged to on Apple platforms, so that what developers
// write compiles as it does there: `kSecClass as String`, `query as CFDictionary`, `data as CFData`,
// `result as! Data`, `error!.takeRetainedValue() as Error`.

public typealias CFTypeRef = AnyObject
public typealias CFString = NSString
public typealias CFData = NSData
public typealias CFDictionary = NSDictionary
public typealias CFMutableDictionary = NSMutableDictionary
public typealias CFArray = NSArray
public typealias CFNumber = NSNumber
public typealias CFBoolean = NSNumber
public typealias CFDate = NSDate
public typealias CFNull = NSNull
public typealias CFError = NSError
public typealias CFErrorDomain = CFString
public typealias CFIndex = Int
public typealias CFOptionFlags = UInt
public typealias CFTypeID = UInt

/// The allocator argument of CF-style functions. Swift code passes `nil` or `kCFAllocatorDefault`; memory
/// is Swift's either way, so the value is never read.
public final class CFAllocator: @unchecked Sendable {
    fileprivate init() {}
}

public let kCFAllocatorDefault: CFAllocator! = CFAllocator()
public let kCFBooleanTrue: CFBoolean! = NSNumber(value: true)
public let kCFBooleanFalse: CFBoolean! = NSNumber(value: false)
public let kCFNull: CFNull! = NSNull()

/// MacTypes.h's "no error", which much keychain code compares statuses with.
public let noErr: OSStatus = 0

public func CFErrorGetCode(_ err: CFError!) -> CFIndex { err.code }
public func CFErrorGetDomain(_ err: CFError!) -> CFErrorDomain! { err.domain as NSString }
public func CFErrorCopyDescription(_ err: CFError!) -> CFString! { err.localizedDescription as NSString }

/// The type of a CF object, as `CFGetTypeID(item) == SecIdentityGetTypeID()` checks use it.
public func CFGetTypeID(_ cf: CFTypeRef!) -> CFTypeID {
    switch cf {
    case is SecKey: return SecKeyGetTypeID()
    case is SecCertificate: return SecCertificateGetTypeID()
    case is SecIdentity: return SecIdentityGetTypeID()
    case is SecAccessControl: return SecAccessControlGetTypeID()
    case is SecPolicy: return SecPolicyGetTypeID()
    case is SecTrust: return SecTrustGetTypeID()
    case let number as NSNumber where isBoolean(number): return CFBooleanGetTypeID()
    case is NSNumber: return CFNumberGetTypeID()
    case is NSString: return CFStringGetTypeID()
    case is NSData: return CFDataGetTypeID()
    case is NSDictionary: return CFDictionaryGetTypeID()
    case is NSArray: return CFArrayGetTypeID()
    case is NSDate: return CFDateGetTypeID()
    case is NSNull: return CFNullGetTypeID()
    default: return 0
    }
}

/// Whether two CF objects are equal: Security objects as their types define it (through the engine), others
/// as their Foundation classes compare (`CFEqual(kSecClass, "class" as CFString)`).
public func CFEqual(_ cf1: CFTypeRef!, _ cf2: CFTypeRef!) -> Bool {
    guard let cf1, let cf2 else { return false }
    if let lhs = cf1 as? EngineObject, let rhs = cf2 as? EngineObject { return engineEqual(lhs, rhs) }
    if cf1 is EngineObject || cf2 is EngineObject { return false }
    return (cf1 as? NSObject)?.isEqual(cf2) ?? false
}

public func CFStringGetTypeID() -> CFTypeID { 7 }
public func CFDataGetTypeID() -> CFTypeID { 20 }
public func CFDictionaryGetTypeID() -> CFTypeID { 18 }
public func CFArrayGetTypeID() -> CFTypeID { 19 }
public func CFNumberGetTypeID() -> CFTypeID { 22 }
public func CFBooleanGetTypeID() -> CFTypeID { 21 }
public func CFDateGetTypeID() -> CFTypeID { 42 }
public func CFNullGetTypeID() -> CFTypeID { 16 }

/// True for an NSNumber made from a Bool (kCFBooleanTrue/False on Apple platforms). swift-corelibs-foundation
/// gives those the `c` Objective-C type; integers, including Int8, come out as `i`/`q` there.
func isBoolean(_ number: NSNumber) -> Bool {
    if number === kCFBooleanTrue || number === kCFBooleanFalse { return true }
    let code = String(cString: number.objCType)
    return code == "c" || code == "B"
}
