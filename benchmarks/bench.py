"""keychainsim benchmarks: the hot paths the issues name, as ratios and scaling (not timed tests).

Run:  .venv/bin/python benchmarks/bench.py            (all sections)
      .venv/bin/python benchmarks/bench.py engine     (one section)

Each figure is the best of several repeats of a timed loop (time.perf_counter), per operation.
The yardstick for lookups is SQLite, the engine behind Apple's keychain: the same rows in an in-memory
table with a UNIQUE index on the uniqueness tuple, queried by that tuple and returned as a dict.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime

from keychainsim import Keychain
from keychainsim.constants import (
    kSecAttrAccessGroup,
    kSecAttrAccount,
    kSecAttrService,
    kSecAttrSynchronizable,
    kSecClass,
    kSecClassGenericPassword,
    kSecReturnAttributes,
    kSecValueData,
)

GROUP = "A1B2C3D4E5.com.example.app"
FIXED = datetime(2026, 1, 1, tzinfo=UTC)


def best_per_op(fn: Callable[[], object], loops: int, repeats: int = 5) -> float:
    """Seconds per call: the fastest of ``repeats`` runs of ``loops`` calls."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(loops):
            fn()
        best = min(best, (time.perf_counter() - start) / loops)
    return best


def genp(i: int) -> dict[str, object]:
    return {
        kSecClass: kSecClassGenericPassword,
        kSecAttrService: f"service-{i % 50}",
        kSecAttrAccount: f"account-{i}",
        kSecValueData: f"secret-{i}".encode(),
    }


def filled(n: int, store: str | None = None) -> Keychain:
    kc = Keychain(store=store, clock=lambda: FIXED)
    with kc.transaction():
        for i in range(n):
            status, _ = kc.SecItemAdd(genp(i))
            assert status == 0, status
    return kc


def lookup_query(i: int) -> dict[str, object]:
    """The full uniqueness key an app can state: account, service, access group, sync."""
    return {
        kSecClass: kSecClassGenericPassword,
        kSecAttrService: f"service-{i % 50}",
        kSecAttrAccount: f"account-{i}",
        kSecAttrAccessGroup: GROUP,
        kSecAttrSynchronizable: False,
        kSecReturnAttributes: True,
    }


def sqlite_table(n: int) -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    db.row_factory = sqlite3.Row
    db.execute(
        "CREATE TABLE genp (rowid INTEGER PRIMARY KEY, acct BLOB, svce BLOB, agrp TEXT, sync INTEGER, pdmn TEXT,"
        " cdat REAL, mdat REAL, data BLOB, UNIQUE(acct, svce, agrp, sync))"
    )
    db.executemany(
        "INSERT INTO genp (acct, svce, agrp, sync, pdmn, cdat, mdat, data) VALUES (?,?,?,?,?,?,?,?)",
        [(f"account-{i}", f"service-{i % 50}", GROUP, 0, "ak", 0.0, 0.0, b"x") for i in range(n)],
    )
    return db


