"""Scenario and query files are shared between people: reading one must not read the machine.

- ``file:`` literals read only files inside the file's own directory (symlinks resolved) unless
  ``--allow-file-outside`` / ``allow_file_outside=True``; ``--attr`` values are the user's own words;
- YAML alias expansion is bounded (counted before anything is built), nesting too;
- tags other than YAML's standard ones are refused, not dropped;
- a control character or any other reader or parser error is exit 5 with the line, never 70.

Each rule is checked through the Python API and through the command line (in process and, for the
bombs, as a real process).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from keychainsim.errors import ScenarioError
from keychainsim.scenario import load_scenario, parse_scenario, run_scenario

SCRIPT = shutil.which("keychainsim", path=str(Path(sys.executable).parent)) or "keychainsim"
SECRET = b"outside the scenario's directory"

ADD_AND_FIND = """scenario: reads a file
steps:
  - call: SecItemAdd
    attributes: {{kSecClass: kSecClassGenericPassword, kSecAttrAccount: a, kSecAttrGeneric: "file:{path}"}}
  - call: SecItemCopyMatching
    query: {{kSecClass: kSecClassGenericPassword, kSecAttrGeneric: "hex:{hex}"}}
    expect: {{status: errSecSuccess}}
"""

BOMB = """scenario: billion laughs
steps:
  - call: SecItemAdd
    attributes:
      kSecClass: kSecClassGenericPassword
      kSecAttrLabel: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]
      kSecAttrComment: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
      kSecAttrDescription: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
      kSecAttrGeneric: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
      kSecAttrAccount: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
      kSecAttrService: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]
      kSecAttrCreator: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]
      kSecAttrType: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]
      kSecAttrPath: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h]
      kSecAttrAlias: [*i, *i, *i, *i, *i, *i, *i, *i, *i, *i]
