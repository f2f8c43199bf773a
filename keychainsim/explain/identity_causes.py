"""Why an identity query finds nothing: the mechanical causes of reference keys-certs-identities.md §K
and the identity entries of the pitfalls catalog (§2.1 S1-S16), decided on the certificate and key tables.

The identity join needs a certificate that fits the certificate-side terms (label, issuer, serial, SKID),
a key with ``priv = 1`` whose ``klbl`` equals the certificate's ``pkhh``, both visible, and the key
passing the key-side terms and the implicit ``sync = 0`` (§H.1, §H.2).
"""

from __future__ import annotations

from keychainsim.engine.database import Database
from keychainsim.engine.identity import CERTIFICATE_SIDE, IdentityRow
from keychainsim.explain.evidence import show
from keychainsim.explain.findings import Finding
from keychainsim.explain.report import NearMiss, row_label
from keychainsim.model.item import DP, FILE, Item
from keychainsim.model.match import ACCESS_GROUP, ATTRIBUTE, SYNC, Matcher


def actual_public_key_hash(key: Item) -> bytes | None:
    """SHA-1 of the key's real public key, computed from its data (None when it cannot be decoded).

    This is what ``klbl`` would be had the caller not overridden it (§C.1 of the keys reference)."""
    try:
        from keychainsim.crypto import SecKey, SecKeyCopyPublicKey, public_key_hash
    except ImportError:
        return None
    try:
        ref = SecKey._from_keychain(key.attrs)
        public = SecKeyCopyPublicKey(ref) if ref is not None else None
        return public_key_hash(public) if public is not None else None
    except Exception:
        return None


def _live(db: Database, keychain: str, item_class: str) -> list[Item]:
    return [i for i in db.table(keychain, item_class).values() if not i.is_tombstone]


