"""Why an identity query finds nothing: the mechanical causes of reference keys-certs-identities.md §K
and the identity entries of the pitfalls catalog (§2.1 S1-S16), decided on the certificate and key tables.

The identity join needs a certificate that fits the certificate-side terms (label, issuer, serial, SKID),
a key with ``priv = 1`` whose ``klbl`` equals the certificate's ``pkhh``, both visible, and the key
passing the key-side terms and the implicit ``sync = 0`` (§H.1, §H.2).
"""

from __future__ import annotations

from keychainsim.engine.database import Database
from keychainsim.engine.identity import CERTIFICATE_SIDE, PRIVATE_KEY_COLUMN, IdentityRow
from keychainsim.explain.evidence import show
from keychainsim.explain.findings import Finding
from keychainsim.explain.report import KEYCHAIN_NAMES, NearMiss, row_label
from keychainsim.model import token_items
from keychainsim.model.item import Item
from keychainsim.model.match import ACCESS_GROUP, ATTRIBUTE, SYNC, Matcher


def actual_public_key_hash(key: Item) -> bytes | None:
    """SHA-1 of the key's real public key, computed from its data (None when it cannot be decoded).

    This is what ``klbl`` would be had the caller not overridden it (§C.1 of the keys reference)."""
    try:
        from keychainsim.crypto import SecKey, SecKeyCopyPublicKey, public_key_hash
    except ImportError:
        return None
    try:
        ref = SecKey._from_keychain(token_items.ref_attributes(key.attrs))
        public = SecKeyCopyPublicKey(ref) if ref is not None else None
        return public_key_hash(public) if public is not None else None
    except Exception:
        return None


def _live(db: Database, keychain: str, item_class: str) -> list[Item]:
    return [i for i in db.table(keychain, item_class).values() if not i.is_tombstone]


def diagnose(
    db: Database,
    matcher: Matcher,
    keychain: str,
    other: str | None,
    near: list[NearMiss],
    caller_groups: list[str],
    other_searched: bool = False,
    history_codes: frozenset[str] | set[str] = frozenset(),
) -> list[Finding]:
    """Findings for an identity search of ``keychain`` that matched nothing.

    ``other`` is the other keychain implementation on macOS (None on iOS): halves there never join these.
    ``caller_groups`` are the app's entitlements: a half outside the searched groups but inside these was
    left out by the query's own kSecAttrAccessGroup, not for want of an entitlement.
    """
    groups = matcher.scope.groups
    cert_terms = [k for k, _ in matcher.terms if k in CERTIFICATE_SIDE]

    def fits(item: Item) -> bool:
        return not matcher.term_misses(item, CERTIFICATE_SIDE)

    findings: list[Finding] = []

    certs = _live(db, keychain, "cert")
    keys = _live(db, keychain, "keys")
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
            findings.append(_certificate_outside_search(fitting, list(groups or ()), caller_groups))
        elif other is not None and any(fits(c) for c in _live(db, other, "cert")):
            if other_searched:
                return findings  # that keychain's own search says why its certificate did not pair
            elsewhere = [c for c in _live(db, other, "cert") if fits(c)]
            findings.append(_certificate_elsewhere(elsewhere[0], keychain))
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
                    + (_why_no_certificate(history_codes) if not certs else "")
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
        findings.extend(_pairing(db, cert, keys, private_keys, other))
        if findings:
            return findings

    # A certificate and its private key pair, yet no identity came back: the joined row fails a
    # key-side term, the sync default, or a group (the pair split across groups).
    pair_rows = [n for n in near if isinstance(n.row, IdentityRow)]
    for n in pair_rows:
        if ACCESS_GROUP in n.kinds:
            findings.append(_pair_outside_search(n.row, list(groups or ()), caller_groups))
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


def _why_no_certificate(history_codes: frozenset[str] | set[str]) -> str:
    """The empty certificate table, with the cause the history shows, else the usual suspects."""
    if "trace.pkcs12_not_stored" in history_codes:
        return "; no certificate was added at all: the PKCS#12 import in the trace stored nothing"
    if history_codes & {"trace.certificate_not_der", "trace.add_failed", "trace.item_deleted"}:
        return "; no certificate is stored: the trace shows why"
    return (
        "; no certificate was added at all (check the SecItemAdd status, and that SecCertificateCreateWithData got "
        "DER, not PEM)"
    )


