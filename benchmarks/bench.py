"""keychainsim benchmarks without an SQLite counterpart: key generation and the command's start-up.

Run:  .venv/bin/python benchmarks/bench.py            (all sections)
      .venv/bin/python benchmarks/bench.py keys       (one section)

Each figure is the best of several repeats of a timed loop (time.perf_counter), per operation. Lookups,
identities, durable writes, dumps, explain and memory are measured beside SQLite by
``benchmarks/performance.py``, which writes ``docs/performance.md``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable

from keychainsim import Keychain


def best_per_op(fn: Callable[[], object], loops: int, repeats: int = 5) -> float:
    """Seconds per call: the fastest of ``repeats`` runs of ``loops`` calls."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(loops):
            fn()
        best = min(best, (time.perf_counter() - start) / loops)
    return best


def section_keys() -> list[str]:
    from keychainsim.constants import (
        kSecAttrIsPermanent,
        kSecAttrKeySizeInBits,
        kSecAttrKeyType,
        kSecAttrKeyTypeECSECPrimeRandom,
        kSecAttrKeyTypeRSA,
        kSecPrivateKeyAttrs,
    )

    lines = ["## Keys (issue 3)", ""]
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


SECTIONS: dict[str, Callable[[], list[str]]] = {
    "keys": section_keys,
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
