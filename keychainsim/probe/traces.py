"""trace(kc): every Sec* call made inside a block, with its status, result, and what it did to the items.

The keychain reports its calls through ``Keychain.observers`` (shared by every ``with_entitlements`` view
of the same device); module-level functions (SecCertificateCreateWithData, SecKeyCopyExternalRepresentation,
...) report through :func:`keychainsim.tracing.recording`. A step is recorded only for a call the
program made itself: calls made inside another traced call or inside a keychain call (both mark
``tracing.nested()``) belong to that call, and its snapshot and diff already show their effect.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from keychainsim import tracing
from keychainsim.probe.snapshots import Diff, Snapshot, diff
from keychainsim.probe.summary import Summary, summarise, summarise_arguments, summarise_result_dictionary
from keychainsim.status import OSStatus

if TYPE_CHECKING:
    from keychainsim.keychain import Keychain

TRACE_FORMAT = "keychainsim-trace"
TRACE_VERSION = 1


@dataclass(frozen=True)
class Step:
    """One call: what was asked, what came back, why the engine refused, and the items afterwards."""

    index: int
    """1-based position in the trace."""
    call: str
    arguments: tuple[Summary, ...]
    status: OSStatus | None
    """The OSStatus the call returned; None for calls that return a value or a CFError instead."""
    result_text: str
    """A safe one-line summary of what the call returned besides its status ("" for nothing)."""
    reason: str | None
    """The engine's own words for a refusal (``kc.last_call.reason``); None when there was none."""
    snapshot: Snapshot
    diff: Diff
    caller: tuple[str, ...] | None = None
    """The access groups of the app view that made a keychain call; None for module-level calls."""
    args: tuple[Any, ...] = field(default=(), repr=False, compare=False)
    """The arguments as passed, for ``explain(..., history=t)``; never rendered (they may hold key material)."""
    result: Any = field(default=None, repr=False, compare=False)
    """What the call returned besides its status, as returned (the value of ``(status, value)``; the whole
    ``(key, error)`` of the CFError convention; the certificate or None of SecCertificateCreateWithData),
    for ``explain``; never rendered."""

    @property
    def ok(self) -> bool:
        return self.status in (None, OSStatus.errSecSuccess)

    def to_dict(self) -> dict[str, Any]:
        return {
            "arguments": [a.to_json() for a in self.arguments],
            "call": self.call,
            "caller": None if self.caller is None else list(self.caller),
            "diff": self.diff.to_dict(),
            "index": self.index,
            "reason": self.reason,
            "result": self.result_text,
            "snapshot": self.snapshot.to_dict(),
            "status": None if self.status is None else {"code": int(self.status), "name": self.status.name},
        }

    def __rich_repr__(self) -> Any:
        yield "index", self.index
        yield "call", self.call
        yield "status", self.status
        if self.reason:
            yield "reason", self.reason


