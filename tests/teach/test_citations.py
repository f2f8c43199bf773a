"""Everything keychainsim cites resolves in what it ships: pitfall ids (C12, R6, S9) in docs/pitfalls.md, and no
message, fixture or document points at a section of a text the project does not ship."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml

from keychainsim.glossary.pitfalls import cited_ids, markdown, pitfalls

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted((ROOT / "fixtures" / "scenarios").rglob("*.yaml")) + sorted(
    (ROOT / "keychainsim" / "lessons" / "scenarios").glob("*.yaml")
)
UNSHIPPED = re.compile(
    r"§|pitfalls[- ]catalog|\bcatalog [CRS]\d|secitem-engine|style-anchors|keys-certs-identities|\bissue \d", re.I
)
"""Citations of texts the project does not ship (its research notes), or of its issue tracker."""


def _unresolved(text: str) -> list[str]:
    known = pitfalls()
    return [i for i in cited_ids(text) if i not in known] + UNSHIPPED.findall(text)


@pytest.mark.model
def test_docs_pitfalls_md_is_generated_from_the_shipped_entries() -> None:
    shipped = (ROOT / "docs" / "pitfalls.md").read_text(encoding="utf-8")
    assert shipped == markdown(ROOT), "run `python -m keychainsim.glossary.pitfalls` and commit docs/pitfalls.md"
    for pitfall_id, entry in pitfalls().items():
        assert f'<a id="{entry.anchor}"></a>' in shipped and f"### {pitfall_id}. " in shipped


@pytest.mark.model
def test_every_entry_is_complete_and_cites_entries_that_exist() -> None:
    entries = pitfalls()
    causes = [k for k in entries if k[0] == "C"]
    assert len(causes) >= 52 and causes == [f"C{n}" for n in range(1, len(causes) + 1)]
    assert [k for k in entries if k[0] == "R"] == [f"R{n}" for n in range(1, 16)]
    for entry in entries.values():
        if entry.kind == "pitfall":
            assert entry.symptom and entry.mechanism and entry.fix and entry.sources, entry.id
            assert entry.confidence in ("high", "medium", "low"), entry.id
        assert all(r in entries for r in entry.rules + entry.causes), entry.id
        assert not _unresolved(entry.summary), entry.id


@pytest.mark.model
@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: str(p.relative_to(ROOT)))
def test_fixture_texts_cite_only_what_resolves(path: Path) -> None:
    meta = yaml.safe_load(path.read_text(encoding="utf-8"))
    for key in ("scenario", "description", "cause", "source"):
        assert not _unresolved(str(meta.get(key) or "")), f"{path.name}: {key}: {meta.get(key)!r}"
    for step in meta["steps"]:
        assert not _unresolved(str(step.get("name") or "")), f"{path.name}: step {step.get('name')!r}"


def _output_strings(path: Path) -> list[tuple[int, str]]:
    """String literals of a module that are not docstrings: what it can print or put in a message."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]


@pytest.mark.model
def test_no_message_cites_an_unshipped_text_and_every_cited_id_resolves() -> None:
    """Finding messages, refusal reasons, CLI output: every string literal outside docstrings."""
    bad = []
    for path in sorted((ROOT / "keychainsim").rglob("*.py")):
        for line, text in _output_strings(path):
            if UNSHIPPED.search(text) or (re.search(r"\b(pitfall|glossary)s? ", text) and _unresolved(text)):
                bad.append(f"{path.relative_to(ROOT)}:{line}: {text!r}")
    assert not bad, "\n".join(bad)


@pytest.mark.model
def test_shipped_documents_cite_only_what_resolves() -> None:
    documents = [ROOT / "README.md", ROOT / "fixtures" / "README.md", ROOT / "keychainsim" / "probe" / "FORMAT.md"]
    documents += sorted((ROOT / "docs").glob("*.md"))
    for document in documents:
        text = document.read_text(encoding="utf-8")
        assert not UNSHIPPED.findall(text), f"{document.name}: {UNSHIPPED.findall(text)}"
    scenario_schema = (ROOT / "keychainsim" / "scenario" / "schema.json").read_text(encoding="utf-8")
    assert not UNSHIPPED.findall(scenario_schema)


@pytest.mark.model
def test_explanations_of_every_fixture_cite_only_what_resolves() -> None:
    """Run the in-memory fixtures (the enrollment ones need servers; their messages are literals checked
    above) and read every finding message and refusal reason they produce."""
    from keychainsim.scenario import run_scenario

    texts = []
    for path in SCENARIOS:
        if "enroll" in path.read_text(encoding="utf-8") and "call: enroll" in path.read_text(encoding="utf-8"):
            continue
        result = run_scenario(path)
        for done in result.steps:
            texts.append(done.reason)
            report = done.report
            for finding in getattr(report, "findings", []) if report is not None else []:
                texts.append(finding.message)
    assert len(texts) > 50
    bad = [t for t in texts if _unresolved(t)]
    assert not bad, bad
