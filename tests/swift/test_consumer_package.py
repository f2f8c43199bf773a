"""The README's "In Swift" steps as a developer follows them: a package of their own that adds swift/ by path,
depends on the product `Security` as the README writes it, and runs file-for-device code unchanged.

The dependency lines are read from the README itself, so a README that names a product or package that does
not resolve fails here. It builds the library again for the new package, hence slow.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.swift.test_swift_package import PACKAGE, engine_environment, require_swift

README = PACKAGE.parent / "README.md"

APP = """\
import Foundation
import Security

// Code written for a device: nothing here names keychainsim.
let add: [String: Any] = [
    kSecClass as String: kSecClassGenericPassword,
    kSecAttrService as String: "api",
    kSecAttrAccount as String: "alice",
    kSecValueData as String: "s3cret".data(using: .utf8)!,
]
print("add", SecItemAdd(add as CFDictionary, nil))
var item: CFTypeRef?
let read = [kSecClass as String: kSecClassGenericPassword, kSecAttrService as String: "api",
            kSecReturnData as String: true] as [String: Any]
print("read", SecItemCopyMatching(read as CFDictionary, &item), String(data: item as! Data, encoding: .utf8)!)
let query = [kSecClass as String: kSecClassIdentity, kSecAttrLabel as String: "client"] as [String: Any]
print("identity", SecItemCopyMatching(query as CFDictionary, nil))
// The README's step 4: read the explanation.
let why = try KeychainSimulator.current.explain(query)
print("why", why.status, why.codes.joined(separator: ","))
"""


def readme_dependency_lines() -> tuple[str, str]:
    """The package and product lines of the README's step 1, with the path placeholder."""
    text = README.read_text()
    package = re.search(r'\.package\(path: "path/to/keychainsim/swift"\)', text)
    product = re.search(r'\.product\(name: "Security", package: "\w+"\)', text)
    assert package and product, "the README's Swift step 1 no longer gives the package and product lines"
    return package.group(0), product.group(0)


@pytest.mark.slow
@pytest.mark.model
def test_a_package_of_ones_own_builds_with_the_readme_lines_and_runs_device_code(tmp_path: Path) -> None:
    swift = require_swift()
    package_line, product_line = readme_dependency_lines()
    package_line = package_line.replace("path/to/keychainsim/swift", str(PACKAGE))
    (tmp_path / "Sources" / "App").mkdir(parents=True)
    (tmp_path / "Package.swift").write_text(
        "// swift-tools-version:6.0\n"
        "import PackageDescription\n"
        "let package = Package(\n"
        '    name: "App",\n'
        f"    dependencies: [{package_line}],\n"
        f'    targets: [.executableTarget(name: "App", dependencies: [{product_line}])]\n'
        ")\n"
    )
    (tmp_path / "Sources" / "App" / "main.swift").write_text(APP)
    done = subprocess.run(
        [swift, "run", "App"], cwd=tmp_path, env=engine_environment(), capture_output=True, text=True, timeout=3600
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    assert done.stdout.splitlines()[-4:] == [
        "add 0",
        "read 0 s3cret",
        "identity -25300",
        "why -25300 identity.no_certificate",
    ], done.stdout[-2000:]
