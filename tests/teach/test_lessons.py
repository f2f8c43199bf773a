"""The course: every lesson and its fix run through the real engine and state what it returns; the Swift each
lesson shows is the code its scenario runs; the command works interactively, on a real terminal, and in
scripts."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from keychainsim.lessons import COURSE_DIR, load_course, load_lesson, select
from keychainsim.lessons.run import run_lesson

COURSE = load_course()
SCRIPT = shutil.which("keychainsim", path=str(Path(sys.executable).parent)) or "keychainsim"


def _of(provenance: str) -> list:
    return [lesson for lesson in COURSE if lesson.scenario.get("provenance") == provenance]


def _check_lesson(lesson) -> None:
    """The scenario's and the fix's expectations hold on the engine: the predicted step returns the status
    the lesson's scenario states, and the fix's predicted step succeeds."""
    from keychainsim.pytest_plugin import run_and_assert

    run_and_assert(lesson.scenario.path)
    run_and_assert(lesson.fix_scenario.path)
    run = run_lesson(lesson)
    expected = run.lesson.predicted_step.get("expect")["status"]
    from keychainsim.scenario.literals import status_value

    assert int(run.answer) == status_value(expected)
    assert run.fixed_answer == 0, f"{lesson.name}: the fix's step {lesson.fix_predict} returns {run.fixed_answer}"
    assert run.answer.name in run.choices
    if run.answer != 0:
        assert run.step.report is not None and run.step.report.findings, "a failing step must be explained"


@pytest.mark.apple_source
@pytest.mark.parametrize("lesson", _of("apple_source"), ids=lambda x: x.name)
def test_lessons_from_apple_source(lesson) -> None:
    _check_lesson(lesson)


@pytest.mark.apple_docs
@pytest.mark.parametrize("lesson", _of("apple_docs"), ids=lambda x: x.name)
def test_lessons_from_apple_docs(lesson) -> None:
    _check_lesson(lesson)


@pytest.mark.apple_test
@pytest.mark.parametrize("lesson", _of("apple_test"), ids=lambda x: x.name)
def test_lessons_from_apple_tests(lesson) -> None:
    _check_lesson(lesson)


@pytest.mark.model
def test_every_lesson_runs_under_one_of_the_tests_above() -> None:
    assert sum(len(_of(p)) for p in ("apple_source", "apple_docs", "apple_test")) == len(COURSE)


REQUIRED_TOPICS = {
    # topic (issue wording): a glossary name one lesson must teach
    "how an identity forms": "kSecAttrPublicKeyHash",
    "identity query: certificate's attributes and key's (label vs tag)": "kSecAttrLabel",
    "kSecAttrIsPermanent and where it goes": "kSecAttrIsPermanent",
    "public and private halves": "kSecAttrKeyClass",
    "application label overrides": "kSecAttrApplicationLabel",
    "access groups and entitlements": "kSecAttrAccessGroup",
    "synchronizable items": "kSecAttrSynchronizable",
    "accessibility and lock state": "kSecAttrAccessible",
    "the two macOS keychains": "kSecUseDataProtectionKeychain",
    "PKCS#12 import vs storing": "kSecImportItemIdentity",
    "uniqueness and errSecDuplicateItem": "errSecDuplicateItem",
    "text vs data attribute values": "kSecAttrApplicationTag",
}


@pytest.mark.model
def test_the_course_has_twelve_lessons_or_more_covering_every_topic() -> None:
    from keychainsim.glossary import lookup

    assert len(COURSE) >= 12
    assert [lesson.number for lesson in COURSE] == list(range(1, len(COURSE) + 1))
    taught = {name for lesson in COURSE for name in lesson.teaches}
    assert not [topic for topic, name in REQUIRED_TOPICS.items() if name not in taught]
    unknown = [name for name in taught if not lookup(name)]
    assert not unknown, f"teaches names the glossary does not know: {unknown}"


_CONSTANT = re.compile(r"\bkSec[A-Za-z0-9]+\b")


def _swift_constants(swift: str) -> set[str]:
    code = "\n".join(line.split("//")[0] for line in swift.splitlines())
    return set(_CONSTANT.findall(code))


def _scenario_constants(scenario) -> set[str]:
    """The kSec names a scenario's steps use, and the import-result keys its $references read."""
    from keychainsim import constants

    raw_names = {getattr(constants, n): n for n in vars(constants) if n.startswith("kSecImportItem")}
    text = json.dumps([step.raw for step in scenario.steps], default=str)
    found = set(_CONSTANT.findall(text))
    for reference in re.findall(r"\$[\w.]+", text):
        found |= {raw_names[part] for part in reference.split(".")[1:] if part in raw_names}
    return found


