"""Run a checked scenario: each step on a fresh (or given) keychain, its expectations, and what it changed.

The runner only calls the public API (the Keychain facade, the crypto functions, the local test CA,
``explain``) and records, per step, the status, the result's shape, the items added, removed and
changed (:func:`keychainsim.probe.diff`) and, where an expectation needs it or fails, the explanation,
drawn also from the history of earlier steps (``trace.*`` findings).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from keychainsim.errors import NotModeledError, ScenarioError
from keychainsim.scenario import literals
from keychainsim.scenario.loader import Scenario, Step, swift_error
from keychainsim.scenario.swift_literals import SwiftLiteralError
from keychainsim.scenario.yamlnodes import LineDict

DEFAULT_CLOCK = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
"""The time every scenario's keychain reads unless the file sets ``clock``: the test CA's reference time."""


@dataclass
class HistoryStep:
    """What explain's history reader needs of an earlier call (``explain(..., history=...)``)."""

    call: str
    args: tuple[Any, ...]
    status: Any
    result: Any
    reason: str = ""
    removed: tuple[Any, ...] = ()
    diff: Any = None
    """What the call changed (:class:`keychainsim.probe.Diff`), as a trace step carries it."""


@dataclass
class StepOutcome:
    """One executed step: what it returned, what it changed, and whether it met its expectations."""

    step: Step
    status: Any = None
    error: Any = None
    result: Any = None
    reason: str = ""
    diff: Any = None
    failures: list[str] = field(default_factory=list)
    report: Any = None
    dump_text: str | None = None
    view: Any = field(default=None, repr=False)
    """The app view the step called (for its explanation)."""
    report_before: Any = field(default=None, repr=False)
    """A write step's explanation, made on the data before it ran."""

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def shape(self) -> str:
        return shape_of(self.result)

    def to_dict(self) -> dict[str, Any]:
        status = None if self.status is None else {"code": int(self.status), "name": _status_name(self.status)}
        error = None
        if self.error is not None:
            error = {"code": int(getattr(self.error, "code", 0)), "description": str(self.error)}
        out: dict[str, Any] = {
            "index": self.step.index,
            "line": self.step.line,
            "name": self.step.title,
            "call": self.step.call,
            "status": status,
            "error": error,
            "result": self.shape,
            "reason": self.reason,
            "ok": self.ok,
            "failures": list(self.failures),
            "diff": self.diff.to_dict() if self.diff is not None else None,
            "explanation": self.report.to_dict() if self.report is not None else None,
        }
        if self.dump_text is not None:
            out["dump"] = self.dump_text
        return out


@dataclass
class ScenarioResult:
    """A scenario's run: its steps in order; it passed when every step met its expectations."""

    scenario: Scenario
    steps: list[StepOutcome] = field(default_factory=list)
    results: dict[str, Any] = field(default_factory=dict)
    keychain: Any = None

    @property
    def passed(self) -> bool:
        return all(s.ok for s in self.steps)

    @property
    def failures(self) -> list[str]:
        return [
            f"step {s.step.index} ({s.step.title}, line {s.step.line}): {f}" for s in self.steps for f in s.failures
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.scenario.path,
            "scenario": self.scenario.name,
            "cause": self.scenario.get("cause"),
            "passed": self.passed,
            "steps": [s.to_dict() for s in self.steps],
        }


def _status_name(status: Any) -> str:
    return getattr(status, "name", str(status))


def shape_of(result: Any) -> str:
    """The shape name an expectation uses for a value (see ``spec.SHAPES``)."""
    if result is None:
        return "none"
    if isinstance(result, bytes | bytearray):
        return "data"
    if isinstance(result, dict):
        return "attributes"
    if isinstance(result, list):
        return "list"
    name = type(result).__name__
    return {"SecKey": "key", "SecCertificate": "certificate", "SecIdentity": "identity"}.get(name, name)


