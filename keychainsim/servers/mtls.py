"""A stdlib mTLS endpoint on 127.0.0.1: requires a client certificate issued under the reference root.

It stands in for nginx where nginx is not installed (the demo on a fresh machine). Unlike nginx, which
completes the handshake and answers HTTP 400, OpenSSL here refuses a bad client certificate with a TLS
alert (``unknown ca``, ``certificate expired``, ``unsupported certificate``, ``certificate required``):
the client sees both kinds of rejection, as it would in the field.
"""

from __future__ import annotations

from typing import Any

from keychainsim.servers.https import LoopbackHTTPSServer, QuietHandler, server_context
from keychainsim.servers.pki import ReferencePKI, ServerCertFault


class _Handler(QuietHandler):
    def do_GET(self) -> None:
        peer = self.connection.getpeercert() or {}
        subject = ",".join("=".join(pair) for rdn in peer.get("subject", ()) for pair in rdn)
        self.send_body(200, f"client subject: {subject}\n".encode(), "text/plain")


class MTLSServer:
    """A Python mTLS endpoint; a context manager, like :class:`~keychainsim.servers.nginx.NginxServer`.

    Args:
        pki: whose root the client certificates must chain to, and who issues the server certificate.
        client_ca_pem: the trusted client CAs (default: the PKI's root only, so clients must send the
            intermediate).
        server_cert_fault: a mistake in the server's certificate.
        host: ``127.0.0.1`` or ``::1``.
    """

    def __init__(
        self,
        pki: ReferencePKI,
        *,
        client_ca_pem: bytes | None = None,
        server_cert_fault: ServerCertFault | str | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        self.pki = pki
        self.client_ca_pem = client_ca_pem if client_ca_pem is not None else pki.root_pem
        self.server_cert_fault = server_cert_fault
        self.host = host
        self._server: LoopbackHTTPSServer | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the mTLS server is not running; call start() first")
        return self._server.base_url + "/"

    @property
    def tls_errors(self) -> list[str]:
        return [] if self._server is None else list(self._server.tls_errors)

    def start(self) -> MTLSServer:
        credentials = self.pki.server_credentials(self.server_cert_fault)
        context = server_context(credentials.chain_pem, credentials.key_pem, client_ca_pem=self.client_ca_pem)
        self._server = LoopbackHTTPSServer(_Handler, context, host=self.host)
        self._server.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> MTLSServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