"""
"""10^10 values once expanded: built, it would take hours and far more memory than the machine has."""

QUERY_BOMB = """kSecClass: kSecClassGenericPassword
kSecAttrLabel: &a [x, x, x, x, x, x, x, x, x, x]
kSecAttrComment: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
kSecAttrService: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
kSecAttrAccount: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
kSecAttrPath: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
kSecAttrGeneric: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]
kSecAttrAlias: [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]
"""


@pytest.fixture
def layout(tmp_path: Path) -> dict[str, Path]:
    """scenarios/ holds the scenario and one file beside it; secret.bin sits outside, two levels up."""
    scenarios = tmp_path / "shared" / "scenarios"
    scenarios.mkdir(parents=True)
    (scenarios / "inside.bin").write_bytes(b"inside")
    secret = tmp_path / "secret.bin"
    secret.write_bytes(SECRET)
    return {"dir": scenarios, "secret": secret}


def scenario_reading(layout: dict[str, Path], written: str, data: bytes) -> Path:
    path = layout["dir"] / "reads.yaml"
    path.write_text(ADD_AND_FIND.format(path=written, hex=data.hex()))
    return path


def outside_paths(layout: dict[str, Path]) -> list[str]:
    link = layout["dir"] / "link.bin"
    link.symlink_to(layout["secret"])
    return [str(layout["secret"]), "../../secret.bin", "link.bin", "~/../../" + str(layout["secret"]).lstrip("/")]


# -- file: ------------------------------------------------------------------------------------------


@pytest.mark.model
def test_a_file_beside_the_scenario_is_read(layout, cli):
    path = scenario_reading(layout, "inside.bin", b"inside")
    assert run_scenario(path).passed
    result = cli("run", str(path))
    assert result.exit_code == 0, result.output


@pytest.mark.model
def test_file_outside_the_scenario_directory_is_refused_with_the_line(layout, cli):
    for written in outside_paths(layout):
        path = scenario_reading(layout, written, SECRET)
        with pytest.raises(ScenarioError) as caught:
            load_scenario(path)
        assert caught.value.line == 4, written
        assert "is outside" in caught.value.problem and "--allow-file-outside" in caught.value.hint
        result = cli("run", str(path))
        assert result.exit_code == 5, (written, result.output)
        assert f"{path}:4: step 1: " in result.output and "is outside" in result.output
        assert SECRET.hex() not in result.output


@pytest.mark.model
def test_file_etc_passwd_is_refused():
    with pytest.raises(ScenarioError, match="is outside"):
        parse_scenario(
            "scenario: x\nsteps:\n  - {call: SecItemAdd, attributes: {kSecClass: kSecClassGenericPassword,"
            " kSecValueData: 'file:/etc/passwd'}}\n",
            "/tmp/nowhere/x.yaml",
        )


@pytest.mark.model
def test_allow_file_outside_reads_it_from_python_and_the_command_line(layout, cli):
    for written in outside_paths(layout):
        path = scenario_reading(layout, written, SECRET)
        assert load_scenario(path, allow_file_outside=True).allow_file_outside
        assert run_scenario(path, allow_file_outside=True).passed, written
        assert cli("run", "--allow-file-outside", str(path)).exit_code == 0, written
        assert cli("--allow-file-outside", "run", str(path)).exit_code == 0, written


@pytest.mark.model
def test_a_query_file_reads_only_beside_itself(layout, cli):
    query = layout["dir"] / "query.yaml"
    query.write_text(
        "kSecClass: kSecClassGenericPassword\nkSecAttrAccount: a\nkSecAttrGeneric: file:../../secret.bin\n"
    )
    result = cli("add", "--file", str(query))
    assert result.exit_code == 5 and "is outside" in result.output, result.output
    assert cli("--allow-file-outside", "add", "--file", str(query)).exit_code == 0
    found = cli("find", "-a", "kSecClass=kSecClassGenericPassword", "-a", f"kSecAttrGeneric=hex:{SECRET.hex()}")
    assert found.exit_code == 0, found.output


@pytest.mark.model
def test_attr_values_on_the_command_line_are_the_users_own_words(layout, cli):
    """``--attr`` is typed by the user, not read from a shared file: its file: reads where it says."""
    result = cli("add", "-a", "kSecClass=kSecClassGenericPassword", "-a", f"kSecAttrGeneric=file:{layout['secret']}")
    assert result.exit_code == 0, result.output
    assert (
        cli("find", "-a", "kSecClass=kSecClassGenericPassword", "-a", f"kSecAttrGeneric=hex:{SECRET.hex()}").exit_code
        == 0
    )


# -- alias bombs and nesting ------------------------------------------------------------------------


@pytest.mark.model
def test_an_alias_bomb_is_refused_before_it_is_built():
    """Refused with the limit named (a build would exhaust memory long before any timeout)."""
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(BOMB, "bomb.yaml")
    assert "expands to more than 20,000 values" in caught.value.problem
    assert caught.value.line == 10  # &e: the innermost anchor too big by itself


@pytest.mark.model
def test_an_alias_bomb_exits_5_as_a_real_process_for_scenarios_and_query_files(tmp_path):
    scenario = tmp_path / "bomb.yaml"
    scenario.write_text(BOMB)
    query = tmp_path / "query.yaml"
    query.write_text(QUERY_BOMB)
    env = {**os.environ, "KEYCHAINSIM_STORE": str(tmp_path / "store.json")}
    for args in (["run", str(scenario)], ["find", "--file", str(query)], ["add", "--file", "-"]):
        stdin = QUERY_BOMB if args[-1] == "-" else None
        done = subprocess.run([SCRIPT, *args], input=stdin, capture_output=True, text=True, env=env, timeout=120)
        assert done.returncode == 5, (args, done.stderr)
        assert "expands to more than 20,000 values" in done.stderr
        assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1


@pytest.mark.model
def test_a_few_aliases_are_still_fine():
    text = "scenario: x\ngroups: &g [A1B2C3D4E5.com.example.app]\naccess_groups: *g\nsteps:\n  - call: lock\n"
    with pytest.raises(ScenarioError, match="unknown key 'groups'"):
        parse_scenario(text, "x.yaml")  # the alias itself is accepted; the schema judges the key
    scenario = parse_scenario("scenario: x\naccess_groups: &g [A1B2C3D4E5.com.example.app]\nsteps:\n  - call: lock\n")
    assert scenario.get("access_groups") == ["A1B2C3D4E5.com.example.app"]


@pytest.mark.model
@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("deep.yaml", "scenario: x\nsteps: " + "[" * 5000 + "]" * 5000 + "\n"),
        ("deep.json", "[" * 100_000 + "]" * 100_000),
        ("deep.swift", "[kSecClass: " + "[" * 5000 + "]" * 5000 + "]"),
        ("cast.swift", '[kSecClass: "genp"' + " as String" * 5000 + "]"),
    ],
)
def test_deep_nesting_is_malformed_input_not_a_crash(tmp_path, cli, name, text):
    path = tmp_path / name
    path.write_text(text)
    result = cli("run", str(path)) if name == "deep.yaml" else cli("find", "--file", str(path))
    assert result.exit_code == 5, result.output
    assert ("nested" in result.output or "more than 64" in result.output) and "Traceback" not in result.output
    assert len(result.output) < 2000


# -- tags -------------------------------------------------------------------------------------------


@pytest.mark.model
@pytest.mark.parametrize(
    "value",
    [
        "!custom {kSecClass: kSecClassKey}",
        "!!python/object/apply:os.system [echo]",
        "!!set {a, b}",
        "!!omap [a: 1]",
        "!<tag:example.com,2000:x> y",
        "!local text",
    ],
)
def test_tags_other_than_the_standard_ones_are_refused(cli, tmp_path, value):
    text = f"scenario: x\nsteps:\n  - call: SecItemAdd\n    attributes: {value}\n"
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text, "t.yaml")
    assert caught.value.line == 4 and "is not allowed" in caught.value.problem
    path = tmp_path / "tagged.yaml"
    path.write_text(text)
    result = cli("run", str(path))
    assert result.exit_code == 5 and f"{path}:4: the tag" in result.output, result.output
    query = tmp_path / "tagged-query.yaml"
    query.write_text(f"kSecClass: kSecClassGenericPassword\nkSecAttrLabel: {value}\n")
    result = cli("find", "--file", str(query))
    assert result.exit_code == 5 and f"{query}:2:" in result.output and "the tag" in result.output


@pytest.mark.model
def test_standard_tags_keep_their_meaning():
    scenario = parse_scenario(
        "scenario: x\nsteps:\n  - call: SecItemAdd\n    attributes: {kSecClass: kSecClassGenericPassword,"
        " kSecAttrLabel: !!str 12, kSecAttrGeneric: !!binary aGk=}\n"
    )
    attributes = scenario.steps[0].raw["attributes"]
    assert attributes["kSecAttrLabel"] == "12" and attributes["kSecAttrGeneric"] == b"hi"


@pytest.mark.model
@pytest.mark.parametrize("value", ["!!int abc", "!!float x", "!!timestamp yesterday", "!!binary 'a'", "1" * 5000])
def test_a_value_its_tag_cannot_hold_is_malformed_input(value):
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(f"scenario: x\nsteps:\n  - call: SecItemAdd\n    attributes: {{kSecAttrPort: {value}}}\n")
    assert caught.value.line == 4


# -- reader errors ----------------------------------------------------------------------------------


@pytest.mark.model
@pytest.mark.parametrize("character", ["\x07", "\x00", "\x1b", "\ufffe"])
def test_a_control_character_is_exit_5_with_its_line(tmp_path, cli, character):
    text = f"scenario: x\nsteps:\n  - call: lock\n    name: a{character}b\n"
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text, "c.yaml")
    assert caught.value.line == 4 and f"U+{ord(character):04X}" in caught.value.problem
    path = tmp_path / "control.yaml"
    path.write_text(text)
    result = cli("run", str(path))
    assert result.exit_code == 5 and f"{path}:4: not valid YAML: character U+{ord(character):04X}" in result.output
    query = tmp_path / "control-query.yaml"
    query.write_text(f"kSecClass: kSecClassGenericPassword\nkSecAttrLabel: a{character}b\n")
    result = cli("find", "--file", str(query))
    assert result.exit_code == 5 and f"{query}:2:" in result.output, result.output


@pytest.mark.model
def test_a_control_character_exits_5_as_a_real_process(tmp_path):
    path = tmp_path / "control.yaml"
    path.write_text("scenario: x\nsteps:\n  - call: lock\n    name: a\x07b\n")
    env = {**os.environ, "KEYCHAINSIM_STORE": str(tmp_path / "store.json")}
    done = subprocess.run([SCRIPT, "run", str(path)], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 5 and f"{path}:4:" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.model
def test_a_template_file_with_aliases_is_refused(tmp_path):
    """An enrollment template's extra_fields would be expanded when the request body is written."""
    from keychainsim.enroll.template import Template
    from keychainsim.errors import InputError

    path = tmp_path / "template.yaml"
    path.write_text("request: json\nextra_fields:\n  a: &a [x, x, x, x, x, x, x, x, x, x]\n  b: [*a, *a, *a]\n")
    with pytest.raises(InputError, match="aliases"):
        Template.load(path)
    path.write_text("request: json\nextra_fields: {a: \x07}\n")
    with pytest.raises(InputError, match="not valid yaml"):
        Template.load(path)


