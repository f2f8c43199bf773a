"""``keychainsim servers``: the reference servers in the foreground until Ctrl-C or SIGTERM.

A developer points their own client at them: it enrolls at the registration URL (trusting the CA file),
then presents the identity it formed to the mTLS endpoint. The process prints the URLs and the CA file,
then waits; SIGINT (Ctrl-C) or SIGTERM stops the servers (nginx included), removes the temporary files
and exits 0.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from keychainsim.errors import InputError
from keychainsim.servers.reference import ReferenceServers

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def serve_until_stopped(
    servers: ReferenceServers, ca_file: str | None, as_json: bool, echo: Callable[[str], Any] = print
) -> None:
    """Start ``servers``, say where they are, and keep them up until SIGINT or SIGTERM.

    Args:
        ca_file: where to write the root CA (kept afterwards); None: a temporary file, removed at the end.
        as_json: print one JSON line (``registration_url``, ``mtls_url``, ``ca_file``, ...) instead of text.
    """
    stop = threading.Event()
    with _stop_on_signals(stop), _ca_file(servers.ca_pem, ca_file) as ca_path, servers:
        if as_json:
            echo(json.dumps(_description(servers, ca_path), sort_keys=True))
        else:
            for line in _text(servers, ca_path):
                echo(line)
        while not stop.wait(1.0):
            pass
    if not as_json:
        echo("stopped: the reference servers are down")


def _description(servers: ReferenceServers, ca_path: str) -> dict[str, Any]:
    return {
        "registration_url": servers.registration.url,
        "mtls_url": servers.endpoint.url,
        "mtls_endpoint": "nginx" if servers.uses_nginx else "python",
        "ca_file": ca_path,
        "faults": _fault_names(servers),
        "pid": os.getpid(),
    }


def _text(servers: ReferenceServers, ca_path: str) -> list[str]:
    faults = ", ".join(_fault_names(servers)) or "none"
    registration, mtls = servers.registration.url, servers.endpoint.url
    return [
        f"registration server: {registration}  (POST a CSR: PEM, DER or JSON; faults: {faults})",
        f"mTLS endpoint:       {mtls}  ({servers.endpoint_kind})",
        f"CA file:             {ca_path}  (trust it for both servers; client certificates chain to it)",
        "",
        "try it with keychainsim as the client:",
        f"  keychainsim enroll --url {registration} --ca-file {ca_path}",
        f"  keychainsim mtls-check {mtls} --identity com.example.client-identity",
        "",
        "Ctrl-C (or SIGTERM) stops the servers.",
    ]


def _fault_names(servers: ReferenceServers) -> list[str]:
    return [str(getattr(fault, "value", fault)) for fault in servers.faults]


@contextmanager
def _ca_file(pem: bytes, path: str | None) -> Iterator[str]:
    """The root CA written to ``path`` (kept), or to a private temporary directory (removed afterwards)."""
    if path is not None:
        target = Path(path).resolve()
        try:
            target.write_bytes(pem)
        except OSError as error:
            raise InputError(f"--ca-file {path}", f"cannot be written: {error.strerror}") from None
        yield str(target)
        return
    directory = tempfile.mkdtemp(prefix="keychainsim-servers-")
    try:
        target = Path(directory) / "ca.pem"
        target.write_bytes(pem)
        yield str(target)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """SIGINT and SIGTERM set ``stop`` (instead of killing the process mid-way) until the block ends."""
    previous = {number: signal.signal(number, lambda *_: stop.set()) for number in STOP_SIGNALS}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
