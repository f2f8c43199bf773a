"""Swift dictionary literals on the command line: --file (a .swift file, a pasted literal, stdin) and --attr."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ADD = """
// pasted from the app
let attributes: [String: Any] = [
    kSecClass as String: kSecClassGenericPassword,
    kSecAttrService as String: "api",
    kSecAttrAccount as String: "alice",
    kSecValueData as String: "secret".data(using: .utf8)!,
]
"""


@pytest.mark.model
def test_a_swift_file_adds_and_a_pasted_query_finds_the_item(cli, tmp_path: Path) -> None:
    source = tmp_path / "add.swift"
    source.write_text(ADD)
    assert cli("add", "-f", str(source)).exit_code == 0
    query = (
        '[kSecClass as String: kSecClassGenericPassword, kSecAttrAccount as String: "alice", '
        "kSecReturnData as String: kCFBooleanTrue as Any]"
    )
    found = cli("find", "-a", query, "--json")
    assert found.exit_code == 0
    assert json.loads(found.output)["result"] == {"hex": b"secret".hex()}
    # The same text on stdin: a document opening with [ is Swift, not a YAML flow sequence.
    piped = cli("find", "-f", "-", "--json", input=query)
    assert piped.exit_code == 0 and json.loads(piped.output)["result"] == {"hex": b"secret".hex()}


@pytest.mark.model
def test_text_attributes_match_by_their_bytes_however_written(cli) -> None:
    """The typed value reaches the engine, which matches text attributes by their bytes (api-contract)."""
    cli("add", "-a", '[kSecClass as String: kSecClassGenericPassword, kSecAttrAccount as String: Data("bob".utf8)]')
    by_text = cli("find", "-a", '[kSecClass as String: kSecClassGenericPassword, kSecAttrAccount as String: "bob"]')
    assert by_text.exit_code == 0  # text attributes match by their bytes (api-contract: "bob" == b"bob")
    assert (
        cli(
            "find", "-a", "kSecClass=kSecClassGenericPassword", "-a", 'kSecAttrAccount=swift:Data("bob".utf8)'
        ).exit_code
        == 0
    )


@pytest.mark.model
def test_a_swift_literal_merges_with_attr_entries_after_it(cli) -> None:
    cli("add", "-a", '[kSecClass as String: kSecClassGenericPassword, kSecAttrAccount as String: "a"]')
    result = cli("find", "-a", "[kSecClass as String: kSecClassGenericPassword]", "-a", "kSecAttrAccount=b")
    assert result.exit_code == 1 and "errSecItemNotFound" in result.output


@pytest.mark.model
def test_malformed_swift_exits_5_naming_file_line_column_and_the_text(cli, tmp_path: Path) -> None:
    source = tmp_path / "query.swift"
    source.write_text('[\n    kSecClass as String: kSecClassIdentity,\n    kSecAttrLabel as String "client",\n]\n')
    result = cli("find", "-f", str(source))
    assert result.exit_code == 5
    assert f"{source}:3:29: expected ':' between the key and its value, found '\"client\"'" in result.output
    assert '        kSecAttrLabel as String "client",\n' in result.output
    assert "\n" + " " * 32 + "^" in result.output


@pytest.mark.model
def test_a_variable_in_an_attr_literal_is_refused(cli) -> None:
    result = cli("find", "-a", "[kSecClass as String: kSecClassKey, kSecAttrApplicationTag as String: tag]")
    assert result.exit_code == 5
    assert ":1:71: tag is a variable" in result.output
