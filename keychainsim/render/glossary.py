"""How glossary terms read as text, and the legend that names the short attribute keys a message uses.

Explanations speak the database's language (``klbl``, ``pkhh``, ``agrp``) because that is what a device
dump shows; :func:`terms_line` puts Apple's constant names beside them, so a reader who knows only
``kSecAttrApplicationLabel`` can follow.
"""

from __future__ import annotations

import re
from functools import cache

from keychainsim.glossary import Term, all_terms

_ENGLISH = frozenset({"type", "path", "port", "sign", "next", "wrap", "desc", "salt"})
"""Raw keys that are also English words: named in a legend only where written as ``key=value``."""


def term_lines(term: Term) -> list[str]:
    """One term as a block of lines: what a dump shows, Apple's name, its role, then the facts."""
    role = term.kind
    if term.value_of:
        owner = next((t for t in all_terms() if t.name == term.value_of), None)
        role = f"value of {term.value_of}" + (f" ({owner.raw})" if owner is not None else "")
    where = "; ".join(p for p in (role, term.header, term.platform) if p)
    head = f"{term.raw}  {term.name}" if term.raw != term.name else term.name
    lines = [f"{head}  ({where})", f"  {term.meaning}"]
    if term.classes:
        lines.append("  carried by: " + ", ".join(term.classes))
    if term.kind == "attribute" and term.classes:
        lines.append(
            "  part of the uniqueness of: " + ", ".join(term.unique_in)
            if term.unique_in
            else "  not part of any class's uniqueness"
        )
    lines += [f"  {fact}" for fact in term.facts]
    if term.same_raw:
        lines.append("  same raw value: " + ", ".join(term.same_raw))
    if term.kind == "finding":
        lines.append("  every code with an example scenario: keychainsim explain --codes")
    elif term.doc:
        lines.append(f"  Apple documentation: {term.doc}")
    elif term.header:
        lines.append(f"  no Apple documentation page ({term.header} is not a public header)")
    lines += [f"  see: {see}" for see in term.see]
    return lines


def listing_lines(terms: list[Term] | tuple[Term, ...]) -> list[str]:
    """Terms one per line, grouped by kind: raw value, name, the first sentence of the meaning."""
    lines: list[str] = []
    kind = None
    for term in terms:
        if term.kind != kind:
            kind = term.kind
            lines += ["", f"── {kind} ──"] if lines else [f"── {kind} ──"]
        first = term.meaning.split(". ")[0].rstrip(".")
        raw = term.raw if term.raw != term.name else ""
        lines.append(f"  {raw:<14} {term.name:<44} {first}")
    return lines


@cache
def _attribute_names() -> dict[str, str]:
    """Raw attribute key -> the constant a reader knows it by (the first public name declared)."""
    names: dict[str, str] = {}
    for term in all_terms():
        if term.kind == "attribute" and term.classes:
            names.setdefault(term.raw, term.name)
    return names


def terms_line(text: str) -> str | None:
    """``terms: klbl = kSecAttrApplicationLabel, ...`` for the raw attribute keys ``text`` uses, or None."""
    names = _attribute_names()
    found: list[str] = []
    for match in re.finditer(r"(?<![\w.#])([a-z][a-zA-Z0-9]{3})(?![\w(#])(=?)", text):
        raw, assigned = match.groups()
        if raw in names and raw not in found and (assigned or raw not in _ENGLISH):
            found.append(raw)
    if not found:
        return None
    return "terms: " + ", ".join(f"{raw} = {names[raw]}" for raw in found) + " (keychainsim glossary NAME)"
