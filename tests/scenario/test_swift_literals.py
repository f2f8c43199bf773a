"""Swift dictionary literals pasted from code: what each form means, and where malformed text is refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keychainsim.model.access_control import SecAccessControl
from keychainsim.scenario.literals import LiteralError, typed_literal
from keychainsim.scenario.swift_literals import (
    SwiftLiteralError,
    looks_like_swift,
    parse_dictionary,
    parse_expression,
    tokenize,
)

THREAD_QUERY = """
let query: [String: Any] = [
    kSecClass as String: kSecClassIdentity,
    kSecAttrLabel as String: "client",
    kSecReturnRef as String: true,
    kSecMatchLimit as String: kSecMatchLimitOne,
]
"""

KEY_PARAMETERS = """
let attributes: [String: Any] = [
    kSecAttrKeyType as String: kSecAttrKeyTypeECSECPrimeRandom,   // P-256
    kSecAttrKeySizeInBits as String: 256,
    kSecPrivateKeyAttrs as String: [
        kSecAttrIsPermanent as String: kCFBooleanTrue!,
        kSecAttrApplicationTag as String: "com.example.key".data(using: .utf8)!,
        kSecAttrAccessControl as String: SecAccessControlCreateWithFlags(
            kCFAllocatorDefault, kSecAttrAccessibleWhenUnlockedThisDeviceOnly, [.privateKeyUsage, .biometryAny], nil)!,
    ] as CFDictionary,
    /* a nested /* comment */ is skipped */
]
"""


@pytest.mark.model
def test_the_forum_threads_identity_query() -> None:
    assert parse_dictionary(THREAD_QUERY) == {"class": "idnt", "labl": "client", "r_Ref": True, "m_Limit": "m_LimitOne"}


@pytest.mark.model
def test_nested_private_key_attributes_keep_their_types() -> None:
    parsed = parse_dictionary(KEY_PARAMETERS)
    assert parsed["type"] == "73" and parsed["bsiz"] == 256 and type(parsed["bsiz"]) is int
    private = parsed["private"]
    assert private["perm"] is True
    assert private["atag"] == b"com.example.key"  # data, not the string: a string tag is a different value
    assert private["accc"] == SecAccessControl("aku", (1 << 30) | (1 << 1))


@pytest.mark.model
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('"tag"', "tag"),
        ('"tag".data(using: .utf8)!', b"tag"),
        ('"tag".data(using: String.Encoding.utf8)!', b"tag"),
        ('"tag".data(using: .utf8)', b"tag"),  # Optional(Data) bridges as the data
        ('Data("tag".utf8)', b"tag"),
        ("Data([0x01, 0xff, 2])", b"\x01\xff\x02"),
        ('Data(base64Encoded: "AAE=")!', b"\x00\x01"),
        ("Data()", b""),
        ("256", 256),
        ("-1", -1),
        ("0x100", 256),
        ("1_000", 1000),
        ("1.5", 1.5),
        ("2.5e2", 250.0),
        ("NSNumber(value: 443)", 443),
        ("NSNumber(value: true)", True),
        ("Int32(7)", 7),
        ("Double(2)", 2.0),
        ("true", True),
        ("kCFBooleanFalse", False),
        ("true as NSNumber", True),
        ("NSNull()", None),
        ("kCFNull", None),
        ("kSecAttrAccessibleAfterFirstUnlock", "ck"),
        ("kSecClass as String", "class"),
        ("String(kSecClass)", "class"),
        ("Security.kSecClassKey", "keys"),
        ('"a\\tb\\u{1F600}\\""', 'a\tb\U0001f600"'),
        ("Date(timeIntervalSince1970: 0)", datetime(1970, 1, 1, tzinfo=UTC)),
        ("Date(timeIntervalSinceReferenceDate: 60)", datetime(2001, 1, 1, 0, 1, tzinfo=UTC)),
        ("[1, 2,]", [1, 2]),
        ("[:]", {}),
        ("(kSecAttrLabel as String)", "labl"),
    ],
)
def test_each_form_has_its_swift_value(text: str, expected: object) -> None:
    value = parse_expression(text)
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.inferred
def test_foundation_utf16_writes_a_byte_order_mark_in_little_endian() -> None:
    """NSString's dataUsingEncoding:NSUTF16StringEncoding prefixes a BOM in host order (little-endian on
    every Apple device); the explicit-endian encodings write none. A classic tag mismatch (catalog C43)."""
    assert parse_expression('"ab".data(using: .utf16)!') == b"\xff\xfea\x00b\x00"
    assert parse_expression('"ab".data(using: .utf16BigEndian)!') == b"\x00a\x00b"
    assert parse_expression('"é".data(using: .utf8)!') == "é".encode()


@pytest.mark.model
def test_a_string_key_is_the_raw_key_and_a_quoted_constant_name_is_refused() -> None:
    assert parse_dictionary('["labl": "x", "class": "genp"]') == {"labl": "x", "class": "genp"}
    with pytest.raises(SwiftLiteralError) as caught:
        parse_dictionary('["kSecAttrLabel": "x"]')
    assert "without quotes" in caught.value.hint


@pytest.mark.model
def test_a_swift_string_value_is_never_read_as_a_constant() -> None:
    """In a YAML scenario the bare text kSecClassKey names the constant; in Swift the quoted text is text."""
    assert parse_dictionary('[kSecAttrLabel as String: "kSecClassKey"]') == {"labl": "kSecClassKey"}


@pytest.mark.model
def test_variables_are_resolved_by_the_caller_or_refused() -> None:
    marker = object()
    parsed = parse_dictionary("[kSecValueRef as String: certificate]", {"certificate": marker}.__getitem__)
    assert parsed["v_Ref"] is marker
    with pytest.raises(SwiftLiteralError) as caught:
        parse_dictionary("[kSecValueRef as String: certificate]")
    assert "variable" in str(caught.value) and caught.value.column == 26


@pytest.mark.model
@pytest.mark.parametrize(
    ("text", "line", "column", "words"),
    [
        ("[kSecClass as String kSecClassIdentity]", 1, 22, "expected ':'"),
        ('[kSecClass: kSecClassKey,\n kSecAttrLable: "x"]', 2, 2, "unknown constant kSecAttrLable"),
        ('[kSecAttrLabel: "abc]', 1, 17, "unterminated string"),
        ('[kSecAttrLabel: "a",\n kSecAttrLabel: "b"]', 2, 2, "duplicate key kSecAttrLabel (first at line 1)"),
        ('[kSecAttrLabel: "a" as CFData]', 1, 21, "cannot be cast to CFData"),
        ("[kSecAttrLabel: nil]", 1, 17, "nil cannot be a dictionary value"),
        ('[kSecAttrLabel: "\\(name)"]', 1, 18, "interpolation"),
        ("[kSecAttrLabel: 1", 1, 18, "expected ']'"),
        ("", 1, 1, "ends where a value was expected"),
        ('["a", "b"]', 1, 1, "expected a dictionary literal"),
        ('[kSecAttrLabel: "x".data(using: .utf9)!]', 1, 33, ".utf9"),
        ("[kSecAttrLabel: foo(1)]", 1, 17, "cannot evaluate the call foo"),
        ("[kSecAttrLabel: 1 2]", 1, 19, "expected ']'"),
        ('[kSecAttrLabel: "é".data(using: .ascii)!]', 1, 40, "unwraps nil"),
        ("[kSecAttrLabel: @]", 1, 17, "unexpected character '@'"),
        ("[kSecAttrLabel: 12ab]", 1, 17, "not a number"),
        ("[kSecAttrLabel: Data([256])]", 1, 22, "0 to 255"),
        ("[kSecAttrLabel: Date()]", 1, 17, "fixed value"),
        ("[kSecAttrLabel: 1] extra", 1, 20, "after the end"),
        ("[kSecAttrLabel: x?.y]", 1, 18, "optional chaining"),
        ('[kSecAttrLabel: """\nx\n"""]', 1, 17, "multi-line"),
        ("/* open [kSecAttrLabel: 1]", 1, 1, "unterminated /*"),
        ('[kSecAttrLabel: "x" as Strin]', 1, 21, "unknown type Strin"),
        ('[kSecAttrLabel: "x".utf8]', 1, 21, ".utf8 view is not data"),
        ("[1: 2]", 1, 2, "must be a constant"),
        ('[kSecAttrLabel: "\\q"]', 1, 18, "unknown escape"),
        ("[kSecAttrLabel: &error]", 1, 17, "out-parameter"),
        ('[kSecAttrLabel: -"x"]', 1, 17, "numbers only"),
    ],
)
def test_malformed_text_is_refused_at_its_line_and_column(text: str, line: int, column: int, words: str) -> None:
    with pytest.raises(SwiftLiteralError) as caught:
        parse_dictionary(text)
    error = caught.value
    assert words in str(error)
    assert (error.line, error.column) == (line, column)
    caret_line = error.snippet.splitlines()[1]
    assert caret_line.index("^") - 4 == column - 1


@pytest.mark.model
def test_the_snippet_shows_the_offending_line_with_a_caret() -> None:
    with pytest.raises(SwiftLiteralError) as caught:
        parse_dictionary('[\n  kSecClass as String: kSecClassKey\n  kSecAttrLabel as String: "x"]')
    assert caught.value.line == 3
    assert caught.value.snippet == '      kSecAttrLabel as String: "x"]\n      ^'
    assert caught.value.near == "kSecAttrLabel as String:..."


@pytest.mark.model
def test_the_swift_prefix_reads_one_expression_as_a_typed_literal() -> None:
    assert typed_literal('swift:"tag".data(using: .utf8)!') == b"tag"
    with pytest.raises(LiteralError):
        typed_literal("swift:tag")


@pytest.mark.model
def test_what_looks_like_swift() -> None:
    assert looks_like_swift("  // the query\n[kSecClass: kSecClassKey]")
    assert looks_like_swift("let q = [:]")
    assert not looks_like_swift('{"kSecClass": "kSecClassKey"}')
    assert not looks_like_swift("kSecClass: kSecClassKey\n")


@pytest.mark.model
def test_tokens_carry_their_offsets() -> None:
    tokens = tokenize('[a: "b"] // c')
    assert [(t.kind, t.offset) for t in tokens] == [
        ("punct", 0),
        ("ident", 1),
        ("punct", 2),
        ("string", 4),
        ("punct", 7),
        ("end", 13),
    ]


_ALPHABET = st.sampled_from(
    [
        "[",
        "]",
        "(",
        ")",
        ":",
        ",",
        ".",
        "!",
        "?",
        '"',
        "\\",
        "kSecClass",
        "kSecAttrLabel",
        " as ",
        "String",
        "Data",
        '"x"',
        "1",
        "0x",
        "-",
        "/*",
        "*/",
        "//",
        "\n",
        "true",
        "nil",
        "&",
        "utf8",
        "let",
        "=",
        "$",
        "`",
    ]
)


@pytest.mark.model
@settings(max_examples=400, deadline=None)
@given(st.lists(_ALPHABET, max_size=25).map("".join))
def test_any_text_parses_or_is_refused_with_a_position(text: str) -> None:
    """No text makes the reader raise anything but SwiftLiteralError, and every error points inside it."""
    try:
        parse_dictionary(text)
    except SwiftLiteralError as error:
        assert 1 <= error.line <= text.count("\n") + 1
        assert 1 <= error.column <= len(error.source_line) + 1


# -- in scenario files ----------------------------------------------------------------------------------

_SCENARIO = """scenario: swift literals
steps:
  - call: SecItemAdd
    attributes: |
      [kSecClass as String: kSecClassGenericPassword,
       kSecAttrAccount as String: "alice",
       kSecValueData as String: Data("pw".utf8)]
  - call: SecItemCopyMatching
    query: '[kSecClass as String: kSecClassGenericPassword, kSecReturnData as String: true]'
    save_as: found
    expect: {status: errSecSuccess, result: data}
  - call: SecItemAdd
    attributes: |
      [kSecClass as String: kSecClassGenericPassword,
       kSecAttrAccount as String: "copy",
       kSecValueData as String: found]
    expect: {status: errSecSuccess}
