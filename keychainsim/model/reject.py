"""The engine's way to stop a call with a status, carrying the rule that decided it."""

from __future__ import annotations

from keychainsim.status import OSStatus


class Reject(Exception):
    """Raised inside the engine to end a SecItem call with ``status``; the facade returns the status.

    ``reason`` is a sentence naming the key and the rule, kept so that ``explain`` and the trace can say
    why a call failed without the call itself raising to the user.
    """

    def __init__(self, status: OSStatus, reason: str, key: str | None = None) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.key = key
