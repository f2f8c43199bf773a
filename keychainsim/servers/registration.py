"""A reference registration server: HTTPS on 127.0.0.1, signs CSRs with the local test CA.

``POST /enroll`` takes a CSR as PEM text, DER (``application/pkcs10``) or a JSON ``{"csr": PEM}`` and
answers with the leaf, the intermediate and the root: a PEM bundle, or JSON ``{"certificate": PEM,
"chain": [PEM, ...]}`` when the request was JSON or asked for it (``Accept: application/json``).

Fault switches reproduce what real registration servers get wrong: the test CA's faults
(:class:`keychainsim.crypto.ca.Fault`: another key, no clientAuth, expired, CA-first order, text around
the PEM) and the server's own (:class:`ServerFault`: no intermediate in the chain, an HTTP 500 with an
error body, an unparsable body). A bearer token can be required.
"""

from __future__ import annotations

import enum
import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from keychainsim.crypto.ca import Fault
from keychainsim.crypto.pem import der_to_pem
from keychainsim.servers.https import LoopbackHTTPSServer, QuietHandler, server_context
from keychainsim.servers.pki import ReferencePKI, ServerCertFault

MAX_REQUEST_BYTES = 64 * 1024
ENROLL_PATH = "/enroll"


class ServerFault(enum.Enum):
    """Mistakes of the registration server itself (beside the CA's :class:`Fault`)."""

    NO_INTERMEDIATE = "no_intermediate"
    HTTP_ERROR = "http_error"
    GARBAGE = "garbage"


FAULT_NAMES: tuple[str, ...] = tuple(f.value for f in Fault) + tuple(f.value for f in ServerFault)
"""Every fault switch by name (CA faults, then server faults)."""


def parse_faults(faults: Iterable[Fault | ServerFault | str]) -> tuple[frozenset[Fault], frozenset[ServerFault]]:
    """Split fault switches (enums or their names) into CA faults and server faults.

    Raises:
        ValueError: an unknown name (the message lists the known ones).
    """
    ca: set[Fault] = set()
    server: set[ServerFault] = set()
    for fault in faults:
        if isinstance(fault, Fault):
            ca.add(fault)
        elif isinstance(fault, ServerFault):
            server.add(fault)
        elif fault in {f.value for f in Fault}:
            ca.add(Fault(fault))
        elif fault in {f.value for f in ServerFault}:
            server.add(ServerFault(fault))
        else:
            raise ValueError(f"unknown fault {fault!r}; known: {', '.join(FAULT_NAMES)}")
    return frozenset(ca), frozenset(server)


@dataclass(frozen=True)
class RecordedRequest:
    """What a client sent (no body: a CSR is public, but the token is not kept either)."""

    path: str
    content_type: str
    accept: str
    authorization_scheme: str | None
    body_length: int


class _Handler(QuietHandler):
    server: _RegistrationHTTPServer

    def do_GET(self) -> None:
        self.send_body(404, b"POST a CSR to /enroll\n", "text/plain")

    def do_POST(self) -> None:
        owner = self.server.owner
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_REQUEST_BYTES:
            self.send_body(413, b"request too large\n", "text/plain")
            return
        body = self.rfile.read(length)
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        accept = (self.headers.get("Accept") or "").lower()
        authorization = self.headers.get("Authorization")
        scheme = authorization.split()[0] if authorization else None
        owner._record(RecordedRequest(self.path, content_type, accept, scheme, length))
        if self.path != ENROLL_PATH:
            self.send_body(404, f"no such endpoint {self.path}; POST to {ENROLL_PATH}\n".encode(), "text/plain")
            return
        if owner.token is not None and authorization != f"Bearer {owner.token}":
            self.send_body(
                401,
                b'{"error": "invalid or missing bearer token"}\n',
                "application/json",
                {"WWW-Authenticate": "Bearer"},
            )
            return
        if ServerFault.HTTP_ERROR in owner.server_faults:
            self.send_body(
                500, b'{"error": "certificate authority unavailable", "request_id": "r-1"}\n', "application/json"
            )
            return
        try:
            csr_der, wants_json = _read_csr(body, content_type, accept)
            issued = owner.pki.ca.issue(csr_der, owner.ca_faults)
        except ValueError as error:
            self.send_body(400, json.dumps({"error": f"bad CSR: {error}"}).encode() + b"\n", "application/json")
            return
        if ServerFault.GARBAGE in owner.server_faults:
            self.send_body(200, b"<html><body>Enrollment queued. Try again later.</body></html>\n", "text/html")
            return
        chain = list(issued.chain)
        if ServerFault.NO_INTERMEDIATE in owner.server_faults:
            chain = [c for c in chain if c != owner.pki.ca.intermediate_der]
        if wants_json:
            leaf = issued.pem if Fault.PEM_EXTRA_TEXT in owner.ca_faults else der_to_pem(chain[0])
            payload = {"certificate": leaf, "chain": [der_to_pem(c) for c in chain[1:]]}
            self.send_body(200, json.dumps(payload).encode(), "application/json")
            return
        text = "".join(der_to_pem(c) for c in chain)
        if Fault.PEM_EXTRA_TEXT in owner.ca_faults:
            text = f"Here is your certificate chain:\n{text}\n-- end of response --\n"
        self.send_body(200, text.encode("ascii"), "application/x-pem-file")


