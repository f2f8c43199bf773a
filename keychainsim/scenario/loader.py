"""Read a scenario file: YAML with line numbers, the shipped JSON Schema, then the values themselves.

Three passes, each naming the file and line of the first problem with a hint (issue 5):

1. YAML syntax and duplicate keys (:mod:`.yamlnodes`);
2. structure against ``schema.json`` (unknown keys, wrong types, a call's missing or foreign arguments);
3. values: constant names, typed literals, ``file:`` paths, ``$name`` references to earlier ``save_as``,
   finding codes and statuses in expectations, app names.

The result is a :class:`Scenario` whose steps keep their raw (line-aware) arguments; the runner resolves
them with the same literal rules when each step runs, so a checked file cannot fail differently later.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from keychainsim.errors import ScenarioError
from keychainsim.scenario import literals
from keychainsim.scenario.spec import CALLS, load_schema
from keychainsim.scenario.yamlnodes import LineDict, LineList, line_of, load_yaml

_VALUE_ARGUMENTS = ("attributes", "query", "parameters", "options", "key", "certificate", "data", "csr", "pem")


@dataclass(frozen=True)
class Step:
    """One step: the call, its raw arguments, where it sits, and what is expected of it."""

    index: int
    call: str
    line: int
    raw: LineDict
    name: str = ""

    @property
    def title(self) -> str:
        return self.name or self.call

    def get(self, key: str, default: Any = None) -> Any:
        return self.raw.get(key, default)


@dataclass(frozen=True)
class Scenario:
    """A loaded, checked scenario file."""

    path: str
    name: str
    raw: LineDict
    steps: tuple[Step, ...]
    apps: dict[str, dict[str, Any]] = field(default_factory=dict)
    allow_file_outside: bool = False

    @property
    def base_dir(self) -> Path:
        return Path(self.path).resolve().parent

    @property
    def files(self) -> literals.FileScope:
        """Where this scenario's ``file:`` literals may read: its own directory, unless allowed outside."""
        return literals.FileScope(self.base_dir, confined=not self.allow_file_outside)

    def get(self, key: str, default: Any = None) -> Any:
        return self.raw.get(key, default)


def load_scenario(path: str | Path, *, allow_file_outside: bool = False) -> Scenario:
    """Load and check one scenario file.

    ``file:`` literals read only files inside the scenario's directory (symlinks resolved), unless
    ``allow_file_outside`` (the command line's ``--allow-file-outside``): a scenario is shared, and reading
    it must not read the machine.

    Raises:
        ScenarioError: the file cannot be read, or any of the three passes finds a problem.
    """
    shown = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(shown, "no such file", None, "check the path") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ScenarioError(shown, f"cannot be read: {error}", None, "scenario files are UTF-8 YAML") from None
    return parse_scenario(text, shown, allow_file_outside=allow_file_outside)


def parse_scenario(text: str, path: str = "<scenario>", *, allow_file_outside: bool = False) -> Scenario:
    """Check scenario ``text`` as if read from ``path`` (see :func:`load_scenario`)."""
    document = load_yaml(text, path)
    if not isinstance(document, LineDict):
        raise ScenarioError(path, "a scenario must be a mapping", line_of(document) or 1, "start with `scenario: NAME`")
    _check_structure(document, path)
    apps = _apps(document)
    steps = tuple(
        Step(i, raw["call"], document["steps"].line_of(i), raw, str(raw.get("name", "")))
        for i, raw in enumerate(document["steps"], start=1)
    )
    scenario = Scenario(path, str(document["scenario"]), document, steps, apps, allow_file_outside)
    _check_values(scenario)
    return scenario


def _apps(document: LineDict) -> dict[str, dict[str, Any]]:
    apps: dict[str, dict[str, Any]] = {}
    for name, app in (document.get("apps") or {}).items():
        apps[str(name)] = dict(app)
    return apps


# -- pass 2: structure ------------------------------------------------------------------------------


def _locate(document: Any, path: Iterable[Any]) -> tuple[Any, Any]:
    """The innermost container on ``path`` and the key inside it."""
    container, key = document, None
    for part in path:
        if key is not None:
            try:
                container = container[key]
            except (KeyError, IndexError, TypeError):
                break
        key = part
    return container, key


