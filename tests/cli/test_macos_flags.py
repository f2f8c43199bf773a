"""The command line on macOS: the shim's refusals keep their documented exit codes (3 not modelled, 1 a
status other than the expected one)."""

from __future__ import annotations

import json

import pytest

GENP = ["-a", "kSecClass=kSecClassGenericPassword", "-a", "kSecAttrService=api"]


@pytest.mark.model
def test_the_system_keychain_is_not_modelled_exit_3(cli, store) -> None:
    """kSecUseSystemKeychainAlways targets the macOS system keychain, which keychainsim does not model: the
    call is refused with exit 3 naming the key, not answered from the app's own keychain."""
    assert cli("--platform", "macos", "add", *GENP, "-a", "kSecValueData=utf8:pw").exit_code == 0
    result = cli("--platform", "macos", "find", *GENP, "-a", "kSecUseSystemKeychainAlways=true")
    assert result.exit_code == 3
    assert "kSecUseSystemKeychainAlways" in result.output and "not modelled" in result.output


@pytest.mark.apple_source
@pytest.mark.parametrize("flag", ["kSecAttrSharingGroup=group.example", "kSecUseSystemKeychainAlways=true"])
def test_a_data_protection_only_flag_beside_a_false_data_protection_flag_is_errsecparam(cli, store, flag) -> None:
    """OSX/libsecurity_keychain/lib/SecItem.cpp SecItemCategorizeQuery: kSecAttrSharingGroup, and a true
    kSecUseSystemKeychainAlways, need the data protection keychain; with kSecUseDataProtectionKeychain false
    the call is errSecParam (-50) before any keychain is searched (exit 1)."""
    args = ("--platform", "macos", "--json", "find", *GENP, "-a", flag, "-a", "kSecUseDataProtectionKeychain=false")
    result = cli(*args)
    assert result.exit_code == 1
    assert json.loads(result.output)["status"]["code"] == -50
