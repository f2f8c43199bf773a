"""A stored keychain item: one row of one class table, in one keychain implementation."""

from __future__ import annotations

from collections.abc import Callable, Hashable, ItemsView, Iterable, Iterator, Mapping
from operator import itemgetter
from typing import Any

from keychainsim.model.values import kind_default, match_key
from keychainsim.schema import CLASSES, Attr, ItemClass

DP = "dp"
"""The data protection keychain: the only one on iOS, opt-in on macOS (TN3137)."""
FILE = "file"
"""The macOS file-based keychain, reached through the SecItem shim (reference secitem-engine.md §M)."""

FILE_PRIMARY_KEYS: dict[str, tuple[str, ...]] = {
    "genp": ("acct", "svce"),
    "inet": ("acct", "sdmn", "srvr", "ptcl", "atyp", "port", "path"),
    "cert": ("ctyp", "issr", "slnr"),
    "keys": ("klbl", "atag", "crtr", "type", "bsiz", "esiz", "sdat", "edat"),
}
"""Uniqueness in the macOS file-based keychain: no access group, no sync (§M.4, from
``OSX/libsecurity_cdsa_utilities/lib/Schema.m4`` and ``KeySchema.m4``)."""


Layout = dict[str, int]
"""Where each attribute of an item sits in its value tuple: one shared dict per distinct key order."""

_LAYOUTS: dict[tuple[str, ...], Layout] = {}


def _layout(keys: tuple[str, ...]) -> Layout:
    """The shared layout for ``keys`` (items of one class, added alike, have the same keys)."""
    layout = _LAYOUTS.get(keys)
    if layout is None:
        layout = _LAYOUTS[keys] = {key: position for position, key in enumerate(keys)}
    return layout


_PROJECTIONS: dict[tuple[int, frozenset[str]], tuple[tuple[str, ...], Callable[[tuple[Any, ...]], Any]]] = {}
"""Per layout (by id: layouts are never dropped) and set of kept attributes, their names and a picker."""


_KEY_PLANS: dict[tuple[int, tuple[str, ...]], tuple[tuple[str, Attr, int], ...]] = {}
"""Per layout (by id: layouts are never dropped) and column tuple, the columns present, their schema
attribute and position."""


def _picker(positions: list[int]) -> Callable[[tuple[Any, ...]], tuple[Any, ...]]:
    """The values at ``positions`` of a value tuple, as a tuple (itemgetter gives a bare value for one)."""
    if len(positions) == 1:
        one = positions[0]
        return lambda values: (values[one],)
    return itemgetter(*positions)


class Attributes(Mapping[str, Any]):
    """A read-only view of an item's attributes, in the order they were given."""

    __slots__ = ("_layout", "_values")

    def __init__(self, layout: Layout, values: tuple[Any, ...]) -> None:
        self._layout = layout
        self._values = values

    def __getitem__(self, key: str) -> Any:
        position = self._layout.get(key)
        if position is None:
            raise KeyError(key)
        return self._values[position]

    def get(self, key: str, default: Any = None) -> Any:
        position = self._layout.get(key)
        return default if position is None else self._values[position]

    def __contains__(self, key: object) -> bool:
        return key in self._layout

    def __iter__(self) -> Iterator[str]:
        return iter(self._layout)

    def __len__(self) -> int:
        return len(self._values)

    def items(self) -> ItemsView[str, Any]:
        return _Items(self)

    def __repr__(self) -> str:
        return repr(dict(zip(self._layout, self._values, strict=True)))


class _Items(ItemsView[str, Any]):
    """Iterates the pairs without a lookup per key."""

    _mapping: Attributes

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        return zip(self._mapping._layout, self._mapping._values, strict=True)