@pytest.mark.model
@pytest.mark.parametrize("lesson", COURSE, ids=lambda x: x.name)
def test_the_swift_names_exactly_the_constants_its_scenario_uses(lesson) -> None:
    assert _swift_constants(lesson.swift) == _scenario_constants(lesson.scenario)
    assert _swift_constants(lesson.fix_swift) == _scenario_constants(lesson.fix_scenario)
    for swift in (lesson.swift, lesson.fix_swift):
        assert "as CFDictionary" in swift and " as String: " in swift
        if "SecItemCopyMatching" in swift:
            assert re.search(r"SecItemCopyMatching\(.*&\w+\)", swift, re.S), "the result goes to &result"


@pytest.mark.model
def test_the_swift_snippets_are_swift(tmp_path: Path) -> None:
    """Each snippet parses as Swift (swiftc -parse: syntax only; Security is not on Linux)."""
    swiftc = shutil.which("swiftc") or (
        "/opt/swift/usr/bin/swiftc" if Path("/opt/swift/usr/bin/swiftc").exists() else None
    )
    if swiftc is None:
        pytest.skip("swiftc is not installed")
    for lesson in COURSE:
        for tag, swift in (("", lesson.swift), ("-fix", lesson.fix_swift)):
            source = tmp_path / f"lesson{lesson.number:02d}{tag}.swift"
            source.write_text(swift)
            parsed = subprocess.run([swiftc, "-parse", str(source)], capture_output=True, text=True, timeout=120)
            assert parsed.returncode == 0, f"{source.name}:\n{parsed.stderr}"


@pytest.mark.model
def test_selection_by_number_name_and_part_of_a_name() -> None:
    assert [x.number for x in select(COURSE, ["4", "label-belongs-to-the-certificate", "04"])] == [4, 4, 4]
    assert select(COURSE, ["pkcs"])[0].name == "pkcs12"
    with pytest.raises(LookupError, match="is not a lesson"):
        select(COURSE, ["99"])
    with pytest.raises(LookupError, match="names several lessons"):
        select(COURSE, ["key"])


@pytest.mark.model
def test_a_teacher_can_add_a_lesson_and_a_malformed_one_is_named(tmp_path: Path) -> None:
    from keychainsim.errors import ScenarioError

    for path in (COURSE_DIR / "scenarios").glob("08-*"):
        (tmp_path / "scenarios").mkdir(exist_ok=True)
        (tmp_path / "scenarios" / path.name).write_bytes(path.read_bytes())
    text = (COURSE_DIR / "08-uniqueness.yaml").read_text()
    (tmp_path / "01-mine.yaml").write_text(text)
    (mine,) = load_course(tmp_path)
    assert (mine.number, mine.name, run_lesson(mine).answer.name) == (1, "mine", "errSecDuplicateItem")
    (tmp_path / "02-broken.yaml").write_text(text.replace("why: >", "wyh: >"))
    with pytest.raises(ScenarioError) as error:
        load_course(tmp_path)
    assert "02-broken.yaml" in str(error.value) and "'wyh'" in str(error.value) and "why" in str(error.value)
    (tmp_path / "02-broken.yaml").write_text(text.replace("scenarios/08-uniqueness.yaml", "scenarios/nope.yaml"))
    with pytest.raises(ScenarioError, match=r"no file 'scenarios/nope\.yaml'"):
        load_lesson(tmp_path / "02-broken.yaml")


