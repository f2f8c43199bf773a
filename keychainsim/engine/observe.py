"""What the engine did inside one call, for ``explain``: each search it ran, each add, each collision and
each refusal that a composite call (the macOS shim's two keychains, an identity's two halves) absorbed.

An explanation must never re-derive the verdict it explains (architecture principle 1). So ``explain``
runs the call through the facade's own path (on a copy of the data when the call writes) while an
:class:`Observation` is active, and reads here the queries the engine compiled, the rows it matched or
returned and the row an add or update collided with. Outside ``explain`` nothing is recorded; each
hook then costs one context-variable read.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from keychainsim.model.reject import Reject

if TYPE_CHECKING:
    from keychainsim.model.item import Item
    from keychainsim.model.match import Matcher
    from keychainsim.model.query import Query


@dataclass
class Search:
    """One search on one keychain: a CopyMatching (``op`` "copy"), or the rows an update or delete acts on.

    ``rows`` are the rows the engine kept: for a copy those it returned (after the limit), for an update
    or delete those it changed. ``result`` is what the search handed back (a copy's shaped result), so
    that a merge of several searches can be traced to the rows behind what the caller got.
    """

    op: str
    keychain: str
    query: Query
    matcher: Matcher
    rows: list[Any] = field(default_factory=list)
    result: Any = None
    done: bool = False
    """The search ran to its end (a refusal part-way, such as a locked row, leaves it False)."""


@dataclass(frozen=True)
class Collision:
    """An add or update that would have duplicated ``existing``'s uniqueness attributes."""

    op: str
    keychain: str
    existing: Item
    new: Item | None = None
    query: Query | None = None


@dataclass(frozen=True)
class Refusal:
    """A refusal inside a composite call that the call absorbed or turned into its own status."""

    reject: Reject
    keychain: str | None = None


@dataclass
class Observation:
    """Everything the hooks recorded during one call, in order."""

    searches: list[Search] = field(default_factory=list)
    adds: list[Any] = field(default_factory=list)
    """The :class:`~keychainsim.engine.add.AddOutcome` of every add, in order (a keychain's and a half's)."""
    collisions: list[Collision] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)


_active: ContextVar[Observation | None] = ContextVar("keychainsim_observation", default=None)


@contextmanager
def recording() -> Iterator[Observation]:
    """Record what the engine does inside the block (used by ``explain``; nests, innermost wins)."""
    observation = Observation()
    token = _active.set(observation)
    try:
        yield observation
    finally:
        _active.reset(token)


def search(op: str, keychain: str, query: Query, matcher: Matcher) -> Search | None:
    """A search begins with this compiled query; None when nothing records."""
    observation = _active.get()
    if observation is None:
        return None
    started = Search(op, keychain, query, matcher)
    observation.searches.append(started)
    return started


def found(started: Search | None, rows: list[Any], result: Any = None) -> None:
    """The search ``started`` kept ``rows`` and handed back ``result``."""
    if started is not None:
        started.rows, started.result, started.done = list(rows), result, True


def adding(outcome: Any) -> None:
    """An add begins; ``outcome`` (an AddOutcome) will say what it stored, skipped or collided with."""
    observation = _active.get()
    if observation is not None:
        observation.adds.append(outcome)


def collided(op: str, keychain: str, existing: Item, new: Item | None = None, query: Query | None = None) -> None:
    observation = _active.get()
    if observation is not None:
        observation.collisions.append(Collision(op, keychain, existing, new, query))


_last_absorbed: ContextVar[Reject | None] = ContextVar("keychainsim_last_absorbed", default=None)
"""The last refusal a composite call absorbed, recorded always (one context-variable write): when the call's
status is that refusal's, the facade gives its reason in ``last_call`` (see :func:`absorbed_since`)."""


def absorbed(reject: Reject, keychain: str | None = None) -> None:
    """A composite call caught ``reject`` from one of its parts (and went on, or returned its status)."""
    _last_absorbed.set(reject)
    observation = _active.get()
    if observation is not None:
        observation.refusals.append(Refusal(reject, keychain))


def partly_done(reject: Reject) -> None:
    """A call that did part of its work returns ``reject``'s status (an update that kept some rows while
    another failed): the facade gives its reason in ``last_call``, as for an absorbed refusal, but no part
    was refused outright, so ``explain`` lists no refusal for it (its searches and collisions tell it)."""
    _last_absorbed.set(reject)


def forget_absorbed() -> None:
    """Start a call with no absorbed refusal remembered."""
    _last_absorbed.set(None)


def absorbed_since() -> Reject | None:
    """The last refusal absorbed since :func:`forget_absorbed`, if any."""
    return _last_absorbed.get()
