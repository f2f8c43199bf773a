"""``python -m keychainsim.servers.demo``: enroll against the reference server, then prove the identity.

On a fresh machine, with nothing but keychainsim installed: a registration server and an mTLS endpoint
start on 127.0.0.1 (nginx when it is installed, else the standard-library endpoint), an in-memory
keychain enrolls as an app would, and the identity it forms opens an mTLS connection. Everything
stops, and every temporary file is gone, when it ends. Exit code 0 when the handshake was accepted.

Options: ``--fault NAME`` (repeatable: a registration-server fault, e.g. ``other_key``, ``no_intermediate``),
``--nginx auto|yes|no``, ``--json``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable
from typing import Any

from keychainsim.errors import InputError


def run_demo(
    faults: Iterable[str] = (), nginx: str = "auto", as_json: bool = False, echo: Callable[[str], Any] = print
) -> int:
    """Run the round trip; print what happened; return the exit code (0: identity accepted by the server).

    Raises:
        InputError: an unknown fault name or ``nginx`` value.
    """
    from keychainsim import Keychain
    from keychainsim.enroll import enroll, mtls_check
    from keychainsim.servers.reference import NGINX_CHOICES, ReferenceServers
    from keychainsim.servers.registration import parse_faults

    if nginx not in NGINX_CHOICES:
        raise InputError("--nginx", f"must be auto, yes or no, not {nginx!r}")
    faults = tuple(faults)
    try:
        parse_faults(faults)
    except ValueError as error:
        raise InputError("--fault", str(error)) from None
    body: dict[str, Any] = {}
    with ReferenceServers(faults, nginx=nginx) as servers:
        registration, endpoint = servers.registration, servers.endpoint
        kc = Keychain()
        enrolled = enroll(kc, registration.url, ca_pem=servers.ca_pem)
        body["enroll"] = enrolled.to_dict()
        if not as_json:
            echo(f"registration server {registration.url} (faults: {', '.join(faults) or 'none'})")
            echo(f"mTLS endpoint {endpoint.url} ({servers.endpoint_kind})\n")
            echo(str(enrolled))
        checked = None
        if enrolled.identity is not None:
            checked = mtls_check(enrolled.identity, endpoint.url, ca_certificates=enrolled.ca_certificates)
            body["mtls"] = checked.to_dict()
            if not as_json:
                echo("")
                echo(str(checked))
    ok = enrolled.ok and checked is not None and checked.ok
    body["ok"] = ok
    if as_json:
        echo(json.dumps(body, sort_keys=True, indent=2))
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m keychainsim.servers.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--fault", action="append", default=[], help="registration server fault (repeatable)")
    parser.add_argument("--nginx", default="auto", choices=("auto", "yes", "no"))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    try:
        return run_demo(args.fault, args.nginx, args.json)
    except InputError as error:
        print(f"keychainsim demo: {error}", file=sys.stderr)
        return 5


if __name__ == "__main__":
    sys.exit(main())
