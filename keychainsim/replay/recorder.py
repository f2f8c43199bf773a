"""A recording from a trace of the model: the Python twin of ``probes/device/KeychainRecorder.swift``.

It writes what the Swift recorder writes on a device (docs/recording.md) from the steps of a
:func:`keychainsim.probe.trace`, so a flow run in Python can be replayed, and so the replay is tested on
recordings of real engine runs. Calls outside the recording format's table (SecCertificateCopyCommonName,
SecIdentityCreateWithCertificate, ...) change nothing in the keychain and are left out.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from keychainsim import tracing
from keychainsim.probe.values import is_secret
from keychainsim.replay.recording import CALLS, CLASSES, FORMAT_NAME, FORMAT_VERSION, PROTOCOL_VERSION
from keychainsim.server.wire import encode, object_kind

_SECRET_OPTIONS = {"passphrase"}
"""kSecImportExportPassphrase: the PKCS#12 password."""


class _Writer:
    """Handles for the objects a recording mentions, and the facts written where each first appears."""

    def __init__(self, secrets: bool) -> None:
        self.secrets = secrets
        self.handles: dict[int, int] = {}
        self.alive: list[Any] = []  # keeps every object alive, so id() is never reused within a recording
        self.pending: dict[str, dict[str, Any]] = {}

    def handle(self, obj: Any, kind: str) -> int:
        number = self.handles.get(id(obj))
        if number is None:
            number = self.handles[id(obj)] = len(self.handles) + 1
            self.alive.append(obj)
            self.pending[str(number)] = self._facts(obj, kind)
        return number

    def _facts(self, obj: Any, kind: str) -> dict[str, Any]:
        from keychainsim.crypto import SecKeyCopyExternalRepresentation, SecKeyCopyPublicKey

        facts: dict[str, Any] = {"kind": kind}
        if kind == "key":
            with tracing.inside():
                public = SecKeyCopyPublicKey(obj) if obj.is_private else obj
                exported, _ = SecKeyCopyExternalRepresentation(public) if public is not None else (None, None)
            facts.update(
                key_class="private" if obj.is_private else "public",
                key_type=obj.key_type,
                bits=obj.key_size_in_bits,
                token=obj.token_id,
                public_key=_b64(exported),
                application_label=_b64(obj.application_label),
            )
        elif kind == "certificate":
            facts["der"] = _b64(obj.der)
        elif kind == "identity":
            facts["certificate"] = self.handle(obj.certificate, "certificate")
            facts["key"] = self.handle(obj.private_key, "key")
        elif kind == "access_control":
            facts.update(protection=obj.protection, flags=obj.flags, description=repr(obj))
        else:
            facts["description"] = repr(obj)
        return facts

    def value(self, value: Any, item_class: str | None = None, secret: bool = False) -> dict[str, Any]:
        """A typed value; ``secret`` withholds it unless secrets are recorded; dictionaries withhold their
        secret entries by the class they describe (their own ``class``, else ``item_class``)."""
        if secret and not self.secrets and isinstance(value, bytes | str):
            length = len(value if isinstance(value, bytes) else value.encode("utf-8"))
            return {"secret": {"length": length}}
        if isinstance(value, dict):
            own = value.get("class")
            cls = own if isinstance(own, str) else item_class
            out: dict[str, Any] = {}
            for key, entry in value.items():
                nested_class = "keys" if key in ("private", "public") else cls
                hidden = (
                    (cls is not None and is_secret(cls, key))
                    or key in _SECRET_OPTIONS
                    or (cls == "idnt" and key == "v_Data")  # an identity's data is its private key's
                )
                out[key] = self.value(entry, nested_class, hidden)
            return {"dict": out}
        if isinstance(value, list | tuple):
            return {"array": [self.value(v, item_class) for v in value]}
        kind = object_kind(value)
        if kind is not None:
            return {"ref": {"kind": kind, "handle": self.handle(value, kind)}}
        return encode(value, self.handle)

    def take_refs(self) -> dict[str, dict[str, Any]]:
        refs, self.pending = self.pending, {}
        return refs


