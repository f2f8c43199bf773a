"""Where keychainsim may connect: loopback only, unless the caller explicitly allows other hosts.

keychainsim is a simulator: its reference servers listen on 127.0.0.1 / ::1, and a test or a demo that
quietly reached another machine would be a bug (and, in CI, traffic nobody asked for). So every target is
checked before any socket is opened, on the addresses the connection will actually use:

- an IP literal must be a loopback address;
- a host name (``localhost`` included: a name is not trusted for what it says) is resolved once, with
  :func:`resolve`, and every address it resolves to must be a loopback address;
- the connection then goes to those checked addresses, never to a second resolution of the name (which a
  DNS answer that changes between two lookups could point elsewhere), while TLS still sends the name as
  SNI and verifies the server's certificate against it (:mod:`keychainsim.enroll.transport`).

``allow_remote=True`` lifts the loopback rule for a deliberate enrollment against a real server; the
name is still resolved once and the connection pinned to what was resolved.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from keychainsim.errors import InputError


@dataclass(frozen=True)
class Target:
    """A checked connection target.

    Attributes:
        scheme: ``https`` (or another scheme the caller allowed).
        host: the host as the URL names it (a name or an IP literal, without brackets).
        port: the port, the scheme's default when the URL has none.
        addresses: the addresses checked, in the resolver's order; the connection uses these and only these.
        loopback: every address is a loopback address.
    """

    scheme: str
    host: str
    port: int
    addresses: tuple[str, ...]
    loopback: bool

    @property
    def address(self) -> str:
        """The first checked address (the one tried first)."""
        return self.addresses[0]


def ip_literal(host: str) -> str | None:
    """The address when ``host`` is an IPv4 or IPv6 literal (brackets allowed), else None."""
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return None


def is_loopback_address(address: str) -> bool:
    """True for 127.0.0.0/8 and ::1 (an IPv4-mapped ::ffff:127.x.y.z too); a host name is never loopback."""
    literal = ip_literal(address.split("%")[0])
    if literal is None:
        return False
    parsed = ipaddress.ip_address(literal)
    mapped = getattr(parsed, "ipv4_mapped", None)
    return parsed.is_loopback or (mapped is not None and mapped.is_loopback)


def is_loopback_host(host: str) -> bool:
    """True when ``host`` is a loopback IP literal. Names, ``localhost`` included, are not trusted by what
    they say: :func:`check_url` resolves them and checks the addresses."""
    return is_loopback_address(host)


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to for a TCP connection, in the resolver's order, each once.

    The one place keychainsim looks a name up; tests replace it with a stub resolver.

    Raises:
        OSError: the name does not resolve (``socket.gaierror``).
    """
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def check_url(url: str, *, allow_remote: bool = False, schemes: tuple[str, ...] = ("https",)) -> Target:
    """Parse ``url``, resolve its host once and refuse a target keychainsim must not connect to.

    Raises:
        InputError: not an ``https`` URL (or another allowed scheme), no host, a bad port, a name that does
            not resolve, or (unless ``allow_remote``) an address that is not loopback.
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
    literal = ip_literal(host)
    if literal is not None:
        addresses = [literal]
    else:
        try:
            addresses = resolve(host, port)
        except (OSError, UnicodeError) as error:
            raise InputError(url, f"{host} does not resolve: {error}") from None
        if not addresses:
            raise InputError(url, f"{host} resolves to no address")
    outside = [a for a in addresses if not is_loopback_address(a)]
    if outside and not allow_remote:
        if literal is not None:
            what = f"{host} is not a loopback address"
        else:
            verb = "is" if len(outside) == 1 else "are"
            what = f"{host} resolves to {', '.join(addresses)}, and {', '.join(outside)} {verb} not loopback"
        raise InputError(
            url,
            f"{what}: keychainsim connects to loopback addresses (127.0.0.0/8, ::1) only, unless remote "
            "targets are allowed explicitly (--allow-remote / allow_remote=True)",
        )
    return Target(parts.scheme, host, port, tuple(addresses), not outside)
