"""Compiled queries, reused: parsing and checking a dictionary would cost more than the lookup itself.

An app asks the same few questions, each time in a new dictionary and often with other values (another
account, another label). A dictionary of a known *shape* (per caller: the same keys and value types, and
the same values for every key whose value does more than give a WHERE term) gets the compiled query of
the first dictionary of that shape, with this dictionary's attribute values coerced and keyed exactly as
``parse()`` and ``Matcher()`` do (``values.coerce``, ``values.match_key``), so a refused value gets the
same status and message; the same dictionary as the caller's last one (every key, value and type)
gets the last compiled query back.

The compiled query is the one matcher's input either way: the cache saves parsing, not matching. Only
dictionaries of plain values (strings, data, numbers, booleans, dates, None) are cached, and a
dictionary the engine refuses is never cached.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from operator import itemgetter
from typing import Any

from keychainsim.engine.context import Caller
from keychainsim.model.match import Matcher
from keychainsim.model.query import Query, attribute_for
from keychainsim.model.values import coerce, match_key, self_keyed_types
from keychainsim.schema import Attr

PLAIN_TYPES = frozenset({str, bytes, int, bool, float, type(None), datetime})
"""Value types a cached dictionary may hold: immutable, hashable, and compared by value."""

VALUE_SENSITIVE = frozenset({"agrp", "sync", "tomb", "nleg", "clip", "dspk", "accc", "issr", "ggrp"})
"""Attributes whose value does more than give a WHERE term: the groups searched and the entitlement
check (agrp), the implicit predicates (sync, tomb), keychain routing (nleg), refusals (clip, dspk,
ggrp), the access-control checks (accc) and the client's issuer normalization (issr). A shape keeps
their values; only other attributes' values vary within it."""

Compile = Callable[[Caller, dict[str, Any]], tuple[Query, Matcher]]


class _Template:
    """A compiled query and where each varying attribute goes in its query and its matcher's terms."""

    __slots__ = ("matcher", "query", "varying")

    def __init__(
        self, query: Query, matcher: Matcher, varying: tuple[tuple[str, Attr, int, frozenset[type]], ...]
    ) -> None:
        self.query = query
        self.matcher = matcher
        self.varying = varying

    def bind(self, dictionary: dict[str, Any]) -> tuple[Query, Matcher]:
        """The compiled query of ``dictionary``, a dictionary of this template's shape (raises Reject)."""
        attrs = self.query.attrs.copy()
        terms = self.matcher.terms.copy()
        for key, attr, position, as_is in self.varying:
            value = dictionary[key]
            if type(value) in as_is:  # coerce() and match_key() would both give the value itself
                attrs[key] = value
                terms[position] = (key, value)
                continue
            value = coerce(attr, value)
            attrs[key] = value
            terms[position] = (key, match_key(attr, value))
        query = self.query.with_attrs(attrs, dictionary)
        return query, self.matcher.rebound(query, terms)


def _template(query: Query, matcher: Matcher, keys: tuple[str, ...]) -> tuple[tuple[str, ...], _Template]:
    """The keys whose values a shape keeps, and the template of a freshly compiled query."""
    positions = {key: position for position, (key, _) in enumerate(matcher.terms)}
    varying = []
    for key in keys:
        attr = attribute_for(query.item_class, key) if len(key) == 4 and key not in VALUE_SENSITIVE else None
        if attr is not None and key in positions and key in query.attrs:
            varying.append((key, attr, positions[key], self_keyed_types(attr)))
    names = {key for key, _, _, _ in varying}
    fixed = tuple(key for key in keys if key not in names)
    return fixed, _Template(query, matcher, tuple(varying))


def _getter(keys: tuple[str, ...]) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """A function giving the values of ``keys`` as a tuple (itemgetter returns a bare value for one key)."""
    if not keys:
        return lambda _: ()
    if len(keys) == 1:
        one = itemgetter(keys[0])
        return lambda d: (one(d),)
    return itemgetter(*keys)  # type: ignore[return-value]


class _Shape:
    __slots__ = ("fixed", "fixed_values", "templates")

    def __init__(self, fixed: tuple[str, ...]) -> None:
        self.fixed = fixed
        self.fixed_values = _getter(fixed)
        self.templates: dict[tuple[Any, ...], _Template] = {}


class _CallerEntry:
    """One caller's compiled queries: its shapes, and its last dictionary (items, value types) with the
    compiled query it gave, so that an app asking the same question again (in a new dictionary each time)
    gets it back at the cost of a comparison. Kept per caller so that the caller is hashed once a call."""

    __slots__ = ("last", "shapes")

    def __init__(self) -> None:
        self.shapes: dict[tuple[tuple[str, ...], tuple[type, ...]], _Shape] = {}
        self.last: tuple[tuple[Any, ...], tuple[type, ...], tuple[Query, Matcher]] | None = None


class QueryCache:
    """Compiled queries by caller and dictionary shape, bounded (cleared when full: an app asks few)."""

    def __init__(self, compile: Compile, limit: int = 512) -> None:
        self._compile = compile
        self._limit = limit
        self._callers: dict[Caller, _CallerEntry] = {}

    def clear(self) -> None:
        self._callers.clear()

    def get(self, caller: Caller, dictionary: dict[str, Any]) -> tuple[Query, Matcher]:
        types = tuple(map(type, dictionary.values()))
        if not PLAIN_TYPES.issuperset(types):
            return self._compile(caller, dictionary)
        entry = self._callers.get(caller)
        if entry is None:
            if len(self._callers) >= self._limit:
                self._callers.clear()
            entry = self._callers[caller] = _CallerEntry()
        items = tuple(dictionary.items())
        last = entry.last
        if last is not None and last[0] == items and last[1] == types:
            return last[2]
        result = self._shaped(entry, caller, dictionary, types)
        entry.last = (items, types, result)
        return result

    def _shaped(
        self, entry: _CallerEntry, caller: Caller, dictionary: dict[str, Any], types: tuple[type, ...]
    ) -> tuple[Query, Matcher]:
        """The compiled query from the template of the dictionary's shape, made on first sight."""
        keys = tuple(dictionary)
        shape = entry.shapes.get((keys, types))
        if shape is not None:
            template = shape.templates.get(shape.fixed_values(dictionary))
            if template is not None:
                return template.bind(dictionary)
        result = self._compile(caller, dictionary)
        fixed, template = _template(*result, keys)
        if shape is None:
            if len(entry.shapes) >= self._limit:
                entry.shapes.clear()
            shape = entry.shapes[(keys, types)] = _Shape(fixed)
        if shape.fixed == fixed:  # the same keys keep the same values in every class; checked, not assumed
            if len(shape.templates) >= self._limit:
                shape.templates.clear()
            shape.templates[shape.fixed_values(dictionary)] = template
        return result