def _certificate_outside_search(fitting: list[Item], searched: list[str], caller_groups: list[str]) -> Finding:
    """The certificate fits but is outside the searched groups: for want of an entitlement, or because
    the query's own kSecAttrAccessGroup narrowed the search."""
    cert = fitting[0]
    group = cert.get("agrp")
    evidence = {"certificate_group": group, "searched_groups": searched, "caller_groups": caller_groups}
    if group in caller_groups:
        return Finding(
            "query.attribute_mismatch",
            f"the certificate {row_label(cert)} is in access group {group!r}, which this app is entitled to, but "
            f"the query's kSecAttrAccessGroup narrows the search to {', '.join(map(repr, searched))}; drop "
            "kSecAttrAccessGroup from the query, or name the group both halves are in.",
            items=tuple(fitting),
            evidence=evidence,
        )
    return Finding(
        "access.group_not_visible",
        f"the certificate {row_label(cert)} is in access group {group!r}, which this app is not entitled to read "
        f"(its groups: {', '.join(caller_groups)}).",
        items=tuple(fitting),
        evidence=evidence,
    )


def _pair_outside_search(row: IdentityRow, searched: list[str], caller_groups: list[str]) -> Finding:
    """The halves pair but not both are inside the searched groups."""
    outside = [i for i in row.group_items if i.get("agrp") not in searched]
    evidence = {
        "certificate_group": row.certificate.get("agrp"),
        "key_group": row.key.get("agrp"),
        "searched_groups": searched,
        "caller_groups": caller_groups,
    }
    split = (
        f"certificate and key pair, but are split across access groups ({row.certificate.get('agrp')!r} and "
        f"{row.key.get('agrp')!r})"
    )
    if all(i.get("agrp") in caller_groups for i in outside):
        return Finding(
            "query.attribute_mismatch",
            f"{split}: this app is entitled to both, but the query's kSecAttrAccessGroup narrows the search to "
            f"{', '.join(map(repr, searched))}, and an identity needs both halves inside it; keep both halves in "
            "one group, or drop kSecAttrAccessGroup from the query.",
            items=(row.certificate, row.key),
            evidence=evidence,
        )
    return Finding(
        "access.group_not_visible",
        f"{split}, and this app is not entitled to {', '.join(repr(i.get('agrp')) for i in outside)}; keep both "
        "halves in one group the app can read.",
        items=(row.certificate, row.key),
        evidence=evidence,
    )


def _pairing(db: Database, cert: Item, keys: list[Item], private_keys: list[Item], other: str | None) -> list[Finding]:
    """Findings when no visible key joins this certificate (empty when one does)."""
    pkhh = cert.get("pkhh")
    same_label = [k for k in keys if k.get("klbl") == pkhh]
    private = PRIVATE_KEY_COLUMN[cert.keychain]  # the file-based keychain joins by key class alone
    if any(k.get(private) == 1 and k.get("kcls") == 1 for k in same_label):
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
    if other is not None:
        split = [k for k in _live(db, other, "keys") if k.get("klbl") == pkhh]
        if split:
            return [_key_elsewhere(split[0], cert)]
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


def _certificate_elsewhere(cert: Item, searched: str) -> Finding:
    return Finding(
        "platform.other_keychain",
        f"the certificate {row_label(cert)} fits, but it lives in the {KEYCHAIN_NAMES[cert.keychain]} keychain and "
        f"this query searched only the {KEYCHAIN_NAMES[searched]} one; on macOS pass kSecUseDataProtectionKeychain: "
        "true to every call, the adds included.",
        items=(cert,),
        evidence={"keychain": cert.keychain, "searched": searched},
    )


def _key_elsewhere(key: Item, cert: Item) -> Finding:
    return Finding(
        "platform.other_keychain",
        f"the private key {row_label(key)} lives in the {KEYCHAIN_NAMES[key.keychain]} keychain and the certificate "
        f"{row_label(cert)} in the {KEYCHAIN_NAMES[cert.keychain]} one; an identity joins a certificate and a key of "
        "the same keychain, so store both with kSecUseDataProtectionKeychain: true.",
        items=(key, cert),
        evidence={"keychain": key.keychain, "certificate_keychain": cert.keychain},
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
