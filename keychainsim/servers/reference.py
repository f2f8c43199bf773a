"""The reference servers together: a registration server and an mTLS endpoint sharing one test PKI.

``keychainsim demo-mtls`` enrolls against them and proves the identity; ``keychainsim servers`` leaves
them running for a developer's own client. Both start them here, so they are the same servers.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import ExitStack
from typing import Any

from keychainsim.crypto.ca import Fault
from keychainsim.servers.mtls import MTLSServer
from keychainsim.servers.nginx import NginxServer, find_nginx
from keychainsim.servers.pki import ReferencePKI
from keychainsim.servers.registration import RegistrationServer, ServerFault

NGINX_CHOICES = ("auto", "yes", "no")


class ReferenceServers:
    """The registration server and an mTLS endpoint on 127.0.0.1, under one :class:`ReferencePKI`.

    Args:
        faults: the registration server's fault switches (names or enums).
        nginx: ``"auto"`` (nginx when installed, else the Python endpoint), ``"yes"`` or ``"no"``.
        token: a bearer token the registration server requires (None: any request).

    Raises:
        ValueError: (from the constructor) an unknown ``nginx`` choice.
        NginxNotFound, NginxStartError: (from :meth:`start`) ``nginx="yes"`` and nginx cannot run.
    """

    def __init__(
        self, faults: Iterable[Fault | ServerFault | str] = (), nginx: str = "auto", token: str | None = None
    ) -> None:
        if nginx not in NGINX_CHOICES:
            raise ValueError(f"nginx must be auto, yes or no, not {nginx!r}")
        self.faults = tuple(faults)
        self.uses_nginx = nginx == "yes" or (nginx == "auto" and find_nginx() is not None)
        self.pki = ReferencePKI()
        self.registration = RegistrationServer(self.pki, faults=self.faults, token=token)
        self.endpoint: NginxServer | MTLSServer = NginxServer(self.pki) if self.uses_nginx else MTLSServer(self.pki)
        self._stack: ExitStack | None = None

    @property
    def endpoint_kind(self) -> str:
        """How the mTLS endpoint checks client certificates, for a person reading the URLs."""
        return "nginx, ssl_verify_client on" if self.uses_nginx else "Python ssl, client certificate required"

    @property
    def ca_pem(self) -> bytes:
        """The root the servers' certificates chain to, and the client certificates must chain to."""
        return self.pki.root_pem

    def start(self) -> ReferenceServers:
        """Start both; if the second fails, the first is stopped again."""
        with ExitStack() as stack:
            stack.enter_context(self.registration)
            stack.enter_context(self.endpoint)
            self._stack = stack.pop_all()
        return self

    def stop(self) -> None:
        """Stop both (idempotent); nginx's temporary prefix is removed with it."""
        stack, self._stack = self._stack, None
        if stack is not None:
            stack.close()

    def __enter__(self) -> ReferenceServers:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
