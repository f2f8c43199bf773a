"""HTTPS with httpx, as keychainsim always does it: verified, loopback-checked, bounded, no environment.

- TLS verification is always on: against the CA file given, else the system's trust store. There is no
  switch to turn it off; an unverifiable server is a finding, not a warning to click away.
- The target is checked by :func:`keychainsim.enroll.network.check_url` before any connection, and the
  connection goes to the addresses it checked (no second name lookup); SNI and the certificate check
  still use the URL's host name.
- ``trust_env=False``: no proxy variables, no netrc: the request goes where the URL says, or nowhere.
- One request, no redirects, a timeout for the whole exchange, a cap on the body read.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from keychainsim.enroll.network import Target

MAX_RESPONSE_BYTES = 1024 * 1024
"""The most of a response body read; a registration answer is a few kilobytes."""


@dataclass(frozen=True)
class HTTPResult:
    """What came back: status, content type, headers, the body (capped), the TLS details."""

    status_code: int
    content_type: str
    headers: Mapping[str, str]
    body: bytes
    truncated: bool
    tls_version: str | None = None


class TransportError(Exception):
    """The exchange failed before an HTTP answer: ``kind`` is ``untrusted``, ``tls`` or ``connection``.

    Attributes:
        kind: what failed.
        reason: OpenSSL's or the socket's reason, as reported.
        ssl_error: the underlying ``ssl.SSLError``, when there is one.
    """

    def __init__(self, kind: str, reason: str, ssl_error: ssl.SSLError | None = None) -> None:
        self.kind = kind
        self.reason = reason
        self.ssl_error = ssl_error
        super().__init__(f"{kind}: {reason}")


def client_context(ca_pem: bytes | None = None, ca_file: str | None = None) -> ssl.SSLContext:
    """A verifying client context: the CA certificates given (PEM or a file), else the system's.

    Certificates given here are anchors, as ``SecTrustSetAnchorCertificates`` makes them: an
    intermediate alone is enough to trust what it issued (OpenSSL's partial-chain flag).
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # CERT_REQUIRED and check_hostname by default
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if ca_pem is None and ca_file is None:
        context.load_default_certs(ssl.Purpose.SERVER_AUTH)
        return context
    if ca_file is not None:
        context.load_verify_locations(cafile=ca_file)
    if ca_pem:
        context.load_verify_locations(cadata=ca_pem.decode("ascii"))
    context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
    return context


def _ssl_error_in(error: BaseException) -> ssl.SSLError | None:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ssl.SSLError):
            return current
        current = current.__cause__ or current.__context__
    return None


def _classify(error: httpx.TransportError) -> TransportError:
    ssl_error = _ssl_error_in(error)
    if isinstance(ssl_error, ssl.SSLCertVerificationError):
        return TransportError("untrusted", ssl_error.verify_message or str(ssl_error), ssl_error)
    if ssl_error is not None:
        return TransportError("tls", ssl_error.reason or str(ssl_error), ssl_error)
    if isinstance(error, httpx.TimeoutException):
        return TransportError("connection", f"timed out ({type(error).__name__})")
    return TransportError("connection", str(error) or type(error).__name__)


@contextmanager
def _client(context: ssl.SSLContext, timeout: float) -> Iterator[httpx.Client]:
    with httpx.Client(verify=context, trust_env=False, timeout=timeout, follow_redirects=False) as client:
        yield client


def exchange(
    method: str,
    url: str,
    *,
    target: Target,
    context: ssl.SSLContext,
    timeout: float,
    content: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    server_name: str | None = None,
) -> HTTPResult:
    """One request, its answer read up to :data:`MAX_RESPONSE_BYTES`.

    ``target`` is what :func:`~keychainsim.enroll.network.check_url` made of ``url``: the connection goes to
    its checked addresses (the next one only when the previous refused the connection), never to a new
    lookup of the name, while the Host header, the TLS SNI and the certificate check use the URL's host
    (or ``server_name``).

    Raises:
        TransportError: no HTTP answer (untrusted server, TLS alert, refused, timed out).
    """
    original = httpx.URL(url)
    extensions: dict[str, Any] = {"sni_hostname": server_name or target.host}
    request_headers = {"Host": original.netloc.decode("ascii"), **dict(headers or {})}
    last: httpx.TransportError | None = None
    for address in target.addresses:
        pinned = original.copy_with(host=address)
        try:
            return _send(method, pinned, context, timeout, content, request_headers, extensions)
        except httpx.ConnectError as error:
            last = error
        except httpx.TransportError as error:
            raise _classify(error) from error
    assert last is not None
    raise _classify(last) from last


def _send(
    method: str,
    url: httpx.URL,
    context: ssl.SSLContext,
    timeout: float,
    content: bytes | None,
    headers: dict[str, str],
    extensions: dict[str, Any],
) -> HTTPResult:
    with _client(context, timeout) as client:
        request = client.build_request(method, url, content=content, headers=headers, extensions=extensions)
        response = client.send(request, stream=True)
        try:
            tls_version = _tls_version(response)
            body = bytearray()
            truncated = False
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > MAX_RESPONSE_BYTES:
                    truncated = True
                    del body[MAX_RESPONSE_BYTES:]
                    break
        finally:
            response.close()
    return HTTPResult(
        status_code=response.status_code,
        content_type=(response.headers.get("content-type") or "").split(";")[0].strip().lower(),
        headers=dict(response.headers),
        body=bytes(body),
        truncated=truncated,
        tls_version=tls_version,
    )


def _tls_version(response: httpx.Response) -> str | None:
    stream = response.extensions.get("network_stream")
    ssl_object = stream.get_extra_info("ssl_object") if stream is not None else None
    return ssl_object.version() if ssl_object is not None else None
