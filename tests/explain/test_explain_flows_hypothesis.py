"""explain never disagrees and never falls silent, over random multi-step flows on both platforms.

Each flow mixes password adds, updates, deletes and lookups, key creation (the private key made
permanent, the pair made permanent at the top level, only the public key, nothing), certificate adds
for those keys (or for keys never stored), identity adds by SecIdentity ref, identity lookups, lock,
unlock and restart, calls from other apps with other entitlements, and SecPKCS12Import, on iOS and on
macOS (where the shim routes and merges between the two keychains), with and without a trace.

Before every SecItem call, ``explain`` of that very call is asked first; then the call is made. The
checks: explain's status is the call's; for a lookup that asks for persistent references, explain's
matches are the rows behind what the call returned; every failing status has at least one finding;
explaining changes nothing in the store.

Examples: a fixed, derandomized set in the default suite (profile ``explain-flows``). For a longer,
randomized search set ``KEYCHAINSIM_LONG_FLOWS=1`` (profile ``explain-flows-long``, 2,000 examples):

    KEYCHAINSIM_LONG_FLOWS=1 .venv/bin/pytest tests/explain/test_explain_flows_hypothesis.py
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from keychainsim import Keychain, SecAccessControlCreateWithFlags
from keychainsim.constants import *
from keychainsim.crypto import SecCertificateCreateWithData, SecIdentityCreate
from keychainsim.engine.identity import IdentityRow
from keychainsim.engine.results import persistent_ref
from keychainsim.explain import explain
from keychainsim.model.access_control import kSecAccessControlUserPresence
from keychainsim.probe import trace
from tests.conformance._enrollment import issue, public_point

APP = "A1B2C3D4E5.com.example.app"
SHARED = "A1B2C3D4E5.com.example.shared"
OTHER = "Z9Y8X7W6V5.com.example.other"
APPS = {"app": [APP, SHARED], "widget": [SHARED], "stranger": [OTHER]}
USER_PRESENCE = SecAccessControlCreateWithFlags(None, kSecAttrAccessibleWhenUnlocked, kSecAccessControlUserPresence)[0]
OUTSIDER = Keychain().SecKeyCreateRandomKey(
    {kSecAttrKeyType: kSecAttrKeyTypeECSECPrimeRandom, kSecAttrKeySizeInBits: 256}
)[0]
P12 = (Path(__file__).resolve().parents[2] / "fixtures" / "material" / "device-legacy.p12").read_bytes()

_COMMON = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large]}
settings.register_profile("explain-flows", derandomize=True, max_examples=100, **_COMMON)
settings.register_profile("explain-flows-long", max_examples=2000, **_COMMON)
PROFILE = settings.get_profile("explain-flows-long" if os.environ.get("KEYCHAINSIM_LONG_FLOWS") else "explain-flows")

CLASSES = [kSecClassGenericPassword, kSecClassInternetPassword, kSecClassCertificate, kSecClassKey, kSecClassIdentity]
apps = st.sampled_from(["app", "app", "app", "widget", "stranger"])
maybe = st.booleans()
groups = st.sampled_from([None, APP, SHARED, OTHER])
labels = st.sampled_from(["device", "other"])
tags = st.sampled_from([b"t1", b"t2"])
accounts = st.sampled_from(["alice", "bob"])
protections = st.sampled_from([None, kSecAttrAccessibleWhenUnlocked, kSecAttrAccessibleAfterFirstUnlock])
nlegs = st.sampled_from([None, True, False])


def _optional(entries: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[dict[str, Any]]:
    """Some of ``entries`` (raw keys), those drawn as None left out."""
    return st.fixed_dictionaries({}, optional=entries).map(lambda d: {k: v for k, v in d.items() if v is not None})


SERVICE = {kSecClassGenericPassword: kSecAttrService, kSecClassInternetPassword: kSecAttrServer}
password_classes = st.sampled_from([kSecClassGenericPassword] * 3 + [kSecClassInternetPassword])


def _password(item_class: str, extra: dict[str, Any]) -> dict[str, Any]:
    """A password dictionary; ``SERVICE`` stands for the class's own service attribute."""
    out = {kSecClass: item_class}
    for key, value in extra.items():
        out[SERVICE[item_class] if key == "SERVICE" else key] = value
    return out


