"""``keychainsim learn``: the course. Each lesson shows code, asks for a prediction, runs, explains, fixes.

On a terminal the lessons are interactive: the learner predicts the status the key call returns, then sees
the run (each step with the items it added, removed or changed), the explanation ``explain`` gives, the
mechanism in a few sentences, and the fix, run as well. ``--show`` prints the same without asking,
``--answer STATUS`` judges a prediction given on the command line, ``--json`` prints it all as data.
"""

from __future__ import annotations

import shutil
import sys
import textwrap
from pathlib import Path
from typing import Annotated, Any

import typer

from keychainsim.cli.state import (
    EXIT_INPUT,
    EXIT_OK,
    EXIT_UNEXPECTED_STATUS,
    EXIT_USAGE,
    emit_json,
    fail,
    guard,
    options,
)

app = typer.Typer(rich_markup_mode=None)
PANEL = "Learning"


def _width() -> int:
    return max(60, min(shutil.get_terminal_size((100, 24)).columns, 100))


def _para(text: str, indent: str = "  ") -> list[str]:
    """Text wrapped at the terminal's width (words are never cut); a line break starts a paragraph."""
    out: list[str] = []
    for block in [b for b in text.strip().split("\n") if b.strip()]:
        if out:
            out.append("")
        width = _width() - len(indent)
        out += [indent + line for line in textwrap.wrap(" ".join(block.split()), width, break_long_words=False)]
    return out


def _code(text: str) -> list[str]:
    return ["    " + line if line else "" for line in text.rstrip("\n").splitlines()]


_FLOW_KEYS = ("platform", "access_groups", "apps", "lock", "clock", "steps")
"""The top-level keys of a scenario that describe the flow (the rest is bookkeeping: name, sources)."""


