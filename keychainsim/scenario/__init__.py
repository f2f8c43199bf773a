"""Scenario files: a keychain flow written in YAML with Apple's constant names, checked and run.

- :func:`load_scenario` reads and checks a file (YAML, then the JSON Schema shipped as
  ``keychainsim/scenario/schema.json``, then constants, literals and named results), naming the file,
  line and a hint for the first problem (:class:`~keychainsim.errors.ScenarioError`).
- :func:`run_scenario` runs it on a fresh keychain (or one you pass) and returns a
  :class:`ScenarioResult`: each step's status, result shape, diff, failures and explanation.

The format is described in the README ("Scenario files") and in the schema.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ScenarioResult", "load_scenario", "parse_scenario", "run_scenario"]


def __getattr__(name: str) -> Any:
    if name in ("load_scenario", "parse_scenario"):
        from keychainsim.scenario import loader

        return getattr(loader, name)
    if name in ("run_scenario", "ScenarioResult"):
        from keychainsim.scenario import runner

        return getattr(runner, name)
    raise AttributeError(f"module 'keychainsim.scenario' has no attribute {name!r}")