class Item:
    """An item as stored: coerced attribute values by raw key, including ``v_Data`` and ``persistref``.

    Items are values: an update builds a new Item with the same rowid, and ``attrs`` is a read-only view.
    Unset attributes are absent (SQL NULL), which is not the same as an empty value.

    A keychain holds many items, so each costs its values and little more: ``__slots__``, no per-item
    caches, and the values in a tuple whose layout (attribute -> position) is shared by every item with
    the same keys, as a table's rows share its columns.
    """

    __slots__ = ("_layout", "_values", "item_class", "keychain", "rowid")

    def __init__(self, rowid: int, item_class: str, keychain: str, attrs: Mapping[str, Any]) -> None:
        self.rowid = rowid
        self.item_class = item_class
        self.keychain = keychain
        self._layout = _layout(tuple(attrs))
        self._values = tuple(attrs.values())

    @property
    def attrs(self) -> Attributes:
        return Attributes(self._layout, self._values)

    def project(self, keep: frozenset[str]) -> dict[str, Any]:
        """The attributes named in ``keep`` that the item has, in order (a result's attribute dictionary):
        the positions are worked out once per layout and ``keep``."""
        plan = _PROJECTIONS.get((id(self._layout), keep))
        if plan is None:
            names = tuple(key for key in self._layout if key in keep)
            positions = [self._layout[key] for key in names]
            pick = (lambda values: ()) if not names else _picker(positions)
            plan = _PROJECTIONS[(id(self._layout), keep)] = (names, pick)
        names, pick = plan
        return dict(zip(names, pick(self._values), strict=False))  # equal lengths by construction

    def keys_of(self, columns: tuple[str, ...]) -> list[tuple[str, Hashable]]:
        """(column, match key) for each of ``columns`` the item has, in ``columns`` order; which of them it
        has, and where, is worked out once per layout."""
        plan = _KEY_PLANS.get((id(self._layout), columns))
        if plan is None:
            by_key = CLASSES[self.item_class].by_key
            plan = tuple((c, by_key[c], self._layout[c]) for c in columns if c in self._layout)
            _KEY_PLANS[(id(self._layout), columns)] = plan
        values = self._values
        return [(column, match_key(attr, values[position])) for column, attr, position in plan]

    def lacks(self, columns: tuple[str, ...]) -> list[str]:
        """The attributes of ``columns`` the item does not have (unset: SQL NULL)."""
        layout = self._layout
        return [column for column in columns if column not in layout]

    def items(self) -> Iterator[tuple[str, Any]]:
        """The (attribute, value) pairs, in order (``attrs.items()`` without the view)."""
        return zip(self._layout, self._values, strict=True)

    def __repr__(self) -> str:
        return (
            f"Item(rowid={self.rowid!r}, item_class={self.item_class!r}, keychain={self.keychain!r}, "
            f"attrs={self.attrs!r})"
        )

    @property
    def schema(self) -> ItemClass:
        return CLASSES[self.item_class]

    def get(self, key: str, default: Any = None) -> Any:
        position = self._layout.get(key)
        return default if position is None else self._values[position]

    def key_of(self, key: str) -> Hashable | None:
        """The match key of attribute ``key`` (None when unset)."""
        position = self._layout.get(key)
        if position is None:
            return None
        return match_key(CLASSES[self.item_class].by_key[key], self._values[position])

    def key_is(self, key: str, wanted: Hashable) -> bool:
        """Whether the match key of attribute ``key`` is ``wanted`` (False when unset).

        A stored value equal to ``wanted`` has ``wanted`` as its key (see ``match_key``: a string, data,
        number or date is its own key, or it is not equal to a key of its column), so the key is computed
        only when they differ.
        """
        position = self._layout.get(key)
        if position is None:
            return False
        value = self._values[position]
        if value == wanted:
            return True
        return match_key(CLASSES[self.item_class].by_key[key], value) == wanted

    def has_keys(self, terms: Iterable[tuple[str, Hashable]]) -> bool:
        """Whether :meth:`key_is` holds for every (attribute, match key) of ``terms``, stopping at the first
        that does not: one call per row instead of one per term, on the matcher's per-row path."""
        layout, values = self._layout, self._values
        for key, wanted in terms:
            position = layout.get(key)
            if position is None:
                return False
            value = values[position]
            if value != wanted and match_key(CLASSES[self.item_class].by_key[key], value) != wanted:
                return False
        return True

    @property
    def is_tombstone(self) -> bool:
        return bool(self.get("tomb", 0))

    @property
    def persistref(self) -> bytes:
        return self.get("persistref", b"")

    def unique_key(self) -> tuple[Hashable, ...]:
        """The uniqueness tuple, with missing members replaced by their kind's default (§C.3)."""
        schema = self.schema
        names = schema.primary_key if self.keychain == DP else FILE_PRIMARY_KEYS[self.item_class]
        out = []
        for name in names:
            attr = schema.by_key[name]
            value = self.get(name)
            out.append(match_key(attr, kind_default(attr.kind) if value is None else value))
        return tuple(out)

    # The matcher's Row protocol: a stored item answers every question about itself.
    def term_item(self, key: str) -> Item:
        return self

    @property
    def group_items(self) -> tuple[Item, ...]:
        return (self,)

    @property
    def state_item(self) -> Item:
        return self

    @property
    def ref_item(self) -> Item:
        return self

    def with_attrs(self, attrs: Mapping[str, Any]) -> Item:
        return Item(self.rowid, self.item_class, self.keychain, attrs)
