"""Replay a recording in the model and hold each outcome against the device's (docs/recording.md, "Replay").

Every call runs through the engine session the Swift library talks to (:class:`keychainsim.server.session.
Session`), so a replay exercises the same operations, with the same argument names and values, as the
developer's own code running on KeychainSim. What the replay adds is bookkeeping between two worlds:

- handles: the device's objects (by the recorder's handle) and the model's (by the session's);
- substitutions: device bytes that the model cannot reproduce (a new key's public key and application
  label, signatures, persistent references, certificates re-made as twins) mapped to the model's, so later
  arguments that quote them mean the model's object;
- causes: inputs the replay could not reproduce (a private key from before the recording, a withheld
  secret, device state the recording does not carry). A call whose outcome differs while such a cause
  touches it is ``unreproducible``, not a divergence: the replay does not blame the model for what it
  was never shown.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from keychainsim.errors import InputError
from keychainsim.replay import values
from keychainsim.replay.recording import Call, Recording, RefFacts
from keychainsim.replay.report import CallOutcome, ReplayReport
from keychainsim.replay.twins import certified_key, make_twin
from keychainsim.server.session import Session
from keychainsim.status import OSStatus

COMPARED_ATTRIBUTES = ("class", "labl", "acct", "svce", "agrp", "atag", "klbl", "pkhh", "kcls", "sync")
"""Attributes of returned items compared between device and model: what identifies an item. Dates,
digests and persistent references differ by nature and are not compared."""

DEVICE_SPECIFIC_DATA = {"v_PersistentRef", "persistref", "klbl", "pkhh", "skid", "v_Data", "certdata", "UUID", "sha1"}
"""Dictionary entries whose bytes the model makes anew: a difference there is recorded as a substitution."""

STATE_STATUSES = {
    int(OSStatus.errSecInteractionNotAllowed): "the device reported errSecInteractionNotAllowed: an item was "
    "unavailable in the device's lock state, which the recording does not carry (the replay's device is unlocked)",
    int(OSStatus.errSecUserCanceled): "the user cancelled an authentication prompt on the device; the replay's "
    "simulated user approves",
    int(OSStatus.errSecAuthFailed): "authentication failed on the device; the replay's simulated user approves",
}

CLASS_FAMILY = {"idnt": ("idnt", "cert", "keys"), "cert": ("cert", "idnt"), "keys": ("keys", "idnt")}


class _Unreproducible(Exception):
    """An input of a call has no model counterpart; the call is not run."""


@dataclass
class _State:
    """What the replay knows about the device's objects and bytes."""

    handles: dict[int, int] = field(default_factory=dict)
    """device handle -> session handle."""
    facts: dict[int, RefFacts] = field(default_factory=dict)
    lost: dict[int, str] = field(default_factory=dict)
    """device handle -> why the model has no counterpart."""
    substitutions: dict[bytes, bytes] = field(default_factory=dict)
    device_keys: dict[bytes, int] = field(default_factory=dict)
    """a device key's public key (external representation) -> its handle."""
    twins: list[str] = field(default_factory=list)
    causes: dict[str, list[str]] = field(default_factory=dict)
    """class -> reasons outside the model that may explain a difference in calls on that class."""


