"""enroll(kc, url): the device side of an enrollment, step by step as an app does it.

1. ``kc.SecKeyCreateRandomKey`` — EC P-256, permanent, with an application tag (the usual app code);
2. ``SecKeyCopyPublicKey`` / ``SecKeyCopyExternalRepresentation`` and a CSR signed through
   ``SecKeyCreateSignature`` (:func:`keychainsim.crypto.csr.create_csr`);
3. one HTTPS POST to the registration endpoint, shaped by a :class:`~keychainsim.enroll.template.Template`;
4. the certificates decoded from the answer (PEM -> DER), each through ``SecCertificateCreateWithData``;
5. ``SecItemAdd`` of the first certificate with the identity's label, then of the chain certificates;
6. the identity lookup: ``kSecClassIdentity`` + ``kSecAttrLabel`` + ``kSecReturnRef`` + ``kSecMatchLimitOne``.

The keychain calls and the module-level Sec* calls go through the trace machinery, so
``with trace(kc) as t: enroll(kc, url)`` records each of them. A step that fails ends the flow with a
finding (:mod:`keychainsim.enroll.findings`); a lookup that fails is explained by
:func:`keychainsim.explain.explain`, whose findings the enrollment finding carries.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from keychainsim.constants import (
    errSecDuplicateItem,
    errSecSuccess,
    kSecAttrApplicationTag,
    kSecAttrIsPermanent,
    kSecAttrKeySizeInBits,
    kSecAttrKeyType,
    kSecAttrKeyTypeECSECPrimeRandom,
    kSecAttrLabel,
    kSecClass,
    kSecClassCertificate,
    kSecClassIdentity,
    kSecMatchLimit,
    kSecMatchLimitOne,
    kSecPrivateKeyAttrs,
    kSecReturnRef,
    kSecValueRef,
)
from keychainsim.crypto.certificates import SecCertificateCopySubjectSummary, SecCertificateCreateWithData
from keychainsim.crypto.keys import SecKeyCopyExternalRepresentation, SecKeyCopyPublicKey
from keychainsim.enroll import inspect
from keychainsim.enroll.findings import Finding
from keychainsim.enroll.network import Target, check_url
from keychainsim.enroll.response import ResponseError, read_certificates
from keychainsim.enroll.result import EnrollmentResult, Step
from keychainsim.enroll.template import Template, resolve_template
from keychainsim.enroll.transport import TransportError, client_context, exchange
from keychainsim.tracing import traced

DEFAULT_TAG = b"com.example.keychainsim.enrollment-key"
DEFAULT_LABEL = "com.example.client-identity"
DEFAULT_SUBJECT: Mapping[str, str] = {"O": "keychainsim", "CN": "device-1"}
BODY_SHOWN = 600
"""Characters of an error body put into a finding's message (the evidence keeps up to 4 KiB)."""

# Module-level Sec* calls made here go through ``traced`` so a trace records them (a no-op outside a
# trace; wrapping an already traced function records the call once).
_SecCertificateCreateWithData = traced(SecCertificateCreateWithData)
_SecKeyCopyPublicKey = traced(SecKeyCopyPublicKey)
_SecKeyCopyExternalRepresentation = traced(SecKeyCopyExternalRepresentation)


def explain_quietly(kc: Any, query: dict[str, Any], call: str) -> Any:
    """explain() with the active trace paused: its own lookups are not steps of the app's flow."""
    from contextlib import nullcontext

    from keychainsim.explain import explain
    from keychainsim.probe.traces import current_trace

    active = current_trace(kc)
    pause = getattr(active, "paused", None)
    with pause() if pause is not None else nullcontext():
        return explain(kc, query, history=active, call=call)


def default_key_parameters(tag: bytes = DEFAULT_TAG) -> dict[str, Any]:
    """What an app passes to SecKeyCreateRandomKey: EC P-256, the private key permanent and tagged."""
    return {
        kSecAttrKeyType: kSecAttrKeyTypeECSECPrimeRandom,
        kSecAttrKeySizeInBits: 256,
        kSecPrivateKeyAttrs: {kSecAttrIsPermanent: True, kSecAttrApplicationTag: tag},
    }