def _schema_error_text(error: Any) -> tuple[str, str, Any, Any]:
    """(problem, hint, container key path) for one jsonschema error, in our words."""
    path = list(error.absolute_path)
    where = _where(path)
    validator = error.validator
    if validator == "additionalProperties":
        allowed = list(error.schema.get("properties", {}))
        extra = sorted(set(error.instance) - set(allowed), key=str)
        bad = extra[0] if extra else "?"
        hint = literals.suggest(str(bad), allowed) or f"allowed here: {', '.join(allowed)}"
        return f"unknown key {bad!r} in {where}", hint, [*path, bad], None
    if validator == "required":
        return f"{where}: {error.message}", "", path, None
    if validator is None and error.schema is False:
        key, path = _forbidden_key(error, path)
        call = _step_call(error)
        hint = f"{call} takes: {', '.join(CALLS[call].arguments) or 'no arguments'}" if call in CALLS else ""
        return f"{_where(path[:-1])}: {key!r} is not an argument of {call or 'this call'}", hint, path, None
    if validator == "enum":
        options = [str(o) for o in error.validator_value]
        hint = literals.suggest(str(error.instance), options) or f"one of: {', '.join(options)}"
        return f"{where}: {error.instance!r} is not allowed", hint, path, None
    if validator == "type":
        return f"{where}: expected {error.validator_value}, got {type(error.instance).__name__}", "", path, None
    if validator == "pattern":
        hint = "a saved result is written $name" if str(error.validator_value).startswith("^\\$") else ""
        return f"{where}: {error.instance!r} does not have the expected form", hint or error.message, path, None
    return f"{where}: {error.message}", "", path, None


def _where(path: list[Any]) -> str:
    """``step 3: expect.status`` for a schema path (steps counted from 1, as people count them)."""
    if len(path) >= 2 and path[0] == "steps" and isinstance(path[1], int):
        rest = ".".join(str(p) for p in path[2:])
        return f"step {path[1] + 1}" + (f": {rest}" if rest else "")
    return ".".join(str(p) for p in path) or "the scenario"


def _forbidden_key(error: Any, path: list[Any]) -> tuple[Any, list[Any]]:
    """The key a ``false`` schema refused: jsonschema reports the parent's path, so find it by value."""
    parent = getattr(error, "_parent", None)
    if isinstance(parent, dict):
        for key, value in parent.items():
            if value is error.instance or value == error.instance:
                return key, [*path, key]
    return "?", path


def _step_call(error: Any) -> str:
    """The call of the step an error sits in (set by :func:`_check_structure`)."""
    return getattr(error, "_step", "") or ""


def _check_structure(document: LineDict, path: str) -> None:
    import jsonschema

    validator = jsonschema.Draft202012Validator(load_schema())
    errors = list(validator.iter_errors(document))
    if not errors:
        return
    flat: list[Any] = []
    for error in errors:
        flat.extend(_leaves(error))

    def rank(error: Any) -> tuple[int, int]:
        container, key = _locate(document, list(error.absolute_path))
        return (line_of(container, key) or 0, -len(error.absolute_path))

    first = min(flat, key=rank)
    steps = document.get("steps")
    epath = list(first.absolute_path)
    if len(epath) >= 2 and epath[0] == "steps" and isinstance(steps, LineList) and isinstance(epath[1], int):
        step = steps[epath[1]]
        first._step = step.get("call") if isinstance(step, dict) else ""
        container, _ = _locate(document, [*epath, None])
        first._parent = container
    problem, hint, key_path, _ = _schema_error_text(first)
    container, key = _locate(document, key_path)
    raise ScenarioError(path, problem, line_of(container, key) or 1, hint)


def _leaves(error: Any) -> list[Any]:
    """The most specific errors under ``error`` (oneOf/anyOf contexts flattened)."""
    if error.context:
        out: list[Any] = []
        for sub in error.context:
            out.extend(_leaves(sub))
        return out or [error]
    return [error]


# -- pass 3: values -----------------------------------------------------------------------------


def _check_values(scenario: Scenario) -> None:
    path = scenario.path
    document = scenario.raw
    if "clock" in document:
        try:
            literals.typed_literal("date:" + str(document["clock"]))
        except literals.LiteralError as error:
            raise ScenarioError(path, f"clock: {error.problem}", document.line_of("clock"), error.hint) from None
    saved: dict[str, int] = {}
    for step in scenario.steps:
        raw = step.raw
        app = raw.get("app")
        if app is not None and app not in scenario.apps:
            known = ", ".join(scenario.apps) or "none defined (add `apps:` at the top)"
            raise ScenarioError(path, f"step {step.index}: unknown app {app!r}", raw.line_of("app"), f"apps: {known}")
        for argument in _VALUE_ARGUMENTS:
            if argument in raw:
                _check_value(raw, argument, scenario, saved, step)
        if "expect" in raw:
            _check_expect(raw["expect"], scenario, step)
        if "save_as" in raw:
            name = raw["save_as"]
            if name in saved:
                raise ScenarioError(
                    path,
                    f"step {step.index}: the name {name!r} is already taken",
                    raw.line_of("save_as"),
                    f"step at line {saved[name]} saved it first; pick another name",
                )
            saved[name] = raw.line_of("save_as")