def diagnose(db: Database, matcher: Matcher, platform: str, near: list[NearMiss]) -> list[Finding]:
    """Findings for an identity query that matched nothing."""
    groups = matcher.scope.groups
    cert_terms = [k for k, _ in matcher.terms if k in CERTIFICATE_SIDE]

    def fits(item: Item) -> bool:
        return not matcher.term_misses(item, CERTIFICATE_SIDE)

    findings: list[Finding] = []

    certs = _live(db, DP, "cert")
    keys = _live(db, DP, "keys")
    private_keys = [k for k in keys if k.get("kcls") == 1]
    fitting = [c for c in certs if fits(c)]
    visible_fitting = [c for c in fitting if matcher.visible(c)]

    if not visible_fitting:
        wrong_side = [k for k in keys if cert_terms and fits(k)]
        if wrong_side:
            names = ", ".join(cert_terms)
            findings.append(
                Finding(
                    "identity.attribute_on_wrong_side",
                    f"{row_label(wrong_side[0])} (a key) carries the queried {names}, but an identity's "
                    f"{names} is the certificate's; set it on the certificate when you add it, or query by the key's "
                    "kSecAttrApplicationLabel instead.",
                    items=tuple(wrong_side),
                    evidence={"attributes": cert_terms, "on": "keys", "needed_on": "cert"},
                )
            )
        if fitting and not visible_fitting:
            findings.append(
                Finding(
                    "access.group_not_visible",
                    f"the certificate {row_label(fitting[0])} is in access group {fitting[0].get('agrp')!r}, "
                    "which this app is not entitled to read.",
                    items=tuple(fitting),
                    evidence={"certificate_group": fitting[0].get("agrp"), "caller_groups": list(groups or ())},
                )
            )
        elif platform == "macos" and any(fits(c) for c in _live(db, FILE, "cert")):
            other = [c for c in _live(db, FILE, "cert") if fits(c)]
            findings.append(_other_keychain(other[0], "certificate", "file-based", "data protection"))
        elif not wrong_side:
            labels = [show("labl", c.get("labl")) for c in certs[:5]]
            findings.append(
                Finding(
                    "identity.no_certificate",
                    "no certificate in the keychain fits the identity query"
                    + (
                        f" ({', '.join(cert_terms)}); certificates present have labels {', '.join(labels)}"
                        if certs and cert_terms
                        else ""
                    )
                    + (
                        "; no certificate was added at all (check the SecItemAdd status, and that "
                        "SecCertificateCreateWithData got DER, not PEM)"
                        if not certs
                        else ""
                    )
                    + ".",
                    items=tuple(certs[:5]),
                    evidence={
                        "certificate_terms": {k: v for k, v in matcher.query.attrs.items() if k in CERTIFICATE_SIDE},
                        "certificates": len(certs),
                    },
                )
            )
        return findings

    for cert in visible_fitting:
        findings.extend(_pairing(db, cert, keys, private_keys, platform))
        if findings:
            return findings

    # A certificate and its private key pair, yet no identity came back: the joined row fails a
    # key-side term, the sync default, or a group (the pair split across groups).
    pair_rows = [n for n in near if isinstance(n.row, IdentityRow)]
    for n in pair_rows:
        if ACCESS_GROUP in n.kinds:
            findings.append(
                Finding(
                    "access.group_not_visible",
                    f"certificate and key pair, but are split across access groups "
                    f"({n.row.certificate.get('agrp')!r} and {n.row.key.get('agrp')!r}) and this query can see "
                    "only one of them; keep both halves in one group.",
                    items=(n.row.certificate, n.row.key),
                    evidence={
                        "certificate_group": n.row.certificate.get("agrp"),
                        "key_group": n.row.key.get("agrp"),
                        "searched_groups": list(groups or ()),
                    },
                )
            )
        if SYNC in n.kinds:
            findings.append(
                Finding(
                    "query.synchronizable_excluded",
                    f"the private key {row_label(n.row.key)} is synchronizable (sync=1); an identity query applies "
                    "the default sync=0 to the key, so add kSecAttrSynchronizable: kSecAttrSynchronizableAny.",
                    items=(n.row.key,),
                    evidence={"key_sync": n.row.key.get("sync")},
                )
            )
        attribute_misses = [m for m in n.misses if m.kind == ATTRIBUTE]
        wrong = [m for m in attribute_misses if not matcher.term_misses(n.row.certificate, {m.key})]
        if wrong:
            m = wrong[0]
            findings.append(
                Finding(
                    "identity.attribute_on_wrong_side",
                    f"the query's {m.key} = {show(m.key, m.wanted)} matches the certificate, but an identity "
                    f"filters {m.key} on the private key, which has {show(m.key, m.found)}.",
                    items=(n.row.certificate, n.row.key),
                    evidence={
                        "attribute": m.key,
                        "wanted": m.wanted,
                        "key_value": m.found,
                        "on": "cert",
                        "needed_on": "keys",
                    },
                )
            )
        elif attribute_misses:
            findings.append(
                Finding(
                    "query.attribute_mismatch",
                    f"{row_label(n.row)} pairs, but the key fails the query: {n.describe()}.",
                    items=(n.row.certificate, n.row.key),
                    evidence={m.key: {"wanted": m.wanted, "found": m.found} for m in attribute_misses},
                )
            )
        if findings:
            break
    return findings


