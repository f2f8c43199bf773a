"""The coverage page, generated from the schema tables (style-anchors rule 12).

``python -m keychainsim.schema.coverage > docs/coverage.md`` rewrites it; a test keeps it current.
"""

from __future__ import annotations

from keychainsim.constants import NAME_OF
from keychainsim.schema.model import Default
from keychainsim.schema.tables import CLASSES, IGNORED_MATCH_KEYS

FLAG_WORDS = {"P": "unique", "I": "indexed", "S": "matched by bytes", "D": "secret", "R": "returned"}

NOT_MODELLED = {
    "SecPolicy objects other than Basic X.509 and SSL": "kSecMatchPolicy evaluates those two; others raise",
    "kSecUseAuthenticationContext / kSecUseCredentialReference": "LocalAuthentication contexts",
    "kSecUseTombstones": "SPI to read tombstones",
    "kSecUseSystemKeychainAlways": (
        "the macOS system keychain (beside kSecUseDataProtectionKeychain false it is errSecParam, as on a device)"
    ),
    "kSecUseSystemKeychain / kSecUseSyncBubbleKeychain / kSecUseUserIndependentKeychain": "other keychains",
    "kSecAttrTokenID other than the Secure Enclave": "CryptoTokenKit tokens",
    "token persistent references (tkpr)": "CryptoTokenKit tokens",
}
"""Keys Apple defines that raise NotModeledError instead of being ignored (style-anchors rule 9)."""


def render() -> str:
    lines = [
        "# keychainsim coverage",
        "",
        "Generated from `keychainsim/schema/tables.py` by `python -m keychainsim.schema.coverage`; do not edit.",
        "",
        "Every attribute below is parsed, coerced by its kind, stored, matched and returned as the table says.",
        "",
    ]
    for schema in CLASSES.values():
        lines += [f"## {schema.name}", "", f"Source: {schema.source}", ""]
        lines += ["| raw key | constant | kind | flags | default on add |", "| --- | --- | --- | --- | --- |"]
        for attr in schema.attributes:
            flags = ", ".join(FLAG_WORDS[f] for f in attr.flags if f in FLAG_WORDS)
            default = "" if attr.default is Default.NONE else attr.default.value
            name = NAME_OF.get(attr.key, "")
            lines.append(f"| `{attr.key}` | {name} | {attr.kind.value} | {flags} | {default} |")
        lines += ["", f"Uniqueness: ({', '.join(schema.primary_key)})", ""]
    lines += ["## Identities", "", "Synthesized by joining certificates and keys on pkhh = klbl with priv = 1.", ""]
    lines += ["## Ignored as on a device", ""]
    lines += [f"- `{key}`: parsed, then consumed by nothing in the DP engine" for key in IGNORED_MATCH_KEYS]
    lines += ["", "## Not modelled (raise NotModeledError)", ""]
    lines += [f"- {what}: {why}" for what, why in NOT_MODELLED.items()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render(), end="")
