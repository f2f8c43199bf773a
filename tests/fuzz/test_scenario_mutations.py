"""Scenario files mutated from the shipped fixtures, run through ``keychainsim run``: the exit code is one
of the documented outcomes (0 passed, 1 an expectation failed, 3 not modelled, 5 malformed input) and the
output never holds a traceback or an internal error (70).

Mutations are structural (a value replaced by any YAML value or a hostile literal, a key dropped or added, a
step dropped or repeated) and textual (characters inserted, including control characters and YAML
indicators; a slice cut; a line repeated). The enrollment fixtures are left out: they start servers.
The example count follows the Hypothesis profile (``tests/conftest.py``, docs/testing.md).
"""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "scenarios"
CORPUS = sorted(p for p in FIXTURES.rglob("*.yaml") if "enrollment" not in p.parts)
CALLS = [
    "SecItemAdd",
    "SecItemCopyMatching",
    "SecItemUpdate",
    "SecItemDelete",
    "SecKeyCreateRandomKey",
    "SecCertificateCreateWithData",
    "SecPKCS12Import",
    "create_csr",
    "issue",
    "pem_to_der",
    "explain",
    "lock",
    "unlock",
    "restart",
    "SecItemAd",
]
HOSTILE = [
    "hex:zz",
    "file:/etc/passwd",
    "file:../../../etc/hostname",
    "file:.",
    "$nothing",
    "$key.nope",
    "swift:[",
    "swift:" + "[" * 400,
    "int:" + "9" * 5000,
    "date:bogus",
    "utf16:\ud800",
    "kSecClassKye",
    "errSecNope",
    "base64:%%",
    "bool:maybe",
    "str:",
    "&",
    "*a",
    "!!python/object:os.system",
    "\x07",
    "x" * 100_000,
]
EXAMPLES = max(20, settings.default.max_examples // 4)

yaml_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=10)
    | st.sampled_from(HOSTILE + CALLS),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=6,
)


def paths(document: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every (key or index) path inside ``document``."""
    out = [prefix]
    if isinstance(document, dict):
        for key, value in document.items():
            out.extend(paths(value, (*prefix, key)))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            out.extend(paths(value, (*prefix, index)))
    return out


def structural(draw: Any, text: str) -> str:
    document = yaml.safe_load(text)
    target = draw(st.sampled_from(paths(document)[1:]))
    parent = document
    for part in target[:-1]:
        parent = parent[part]
    last = target[-1]
    action = draw(st.sampled_from(["replace", "replace", "drop", "add", "repeat"]))
    if action == "replace":
        parent[last] = draw(yaml_values)
    elif action == "drop":
        del parent[last]
    elif action == "add" and isinstance(parent, dict):
        parent[draw(st.text(max_size=8) | st.sampled_from(["expect", "save_as", "app", "query", "kSecAttrLabel"]))] = (
            draw(yaml_values)
        )
    elif isinstance(parent, list):
        parent.insert(last, copy.deepcopy(parent[last]))
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False)


def textual(draw: Any, text: str) -> str:
    action = draw(st.sampled_from(["insert", "cut", "repeat_line"]))
    at = draw(st.integers(0, len(text)))
    if action == "insert":
        piece = draw(
            st.text(
                alphabet=st.sampled_from([*"\x00\x07\x1b\t\n :-[]{}&*!|>'\"#%@`,?", "é", "\ufffe"]),
                min_size=1,
                max_size=4,
            )
        )
        return text[:at] + piece + text[at:]
    if action == "cut":
        return text[:at] + text[at + draw(st.integers(1, 40)) :]
    lines = text.splitlines(keepends=True)
    index = draw(st.integers(0, len(lines) - 1))
    return "".join(lines[: index + 1] + lines[index:])


@st.composite
def mutants(draw: Any) -> tuple[Path, str]:
    source = draw(st.sampled_from(CORPUS))
    text = source.read_text(encoding="utf-8")
    mutate = draw(st.sampled_from([structural, structural, textual]))
    return source, mutate(draw, text)


@pytest.mark.model
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(mutant=mutants())
def test_a_mutated_scenario_exits_with_a_documented_code(tmp_path: Path, mutant: tuple[Path, str]) -> None:
    from typer.testing import CliRunner

    from keychainsim.cli import app

    source, text = mutant
    for data in source.parent.glob("*.p12"):
        shutil.copy(data, tmp_path / data.name)
    path = tmp_path / "mutant.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    argv = ["--store", str(tmp_path / "store.json"), "run", str(path)]
    result = CliRunner().invoke(app, argv, catch_exceptions=False)
    assert result.exit_code in (0, 1, 3, 5), f"{source.name} mutated:\n{text[:2000]}\n---\n{result.output[-3000:]}"
    assert "Traceback" not in result.output and "internal error" not in result.output, result.output[-3000:]
