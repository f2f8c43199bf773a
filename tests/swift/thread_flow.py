"""The forum thread's enrollment flow through the Python API, step for step as the Swift tests run it.

swift/Tests/ForumThreadTests/EnrollmentManager.swift is the thread's Swift code; this is the same sequence of
calls in Python, driven by the same variant file (fixtures/thread/variants.json). The parity test checks
the statuses and findings against the file; the Swift package test compares Swift's statuses with these.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from keychainsim import (
    Keychain,
    SecCertificateCreateWithData,
    SecKeyCopyExternalRepresentation,
    SecKeyCopyPublicKey,
    tracing,
)
from keychainsim.constants import *  # the flow reads like the Swift it mirrors
from keychainsim.crypto.ca import TestCA
from keychainsim.crypto.csr import create_csr
from keychainsim.crypto.pem import der_to_pem
from keychainsim.explain import explain
from keychainsim.probe import trace

VARIANTS_FILE = Path(__file__).resolve().parents[2] / "fixtures" / "thread" / "variants.json"


def load_variants() -> dict[str, Any]:
    return json.loads(VARIANTS_FILE.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Outcome:
    status: int
    codes: list[str]
    messages: dict[str, str]


def pem_to_der(pem: str) -> bytes | None:
    """The thread's helper: strip the armour lines and newlines, base64-decode the rest."""
    body = (
        pem.replace("-----BEGIN CERTIFICATE-----", "")
        .replace("-----END CERTIFICATE-----", "")
        .replace("\n", "")
        .replace("\r", "")
    )
    try:
        return base64.b64decode(body, validate=True)
    except ValueError:
        return None


def run_variant(spec: dict[str, Any], variant: dict[str, Any], ca: TestCA) -> Outcome:
    changes = variant["changes"]
    flow, device = spec["flow"], spec["device"]
    tag, label = flow["tag"].encode(), flow["label"]
    kc = Keychain(platform=device["platform"], access_groups=device["access_groups"])
    with trace(kc) as history:
        # generateKeyPair(): the attributes at the top level, as the thread wrote them
        key_attributes: dict[str, Any] = {kSecAttrApplicationTag: tag}
        permanent = changes.get("permanent", "bool")
        if permanent != "absent":
            key_attributes[kSecAttrIsPermanent] = True if permanent == "bool" else 1
        if changes.get("synchronizable_key"):
            key_attributes[kSecAttrSynchronizable] = True
        if changes.get("label_on_key"):
            key_attributes[kSecAttrLabel] = label
        attributes: dict[str, Any] = {kSecAttrKeyType: kSecAttrKeyTypeECSECPrimeRandom, kSecAttrKeySizeInBits: 256}
        if changes.get("key_attributes_in", "top_level") == "top_level":
            attributes.update(key_attributes)
        else:
            attributes[kSecPrivateKeyAttrs] = key_attributes
        private_key, error = kc.SecKeyCreateRandomKey(attributes)
        assert private_key is not None, error
        # publicKeyData(for:)
        public_key = SecKeyCopyPublicKey(private_key)
        public_data, error = SecKeyCopyExternalRepresentation(public_key)
        assert public_data is not None, error
        # the CSR and the server (keychainsim helpers; their own calls are not the app's)
        with tracing.inside():
            csr = create_csr(private_key, flow["subject"])
        issued = ca.issue(csr, faults=changes.get("faults", []))
        ca_pems = [der_to_pem(c) for c in issued.chain if c != issued.der]
        if _store_certificate(kc, issued.pem, changes, tag, label):
            for pem in ca_pems:  # storeCACertificates(_:)
                der = pem_to_der(pem)
                certificate = SecCertificateCreateWithData(der) if der is not None else None
                if certificate is not None:
                    kc.SecItemAdd({kSecClass: kSecClassCertificate, kSecValueRef: certificate})
        if changes.get("lock_before_lookup"):
            kc.lock()
        app = kc.with_entitlements(changes["lookup_access_groups"]) if "lookup_access_groups" in changes else kc
        # loadIdentity()
        query = {
            kSecClass: kSecClassIdentity,
            kSecAttrLabel: label,
            kSecReturnRef: True,
            kSecMatchLimit: kSecMatchLimitOne,
        }
        status, _ = app.SecItemCopyMatching(query)
        report = explain(app, query, history=history)
    return Outcome(int(status), report.codes, {f.code: f.message for f in report.findings})


def _store_certificate(kc: Keychain, pem: str, changes: dict[str, Any], tag: bytes, label: str) -> bool:
    """storeCertificate(_:): False where the Swift code throws and the enrollment stops."""
    der = pem.encode() if changes.get("certificate_as_pem") else pem_to_der(pem)
    certificate = SecCertificateCreateWithData(der) if der is not None else None
    if certificate is None:
        return False
    add: dict[str, Any] = {kSecClass: kSecClassCertificate, kSecValueRef: certificate}
    if not changes.get("label_on_key"):
        add[kSecAttrLabel] = label
    if "certificate_access_group" in changes:
        add[kSecAttrAccessGroup] = changes["certificate_access_group"]
    if changes.get("tag_on_certificate"):
        add[kSecAttrApplicationTag] = tag
    status, _ = kc.SecItemAdd(add)
    return status in (errSecSuccess, errSecDuplicateItem)
