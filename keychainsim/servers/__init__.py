"""Reference servers on loopback for tests and the demo: a registration server and mTLS endpoints.

- :class:`RegistrationServer`: HTTPS on 127.0.0.1, signs CSRs with the local test CA, with fault switches.
- :class:`NginxServer`: nginx with ``ssl_verify_client on`` in a temporary prefix, on a free loopback port.
- :class:`MTLSServer`: the same contract in the standard library, where nginx is not installed.
- :class:`ReferencePKI`: the CA behind all three, issuing against the real clock.

Each is a context manager; nothing listens beyond 127.0.0.1 / ::1, and nothing stays on disk after stop.
"""

from __future__ import annotations

from keychainsim.servers.mtls import MTLSServer
from keychainsim.servers.nginx import NginxNotFound, NginxServer, NginxStartError, find_nginx
from keychainsim.servers.pki import ReferencePKI, ServerCertFault
from keychainsim.servers.registration import FAULT_NAMES, RegistrationServer, ServerFault

__all__ = [
    "FAULT_NAMES",
    "MTLSServer",
    "NginxNotFound",
    "NginxServer",
    "NginxStartError",
    "ReferencePKI",
    "RegistrationServer",
    "ServerCertFault",
    "ServerFault",
    "find_nginx",
]
