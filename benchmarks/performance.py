"""keychainsim beside SQLite, the engine behind Apple's keychain: every workload at growing sizes.

Run:  .venv/bin/python benchmarks/performance.py            (the full table, written to docs/performance.md)
      .venv/bin/python benchmarks/performance.py --quick    (small sizes, few rounds, printed only: a smoke run)
      .venv/bin/python benchmarks/performance.py --only lookup,identity --sizes 100,10000

How it measures, so that the figures can be trusted:

- every call gets a new dictionary (and a lookup "with a new query" asks for another item each call), built
  inside the timed loop on both sides: SQLite's side builds its parameter tuple there too;
- keychainsim and its SQLite reference run in one process, in alternating rounds (ours, theirs, ours, ...),
  so a machine that slows down slows both; each figure is the median over rounds of the time per call, and
  each ratio is the median of the per-round ratios;
- the SQLite reference holds the same rows, with indexes on the uniqueness columns (a UNIQUE constraint, as
  Apple's schema has) and on the columns keychainsim indexes; the identity reference is a JOIN on
  ``cert.pkhh = keys.klbl``; durable writes go to a file database in WAL mode with ``synchronous=FULL``, on
  the same disk as keychainsim's store file;
- a whole ``keychainsim find`` process, and the engine's start as the Swift library starts it (spawn
  ``keychainsim serve --stdio``, answer ``hello`` and ``reset``), are timed as an installed command runs
  from its second use on, with Python's bytecode cache (written by a warm-up run into the run's own cache
  directory, whatever ``PYTHONDONTWRITEBYTECODE`` says); ``find`` beside a ``python -c`` process answering
  from SQLite under the same rule. Both are shown with no bytecode cache too (every module compiled);
- memory is measured in a child process per size, with tracemalloc, above the same process holding an empty
  keychain; the peak resident set size of the run is reported as well;
- a growth target (the time at a large N over the time at a small N) is judged on the two sizes measured
  side by side in alternating rounds (small, large, small, ...) on keychains and stores built for that,
  each growth the median of the per-round ratios: figures taken minutes apart in the table below can
  differ by a factor of two on a busy machine, which would decide a 1.5x target by chance.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from keychainsim import Keychain
from keychainsim.constants import (
    kSecAttrAccessGroup,
    kSecAttrAccount,
    kSecAttrApplicationLabel,
    kSecAttrGeneric,
    kSecAttrIsPrivate,
    kSecAttrIssuer,
    kSecAttrKeyClass,
    kSecAttrKeyClassPrivate,
    kSecAttrKeySizeInBits,
    kSecAttrKeyType,
    kSecAttrKeyTypeECSECPrimeRandom,
    kSecAttrLabel,
    kSecAttrPublicKeyHash,
    kSecAttrSerialNumber,
    kSecAttrService,
    kSecAttrSynchronizable,
    kSecClass,
    kSecClassCertificate,
    kSecClassGenericPassword,
    kSecClassIdentity,
    kSecClassKey,
    kSecReturnAttributes,
    kSecValueData,
)

ROOT = Path(__file__).resolve().parents[1]
GROUP = "A1B2C3D4E5.com.example.app"
SIZES = (100, 1_000, 10_000, 100_000)
FILE_SIZES = (100, 1_000, 10_000)
QUICK_SIZES = (100, 1_000)
Seconds = float


# -- the rows both sides hold --------------------------------------------------------------------------


def password(i: int) -> dict[str, object]:
    """Generic password i: service-(i mod 50), account-i, a secret."""
    return {
        kSecClass: kSecClassGenericPassword,
        kSecAttrService: f"service-{i % 50}",
        kSecAttrAccount: f"account-{i}",
        kSecValueData: f"secret-{i}".encode(),
    }


def password_query(i: int) -> dict[str, object]:
    """Password i by its uniqueness attributes (account, service, access group, sync), attributes returned."""
    return {
        kSecClass: kSecClassGenericPassword,
        kSecAttrService: f"service-{i % 50}",
        kSecAttrAccount: f"account-{i}",
        kSecAttrAccessGroup: GROUP,
        kSecAttrSynchronizable: False,
        kSecReturnAttributes: True,
    }


def label_hash(i: int) -> bytes:
    """The 20-byte public key hash of identity i: key i's application label, certificate i's pkhh."""
    return i.to_bytes(20, "big")


def key_item(i: int) -> dict[str, object]:
    return {
        kSecClass: kSecClassKey,
        kSecAttrApplicationLabel: label_hash(i),
        kSecAttrIsPrivate: True,
        kSecAttrKeyClass: kSecAttrKeyClassPrivate,
        kSecAttrKeyType: kSecAttrKeyTypeECSECPrimeRandom,
        kSecAttrKeySizeInBits: 256,
        kSecValueData: b"k" * 97,
    }


def certificate_item(i: int) -> dict[str, object]:
    return {
        kSecClass: kSecClassCertificate,
        kSecAttrLabel: f"client-{i}",
        kSecAttrPublicKeyHash: label_hash(i),
        kSecAttrIssuer: b"bench issuer",
        kSecAttrSerialNumber: i.to_bytes(8, "big"),
        kSecValueData: b"c" * 400,
    }


def identity_query(label: str) -> dict[str, object]:
    return {kSecClass: kSecClassIdentity, kSecAttrLabel: label, kSecReturnAttributes: True}


def filled(n: int, store: str | None = None) -> Keychain:
    """A keychain holding passwords 0 .. n-1 (added in one transaction)."""
    kc = Keychain(store=store)
    with kc.transaction():
        for i in range(n):
            status, _ = kc.SecItemAdd(password(i))
            assert status == 0, (i, status, kc.last_call)
    return kc


def identities(n: int) -> Keychain:
    """A keychain holding n private keys and n certificates, certificate i issued for key i."""
    kc = Keychain()
    with kc.transaction():
        for i in range(n):
            assert kc.SecItemAdd(key_item(i))[0] == 0
            assert kc.SecItemAdd(certificate_item(i))[0] == 0
    return kc


PASSWORD_COLUMNS = (
    "rowid INTEGER PRIMARY KEY, acct BLOB, svce BLOB, agrp TEXT, sync INTEGER, musr BLOB, pdmn TEXT, "
    "cdat REAL, mdat REAL, tomb INTEGER, data BLOB, persistref BLOB, sha1 BLOB"
)


def password_row(i: int) -> tuple[object, ...]:
    return (
        f"account-{i}", f"service-{i % 50}", GROUP, 0, b"", "ak", time.time(), time.time(), 0,
        f"secret-{i}".encode(), os.urandom(16), os.urandom(20),
    )  # fmt: skip


def sqlite_passwords(n: int, path: str = ":memory:", durable: bool = False) -> sqlite3.Connection:
    """The same passwords in SQLite: UNIQUE on the uniqueness tuple, indexes on the columns keychainsim
    indexes (SecItemSchema.c's I flags: the digest and the persistent reference)."""
    db = sqlite3.connect(path, isolation_level=None)
    db.row_factory = sqlite3.Row
    if durable:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
    db.execute(f"CREATE TABLE genp ({PASSWORD_COLUMNS}, UNIQUE(acct, svce, agrp, sync, musr))")
    db.execute("CREATE INDEX genp_svce ON genp(svce)")
    db.execute("CREATE INDEX genp_sha1 ON genp(sha1)")
    db.execute("CREATE INDEX genp_persistref ON genp(persistref)")
    db.execute("BEGIN")
    db.executemany(
        "INSERT INTO genp (acct, svce, agrp, sync, musr, pdmn, cdat, mdat, tomb, data, persistref, sha1) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        (password_row(i) for i in range(n)),
    )
    db.execute("COMMIT")
    return db


SQL_PASSWORD = "SELECT * FROM genp WHERE acct = ? AND svce = ? AND agrp = ? AND sync = ? AND tomb = 0 LIMIT 1"


def sqlite_identities(n: int) -> sqlite3.Connection:
    db = sqlite3.connect(":memory:", isolation_level=None)
    db.row_factory = sqlite3.Row
    db.execute(
        "CREATE TABLE keys (rowid INTEGER PRIMARY KEY, klbl BLOB, kcls INTEGER, priv INTEGER, type INTEGER,"
        " bsiz INTEGER, agrp TEXT, sync INTEGER, tomb INTEGER, pdmn TEXT, data BLOB, persistref BLOB,"
        " UNIQUE(kcls, klbl, type, bsiz, agrp, sync))"
    )
    db.execute(
        "CREATE TABLE cert (rowid INTEGER PRIMARY KEY, labl TEXT, pkhh BLOB, issr BLOB, slnr BLOB, agrp TEXT,"
        " sync INTEGER, tomb INTEGER, pdmn TEXT, data BLOB, persistref BLOB, UNIQUE(issr, slnr, agrp, sync))"
    )
    db.execute("CREATE INDEX keys_klbl ON keys(klbl)")
    db.execute("CREATE INDEX cert_labl ON cert(labl)")
    db.execute("CREATE INDEX cert_pkhh ON cert(pkhh)")
    db.execute("BEGIN")
    db.executemany(
        "INSERT INTO keys (klbl, kcls, priv, type, bsiz, agrp, sync, tomb, pdmn, data, persistref)"
        " VALUES (?,1,1,73,256,?,0,0,'ak',?,?)",
        ((label_hash(i), GROUP, b"k" * 97, os.urandom(16)) for i in range(n)),
    )
    db.executemany(
        "INSERT INTO cert (labl, pkhh, issr, slnr, agrp, sync, tomb, pdmn, data, persistref)"
        " VALUES (?,?,?,?,?,0,0,'dk',?,?)",
        (
            (f"client-{i}", label_hash(i), b"bench issuer", i.to_bytes(8, "big"), GROUP, b"c" * 400, os.urandom(16))
            for i in range(n)
        ),
    )
    db.execute("COMMIT")
    return db


SQL_IDENTITY = (
    "SELECT * FROM cert JOIN keys ON keys.klbl = cert.pkhh WHERE cert.labl = ? AND keys.priv = 1"
    " AND keys.agrp IN (?) AND cert.agrp IN (?) AND keys.sync = 0 AND keys.tomb = 0 LIMIT 1"
)


# -- measuring -----------------------------------------------------------------------------------------


@dataclass
class Figure:
    """One workload at one size: median seconds per call of each side and the median per-round ratio."""

    ours: Seconds
    reference: Seconds | None = None
    ratio: float | None = None
    rounds: int = 0


Batch = Callable[[int], Seconds]
"""Runs ``calls`` calls (new inputs each) and returns the seconds per call."""


def alternate(ours: Batch, reference: Batch | None, calls: int, rounds: int) -> Figure:
    """Median per-call times over alternating rounds (ours, then the reference), and the median ratio."""
    ours(max(1, calls // 10))  # warm caches and imports on both sides before the first timed round
    if reference is not None:
        reference(max(1, calls // 10))
    mine: list[Seconds] = []
    theirs: list[Seconds] = []
    for _ in range(rounds):
        mine.append(ours(calls))
        if reference is not None:
            theirs.append(reference(calls))
    if reference is None:
        return Figure(statistics.median(mine), rounds=rounds)
    ratios = [a / b for a, b in zip(mine, theirs, strict=True)]
    return Figure(statistics.median(mine), statistics.median(theirs), statistics.median(ratios), rounds)


def paired_growth(small: Batch, large: Batch, calls: int, rounds: int) -> float:
    """The median over alternating rounds (small, large, small, ...) of the large size's time per call over
    the small size's: how a workload's cost grows with N, with both sizes under the same machine load."""
    small(max(1, calls // 10))
    large(max(1, calls // 10))
    ratios = []
    for _ in range(rounds):
        before = small(calls)
        ratios.append(large(calls) / before)
    return statistics.median(ratios)


def per_call(fn: Callable[[int], object], inputs: list[int]) -> Seconds:
    start = time.perf_counter()
    for i in inputs:
        fn(i)
    return (time.perf_counter() - start) / len(inputs)


def picks(rng: random.Random, n: int, calls: int) -> list[int]:
    return [rng.randrange(n) for _ in range(calls)]


# -- workloads: each returns {row name: Figure} for one size -----------------------------------------------


def lookups(kc: Keychain, n: int, rounds: int, rng: random.Random) -> dict[str, Figure]:
    db = sqlite_passwords(n)
    calls = 400

    def ours_new(count: int) -> Seconds:
        return per_call(lambda i: _found(kc.SecItemCopyMatching(password_query(i))), picks(rng, n, count))

    def sqlite_new(count: int) -> Seconds:
        return per_call(lambda i: _row(db.execute(SQL_PASSWORD, (f"account-{i}", f"service-{i % 50}", GROUP, 0))),
                        picks(rng, n, count))  # fmt: skip

    same = rng.randrange(n)

    def ours_same(count: int) -> Seconds:
        return per_call(lambda i: _found(kc.SecItemCopyMatching(password_query(i))), [same] * count)

    def sqlite_same(count: int) -> Seconds:
        return per_call(lambda i: _row(db.execute(SQL_PASSWORD, (f"account-{i}", f"service-{i % 50}", GROUP, 0))),
                        [same] * count)  # fmt: skip

    return {
        "lookup_new": alternate(ours_new, sqlite_new, calls, rounds),
        "lookup_repeated": alternate(ours_same, sqlite_same, calls, rounds),
    }


IDENTITY_CALLS = 300


def identity_lookups(n: int, rounds: int, rng: random.Random) -> dict[str, Figure]:
    return {
        key: alternate(ours, reference, IDENTITY_CALLS, rounds)
        for key, (ours, reference) in identity_batches(n, rng).items()
    }


def identity_batches(n: int, rng: random.Random) -> dict[str, tuple[Batch, Batch]]:
    """Identity by label (a hit) and by a label no certificate has (-25300), beside the SQLite JOIN."""
    kc = identities(n)
    db = sqlite_identities(n)

    def ours_hit(count: int) -> Seconds:
        return per_call(lambda i: _found(kc.SecItemCopyMatching(identity_query(f"client-{i}"))), picks(rng, n, count))

    def sqlite_hit(count: int) -> Seconds:
        return per_call(lambda i: _row(db.execute(SQL_IDENTITY, (f"client-{i}", GROUP, GROUP))), picks(rng, n, count))

    def ours_miss(count: int) -> Seconds:
        return per_call(lambda i: _missing(kc.SecItemCopyMatching(identity_query(f"absent-{i}"))), picks(rng, n, count))

    def sqlite_miss(count: int) -> Seconds:
        return per_call(lambda i: _none(db.execute(SQL_IDENTITY, (f"absent-{i}", GROUP, GROUP))), picks(rng, n, count))

    return {"identity_hit": (ours_hit, sqlite_hit), "identity_miss": (ours_miss, sqlite_miss)}


DUMP_FORMS = ("json", "text", "plain")


def dumps(kc: Keychain, form: str) -> Batch:
    from keychainsim.probe import dump

    return lambda count: per_call(lambda _: dump(kc, format=form), [0] * count)


def probes(kc: Keychain, n: int, rounds: int, rng: random.Random) -> dict[str, Figure]:
    """Dumps in each format, and explain on a near miss beside the query it explains."""
    from keychainsim.explain import explain

    out: dict[str, Figure] = {}
    for form in DUMP_FORMS:
        out[f"dump_{form}"] = alternate(dumps(kc, form), None, 1, 3)

    def near_miss(i: int) -> dict[str, object]:
        return {**password_query(i), kSecAttrGeneric: b"not stored"}

    def ours_explain(count: int) -> Seconds:
        return per_call(lambda i: explain(kc, near_miss(i)), picks(rng, n, count))

    def the_query(count: int) -> Seconds:
        return per_call(lambda i: _missing(kc.SecItemCopyMatching(near_miss(i))), picks(rng, n, count))

    out["explain_near_miss"] = alternate(ours_explain, the_query, 50, rounds)
    return out


DELETES_PER_ROUND = 3


def durable_writes(n: int, rounds: int, rng: random.Random, where: Path) -> dict[str, Figure]:
    """One SecItemAdd / SecItemUpdate / SecItemDelete per transaction on the file store, beside one
    INSERT / UPDATE / DELETE per transaction in SQLite (WAL, synchronous=FULL), in the same directory."""
    batches, close = durable_batches(n, rng, where)
    calls = _durable_calls(n)
    delete_rounds = min(rounds, (n // 2 - 2) // (2 * DELETES_PER_ROUND))  # the SQLite side deletes as many
    out = {
        "durable_add": alternate(*batches["durable_add"], calls, rounds),
        "durable_update": alternate(*batches["durable_update"], calls, rounds),
        "durable_delete": alternate(*batches["durable_delete"], DELETES_PER_ROUND, delete_rounds),
    }
    close()
    return out


def _durable_calls(n: int) -> int:
    return 3 if n >= 10_000 else 10


def durable_batches(
    n: int, rng: random.Random, where: Path
) -> tuple[dict[str, tuple[Batch, Batch]], Callable[[], None]]:
    """The durable writes of :func:`durable_writes` on a new n-item store and SQLite file in ``where``,
    as (keychainsim, SQLite) batches, and what closes the SQLite file. Deletes take the items of the
    second half, each once: n // 2 of them in all."""
    store = where / f"store-{n}.json"
    filled(n, store=str(store))
    kc = Keychain(store=str(store))
    db = sqlite_passwords(n, str(where / f"sqlite-{n}.db"), durable=True)
    fresh = iter(range(10 * n, 100 * n))
    doomed = list(range(n // 2, n))  # the first half stays for the updates
    rng.shuffle(doomed)
    deletable = iter(doomed)

    def ours_add(count: int) -> Seconds:
        return per_call(lambda i: _ok(kc.SecItemAdd(password(i))[0]), [next(fresh) for _ in range(count)])

    def sqlite_add(count: int) -> Seconds:
        return per_call(
            lambda i: db.execute(
                "INSERT INTO genp (acct, svce, agrp, sync, musr, pdmn, cdat, mdat, tomb, data, persistref, sha1)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                password_row(i),
            ),
            [next(fresh) for _ in range(count)],
        )

    def ours_update(count: int) -> Seconds:
        def one(i: int) -> None:
            query = {kSecClass: kSecClassGenericPassword, kSecAttrService: f"service-{i % 50}",
                     kSecAttrAccount: f"account-{i}"}  # fmt: skip
            _ok(kc.SecItemUpdate(query, {kSecValueData: os.urandom(8)}))

        return per_call(one, picks(rng, n // 2, count))

    def sqlite_update(count: int) -> Seconds:
        return per_call(
            lambda i: db.execute(
                "UPDATE genp SET data = ?, mdat = ? WHERE acct = ? AND svce = ? AND agrp = ? AND sync = 0",
                (os.urandom(8), time.time(), f"account-{i}", f"service-{i % 50}", GROUP),
            ),
            picks(rng, n // 2, count),
        )

    def ours_delete(count: int) -> Seconds:
        def one(i: int) -> None:
            query = {kSecClass: kSecClassGenericPassword, kSecAttrService: f"service-{i % 50}",
                     kSecAttrAccount: f"account-{i}"}  # fmt: skip
            _ok(kc.SecItemDelete(query))

        return per_call(one, [next(deletable) for _ in range(count)])

    def sqlite_delete(count: int) -> Seconds:
        return per_call(
            lambda i: db.execute(
                "DELETE FROM genp WHERE acct = ? AND svce = ? AND agrp = ? AND sync = 0",
                (f"account-{i}", f"service-{i % 50}", GROUP),
            ),
            [next(deletable) for _ in range(count)],
        )

    batches = {
        "durable_add": (ours_add, sqlite_add),
        "durable_update": (ours_update, sqlite_update),
        "durable_delete": (ours_delete, sqlite_delete),
    }
    return batches, db.close


def find_process(n: int, rounds: int, rng: random.Random, where: Path) -> dict[str, Figure]:
    """``keychainsim find`` as a whole process on an n-item store, beside ``python -c`` opening the same
    rows in an SQLite file and answering the same query.

    Both run as an installed command runs from its second use on: Python keeps the bytecode it compiled
    (here in a cache directory of the run, written by the warm-up call), whatever the environment says
    (``PYTHONDONTWRITEBYTECODE``). The same command with no bytecode cache, compiling every module it
    imports from source, is measured too: the first run after an install, or a machine that never caches.
    """
    store = where / f"find-{n}.json"
    filled(n, store=str(store))
    sqlite_path = where / f"find-{n}.db"
    sqlite_passwords(n, str(sqlite_path)).close()
    script = shutil.which("keychainsim", path=str(Path(sys.executable).parent)) or "keychainsim"
    cached = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    cached["PYTHONPYCACHEPREFIX"] = str(where / "bytecode")
    uncached = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPYCACHEPREFIX": str(where / "no-bytecode")}
    program = (
        "import sqlite3, sys; db = sqlite3.connect(sys.argv[1]); db.row_factory = sqlite3.Row; "
        f"row = db.execute({SQL_PASSWORD!r}, (sys.argv[2], sys.argv[3], {GROUP!r}, 0)).fetchone(); "
        "print(dict(row))"
    )

    def ours(env: dict[str, str]) -> Batch:
        def one(i: int) -> None:
            result = subprocess.run(
                [script, "find", "-a", "kSecClass=kSecClassGenericPassword", "-a", f"kSecAttrAccount=account-{i}",
                 "-a", f"kSecAttrService=service-{i % 50}"],
                env={**env, "KEYCHAINSIM_STORE": str(store)}, capture_output=True, text=True, check=False,
            )  # fmt: skip
            assert result.returncode == 0, result.stderr

        return lambda count: per_call(one, picks(rng, n, count))

    def reference(count: int) -> Seconds:
        def one(i: int) -> None:
            result = subprocess.run(
                [sys.executable, "-c", program, str(sqlite_path), f"account-{i}", f"service-{i % 50}"],
                env=cached, capture_output=True, text=True, check=False,
            )  # fmt: skip
            assert result.returncode == 0, result.stderr

        return per_call(one, picks(rng, n, count))

    return {
        "find_process": alternate(ours(cached), reference, 1, rounds),
        "find_process_uncached": alternate(ours(uncached), None, 1, rounds),
    }


def engine_start(rounds: int, where: Path) -> dict[str, Figure]:
    """The engine's start as the Swift library sees it (``KeychainSimulator()``): spawn ``keychainsim serve
    --stdio``, send ``hello`` and ``reset``, and wait for both answers; the process then exits on end of
    input. With the bytecode cache (as an installed engine starts from its second use on) and without it."""
    script = shutil.which("keychainsim", path=str(Path(sys.executable).parent)) or "keychainsim"
    cached = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    cached["PYTHONPYCACHEPREFIX"] = str(where / "bytecode")
    uncached = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPYCACHEPREFIX": str(where / "no-bytecode")}
    requests = (b'{"id":1,"op":"hello","args":{"protocol":1}}\n', b'{"id":2,"op":"reset","args":{}}\n')

    def starts(env: dict[str, str]) -> Batch:
        def batch(count: int) -> Seconds:
            total = 0.0
            for _ in range(count):
                start = time.perf_counter()
                process = subprocess.Popen([script, "serve", "--stdio"], stdin=subprocess.PIPE,
                                           stdout=subprocess.PIPE, env=env)  # fmt: skip
                assert process.stdin is not None and process.stdout is not None
                for request in requests:
                    process.stdin.write(request)
                    process.stdin.flush()
                    answer = process.stdout.readline()
                    assert b'"ok"' in answer, answer
                total += time.perf_counter() - start  # ready: the exit below is not part of the start
                process.stdin.close()
                process.stdout.close()
                process.wait()
            return total / count

        return batch

    return {
        "engine_start": alternate(starts(cached), None, 1, rounds),
        "engine_start_uncached": alternate(starts(uncached), None, 1, rounds),
    }


def memory(n: int) -> dict[str, Figure]:
    """Bytes per stored password above an empty keychain (a child process, tracemalloc), beside the bytes
    per row of an in-memory SQLite database holding the same rows and indexes."""
    child = subprocess.run(
        [sys.executable, __file__, "--memory-child", str(n)], capture_output=True, text=True, check=True
    )
    measured = json.loads(child.stdout)
    db = sqlite_passwords(n)
    pages = db.execute("PRAGMA page_count").fetchone()[0] * db.execute("PRAGMA page_size").fetchone()[0]
    per_row = pages / n
    ours = measured["bytes_per_item"]
    return {
        "memory": Figure(ours, per_row, ours / per_row, 1),
        "memory_peak": Figure(measured["peak_bytes_per_item"], None, None, 1),
    }


def _memory_child(n: int) -> None:
    Keychain().SecItemAdd(password(-1))  # imports and first-call caches belong to the empty process
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    kc = filled(n)
    gc.collect()
    current, peak = tracemalloc.get_traced_memory()
    assert len(kc.all_items()) == n
    print(json.dumps({"bytes_per_item": (current - before) / n, "peak_bytes_per_item": (peak - before) / n}))


def _found(result: tuple[object, object]) -> None:
    assert result[0] == 0, result


def _missing(result: tuple[object, object]) -> None:
    assert result[0] == -25300, result


def _ok(status: object) -> None:
    assert status == 0, status


def _row(cursor: sqlite3.Cursor) -> None:
    row = cursor.fetchone()
    assert row is not None
    dict(row)


def _none(cursor: sqlite3.Cursor) -> None:
    assert cursor.fetchone() is None


# -- growth, sizes side by side -------------------------------------------------------------------------


def growth_side_by_side(only: set[str], sizes: list[int], rounds: int, rng: random.Random) -> None:
    """Measure each growth target's two sizes in alternating rounds (see :func:`paired_growth`) on new
    keychains and stores, for the targets whose workload and sizes this run covers; the figures go to
    :attr:`Row.growth`."""
    for target in TARGETS:
        pair = target.growth
        if pair is None:
            continue
        key, small, large = pair
        workload = _WORKLOAD_OF[key.rsplit("_", 1)[0]]
        if workload not in only or small not in sizes or large not in sizes:
            continue
        if workload == "file" and not {small, large} <= set(FILE_SIZES):
            continue
        with _phase(f"growth of {key}, {small:,} -> {large:,}", large):
            BY_KEY[key].growth[(small, large)] = _measure_growth(key, small, large, rounds, rng)
        gc.collect()


_WORKLOAD_OF = {"identity": "identity", "durable": "file", "dump": "probes"}


def _measure_growth(key: str, small: int, large: int, rounds: int, rng: random.Random) -> float:
    if key.startswith("identity_"):
        return paired_growth(identity_batches(small, rng)[key][0], identity_batches(large, rng)[key][0],
                             IDENTITY_CALLS, rounds)  # fmt: skip
    if key.startswith("dump_"):
        form = key.removeprefix("dump_")
        return paired_growth(dumps(filled(small), form), dumps(filled(large), form), 1, min(rounds, 5))
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_DIR")) as tmp:
        (batches_small, close_small), (batches_large, close_large) = (
            durable_batches(n, rng, Path(tmp)) for n in (small, large)
        )
        if key == "durable_delete":
            calls, count = DELETES_PER_ROUND, min(rounds, (small // 2 - 2) // DELETES_PER_ROUND - 1)
        else:
            calls, count = _durable_calls(large), rounds
        try:
            return paired_growth(batches_small[key][0], batches_large[key][0], calls, count)
        finally:
            close_small()
            close_large()


# -- the table -------------------------------------------------------------------------------------------


@dataclass
class Row:
    """A line of the issue's table: what it measures, how to show it, and its targets."""

    key: str
    title: str
    unit: str  # "us", "ms", "s", "B"
    reference: str = ""
    figures: dict[int, Figure] = field(default_factory=dict)
    growth: dict[tuple[int, int], float] = field(default_factory=dict)
    """(small N, large N) -> the time at large N over the time at small N, measured side by side."""


ROWS = [
    Row("lookup_repeated", "password by (service, account), the same query repeated (new dictionary each call)",
        "us", "indexed SELECT"),
    Row("lookup_new", "password by (service, account), another item each call", "us", "indexed SELECT"),
    Row("identity_hit", "identity by label, N certificates + N keys", "us", "JOIN on pkhh = klbl"),
    Row("identity_miss", "identity by a label no certificate has (-25300)", "us", "JOIN on pkhh = klbl"),
    Row("durable_add", "one durable SecItemAdd to the file store", "ms", "INSERT, WAL, synchronous=FULL"),
    Row("durable_update", "one durable SecItemUpdate on the file store", "ms", "UPDATE, WAL, synchronous=FULL"),
    Row("durable_delete", "one durable SecItemDelete on the file store", "ms", "DELETE, WAL, synchronous=FULL"),
    Row("find_process", "`keychainsim find` as a whole process on an N-item store", "ms", "python + sqlite3 process"),
    Row("find_process_uncached", "the same `keychainsim find`, no bytecode cache (every module compiled)", "ms"),
    Row("engine_start", "engine start: `keychainsim serve --stdio` answering hello and reset, empty device", "ms"),
    Row("engine_start_uncached", "the same engine start, no bytecode cache (every module compiled)", "ms"),
    Row("dump_json", "dump, json", "s"),
    Row("dump_text", "dump, text", "s"),
    Row("dump_plain", "dump, plain", "s"),
    Row("explain_near_miss", "explain on a near miss (ratio: to the query it explains)", "us",
        "the query it explains"),
    Row("memory", "memory per stored password above the empty process", "B", "in-memory SQLite, per row"),
    Row("memory_peak", "peak memory per password while adding them (tracemalloc)", "B"),
]  # fmt: skip
BY_KEY = {row.key: row for row in ROWS}


Check = Callable[[dict[str, "Row"]], tuple[bool, str] | None]


@dataclass
class Target:
    text: str
    check: Check
    """(met, the figure it was judged on), or None when the run did not measure what it needs."""
    growth: tuple[str, int, int] | None = None
    """(row key, small N, large N) for a growth target, which :func:`growth_side_by_side` measures."""


def _growth(text: str, key: str, small: int, large: int, limit: float) -> Target:
    return Target(text, _growth_target(key, small, large, limit), (key, small, large))


def _at(rows: dict[str, Row], key: str, n: int) -> Figure | None:
    return rows[key].figures.get(n)


def _ratio_target(key: str, n: int, limit: float) -> Check:
    def check(rows: dict[str, Row]) -> tuple[bool, str] | None:
        fig = _at(rows, key, n)
        if fig is None or fig.ratio is None:
            return None
        return fig.ratio <= limit, f"{fig.ratio:.2f}x"

    return check


def _growth_target(key: str, small: int, large: int, limit: float) -> Check:
    """Judged on the two sizes measured side by side (:func:`growth_side_by_side`) when this run did that,
    else on the table's figures, measured apart (said in the measured column)."""

    def check(rows: dict[str, Row]) -> tuple[bool, str] | None:
        side_by_side = rows[key].growth.get((small, large))
        if side_by_side is not None:
            return side_by_side <= limit, f"{side_by_side:.2f}x (side by side)"
        a, b = _at(rows, key, small), _at(rows, key, large)
        if a is None or b is None:
            return None
        growth = b.ours / a.ours
        return growth <= limit, f"{growth:.2f}x (measured apart)"

    return check


def _absolute_target(key: str, n: int, limit: Seconds) -> Check:
    def check(rows: dict[str, Row]) -> tuple[bool, str] | None:
        fig = _at(rows, key, n)
        if fig is None:
            return None
        return fig.ours <= limit, _show(fig.ours, rows[key].unit)

    return check


def _miss_as_fast(n: int, limit: float) -> Check:
    def check(rows: dict[str, Row]) -> tuple[bool, str] | None:
        hit, miss = _at(rows, "identity_hit", n), _at(rows, "identity_miss", n)
        if hit is None or miss is None:
            return None
        return miss.ours <= limit * hit.ours, f"{miss.ours / hit.ours:.2f}x the hit"

    return check


TARGETS = [
    _growth("identity by label at 10,000 within 1.5x of its time at 100", "identity_hit", 100, 10_000, 1.5),
    Target("identity by label at 10,000 within 10x of the indexed SQLite JOIN",
           _ratio_target("identity_hit", 10_000, 10)),
    Target("a -25300 identity found as fast as a hit (within 1.25x), 10,000", _miss_as_fast(10_000, 1.25)),
    Target("lookup, new query each call, within 2x of SQLite at 10,000", _ratio_target("lookup_new", 10_000, 2)),
    Target("lookup, new query each call, within 2x of SQLite at 100,000", _ratio_target("lookup_new", 100_000, 2)),
    Target("lookup, repeated, within 1.5x of SQLite at 10,000", _ratio_target("lookup_repeated", 10_000, 1.5)),
    Target("lookup, repeated, within 1.5x of SQLite at 100,000", _ratio_target("lookup_repeated", 100_000, 1.5)),
    *(
        _growth(f"durable {op} at 10,000 within 2x of its time at 100", f"durable_{op}", 100, 10_000, 2)
        for op in ("add", "update", "delete")
    ),
    *(
        Target(f"durable {op} at 10,000 within 5x of SQLite (WAL, synchronous=FULL)",
               _ratio_target(f"durable_{op}", 10_000, 5))
        for op in ("add", "update", "delete")
    ),
    Target("`keychainsim find` on a 10,000-item store under 0.3 s", _absolute_target("find_process", 10_000, 0.3)),
    Target("engine start (`keychainsim serve --stdio` ready) under 0.5 s", _absolute_target("engine_start", 0, 0.5)),
    Target("dump json of 10,000 items under 0.5 s", _absolute_target("dump_json", 10_000, 0.5)),
    Target("dump text of 10,000 items under 2 s", _absolute_target("dump_text", 10_000, 2.0)),
    Target("dump plain of 10,000 items under 2 s", _absolute_target("dump_plain", 10_000, 2.0)),
    *(
        _growth(f"dump {form} linear: 10x the items, at most 15x the time (1,000 -> 10,000)", f"dump_{form}",
                1_000, 10_000, 15)
        for form in ("json", "text", "plain")
    ),
    Target("explain on a near miss within 20x of the query it explains at 100,000",
           _ratio_target("explain_near_miss", 100_000, 20)),
    Target("memory under 1 KB per stored password above the empty process, 100,000",
           _absolute_target("memory", 100_000, 1024)),
]  # fmt: skip


def _show(value: float, unit: str) -> str:
    if unit == "us":
        return f"{value * 1e6:,.1f} µs"
    if unit == "ms":
        return f"{value * 1e3:,.1f} ms"
    if unit == "s":
        return f"{value:,.3f} s"
    return f"{value:,.0f} B"


def table(rows: list[Row], sizes: list[int]) -> list[str]:
    """Markdown: one line per workload and size, with the growth from the smallest size measured."""
    lines = [
        "| workload | N | keychainsim | SQLite reference | ratio | growth from the smallest N |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        measured = [n for n in (0, *sizes) if n in row.figures]  # 0: a figure that has no N
        if not measured:
            continue
        first = row.figures[measured[0]]
        for n in measured:
            fig = row.figures[n]
            reference = _show(fig.reference, row.unit) if fig.reference is not None else ""
            ratio = f"{fig.ratio:.2f}x" if fig.ratio is not None else ""
            growth = f"{fig.ours / first.ours:.2f}x (N x{n // measured[0]:,})" if n != measured[0] else ""
            name = (row.title + (f" (vs {row.reference})" if row.reference else "")) if n == measured[0] else ""
            size = f"{n:,}" if n else "—"
            lines.append(f"| {name} | {size} | {_show(fig.ours, row.unit)} | {reference} | {ratio} | {growth} |")
    return lines


def target_lines(rows: dict[str, Row]) -> list[str]:
    lines = ["| target | measured | met |", "| --- | ---: | --- |"]
    for target in TARGETS:
        verdict = target.check(rows)
        if verdict is None:
            lines.append(f"| {target.text} | not measured in this run | |")
        else:
            met, shown = verdict
            lines.append(f"| {target.text} | {shown} | {'met' if met else '**not met**'} |")
    return lines


def machine() -> list[str]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "unknown"
    return [
        f"- date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- CPU: {cpu}, {os.cpu_count()} logical cores; load average at the end of the run: {load}",
        f"- Python {platform.python_version()} ({platform.python_implementation()}), SQLite {sqlite3.sqlite_version}, "
        f"{platform.system()} {platform.release()}",
    ]


def document(rows: list[Row], sizes: list[int], args: argparse.Namespace, elapsed: Seconds) -> str:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    head = (__doc__ or "").split("\n\nRun:", 1)[0]
    method = (__doc__ or "").split("How it measures, so that the figures can be trusted:", 1)[1].strip()
    parts = [
        "# Performance",
        "",
        f"{head} Written by `{' '.join(['python', 'benchmarks/performance.py', *sys.argv[1:]])}`; "
        "regenerate it with that command rather than editing it.",
        "",
        "## Machine",
        "",
        *machine(),
        f"- rounds per figure: {args.rounds} (alternating); sizes: {', '.join(f'{n:,}' for n in sizes)}; "
        f"the run took {elapsed / 60:.1f} min",
        f"- peak resident set size: {peak:,.0f} MiB (this process), {children:,.0f} MiB (largest child process)",
        "",
        "## How it measures",
        "",
        method,
        "",
        "## Targets",
        "",
        *target_lines({r.key: r for r in rows}),
        "",
        "## Every figure",
        "",
        "Times are per call (medians over the rounds); a ratio is keychainsim's time over the reference's "
        "(the median of the per-round ratios); growth is the time at N over the time at the smallest N, "
        "from figures measured apart (the growth targets above are judged side by side where the run did so).",
        "",
        *table(rows, sizes),
        "",
    ]
    return "\n".join(parts)


@contextmanager
def _phase(name: str, n: int) -> Iterator[None]:
    start = time.perf_counter()
    print(f"  {name} at {n:,} ...", end="", flush=True, file=sys.stderr)
    yield
    print(f" {time.perf_counter() - start:.1f} s", file=sys.stderr)


WORKLOADS = ("lookup", "identity", "probes", "memory", "file", "engine")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes and few rounds; print, do not write")
    parser.add_argument("--sizes", help="comma-separated sizes (default 100,1000,10000,100000)")
    parser.add_argument("--only", help=f"comma-separated workloads among {', '.join(WORKLOADS)}")
    parser.add_argument("--rounds", type=int, help="alternating rounds per figure (default 15, quick 3)")
    parser.add_argument("--output", help="where to write the Markdown (default docs/performance.md; quick: none)")
    parser.add_argument("--memory-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_child is not None:
        _memory_child(args.memory_child)
        return 0
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else list(QUICK_SIZES if args.quick else SIZES)
    args.rounds = args.rounds or (3 if args.quick else 15)
    only = set(args.only.split(",")) if args.only else set(WORKLOADS)
    unknown = only - set(WORKLOADS)
    if unknown:
        parser.error(f"unknown workload(s) {', '.join(sorted(unknown))}; choose among {', '.join(WORKLOADS)}")
    rng = random.Random(11)
    started = time.perf_counter()
    for n in sizes:
        passwords = filled(n) if only & {"lookup", "probes"} else Keychain()
        steps: list[tuple[str, Callable[[], dict[str, Figure]]]] = [
            ("lookup", lambda n=n, kc=passwords: lookups(kc, n, args.rounds, rng)),
            ("identity", lambda n=n: identity_lookups(n, args.rounds, rng)),
            ("probes", lambda n=n, kc=passwords: probes(kc, n, args.rounds, rng)),
            ("memory", lambda n=n: memory(n)),
        ]
        for name, step in steps:
            if name in only:
                with _phase(name, n):
                    for key, figure in step().items():
                        BY_KEY[key].figures[n] = figure
                gc.collect()
        del passwords, steps
        gc.collect()
        if "file" in only and n in FILE_SIZES:
            with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_DIR")) as tmp:
                with _phase("file store", n):
                    for key, figure in durable_writes(n, args.rounds, rng, Path(tmp)).items():
                        BY_KEY[key].figures[n] = figure
                with _phase("find process", n):
                    for key, figure in find_process(n, min(args.rounds, 7), rng, Path(tmp)).items():
                        BY_KEY[key].figures[n] = figure
    growth_side_by_side(only, sizes, args.rounds, rng)
    if "engine" in only:
        with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_DIR")) as tmp, _phase("engine start", 0):
            for key, figure in engine_start(min(args.rounds, 9), Path(tmp)).items():
                BY_KEY[key].figures[0] = figure  # no N: the engine starts with an empty device
    text = document(ROWS, sizes, args, time.perf_counter() - started)
    output = args.output or (None if args.quick else str(ROOT / "docs" / "performance.md"))
    if output:
        Path(output).write_text(text)
        print(f"wrote {output}", file=sys.stderr)
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
