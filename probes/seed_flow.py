"""The seed enrollment flow, replayed with the dumps Apple DTS asks for and the diagnosis.

The flow of the forum thread (the seed flow of docs/pitfalls.md): an EC P-256 private key made permanent with an
application tag; a CSR from it; a certificate from the (local) CA; SecItemAdd of the certificate with
kSecAttrLabel; SecItemCopyMatching(kSecClassIdentity, kSecAttrLabel, kSecReturnRef, kSecMatchLimitOne).
Each variant breaks it the way real apps do. For each one the program prints the keychain after the key
is created, after the certificate is added and after the lookup, then explain's findings.

    .venv/bin/python probes/seed_flow.py                 # every variant
    .venv/bin/python probes/seed_flow.py --list          # their names
    .venv/bin/python probes/seed_flow.py label_on_key    # one variant
    .venv/bin/python probes/seed_flow.py --json          # machine-readable

(the virtual environment's Python, in which keychainsim is installed; another Python says so and exits 2).

Exit status 0 when every variant behaves as a device would (the working flow forms the identity, each
broken one returns its status with its expected finding), 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

try:
    import keychainsim  # noqa: F401 - only to say how to run this file when it is missing
except ImportError:
    print(
        f"{sys.argv[0]}: keychainsim is not installed for {sys.executable}; run this file with the Python of "
        "the virtual environment it is installed in: .venv/bin/python probes/seed_flow.py",
        file=sys.stderr,
    )
    sys.exit(2)

from keychainsim import (
    Keychain,
    SecCertificateCreateWithData,
    SecIdentityCopyCertificate,
    SecIdentityCopyPrivateKey,
)
from keychainsim.constants import (
    errSecItemNotFound,
    errSecSuccess,
    kSecAttrAccessGroup,
    kSecAttrApplicationLabel,
    kSecAttrApplicationTag,
    kSecAttrIsPermanent,
    kSecAttrKeySizeInBits,
    kSecAttrKeyType,
    kSecAttrKeyTypeECSECPrimeRandom,
    kSecAttrLabel,
    kSecAttrSynchronizable,
    kSecClass,
    kSecClassCertificate,
    kSecClassIdentity,
    kSecClassKey,
    kSecMatchLimit,
    kSecMatchLimitOne,
    kSecPrivateKeyAttrs,
    kSecPublicKeyAttrs,
    kSecReturnRef,
    kSecUseDataProtectionKeychain,
    kSecValueRef,
)
from keychainsim.crypto.ca import Fault, TestCA
from keychainsim.crypto.csr import create_csr
from keychainsim.explain import explain
from keychainsim.probe import dump, trace

TAG = b"com.example.enrollment.key"
LABEL = "com.example.client-identity"
CLOCK = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
APP = "A1B2C3D4E5.com.example.app"
SHARED = "A1B2C3D4E5.com.example.shared"


@dataclass
class Variant:
    """One way of running the flow: what changes, and what a device answers."""

    name: str
    story: str
    key_params: dict[str, Any] = field(default_factory=dict)
    certificate_attributes: dict[str, Any] = field(default_factory=dict)
    query_attributes: dict[str, Any] = field(default_factory=dict)
    faults: tuple[Fault, ...] = ()
    pem: bool = False
    label_on_key: bool = False
    platform: str = "ios"
    lookup_app: list[str] | None = None
    expected_status: int = errSecItemNotFound
    expected_finding: str | None = None


def key_parameters(**private: Any) -> dict[str, Any]:
    return {
        kSecAttrKeyType: kSecAttrKeyTypeECSECPrimeRandom,
        kSecAttrKeySizeInBits: 256,
        kSecPrivateKeyAttrs: {kSecAttrIsPermanent: True, kSecAttrApplicationTag: TAG, **private},
    }


VARIANTS = [
    Variant("working", "the flow as Apple DTS recommends it", key_parameters(), expected_status=errSecSuccess),
    Variant(
        "key_not_permanent",
        "kSecAttrIsPermanent left out: software keys are not stored by default",
        {**key_parameters(), kSecPrivateKeyAttrs: {kSecAttrApplicationTag: TAG}},
        expected_finding="trace.key_not_stored",
    ),
    Variant(
        "permanent_as_number",
        "kSecAttrIsPermanent: 1 (a number, as bridged from JavaScript or @1) is ignored",
        key_parameters(**{kSecAttrIsPermanent: 1}),
        expected_finding="trace.key_not_stored",
    ),
    Variant(
        "public_key_only",
        "kSecAttrIsPermanent only in kSecPublicKeyAttrs: the public key is stored, the private key is not",
        {
            kSecAttrKeyType: kSecAttrKeyTypeECSECPrimeRandom,
            kSecAttrKeySizeInBits: 256,
            kSecPublicKeyAttrs: {kSecAttrIsPermanent: True},
            kSecPrivateKeyAttrs: {kSecAttrApplicationTag: TAG},
        },
        expected_status=errSecSuccess,
        expected_finding="identity.key_is_public",
    ),
    Variant(
        "application_label",
        "a custom kSecAttrApplicationLabel replaces the public-key hash the identity join needs",
        key_parameters(**{kSecAttrApplicationLabel: b"my-enrollment-key"}),
        expected_finding="identity.application_label_overridden",
    ),
    Variant(
        "certificate_for_other_key",
        "the server certified another key than the CSR's",
        key_parameters(),
        faults=(Fault.OTHER_KEY,),
        expected_finding="identity.certificate_for_other_key",
    ),
    Variant(
        "label_on_key",
        "the label was put on the key; an identity's label is its certificate's",
        key_parameters(),
        label_on_key=True,
        expected_finding="identity.attribute_on_wrong_side",
    ),
    Variant(
        "synchronizable_key",
        "the key was made synchronizable; identity queries see sync=0 keys by default",
        {**key_parameters(), kSecAttrSynchronizable: True},
        expected_finding="query.synchronizable_excluded",
    ),
    Variant(
        "pem_certificate",
        "the server's PEM was handed to SecCertificateCreateWithData, which wants DER",
        key_parameters(),
        pem=True,
        expected_finding="trace.certificate_not_der",
    ),
    Variant(
        "certificate_add_with_tag",
        "the certificate add reused the key's dictionary with kSecAttrApplicationTag: errSecNoSuchAttr",
        key_parameters(),
        certificate_attributes={kSecAttrApplicationTag: TAG},
        expected_finding="trace.add_failed",
    ),
    Variant(
        "extension_without_key_group",
        "the certificate went to a shared group; the app extension shares only that group, not the key's",
        key_parameters(),
        certificate_attributes={kSecAttrAccessGroup: SHARED},
        lookup_app=[SHARED],
        expected_finding="access.group_not_visible",
    ),
    Variant(
        "macos_other_keychain",
        "macOS: the key is in the data protection keychain, the certificate went to the file-based one",
        {**key_parameters(), kSecUseDataProtectionKeychain: True},
        query_attributes={kSecUseDataProtectionKeychain: True},
        platform="macos",
        expected_finding="platform.other_keychain",
    ),
]


@dataclass
class Outcome:
    variant: Variant
    status: int
    codes: list[str]
    dumps: dict[str, str]
    report: Any
    identity_ok: bool

    @property
    def as_expected(self) -> bool:
        status_ok = self.status == self.variant.expected_status
        finding_ok = self.variant.expected_finding is None or self.variant.expected_finding in self.codes
        identity_needed = self.status == errSecSuccess and self.variant.expected_finding is None
        return status_ok and finding_ok and (self.identity_ok or not identity_needed)


def run(variant: Variant, ca: TestCA, render: Callable[[Keychain], Any]) -> Outcome:
    kc = Keychain(platform=variant.platform, access_groups=[APP, SHARED], clock=lambda: CLOCK)
    dumps: dict[str, Any] = {}
    query = {
        kSecClass: kSecClassIdentity,
        kSecAttrLabel: LABEL,
        kSecReturnRef: True,
        kSecMatchLimit: kSecMatchLimitOne,
        **variant.query_attributes,
    }
    app = kc.with_entitlements(variant.lookup_app) if variant.lookup_app else kc
    with trace(kc) as history:
        key, error = kc.SecKeyCreateRandomKey(variant.key_params)
        assert error is None, error
        dumps["after the key is created"] = render(kc)
        issued = ca.issue(create_csr(key, {"CN": "device-1", "O": "Example"}), faults=variant.faults)
        data = issued.pem.encode() if variant.pem else issued.der
        certificate = SecCertificateCreateWithData(data)
        add = {kSecClass: kSecClassCertificate, kSecValueRef: certificate, **variant.certificate_attributes}
        if not variant.label_on_key:
            add[kSecAttrLabel] = LABEL
        kc.SecItemAdd(add)
        if variant.label_on_key:
            kc.SecItemUpdate({kSecClass: kSecClassKey, kSecAttrApplicationTag: TAG}, {kSecAttrLabel: LABEL})
        dumps["after the certificate is added"] = render(kc)
        status, identity = app.SecItemCopyMatching(query)
        dumps["after the identity lookup"] = render(app)
        report = explain(app, query, history=history)
    identity_ok = False
    if status == errSecSuccess:
        identity_ok = (
            SecIdentityCopyPrivateKey(identity)[1] == key and SecIdentityCopyCertificate(identity)[1] is not None
        )
    return Outcome(variant, int(status), report.codes, dumps, report, identity_ok)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("variants", nargs="*", help="variant names (default: all)")
    parser.add_argument("--list", action="store_true", help="list the variants and exit")
    parser.add_argument("--json", action="store_true", help="JSON output")
    args = parser.parse_args(argv)
    if args.list:
        for variant in VARIANTS:
            print(f"{variant.name:30} {variant.story}")
        return 0
    by_name = {v.name: v for v in VARIANTS}
    unknown = [n for n in args.variants if n not in by_name]
    if unknown:
        print(f"seed_flow: unknown variant(s) {', '.join(unknown)}; see --list", file=sys.stderr)
        return 2
    chosen = [by_name[n] for n in args.variants] or VARIANTS
    ca = TestCA()
    render = (lambda kc: json.loads(dump(kc, format="json"))) if args.json else (lambda kc: dump(kc))
    outcomes = [run(v, ca, render) for v in chosen]
    if args.json:
        document = [
            {
                "variant": o.variant.name,
                "story": o.variant.story,
                "status": o.status,
                "as_expected": o.as_expected,
                "dumps": o.dumps,
                "explain": o.report.to_dict(),
            }
            for o in outcomes
        ]
        print(json.dumps(document, sort_keys=True, indent=2, default=str))
    else:
        for outcome in outcomes:
            print_outcome(outcome)
    return 0 if all(o.as_expected for o in outcomes) else 1


def print_outcome(outcome: Outcome) -> None:
    rule = "=" * 100
    print(rule)
    print(f"{outcome.variant.name}: {outcome.variant.story}")
    print(rule)
    for title, text in outcome.dumps.items():
        print(f"--- keychain {title} ---")
        print(text)
    print("--- diagnosis ---")
    print(outcome.report)
    verdict = "as a device would" if outcome.as_expected else "NOT as expected"
    print(f"--> status {outcome.status}, {verdict}\n")


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["VARIANTS", "Variant", "main", "run"]
