"""The Swift package's kSec* constants and errSec* statuses are generated from keychainsim's own tables, so the
Swift and Python vocabularies cannot drift apart."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

import keychainsim.constants as constants

SCRIPT = Path(__file__).resolve().parents[2] / "swift" / "Scripts" / "generate_constants.py"


def _generator():
    spec = importlib.util.spec_from_file_location("generate_constants", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.model
def test_generated_swift_sources_are_up_to_date() -> None:
    assert _generator().main(["--check"]) == 0, "run: python swift/Scripts/generate_constants.py"


@pytest.mark.model
def test_swift_constants_carry_the_raw_values_and_leave_out_private_names() -> None:
    generator = _generator()
    text = generator.CONSTANTS.read_text(encoding="utf-8")
    declared = dict(re.findall(r'let (kSec\w+): CFString = "([^"]*)"', text))
    assert declared["kSecClass"] == constants.kSecClass == "class"
    assert declared["kSecAttrApplicationLabel"] == "klbl"
    assert declared["kSecMatchLimitOne"] == constants.kSecMatchLimitOne
    assert declared["kSecImportItemIdentity"] == "identity"
    assert "kSecAttrNoLegacy" not in declared  # SecItemPriv.h: SPI, absent from Apple's SDK
    assert "kSecUseSystemKeychainAlwaysDarwinOSOnlyUnavailableOnMacOS" not in declared
    assert "static let ecdsaSignatureMessageX962SHA256 = " in text
    assert "static let rsaSignatureMessagePSSSHA256 = " in text
    statuses = generator.STATUSES.read_text(encoding="utf-8")
    assert "public let errSecItemNotFound: OSStatus = -25300\n" in statuses
    assert "errSecItemInvalidKey" not in statuses  # an SPI alias of -50
