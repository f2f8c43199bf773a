"""Call observation: how a trace sees every Sec* call, on a keychain or at module level.

Keychain methods notify their ``Keychain.observers``; module-level functions (SecCertificateCreateWithData,
SecKeyCopyExternalRepresentation, ...) are wrapped with :func:`traced`, which notifies every recorder
registered in the current context. Nothing is recorded when no trace is active, and the wrapper costs
one context-variable read.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import Any, TypeVar

Recorder = Callable[[str, tuple[Any, ...], Any], None]
"""``recorder(call name, arguments, return value)``."""

_recorders: ContextVar[tuple[Recorder, ...]] = ContextVar("keychainsim_recorders", default=())
_depth: ContextVar[int] = ContextVar("keychainsim_trace_depth", default=0)

F = TypeVar("F", bound=Callable[..., Any])


def traced(fn: F) -> F:
    """Report each top-level call of ``fn`` to the active recorders (nested Sec* calls are not repeated)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        recorders = _recorders.get()
        if not recorders:
            return fn(*args, **kwargs)
        token = _depth.set(_depth.get() + 1)
        try:
            result = fn(*args, **kwargs)
        finally:
            _depth.reset(token)
        if _depth.get() == 0:
            for recorder in recorders:
                recorder(fn.__name__, args, result)
        return result

    return wrapper  # type: ignore[return-value]


class inside:
    """Mark the work of a keychain call: traced functions it uses are part of it, not steps of their own.

    A class rather than a generator-based context manager: it wraps every keychain call."""

    __slots__ = ("_token",)

    def __enter__(self) -> None:
        self._token = _depth.set(_depth.get() + 1)

    def __exit__(self, *exc: object) -> None:
        _depth.reset(self._token)


def enter() -> Token[int] | None:
    """:class:`inside` without the context manager, for the keychain's per-call path: pass the token to
    :func:`leave` when the call's work is done. With no recorder registered the depth is left alone
    (None): only :func:`traced` wrappers read it during a call's work, and they record nothing then."""
    if not _recorders.get():
        return None
    return _depth.set(_depth.get() + 1)


def leave(token: Token[int] | None) -> None:
    if token is not None:
        _depth.reset(token)


def nested() -> bool:
    """True inside a traced call: keychain calls made by it are part of that call, not steps of their own."""
    return _depth.get() > 0


@contextmanager
def recording(recorder: Recorder) -> Iterator[None]:
    """Register ``recorder`` for module-level calls made inside the block."""
    token = _recorders.set((*_recorders.get(), recorder))
    try:
        yield
    finally:
        _recorders.reset(token)