"""


@pytest.mark.model
def test_a_scenario_step_may_hold_swift_and_its_variables_are_saved_results() -> None:
    from keychainsim.scenario import parse_scenario
    from keychainsim.scenario.runner import run_scenario

    result = run_scenario(parse_scenario(_SCENARIO, "s.yaml"))
    assert result.passed, result.failures
    kc = result.keychain
    status, data = kc.SecItemCopyMatching({"class": "genp", "acct": "copy", "r_Data": True})
    assert (status, data) == (0, b"pw")


@pytest.mark.model
@pytest.mark.parametrize(
    ("old", "new", "line", "words"),
    [
        ('kSecAttrAccount as String: "alice",', 'kSecAttrAccount as String "alice",', 6, "expected ':'"),
        ("kSecReturnData as String: true]", "kSecReturnData as String: tru]", 9, "tru is not a constant or a saved"),
        ("kSecValueData as String: found]", "kSecValueData as String: fonud]", 16, "did you mean found"),
    ],
)
def test_a_broken_literal_in_a_scenario_names_the_files_line(old: str, new: str, line: int, words: str) -> None:
    from keychainsim.errors import ScenarioError
    from keychainsim.scenario import parse_scenario

    with pytest.raises(ScenarioError) as caught:
        parse_scenario(_SCENARIO.replace(old, new), "s.yaml")
    assert caught.value.line == line
    assert words in str(caught.value)
    assert "of the Swift literal" in str(caught.value)


@pytest.mark.model
@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[" * 500 + "]" * 500, "nested more than 64 levels deep"),
        ("[kSecAttrLabel: " + "(" * 500 + "1" + ")" * 500 + "]", "nested more than 64 levels deep"),
        ("[kSecAttrLabel: " + "-" * 500 + "1]", "'--' is not a Swift prefix operator"),
        ("[kSecAttrLabel: x" + "!" * 500 + "]", "more than 64 member accesses"),
        ('[kSecAttrLabel: "x"' + " as String" * 500 + "]", "more than 64 casts"),
    ],
)
def test_hostile_nesting_is_refused_rather_than_exhausting_the_stack(text: str, words: str) -> None:
    with pytest.raises(SwiftLiteralError, match=words):
        parse_dictionary(text)


@pytest.mark.model
def test_a_long_line_is_shown_as_a_window_around_the_column() -> None:
    text = "[kSecAttrLabel: " + '"a", ' * 100 + "kSecAttrAccount: @]"
    with pytest.raises(SwiftLiteralError) as caught:
        parse_dictionary(text)
    shown, caret = caught.value.snippet.splitlines()
    assert len(shown) < 120 and shown.startswith("    ...")
    assert shown[caret.index("^")] == "@"
