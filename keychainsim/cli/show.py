"""How the command line shows statuses, results and items (text and JSON); it decides nothing."""

from __future__ import annotations

from typing import Any

__all__ = ["result_lines", "status_json", "value_json", "value_text"]


def status_json(status: Any) -> dict[str, Any]:
    return {"code": int(status), "name": getattr(status, "name", str(status))}


def value_json(value: Any) -> Any:
    """A result as JSON: dictionaries keyed by raw key, bytes as ``{"hex"}``, refs described."""
    from keychainsim.explain.evidence import jsonable

    if isinstance(value, dict):
        return {str(k): value_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [value_json(v) for v in value]
    name = type(value).__name__
    if name == "SecKey":
        return {
            "SecKey": {
                "klbl": {"hex": value.application_label.hex()},
                "private": value.is_private,
                "type": value.key_type,
                "bits": value.key_size_in_bits,
            }
        }
    if name == "SecCertificate":
        return {"SecCertificate": {"pkhh": {"hex": value.public_key_hash.hex()}, "summary": _summary(value)}}
    if name == "SecIdentity":
        return {"SecIdentity": {"certificate": value_json(value.certificate), "key": value_json(value.private_key)}}
    return jsonable(value)


def _summary(cert: Any) -> str | None:
    from keychainsim.crypto import SecCertificateCopySubjectSummary

    return SecCertificateCopySubjectSummary(cert)


def value_text(key: str | None, value: Any) -> str:
    from keychainsim.explain.evidence import show

    name = type(value).__name__
    if name in ("SecKey", "SecCertificate", "SecIdentity"):
        return repr(value)
    return show(key, value)


def result_lines(result: Any) -> list[str]:
    """A SecItemCopyMatching result as lines: one block per dictionary, attributes by constant name."""
    from keychainsim.constants import name_of

    if result is None:
        return []
    rows = result if isinstance(result, list) else [result]
    lines: list[str] = []
    for index, row in enumerate(rows, start=1):
        if len(rows) > 1:
            lines.append(f"[{index}]")
        if isinstance(row, dict):
            for key in sorted(row, key=str):
                lines.append(f"  {key:<12} {name_of(key):<32} {value_text(key, row[key])}")
        else:
            lines.append("  " + value_text(None, row))
    return lines