password = st.builds(
    _password,
    password_classes,
    _optional(
        {
            kSecAttrAccount: accounts,
            "SERVICE": st.just("svc"),
            kSecAttrAccessGroup: groups,
            kSecAttrSynchronizable: st.sampled_from([None, True, False]),
            kSecAttrAccessible: protections,
            kSecAttrLabel: labels,
            kSecUseDataProtectionKeychain: nlegs,
            kSecAttrApplicationTag: st.sampled_from([None, None, None, b"not-for-passwords"]),
            kSecAttrAccessControl: st.sampled_from([None, None, USER_PRESENCE]),
        }
    ),
)
password_query = st.builds(
    _password,
    password_classes,
    _optional(
        {
            kSecAttrAccount: accounts,
            "SERVICE": st.sampled_from([None, "svc", "other"]),
            kSecAttrAccessGroup: groups,
            kSecAttrSynchronizable: st.sampled_from([None, True, False, kSecAttrSynchronizableAny]),
            kSecAttrLabel: labels,
        }
    ),
)
key_query = _optional({kSecAttrApplicationTag: tags, kSecAttrKeyClass: st.sampled_from([None, "0", "1"])})
identity_query = _optional(
    {
        kSecAttrLabel: labels,
        kSecAttrAccessGroup: groups,
        kSecAttrSynchronizable: st.sampled_from([None, kSecAttrSynchronizableAny]),
        kSecAttrApplicationTag: tags,
    }
)
lookup = st.one_of(
    password_query,
    key_query.map(lambda q: {kSecClass: kSecClassKey, **q}),
    _optional({kSecAttrLabel: labels, kSecAttrAccessGroup: groups}).map(
        lambda q: {kSecClass: kSecClassCertificate, **q}
    ),
    identity_query.map(lambda q: {kSecClass: kSecClassIdentity, **q}),
)
returns = _optional(
    {
        kSecReturnPersistentRef: st.sampled_from([None, True, True]),
        kSecReturnAttributes: st.sampled_from([None, True]),
        kSecReturnData: st.sampled_from([None, True]),
        kSecUseAuthenticationUI: st.sampled_from([None, kSecUseAuthenticationUIFail, kSecUseAuthenticationUISkip]),
        kSecMatchLimit: st.sampled_from([None, kSecMatchLimitOne, kSecMatchLimitAll]),
        kSecUseDataProtectionKeychain: nlegs,
    }
)
changes = _optional({kSecAttrAccount: accounts, kSecAttrLabel: labels, kSecAttrGeneric: st.sampled_from([None, b"g"])})
key_modes = st.sampled_from(["private", "top_level", "public_only", "ephemeral", "synchronizable", "data_protection"])

steps = st.one_of(
    st.tuples(st.just("add"), apps, password),
    st.tuples(st.just("add_twice"), st.just("app"), password),
    st.tuples(st.just("copy"), apps, lookup, returns),
    st.tuples(st.just("copy"), apps, identity_query.map(lambda q: {kSecClass: kSecClassIdentity, **q}), returns),
    st.tuples(
        st.just("copy"),
        apps,
        st.sampled_from([{kSecClass: c, kSecReturnPersistentRef: True} for c in CLASSES]),
        _optional(
            {
                kSecMatchLimit: st.sampled_from([None, kSecMatchLimitOne, kSecMatchLimitAll]),
                kSecAttrSynchronizable: st.sampled_from([None, kSecAttrSynchronizableAny]),
                kSecUseDataProtectionKeychain: nlegs,
            }
        ),
    ),
    st.tuples(st.just("keygen"), st.just("app"), key_modes, tags),
    st.tuples(st.just("cert"), st.just("app"), st.integers(0, 3), labels, st.just(None), nlegs),
    st.tuples(st.just("copy_by_ref"), apps, st.integers(0, 5)),
    st.tuples(st.just("update"), apps, password_query, changes),
    st.tuples(st.just("delete"), apps, lookup),
    st.tuples(st.just("keygen"), apps, key_modes, tags),
    st.tuples(st.just("cert"), apps, st.integers(0, 3), labels, groups, nlegs),
    st.tuples(st.just("identity_add"), apps, st.integers(0, 3), labels),
    st.tuples(st.just("device"), st.sampled_from(["lock", "unlock", "restart"])),
    st.tuples(st.just("p12"), apps, nlegs),
)


@dataclass
class Flow:
    """A device, its apps, and what earlier steps made (keys, certificates, persistent references)."""

    kc: Keychain
    keys: list[Any] = field(default_factory=list)
    certificates: list[tuple[Any, Any]] = field(default_factory=list)
    refs: list[bytes] = field(default_factory=list)
    checked: int = 0

    def app(self, name: str) -> Keychain:
        return self.kc if name == "app" else self.kc.with_entitlements(APPS[name])


