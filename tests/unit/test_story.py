"""The run's story as lines: what the seed variants print, and how a long line breaks on a narrow console."""

from __future__ import annotations

import pytest
from rich.style import Style

from keychainsim.render import render_text
from keychainsim.render.lines import Lines
from keychainsim.render.story import CODE, FAILURE, SUCCESS, WARNING, explanation_lines, scenario_lines
from keychainsim.scenario import run_scenario
from tests.cli.conftest import SCENARIOS

pytestmark = pytest.mark.model


def text_of(lines: Lines) -> list[str]:
    return ["".join(t for t, _ in line.spans) for line in lines.lines]


def styles_of(lines: Lines, text: str) -> set[Style | None]:
    return {style for line in lines.lines for t, style in line.spans if t == text}


def test_a_failing_lookup_tells_its_finding_with_the_message() -> None:
    result = run_scenario(SCENARIOS / "seed" / "s1-key-not-permanent.yaml")
    lines = scenario_lines(result)
    shown = text_of(lines)
    assert shown[0].startswith("PASS ") and shown[0].endswith(
        "seed S1: private key never stored (kSecAttrIsPermanent missing)"
    )
    assert shown[1].startswith("  ") and "kSecAttrIsPermanent" in shown[1]  # the description
    last = shown.index("  ok    6. look the identity up by label [SecItemCopyMatching]: errSecItemNotFound (-25300)")
    findings = [line for line in shown[last + 1 :] if line.startswith("      [")]
    assert [f.split("]")[0] + "]" for f in findings] == [
        "      [identity.no_private_key]",
        "      [trace.key_not_stored]",
    ]
    assert all(len(f) > 60 for f in findings)  # the message, not only the code
    assert styles_of(lines, "errSecItemNotFound (-25300)") == {FAILURE}
    assert styles_of(lines, "[identity.no_private_key]") == {CODE}


def test_a_success_with_a_finding_is_a_warning() -> None:
    lines = scenario_lines(run_scenario(SCENARIOS / "seed" / "s14-permanent-at-top-level.yaml"))
    shown = text_of(lines)
    warnings = [i for i, line in enumerate(shown) if line.startswith("      warning: the call succeeded")]
    assert len(warnings) == 2
    assert all(shown[i + 1].startswith("      ! [identity.key_is_public] identity(cert#3, key#1)") for i in warnings)
    assert styles_of(lines, "! [identity.key_is_public]") == {WARNING}
    assert styles_of(lines, "errSecSuccess (0)") == {SUCCESS}


def test_the_good_flow_has_no_finding_and_no_warning() -> None:
    shown = text_of(scenario_lines(run_scenario(SCENARIOS / "seed.yaml")))
    assert not any("[" in line and "]" in line and "identity." in line for line in shown)
    assert not any("warning" in line for line in shown)


def test_explanation_lines_style_the_status_and_codes_and_keep_the_text() -> None:
    text = (
        "SecItemCopyMatching: errSecItemNotFound (-25300): The specified item could not be found.\n"
        "  [class.empty] no genp item\n  terms: labl = kSecAttrLabel"
    )
    lines = explanation_lines(text, "    ")
    assert text_of(lines) == ["    " + line for line in text.splitlines()]
    assert styles_of(lines, "errSecItemNotFound (-25300)") == {FAILURE}
    assert styles_of(lines, "[class.empty]") == {CODE}


def test_a_word_is_never_cut_when_it_fits_a_line_of_its_own() -> None:
    """The last space may sit early in the line: the line breaks there when the long word after it fits a
    continuation line, and only a word longer than any line (hex) is cut where the line ends."""
    lines = Lines()
    lines.add("  [identity.attribute_on_wrong_side] ", "query by the key's kSecAttrApplicationLabel instead", hang=37)
    shown = render_text(lines, width=64).splitlines()
    assert all(len(line) <= 64 for line in shown)
    assert any("kSecAttrApplicationLabel" in line for line in shown)
    assert not any(line.rstrip().endswith("kSecAttrApplicationLa") for line in shown)
    hex_lines = Lines()
    hex_lines.add("  klbl  ", "ab" * 40, hang=8)
    cut = render_text(hex_lines, width=40).splitlines()
    assert len(cut[0]) == 40 and "".join(cut).replace(" ", "") == "klbl" + "ab" * 40
