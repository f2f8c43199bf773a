// `import Security` on Linux: the whole KeychainSim API under the name Apple's framework has, so code
// written for a device compiles here without an edit.
@_exported import KeychainSim
