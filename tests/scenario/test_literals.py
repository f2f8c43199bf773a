"""Typed literals and constant names, shared by scenario files, --attr and query files."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from keychainsim.scenario.literals import LiteralError, parse_assignment, status_value, typed_literal, value


@pytest.mark.model
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("utf8:tag", b"tag"),
        ("utf16:ab", "ab".encode("utf-16-le")),
        ("hex:0a 1b:2c", b"\x0a\x1b\x2c"),
        ("base64:AAE=", b"\x00\x01"),
        ("int:0x100", 256),
        ("bool:yes", True),
        ("date:2025-06-01T12:00:00Z", datetime(2025, 6, 1, 12, tzinfo=UTC)),
        ("str:kSecClass", "kSecClass"),
        ("kSecClassGenericPassword", "genp"),
        ("kSecMatchLimitAll", "m_LimitAll"),
        ("plain text", "plain text"),
    ],
)
def test_typed_literals(text: str, expected: object) -> None:
    assert typed_literal(text) == expected


@pytest.mark.model
def test_constant_lookalikes_are_errors_with_suggestions() -> None:
    with pytest.raises(LiteralError) as caught:
        typed_literal("kSecAttrLable")
    assert "kSecAttrLabel" in caught.value.hint


@pytest.mark.model
def test_statuses_by_name_or_number() -> None:
    assert status_value("errSecItemNotFound") == -25300
    assert status_value(-25300) == status_value("-25300") == -25300
    with pytest.raises(LiteralError):
        status_value("errSecNope")


@pytest.mark.model
def test_assignments_and_nested_dictionaries() -> None:
    assert parse_assignment("kSecReturnRef=true") == ("r_Ref", True)
    assert parse_assignment("kSecAttrLabel=a=b") == ("labl", "a=b")
    assert parse_assignment("labl=null") == ("labl", None)
    nested = value({"kSecPrivateKeyAttrs": {"kSecAttrIsPermanent": True, "kSecAttrApplicationTag": "utf8:t"}})
    assert nested == {"private": {"perm": True, "atag": b"t"}}
    with pytest.raises(LiteralError, match="not NAME=VALUE"):
        parse_assignment("kSecAttrLabel")