class Runner:
    """Executes one scenario.

    Args:
        scenario: a loaded scenario.
        keychain: the keychain to run on; a fresh in-memory one (the scenario's platform, groups and clock)
            when None.
        probe: also keep the full dump after every step.
        check_explanations: explain every SecItem step and fail the step when the explanation's status is not
            the call's, or the call failed and the explanation has no finding (a self-check of explain).
    """

    def __init__(
        self, scenario: Scenario, keychain: Any = None, probe: bool = False, check_explanations: bool = False
    ) -> None:
        from keychainsim import Keychain

        self.scenario = scenario
        self.probe = probe
        self.check_explanations = check_explanations
        clock_text = scenario.get("clock")
        now = literals.typed_literal(f"date:{clock_text}") if clock_text else DEFAULT_CLOCK
        self.clock: Callable[[], datetime] = lambda: now
        platform = scenario.get("platform", "ios")
        groups = scenario.get("access_groups")
        if keychain is None:
            keychain = Keychain(platform=platform, access_groups=groups, clock=self.clock)
        self.kc = keychain
        self.results: dict[str, Any] = {}
        self.history: list[HistoryStep] = []
        self._ca: Any = None
        self._pki: Any = None
        self._servers: list[Any] = []
        initial = scenario.get("lock")
        if initial:
            self._set_lock(initial)

    # -- values -------------------------------------------------------------------------------------

    def _resolve_name(self, reference: str) -> Any:
        name, *path = reference.split(".")
        if name not in self.results:
            raise literals.LiteralError(f"${name} is not a saved result", "save it first with `save_as`")
        current = self.results[name]
        for part in path:
            if isinstance(current, list | tuple) and part.isdigit():
                index = int(part)
                if index >= len(current):
                    raise literals.LiteralError(f"${reference}: index {index} out of range ({len(current)} entries)")
                current = current[index]
            elif hasattr(current, part) and not part.startswith("_"):
                current = getattr(current, part)
            elif isinstance(current, dict) and part in current:
                current = current[part]
            else:
                raise literals.LiteralError(f"${reference}: {type(current).__name__} has no {part!r}")
        return current

    def _value(self, step: Step, key: str) -> Any:
        raw = step.raw.get(key)
        try:
            return literals.argument(key, raw, self.scenario.files, self._resolve_name)
        except SwiftLiteralError as error:
            raise swift_error(error, self.scenario.path, step.index, key, step.raw.line_of(key), raw) from None
        except literals.LiteralError as error:
            raise ScenarioError(
                self.scenario.path, f"step {step.index}: {key}: {error.problem}", step.raw.line_of(key), error.hint
            ) from None

    # -- device and apps ---------------------------------------------------------------------------

    def _set_lock(self, state: str) -> None:
        if state == "locked":
            self.kc.lock()
        elif state == "unlocked":
            self.kc.unlock()
        else:
            self.kc.restart()

    def _view(self, step: Step) -> Any:
        """The keychain as the step's app sees it: its access groups and platform."""

        app = self.scenario.apps.get(step.get("app", ""), {}) if step.get("app") else {}
        groups = step.get("access_groups", app.get("access_groups"))
        platform = step.get("platform", app.get("platform", self.kc.platform))
        if groups is None and platform == self.kc.platform:
            return self.kc
        groups = list(groups) if groups is not None else self.kc.access_groups
        return self.kc.with_entitlements(groups, platform=platform)

    # -- running ------------------------------------------------------------------------------------

    def run(self) -> ScenarioResult:
        """Run every step, even after a failed expectation (the later steps show the consequences).

        Raises:
            ScenarioError: a step's argument cannot be resolved or used (a $name holding the wrong kind of
                value); NotModeledError: a step uses something keychainsim does not model.
        """
        try:
            return self._run_steps()
        finally:
            for server in reversed(self._servers):  # reference servers started by steps
                server.stop()
            self._servers.clear()

    def _run_steps(self) -> ScenarioResult:
        from keychainsim.probe import snapshot

        outcome = ScenarioResult(self.scenario, keychain=self.kc)
        before = snapshot(self.kc)
        for step in self.scenario.steps:
            if step.get("lock"):
                self._set_lock(step.get("lock"))
                before = snapshot(self.kc)
            done = self._run_step(step, before)
            after = snapshot(self.kc)
            from keychainsim.probe import diff

            done.diff = diff(before, after)
            if self.history and self.history[-1].call == step.call:
                self.history[-1].removed = tuple(done.diff.removed)
                self.history[-1].diff = done.diff
            before = after
            self._check(step, done)
            if self.probe:
                from keychainsim.probe import dump

                done.dump_text = dump(self.kc)
            outcome.steps.append(done)
        outcome.results = self.results
        return outcome

    def _run_step(self, step: Step, before: Any) -> StepOutcome:
        handler = getattr(self, "_do_" + step.call)
        done = StepOutcome(step)
        try:
            if step.call in WRITES and ("expect" in step.raw or self.check_explanations):
                # A write is explained on the data it met: once it has run, replaying it would meet its own
                # effect (an add that succeeded would now collide). Kept only if the step needs it.
                done.report_before = self._explain(step)
            handler(step, done)
        except (TypeError, ValueError) as error:
            raise ScenarioError(
                self.scenario.path,
                f"step {step.index} ({step.call}): {error}",
                step.line,
                "check the step's arguments and the saved results it uses",
            ) from None
        if "save_as" in step.raw:
            self.results[step.get("save_as")] = done.result
        return done

    def _record(self, step: Step, args: tuple[Any, ...], status: Any, result: Any, reason: str = "") -> None:
        self.history.append(HistoryStep(step.call, args, status, result, reason))

    def _secitem(self, step: Step, done: StepOutcome, call: str, *args: Any) -> None:
        view = self._view(step)
        returned = getattr(view, call)(*args)
        status, result = returned if isinstance(returned, tuple) else (returned, None)
        done.status, done.result = status, result
        last = getattr(view, "last_call", None)
        done.reason = last.reason if last is not None and last.call == call else ""
        self._record(step, args, status, result, done.reason)
        done.view = view

    def _do_SecItemAdd(self, step: Step, done: StepOutcome) -> None:
        self._secitem(step, done, "SecItemAdd", self._value(step, "attributes"))

    def _do_SecItemCopyMatching(self, step: Step, done: StepOutcome) -> None:
        self._secitem(step, done, "SecItemCopyMatching", self._value(step, "query"))

    def _do_SecItemUpdate(self, step: Step, done: StepOutcome) -> None:
        self._secitem(step, done, "SecItemUpdate", self._value(step, "query"), self._value(step, "attributes"))

    def _do_SecItemDelete(self, step: Step, done: StepOutcome) -> None:
        self._secitem(step, done, "SecItemDelete", self._value(step, "query"))

    def _do_SecKeyCreateRandomKey(self, step: Step, done: StepOutcome) -> None:
        view = self._view(step)
        parameters = self._value(step, "parameters")
        key, error = view.SecKeyCreateRandomKey(parameters)
        done.result, done.error = key, error
        last = getattr(view, "last_call", None)
        done.reason = last.reason if last is not None and last.call == "SecKeyCreateRandomKey" else ""
        self._record(step, (parameters,), None, (key, error), done.reason)

    def _do_SecKeyCopyPublicKey(self, step: Step, done: StepOutcome) -> None:
        from keychainsim.crypto import SecKeyCopyPublicKey

        key = self._typed(step, "key", "SecKey")
        done.result = SecKeyCopyPublicKey(key)
        self._record(step, (key,), None, done.result)

    def _do_SecKeyCopyExternalRepresentation(self, step: Step, done: StepOutcome) -> None:
        from keychainsim.crypto import SecKeyCopyExternalRepresentation

        key = self._typed(step, "key", "SecKey")
        done.result, done.error = SecKeyCopyExternalRepresentation(key)
        self._record(step, (key,), None, (done.result, done.error))

    def _do_SecCertificateCreateWithData(self, step: Step, done: StepOutcome) -> None:
        from keychainsim.crypto import SecCertificateCreateWithData

        data = self._value(step, "data")
        if isinstance(data, str):
            data = data.encode("utf-8")
        done.result = SecCertificateCreateWithData(data)
        self._record(step, (data,), None, done.result)

    def _do_SecIdentityCreateWithCertificate(self, step: Step, done: StepOutcome) -> None:
        certificate = self._typed(step, "certificate", "SecCertificate")
        self._secitem(step, done, "SecIdentityCreateWithCertificate", certificate)

    def _do_SecPKCS12Import(self, step: Step, done: StepOutcome) -> None:
        data = self._value(step, "data")
        options = self._value(step, "options") if "options" in step.raw else {}
        view = self._view(step)
        if hasattr(view, "SecPKCS12Import"):
            self._secitem(step, done, "SecPKCS12Import", data, options)
            return
        try:
            from keychainsim.crypto.pkcs12 import SecPKCS12Import
        except ImportError:
            raise NotModeledError("SecPKCS12Import", f"step {step.index}", "the PKCS#12 layer has not landed") from None
        done.status, done.result = SecPKCS12Import(data, options)
        self._record(step, (data, options), done.status, done.result)

    def _do_create_csr(self, step: Step, done: StepOutcome) -> None:
        from keychainsim.crypto.csr import create_csr

        key = self._typed(step, "key", "SecKey")
        subject = {str(k): str(v) for k, v in step.get("subject").items()}
        options: dict[str, Any] = {}
        if "dns_names" in step.raw:
            options["dns_names"] = list(step.get("dns_names"))
        if "signature_algorithm" in step.raw:
            options["signature_algorithm"] = step.get("signature_algorithm")
        done.result = create_csr(key, subject, **options)
        self._record(step, (key,), None, done.result)

    def _do_issue(self, step: Step, done: StepOutcome) -> None:
        from keychainsim.crypto.ca import Fault, TestCA

        if self._ca is None:
            self._ca = TestCA()
        csr = self._value(step, "csr")
        faults = [Fault(f) for f in step.get("faults", [])]
        done.result = self._ca.issue(csr, faults)
        self._record(step, (csr,), None, done.result)

    def _do_pem_to_der(self, step: Step, done: StepOutcome) -> None:
        from keychainsim.crypto.pem import pem_to_der

        pem = self._value(step, "pem")
        done.result = pem_to_der(
            pem, step.get("label", "CERTIFICATE"), f"step {step.index} pem", bool(step.get("allow_text_outside", False))
        )
        self._record(step, (pem,), None, done.result)

    def _do_pem_split(self, step: Step, done: StepOutcome) -> None:
        from keychainsim.crypto.pem import split_pem_bundle

        pem = self._value(step, "pem")
        done.result = split_pem_bundle(pem, step.get("label", "CERTIFICATE"), f"step {step.index} pem").ders()
        self._record(step, (pem,), None, done.result)

    def _do_explain(self, step: Step, done: StepOutcome) -> None:
        from keychainsim.explain import explain

        view = self._view(step)
        query = self._value(step, "query")
        changes = self._value(step, "attributes") if "attributes" in step.raw else None
        done.report = explain(view, query, history=self.history, call=step.get("as"), attributes_to_update=changes)
        done.status = done.report.status

    def _reference_pki(self) -> Any:
        """One reference PKI per scenario: the registration server and the mTLS endpoints trust each other."""
        if self._pki is None:
            from keychainsim.servers import ReferencePKI

            self._pki = ReferencePKI()
        return self._pki

    def _do_enroll(self, step: Step, done: StepOutcome) -> None:
        from keychainsim.enroll import enroll

        view = self._view(step)
        url, ca_pem = step.get("url"), None
        if url is None:
            from keychainsim.servers import RegistrationServer

            spec = dict(step.get("server") or {})
            server = RegistrationServer(
                self._reference_pki(),
                faults=list(spec.get("faults", [])),
                token=spec.get("token"),
                server_cert_fault=spec.get("server_cert_fault"),
            ).start()
            self._servers.append(server)
            url, ca_pem = server.url, server.ca_pem
        options: dict[str, Any] = {
            k: step.get(k) for k in ("template", "token_env", "subject", "label") if k in step.raw
        }
        options["template"] = self._template(step, options.get("template"))
        if "key_params" in step.raw:
            options["key_params"] = self._value(step, "key_params")
        result = enroll(view, url, ca_pem=ca_pem, **options)
        done.result, done.report = result, result
        self._record(step, (url,), None, result)

    def _template(self, step: Step, template: Any) -> Any:
        """A template named by a file is read like a file: literal, inside the scenario's directory only."""
        from keychainsim.enroll.template import BUILTIN_TEMPLATES

        if not isinstance(template, str) or template in BUILTIN_TEMPLATES:
            return template
        try:
            return str(self.scenario.files.locate(template, "template "))
        except literals.LiteralError as error:
            raise ScenarioError(
                self.scenario.path, f"step {step.index}: {error.problem}", step.raw.line_of("template"), error.hint
            ) from None

    def _do_mtls_check(self, step: Step, done: StepOutcome) -> None:
        from keychainsim.enroll import mtls_check

        given = self._value(step, "identity")
        identity, ca_certificates = given, ()
        if type(given).__name__ == "EnrollmentResult":
            identity, ca_certificates = given.identity, given.ca_certificates
        elif isinstance(given, str):
            _, identity = self._view(step).SecItemCopyMatching(
                {"class": "idnt", "labl": given, "r_Ref": True, "m_Limit": "m_LimitOne"}
            )
        if type(identity).__name__ != "SecIdentity":
            raise ScenarioError(
                self.scenario.path,
                f"step {step.index}: identity {step.get('identity')!r} is not an identity",
                step.raw.line_of("identity"),
                "save an enrollment that formed its identity, or give the label of a stored identity",
            )
        if "ca_certificates" in step.raw:
            ca_certificates = self._value(step, "ca_certificates")
        endpoint = self._value(step, "endpoint") if "endpoint" in step.raw else "nginx"  # $enrolled.url too
        url = endpoint
        if endpoint in ("nginx", "python"):
            from keychainsim.servers import MTLSServer, NginxServer
            from keychainsim.servers.nginx import nginx_unavailable_reason

            if endpoint == "nginx" and nginx_unavailable_reason() is not None:
                raise ScenarioError(
                    self.scenario.path,
                    f"step {step.index}: {nginx_unavailable_reason()}",
                    step.raw.line_of("endpoint"),
                    "install nginx, or use endpoint: python",
                )
            server = (NginxServer if endpoint == "nginx" else MTLSServer)(self._reference_pki()).start()
            self._servers.append(server)
            url = server.url
        result = mtls_check(identity, url, ca_certificates=ca_certificates, server_name=step.get("server_name"))
        done.result, done.report = result, result
        self._record(step, (url,), None, result)

    def _do_lock(self, step: Step, done: StepOutcome) -> None:
        self._view(step).lock()

    def _do_unlock(self, step: Step, done: StepOutcome) -> None:
        self._view(step).unlock()

    def _do_restart(self, step: Step, done: StepOutcome) -> None:
        self._view(step).restart()

    def _typed(self, step: Step, key: str, type_name: str) -> Any:
        value = self._value(step, key)
        if type(value).__name__ != type_name:
            raise ScenarioError(
                self.scenario.path,
                f"step {step.index}: {key} must be a {type_name}, got {shape_of(value)}",
                step.raw.line_of(key),
                "a step that failed earlier may have saved null",
            )
        return value

    # -- expectations -------------------------------------------------------------------------------

    def _check(self, step: Step, done: StepOutcome) -> None:
        expect = step.get("expect") or {}
        if "status" in expect:
            wanted = literals.status_value(expect["status"])
            if done.status is None:
                done.failures.append(f"expected status {_show_status(wanted)}, but {step.call} returns no status")
            elif int(done.status) != wanted:
                done.failures.append(f"expected {_show_status(wanted)}, got {_show_status(int(done.status))}")
        if "error" in expect:
            wanted_error = expect["error"]
            got = None if done.error is None else int(getattr(done.error, "code", 0))
            if wanted_error is None and got is not None:
                done.failures.append(f"expected no error, got {done.error}")
            elif wanted_error is not None and got != literals.status_value(wanted_error):
                done.failures.append(
                    f"expected error {_show_status(literals.status_value(wanted_error))}, got "
                    f"{done.error if done.error is not None else 'no error'}"
                )
        if "result" in expect:
            self._check_result(step, done, expect["result"])
        wants_findings = "findings" in expect or "no_findings" in expect
        # A SecItem call that failed is explained even when nothing was expected of it: `run` tells why.
        failed = _explainable(step) and done.status is not None and int(done.status) != 0
        if done.report is None and (
            wants_findings or (done.failures and _explainable(step)) or _identities(done) or failed
        ):
            done.report = done.report_before if step.call in WRITES else self._explain(step, done.view, ran=True)
            if done.report is None and failed:
                # a write that failed changed nothing, so explaining it now meets the data it met
                done.report = self._explain(step, done.view, ran=True)
        if self.check_explanations and _explainable(step):
            if done.report is None:
                done.report = done.report_before if step.call in WRITES else self._explain(step, done.view, ran=True)
            done.failures += _disagreements(done)
        if wants_findings and done.report is not None:
            codes = set(done.report.codes)
            missing = [c for c in expect.get("findings") or [] if c not in codes]
            if missing:
                done.failures.append(f"expected findings {missing} (got {sorted(codes) or 'none'})")
            present = [c for c in expect.get("no_findings") or [] if c in codes]
            if present:
                done.failures.append(f"unexpected findings {present}")

    def _check_result(self, step: Step, done: StepOutcome, wanted: Any) -> None:
        spec = {"shape": wanted} if isinstance(wanted, str) else dict(wanted)
        shape = done.shape
        if spec.get("shape") not in (None, "any"):
            expected_shape = spec["shape"]
            if expected_shape == "persistent_ref":
                expected_shape = "data"
            if shape != expected_shape:
                done.failures.append(f"expected a {spec['shape']} result, got {shape}")
        if "count" in spec:
            count = len(done.result) if isinstance(done.result, list) else (0 if done.result is None else 1)
            if count != spec["count"]:
                done.failures.append(f"expected {spec['count']} result(s), got {count}")
        if "attributes" in spec:
            wanted_attrs = literals.value(spec["attributes"], self.scenario.files, self._resolve_name)
            rows = done.result if isinstance(done.result, list) else [done.result]
            if not any(isinstance(r, dict) and all(r.get(k) == v for k, v in wanted_attrs.items()) for r in rows):
                done.failures.append(f"no result has the attributes {_show_attrs(wanted_attrs)}")

    def _explain(self, step: Step, view: Any = None, ran: bool = False) -> Any:
        """The explanation of a SecItem step's own call, with the history of the steps before it (``ran``:
        the step has run, so the history's last entry is its own)."""
        from keychainsim.explain import explain

        view = view if view is not None else self._view(step)
        query = self._value(step, "attributes" if step.call == "SecItemAdd" else "query")
        changes = self._value(step, "attributes") if step.call == "SecItemUpdate" else None
        history = self.history[:-1] if ran and self.history else self.history
        return explain(view, query, history=history, call=step.call, attributes_to_update=changes)