class Replayer:
    """One replay: a fresh device with the recording's platform and groups, the calls in order."""

    def __init__(self, recording: Recording, initial: Any = None) -> None:
        self.recording = recording
        header = recording.header
        groups = list(header.access_groups)
        self.notes: list[str] = []
        default = header.default_access_group
        if default is not None and (not groups or groups[0] != default):
            if default in groups:
                groups.remove(default)
            groups.insert(0, default)
            self.notes.append(f"the device's default access group {default!r} is the replay app's first group")
        self.session = Session(header.platform, groups or None)
        self.session.greeted = True
        self.state = _State()
        if initial is not None:
            self._start_from(initial)
        elif header.initial_items:
            for item_class, count in header.initial_items.items():
                if count:
                    self._cause(
                        item_class,
                        f"the app could see {count} {item_class} item{'s' if count != 1 else ''} before the "
                        "recording started; the replay started without them (give a dump with --initial)",
                    )

    def _start_from(self, kc: Any) -> None:
        """Start from a loaded dump's items and lock state (``--initial``)."""
        from keychainsim.probe.traces import Trace

        view = kc.export_contents()
        self.session.kc.restore_contents(view)
        self.session.trace = Trace(self.session.kc)
        self.notes.append(f"the replay started from {len(view.items)} items of a device dump")
        if any(i.item_class == "keys" and i.get("v_Data") is None for i in view.items):
            self._cause("keys", "the initial dump's keys carry no key material (a dump never reads it)")

    # -- the loop ------------------------------------------------------------------------------------

    def run(self) -> ReplayReport:
        outcomes = [self._replay(call) for call in self.recording.calls]
        return ReplayReport(self.recording, outcomes, tuple(self.notes), tuple(self.state.twins))

    def _replay(self, call: Call) -> CallOutcome:
        state = self.state
        for handle, facts in call.refs.items():
            state.facts.setdefault(handle, facts)
            if facts.kind == "key" and facts.get("public_key"):
                state.device_keys.setdefault(facts.get("public_key"), handle)
        outcome = CallOutcome(call, device=_device_summary(call))
        try:
            args = {name: self._argument(call, name, value) for name, value in call.args.items()}
        except (_Unreproducible, values.Unsupported) as missing:
            outcome.verdict = "unreproducible"
            outcome.causes.append(str(missing))
            self._lose_results(call, f"made by call {call.seq} ({call.call}), which could not be replayed")
            return outcome
        before = self._explain_before(call, args)
        reply = self.session.handle({"id": call.seq, "op": call.call, "args": args})
        if "error" in reply:
            error = reply["error"]
            outcome.model = f"refused: {error['message']}"
            outcome.verdict = "not_modelled" if error["code"] == "not_modelled" else "divergence"
            if outcome.verdict == "divergence":
                outcome.differences.append(f"the device ran the call; the model refused it ({error['code']})")
                self._classify(call, outcome, args)
            self._lose_results(call, f"made by call {call.seq}, which the model refused")
            return outcome
        body = reply["ok"]
        outcome.model = _model_summary(call, body)
        outcome.reason = body.get("reason")
        outcome.differences.extend(self._compare(call, body))
        if not outcome.differences:
            outcome.verdict = "same"
            return outcome
        self._classify(call, outcome, args)
        because = f": {outcome.causes[0]}" if outcome.causes else ""
        self._lose_results(call, f"made by call {call.seq} ({call.call}), whose outcome differed in the model{because}")
        if outcome.verdict == "divergence":
            outcome.explanation = before if before is not None else self._explain_after(call, args)
        return outcome

    # -- arguments -----------------------------------------------------------------------------------

    def _argument(self, call: Call, name: str, value: dict[str, Any]) -> dict[str, Any]:
        translated = values.translate(value, self._model_ref, self._substitute)
        if call.call == "SecCertificateCreateWithData" and name == "data":
            raw = values.data_of(value)
            if raw is not None:
                return values.data(self._certificate_der(raw, f"the certificate of call {call.seq}"))
        return translated

    def _substitute(self, raw: bytes) -> bytes:
        return self.state.substitutions.get(raw, raw)

    def _model_ref(self, handle: int, kind: str) -> dict[str, Any]:
        state = self.state
        if handle not in state.handles:
            self._recreate(handle, kind)
        return {"ref": {"kind": kind, "handle": state.handles[handle]}}

    def _recreate(self, handle: int, kind: str) -> None:
        """A model object for a device handle the replay has not bound: made from what the recording says
        of it, or an :class:`_Unreproducible` naming why it cannot be."""
        import keychainsim

        state = self.state
        if handle in state.lost:
            raise _Unreproducible(f"{kind} #{handle} was {state.lost[handle]}")
        facts = state.facts.get(handle)
        what = f"{kind} #{handle}"
        if facts is None:
            raise _Unreproducible(f"{what} is not described in the recording")
        obj: Any = None
        if kind == "certificate" and facts.get("der"):
            obj = keychainsim.SecCertificateCreateWithData(self._certificate_der(facts.get("der"), what))
        elif kind == "key" and facts.get("key_class") == "public" and facts.get("public_key"):
            attributes = {"type": facts.get("key_type"), "kcls": "0"}
            obj, _ = keychainsim.SecKeyCreateWithData(facts.get("public_key"), attributes)
        elif kind == "key":
            raise _Unreproducible(
                f"private {what} was not made during the recording (the app had it already, or it came from "
                "a call that was not recorded): the replay cannot re-create a private key"
            )
        elif kind == "access_control" and facts.get("protection") and type(facts.get("flags")) is int:
            obj, _ = keychainsim.SecAccessControlCreateWithFlags(None, facts.get("protection"), facts.get("flags"))
        elif kind == "identity":
            certificate = self._model_object(facts.get("certificate"), "certificate")
            key = self._model_object(facts.get("key"), "key")
            obj = keychainsim.SecIdentityCreate(certificate, key)
        if obj is None:
            raise _Unreproducible(f"{what} cannot be re-created from what the recording says of it")
        state.handles[handle] = self.session.handles.add(obj, kind)
        self._bound(handle, obj)

    def _model_object(self, handle: int, kind: str) -> Any:
        ref = self._model_ref(handle, kind)["ref"]
        return self.session.handles.get(ref["handle"], kind, kind)

    def _certificate_der(self, der: bytes, what: str) -> bytes:
        """The DER the model should use for a device certificate: a twin over the model's key when the
        certificate certifies a device key the replay made again, else the DER itself."""
        state = self.state
        if der in state.substitutions:
            return state.substitutions[der]
        device_key = certified_key(der)
        if device_key is None or device_key not in state.device_keys:
            return der
        key_handle = state.device_keys[device_key]
        model_handle = state.handles.get(key_handle)
        if model_handle is None:
            self._cause(
                "cert",
                f"{what} certifies the device's key #{key_handle}, which the replay does not have: it cannot "
                "pair with any key of the model",
            )
            return der
        model_key = self.session.handles.get(model_handle, "key", "key")
        twin = make_twin(der, model_key.public_key_object())
        if twin is None:
            self._cause(
                "cert", f"{what} certifies the device's key #{key_handle} and cannot be re-made over the model's"
            )
            return der
        state.substitutions[der] = twin
        state.twins.append(
            f"{what} certifies the device's key #{key_handle}; the replay uses a twin over the model's key #"
            f"{key_handle} (same subject, issuer, serial number, validity and extensions; signed by a stand-in "
            "issuer, so it does not chain to the real one)"
        )
        return twin

    # -- results ---------------------------------------------------------------------------------------

    def _bind(self, device_handle: int, model_handle: int, kind: str) -> None:
        state = self.state
        if device_handle in state.handles:
            return
        state.handles[device_handle] = model_handle
        state.lost.pop(device_handle, None)
        self._bound(device_handle, self.session.handles.get(model_handle, kind, kind))

    def _bound(self, device_handle: int, obj: Any) -> None:
        """Record the substitutions a newly bound pair implies (a key's public key and label, a
        certificate's DER, an identity's halves)."""
        state = self.state
        facts = state.facts.get(device_handle)
        if facts is None:
            return
        if facts.kind == "key":
            from keychainsim.crypto import SecKeyCopyExternalRepresentation, SecKeyCopyPublicKey

            public = SecKeyCopyPublicKey(obj) if obj.is_private else obj
            exported, _ = SecKeyCopyExternalRepresentation(public) if public is not None else (None, None)
            self._learn(facts.get("public_key"), exported)
            self._learn(facts.get("application_label"), obj.application_label)
        elif facts.kind == "certificate":
            self._learn(facts.get("der"), obj.der)
        elif facts.kind == "identity":
            for half, kind, model_half in (
                (facts.get("certificate"), "certificate", obj.certificate),
                (facts.get("key"), "key", obj.private_key),
            ):
                if half not in state.handles:
                    self._bind(half, self.session.handles.add(model_half, kind), kind)

    def _learn(self, device: bytes | None, model: bytes | None) -> None:
        if device is not None and model is not None and device != model:
            self.state.substitutions.setdefault(device, model)

    def _lose_results(self, call: Call, why: str) -> None:
        for handle, _kind in values.refs_in(call.result):
            if handle not in self.state.handles:
                self.state.lost.setdefault(handle, why)

    def _compare(self, call: Call, body: dict[str, Any]) -> list[str]:
        differences: list[str] = []
        convention = call.convention
        if convention.startswith("status") and call.status != body.get("status"):
            differences.append(f"status: device {_status(call.status)}, model {_status(body.get('status'))}")
        if convention == "value+error":
            model_error = (body.get("error") or {}).get("code")
            if call.error_code != model_error:
                differences.append(f"error: device {_error(call.error)}, model {_error(body.get('error'))}")
        if not call.result_pointer:
            return differences  # the app passed NULL for the result: nothing came back to compare
        model_result = body.get("result", {"null": True})
        if differences and (values.kind_of(call.result) == "null") != (values.kind_of(model_result) == "null"):
            return differences
        differences.extend(self._compare_values(call, call.result, model_result, "result", None))
        return differences

    def _compare_values(
        self, call: Call, device: dict[str, Any], model: dict[str, Any], path: str, key: str | None
    ) -> list[str]:
        device_kind, model_kind = values.kind_of(device), values.kind_of(model)
        if device_kind in ("secret", "unsupported"):
            return []
        if {device_kind, model_kind} == {"bool", "int"}:
            # A flag column (sync, kcls...) comes back as CFBoolean on some systems and CFNumber on others.
            return (
                []
                if int(device[device_kind]) == int(model[model_kind])
                else [f"{path}: device {device[device_kind]!r}, model {model[model_kind]!r}"]
            )
        if device_kind != model_kind:
            return [f"{path}: device returned {_shape(device)}, model {_shape(model)}"]
        if device_kind == "ref":
            d, m = device["ref"], model["ref"]
            if d["kind"] != m["kind"]:
                return [f"{path}: device returned {_article(d['kind'])}, model {_article(m['kind'])}"]
            if d["handle"] in self.state.handles:
                return self._ref_mismatch(d["handle"], m["handle"], d["kind"], path)
            self._bind(d["handle"], m["handle"], d["kind"])
            return []
        if device_kind == "array":
            return self._compare_arrays(call, device["array"], model["array"], path)
        if device_kind == "dict":
            out: list[str] = []
            for name, value in device["dict"].items():
                nested = values.kind_of(value) in ("ref", "dict", "array")
                if name in model["dict"] and (name in COMPARED_ATTRIBUTES or nested):
                    out.extend(self._compare_values(call, value, model["dict"][name], f"{path}.{name}", name))
                elif name in model["dict"] and name in DEVICE_SPECIFIC_DATA:
                    self._learn(values.data_of(value), values.data_of(model["dict"][name]))
            return out
        if device_kind == "data":
            d_bytes, m_bytes = values.data_of(device), values.data_of(model)
            if self._substitute(d_bytes) == m_bytes:
                return []
            if d_bytes in self.state.substitutions or key in ("labl", "acct", "svce", "atag"):
                return [f"{path}: device {_short(d_bytes)}, model {_short(m_bytes)}"]
            self._learn(d_bytes, m_bytes)  # bytes the model makes anew: a signature, a key, a reference
            return []
        if device_kind == "date":
            return []
        if device[device_kind] != model[model_kind]:
            return [f"{path}: device {device[device_kind]!r}, model {model[model_kind]!r}"]
        return []

    def _ref_mismatch(self, device_handle: int, model_handle: int, kind: str, path: str) -> list[str]:
        """An already bound device object came back: the model must have returned the same object."""
        expected = self.session.handles.get(self.state.handles[device_handle], kind, path)
        got = self.session.handles.get(model_handle, kind, path)
        if _fingerprint_object(expected) == _fingerprint_object(got):
            return []
        return [f"{path}: device returned its {kind} #{device_handle}, the model another {kind}"]

    def _compare_arrays(self, call: Call, device: list[Any], model: list[Any], path: str) -> list[str]:
        if len(device) != len(model):
            return [f"{path}: device returned {len(device)} items, model {len(model)}"]
        # Row order is SQLite's on a device and insertion order in the model: pair items by what they are.
        device_prints = [self._fingerprint_device(v) for v in device]
        model_prints = [self._fingerprint_model(v) for v in model]
        if Counter(device_prints) != Counter(model_prints):
            return [f"{path}: the {len(device)} items differ between device and model"]
        remaining = list(range(len(model)))
        out: list[str] = []
        for index, value in enumerate(device):
            match = next(i for i in remaining if model_prints[i] == device_prints[index])
            remaining.remove(match)
            out.extend(self._compare_values(call, value, model[match], f"{path}[{index}]", None))
        return out

    def _fingerprint_device(self, value: dict[str, Any]) -> Any:
        kind = values.kind_of(value)
        if kind == "ref":
            facts = self.state.facts.get(value["ref"]["handle"])
            return (value["ref"]["kind"], _facts_print(facts, self._substitute))
        if kind == "dict":
            body = value["dict"]
            picked = tuple((k, _plain_print(body[k], self._substitute)) for k in COMPARED_ATTRIBUTES if k in body)
            ref = body.get("v_Ref")
            return (picked, self._fingerprint_device(ref) if ref is not None else None)
        return _plain_print(value, self._substitute)

    def _fingerprint_model(self, value: dict[str, Any]) -> Any:
        kind = values.kind_of(value)
        if kind == "ref":
            obj = self.session.handles.get(value["ref"]["handle"], value["ref"]["kind"], "result")
            return (value["ref"]["kind"], _fingerprint_object(obj))
        if kind == "dict":
            body = value["dict"]
            picked = tuple((k, _plain_print(body[k], lambda b: b)) for k in COMPARED_ATTRIBUTES if k in body)
            ref = body.get("v_Ref")
            return (picked, self._fingerprint_model(ref) if ref is not None else None)
        return _plain_print(value, lambda b: b)

    # -- why a difference -------------------------------------------------------------------------------

    def _cause(self, item_class: str, reason: str) -> None:
        reasons = self.state.causes.setdefault(item_class, [])
        if reason not in reasons:
            reasons.append(reason)

    def _classify(self, call: Call, outcome: CallOutcome, args: dict[str, Any]) -> None:
        """``unreproducible`` when a cause outside the model touches the call, else ``divergence``."""
        causes: list[str] = []
        if call.status in STATE_STATUSES:
            causes.append(STATE_STATUSES[call.status])
        if any(values.has_secret(v) for v in call.args.values()):
            causes.append("an argument holds a secret the recorder withheld (replayed as zero bytes)")
        dictionary = _dictionary_of(call)
        item_class = _item_class(call, dictionary)
        for related in CLASS_FAMILY.get(item_class or "", (item_class,) if item_class else ()):
            causes.extend(self.state.causes.get(related, ()))
        if dictionary is not None and self.state.twins and ({"m_TrustedOnly", "m_Policy"} & set(dictionary)):
            causes.append("the query evaluates trust, and a twin certificate does not chain to its real issuer")
        for handle, _kind in (r for v in call.args.values() for r in values.refs_in(v)):
            if handle in self.state.lost:
                causes.append(f"#{handle} was {self.state.lost[handle]}")
        outcome.causes.extend(dict.fromkeys(causes))
        outcome.verdict = "unreproducible" if causes else "divergence"

    def _explain_before(self, call: Call, args: dict[str, Any]) -> Any:
        """The explanation of a state-changing SecItem call, taken before it runs (after it, an add has
        added and a delete deleted, and the explanation would describe another keychain)."""
        if call.call not in ("SecItemAdd", "SecItemUpdate", "SecItemDelete"):
            return None
        return self._explain(call, args)

    def _explain_after(self, call: Call, args: dict[str, Any]) -> Any:
        if call.call != "SecItemCopyMatching":
            return None
        return self._explain(call, args)

    def _explain(self, call: Call, args: dict[str, Any]) -> Any:
        from keychainsim.explain import explain
        from keychainsim.server.wire import WireError, decode

        name = "attributes" if call.call == "SecItemAdd" else "query"
        try:
            query = decode(args[name], self.session.handles.get, name)
        except WireError:
            return None
        with self.session.trace.paused():
            return explain(
                self.session.kc,
                query,
                history=self.session.trace,
                call="SecItemAdd" if call.call == "SecItemAdd" else "SecItemCopyMatching",
            )


