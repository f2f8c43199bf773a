"""The course behind ``keychainsim learn``: lessons as files, each a scenario, its fix, and a few sentences.

A lesson is ``NN-name.yaml`` in this directory (or in a directory of your own, ``keychainsim learn --dir``):

.. code-block:: yaml

    lesson: The label belongs to the certificate        # the title
    pitfall: C5                                         # optional: the entry of docs/pitfalls.md it teaches
    teaches: [kSecAttrLabel, kSecClassIdentity]         # glossary names worth looking up afterwards
    intro: >                                            # what the learner is about to see
      ...
    swift: |                                            # the code as a developer writes it against Security
      ...
    scenario: scenarios/04-label.yaml                   # the same flow as a scenario file (relative path)
    predict: 7                                          # optional: the step to predict (default: the last
                                                        # step whose expectation names a status)
    choices: [errSecSuccess, errSecItemNotFound]        # optional: the statuses offered
    why: >                                              # the mechanism, in a few sentences
      ...
    fix:
      text: ...
      swift: |
        ...
      scenario: scenarios/04-label.fixed.yaml

The answer is never written in the lesson: it is what the engine returns when the scenario runs (the
scenario's own ``expect`` states it, and the test suite runs every lesson and its fix). Lessons are
checked when loaded; a malformed one is reported with its file, line and a hint.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from keychainsim.errors import ScenarioError

COURSE_DIR = Path(__file__).resolve().parent
"""The lessons that ship with keychainsim."""

DEFAULT_CHOICES = ("errSecSuccess", "errSecItemNotFound", "errSecDuplicateItem", "errSecParam")
"""The statuses offered when a lesson names none (the engine's answer is always added)."""

_FILE_NAME = re.compile(r"^(\d{2})-([a-z0-9][a-z0-9-]*)\.yaml$")
_REQUIRED = ("lesson", "intro", "swift", "scenario", "why", "fix")
_FIX_REQUIRED = ("text", "swift", "scenario")
_OPTIONAL = ("pitfall", "teaches", "predict", "choices", "question")


@dataclass(frozen=True)
class Lesson:
    """One lesson, checked: its scenarios load, its predicted step exists and expects a status."""

    number: int
    name: str
    path: Path
    title: str
    intro: str
    swift: str
    scenario: Any
    """The loaded scenario (:class:`keychainsim.scenario.loader.Scenario`)."""
    predict: int
    why: str
    fix_text: str
    fix_swift: str
    fix_scenario: Any
    fix_predict: int
    choices: tuple[str, ...] = DEFAULT_CHOICES
    teaches: tuple[str, ...] = ()
    pitfall: str = ""
    question: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def predicted_step(self) -> Any:
        return self.scenario.steps[self.predict - 1]

    @property
    def prompt(self) -> str:
        """The question the learner answers."""
        if self.question:
            return self.question
        step = self.predicted_step
        return f"What does step {step.index} ({step.title}, {step.call}) return?"


def load_lesson(path: str | Path) -> Lesson:
    """Load and check one lesson file.

    Raises:
        ScenarioError: the file name, YAML, keys, referenced scenarios or predicted step are wrong.
    """
    from keychainsim.scenario.loader import load_scenario
    from keychainsim.scenario.yamlnodes import LineDict, load_yaml

    path = Path(path)
    shown = str(path)
    named = _FILE_NAME.match(path.name)
    if not named:
        raise ScenarioError(shown, "a lesson file is named NN-name.yaml", None, "e.g. 14-my-lesson.yaml")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ScenarioError(shown, f"cannot be read: {error}", None, "lesson files are UTF-8 YAML") from None
    document = load_yaml(text, shown)
    if not isinstance(document, LineDict):
        raise ScenarioError(shown, "a lesson must be a mapping", 1, "start with `lesson: TITLE`")
    _check_keys(document, shown, _REQUIRED, _OPTIONAL, "the lesson")
    fix = document["fix"]
    if not isinstance(fix, LineDict):
        raise ScenarioError(shown, "fix must be a mapping", document.line_of("fix"), "fix: {text, swift, scenario}")
    _check_keys(fix, shown, _FIX_REQUIRED, (), "fix")
    for container, key in [(document, k) for k in ("lesson", "intro", "swift", "why")] + [
        (fix, k) for k in ("text", "swift")
    ]:
        if not isinstance(container[key], str) or not container[key].strip():
            raise ScenarioError(shown, f"{key} must be non-empty text", container.line_of(key), "")
    scenario = load_scenario(_relative(path, document, "scenario"))
    fixed = load_scenario(_relative(path, fix, "scenario"))
    predict = _predicted(shown, document, scenario)
    choices = tuple(str(c) for c in document.get("choices") or DEFAULT_CHOICES)
    _check_statuses(shown, document, choices)
    teaches = tuple(str(t) for t in document.get("teaches") or ())
    return Lesson(
        number=int(named.group(1)),
        name=named.group(2),
        path=path,
        title=str(document["lesson"]).strip(),
        intro=str(document["intro"]).strip(),
        swift=str(document["swift"]).rstrip() + "\n",
        scenario=scenario,
        predict=predict,
        why=str(document["why"]).strip(),
        fix_text=str(fix["text"]).strip(),
        fix_swift=str(fix["swift"]).rstrip() + "\n",
        fix_scenario=fixed,
        fix_predict=_last_expected_status(fixed) or len(fixed.steps),
        choices=choices,
        teaches=teaches,
        pitfall=str(document.get("pitfall") or ""),
        question=str(document.get("question") or "").strip(),
        raw=dict(document),
    )


def _check_keys(mapping: Any, path: str, required: tuple[str, ...], optional: tuple[str, ...], where: str) -> None:
    from keychainsim.scenario.literals import suggest

    allowed = required + optional
    for key in mapping:
        if key not in allowed:
            hint = suggest(str(key), list(allowed)) or f"allowed: {', '.join(allowed)}"
            raise ScenarioError(path, f"unknown key {key!r} in {where}", mapping.line_of(key), hint)
    for key in required:
        if key not in mapping:
            raise ScenarioError(path, f"{where} needs {key!r}", None, f"required: {', '.join(required)}")


def _relative(lesson: Path, mapping: Any, key: str) -> Path:
    target = (lesson.parent / str(mapping[key])).resolve()
    if not target.is_file():
        raise ScenarioError(
            str(lesson), f"{key}: no file {mapping[key]!r}", mapping.line_of(key), "a path relative to the lesson file"
        )
    return target


def _last_expected_status(scenario: Any) -> int | None:
    indexes = [s.index for s in scenario.steps if "status" in (s.get("expect") or {})]
    return indexes[-1] if indexes else None


def _predicted(path: str, document: Any, scenario: Any) -> int:
    """The step the learner predicts: ``predict``, else the last one whose expectation names a status."""
    if "predict" in document:
        index = document["predict"]
        if not isinstance(index, int) or isinstance(index, bool) or not 1 <= index <= len(scenario.steps):
            raise ScenarioError(
                path,
                f"predict: {index!r} is not a step of the scenario",
                document.line_of("predict"),
                f"a step number from 1 to {len(scenario.steps)}",
            )
        if "status" not in (scenario.steps[index - 1].get("expect") or {}):
            raise ScenarioError(
                path,
                f"predict: step {index} of the scenario expects no status",
                document.line_of("predict"),
                "give that step `expect: {status: ...}`: the test suite checks it against the engine",
            )
        return index
    found = _last_expected_status(scenario)
    if found is None:
        raise ScenarioError(
            path,
            "the scenario has no step whose expectation names a status",
            document.line_of("scenario"),
            "add `expect: {status: ...}` to the step the learner predicts",
        )
    return found


def _check_statuses(path: str, document: Any, choices: tuple[str, ...]) -> None:
    from keychainsim.scenario.literals import LiteralError, status_value

    for choice in choices:
        try:
            status_value(choice)
        except LiteralError as error:
            raise ScenarioError(path, f"choices: {error.problem}", document.line_of("choices"), error.hint) from None


@cache
def _shipped_course() -> Path:
    """The shipped lessons as real files: this directory, or a copy of it when the package is imported
    from a zip (scenario files and the files they name are read by path)."""
    if COURSE_DIR.is_dir():
        return COURSE_DIR
    import atexit
    import shutil
    import tempfile
    from importlib import resources

    target = Path(tempfile.mkdtemp(prefix="keychainsim-lessons-"))
    atexit.register(shutil.rmtree, target, True)

    def copy(source: Any, into: Path) -> None:
        for entry in source.iterdir():
            if entry.is_dir():
                (into / entry.name).mkdir()
                copy(entry, into / entry.name)
            elif not entry.name.endswith((".py", ".pyc")):
                (into / entry.name).write_bytes(entry.read_bytes())

    copy(resources.files(__name__), target)
    return target


def load_course(directory: str | Path | None = None) -> list[Lesson]:
    """Every lesson in ``directory`` (the shipped course by default), in number order.

    Raises:
        ScenarioError: a lesson is malformed, or two lessons share a number.
    """
    folder = Path(directory) if directory is not None else _shipped_course()
    if not folder.is_dir():
        raise ScenarioError(str(folder), "is not a directory of lessons", None, "lesson files are NN-name.yaml")
    lessons = [load_lesson(p) for p in sorted(folder.glob("[0-9][0-9]-*.yaml"))]
    seen: dict[int, Lesson] = {}
    for lesson in lessons:
        if lesson.number in seen:
            raise ScenarioError(
                str(lesson.path),
                f"lesson number {lesson.number:02d} is taken by {seen[lesson.number].path.name}",
                None,
                "renumber one of them",
            )
        seen[lesson.number] = lesson
    return lessons


def select(lessons: list[Lesson], words: list[str]) -> list[Lesson]:
    """The lessons ``words`` name: a number (``4``, ``04``), a name, or a unique part of a name.

    Raises:
        LookupError: a word names no lesson or several (the message lists the candidates).
    """
    chosen: list[Lesson] = []
    for word in words:
        if word.isdigit():
            found = [lesson for lesson in lessons if lesson.number == int(word)]
        else:
            found = [lesson for lesson in lessons if lesson.name == word] or [
                lesson for lesson in lessons if word.lower() in lesson.name
            ]
        if len(found) != 1:
            names = ", ".join(f"{lesson.number} {lesson.name}" for lesson in (found or lessons))
            what = "names several lessons" if found else "is not a lesson"
            raise LookupError(f"{word!r} {what}; {'they are' if found else 'the lessons are'}: {names}")
        chosen.append(found[0])
    return chosen