def _read_csr(body: bytes, content_type: str, accept: str) -> tuple[bytes, bool]:
    """The CSR's DER and whether to answer JSON."""
    wants_json = "application/json" in accept
    if content_type == "application/json":
        try:
            pem = json.loads(body)["csr"]
        except (ValueError, KeyError, TypeError):
            raise ValueError('expected a JSON object with a "csr" field holding PEM text') from None
        return _csr_der(pem.encode() if isinstance(pem, str) else b""), True
    return _csr_der(body), wants_json


def _csr_der(data: bytes) -> bytes:
    if data.lstrip().startswith(b"-----BEGIN"):
        try:
            csr = x509.load_pem_x509_csr(data)
        except ValueError:
            raise ValueError("the PEM is not a certificate request") from None
        return csr.public_bytes(serialization.Encoding.DER)
    return data


class _RegistrationHTTPServer(LoopbackHTTPSServer):
    owner: RegistrationServer


class RegistrationServer:
    """The reference registration server; use as a context manager or call :meth:`start` / :meth:`stop`.

    Args:
        pki: the CA that signs (a fresh :class:`ReferencePKI` when None).
        faults: fault switches: :class:`~keychainsim.crypto.ca.Fault`, :class:`ServerFault` or their names.
        token: a bearer token the client must send; None accepts any request.
        host: ``127.0.0.1`` or ``::1``.
        server_cert_fault: a mistake in the server's own TLS certificate (the client must refuse it).

    Attributes:
        url: the enrollment URL (``https://127.0.0.1:PORT/enroll``), once started.
        ca_pem: the root certificate the client verifies this server against.
        requests: what clients sent, in order.
    """

    def __init__(
        self,
        pki: ReferencePKI | None = None,
        *,
        faults: Iterable[Fault | ServerFault | str] = (),
        token: str | None = None,
        host: str = "127.0.0.1",
        server_cert_fault: ServerCertFault | str | None = None,
    ) -> None:
        self.pki = pki or ReferencePKI()
        self.ca_faults, self.server_faults = parse_faults(faults)
        self.token = token
        self.host = host
        self.server_cert_fault = server_cert_fault
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._server: _RegistrationHTTPServer | None = None

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    @property
    def ca_pem(self) -> bytes:
        return self.pki.root_pem

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the registration server is not running; call start() first")
        return self._server.base_url + ENROLL_PATH

    @property
    def address(self) -> tuple[str, int]:
        if self._server is None:
            raise RuntimeError("the registration server is not running")
        return self._server.host, self._server.port

    def start(self) -> RegistrationServer:
        credentials = self.pki.server_credentials(self.server_cert_fault)
        context = server_context(credentials.chain_pem, credentials.key_pem)
        server = _RegistrationHTTPServer(_Handler, context, host=self.host)
        server.owner = self
        server.start()
        self._server = server
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> RegistrationServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