def replay(source: Any, initial: Any = None) -> ReplayReport:
    """Replay a recording (a path, its text, or a read :class:`Recording`) in a fresh model.

    Args:
        initial: a keychain (e.g. ``load_dump("dump.json")``) whose items the replay starts from.

    Raises:
        InputError: the recording cannot be read.
    """
    from keychainsim.replay.recording import read_recording

    recording = source if isinstance(source, Recording) else read_recording(source)
    if not isinstance(recording, Recording):  # pragma: no cover - read_recording always returns one
        raise InputError(str(source), "not a recording")
    return Replayer(recording, initial).run()


# -- small helpers --------------------------------------------------------------------------------------


def _dictionary_of(call: Call) -> dict[str, Any] | None:
    for name in ("query", "attributes", "parameters"):
        value = call.args.get(name)
        if value is not None and values.kind_of(value) == "dict":
            return value["dict"]
    return None


def _item_class(call: Call, dictionary: dict[str, Any] | None) -> str | None:
    if call.call == "SecKeyCreateRandomKey":
        return "keys"
    if call.call == "SecPKCS12Import":
        return "idnt"
    if dictionary is None:
        return None
    value = dictionary.get("class")
    return value.get("string") if isinstance(value, dict) else None


def _short(raw: bytes | None) -> str:
    if raw is None:
        return "none"
    text = raw.hex()
    return text if len(text) <= 24 else text[:24] + "..."


