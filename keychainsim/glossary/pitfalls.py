"""The pitfalls: the rules behind SecItem failures (R1...), their causes (C1...) and the seed flow's variants (S1...).

The entries live in ``pitfalls.yaml`` beside this module, in keychainsim's own words; fixtures, lessons and
messages cite their ids. :func:`markdown` renders ``docs/pitfalls.md`` from them, adding the fixtures that
reproduce each cause (their ``cause`` field) and the lessons that teach it (their ``pitfall`` field), so the
document cannot name a fixture that does not exist or miss one that does::

    python -m keychainsim.glossary.pitfalls      # rewrite docs/pitfalls.md from the repository root
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

ID = re.compile(r"\b([CRS])([1-9][0-9]?)\b")
"""How a pitfall id is written where it is cited: C12, R6, S9."""

KIND_OF = {"R": "rule", "C": "pitfall", "S": "seed variant"}
DOC_PATH = "docs/pitfalls.md"


@dataclass(frozen=True)
class Pitfall:
    """One entry: a rule (R), a cause (C) or a variant of the seed flow (S)."""

    id: str
    title: str
    text: str = ""
    symptom: str = ""
    mechanism: str = ""
    fix: str = ""
    rules: tuple[str, ...] = ()
    causes: tuple[str, ...] = ()
    confidence: str = ""
    sources: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        return KIND_OF[self.id[0]]

    @property
    def anchor(self) -> str:
        return self.id.lower()

    @property
    def summary(self) -> str:
        """The entry in a few sentences: what happens, why, and what to do."""
        if self.text:
            return " ".join(self.text.split())
        if self.symptom:
            return f"{self.symptom} Why: {self.mechanism} Fix: {self.fix}"
        return f"A way the seed enrollment flow ends in errSecItemNotFound; causes {', '.join(self.causes)}."


@cache
def pitfalls() -> dict[str, Pitfall]:
    """Every entry by id, rules first, then causes, then seed variants, each in number order."""
    text = resources.files(__package__).joinpath("pitfalls.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    out: dict[str, Pitfall] = {}
    for section in ("rules", "causes", "seed"):
        for key, entry in data[section].items():
            out[key] = Pitfall(
                id=key,
                title=entry["title"],
                text=" ".join(str(entry.get("text", "")).split()),
                symptom=" ".join(str(entry.get("symptom", "")).split()),
                mechanism=" ".join(str(entry.get("mechanism", "")).split()),
                fix=" ".join(str(entry.get("fix", "")).split()),
                rules=tuple(entry.get("rules", ())),
                causes=tuple(entry.get("causes", ())),
                confidence=str(entry.get("confidence", "")),
                sources=tuple(entry.get("sources", ())),
            )
    return out


def cited_ids(text: str) -> list[str]:
    """The pitfall ids a text cites (C12, R6, S9), in order of appearance."""
    return [m.group(1) + m.group(2) for m in ID.finditer(text)]


def lessons_by_pitfall() -> dict[str, list[tuple[int, str, str]]]:
    """Pitfall id -> the lessons that teach it, as (number, name, title), read from the lesson files."""
    folder = resources.files("keychainsim.lessons")
    out: dict[str, list[tuple[int, str, str]]] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        match = re.match(r"^(\d{2})-(.+)\.yaml$", entry.name)
        if not match:
            continue
        lesson = yaml.safe_load(entry.read_text(encoding="utf-8")) or {}
        if lesson.get("pitfall"):
            out.setdefault(str(lesson["pitfall"]), []).append((int(match.group(1)), match.group(2), lesson["lesson"]))
    return out


def fixtures_by_pitfall(root: Path) -> dict[str, list[str]]:
    """Pitfall id -> the scenario files under ``root/fixtures/scenarios`` whose ``cause`` names it (paths
    relative to ``root``, broken scenarios before their fixed twins)."""
    out: dict[str, list[str]] = {}
    files = (root / "fixtures" / "scenarios").rglob("*.yaml")
    for path in sorted(files, key=lambda p: (p.name.endswith(".fixed.yaml"), str(p))):
        meta: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
        cause = str((meta or {}).get("cause") or "")
        for pitfall_id in cited_ids(cause):
            out.setdefault(pitfall_id, []).append(path.relative_to(root).as_posix())
    return out


def _link(pitfall_id: str) -> str:
    return f"[{pitfall_id}](#{pitfall_id.lower()})"


def markdown(root: Path) -> str:
    """docs/pitfalls.md for the repository at ``root``: every entry, the fixtures that reproduce it and the
    lessons that teach it."""
    entries = pitfalls()
    reproduced = fixtures_by_pitfall(root)
    taught = lessons_by_pitfall()
    span = {kind: f"{kind}1-{kind}{sum(1 for i in entries if i[0] == kind)}" for kind in KIND_OF}
    lines = [
        "# Pitfalls: why SecItem calls fail",
        "",
        "<!-- Generated from keychainsim/glossary/pitfalls.yaml by `python -m keychainsim.glossary.pitfalls`; "
        "edit that file, not this one. -->",
        "",
        f"The rules of Apple's keychain that surprise people ({span['R']}), the causes of failures developers "
        f"meet ({span['C']}), and the ways the seed enrollment flow (key, CSR, certificate, identity lookup) ends "
        f"in errSecItemNotFound ({span['S']}). Fixtures, lessons and keychainsim's messages cite these ids; "
        "`keychainsim glossary C12` shows an entry on the command line.",
        "",
        "Confidence: **high** when Apple documents it or Apple's engineers state it and developers report it; "
        "**medium** when it is read in Apple's open source and agrees with reports, or is reported but not "
        "explained; **low** when it is inferred and not confirmed on a device.",
        "",
        "## Rules",
        "",
    ]
    for entry in (e for e in entries.values() if e.kind == "rule"):
        lines += [f'<a id="{entry.anchor}"></a>', f"### {entry.id}. {entry.title}", "", entry.text, ""]
    lines += ["## Causes", ""]
    for entry in (e for e in entries.values() if e.kind == "pitfall"):
        lines += [f'<a id="{entry.anchor}"></a>', f"### {entry.id}. {entry.title}", ""]
        lines.append(f"- **Symptom:** {entry.symptom}")
        lines.append(f"- **Mechanism:** {entry.mechanism}")
        lines.append(f"- **Fix:** {entry.fix}")
        if entry.rules:
            lines.append("- **Rules:** " + ", ".join(_link(r) for r in entry.rules))
        files = reproduced.get(entry.id, [])
        lines.append(
            "- **Reproduced by:** " + ", ".join(f"[`{f}`](../{f})" for f in files)
            if files
            else "- **Reproduced by:** no fixture yet"
        )
        for number, name, title in taught.get(entry.id, []):
            lines.append(f"- **Taught in:** lesson {number}, {title} (`keychainsim learn {number}`, {name})")
        lines.append(f"- **Confidence:** {entry.confidence}")
        lines.append("- **Sources:** " + "; ".join(entry.sources))
        lines.append("")
    lines += [
        "## The seed flow and its variants",
        "",
        "The seed flow: SecKeyCreateRandomKey (EC P-256, permanent, with an application tag), a CSR built with that "
        "key, the server's certificate, SecItemAdd of the certificate with kSecAttrLabel, and the identity lookup by "
        "label. `fixtures/scenarios/seed.yaml` runs it as it should be; each variant below is a way it ends in "
        "errSecItemNotFound.",
        "",
    ]
    for entry in (e for e in entries.values() if e.kind == "seed variant"):
        files = reproduced.get(entry.id, [])
        where = ("; reproduced by " + ", ".join(f"[`{f}`](../{f})" for f in files)) if files else ""
        lines += [f'<a id="{entry.anchor}"></a>', f"### {entry.id}. {entry.title}", ""]
        lines += [f"Causes: {', '.join(_link(c) for c in entry.causes)}{where}.", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def main(argv: list[str]) -> int:
    """Write docs/pitfalls.md under the repository root (the working directory, or the first argument)."""
    root = Path(argv[0]) if argv else Path.cwd()
    (root / DOC_PATH).write_text(markdown(root), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