class Trace:
    """The steps recorded by one ``with trace(kc) as t:`` block (readable during and after the block)."""

    def __init__(self, kc: Keychain) -> None:
        self.kc = kc
        self.steps: list[Step] = []
        self._revision = kc.revision
        self.initial: Snapshot = Snapshot.of(kc)
        self._last = self.initial
        self._paused = 0
        self._views: list[Keychain] = [kc]

    # -- recording ---------------------------------------------------------------------------------

    def _on_keychain_call(self, name: str, args: tuple[Any, ...], outcome: Any, view: Keychain) -> None:
        if self._paused or tracing.nested():
            return
        if all(v is not view for v in self._views):
            self._views.append(view)
        status, result = _split(outcome)
        record = getattr(view, "last_call", None)
        reason = record.reason if record is not None and record.call == name and record.reason else None
        self._record(name, args, status, result, reason, tuple(view.caller.access_groups), view)

    def _on_module_call(self, name: str, args: tuple[Any, ...], result: Any) -> None:
        if self._paused or tracing.nested():
            return
        status, rest = _split(result)
        self._record(name, args, status, rest, None, None, self.kc)

    def _record(
        self,
        name: str,
        args: tuple[Any, ...],
        status: OSStatus | None,
        result: Any,
        reason: str | None,
        caller: tuple[str, ...] | None,
        view: Keychain,
    ) -> None:
        after = self._snapshot_after(view)
        step = Step(
            index=len(self.steps) + 1,
            call=name,
            arguments=summarise_arguments(name, args),
            status=status,
            result_text=_result_text(result),
            reason=reason,
            snapshot=after,
            diff=diff(self._last, after),
            caller=caller,
            args=args,
            result=result,
        )
        self._last = after
        self.steps.append(step)

    def _snapshot_after(self, view: Keychain) -> Snapshot:
        """The items after a call: the previous snapshot when the call changed nothing (a search, a refused
        add), so a long trace of reads costs no copy of the keychain per call."""
        revision = view.revision
        if view.same_revision(revision, self._revision):
            return self._last
        self._revision = revision
        return Snapshot.of(view)

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Calls made inside are not recorded (for tools such as ``explain`` that query on the side)."""
        self._paused += 1
        try:
            yield
        finally:
            self._paused -= 1

    # -- reading -----------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.steps)

    def __iter__(self) -> Iterator[Step]:
        return iter(self.steps)

    def to_dict(self) -> dict[str, Any]:
        return {
            "access_groups": list(self.kc.caller.access_groups),
            "format": TRACE_FORMAT,
            "initial": self.initial.to_dict(),
            "platform": self.kc.platform,
            "steps": [s.to_dict() for s in self.steps],
            "version": TRACE_VERSION,
        }

    def __repr__(self) -> str:
        return f"<Trace of {self.kc!r}: {len(self.steps)} steps>"


@contextmanager
def trace(kc: Keychain, kind: type[Trace] = Trace) -> Iterator[Trace]:
    """Record every Sec* call made inside the block on ``kc`` (and its ``with_entitlements`` views).

    The observer and the module-level recorder are removed when the block ends, also on an exception;
    the returned trace (a ``kind``: :class:`Trace`, or a subclass that also presents it) stays readable
    afterwards.
    """
    with resume(kind(kc)) as recorded:
        yield recorded


@contextmanager
def resume(recorded: Trace) -> Iterator[Trace]:
    """Record into an existing trace again for the length of the block.

    For a recorder that outlives any one block: the engine server (keychainsim.server) keeps one trace per
    device and resumes it around each request, so no context variable stays set between requests.
    """
    kc = recorded.kc
    observer: Callable[..., None] = recorded._on_keychain_call
    kc.observers.append(observer)
    try:
        with tracing.recording(recorded._on_module_call):
            yield recorded
    finally:
        for index in range(len(kc.observers) - 1, -1, -1):
            if kc.observers[index] == observer:
                del kc.observers[index]
                break


def current_trace(kc: Keychain) -> Trace | None:
    """The innermost trace recording ``kc`` right now, or None (lets ``explain`` find its history)."""
    for observer in reversed(kc.observers):
        owner = getattr(observer, "__self__", None)
        if isinstance(owner, Trace):
            return owner
    return None


def _split(outcome: Any) -> tuple[OSStatus | None, Any]:
    """(status, rest) of a return value: Apple's ``(status, value)`` convention gives a status, others None."""
    if isinstance(outcome, tuple) and outcome and isinstance(outcome[0], OSStatus):
        rest = outcome[1:]
        return outcome[0], (rest[0] if len(rest) == 1 else rest) if rest else None
    if isinstance(outcome, OSStatus):
        return outcome, None
    return None, outcome


def _result_text(result: Any) -> str:
    """A one-line result: nothing for None; ``value; error ...`` for the (value, CFError) convention;
    returned dictionaries by their recognisable attributes."""
    if result is None:
        return ""
    if isinstance(result, tuple) and len(result) == 2 and type(result[1]).__name__ in ("CFError", "NoneType"):
        value, error = result
        text = "NULL" if value is None else _result_text(value)
        return text if error is None else f"{text}; error {summarise(error).text()}"
    if isinstance(result, dict):
        return summarise_result_dictionary(result)
    if isinstance(result, list) and result and all(isinstance(r, dict) for r in result):
        shown = ", ".join(summarise_result_dictionary(r) for r in result[:2])
        more = f", +{len(result) - 2} more" if len(result) > 2 else ""
        return f"{len(result)} result{'s' if len(result) != 1 else ''}: {shown}{more}"
    return summarise(result).text()
