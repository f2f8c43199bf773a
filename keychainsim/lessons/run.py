"""Running a lesson: its scenario and its fix through the real engine, and what the learner is shown.

Both scenarios run on fresh in-memory keychains, exactly as ``keychainsim run`` would run them; the answer
is the status the engine returned at the predicted step, and the explanation is ``explain``'s report of
that step (drawn from the same engine, so it cannot disagree with the answer).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from keychainsim.lessons import Lesson


@dataclass
class LessonRun:
    """A lesson, run: the broken scenario, its fix, and the predicted step's outcome in each."""

    lesson: Lesson
    result: Any
    """The scenario's :class:`~keychainsim.scenario.runner.ScenarioResult`."""
    fixed: Any
    """The fix's :class:`~keychainsim.scenario.runner.ScenarioResult`."""

    @property
    def step(self) -> Any:
        """The predicted step's :class:`~keychainsim.scenario.runner.StepOutcome`."""
        return self.result.steps[self.lesson.predict - 1]

    @property
    def fixed_step(self) -> Any:
        return self.fixed.steps[self.lesson.fix_predict - 1]

    @property
    def answer(self) -> Any:
        """The status the engine returned at the predicted step (an :class:`~keychainsim.status.OSStatus`)."""
        return self.step.status

    @property
    def fixed_answer(self) -> Any:
        return self.fixed_step.status

    @property
    def choices(self) -> tuple[str, ...]:
        """The statuses offered: the lesson's, with the engine's answer added when it is not among them."""
        from keychainsim.scenario.literals import status_value

        offered = list(self.lesson.choices)
        if int(self.answer) not in {status_value(c) for c in offered}:
            offered.append(self.answer.name)
        return tuple(offered)

    def judge(self, prediction: str) -> bool:
        """Whether ``prediction`` (a status name or number) is the engine's answer.

        Raises:
            LiteralError: the prediction is neither a status name nor a number.
        """
        from keychainsim.scenario.literals import status_value

        return status_value(prediction) == int(self.answer)

    def to_dict(self) -> dict[str, Any]:
        lesson = self.lesson
        return {
            "number": lesson.number,
            "name": lesson.name,
            "title": lesson.title,
            "pitfall": lesson.pitfall,
            "teaches": list(lesson.teaches),
            "intro": lesson.intro,
            "swift": lesson.swift,
            "scenario": str(lesson.scenario.path),
            "question": lesson.prompt,
            "choices": list(self.choices),
            "answer": {"code": int(self.answer), "name": self.answer.name},
            "why": lesson.why,
            "run": self.result.to_dict(),
            "fix": {
                "text": lesson.fix_text,
                "swift": lesson.fix_swift,
                "scenario": str(lesson.fix_scenario.path),
                "answer": {"code": int(self.fixed_answer), "name": self.fixed_answer.name},
                "run": self.fixed.to_dict(),
            },
        }


def run_lesson(lesson: Lesson) -> LessonRun:
    """Run the lesson's scenario and its fix, each on a fresh keychain."""
    from keychainsim.scenario.runner import Runner

    return LessonRun(lesson, Runner(lesson.scenario).run(), Runner(lesson.fix_scenario).run())
