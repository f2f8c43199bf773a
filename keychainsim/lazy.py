"""Package faces whose names are imported on first use.

The command line must start fast (``keychainsim --help`` loads neither ``cryptography`` nor ``rich``), yet
``from keychainsim import Keychain`` and ``keychainsim.render.DumpView`` must keep working: a package lists
where each public name lives, and this module's ``__getattr__`` (PEP 562) imports the home module the
first time the name is asked for, then keeps the value in the package's namespace.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any


def lazy_face(
    package: str, homes: Mapping[str, str], namespace: dict[str, Any]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of ``package``, whose public names live in ``homes`` (name -> module)."""

    def __getattr__(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(home), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *homes})

    return __getattr__, __dir__
