"""The small template that says how a registration endpoint wants its CSR and how it answers.

Registration servers differ in exactly a few ways: the CSR goes as PEM text, as DER, or inside a JSON
field; a bearer token rides in ``Authorization``; the answer is a PEM bundle (leaf first, then the
chain) or JSON fields. A template names those choices, so one enrollment client serves every server.
Three are built in (``pem``, ``der``, ``json``); a JSON or YAML file can give the rest.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from keychainsim.errors import InputError

REQUEST_FORMATS = ("pem", "der", "json")
RESPONSE_FORMATS = ("auto", "pem", "der", "json")
DEFAULT_CONTENT_TYPES = {"pem": "application/x-pem-file", "der": "application/pkcs10", "json": "application/json"}


@dataclass(frozen=True)
class Template:
    """How to send the CSR and read the answer.

    Attributes:
        request: ``pem`` (the CSR as PEM text), ``der`` (raw DER) or ``json`` (PEM text in ``csr_field``).
        content_type: the request's Content-Type; a per-format default when empty.
        csr_field: the JSON field holding the CSR PEM (``json`` requests).
        extra_fields: more JSON fields sent beside the CSR (``json`` requests).
        headers: more request headers (never put a token here; use ``token_env``).
        token_env: the environment variable holding a bearer token; no Authorization header when empty.
        response: ``pem`` (a PEM bundle, leaf first), ``der`` (one DER certificate), ``json`` (fields) or
            ``auto`` (JSON when the server says so, DER for ``application/pkix-cert``, else PEM).
        certificate_field: the JSON field holding the leaf as PEM.
        chain_field: the JSON field holding the chain: a list of PEM strings or one PEM bundle.
        strict_pem: refuse text outside PEM blocks, as a strict decoder does (False: ignore it, with the
            text shown in the evidence).
        timeout: seconds for the whole request (connect, send, read).
    """

    request: str = "pem"
    content_type: str = ""
    csr_field: str = "csr"
    extra_fields: Mapping[str, Any] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    token_env: str = ""
    response: str = "auto"
    certificate_field: str = "certificate"
    chain_field: str = "chain"
    strict_pem: bool = True
    timeout: float = 10.0

    def __post_init__(self) -> None:
        if self.request not in REQUEST_FORMATS:
            raise InputError("template", f"request must be one of {', '.join(REQUEST_FORMATS)}, not {self.request!r}")
        if self.response not in RESPONSE_FORMATS:
            raise InputError(
                "template", f"response must be one of {', '.join(RESPONSE_FORMATS)}, not {self.response!r}"
            )
        if not 0 < float(self.timeout) <= 120:
            raise InputError("template", f"timeout must be between 0 and 120 seconds, not {self.timeout!r}")
        if any(k.lower() == "authorization" for k in self.headers):
            raise InputError("template", "headers must not carry Authorization; name the token's variable in token_env")

    @property
    def request_content_type(self) -> str:
        return self.content_type or DEFAULT_CONTENT_TYPES[self.request]

    def with_token_env(self, name: str | None) -> Template:
        return self if not name else replace(self, token_env=name)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], source: str = "template") -> Template:
        """A template from a dict (a parsed JSON/YAML file); unknown keys are refused, not ignored.

        Raises:
            InputError: not a mapping, an unknown key, or a bad value.
        """
        if not isinstance(data, Mapping):
            raise InputError(source, f"must be a mapping of template keys, not {type(data).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InputError(source, f"unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        try:
            return cls(**dict(data))
        except InputError as error:
            raise InputError(source, error.problem) from None
        except (TypeError, ValueError) as error:
            raise InputError(source, str(error)) from None

    @classmethod
    def load(cls, path: str | Path) -> Template:
        """A template from a JSON or YAML file.

        Raises:
            InputError: the file cannot be read or parsed, or its content is not a valid template.
        """
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise InputError(str(path), f"cannot be read: {error.strerror}") from None
        try:
            if path.suffix in (".yaml", ".yml"):
                import yaml

                # A template is a handful of fields; an alias could expand extra_fields into billions of
                # values when the request body is written, so aliases are refused outright.
                if any(isinstance(event, yaml.AliasEvent) for event in yaml.parse(text, Loader=yaml.SafeLoader)):
                    raise InputError(str(path), "YAML aliases (*name) are not allowed in a template")
                data = yaml.safe_load(text)
            else:
                data = json.loads(text)
        except InputError:
            raise
        except Exception as error:  # yaml and json raise different types; both mean malformed input
            raise InputError(str(path), f"is not valid {path.suffix.lstrip('.') or 'JSON'}: {error}") from None
        return cls.from_mapping(data, str(path))


BUILTIN_TEMPLATES: dict[str, Template] = {
    "pem": Template(request="pem", response="auto"),
    "der": Template(request="der", response="auto"),
    "json": Template(request="json", response="json"),
}
"""The built-in templates, by name."""


def resolve_template(template: Template | str | Mapping[str, Any] | None) -> Template:
    """A template from a :class:`Template`, a built-in name, a file path, or a mapping.

    Raises:
        InputError: an unknown name, an unreadable file, or invalid content.
    """
    if template is None:
        return BUILTIN_TEMPLATES["pem"]
    if isinstance(template, Template):
        return template
    if isinstance(template, Mapping):
        return Template.from_mapping(template)
    if isinstance(template, str):
        if template in BUILTIN_TEMPLATES:
            return BUILTIN_TEMPLATES[template]
        if Path(template).is_file():
            return Template.load(template)
        raise InputError(
            template, f"is neither a built-in template ({', '.join(BUILTIN_TEMPLATES)}) nor a template file"
        )
    raise TypeError(f"template: expected a Template, a name, a path or a dict, got {type(template).__name__}")
