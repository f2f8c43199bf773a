"""Finding codes: stable identifiers, what each means, and the sentence a developer reads.

The codes are the API contract's (``shared/design/api-contract.md``, "Probes and explanations");
``query.rejected`` is added for a dictionary the engine refused before searching. ``query.stale_persistent_ref``,
``access.authentication_required``, ``lock.add_unavailable``, ``update.duplicate``, ``query.limit_before_filter``,
``trace.pkcs12_not_stored`` and the last resort ``call.failed`` say what happened when a lookup by reference,
a read behind a prompt, an add, an update or an import fails, so that no failing status goes without a
finding. Messages are built from the evidence, never stored apart from it (style-anchors rule 7).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from keychainsim.model.item import Item

MEANING: dict[str, str] = {
    "class.empty": "no item of the queried class exists at all",
    "query.rejected": "the engine refused the dictionary before searching (a bad key, value or class)",
    "query.returns_public_key": "a key query that does not name the key class returned a public key whose "
    "private key it matches too: the app wanted the key that signs",
    "query.limit_before_filter": "a matching item exists, but kSecMatchLimit cut the rows before the "
    "kSecMatchHostOrSubdomainOfHost or kSecMatchEmailAddressIfPresent filter or kSecUseAuthenticationUISkip, "
    "which dropped the rows it kept",
    "query.attribute_mismatch": "items of the class exist; each named attribute excludes them (a near miss)",
    "query.value_type_mismatch": "an item would match but for a value's type or encoding",
    "query.synchronizable_excluded": "a matching item exists but is synchronizable and the query did not ask for those",
    "query.stale_persistent_ref": "the kSecValuePersistentRef names no stored item: the item was deleted, or the "
    "reference comes from another keychain or device",
    "access.group_not_visible": "a matching item exists in an access group the caller is not entitled to",
    "access.missing_entitlement": "the call names an access group the caller is not entitled to (-34018)",
    "access.authentication_required": "a matching item's access control needs the user, and the prompt was "
    "cancelled, failed, or forbidden by kSecUseAuthenticationUIFail, or the item was left out by "
    "kSecUseAuthenticationUISkip",
    "lock.item_unavailable": "a matching item exists but its protection class is unavailable in the current lock state",
    "lock.add_unavailable": "(SecItemAdd) the new item's protection class is unavailable in the current lock state, "
    "so it cannot be encrypted and stored",
    "platform.other_keychain": "macOS: a matching item lives in the other keychain implementation",
    "identity.no_certificate": "no certificate fits the identity query's certificate-side attributes",
    "identity.no_private_key": "a certificate fits, but no private key has klbl equal to its pkhh",
    "identity.certificate_for_other_key": (
        "the certificate's public key is not the public key of any stored private key"
    ),
    "identity.key_is_public": "the key whose klbl equals the certificate's pkhh is a public key",
    "identity.application_label_overridden": "a private key pairs with the certificate's public key, but its klbl "
    "was set to something else",
    "identity.attribute_on_wrong_side": "the query's attribute would match the other half of the pair",
    "add.duplicate": "the existing item that collides, and on which uniqueness attributes",
    "update.duplicate": "(SecItemUpdate) the change would give a matching item the uniqueness attributes of "
    "another existing item",
    "trace.key_not_stored": "a key was created without being made permanent, so it never reached the keychain",
    "trace.certificate_not_der": "certificate data handed to SecCertificateCreateWithData was PEM or garbage",
    "trace.add_failed": "an earlier SecItemAdd of the item the query looks for failed, and the flow went on",
    "trace.item_deleted": "the item the query looks for existed and was deleted by an earlier call",
    "trace.pkcs12_not_stored": "(from a trace) SecPKCS12Import on iOS returned the identity in memory and stored "
    "nothing, and the flow never added it",
    "call.failed": "the call failed for a reason explain has no finer finding for; the message gives the status "
    "and the engine's own reason",
}


@dataclass(frozen=True)
class Finding:
    """One cause: its code, the sentence to act on, the items involved and the evidence behind it."""

    code: str
    message: str
    items: tuple[Item, ...] = ()
    evidence: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.code not in MEANING:
            raise ValueError(f"unknown finding code {self.code!r}")

    @property
    def meaning(self) -> str:
        return MEANING[self.code]

    def to_dict(self) -> dict[str, Any]:
        from keychainsim.explain.evidence import jsonable

        return {
            "code": self.code,
            "message": self.message,
            "items": [{"class": i.item_class, "rowid": i.rowid, "keychain": i.keychain} for i in self.items],
            "evidence": jsonable(self.evidence),
        }

    def __rich_repr__(self):
        yield "code", self.code
        yield "message", self.message
        yield "items", [f"{i.item_class}#{i.rowid}" for i in self.items]