def recording_of(trace: Any, *, secrets: bool = False, source: str = "keychainsim.replay.recording_of") -> str:
    """The recording (JSON Lines text) of the calls a trace holds.

    Args:
        trace: a finished or running :class:`keychainsim.probe.Trace`.
        secrets: write secret values as they are (default: withhold them, as the device recorder does).
    """
    import keychainsim

    kc = trace.kc
    initial = {c: 0 for c in CLASSES}
    for item in trace.initial.items:
        if item.item_class in initial and not item.is_tombstone:
            initial[item.item_class] += 1
    groups = list(kc.access_groups)
    header: dict[str, Any] = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "protocol": PROTOCOL_VERSION,
        "platform": kc.platform,
        "access_groups": groups,
        "device": {"model": "keychainsim", "os": f"keychainsim {keychainsim.__version__}", "simulator": True},
        "secrets": secrets,
        "initial_items": initial,
        "source": source,
    }
    if groups:
        header["default_access_group"] = groups[0]
    lines = [json.dumps(header, sort_keys=True)]
    writer = _Writer(secrets)
    for step in trace.steps:
        if step.call not in CALLS:
            continue
        lines.append(json.dumps(_line(writer, len(lines), step), sort_keys=True))
    return "\n".join(lines) + "\n"


def _line(writer: _Writer, seq: int, step: Any) -> dict[str, Any]:
    names, convention = CALLS[step.call]
    args = step.args
    if step.call == "SecAccessControlCreateWithFlags":
        args = args[1:]  # the allocator
    item_class = _class_of(step.call, args)
    encoded = {
        name: writer.value(value, item_class, _secret_argument(step.call, name, args))
        for name, value in zip(names, args, strict=False)
    }
    if step.call == "SecPKCS12Import" and "options" not in encoded:
        encoded["options"] = {"dict": {}}
    line: dict[str, Any] = {"seq": seq, "call": step.call, "args": encoded}
    result, error = step.result, None
    if convention == "value+error":
        result, error = step.result if isinstance(step.result, tuple) else (step.result, None)
    if convention.startswith("status"):
        line["status"] = int(step.status)
    line["result"] = writer.value(result, item_class, _secret_result(step.call, args, result, item_class))
    if convention == "value+error":
        line["error"] = (
            None
            if error is None
            else {"domain": error.domain, "code": int(error.code), "description": error.description}
        )
    refs = writer.take_refs()
    if refs:
        line["refs"] = refs
    return line


def _class_of(call: str, args: tuple[Any, ...]) -> str | None:
    if call.startswith("SecItem") and args and isinstance(args[0], dict):
        value = args[0].get("class")
        return value if isinstance(value, str) else None
    if call in ("SecKeyCreateRandomKey", "SecKeyCreateWithData", "SecKeyCopyAttributes"):
        return "keys"
    return None


def _secret_argument(call: str, name: str, args: tuple[Any, ...]) -> bool:
    if (call, name) in (("SecPKCS12Import", "data"), ("SecKeyCreateEncryptedData", "plaintext")):
        return True
    if call == "SecKeyCreateWithData" and name == "data":
        attributes = args[1] if len(args) > 1 and isinstance(args[1], dict) else {}
        return str(attributes.get("kcls")) == "1"
    return False


def _secret_result(call: str, args: tuple[Any, ...], result: Any, item_class: str | None) -> bool:
    if call in ("SecKeyCreateDecryptedData", "SecKeyCopyKeyExchangeResult"):
        return True  # the plaintext, the shared secret or the key derived from it
    if call == "SecKeyCopyExternalRepresentation":
        return bool(args) and getattr(args[0], "is_private", False)
    if call in ("SecItemCopyMatching", "SecItemAdd") and isinstance(result, bytes):
        query = args[0] if args and isinstance(args[0], dict) else {}
        only_data = query.get("r_Data") is True and query.get("r_PersistentRef") is not True
        return only_data and item_class in ("genp", "inet", "keys")
    return False


def _b64(raw: bytes | None) -> str | None:
    return None if raw is None else base64.b64encode(raw).decode("ascii")
