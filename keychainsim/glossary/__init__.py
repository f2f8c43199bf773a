"""The glossary: every short name, constant, value code, class, status and finding code keychainsim prints.

:func:`lookup` finds terms by Apple's name (``kSecAttrLabel``), by what a dump shows (``labl``, ``ak``,
``73``, ``genp``), by a status's number (``-25300``) or by a finding code; :func:`suggest` offers the
closest names when nothing matches. The terms are built in :mod:`keychainsim.glossary.terms` from the
constants, status and schema tables, plus a data file of meanings.
"""

from __future__ import annotations

import difflib
import re

from keychainsim.glossary.terms import KINDS, Term, all_terms

__all__ = ["KINDS", "Term", "all_terms", "lookup", "suggest"]


def lookup(word: str) -> list[Term]:
    """The terms ``word`` names: by name, by raw value, or by number; exact spelling first, then any case.

    A raw value can name several terms (``type`` is kSecAttrType on passwords and kSecAttrKeyType on
    keys; ``http`` is a protocol and an authentication type); all of them are returned.
    """
    word = word.strip()
    terms = all_terms()
    for same in (lambda a, b: a == b, lambda a, b: a.casefold() == b.casefold()):
        found = [t for t in terms if same(t.name, word)] or [t for t in terms if same(t.raw, word)]
        if found:
            return found
    padded = re.fullmatch(r"([CR])0+([1-9][0-9]*)", word, flags=re.IGNORECASE)
    if padded:  # the catalog's scenarios write their cause C01 (titles, file names); the pitfall is C1
        return lookup(f"{padded.group(1).upper()}{padded.group(2)}")
    if word.lstrip("+-").isdigit():  # a status number typed without its sign: 25300
        return [t for t in terms if t.kind == "status" and t.raw == str(-abs(int(word)))]
    return []


def suggest(word: str, n: int = 3) -> list[str]:
    """The names (or raw values) closest to ``word``, for an unknown name."""
    names: dict[str, str] = {}
    for term in all_terms():
        names.setdefault(term.name.casefold(), term.name)
        if len(term.raw) > 2:
            names.setdefault(term.raw.casefold(), term.raw)
    close = difflib.get_close_matches(word.casefold(), list(names), n=n, cutoff=0.6)
    return [names[c] for c in close]
