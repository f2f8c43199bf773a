"""What one SecItem call runs with: the database, the calling app, the platform, the clock, its record.

The facade opens a store transaction and hands the shim this context; the shim passes it down to the
engine piece by piece. Nothing below the facade ever needs the facade itself, so the arrows stay one-way
(architecture.md, principle 6).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from keychainsim.engine.context import Caller, Clock
from keychainsim.engine.database import Database
from keychainsim.status import OSStatus


@dataclass(slots=True)
class CallRecord:
    """The last SecItem call's outcome: its status and, when the engine refused it, the rule that did."""

    call: str
    status: OSStatus
    reason: str = ""
    key: str | None = None
    args: tuple[Any, ...] = ()
    """The call's arguments as the caller passed them (what explain replays)."""

    @property
    def details(self) -> dict[str, Any]:
        """The call's arguments under ``"args"`` (the form older readers of the record use)."""
        return {"args": self.args}


@dataclass(slots=True)
class CallContext:
    """One call's view of the device: the database inside the call's transaction, who calls, on which
    platform (``"ios"``: the data protection keychain only; ``"macos"``: both keychains behind the
    shim), the clock for dates, and the record the call's refusal reason and add outcome go into."""

    db: Database
    caller: Caller
    platform: str
    clock: Clock
    record: CallRecord

    def refused(self, reason: str, key: str | None) -> None:
        """Note why a sub-call was refused (the last refusal is the one the caller is told about)."""
        self.record.reason, self.record.key = reason, key