def _scenario_text(scenario: Any) -> list[str]:
    """The scenario's flow (platform, apps, lock state, steps) as YAML, without its expectations: they
    would give the answer away."""
    import yaml

    def plain(value: Any) -> Any:
        if isinstance(value, dict):
            return {str(k): plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value

    flow = {k: plain(scenario.raw[k]) for k in _FLOW_KEYS if k in scenario.raw and k != "steps"}
    flow["steps"] = [{k: plain(v) for k, v in step.raw.items() if k != "expect"} for step in scenario.steps]
    text = yaml.safe_dump(flow, sort_keys=False, default_flow_style=None, width=_width() - 4, allow_unicode=True)
    return ["    " + line for line in text.rstrip("\n").splitlines()]


def _shown(path: str | Path) -> str:
    """A path as a learner would type it: relative to the working directory when below it."""
    import os

    relative = os.path.relpath(path)
    return str(path) if relative.startswith("..") else relative


def _status_text(code: int) -> str:
    from keychainsim.status import OSStatus

    try:
        return f"{OSStatus(code).name} ({code})"
    except ValueError:
        return str(code)


def _heading(text: str) -> list[str]:
    return ["", text, "─" * min(len(text), _width())]


def lesson_intro(run: Any, total: int) -> list[str]:
    """Title, introduction, the Swift code and the scenario, and the question with its choices."""
    from keychainsim.scenario.literals import status_value

    lesson = run.lesson
    title = f"Lesson {lesson.number} of {total} · {lesson.title}"
    lines = ["━" * min(len(title), _width()), title, "━" * min(len(title), _width()), ""]
    lines += _para(lesson.intro)
    lines += _heading("The code (Swift, against Security)")
    lines += _code(lesson.swift)
    lines += _heading(
        f"The same flow as a scenario (expectations left out): keychainsim run {_shown(lesson.scenario.path)}"
    )
    lines += _scenario_text(lesson.scenario)
    lines += _heading("Predict")
    lines += _para(lesson.prompt)
    for number, choice in enumerate(run.choices, start=1):
        lines.append(f"  {number}. {_status_text(status_value(choice))}")
    return lines


def lesson_outcome(run: Any) -> list[str]:
    """The run, the explanation, the mechanism, the fix and the fix's run."""
    from keychainsim.cli.run_command import step_lines
    from keychainsim.render.story import explanation_text

    lesson = run.lesson
    lines = _heading(f"Run: step {lesson.predict} returns {_status_text(int(run.answer))}")
    lines.append("  each step, and the items it added (+), removed (-) or changed (~):")
    for done in run.result.steps:
        lines += step_lines(done)
    lines += _heading("What explain says about that step")
    if run.step.report is not None and (run.step.report.findings or int(run.answer) != 0):
        lines += ["  " + line for line in explanation_text(run.step.report).splitlines()]
    else:
        lines.append("  nothing: the call succeeded and explain finds nothing wrong with the result.")
    lines += _heading("Why")
    lines += _para(lesson.why)
    lines += _heading("The fix")
    lines += _para(lesson.fix_text)
    lines.append("")
    lines += _code(lesson.fix_swift)
    lines += _heading(f"The fix, run: keychainsim run {_shown(lesson.fix_scenario.path)}")
    for done in run.fixed.steps:
        lines += step_lines(done)
    lines.append(f"  -> step {lesson.fix_predict} now returns {_status_text(int(run.fixed_answer))}")
    see = [f"keychainsim glossary {name}" for name in lesson.teaches]
    if lesson.pitfall:
        see.append(f"docs/pitfalls.md, {lesson.pitfall}")
    if see:
        lines += _heading("Look up")
        lines += [f"  {item}" for item in see]
    return lines


def verdict(run: Any, prediction: str) -> str:
    """One line judging a prediction against the engine's answer."""
    from keychainsim.scenario.literals import status_value

    given = _status_text(status_value(prediction))
    if run.judge(prediction):
        return f"Right: {given}."
    return f"Not this time: you said {given}; the engine returned {_status_text(int(run.answer))}."


def _parse_choice(run: Any, text: str, by_number: bool = True) -> str | None:
    """A typed answer as a status (a choice number, a name or a status number), or None when it is neither."""
    from keychainsim.scenario.literals import LiteralError, status_value

    text = text.strip()
    if by_number and text.isdigit() and 1 <= int(text) <= len(run.choices):
        return run.choices[int(text) - 1]
    try:
        status_value(text)
    except LiteralError:
        return None
    return text


def _ask(prompt: str) -> str | None:
    """One line from the learner; None at end of input."""
    try:
        return input(prompt)
    except EOFError:
        return None


def _echo(lines: list[str]) -> None:
    for line in lines:
        typer.echo(line)


def _interactive(runs_of: Any, lessons: list[Any], total: int) -> int:
    """The course on a terminal: predict, see, go on. Returns the exit code."""
    right = asked = 0
    for position, lesson in enumerate(lessons):
        run = runs_of(lesson)
        _echo(lesson_intro(run, total))
        while True:
            answer = _ask(f"Your prediction (1-{len(run.choices)}, a name or a number; Enter to skip, q to quit): ")
            if answer is None or answer.strip().lower() == "q":
                _stop(right, asked, lesson.number)
                return EXIT_OK
            if not answer.strip():
                break
            choice = _parse_choice(run, answer)
            if choice is not None:
                asked += 1
                right += run.judge(choice)
                typer.echo(verdict(run, choice))
                break
            typer.echo(
                "  not a status: type a choice number, a name such as errSecItemNotFound, or a number such as -25300"
            )
        _echo(lesson_outcome(run))
        if position + 1 < len(lessons):
            typer.echo("")
            more = _ask("Enter for the next lesson, q to quit: ")
            if more is None or more.strip().lower() == "q":
                _stop(right, asked, lessons[position + 1].number)
                return EXIT_OK
    typer.echo("")
    typer.echo(f"You predicted {right} of {asked} right." if asked else "End of the course.")
    return EXIT_OK


def _stop(right: int, asked: int, next_number: int) -> None:
    typer.echo("")
    if asked:
        typer.echo(f"You predicted {right} of {asked} right so far.")
    typer.echo(f"Continue with: keychainsim learn --from {next_number}")


@app.command(rich_help_panel=PANEL)
def learn(
    ctx: typer.Context,
    lesson_names: Annotated[
        list[str] | None,
        typer.Argument(metavar="[LESSON]...", help="Lessons by number (4) or name (label-belongs-to-the-certificate)."),
    ] = None,
    list_lessons: bool = typer.Option(False, "--list", help="List the lessons and exit."),
    start: int | None = typer.Option(None, "--from", metavar="N", help="Start the course at lesson N."),
    show: bool = typer.Option(False, "--show", help="Print the lessons without asking (the default off a terminal)."),
    answer: str | None = typer.Option(
        None, "--answer", metavar="STATUS", help="Judge this prediction for the one lesson given (exit 1 if wrong)."
    ),
    directory: Annotated[
        Path | None, typer.Option("--dir", metavar="DIR", help="Lessons from DIR instead of the course.")
    ] = None,
    json_output: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """A short course on the keychain's rules: predict what a call returns, run it, see why, fix it.

    Interactive on a terminal. --show, --answer and --json make it scriptable. Exit 0; 1 when an --answer
    is wrong; 2 for an unknown lesson or --answer value; 5 for a malformed lesson file.
    """
    opts = options(ctx)
    as_json = json_output or opts.json
    with guard():
        from keychainsim.lessons import load_course, select
        from keychainsim.lessons.run import run_lesson

        course = load_course(directory)
        try:
            lessons = select(course, list(lesson_names or [])) if lesson_names else course
        except LookupError as error:
            fail(str(error), EXIT_USAGE)
        if start is not None:
            lessons = [lesson for lesson in lessons if lesson.number >= start]
            if not lessons:
                fail(f"--from: no lesson numbered {start} or later", EXIT_USAGE)
        if list_lessons:
            _list(lessons, as_json)
            raise typer.Exit(EXIT_OK)
        if answer is not None:
            raise typer.Exit(_judge(run_lesson, lessons, answer, as_json, len(course)))
        if as_json:
            emit_json({"lessons": [run_lesson(lesson).to_dict() for lesson in lessons]})
            raise typer.Exit(EXIT_OK)
        if not show and sys.stdin.isatty() and sys.stdout.isatty():
            raise typer.Exit(_interactive(run_lesson, lessons, len(course)))
        for index, lesson in enumerate(lessons):
            run = run_lesson(lesson)
            _echo(([""] if index else []) + lesson_intro(run, len(course)) + lesson_outcome(run))
    raise typer.Exit(EXIT_OK)


def _list(lessons: list[Any], as_json: bool) -> None:
    if as_json:
        emit_json(
            {"lessons": [{"number": x.number, "name": x.name, "title": x.title, "pitfall": x.pitfall} for x in lessons]}
        )
        return
    for lesson in lessons:
        typer.echo(f"{lesson.number:>3}  {lesson.name:<36} {lesson.title}")


def _judge(run_lesson: Any, lessons: list[Any], answer: str, as_json: bool, total: int) -> int:
    """``--answer STATUS`` for one lesson: the verdict, then the lesson as --show prints it."""
    if len(lessons) != 1:
        fail(f"--answer judges one lesson; {len(lessons)} are selected (name one: keychainsim learn 4 --answer ...)", 2)
    run = run_lesson(lessons[0])
    choice = _parse_choice(run, answer, by_number=False)
    if choice is None:
        # a status literal, as --expect takes: malformed input (5) in every command
        fail(f"--answer: {answer!r} is not a status name or number (e.g. errSecItemNotFound or -25300)", EXIT_INPUT)
    correct = run.judge(choice)
    if as_json:
        body = run.to_dict()
        body["prediction"] = {"given": answer, "correct": correct}
        emit_json({"lessons": [body]})
    else:
        _echo(lesson_intro(run, total))
        typer.echo("")
        typer.echo(verdict(run, choice))
        _echo(lesson_outcome(run))
    return EXIT_OK if correct else EXIT_UNEXPECTED_STATUS
