"""Exceptions keychainsim raises: for misuse and infrastructure, never for a SecItem outcome.

SecItem calls report their outcome as an :class:`~keychainsim.status.OSStatus`, as on a device.
An exception means something Apple would not answer with a status: a key the model does not handle,
a Python value of a type no CF type maps to, a broken store file, a broken scenario.

::

    KeychainSimError
     ├── NotModeledError      a key or feature Apple defines that the model does not handle
     ├── StorageError         the store file is unreadable, corrupt, newer, or locked by another process
     ├── InputError           malformed input data (PEM, DER, JSON, a dump file) named by its source
     └── ScenarioError        a broken scenario file (file, line and a hint)

Python-level misuse (a query that is not a dict, a value of a Python type no CF type stands for, such as a
``set`` or a datetime without a time zone) raises ``TypeError`` naming the offending key, as cryptography's
constructors do. A dictionary the API cannot use is not misuse: a key that is not a string (``None`` is
NSNull, ``bytes`` CFData, an ``int`` CFNumber), an empty or one-character key, an unknown key all give the
status a device gives (errSecParam, errSecNoSuchAttr), with the rule in ``last_call.reason``.
"""

from __future__ import annotations


class KeychainSimError(Exception):
    """Base of every keychainsim exception."""


class NotModeledError(KeychainSimError):
    """Apple defines this key or value, but keychainsim does not model it.

    Raised instead of silently ignoring the key: an ignored filter is how a test passes in the model
    while the device returns -25300.
    """

    def __init__(self, key: str, where: str = "", hint: str = "") -> None:
        self.key = key
        self.where = where
        self.hint = hint
        from keychainsim.constants import name_of

        text = f"{name_of(key)} ({key!r}) is not modelled by keychainsim"
        if where:
            text += f" in {where}"
        if hint:
            text += f": {hint}"
        super().__init__(text)


class StorageError(KeychainSimError):
    """The persistent store cannot be used as asked; the file is left as it was."""

    def __init__(self, path: str, problem: str, fix: str = "") -> None:
        self.path = path
        self.problem = problem
        self.fix = fix
        text = f"keychain store {path}: {problem}"
        if fix:
            text += f" ({fix})"
        super().__init__(text)


class InputError(KeychainSimError):
    """Input data (PEM, DER, JSON, a dump) is malformed; names the input and what is wrong."""

    def __init__(self, source: str, problem: str) -> None:
        self.source = source
        self.problem = problem
        super().__init__(f"{source}: {problem}")


class ScenarioError(KeychainSimError):
    """A scenario file is broken: names the file, the line and what would fix it."""

    def __init__(self, path: str, problem: str, line: int | None = None, hint: str = "") -> None:
        self.path = path
        self.line = line
        self.problem = problem
        self.hint = hint
        where = f"{path}:{line}" if line is not None else path
        text = f"{where}: {problem}"
        if hint:
            text += f" (hint: {hint})"
        super().__init__(text)