def _identities(done: StepOutcome) -> bool:
    """A successful lookup that returned identities or keys: explained too, because an identity can come
    back with a public key in place of its private key (``identity.key_is_public``), and a key query can
    return the public half of a pair (``query.returns_public_key``): successes that fail later."""
    if done.step.call != "SecItemCopyMatching" or done.status is None or int(done.status) != 0:
        return False
    rows = done.result if isinstance(done.result, list) else [done.result]
    return any(
        shape_of(r) in ("identity", "key") or (isinstance(r, dict) and (r.get("class") == "idnt" or "kcls" in r))
        for r in rows
    )


WRITES = ("SecItemAdd", "SecItemUpdate", "SecItemDelete")
"""Steps that change the store: explained before they run (see ``Runner._run_step``)."""


def _disagreements(done: StepOutcome) -> list[str]:
    """How a step's explanation fails the call it explains (explain's own contract)."""
    report, status = done.report, done.status
    if status is None or report is None:
        return []
    if int(report.status) != int(status):
        return [f"explain says {_show_status(int(report.status))} where the call returned {_show_status(int(status))}"]
    if int(status) != 0 and not report.findings:
        return [f"the call failed with {_show_status(int(status))} and explain has no finding"]
    return []


def _explainable(step: Step) -> bool:
    return step.call in ("SecItemCopyMatching", "SecItemAdd", "SecItemUpdate", "SecItemDelete")


def _show_status(code: int) -> str:
    from keychainsim.status import OSStatus

    if code in OSStatus._value2member_map_:
        return str(OSStatus(code).name) + f" ({code})"
    return str(code)


def _show_attrs(attrs: dict[str, Any]) -> str:
    from keychainsim.constants import name_of

    return ", ".join(f"{name_of(k)}={v!r}" for k, v in attrs.items())


def run_scenario(
    scenario: Scenario | str | Path,
    keychain: Any = None,
    probe: bool = False,
    check_explanations: bool = False,
    *,
    allow_file_outside: bool = False,
) -> ScenarioResult:
    """Load (if given a path) and run a scenario; ``allow_file_outside`` as for :func:`load_scenario`.

    Raises:
        ScenarioError: the file is malformed or a step cannot run as written.
        NotModeledError: a step uses what keychainsim does not model.
    """
    from keychainsim.scenario.loader import load_scenario

    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario, allow_file_outside=allow_file_outside)
    return Runner(scenario, keychain=keychain, probe=probe, check_explanations=check_explanations).run()


__all__ = ["DEFAULT_CLOCK", "LineDict", "Runner", "ScenarioResult", "StepOutcome", "run_scenario", "shape_of"]