def _status(code: Any) -> str:
    if code is None:
        return "none"
    return f"{OSStatus(code).name} ({code})" if code in OSStatus._value2member_map_ else str(code)


def _error(error: dict[str, Any] | None) -> str:
    return "none" if not error else f"{_status(error.get('code'))} in {error.get('domain')}"


def _article(noun: str) -> str:
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"


def _shape(value: dict[str, Any]) -> str:
    kind = values.kind_of(value)
    if kind == "ref":
        return _article(value["ref"]["kind"])
    if kind == "null":
        return "nothing"
    if kind == "array":
        return f"an array of {len(value['array'])}"
    return {"dict": "a dictionary", "data": "data", "string": "a string"}.get(kind, _article(kind))


def _device_summary(call: Call) -> str:
    return _summary(call.convention, call.status, call.error, call.result)


def _model_summary(call: Call, body: dict[str, Any]) -> str:
    return _summary(call.convention, body.get("status"), body.get("error"), body.get("result", {"null": True}))


def _summary(convention: str, status: Any, error: Any, result: dict[str, Any]) -> str:
    parts = []
    if convention.startswith("status"):
        parts.append(_status(status))
    if convention != "status":
        parts.append(_shape(result))
    if convention == "value+error" and error:
        parts.append(f"error {_status(error.get('code'))}")
    return ", ".join(parts)


def _fingerprint_object(obj: Any) -> Any:
    """What identifies a model object for comparison: a certificate's DER, a key's application label."""
    name = type(obj).__name__
    if name == "SecCertificate":
        return obj.der
    if name == "SecKey":
        return (obj.application_label, obj.is_private)
    if name == "SecIdentity":
        return (obj.certificate.der, obj.private_key.application_label)
    return name


def _facts_print(facts: RefFacts | None, substitute: Any) -> Any:
    if facts is None:
        return None
    if facts.kind == "certificate" and facts.get("der"):
        return substitute(facts.get("der"))
    if facts.kind == "key" and facts.get("application_label"):
        return (substitute(facts.get("application_label")), facts.get("key_class") == "private")
    return facts.kind


def _plain_print(value: dict[str, Any], substitute: Any) -> Any:
    kind = values.kind_of(value)
    if kind == "data":
        raw = values.data_of(value)
        return ("data", substitute(raw) if raw is not None else None)
    if kind in ("array", "dict", "ref", "secret", "date"):
        return kind
    return (kind, value[kind])