def identity_query(label: str) -> dict[str, Any]:
    """The app's identity lookup after the import."""
    return {kSecClass: kSecClassIdentity, kSecAttrLabel: label, kSecReturnRef: True, kSecMatchLimit: kSecMatchLimitOne}


def enroll(
    kc: Any,
    url: str,
    *,
    template: Template | str | Mapping[str, Any] | None = None,
    token_env: str | None = None,
    key_params: Mapping[str, Any] | None = None,
    subject: Mapping[str, str] | None = None,
    label: str = DEFAULT_LABEL,
    ca_file: str | None = None,
    ca_pem: bytes | None = None,
    allow_remote: bool = False,
    now: datetime | None = None,
) -> EnrollmentResult:
    """Enroll ``kc`` at the registration endpoint ``url`` and look the resulting identity up.

    Args:
        kc: the :class:`~keychainsim.Keychain` the app writes to.
        url: the registration endpoint (``https``; loopback unless ``allow_remote``).
        template: how to send the CSR and read the answer: a :class:`Template`, a built-in name (``pem``,
            ``der``, ``json``), a template file, or a dict; ``pem`` by default.
        token_env: the environment variable holding a bearer token (overrides the template's).
        key_params: SecKeyCreateRandomKey's parameters (default: :func:`default_key_parameters`).
        subject: the CSR's subject as short names (CN, O, OU, ...).
        label: kSecAttrLabel given to the leaf certificate, and the identity lookup's label.
        ca_file, ca_pem: the CA certificate(s) that verify the registration server's TLS certificate;
            without either, the system's trust store. Verification is never turned off.
        allow_remote: permit a non-loopback endpoint (refused by default).
        now: the time validity is judged at (default: now).

    Returns:
        An :class:`EnrollmentResult`; ``result.ok`` is False, with findings, when a step failed.

    Raises:
        InputError: a bad template, a URL keychainsim must not connect to.
    """
    tpl = resolve_template(template).with_token_env(token_env)
    target = check_url(url, allow_remote=allow_remote)
    result = EnrollmentResult(url=url, label=label)
    flow = _Flow(kc, tpl, result, now)
    flow.run(target_url=url, target=target, ca_file=ca_file, ca_pem=ca_pem, key_params=key_params, subject=subject)
    return result


