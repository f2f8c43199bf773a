"""The curated public surface (style-anchors rule 2): adding or dropping a public name is deliberate."""

from __future__ import annotations

import pytest

import keychainsim

CONTRACT = {
    # api-contract.md: the keychain, statuses, errors
    "Keychain", "OSStatus", "CFError",
    # api-contract.md: keys, certificates, identities (module-level, pure)
    "SecKeyCopyPublicKey", "SecKeyCopyExternalRepresentation", "SecKeyCreateWithData", "SecKeyCopyAttributes",
    "SecKeyCreateSignature", "SecKeyVerifySignature", "SecCertificateCreateWithData", "SecCertificateCopyData",
    "SecCertificateCopyKey", "SecCertificateCopySubjectSummary", "SecCertificateCopyCommonName",
    "SecIdentityCopyCertificate", "SecIdentityCopyPrivateKey", "SecIdentityCreate", "SecPKCS12Import",
}  # fmt: skip


@pytest.mark.model
def test_all_lists_exactly_the_public_names_and_each_resolves():
    """Every name in __all__ imports, and the contract's names are all there."""
    assert keychainsim.__all__ == sorted(keychainsim.__all__)
    for name in keychainsim.__all__:
        assert getattr(keychainsim, name) is not None
    assert set(keychainsim.__all__) >= CONTRACT


@pytest.mark.model
def test_api_module_acts_on_the_current_keychain():
    """keychainsim.api offers the keychain calls as functions on the keychain given to using()."""
    from keychainsim import Keychain
    from keychainsim.api import SecItemAdd, SecItemCopyMatching, using
    from keychainsim.constants import errSecItemNotFound, errSecSuccess, kSecAttrService, kSecClass

    kc, other = Keychain(), Keychain()
    with using(kc):
        assert SecItemAdd({kSecClass: "genp", kSecAttrService: "s"})[0] == errSecSuccess
    with using(other):
        assert SecItemCopyMatching({kSecClass: "genp"})[0] == errSecItemNotFound
    with pytest.raises(RuntimeError, match="no current keychain"):
        SecItemCopyMatching({kSecClass: "genp"})


@pytest.mark.model
def test_importing_the_package_does_not_load_cryptography():
    """The command line must start fast: `import keychainsim` stays light until a name is used."""
    import subprocess
    import sys

    code = "import sys, keychainsim, keychainsim.constants; print('cryptography' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


@pytest.mark.model
def test_coverage_page_is_current():
    """docs/coverage.md is generated from the schema tables; regenerate it when a table changes."""
    from pathlib import Path

    from keychainsim.schema.coverage import render

    page = Path(__file__).resolve().parents[2] / "docs" / "coverage.md"
    assert page.read_text() == render(), "run: python -m keychainsim.schema.coverage > docs/coverage.md"