def _pairing(db: Database, cert: Item, keys: list[Item], private_keys: list[Item], platform: str) -> list[Finding]:
    """Findings when no visible key joins this certificate (empty when one does)."""
    pkhh = cert.get("pkhh")
    same_label = [k for k in keys if k.get("klbl") == pkhh]
    if any(k.get("priv") == 1 and k.get("kcls") == 1 for k in same_label):
        return []
    if same_label and all(k.get("kcls") == 0 for k in same_label):
        return [
            Finding(
                "identity.key_is_public",
                f"the only key whose kSecAttrApplicationLabel equals the certificate's public-key hash "
                f"({show('pkhh', pkhh)}) is a public key ({row_label(same_label[0])}); the private key was not "
                "stored (make the private key permanent: kSecAttrIsPermanent true in kSecPrivateKeyAttrs or at top "
                "level).",
                items=(cert, *same_label),
                evidence={"pkhh": pkhh, "klbl": pkhh, "key_class": 0},
            )
        ]
    if same_label:
        key = same_label[0]
        return [
            Finding(
                "identity.no_private_key",
                f"{row_label(key)} has the certificate's hash as its application label but no "
                f"kSecAttrIsPrivate (priv={show('priv', key.get('priv'))}), so the identity join skips it; add the "
                "private key through kSecValueRef (a SecKey) rather than as raw kSecValueData.",
                items=(cert, key),
                evidence={"pkhh": pkhh, "priv": key.get("priv")},
            )
        ]
    overridden = [k for k in private_keys if actual_public_key_hash(k) == pkhh]
    if overridden:
        key = overridden[0]
        return [
            Finding(
                "identity.application_label_overridden",
                f"the private key {row_label(key)} is the certificate's key (its public-key hash is "
                f"{show('pkhh', pkhh)}), but its kSecAttrApplicationLabel was set to {show('klbl', key.get('klbl'))}; "
                "do not pass kSecAttrApplicationLabel when creating or adding the key (use kSecAttrApplicationTag).",
                items=(cert, key),
                evidence={"pkhh": pkhh, "klbl": key.get("klbl"), "computed": pkhh},
            )
        ]
    if platform == "macos":
        other = [k for k in _live(db, FILE, "keys") if k.get("klbl") == pkhh]
        if other:
            return [_other_keychain(other[0], "private key", "file-based", "data protection")]
    if not private_keys:
        return [
            Finding(
                "identity.no_private_key",
                f"the certificate {row_label(cert)} fits, but the keychain holds no private key at all: the key was "
                "never stored (kSecAttrIsPermanent missing or not a boolean) or was deleted.",
                items=(cert,),
                evidence={"pkhh": pkhh, "private_keys": 0},
            )
        ]
    return [
        Finding(
            "identity.certificate_for_other_key",
            f"the certificate's public-key hash {show('pkhh', pkhh)} matches no private key "
            f"(their application labels: {', '.join(show('klbl', k.get('klbl')) for k in private_keys[:5])}); the "
            "certificate was issued for another key: check that the CSR was built from this key's public key and "
            "that the server did not re-key or return the wrong certificate.",
            items=(cert, *private_keys[:5]),
            evidence={"pkhh": pkhh, "klbl": [k.get("klbl") for k in private_keys]},
        )
    ]


def _other_keychain(item: Item, what: str, where: str, other: str) -> Finding:
    return Finding(
        "platform.other_keychain",
        f"the {what} {row_label(item)} lives in the {where} keychain while the query searched the {other} "
        "keychain; on macOS pass kSecUseDataProtectionKeychain: true to every call, the add included.",
        items=(item,),
        evidence={"keychain": item.keychain},
    )


def public_key_identities(matches: list[object]) -> list[Finding]:
    """A successful identity query that paired a certificate with a *public* key row.

    Keys stored through a SecKeyRef carry priv = 1 even when public, and the join tests priv, not kcls
    (§H.1), so a stored public key with the certificate's hash forms an identity whose "private key"
    cannot sign: status 0, then TLS fails (keys reference open question N.1, pitfalls C12; inferred).
    """
    public = [m for m in matches if isinstance(m, IdentityRow) and m.key.get("kcls") == 0]
    if not public:
        return []
    row = public[0]
    return [
        Finding(
            "identity.key_is_public",
            f"{row_label(row)} pairs the certificate with a public key (kcls=0): the join tests kSecAttrIsPrivate, "
            "which keys stored through a SecKeyRef always carry, so the identity forms but cannot sign; store the "
            "private key (kSecAttrIsPermanent true in kSecPrivateKeyAttrs) and do not make the public key permanent.",
            items=(row.certificate, row.key),
            evidence={"pkhh": row.certificate.get("pkhh"), "klbl": row.key.get("klbl"), "key_class": 0},
        )
    ]