@pytest.mark.model
def test_learn_list_show_answer_and_json(cli) -> None:
    listing = cli("learn", "--list")
    assert listing.exit_code == 0
    assert listing.output.splitlines()[3].split()[:2] == ["4", "label-belongs-to-the-certificate"]
    shown = cli("learn", "4", "--show")
    assert shown.exit_code == 0
    out = shown.output
    for part in (
        "Lesson 4 of",
        "kSecAttrLabel as String:",
        "2. errSecItemNotFound (-25300)",
        "Run: step 6 returns errSecItemNotFound (-25300)",
        "identity.attribute_on_wrong_side",
        "an identity's label is its certificate's",
        "-> step 6 now returns errSecSuccess (0)",
    ):
        assert part in out, part
    assert out.index("Predict") < out.index("Run: step 6"), "the answer comes after the question"
    assert "errSecItemNotFound" not in out[: out.index("Predict")], "the code and scenario give nothing away"
    right = cli("learn", "label-belongs-to-the-certificate", "--answer", "errSecItemNotFound")
    assert right.exit_code == 0 and "Right: errSecItemNotFound (-25300)." in right.output
    wrong = cli("learn", "4", "--answer", "0")
    assert wrong.exit_code == 1
    assert "you said errSecSuccess (0); the engine returned errSecItemNotFound (-25300)" in wrong.output
    body = json.loads(cli("learn", "8", "--answer", "-25299", "--json").output)
    (lesson,) = body["lessons"]
    assert lesson["answer"] == {"code": -25299, "name": "errSecDuplicateItem"}
    assert lesson["prediction"] == {"given": "-25299", "correct": True}
    assert lesson["fix"]["answer"]["name"] == "errSecSuccess"
    assert cli("learn", "99").exit_code == 2
    assert cli("learn", "--answer", "errSecSuccess").exit_code == 2
    assert cli("learn", "4", "--answer", "nonsense").exit_code == 5  # a status literal, as in --expect


@pytest.mark.model
def test_learn_on_a_real_terminal(tmp_path: Path) -> None:
    """The interactive course in a pseudo-terminal: predict lesson 4 right, then lesson 5 wrong, then quit."""
    import pty
    import select as wait

    env = {**os.environ, "KEYCHAINSIM_STORE": str(tmp_path / "k.json"), "COLUMNS": "100"}
    pid, fd = pty.fork()
    if pid == 0:  # the child: the installed console script, on the terminal
        os.execve(SCRIPT, [SCRIPT, "learn", "--from", "4"], env)
    output = b""

    def read_until(marker: bytes, timeout: float = 120) -> bytes:
        nonlocal output
        while marker not in output:
            ready, _, _ = wait.select([fd], [], [], timeout)
            assert ready, f"no {marker!r} on the terminal; got:\n{output.decode(errors='replace')[-2000:]}"
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            output += chunk
        return output

    read_until(b"Your prediction")
    os.write(fd, b"2\n")
    read_until(b"Enter for the next lesson")
    os.write(fd, b"\n")
    read_until(b"Lesson 5 of")
    read_until(b"Your prediction")
    os.write(fd, b"errSecSuccess\n")
    read_until(b"Enter for the next lesson")
    os.write(fd, b"q\n")
    read_until(b"learn --from 6")
    _, status = os.waitpid(pid, 0)
    text = output.decode(errors="replace").replace("\r\n", "\n")
    assert os.waitstatus_to_exitcode(status) == 0
    assert "Right: errSecItemNotFound (-25300)." in text
    assert "Not this time: you said errSecSuccess (0); the engine returned errSecNoSuchAttr (-25303)." in text
    assert "You predicted 1 of 2 right so far." in text
