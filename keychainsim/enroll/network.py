"""Where keychainsim may connect: loopback only, unless the caller explicitly allows other hosts.

keychainsim is a simulator: its reference servers listen on 127.0.0.1 / ::1, and a test or a demo that
quietly reached another machine would be a bug (and, in CI, traffic nobody asked for). So every
connection target is checked *before* any socket is opened or any name is looked up: an IP literal
must be a loopback address, and the only name accepted is ``localhost`` (answered by the hosts file,
no DNS query). ``allow_remote=True`` lifts the rule for a deliberate enrollment against a real server.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from keychainsim.errors import InputError

LOCALHOST_NAMES = frozenset({"localhost", "localhost."})


@dataclass(frozen=True)
class Target:
    """A checked connection target: scheme, host as written, port, and whether it is loopback."""

    scheme: str
    host: str
    port: int
    loopback: bool


def is_loopback_host(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``; never resolves a name."""
    host = host.strip("[]").lower()
    if host in LOCALHOST_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(url: str, *, allow_remote: bool = False, schemes: tuple[str, ...] = ("https",)) -> Target:
    """Parse ``url`` and refuse a target keychainsim must not connect to.

    Raises:
        InputError: not an ``https`` URL (or another allowed scheme), no host, or a host that is not
            loopback while ``allow_remote`` is False.
    """
    parts = urlsplit(url)
    if parts.scheme not in schemes:
        raise InputError(url, f"the URL scheme must be {' or '.join(schemes)}, not {parts.scheme or 'missing'!r}")
    host = parts.hostname
    if not host:
        raise InputError(url, "the URL has no host")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise InputError(url, "the URL's port is not a number between 0 and 65535") from None
    loopback = is_loopback_host(host)
    if not loopback and not allow_remote:
        raise InputError(
            url,
            f"{host} is not a loopback address: keychainsim connects to 127.0.0.1, ::1 or localhost only, "
            "unless remote targets are allowed explicitly (--allow-remote / allow_remote=True)",
        )
    return Target(parts.scheme, host, port, loopback)