class _Flow:
    """One enrollment's state; each method is one step and returns False when the flow must stop."""

    def __init__(self, kc: Any, template: Template, result: EnrollmentResult, now: datetime | None) -> None:
        self.kc = kc
        self.template = template
        self.result = result
        self.now = now

    def step(self, name: str, ok: bool, detail: str = "") -> bool:
        self.result.steps.append(Step(name, ok, detail))
        return ok

    def fail(self, code: str, message: str, evidence: dict[str, Any] | None = None, explained: Any = ()) -> bool:
        self.result.findings.append(Finding(code, message, evidence or {}, tuple(explained)))
        return False

    def run(
        self,
        *,
        target_url: str,
        target: Target,
        ca_file: str | None,
        ca_pem: bytes | None,
        key_params: Mapping[str, Any] | None,
        subject: Mapping[str, str] | None,
    ) -> None:
        token = self._token()
        if token is False:
            return
        key = self._create_key(key_params)
        if key is None:
            return
        csr = self._create_csr(key, subject or DEFAULT_SUBJECT)
        if csr is None:
            return
        answer = self._post(target_url, target, csr, token, ca_file, ca_pem)
        if answer is None:
            return
        certificates = self._decode(answer)
        if certificates is None:
            return
        if not self._store(certificates):
            return
        self._lookup(key, certificates)

    # -- steps -----------------------------------------------------------------------------------------

    def _token(self) -> str | bool | None:
        name = self.template.token_env
        if not name:
            return None
        value = os.environ.get(name)
        if not value:
            self.step("read bearer token", False, f"${name} is not set")
            return self.fail(
                "enroll.token_missing",
                f"the template sends a bearer token from ${name}, which is "
                "not set (or empty); export it, or drop token_env",
                {"variable": name},
            )
        self.step("read bearer token", True, f"${name} ({len(value)} characters)")
        return value

    def _create_key(self, key_params: Mapping[str, Any] | None) -> Any:
        parameters = dict(key_params) if key_params is not None else default_key_parameters()
        key, error = self.kc.SecKeyCreateRandomKey(parameters)
        if key is None:
            self.step("SecKeyCreateRandomKey", False, str(error))
            self.fail(
                "enroll.key_creation_failed",
                f"SecKeyCreateRandomKey failed: {error}",
                {"error": str(error), "reason": getattr(self.kc.last_call, "reason", None)},
            )
            return None
        self.result.private_key = key
        self.step("SecKeyCreateRandomKey", True, f"klbl={key.application_label.hex()}")
        return key

    def _create_csr(self, key: Any, subject: Mapping[str, str]) -> bytes | None:
        from keychainsim.crypto.csr import CSRError, create_csr

        public = _SecKeyCopyPublicKey(key)
        exported, error = _SecKeyCopyExternalRepresentation(public) if public is not None else (None, None)
        if exported is None:
            self.step("SecKeyCopyExternalRepresentation", False, str(error))
            self.fail("enroll.csr_failed", f"the public key cannot be exported for the CSR: {error}")
            return None
        try:
            csr = create_csr(key, subject)
        except (CSRError, TypeError) as problem:
            self.step("create CSR (SecKeyCreateSignature)", False, str(problem))
            self.fail("enroll.csr_failed", f"the CSR cannot be built: {problem}", {"subject": dict(subject)})
            return None
        self.result.csr_der = csr
        self.step("create CSR (SecKeyCreateSignature)", True, f"{len(csr)} bytes DER, subject {dict(subject)}")
        return csr

    def _post(
        self, url: str, target: Target, csr: bytes, token: str | None, ca_file: str | None, ca_pem: bytes | None
    ) -> Any:
        import json

        from keychainsim.crypto.pem import der_to_pem

        tpl = self.template
        if tpl.request == "der":
            body = csr
        elif tpl.request == "pem":
            body = der_to_pem(csr, "CERTIFICATE REQUEST").encode("ascii")
        else:
            document = {**dict(tpl.extra_fields), tpl.csr_field: der_to_pem(csr, "CERTIFICATE REQUEST")}
            body = json.dumps(document).encode("utf-8")
        headers = {"Content-Type": tpl.request_content_type, **dict(tpl.headers)}
        if tpl.response == "json" and not any(k.lower() == "accept" for k in headers):
            headers["Accept"] = "application/json"
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        name = f"POST {url}"
        try:
            answer = exchange(
                "POST",
                url,
                target=target,
                context=client_context(ca_pem, ca_file),
                timeout=tpl.timeout,
                content=body,
                headers=headers,
            )
        except TransportError as error:
            self.step(name, False, error.reason)
            if error.kind == "untrusted":
                self.fail(
                    "enroll.server_untrusted",
                    f"the registration server's TLS certificate does not verify: {error.reason}; pass the CA "
                    "that issued it (ca_file / --ca-file)",
                    {"reason": error.reason},
                )
            else:
                self.fail(
                    "enroll.connection_failed",
                    f"no answer from {url}: {error.reason}",
                    {"reason": error.reason, "kind": error.kind},
                )
            return None
        except OSError as error:  # an unreadable CA file
            self.step(name, False, str(error))
            self.fail("enroll.connection_failed", f"cannot set up TLS: {error}", {"ca_file": ca_file})
            return None
        self.result.http_status = answer.status_code
        self.result.response_body = answer.body[:4096]
        detail = f"HTTP {answer.status_code}, {answer.content_type or 'no content type'}, {len(answer.body)} bytes"
        if not 200 <= answer.status_code < 300:
            self.step(name, False, detail)
            text = answer.body.decode("utf-8", errors="replace")
            shown = text if len(text) <= BODY_SHOWN else text[:BODY_SHOWN] + " …"
            self.fail(
                "enroll.http_error",
                f"the registration server answered HTTP {answer.status_code}: {shown.strip()}",
                {"status": answer.status_code, "content_type": answer.content_type, "body": text[:4096]},
            )
            return None
        self.step(name, True, detail)
        return answer

    def _decode(self, answer: Any) -> list[Any] | None:
        try:
            decoded = read_certificates(self.template, answer.content_type, answer.body)
        except ResponseError as error:
            self.step("decode response (PEM -> DER)", False, error.problem)
            text = answer.body.decode("utf-8", errors="replace")
            hint = (
                " (set strict_pem: false in the template to accept it)"
                if error.code == "enroll.text_outside_pem"
                else ""
            )
            self.fail(
                error.code,
                f"{error.problem}{hint}; body: {text[:BODY_SHOWN]!r}",
                {
                    "problem": error.problem,
                    "content_type": answer.content_type,
                    "body": text[:4096],
                    "outside_text": list(error.outside_text),
                },
            )
            return None
        self.step("decode response (PEM -> DER)", True, f"{len(decoded.ders)} certificate(s) from {decoded.format}")
        certificates = []
        for index, der in enumerate(decoded.ders):
            certificate = _SecCertificateCreateWithData(der)
            if certificate is None:
                self.step("SecCertificateCreateWithData", False, f"certificate {index + 1}: NULL")
                self.fail(
                    "enroll.certificate_rejected",
                    f"SecCertificateCreateWithData returned NULL for certificate "
                    f"{index + 1} of the response ({len(der)} bytes): it is not a DER X.509 certificate",
                    {"index": index, "length": len(der)},
                )
                return None
            certificates.append(certificate)
        self.step("SecCertificateCreateWithData", True, f"{len(certificates)} certificate(s)")
        self.result.certificate = certificates[0]
        self.result.ca_certificates = tuple(certificates[1:])
        return certificates

    def _store(self, certificates: list[Any]) -> bool:
        leaf = certificates[0]
        attributes = {kSecClass: kSecClassCertificate, kSecValueRef: leaf, kSecAttrLabel: self.result.label}
        status, _ = self.kc.SecItemAdd(attributes)
        if status != errSecSuccess:
            self.step("SecItemAdd (leaf certificate)", False, str(status))
            report = explain_quietly(self.kc, attributes, "SecItemAdd")
            return self.fail(
                "enroll.add_failed",
                f"SecItemAdd of the leaf certificate returned {status}",
                {"status": int(status), "reason": getattr(self.kc.last_call, "reason", None)},
                report.findings,
            )
        self.step("SecItemAdd (leaf certificate)", True, f"label {self.result.label!r}")
        for certificate in certificates[1:]:
            status, _ = self.kc.SecItemAdd({kSecClass: kSecClassCertificate, kSecValueRef: certificate})
            summary = SecCertificateCopySubjectSummary(certificate)
            # An intermediate stored by an earlier enrollment is a duplicate: apps ignore that status.
            self.step(
                "SecItemAdd (chain certificate)",
                status in (errSecSuccess, errSecDuplicateItem),
                f"{summary}: {status.name}",
            )
        return True

    def _lookup(self, key: Any, certificates: list[Any]) -> None:
        query = identity_query(self.result.label)
        status, identity = self.kc.SecItemCopyMatching(query)
        if status != errSecSuccess or identity is None:
            self.step("SecItemCopyMatching (identity)", False, str(status))
            self._explain_missing_identity(query, key, certificates)
            return
        self.step("SecItemCopyMatching (identity)", True, repr(identity.certificate))
        self.result.identity = identity
        if identity.certificate != certificates[0]:
            self.fail(
                "enroll.stale_identity",
                f"the lookup by label {self.result.label!r} returned an older identity "
                f"({identity.certificate!r}), not the certificate just stored; delete the old certificate "
                "before adding the new one",
                {"returned_pkhh": identity.certificate.public_key_hash.hex()},
            )
            return
        report = explain_quietly(self.kc, query, "SecItemCopyMatching")
        if "identity.key_is_public" in report.codes:
            self.fail(
                "enroll.identity_key_is_public",
                f"the lookup by label {self.result.label!r} succeeded, but the identity it returned pairs the "
                "certificate with the stored public key, which cannot sign a handshake; make only the private "
                "key permanent (kSecAttrIsPermanent in kSecPrivateKeyAttrs, not at the top level)",
                {"pkhh": certificates[0].public_key_hash.hex(), "key_class": 0},
                report.findings,
            )
            return
        self._check_for_tls(certificates)
        if self.result.ok:
            self.result.findings.insert(
                0,
                Finding(
                    "enroll.identity_formed",
                    f"identity {self.result.label!r} formed: certificate pkhh "
                    f"{certificates[0].public_key_hash.hex()} = key klbl {key.application_label.hex()}",
                    {"pkhh": certificates[0].public_key_hash.hex(), "klbl": key.application_label.hex()},
                ),
            )

    def _explain_missing_identity(self, query: dict[str, Any], key: Any, certificates: list[Any]) -> None:
        report = explain_quietly(self.kc, query, "SecItemCopyMatching")
        codes = report.codes
        first = inspect.load(certificates[0].der)
        klbl = key.application_label.hex()
        matching = [i for i, c in enumerate(certificates) if c.public_key_hash == key.application_label]
        evidence = {
            "status": int(report.status),
            "klbl": klbl,
            "first_pkhh": certificates[0].public_key_hash.hex(),
            "explain_codes": codes,
        }
        if first is not None and inspect.is_ca(first):
            where = (
                f"the certificate for the device key is number {matching[0] + 1} of {len(certificates)}"
                if matching
                else "no certificate of the response is for the device key"
            )
            self.fail(
                "enroll.chain_out_of_order",
                f"the response starts with a CA certificate "
                f"({inspect.subject_text(first)}), so the app labelled the CA, not its own certificate; "
                f"{where}. Take the certificate whose public key is the device key's (or have the server "
                "send the leaf first)",
                {**evidence, "leaf_position": matching[0] + 1 if matching else None},
                report.findings,
            )
        elif "identity.certificate_for_other_key" in codes:
            self.fail(
                "enroll.certificate_for_other_key",
                f"the server certified another key: the certificate's "
                f"pkhh {certificates[0].public_key_hash.hex()} is not the device key's klbl {klbl}; the server "
                "must certify the public key in the CSR",
                evidence,
                report.findings,
            )
        else:
            self.fail(
                "enroll.identity_not_found", f"the identity lookup returned {report.status}", evidence, report.findings
            )

    def _check_for_tls(self, certificates: list[Any]) -> None:
        leaf = inspect.load(certificates[0].der)
        if leaf is None:
            return
        others = [c for c in (inspect.load(x.der) for x in certificates[1:]) if c is not None]
        if not inspect.issuer_present(leaf, others):
            sent = ", ".join(inspect.subject_text(o) for o in others) or "nothing"
            self.fail(
                "enroll.missing_intermediate",
                f"the response's chain lacks the leaf's issuer "
                f"({leaf.issuer.rfc4514_string()}); the server sent {sent} beside the leaf, so a TLS server "
                "that trusts only the root cannot build the chain",
                {"issuer": leaf.issuer.rfc4514_string(), "sent": [inspect.subject_text(o) for o in others]},
            )
        problem = inspect.validity_problem(leaf, self.now)
        if problem:
            self.fail(
                "enroll.certificate_expired",
                f"the issued certificate is {problem}; a TLS server will refuse it",
                {
                    "not_before": leaf.not_valid_before_utc.isoformat(),
                    "not_after": leaf.not_valid_after_utc.isoformat(),
                },
            )
        if not inspect.allows_client_auth(leaf):
            self.fail(
                "enroll.no_client_auth",
                f"the issued certificate's extended key usage is "
                f"{inspect.extended_key_usages(leaf)}, without clientAuth: a TLS server will refuse it as a "
                "client certificate",
                {"extended_key_usage": inspect.extended_key_usages(leaf)},
            )
