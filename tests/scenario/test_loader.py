"""Scenario files: malformed input is rejected with the file, the line and a hint; the schema ships."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from keychainsim.errors import ScenarioError
from keychainsim.scenario import load_scenario, parse_scenario

HEAD = "scenario: t\nsteps:\n"


def error_of(text: str) -> ScenarioError:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text, "t.yaml")
    return caught.value


@pytest.mark.model
@pytest.mark.parametrize(
    ("body", "line", "words", "hint"),
    [
        ("  - call: SecItemAdd\n    attributes: {kSecClass: kSecClassGenericPasword}\n", 4,
         "unknown constant 'kSecClassGenericPasword'", "kSecClassGenericPassword"),
        ("  - call: SecItemAdd\n    attributes:\n      kSecAtrLabel: x\n", 5, "unknown attribute key", "kSecAttrLabel"),
        ("  - call: SecItemAdd\n    attribute: {kSecClass: kSecClassKey}\n", 4, "unknown key 'attribute'", "attributes"),
        ("  - call: SecItemAd\n", 3, "'SecItemAd' is not allowed", "SecItemAdd"),
        ("  - call: SecItemAdd\n    attributes: {kSecClass: kSecClassKey}\n    query: {kSecClass: x}\n", 5,
         "'query' is not an argument of SecItemAdd", "SecItemAdd takes: attributes"),
        ("  - call: SecItemAdd\n    attributes: {kSecAttrLabel: hex:zz}\n", 4, "not hexadecimal", "two hex digits"),
        ("  - call: create_csr\n    key: $nokey\n    subject: {CN: a}\n", 4, "$nokey is not a saved result", "save_as"),
        ("  - call: SecItemCopyMatching\n    query: {kSecClass: kSecClassKey}\n    expect: {status: errSecItemNotFund}\n",
         5, "unknown status", "errSecItemNotFound"),
        ("  - call: SecItemCopyMatching\n    query: {kSecClass: kSecClassKey}\n    expect:\n      findings: [class.emty]\n",
         6, "unknown finding code", "class.empty"),
        ("  - call: SecItemAdd\n    attributes: {kSecClass: kSecClassKey}\n    app: widget\n", 5, "unknown app", "apps"),
        ("  - call: SecItemAdd\n    attributes: {kSecClass: [\n", 5, "not valid YAML", "indentation"),
        ("  - call: SecItemAdd\n    attributes: {kSecAttrLabel: a, kSecAttrLabel: b}\n", 4, "appears twice", "first"),
        ("  - call: SecItemAdd\n    attributes: {v_Data: file:no-such-file.bin}\n", 4, "cannot be read", "looked for"),
    ],
)
def test_malformed_scenarios_name_file_line_and_hint(body: str, line: int, words: str, hint: str) -> None:
    error = error_of(HEAD + body)
    assert error.path == "t.yaml"
    assert error.line == line, str(error)
    assert words in error.problem, str(error)
    assert hint in error.hint, str(error)
    assert str(error).startswith(f"t.yaml:{line}: ")


@pytest.mark.model
def test_unknown_top_level_key_and_missing_steps() -> None:
    assert "unknown key 'step'" in error_of("scenario: t\nstep: []\n").problem
    assert "'steps' is a required property" in error_of("scenario: t\n").problem
    assert error_of("").problem == "the file is empty"


@pytest.mark.model
def test_missing_file_is_a_scenario_error(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="no such file"):
        load_scenario(tmp_path / "missing.yaml")


@pytest.mark.model
def test_shipped_schema_is_the_generated_one_and_validates_every_fixture() -> None:
    import jsonschema
    import yaml

    from keychainsim.scenario.spec import SCHEMA_PATH, build_schema

    assert json.loads(SCHEMA_PATH.read_text()) == build_schema(), "run python -m keychainsim.scenario.spec"
    validator = jsonschema.Draft202012Validator(build_schema())
    fixtures = Path(__file__).resolve().parents[2] / "fixtures" / "scenarios"
    for path in fixtures.rglob("*.yaml"):
        errors = list(validator.iter_errors(yaml.safe_load(path.read_text())))
        assert not errors, (path, errors[0].message)


@pytest.mark.model
def test_schema_ships_in_the_wheel_listing() -> None:
    from importlib.resources import files

    assert files("keychainsim.scenario").joinpath("schema.json").is_file()


@pytest.mark.model
def test_runtime_errors_name_the_step(tmp_path: Path) -> None:
    from keychainsim.scenario import run_scenario

    path = tmp_path / "s.yaml"
    path.write_text(HEAD + "  - {call: SecItemCopyMatching, query: {kSecClass: kSecClassKey}, save_as: none_}\n"
                    "  - {call: create_csr, key: $none_, subject: {CN: x}}\n")
    with pytest.raises(ScenarioError, match="key must be a SecKey, got none") as caught:
        run_scenario(path)
    assert caught.value.line == 4