def _check_value(container: Any, key: Any, scenario: Scenario, saved: dict[str, int], step: Step) -> None:
    """Read every literal and key under ``container[key]`` the way the runner will, reporting the line."""
    raw = container[key]
    line = line_of(container, key) or step.line
    if container is step.raw and key in literals.DICTIONARY_ARGUMENTS and isinstance(raw, str):
        _check_swift(raw, key, line, scenario, saved, step)
        return
    if isinstance(raw, LineDict):
        for sub_key in raw:
            try:
                literals.attribute_key(sub_key)
            except literals.LiteralError as error:
                raise ScenarioError(
                    scenario.path, f"step {step.index}: {error.problem}", raw.line_of(sub_key), error.hint
                ) from None
            _check_value(raw, sub_key, scenario, saved, step)
        return
    if isinstance(raw, LineList):
        for index in range(len(raw)):
            _check_value(raw, index, scenario, saved, step)
        return
    if isinstance(raw, str) and raw.startswith("$"):
        name = raw[1:].split(".", 1)[0]
        if name not in saved:
            hint = literals.suggest(name, list(saved)) or (
                f"saved so far: {', '.join(saved)}" if saved else "save a result first with `save_as: NAME`"
            )
            raise ScenarioError(scenario.path, f"step {step.index}: ${name} is not a saved result", line, hint)
        return
    try:
        literals.value(raw, scenario.files)
    except literals.LiteralError as error:
        raise ScenarioError(scenario.path, f"step {step.index}: {key}: {error.problem}", line, error.hint) from None


def _check_swift(text: str, key: str, line: int, scenario: Scenario, saved: dict[str, int], step: Step) -> None:
    """A Swift dictionary literal given for a dictionary argument: its variables must be saved results."""
    from keychainsim.scenario.swift_literals import SwiftLiteralError, parse_dictionary

    def known(name: str) -> Any:
        if name.split(".", 1)[0] not in saved:
            hint = literals.suggest(name, list(saved)) or (
                f"saved so far: {', '.join(saved)}" if saved else "save a result first with `save_as: NAME`"
            )
            raise literals.LiteralError(f"{name} is not a saved result", hint)
        return object()  # stands for the saved value, which exists only when the scenario runs

    try:
        parse_dictionary(text, known)
    except SwiftLiteralError as error:
        raise swift_error(error, scenario.path, step.index, key, line, text) from None


def swift_error(error: Any, path: str, index: int, key: str, key_line: int, text: str) -> ScenarioError:
    """A Swift literal's error at the scenario file's own line: a block scalar (``query: |``) starts on the
    line after its key, a one-line value on the key's line."""
    first = key_line + 1 if "\n" in text else key_line
    problem = f"step {index}: {key}: {error.bare} at column {error.column} of the Swift literal, near {error.near!r}"
    return ScenarioError(path, problem, first + error.line - 1, error.hint)


def _check_expect(expect: LineDict, scenario: Scenario, step: Step) -> None:
    from keychainsim.enroll.findings import CODES as ENROLL_CODES
    from keychainsim.explain import MEANING

    known = {*MEANING, *ENROLL_CODES}

    for key in ("status", "error"):
        if expect.get(key) is not None:
            try:
                literals.status_value(expect[key])
            except literals.LiteralError as error:
                raise ScenarioError(
                    scenario.path, f"step {step.index}: expect.{key}: {error.problem}", expect.line_of(key), error.hint
                ) from None
    for key in ("findings", "no_findings"):
        codes = expect.get(key) or []
        for index, code in enumerate(codes):
            if code not in known:
                raise ScenarioError(
                    scenario.path,
                    f"step {step.index}: unknown finding code {code!r}",
                    codes.line_of(index),
                    literals.suggest(code, sorted(known)) or "see `keychainsim explain --codes`",
                )
    if expect.get("findings") and step.call not in (
        "SecItemCopyMatching",
        "SecItemAdd",
        "explain",
        "SecItemDelete",
        "SecItemUpdate",
        "enroll",
        "mtls_check",
    ):
        raise ScenarioError(
            scenario.path,
            f"step {step.index}: {step.call} has no explanation to hold findings",
            expect.line_of("findings"),
            "expect findings on a SecItem call or an explain step",
        )
    result = expect.get("result")
    if isinstance(result, LineDict) and isinstance(result.get("attributes"), LineDict):
        _check_value(result, "attributes", scenario, {}, step)