def section_engine() -> list[str]:
    lines = ["## Engine (issue 2)", ""]
    sizes = (100, 1_000, 10_000)
    memory: dict[int, float] = {}
    sqlite: dict[int, float] = {}
    for n in sizes:
        kc = filled(n)
        probe = n // 2
        query = lookup_query(probe)
        assert kc.SecItemCopyMatching(query)[0] == 0
        memory[n] = best_per_op(lambda kc=kc, q=query: kc.SecItemCopyMatching(q), 2_000)
        db = sqlite_table(n)
        sql = "SELECT * FROM genp WHERE acct = ? AND svce = ? AND agrp = ? AND sync = ? LIMIT 1"
        args = (f"account-{probe}", f"service-{probe % 50}", GROUP, 0)
        assert db.execute(sql, args).fetchone() is not None
        sqlite[n] = best_per_op(lambda db=db, sql=sql, args=args: dict(db.execute(sql, args).fetchone()), 2_000)
    lines.append("SecItemCopyMatching by the full uniqueness key (acct, svce, agrp, sync), in memory:")
    lines.append("")
    lines.append("| items | keychainsim | SQLite indexed SELECT | ratio |")
    lines.append("| ---: | ---: | ---: | ---: |")
    for n in sizes:
        lines.append(f"| {n:,} | {memory[n] * 1e6:.1f} µs | {sqlite[n] * 1e6:.1f} µs | {memory[n] / sqlite[n]:.2f}x |")
    lines.append("")
    lines.append(
        f"- 10,000 vs SQLite: {memory[10_000] / sqlite[10_000]:.2f}x (target < 3x); "
        f"10,000 vs 100 items: {memory[10_000] / memory[100]:.2f}x (target < 1.5x)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        file_lookup = {}
        for n in sizes:
            path = os.path.join(tmp, f"lookup-{n}.json")
            kc = filled(n, store=path)
            query = lookup_query(n // 2)
            reader = Keychain(store=path)
            assert reader.SecItemCopyMatching(query)[0] == 0
            file_lookup[n] = best_per_op(lambda r=reader, q=query: r.SecItemCopyMatching(q), 200)
        lines.append(
            "- file store lookup (lock, signature check, in-memory match): "
            + ", ".join(f"{n:,} items {file_lookup[n] * 1e6:.0f} µs" for n in sizes)
        )
        adds = {}
        for n in (1_000, 10_000):
            runs = []
            for attempt in range(3):
                path = os.path.join(tmp, f"add-{n}-{attempt}.json")
                start = time.perf_counter()
                filled(n, store=path)
                runs.append(time.perf_counter() - start)
            adds[n] = min(runs)
        lines.append(
            f"- SecItemAdd to the file store in one transaction (best of 3): 1,000 items {adds[1_000]:.2f} s, "
            f"10,000 items {adds[10_000]:.2f} s, ratio {adds[10_000] / adds[1_000]:.1f}x (target < 12x)"
        )
        path = os.path.join(tmp, "add-each.json")
        kc = Keychain(store=path, clock=lambda: FIXED)
        start = time.perf_counter()
        for i in range(200):
            kc.SecItemAdd(genp(i))
        each = (time.perf_counter() - start) / 200
        lines.append(
            f"- SecItemAdd to the file store, one transaction per call (lock, write, fsync): {each * 1e3:.1f} ms "
            "per add over the first 200 items"
        )
    return lines


def _identity_keychain(n: int) -> tuple[Keychain, dict[str, object]]:
    """n private keys and n certificates, certificate i issued for key i, labelled client-i."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    from keychainsim.constants import (
        kSecAttrKeySizeInBits,
        kSecAttrKeyType,
        kSecAttrKeyTypeECSECPrimeRandom,
        kSecAttrLabel,
        kSecClassIdentity,
        kSecMatchLimit,
        kSecMatchLimitOne,
        kSecReturnRef,
        kSecValueRef,
    )
    from keychainsim.crypto import SecCertificateCreateWithData, SecKeyCopyExternalRepresentation, SecKeyCopyPublicKey

    kc = Keychain(clock=lambda: FIXED)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    issuer = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Bench CA")])
    with kc.transaction():
        for i in range(n):
            key, _ = kc.SecKeyCreateRandomKey(
                {kSecAttrKeyType: kSecAttrKeyTypeECSECPrimeRandom, kSecAttrKeySizeInBits: 256}
            )
            point, _ = SecKeyCopyExternalRepresentation(SecKeyCopyPublicKey(key))
            public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
            cert = (
                x509.CertificateBuilder()
                .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"device-{i}")]))
                .issuer_name(issuer)
                .public_key(public)
                .serial_number(i + 1)
                .not_valid_before(FIXED)
                .not_valid_after(FIXED.replace(year=2027))
                .sign(ca_key, hashes.SHA256())
            )
            from cryptography.hazmat.primitives.serialization import Encoding

            certificate = SecCertificateCreateWithData(cert.public_bytes(Encoding.DER))
            assert kc.SecItemAdd({kSecValueRef: key})[0] == 0
            assert kc.SecItemAdd({kSecValueRef: certificate, kSecAttrLabel: f"client-{i}"})[0] == 0
    query = {
        kSecClass: kSecClassIdentity,
        kSecAttrLabel: f"client-{n // 2}",
        kSecReturnRef: True,
        kSecMatchLimit: kSecMatchLimitOne,
    }
    return kc, query


def section_identity() -> list[str]:
    from keychainsim.constants import (
        kSecAttrIsPermanent,
        kSecAttrKeySizeInBits,
        kSecAttrKeyType,
        kSecAttrKeyTypeECSECPrimeRandom,
        kSecAttrKeyTypeRSA,
        kSecPrivateKeyAttrs,
    )

    lines = ["## Keys, certificates, identities (issue 3)", ""]
    times = {}
    for n in (100, 1_000):
        kc, query = _identity_keychain(n)
        assert kc.SecItemCopyMatching(query)[0] == 0
        times[n] = best_per_op(lambda kc=kc, q=query: kc.SecItemCopyMatching(q), 50 if n == 1_000 else 200)
    lines.append(
        f"- identity by label (kSecReturnRef, kSecMatchLimitOne): 100 x 100 {times[100] * 1e3:.2f} ms, "
        f"1,000 x 1,000 {times[1_000] * 1e3:.2f} ms, ratio {times[1_000] / times[100]:.1f}x for 10x the items "
        "(target < 15x: a hash join on pkhh = klbl)"
    )
    lines.append("- SecKeyCreateRandomKey (permanent private key, in memory), per key:")
    lines.append("")
    lines.append("| key type | per key |")
    lines.append("| --- | ---: |")
    kinds = [
        ("EC P-256", kSecAttrKeyTypeECSECPrimeRandom, 256, 20),
        ("EC P-384", kSecAttrKeyTypeECSECPrimeRandom, 384, 20),
        ("EC P-521", kSecAttrKeyTypeECSECPrimeRandom, 521, 20),
        ("RSA 2048", kSecAttrKeyTypeRSA, 2048, 3),
        ("RSA 4096", kSecAttrKeyTypeRSA, 4096, 1),
    ]
    for name, key_type, bits, loops in kinds:
        kc = Keychain()
        params = {
            kSecAttrKeyType: key_type,
            kSecAttrKeySizeInBits: bits,
            kSecPrivateKeyAttrs: {kSecAttrIsPermanent: True},
        }
        per = best_per_op(lambda kc=kc, p=params: kc.SecKeyCreateRandomKey(p), loops, repeats=3)
        lines.append(f"| {name} | {per * 1e3:.1f} ms |")
    return lines


def _process_seconds(args: list[str], env: dict[str, str], repeats: int = 5) -> float:
    """Best wall time of a whole ``keychainsim`` process (cold: a new interpreter each time)."""
    import shutil
    import subprocess

    script = shutil.which("keychainsim", path=os.path.dirname(sys.executable)) or "keychainsim"
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([script, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        best = min(best, time.perf_counter() - start)
    return best


def section_cli() -> list[str]:
    """Issue 5: the command's start-up, the seed scenario as a process, the fixture catalog in one process."""
    from pathlib import Path

    from keychainsim.scenario import load_scenario, run_scenario

    lines = ["## Command line and scenarios (issue 5)", ""]
    root = Path(__file__).resolve().parents[1] / "fixtures" / "scenarios"
    seed = str(root / "seed.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "KEYCHAINSIM_STORE": os.path.join(tmp, "keychain.json")}
        help_time = _process_seconds(["--help"], env)
        run_time = _process_seconds(["run", seed], env)
    files = sorted(root.rglob("*.yaml"))
    start = time.perf_counter()
    scenarios = [load_scenario(f) for f in files]
    loaded = time.perf_counter() - start
    results = [run_scenario(s) for s in scenarios]
    total = time.perf_counter() - start
    assert all(r.passed for r in results)
    steps = sum(len(s.steps) for s in scenarios)
    lines.append(f"- `keychainsim --help`, whole process, best of 5: {help_time * 1e3:.0f} ms (target < 300 ms)")
    lines.append(f"- `keychainsim run fixtures/scenarios/seed.yaml`, whole process, best of 5: {run_time * 1e3:.0f} ms")
    lines.append(
        f"- the fixture catalog ({len(files)} scenarios, {steps} steps) in one process: "
        f"{total:.2f} s (loading and checking {loaded:.2f} s)"
    )
    return lines


def section_explain() -> list[str]:
    from keychainsim.constants import kSecAttrGeneric
    from keychainsim.explain import explain
    from keychainsim.probe import dump

    lines = ["## Probes and explanations (issue 4)", ""]
    kc = filled(1_000)
    missing = {**lookup_query(500), kSecAttrGeneric: b"not-stored"}
    found = lookup_query(500)
    for name, query in (("a -25300 near miss", missing), ("a found item", found)):
        copy = best_per_op(lambda q=query: kc.SecItemCopyMatching(q), 1_000)
        why = best_per_op(lambda q=query: explain(kc, q), 200)
        lines.append(
            f"- explain of {name} on 1,000 items: {why * 1e6:.0f} µs vs SecItemCopyMatching {copy * 1e6:.1f} µs, "
            f"ratio {why / copy:.1f}x (target < 20x)"
        )
    for form in ("text", "json", "plain"):
        per = best_per_op(lambda f=form: dump(kc, format=f), 1, repeats=3)
        lines.append(f"- dump of 1,000 items, {form}: {per:.2f} s (target < 1 s)")
    return lines


SECTIONS: dict[str, Callable[[], list[str]]] = {
    "engine": section_engine,
    "identity": section_identity,
    "explain": section_explain,
    "cli": section_cli,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sections", nargs="*", choices=[*SECTIONS, []], help="sections to run (default: all)")
    args = parser.parse_args(argv)
    for name in args.sections or list(SECTIONS):
        print("\n".join(SECTIONS[name]()))
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
