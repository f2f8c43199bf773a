"""The engine over a pipe: one JSON request per line on stdin, one JSON reply per line on stdout.

``keychainsim serve --stdio`` runs :func:`serve`. The client (the Swift library) starts the process, writes
requests and reads replies in order; end of input ends the engine. Nothing else is ever written to stdout,
so diagnostics go to stderr. docs/protocol.md is the contract.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from typing import IO, Any

from keychainsim.server.session import Session


def reply_for(session: Session, line: bytes) -> dict[str, Any]:
    """The reply to one request line: a parse failure or an engine bug becomes a structured error too."""
    try:
        request = json.loads(line)
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        return {"id": None, "error": {"code": "bad_json", "message": f"the request line is not JSON: {error}"}}
    try:
        return session.handle(request)
    except Exception as error:  # an engine bug: report it, keep serving
        if os.environ.get("KEYCHAINSIM_DEBUG"):
            traceback.print_exc(file=sys.stderr)
        request_id = request.get("id") if isinstance(request, dict) else None
        message = f"internal error ({type(error).__name__}: {error}); set KEYCHAINSIM_DEBUG=1 for the traceback"
        return {"id": request_id, "error": {"code": "internal", "message": message}}


def serve(stdin: IO[bytes], stdout: IO[bytes], platform: str = "ios", access_groups: list[str] | None = None) -> int:
    """Answer requests until end of input; returns the exit status (0). The device starts as ``platform``
    with ``access_groups`` (a ``reset`` request changes both)."""
    session = Session(platform, access_groups)
    for line in stdin:
        if not line.strip():
            continue
        reply = reply_for(session, line)
        stdout.write(json.dumps(reply, separators=(",", ":"), ensure_ascii=False).encode("utf-8") + b"\n")
        stdout.flush()
    return 0
