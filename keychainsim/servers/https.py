"""A stdlib HTTPS server on a loopback address, run in a thread: the base of the reference servers.

The TLS handshake happens in the request's own thread (not in ``accept``), so a client that fails the
handshake cannot stall the server, and its failure is recorded in :attr:`LoopbackHTTPSServer.tls_errors`
instead of a traceback on stderr. Sockets time out, so a silent client cannot hold a thread forever.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from keychainsim.enroll.network import is_loopback_host

SOCKET_TIMEOUT = 10.0
"""Seconds a connection may stay silent before the server drops it."""


class LoopbackHTTPSServer(ThreadingHTTPServer):
    """An HTTPS server bound to a loopback address only.

    Args:
        handler: the request handler class.
        context: the server-side TLS context (certificate loaded; client verification as wanted).
        host: ``127.0.0.1`` (default) or ``::1``; anything else is refused.
        port: 0 for a free port.
    """

    daemon_threads = True
    block_on_close = False

    def __init__(
        self, handler: type[BaseHTTPRequestHandler], context: ssl.SSLContext, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        if not is_loopback_host(host) or host == "localhost":
            raise ValueError(f"reference servers listen on 127.0.0.1 or ::1 only, not {host!r}")
        if ":" in host:
            self.address_family = socket.AF_INET6
        self.context = context
        self.tls_errors: list[str] = []
        self._thread: threading.Thread | None = None
        super().__init__((host, port), handler)

    def finish_request(self, request: Any, client_address: Any) -> None:
        request.settimeout(SOCKET_TIMEOUT)
        try:
            tls = self.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as error:
            self.tls_errors.append(getattr(error, "reason", None) or str(error))
            return
        try:
            super().finish_request(tls, client_address)
        except (ssl.SSLError, OSError) as error:
            self.tls_errors.append(getattr(error, "reason", None) or str(error))
        finally:
            with contextlib.suppress(OSError):
                tls.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Record instead of printing a traceback: a broken client is an expected event here."""
        import sys

        self.tls_errors.append(repr(sys.exc_info()[1]))

    @property
    def host(self) -> str:
        return str(self.server_address[0])

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"https://{host}:{self.port}"

    def start(self) -> None:
        """Serve in a daemon thread until :meth:`stop`."""
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and close the listening socket (idempotent)."""
        if self._thread is not None:
            self.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self.server_close()


class QuietHandler(BaseHTTPRequestHandler):
    """A handler that logs nothing to stderr and answers HTTP/1.1."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def send_body(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True


def server_context(chain_pem: bytes, key_pem: bytes, client_ca_pem: bytes | None = None) -> ssl.SSLContext:
    """A server-side TLS context with the credentials loaded from memory (see :mod:`keychainsim.enroll.secrets`);
    with ``client_ca_pem``, a client certificate issued under it is required."""
    from keychainsim.enroll.secrets import credential_files

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    with credential_files(chain_pem, key_pem) as (certfile, keyfile):
        context.load_cert_chain(certfile, keyfile)
    if client_ca_pem is not None:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(cadata=client_ca_pem.decode("ascii"))
    return context
