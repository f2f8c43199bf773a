"""Findings only the history shows: what earlier calls in a trace did to the item a query looks for.

A trace step (:class:`keychainsim.probe.Step`) is read through ``call`` (the Sec* function name),
``args`` and ``result`` as passed and returned, ``status`` (an OSStatus, or None for calls without one),
``reason`` (the engine's refusal) and ``diff`` (what the call changed).
"""

from __future__ import annotations

from typing import Any

from keychainsim.explain.evidence import show
from keychainsim.explain.findings import Finding
from keychainsim.explain.report import row_label
from keychainsim.model.item import Item

RELATED_CLASSES = {"idnt": ("cert", "keys"), "cert": ("cert",), "keys": ("keys",), "genp": ("genp",), "inet": ("inet",)}


def active_trace(kc: Any) -> Any:
    """The innermost trace recording ``kc``, if ``explain`` is called inside one."""
    from keychainsim.probe.traces import current_trace

    return current_trace(kc)


def _steps(history: Any) -> list[Any]:
    return list(getattr(history, "steps", history) or [])


def _removed(step: Any) -> list[Item]:
    """Items a step deleted: rows that disappeared, and synchronizable rows that became tombstones."""
    diff = getattr(step, "diff", None)
    if diff is None:
        return []
    gone = list(getattr(diff, "removed", ()))
    for change in getattr(diff, "changed", ()):
        if change.after.is_tombstone and not change.before.is_tombstone:
            gone.append(change.before)
    return gone


def history_findings(kc: Any, query: dict[str, Any], history: Any) -> list[Finding]:
    """What earlier calls did to the items ``query`` looks for (for a query that found nothing)."""
    ref = query.get("v_PersistentRef")
    by_ref = ref[4:] if isinstance(ref, bytes) and len(ref) == 20 else None
    item_class = query.get("class") or (ref[:4].decode("ascii", "replace") if by_ref is not None else None)
    related = RELATED_CLASSES.get(item_class, ())
    findings: list[Finding] = []
    steps = _steps(history)
    stored_labels = _labels_ever_stored(history, steps)
    if kc.platform == "ios" and related and item_class != "genp" and item_class != "inet":
        findings.extend(_pkcs12_not_stored(steps))
    for step in steps:
        call, args, status, result = step.call, step.args, step.status, step.result
        if call == "SecKeyCreateRandomKey" and related and "keys" in related:
            finding = _key_not_stored(args, result, stored_labels)
            if finding:
                findings.append(finding)
        elif call == "SecCertificateCreateWithData" and "cert" in related and result is None:
            data = args[0] if args else b""
            pem = isinstance(data, bytes | str) and (
                b"-----BEGIN" in (data.encode() if isinstance(data, str) else data)
            )
            findings.append(
                Finding(
                    "trace.certificate_not_der",
                    "SecCertificateCreateWithData returned nil: the data was "
                    + (
                        "PEM text, not DER; strip the -----BEGIN/END----- lines and base64-decode it first"
                        if pem
                        else "not a DER certificate"
                    )
                    + ", so no certificate could be added.",
                    evidence={"pem": pem, "length": len(data) if isinstance(data, bytes | str) else None},
                )
            )
        elif call == "SecItemAdd" and status not in (None, 0) and args and isinstance(args[0], dict):
            added_class = args[0].get("class") or _ref_class(args[0].get("v_Ref"))
            if added_class in related or (item_class == "idnt" and _ref_class(args[0].get("v_Ref")) == "idnt"):
                findings.append(
                    Finding(
                        "trace.add_failed",
                        f"an earlier SecItemAdd of a {added_class} item returned {status}"
                        + (f" ({step.reason})" if getattr(step, "reason", "") else "")
                        + " and the flow went on without it.",
                        evidence={"status": int(status), "class": added_class},
                    )
                )
        for item in _removed(step):
            named = by_ref is None or item.persistref == by_ref or item_class == "idnt"
            if item.item_class in related and not item.is_tombstone and named:
                findings.append(
                    Finding(
                        "trace.item_deleted",
                        f"{row_label(item)} existed and was deleted by {call}; recreate it, or narrow that delete "
                        "(SecItemDelete removes every match).",
                        items=(item,),
                        evidence={"call": call},
                    )
                )
    return findings


