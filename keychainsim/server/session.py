"""One simulated device behind the engine protocol: its keychain, the trace of calls, the client's handles.

A :class:`Session` answers one request at a time (docs/protocol.md). Each Sec* request runs the public
Python API (:class:`~keychainsim.Keychain` and the module-level functions of :mod:`keychainsim.crypto`) so a
Swift program and a Python program reach one engine with one set of rules; nothing here decides a
keychain outcome. Every call is recorded in a trace from the last ``reset`` on (resumed around each
request, so nothing stays registered between requests), which is what lets ``explain`` name history
causes (a key never stored, PEM given as DER) for a Swift client too.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import keychainsim
from keychainsim import tracing
from keychainsim.errors import KeychainSimError, NotModeledError
from keychainsim.probe.traces import Trace, resume
from keychainsim.server.wire import WireError, decode, encode, iso_date, object_kind
from keychainsim.status import CFError, OSStatus

PROTOCOL_VERSION = 1
"""The version of docs/protocol.md this engine speaks; a client asking for another one is refused."""

SUPPORTED_PROTOCOLS = (1,)

LOCK_STATES = ("unlocked", "locked", "before_first_unlock")

DEFAULT_ACCESS_GROUPS = ("A1B2C3D4E5.com.example.app",)


class RequestError(Exception):
    """A request the engine cannot run; becomes an ``error`` reply with this code and message."""

    def __init__(self, code: str, message: str, **details: Any) -> None:
        self.code = code
        self.message = message
        self.details = details
        super().__init__(message)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.details}


class Handles:
    """The Sec* objects a client holds, by number. A handle lives until the client releases it."""

    def __init__(self) -> None:
        self._objects: dict[int, Any] = {}
        self._next = 1

    def add(self, obj: Any, kind: str) -> int:
        handle = self._next
        self._next += 1
        self._objects[handle] = obj
        return handle

    def get(self, handle: int, kind: str, path: str) -> Any:
        obj = self._objects.get(handle)
        if obj is None:
            raise WireError(path, f"no object has handle {handle} (released, or made by another engine)")
        actual = object_kind(obj)
        if actual != kind:
            raise WireError(path, f"handle {handle} is a {actual}, not a {kind}")
        return obj

    def release(self, handles: Any) -> int:
        if not isinstance(handles, list) or not all(type(h) is int for h in handles):
            raise RequestError("bad_request", "release: expected a list of integer handles")
        return sum(self._objects.pop(h, None) is not None for h in handles)

    def __len__(self) -> int:
        return len(self._objects)


def _cf_error(error: CFError | None) -> dict[str, Any] | None:
    if error is None:
        return None
    wire = {"domain": error.domain, "code": int(error.code), "description": error.description}
    if error.underlying is not None:
        wire["underlying"] = _cf_error(error.underlying)
    return wire


class Session:
    """The engine side of one connection: one device, its apps, and the handles of the client."""

    def __init__(self, platform: str = "ios", access_groups: list[str] | None = None) -> None:
        self.handles = Handles()
        self.greeted = False
        self._ca: Any = None
        self._ops: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            name.removeprefix("op_"): getattr(self, name) for name in dir(self) if name.startswith("op_")
        }
        self._initial = (platform, list(access_groups or DEFAULT_ACCESS_GROUPS))
        self._reset(platform, self._initial[1], "unlocked", None)

    @property
    def ops(self) -> list[str]:
        return sorted(self._ops)

    # -- the request loop's entry --------------------------------------------------------------

    def handle(self, request: Any) -> dict[str, Any]:
        """The reply to one decoded request (never raises for a bad request)."""
        request_id = request.get("id") if isinstance(request, dict) else None
        try:
            if not isinstance(request, dict):
                raise RequestError("bad_request", "a request is a JSON object")
            if type(request_id) is not int:
                raise RequestError("bad_request", 'a request needs an integer "id"')
            op = request.get("op")
            if not isinstance(op, str):
                raise RequestError("bad_request", 'a request needs an "op" string')
            if op != "hello" and not self.greeted:
                raise RequestError("handshake_required", 'the first request must be "hello" (docs/protocol.md)')
            body = self._ops.get(op)
            if body is None:
                raise RequestError("unknown_op", f"unknown op {op!r}; this engine knows {', '.join(self.ops)}")
            args = request.get("args", {})
            if not isinstance(args, dict):
                raise RequestError("bad_request", '"args" must be a JSON object')
            self._app = self._app_view(request.get("app"))
            try:
                with resume(self.trace):
                    payload = body(args)
            finally:
                if "release" in request:
                    self.handles.release(request["release"])
            return {"id": request_id, "ok": payload}
        except RequestError as error:
            return {"id": request_id, "error": error.to_dict()}
        except WireError as error:
            return {"id": request_id, "error": {"code": "bad_value", "message": str(error), "path": error.path}}
        except NotModeledError as error:
            return {"id": request_id, "error": {"code": "not_modelled", "message": str(error)}}
        except (TypeError, ValueError, KeychainSimError) as error:
            return {"id": request_id, "error": {"code": "bad_argument", "message": f"{request.get('op')}: {error}"}}

    # -- plumbing -------------------------------------------------------------------------------

    def _reset(self, platform: str, groups: list[str], lock: str, clock: datetime | None) -> None:
        fixed = (lambda: clock) if clock is not None else None
        kc = keychainsim.Keychain(platform=platform, access_groups=groups, clock=fixed)
        if lock == "locked":
            kc.lock()
        elif lock == "before_first_unlock":
            kc.restart()
        self._install(kc)

    def _install(self, kc: Any) -> None:
        """Make ``kc`` this session's device: no other app's view of the old one, and a new trace."""
        self.kc = kc
        self._views: dict[tuple[str, ...], Any] = {}
        self._app = self.kc
        self.trace = Trace(self.kc)

    def _app_view(self, app: Any) -> Any:
        """The keychain as the request's app sees it: the device's main app, or ``{"access_groups": [...]}``."""
        if app is None:
            return self.kc
        groups = app.get("access_groups") if isinstance(app, dict) else None
        if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups) or set(app) != {"access_groups"}:
            raise RequestError("bad_request", '"app" is {"access_groups": [strings]}')
        key = tuple(groups)
        view = self._views.get(key)
        if view is None:
            view = self._views[key] = self.kc.with_entitlements(groups)
        return view

    def _in(self, args: dict[str, Any], name: str) -> Any:
        """A typed argument, decoded."""
        if name not in args:
            raise RequestError("bad_request", f'missing argument "{name}"')
        return decode(args[name], self.handles.get, name)

    def _out(self, value: Any) -> dict[str, Any]:
        return encode(value, self.handles.add, "result")

    def _status_reply(self, status: OSStatus, result: Any = None, with_result: bool = False) -> dict[str, Any]:
        reply: dict[str, Any] = {"status": int(status)}
        if with_result:
            reply["result"] = self._out(result)
        record = self._app.last_call
        if record is not None and record.reason and int(record.status) == int(status):
            reply["reason"] = record.reason
        return reply

    def _value_error(self, value: Any, error: CFError | None) -> dict[str, Any]:
        return {"result": self._out(value), "error": _cf_error(error)}

    # -- handshake and device controls ---------------------------------------------------------

    def op_hello(self, args: dict[str, Any]) -> dict[str, Any]:
        wanted = args.get("protocol")
        if wanted not in SUPPORTED_PROTOCOLS:
            raise RequestError(
                "unsupported_protocol",
                f"the client speaks protocol {wanted!r}; keychainsim {keychainsim.__version__} speaks "
                f"{', '.join(map(str, SUPPORTED_PROTOCOLS))}",
                supported=list(SUPPORTED_PROTOCOLS),
            )
        self.greeted = True
        return {
            "protocol": PROTOCOL_VERSION,
            "engine": "keychainsim",
            "version": keychainsim.__version__,
            "ops": self.ops,
        }

    def op_reset(self, args: dict[str, Any]) -> dict[str, Any]:
        platform = args.get("platform", self._initial[0])
        groups = args.get("access_groups", self._initial[1])
        lock = args.get("lock", "unlocked")
        if platform not in ("ios", "macos"):
            raise RequestError("bad_argument", f"reset: platform must be ios or macos, not {platform!r}")
        if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
            raise RequestError("bad_argument", "reset: access_groups must be a list of strings")
        if lock not in LOCK_STATES:
            raise RequestError("bad_argument", f"reset: lock must be one of {', '.join(LOCK_STATES)}, not {lock!r}")
        clock = self._in(args, "clock") if "clock" in args else None
        if clock is not None and not isinstance(clock, datetime):
            raise RequestError("bad_argument", "reset: clock must be a date value")
        self._reset(platform, groups, lock, clock)
        return {"platform": platform, "access_groups": self.kc.access_groups, "lock": lock}

    def op_load_dump(self, args: dict[str, Any]) -> dict[str, Any]:
        """The device a keychainsim dump describes (keychainsim/probe/FORMAT.md), in place of this one: its
        platform, entitlements, lock state and items, and a new trace, so that the client's own code meets
        a real device's keychain. The dump's own identities are compared with the model's, as
        :func:`keychainsim.probe.load_dump` does, and the reply says where they differ."""
        import warnings

        from keychainsim.probe import DumpDisagreement, dump_origin, load_dump

        text = args.get("document")
        if not isinstance(text, str) or not text.lstrip().startswith("{"):
            # load_dump takes any other string as a path: the engine reads no file a client names.
            raise RequestError("bad_request", 'load_dump: "document" must be the JSON text of a keychainsim dump')
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DumpDisagreement)  # kept in dump_origin and in the reply
            kc = load_dump(text)
        self._install(kc)
        origin = dump_origin(kc)
        assert origin is not None
        return {
            "platform": kc.platform,
            "access_groups": list(kc.access_groups),
            "items": len(kc.all_items()),
            "identity_checks": [
                {"keychain": check.keychain, "agrees": check.agrees, "disagreements": check.disagreements()}
                for check in origin.identity_checks
            ],
            "notes": list(origin.notes),
        }

    def op_lock(self, args: dict[str, Any]) -> dict[str, Any]:
        self.kc.lock()
        return {"locked": True}

    def op_unlock(self, args: dict[str, Any]) -> dict[str, Any]:
        self.kc.unlock()
        return {"locked": False}

    def op_restart(self, args: dict[str, Any]) -> dict[str, Any]:
        self.kc.restart()
        return {"locked": True}

    def op_release(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"released": self.handles.release(args.get("handles")), "held": len(self.handles)}

    # -- SecItem --------------------------------------------------------------------------------

    def op_SecItemAdd(self, args: dict[str, Any]) -> dict[str, Any]:
        status, result = self._app.SecItemAdd(self._in(args, "attributes"))
        return self._status_reply(status, result, with_result=True)

    def op_SecItemCopyMatching(self, args: dict[str, Any]) -> dict[str, Any]:
        status, result = self._app.SecItemCopyMatching(self._in(args, "query"))
        return self._status_reply(status, result, with_result=True)

    def op_SecItemUpdate(self, args: dict[str, Any]) -> dict[str, Any]:
        return self._status_reply(self._app.SecItemUpdate(self._in(args, "query"), self._in(args, "attributes")))

    def op_SecItemDelete(self, args: dict[str, Any]) -> dict[str, Any]:
        return self._status_reply(self._app.SecItemDelete(self._in(args, "query")))

    def op_SecPKCS12Import(self, args: dict[str, Any]) -> dict[str, Any]:
        status, items = self._app.SecPKCS12Import(self._in(args, "data"), self._in(args, "options"))
        return self._status_reply(status, items, with_result=True)

    # -- keys -----------------------------------------------------------------------------------

    def op_SecKeyCreateRandomKey(self, args: dict[str, Any]) -> dict[str, Any]:
        key, error = self._app.SecKeyCreateRandomKey(self._in(args, "parameters"))
        return self._value_error(key, error)

    def op_SecKeyCopyPublicKey(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"result": self._out(keychainsim.SecKeyCopyPublicKey(self._in(args, "key")))}

    def op_SecKeyCopyExternalRepresentation(self, args: dict[str, Any]) -> dict[str, Any]:
        return self._value_error(*keychainsim.SecKeyCopyExternalRepresentation(self._in(args, "key")))

    def op_SecKeyCopyAttributes(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"result": self._out(keychainsim.SecKeyCopyAttributes(self._in(args, "key")))}

    def op_SecKeyCreateWithData(self, args: dict[str, Any]) -> dict[str, Any]:
        return self._value_error(
            *keychainsim.SecKeyCreateWithData(self._in(args, "data"), self._in(args, "attributes"))
        )

    def op_SecKeyCreateSignature(self, args: dict[str, Any]) -> dict[str, Any]:
        key, algorithm, data = self._in(args, "key"), self._in(args, "algorithm"), self._in(args, "data")
        return self._value_error(*keychainsim.SecKeyCreateSignature(key, algorithm, data))

    def op_SecKeyVerifySignature(self, args: dict[str, Any]) -> dict[str, Any]:
        key, algorithm = self._in(args, "key"), self._in(args, "algorithm")
        ok, error = keychainsim.SecKeyVerifySignature(
            key, algorithm, self._in(args, "signed_data"), self._in(args, "signature")
        )
        return self._value_error(bool(ok), error)

    def op_SecKeyIsAlgorithmSupported(self, args: dict[str, Any]) -> dict[str, Any]:
        key, operation, algorithm = self._in(args, "key"), self._in(args, "operation"), self._in(args, "algorithm")
        if type(operation) is not int:
            raise RequestError("bad_argument", "SecKeyIsAlgorithmSupported: operation must be an int value")
        return {"result": self._out(bool(keychainsim.SecKeyIsAlgorithmSupported(key, operation, algorithm)))}

    def op_SecKeyCreateEncryptedData(self, args: dict[str, Any]) -> dict[str, Any]:
        key, algorithm, plaintext = self._in(args, "key"), self._in(args, "algorithm"), self._in(args, "plaintext")
        return self._value_error(*keychainsim.SecKeyCreateEncryptedData(key, algorithm, plaintext))

    def op_SecKeyCreateDecryptedData(self, args: dict[str, Any]) -> dict[str, Any]:
        key, algorithm, ciphertext = self._in(args, "key"), self._in(args, "algorithm"), self._in(args, "ciphertext")
        return self._value_error(*keychainsim.SecKeyCreateDecryptedData(key, algorithm, ciphertext))

    def op_SecKeyCopyKeyExchangeResult(self, args: dict[str, Any]) -> dict[str, Any]:
        key, algorithm = self._in(args, "key"), self._in(args, "algorithm")
        public_key, parameters = self._in(args, "public_key"), self._in(args, "parameters")
        return self._value_error(*keychainsim.SecKeyCopyKeyExchangeResult(key, algorithm, public_key, parameters))

    def op_SecKeyGetBlockSize(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"result": self._out(keychainsim.SecKeyGetBlockSize(self._in(args, "key")))}

    def op_SecAccessControlCreateWithFlags(self, args: dict[str, Any]) -> dict[str, Any]:
        protection, flags = self._in(args, "protection"), self._in(args, "flags")
        if type(flags) is not int:
            raise RequestError("bad_argument", "SecAccessControlCreateWithFlags: flags must be an int value")
        return self._value_error(*keychainsim.SecAccessControlCreateWithFlags(None, protection, flags))

    # -- certificates and identities ------------------------------------------------------------

    def op_SecCertificateCreateWithData(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"result": self._out(keychainsim.SecCertificateCreateWithData(self._in(args, "data")))}

    def op_SecCertificateCopyData(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"result": self._out(keychainsim.SecCertificateCopyData(self._in(args, "certificate")))}

    def op_SecCertificateCopySubjectSummary(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"result": self._out(keychainsim.SecCertificateCopySubjectSummary(self._in(args, "certificate")))}

    def op_SecCertificateCopyKey(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"result": self._out(keychainsim.SecCertificateCopyKey(self._in(args, "certificate")))}

    def op_SecCertificateCopyCommonName(self, args: dict[str, Any]) -> dict[str, Any]:
        status, name = keychainsim.SecCertificateCopyCommonName(self._in(args, "certificate"))
        return {"status": int(status), "result": self._out(name)}

    def op_SecCertificateCopySerialNumberData(self, args: dict[str, Any]) -> dict[str, Any]:
        return self._value_error(*keychainsim.SecCertificateCopySerialNumberData(self._in(args, "certificate")))

    def op_SecIdentityCreateWithCertificate(self, args: dict[str, Any]) -> dict[str, Any]:
        """macOS: the identity of the certificate and the private key this app can read with its public-key
        hash (Keychain.SecIdentityCreateWithCertificate)."""
        status, identity = self._app.SecIdentityCreateWithCertificate(self._in(args, "certificate"))
        return {"status": int(status), "result": self._out(identity)}

    def op_SecIdentityCopyCertificate(self, args: dict[str, Any]) -> dict[str, Any]:
        status, certificate = keychainsim.SecIdentityCopyCertificate(self._in(args, "identity"))
        return {"status": int(status), "result": self._out(certificate)}

    def op_SecIdentityCopyPrivateKey(self, args: dict[str, Any]) -> dict[str, Any]:
        status, key = keychainsim.SecIdentityCopyPrivateKey(self._in(args, "identity"))
        return {"status": int(status), "result": self._out(key)}

    # -- policies and trust ---------------------------------------------------------------------

    def _trust(self, args: dict[str, Any]) -> Any:
        """The ``trust`` argument; anything else is the client's mistake, named (Swift's types rule it out)."""
        trust = self._in(args, "trust")
        if type(trust).__name__ != "SecTrust":
            raise RequestError("bad_argument", f"trust: expected a SecTrust, got {type(trust).__name__}")
        return trust

    def op_SecPolicyCreateBasicX509(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"result": self._out(keychainsim.SecPolicyCreateBasicX509())}

    def op_SecPolicyCreateSSL(self, args: dict[str, Any]) -> dict[str, Any]:
        server, hostname = self._in(args, "server"), self._in(args, "hostname")
        if type(server) is not bool or not (hostname is None or isinstance(hostname, str)):
            raise RequestError("bad_argument", "SecPolicyCreateSSL: server is a bool value, hostname a string or null")
        return {"result": self._out(keychainsim.SecPolicyCreateSSL(server, hostname))}

    def op_SecTrustCreateWithCertificates(self, args: dict[str, Any]) -> dict[str, Any]:
        """A trust on this device: its anchors (none unless set) and the app's keychain certificates
        (Keychain.SecTrustCreateWithCertificates)."""
        certificates, policies = self._in(args, "certificates"), self._in(args, "policies")
        status, trust = self._app.SecTrustCreateWithCertificates(certificates, policies)
        return {"status": int(status), "result": self._out(trust)}

    def op_SecTrustSetAnchorCertificates(self, args: dict[str, Any]) -> dict[str, Any]:
        trust, anchors = self._trust(args), self._in(args, "anchors")
        return {"status": int(keychainsim.SecTrustSetAnchorCertificates(trust, anchors))}

    def op_SecTrustSetAnchorCertificatesOnly(self, args: dict[str, Any]) -> dict[str, Any]:
        only = self._in(args, "only")
        if type(only) is not bool:
            raise RequestError("bad_argument", "SecTrustSetAnchorCertificatesOnly: only must be a bool value")
        return {"status": int(keychainsim.SecTrustSetAnchorCertificatesOnly(self._trust(args), only))}

    def op_SecTrustSetVerifyDate(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"status": int(keychainsim.SecTrustSetVerifyDate(self._trust(args), self._in(args, "date")))}

    def op_SecTrustEvaluateWithError(self, args: dict[str, Any]) -> dict[str, Any]:
        return self._value_error(*keychainsim.SecTrustEvaluateWithError(self._trust(args)))

    def op_SecTrustCopyCertificateChain(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"result": self._out(keychainsim.SecTrustCopyCertificateChain(self._trust(args)))}

    def op_SecTrustGetCertificateCount(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"result": self._out(keychainsim.SecTrustGetCertificateCount(self._trust(args)))}

    def op_SecCopyErrorMessageString(self, args: dict[str, Any]) -> dict[str, Any]:
        """Apple's message for a status; ``OSStatus <n>`` for one it has none for (OSX/sec/Security/SecBase.c,
        SecCopyErrorMessageString)."""
        status = self._in(args, "status")
        if type(status) is not int:
            raise RequestError("bad_argument", "SecCopyErrorMessageString: status must be an int value")
        try:
            message = OSStatus(status).message
        except ValueError:
            message = ""
        return {"result": self._out(message or f"OSStatus {status}")}

    def op_CFEqual(self, args: dict[str, Any]) -> dict[str, Any]:
        """CFEqual of two refs: equal keys have the same key material or token object (SecKey.m SecKeyEqual),
        equal certificates the same DER (SecCertificate.c SecCertificateEqual), equal identities both halves
        equal (SecIdentity.c SecIdentityCompare); two handles to one object are equal."""
        first, second = self._in(args, "a"), self._in(args, "b")
        return {"result": self._out(type(first) is type(second) and first == second)}

    # -- what the simulator adds: probes, explanations, the test CA ------------------------------

    def op_dump(self, args: dict[str, Any]) -> dict[str, Any]:
        from keychainsim.probe import dump

        fmt = args.get("format", "text")
        if fmt not in ("text", "json"):
            raise RequestError("bad_argument", f"dump: format must be text or json, not {fmt!r}")
        with self.trace.paused(), tracing.inside():
            rendered = dump(self._app, format=fmt)
        if fmt == "json":
            import json

            return {"document": json.loads(rendered)}
        return {"text": str(rendered)}

    def op_explain(self, args: dict[str, Any]) -> dict[str, Any]:
        from keychainsim.explain import explain

        call = args.get("call")
        if call not in (None, "SecItemCopyMatching", "SecItemAdd"):
            raise RequestError("bad_argument", f"explain: call must be SecItemCopyMatching or SecItemAdd, not {call!r}")
        with self.trace.paused():
            report = explain(self._app, self._in(args, "query"), history=self.trace, call=call)
        return {
            "status": int(report.status),
            "findings": [{"code": f.code, "message": f.message} for f in report.findings],
            "text": str(report),
            "report": report.to_dict(),
        }

    def op_trace(self, args: dict[str, Any]) -> dict[str, Any]:
        steps = [
            {
                "index": step.index,
                "call": step.call,
                "status": None if step.status is None else int(step.status),
                "result": step.result_text,
                "reason": step.reason,
                "access_groups": None if step.caller is None else list(step.caller),
            }
            for step in self.trace.steps
        ]
        text = str(self.trace) if args.get("text") else None
        return {"steps": steps, "text": text}

    def op_csr(self, args: dict[str, Any]) -> dict[str, Any]:
        """A PKCS#10 request signed by the key, as swift-certificates builds one (keychainsim.crypto.csr)."""
        from keychainsim.crypto.csr import create_csr
        from keychainsim.crypto.pem import der_to_pem

        key, subject = self._in(args, "key"), self._in(args, "subject")
        if not isinstance(subject, dict) or not all(isinstance(v, str) for v in subject.values()):
            raise RequestError("bad_argument", "csr: subject must be a dictionary of strings such as {CN: ...}")
        with tracing.inside():  # the helper's own SecKey calls are not the app's
            csr = create_csr(key, subject)
        return {"result": self._out({"der": csr, "pem": der_to_pem(csr, "CERTIFICATE REQUEST")})}

    def op_issue(self, args: dict[str, Any]) -> dict[str, Any]:
        """The session's test CA issues a client certificate for a DER CSR, with the faults asked for."""
        from keychainsim.crypto.ca import Fault
        from keychainsim.crypto.pem import der_to_pem

        csr = self._in(args, "csr")
        faults = args.get("faults", [])
        known = [f.value for f in Fault]
        if not isinstance(faults, list) or any(f not in known for f in faults):
            raise RequestError("bad_argument", f"issue: faults must be a list of {', '.join(known)}")
        if not isinstance(csr, bytes):
            raise RequestError("bad_argument", "issue: csr must be data (DER)")
        issued = self.ca.issue(csr, faults=faults)
        return {
            "result": self._out(
                {
                    "der": issued.der,
                    "pem": issued.pem,
                    "chain": list(issued.chain),
                    "chain_pem": issued.chain_pem,
                    "ca_pem": [der_to_pem(c) for c in issued.chain if c != issued.der],
                }
            )
        }

    def op_issue_server(self, args: dict[str, Any]) -> dict[str, Any]:
        """The session's test CA issues a TLS server certificate for the DNS names and IP addresses given,
        for server-trust code to evaluate (keychainsim.crypto.ca.TestCA.issue_server)."""
        dns_names, addresses = args.get("dns_names", []), args.get("ip_addresses", [])
        for name, value in (("dns_names", dns_names), ("ip_addresses", addresses)):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise RequestError("bad_argument", f"issue_server: {name} must be a list of strings")
        dates = {k: self._in(args, k) for k in ("not_before", "not_after") if k in args}
        if not all(isinstance(v, datetime) for v in dates.values()):
            raise RequestError("bad_argument", "issue_server: not_before and not_after must be date values")
        issued = self.ca.issue_server(dns_names, addresses, **dates)
        return {"result": self._out({"der": issued.der, "chain": list(issued.chain)})}

    def op_ca(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"result": self._out({"root": self.ca.root_der, "intermediate": self.ca.intermediate_der})}

    @property
    def ca(self) -> Any:
        if self._ca is None:
            from keychainsim.crypto.ca import TestCA

            self._ca = TestCA()
        return self._ca


__all__ = ["PROTOCOL_VERSION", "SUPPORTED_PROTOCOLS", "Handles", "RequestError", "Session", "iso_date"]