# -- JSON documents: device dumps, recordings, a server's answer, the engine protocol ---------------


@pytest.mark.model
@pytest.mark.parametrize("command", [["dump", "--from"], ["explain", "--dump"], ["replay"]])
@pytest.mark.parametrize(
    "text", ["[" * 100_000 + "]" * 100_000, '{"version": ' + "1" * 5000 + "}"], ids=["deep", "digits"]
)
def test_json_nested_too_deeply_or_with_too_many_digits_is_malformed_input(cli, tmp_path, command, text):
    path = tmp_path / "document.json"
    path.write_text(text)
    result = cli(*command, str(path))
    assert result.exit_code == 5, result.output
    assert f"{path}" in result.output and "not JSON keychainsim can read" in result.output
    assert "internal error" not in result.output


@pytest.mark.model
def test_a_registration_answer_nested_too_deeply_is_an_unparsable_response():
    from keychainsim.enroll.response import ResponseError, read_certificates
    from keychainsim.enroll.template import Template

    with pytest.raises(ResponseError) as caught:
        read_certificates(Template(response="json"), "application/json", b"[" * 100_000 + b"]" * 100_000)
    assert caught.value.code == "enroll.unparsable_response"


@pytest.mark.model
def test_an_engine_request_nested_too_deeply_gets_a_bad_json_reply():
    from keychainsim.server.session import Session
    from keychainsim.server.stdio import reply_for

    reply = reply_for(Session(), b"[" * 100_000 + b"]" * 100_000)
    assert reply["error"]["code"] == "bad_json"


@pytest.mark.model
def test_an_enrollment_template_file_is_read_from_the_scenario_directory_only(cli, layout):
    """`template:` naming a file obeys the same rule as file: literals (relative to the scenario, inside it)."""
    (layout["dir"] / "server.yaml").write_text("request: json\nresponse: json\n")
    step = (
        "scenario: t\nsteps:\n  - call: enroll\n    template: {}\n    expect: {{findings: [enroll.identity_formed]}}\n"
    )
    inside = layout["dir"] / "inside.yaml"
    inside.write_text(step.format("server.yaml"))
    result = cli("run", str(inside))
    assert result.exit_code == 0, result.output
    layout["secret"].write_text('{"request": "json", "response": "json"}')
    outside = layout["dir"] / "outside.yaml"
    outside.write_text(step.format("../../secret.bin"))
    result = cli("run", str(outside))
    assert result.exit_code == 5, result.output
    assert f"{outside}:4: step 1: template ../../secret.bin is outside" in result.output
    assert cli("run", "--allow-file-outside", str(outside)).exit_code == 0