def key_parameters(mode: str, tag: bytes) -> dict[str, Any]:
    base = {kSecAttrKeyType: kSecAttrKeyTypeECSECPrimeRandom, kSecAttrKeySizeInBits: 256}
    return {
        "private": {**base, kSecPrivateKeyAttrs: {kSecAttrIsPermanent: True, kSecAttrApplicationTag: tag}},
        "top_level": {**base, kSecAttrIsPermanent: True, kSecAttrApplicationTag: tag},
        "public_only": {**base, kSecPublicKeyAttrs: {kSecAttrIsPermanent: True, kSecAttrApplicationTag: tag}},
        "ephemeral": {**base, kSecAttrApplicationTag: tag},
        "synchronizable": {
            **base,
            kSecPrivateKeyAttrs: {kSecAttrIsPermanent: True, kSecAttrApplicationTag: tag},
            kSecAttrSynchronizable: True,
        },
        # on macOS the key and its pair go to the data protection keychain; without it, the file-based one
        "data_protection": {
            **base,
            kSecPrivateKeyAttrs: {kSecAttrIsPermanent: True, kSecAttrApplicationTag: tag},
            kSecUseDataProtectionKeychain: True,
        },
    }[mode]


def row_ref(row: Any) -> bytes:
    if isinstance(row, IdentityRow):
        return persistent_ref("idnt", row.certificate)
    return persistent_ref(row.item_class, row)


def returned_refs(result: Any) -> list[bytes]:
    values = result if isinstance(result, list) else [result]
    return [v[kSecValuePersistentRef] if isinstance(v, dict) else v for v in values]


def check(flow: Flow, view: Keychain, call: str, *args: Any) -> tuple[Any, Any]:
    """explain the call first, then make it; they must agree, and a failure must be explained."""
    before = [(i.rowid, dict(i.attrs)) for i in flow.kc.all_items()]
    changes = args[1] if call == "SecItemUpdate" else None
    report = explain(view, args[0], call=call, attributes_to_update=changes)
    assert [(i.rowid, dict(i.attrs)) for i in flow.kc.all_items()] == before, "explain changed the store"
    true_to_mechanism(flow, view, report)
    returned = getattr(view, call)(*args)
    status, result = returned if isinstance(returned, tuple) else (returned, None)
    assert report.status == status, f"{call}{args}: explain says {report.status}, the call {status}\n{report}"
    if status != errSecSuccess:
        assert report.findings, f"{call}{args} failed with {status} and explain says nothing\n{report}"
        assert "call.failed" not in report.codes, f"{call}{args}: no finding names the mechanism\n{report}"
    elif call == "SecItemCopyMatching" and args[0].get(kSecReturnPersistentRef) is True:
        refs = returned_refs(result)
        assert sorted(row_ref(r) for r in report.matches) == sorted(refs), f"{args}\n{report}"
        flow.refs.extend(r for r in refs if isinstance(r, bytes))
    flow.checked += 1
    return status, result


def true_to_mechanism(flow: Flow, view: Keychain, report: Any) -> None:
    """Claims a finding makes that the keychain's state can refute."""
    for finding in report.findings:
        where = f"{finding.code}: {finding.message}"
        if finding.code == "access.group_not_visible":
            assert any(i.get("agrp") not in view.access_groups for i in finding.items if i.keychain == "dp"), where
        elif finding.code == "class.empty":
            cls = report.query.get(kSecClass)
            assert not any(i.item_class == cls and not i.is_tombstone for i in flow.kc.all_items()), where
        elif finding.code == "lock.item_unavailable":
            assert flow.kc.is_locked, where
        elif finding.code == "platform.other_keychain":
            assert view.platform == "macos", where
        elif finding.code == "trace.key_not_stored":
            label = finding.evidence["klbl"]
            assert not any(i.item_class == "keys" and i.get("klbl") == label for i in flow.kc.all_items()), where


