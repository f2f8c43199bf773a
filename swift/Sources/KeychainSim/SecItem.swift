import Foundation

// SecItem.h, with Apple's Swift signatures. Each call runs keychainsim's engine on the task's device.

/// Add an item to the keychain; with a kSecReturn* key, `result` receives what was added.
public func SecItemAdd(_ attributes: CFDictionary, _ result: UnsafeMutablePointer<CFTypeRef?>?) -> OSStatus {
    Calls.status("SecItemAdd", ["attributes": attributes], result: result)
}

/// Search the keychain; `result` receives data, attributes, refs or persistent refs as the query asks.
public func SecItemCopyMatching(_ query: CFDictionary, _ result: UnsafeMutablePointer<CFTypeRef?>?) -> OSStatus {
    Calls.status("SecItemCopyMatching", ["query": query], result: result)
}

/// Change the attributes of every item that matches `query`.
public func SecItemUpdate(_ query: CFDictionary, _ attributesToUpdate: CFDictionary) -> OSStatus {
    Calls.status("SecItemUpdate", ["query": query, "attributes": attributesToUpdate])
}

/// Delete every item that matches `query`.
public func SecItemDelete(_ query: CFDictionary) -> OSStatus {
    Calls.status("SecItemDelete", ["query": query])
}

/// Decode a PKCS#12 blob; `items` receives one dictionary per identity (kSecImportItemIdentity,
/// kSecImportItemCertChain, ...). What the platform also stores in the keychain follows keychainsim.
public func SecPKCS12Import(
    _ pkcs12_data: CFData, _ options: CFDictionary, _ items: UnsafeMutablePointer<CFArray?>
) -> OSStatus {
    var result: CFTypeRef?
    let status = Calls.status("SecPKCS12Import", ["data": pkcs12_data, "options": options], result: &result)
    if status == errSecSuccess { items.pointee = result as? NSArray }
    return status
}

/// Apple's message for a status ("OSStatus <n>" for a code it has none for).
public func SecCopyErrorMessageString(_ status: OSStatus, _ reserved: UnsafeMutableRawPointer?) -> CFString? {
    do {
        let (reply, connection) = try Calls.onDevice("SecCopyErrorMessageString", ["status": Int(status)])
        return try Wire.decode(reply["result"], connection: connection) as? NSString
    } catch {
        Calls.report("SecCopyErrorMessageString", error)
        return nil
    }
}
