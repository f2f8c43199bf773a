"""Read the certificates out of a registration server's answer: a PEM bundle, one DER, or JSON fields.

This is the app's decoding step (PEM -> DER), done carefully: it names what is wrong with a body (no
PEM block, bad base64, a missing JSON field, text around the PEM) instead of handing the raw bytes to
``SecCertificateCreateWithData``, which would only answer NULL.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from keychainsim.crypto.pem import split_pem_bundle
from keychainsim.enroll.template import Template
from keychainsim.errors import InputError

PKIX_CERT_TYPES = frozenset({"application/pkix-cert", "application/x-x509-user-cert", "application/x-x509-ca-cert"})


@dataclass(frozen=True)
class Certificates:
    """The DER certificates in the order the server sent them (leaf expected first)."""

    ders: tuple[bytes, ...]
    format: str
    outside_text: tuple[str, ...] = ()


class ResponseError(Exception):
    """The body cannot be decoded; ``code`` is the finding code, ``problem`` the precise reason."""

    def __init__(self, code: str, problem: str, outside_text: tuple[str, ...] = ()) -> None:
        self.code = code
        self.problem = problem
        self.outside_text = outside_text
        super().__init__(problem)


def response_format(template: Template, content_type: str, body: bytes) -> str:
    """``pem``, ``der`` or ``json``: the template's choice, or for ``auto`` what the answer says it is."""
    if template.response != "auto":
        return template.response
    if content_type == "application/json" or content_type.endswith("+json"):
        return "json"
    if content_type in PKIX_CERT_TYPES or (body[:1] == b"\x30" and b"-----BEGIN" not in body[:64]):
        return "der"
    return "pem"


def read_certificates(template: Template, content_type: str, body: bytes) -> Certificates:
    """The certificates in ``body``.

    Raises:
        ResponseError: ``enroll.unparsable_response`` (nothing decodable) or ``enroll.text_outside_pem``
            (a strict template and text around the PEM blocks).
    """
    kind = response_format(template, content_type, body)
    if kind == "der":
        if not body:
            raise ResponseError("enroll.unparsable_response", "the body is empty")
        return Certificates((body,), "der")
    if kind == "json":
        return _from_json(template, body)
    return _from_pem(template, body, "response body")


def _from_pem(template: Template, data: bytes | str, source: str) -> Certificates:
    try:
        bundle = split_pem_bundle(data, "CERTIFICATE", source)
    except InputError as error:
        raise ResponseError("enroll.unparsable_response", str(error)) from None
    if bundle.outside_text and template.strict_pem:
        raise ResponseError(
            "enroll.text_outside_pem",
            f"{source} has text outside its PEM blocks: {_snippet(bundle.outside_text[0])}",
            bundle.outside_text,
        )
    return Certificates(tuple(bundle.ders()), "pem", bundle.outside_text)


def _from_json(template: Template, body: bytes) -> Certificates:
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        raise ResponseError("enroll.unparsable_response", f"the body is not JSON: {error}") from None
    if not isinstance(document, dict):
        kind = type(document).__name__
        raise ResponseError("enroll.unparsable_response", f"the JSON body is a {kind}, not an object")
    leaf = document.get(template.certificate_field)
    if not isinstance(leaf, str):
        fields = ", ".join(sorted(map(str, document))) or "none"
        raise ResponseError(
            "enroll.unparsable_response",
            f"the JSON body has no text field {template.certificate_field!r} (fields: {fields})",
        )
    leaf_certs = _from_pem(template, leaf, f"JSON field {template.certificate_field!r}")
    chain_value = document.get(template.chain_field, [])
    if isinstance(chain_value, str):
        chain_value = [chain_value]
    if not isinstance(chain_value, list) or not all(isinstance(c, str) for c in chain_value):
        raise ResponseError(
            "enroll.unparsable_response", f"JSON field {template.chain_field!r} must be PEM text or a list of PEM texts"
        )
    ders = list(leaf_certs.ders)
    outside = list(leaf_certs.outside_text)
    for index, text in enumerate(chain_value):
        part = _from_pem(template, text, f"JSON field {template.chain_field!r}[{index}]")
        ders += part.ders
        outside += part.outside_text
    return Certificates(tuple(ders), "json", tuple(outside))


def _snippet(text: str) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= 60 else text[:57] + "...")