def run(flow: Flow, step: tuple[Any, ...]) -> None:
    kind = step[0]
    if kind == "device":
        {"lock": flow.kc.lock, "unlock": flow.kc.unlock, "restart": flow.kc.restart}[step[1]]()
        return
    view = flow.app(step[1])
    if kind == "add":
        check(flow, view, "SecItemAdd", {**step[2], kSecValueData: b"secret", kSecReturnPersistentRef: True})
    elif kind == "add_twice":  # into each macOS keychain (on iOS the second add collides)
        for nleg in (True, False):
            check(flow, view, "SecItemAdd", {**step[2], kSecValueData: b"secret", kSecUseDataProtectionKeychain: nleg})
    elif kind == "copy":
        check(flow, view, "SecItemCopyMatching", {**step[2], **step[3]})
    elif kind == "copy_by_ref" and flow.refs:
        check(
            flow,
            view,
            "SecItemCopyMatching",
            {kSecValuePersistentRef: flow.refs[step[2] % len(flow.refs)], kSecReturnPersistentRef: True},
        )
    elif kind == "update":
        check(flow, view, "SecItemUpdate", step[2], step[3])
    elif kind == "delete":
        check(flow, view, "SecItemDelete", step[2])
    elif kind == "keygen":
        key, _ = view.SecKeyCreateRandomKey(key_parameters(step[2], step[3]))
        if key is not None:
            flow.keys.append(key)
    elif kind == "cert":
        _, _, index, label, group, nleg = step
        # a stored key, or (before any) a key of another device that the certificate will not pair with here
        key = flow.keys[index % len(flow.keys)] if flow.keys else OUTSIDER
        certificate = SecCertificateCreateWithData(issue(public_point(key), serial=1000 + len(flow.certificates)))
        flow.certificates.append((certificate, key))
        attributes = {kSecClass: kSecClassCertificate, kSecValueRef: certificate, kSecAttrLabel: label}
        if group is not None:
            attributes[kSecAttrAccessGroup] = group
        if nleg is not None:
            attributes[kSecUseDataProtectionKeychain] = nleg
        check(flow, view, "SecItemAdd", attributes)
    elif kind == "identity_add" and flow.certificates:
        certificate, key = flow.certificates[step[2] % len(flow.certificates)]
        identity = SecIdentityCreate(certificate, key)
        if identity is not None:
            check(flow, view, "SecItemAdd", {kSecValueRef: identity, kSecAttrLabel: step[3]})
    elif kind == "p12":
        options = {kSecImportExportPassphrase: "keychainsim"}
        if step[2] is not None:
            options[kSecUseDataProtectionKeychain] = step[2]
        view.SecPKCS12Import(P12, options)


def play(platform: str, history: bool, flow_steps: list[tuple[Any, ...]], user: str = "approve") -> Flow:
    flow = Flow(Keychain(platform=platform, access_groups=APPS["app"], user_response=user))
    if history:
        with trace(flow.kc):
            for step in flow_steps:
                run(flow, step)
    else:
        for step in flow_steps:
            run(flow, step)
    return flow


GENP = {kSecClass: kSecClassGenericPassword, kSecAttrAccount: "alice"}
ALL_REFS = {kSecReturnPersistentRef: True, kSecMatchLimit: kSecMatchLimitAll}
ONE_REF = {kSecReturnPersistentRef: True, kSecMatchLimit: kSecMatchLimitOne}
IDENTITY = {kSecClass: kSecClassIdentity, kSecAttrLabel: "device"}


@pytest.mark.model
@PROFILE
@example(  # macOS: an identity in each keychain, found by one query without the flag
    platform="macos",
    history=False,
    user="approve",
    flow_steps=[
        ("keygen", "app", "private", b"t1"),
        ("keygen", "app", "data_protection", b"t2"),
        ("cert", "app", 0, "device", None, None),
        ("cert", "app", 1, "device", None, True),
        ("copy", "app", IDENTITY, ALL_REFS),
        ("copy", "app", IDENTITY, {}),
        ("delete", "app", IDENTITY),
    ],
)
@example(  # the limit of one cuts the rows before the host filter (another server first): -25300
    platform="ios",
    history=False,
    user="approve",
    flow_steps=[
        ("add", "app", {kSecClass: kSecClassInternetPassword, kSecAttrServer: "mirror.example.org"}),
        ("add", "app", {kSecClass: kSecClassInternetPassword, kSecAttrServer: "api.example.com"}),
        ("copy", "app", {kSecClass: kSecClassInternetPassword, kSecMatchHostOrSubdomainOfHost: "example.com"}, {}),
        (
            "copy",
            "app",
            {kSecClass: kSecClassInternetPassword, kSecMatchHostOrSubdomainOfHost: "example.com"},
            ALL_REFS,
        ),
    ],
)
@example(  # macOS: both keychains answer; one ref (data protection) or both arrays concatenated
    platform="macos",
    history=False,
    user="approve",
    flow_steps=[("add_twice", "app", GENP), ("copy", "app", GENP, ONE_REF), ("copy", "app", GENP, ALL_REFS)],
)
@example(  # the forum thread's top-level kSecAttrIsPermanent, then an identity add that collides
    platform="ios",
    history=True,
    user="cancel",
    flow_steps=[
        ("keygen", "app", "top_level", b"t1"),
        ("cert", "app", 0, "device", None, None),
        ("copy", "app", IDENTITY, ONE_REF),
        ("identity_add", "app", 0, "device"),
        ("p12", "app", None),
        ("copy", "widget", IDENTITY, ALL_REFS),
    ],
)
@given(
    platform=st.sampled_from(["ios", "macos"]),
    history=st.booleans(),
    flow_steps=st.lists(steps, min_size=4, max_size=20),
    user=st.sampled_from(["approve", "approve", "cancel", "fail"]),
)
def test_explain_agrees_with_every_call_and_explains_every_failure(platform, history, flow_steps, user):
    play(platform, history, flow_steps, user)