def _labels_ever_stored(history: Any, steps: list[Any]) -> set[Any]:
    """Application labels of every key that was in the keychain at some point of the history, so that a
    key stored and later deleted is not reported as never stored (that is trace.item_deleted)."""
    labels: set[Any] = set()
    initial = getattr(history, "initial", None)
    for item in getattr(initial, "items", ()) or ():
        item = getattr(item, "item", item)
        if getattr(item, "item_class", None) == "keys":
            labels.add(item.get("klbl"))
    for step in steps:
        diff = getattr(step, "diff", None)
        for item in getattr(diff, "added", ()) if diff is not None else ():
            if item.item_class == "keys":
                labels.add(item.get("klbl"))
    return labels


def _ref_class(ref: Any) -> str | None:
    from keychainsim.shim.client import ref_kind

    return {"key": "keys", "certificate": "cert", "identity": "idnt"}.get(ref_kind(ref) or "")


def _key_not_stored(args: tuple[Any, ...], result: Any, stored_labels: set[Any]) -> Finding | None:
    key = result[0] if isinstance(result, tuple) else result
    if key is None:
        return None
    try:
        from keychainsim.crypto import SecKeyCopyPublicKey, public_key_hash

        label = public_key_hash(SecKeyCopyPublicKey(key))
    except Exception:
        return None
    if label in stored_labels:
        return None
    params = args[0] if args and isinstance(args[0], dict) else {}
    from keychainsim.crypto.keygen import stores_private_key

    if stores_private_key(params):
        return None  # a key came back, so the add the parameters asked for succeeded: it was stored
    private = params.get("private", {}) if isinstance(params.get("private"), dict) else {}
    given = private.get("perm", params.get("perm"))
    why = (
        "kSecAttrIsPermanent was not given (software keys default to not permanent)"
        if given is None
        else f"kSecAttrIsPermanent was {show('perm', given)}"
        + (" (a number, not a boolean, is ignored)" if not isinstance(given, bool) else "")
    )
    return Finding(
        "trace.key_not_stored",
        f"SecKeyCreateRandomKey made the private key (application label {show('klbl', label)}) but never stored it: "
        f"{why}; pass kSecAttrIsPermanent: true in kSecPrivateKeyAttrs.",
        evidence={"klbl": label, "perm": given},
    )


def _pkcs12_not_stored(steps: list[Any]) -> list[Finding]:
    """iOS: SecPKCS12Import returns the identity in memory and stores nothing unless
    kSecUseDataProtectionKeychain is true (keys reference §I.1); an identity the flow never added itself
    is not in the keychain."""
    imported: list[Any] = []
    for step in steps:
        if step.call == "SecPKCS12Import" and step.status == 0 and isinstance(step.result, list):
            options = step.args[1] if len(step.args) > 1 and isinstance(step.args[1], dict) else {}
            if options.get("nleg") is not True:
                imported += [e.get("identity") for e in step.result if isinstance(e, dict) and e.get("identity")]
        elif step.call == "SecItemAdd" and step.status == 0 and step.args and isinstance(step.args[0], dict):
            added = step.args[0].get("v_Ref")
            imported = [i for i in imported if i is not added]
    if not imported:
        return []
    return [
        Finding(
            "trace.pkcs12_not_stored",
            f"SecPKCS12Import returned {len(imported)} identit{'y' if len(imported) == 1 else 'ies'} and stored "
            "nothing: on iOS the import only decodes the file (unless kSecUseDataProtectionKeychain is true); add "
            "the identity yourself with SecItemAdd({kSecValueRef: identity}).",
            evidence={"identities": len(imported)},
        )
    ]
