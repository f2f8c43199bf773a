"""The Swift library's cost: a SecItemCopyMatching round trip from Swift through the engine, and engine start.

Run:  .venv/bin/python benchmarks/swift_engine.py                 (needs the Swift toolchain)
      .venv/bin/python benchmarks/swift_engine.py --items 10 100 --rounds 7 --calls 300 --json

Targets (issue 9): a round trip under 1 ms (a device's call into securityd is of that order) and the engine
started in under 0.5 s. This is a benchmark, not a test: nothing here fails a build.

How it measures:
- ``swift/Sources/KeychainSimBenchmark`` (built with ``-c release``) is one round: it starts a simulated
  device (timing ``KeychainSimulator()`` = locate the engine, spawn ``keychainsim serve --stdio``, hello,
  reset), adds N generic passwords, then times ``SecItemCopyMatching`` calls one by one, each for a
  different item than the one before (fresh inputs), returning the item's data.
- Alternating with each Swift round, the same lookups run in this process twice over: through the engine
  server's request handler (JSON in and out, typed values, the trace; everything but the pipe and Swift),
  and on a bare :class:`~keychainsim.Keychain` (the model alone, as a Python caller uses it). The three
  medians split the round trip into model, server and transport.
- Figures are medians over every call of every round (and the 90th percentile for the round trip); engine
  start is the median over rounds, seen from Swift and, alternating with it, from Python together with the
  engine process's CPU time (user + system, start to exit), which barely moves with the machine's load.
  The load average is printed: on a shared machine it moves every wall-clock figure.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

from keychainsim import Keychain
from keychainsim.constants import (
    kSecAttrAccount,
    kSecAttrService,
    kSecClass,
    kSecClassGenericPassword,
    kSecReturnData,
    kSecValueData,
)
from keychainsim.server.session import Session
from keychainsim.server.stdio import reply_for

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "swift"
ENGINE = Path(sys.executable).parent / "keychainsim"


def build() -> Path:
    """The release benchmark binary (built when missing or stale; swift decides)."""
    swift = os.environ.get("SWIFT", "swift")
    command = [swift, "build", "-c", "release", "--product", "KeychainSimBenchmark"]
    try:
        subprocess.run(command, cwd=PACKAGE, check=True, capture_output=True, text=True)
    except FileNotFoundError:
        sys.exit("swift_engine: no Swift toolchain (swift not on PATH); install Swift 6.3 or set SWIFT")
    except subprocess.CalledProcessError as error:
        sys.exit(f"swift_engine: swift build failed:\n{error.stdout[-4000:]}{error.stderr[-4000:]}")
    bin_path = subprocess.run(
        [swift, "build", "-c", "release", "--show-bin-path"], cwd=PACKAGE, capture_output=True, text=True, check=True
    ).stdout.strip()
    return Path(bin_path) / "KeychainSimBenchmark"


def swift_round(binary: Path, items: int, calls: int) -> dict:
    env = dict(os.environ, KEYCHAINSIM_ENGINE=str(ENGINE))
    done = subprocess.run(
        [str(binary), "--items", str(items), "--calls", str(calls)], env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        sys.exit(f"swift_engine: the benchmark binary failed:\n{done.stdout}{done.stderr}")
    report = json.loads(done.stdout)
    assert report["statuses"] == [0], report["statuses"]
    return report


def engine_cpu_round() -> tuple[float, float]:
    """Start the engine as the Swift library does (spawn, hello, reset) and stop it: ``(wall seconds until the
    reset is answered, CPU seconds the engine process used in all)``. The CPU time barely moves with the
    machine's load, where the wall time on a shared machine is mostly waiting for a core."""
    start = time.perf_counter()
    process = subprocess.Popen([str(ENGINE), "serve", "--stdio"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert process.stdin is not None and process.stdout is not None
    for request in (b'{"id":1,"op":"hello","args":{"protocol":1}}', b'{"id":2,"op":"reset","args":{}}'):
        process.stdin.write(request + b"\n")
        process.stdin.flush()
        assert b'"ok"' in process.stdout.readline()
    wall = time.perf_counter() - start
    process.stdin.close()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    process.stdout.close()
    return wall, usage.ru_utime + usage.ru_stime


def lookup_order(items: int, calls: int) -> list[int]:
    """Every call a different item than the one before: shuffled passes over all items."""
    order: list[int] = []
    while len(order) < calls:
        order.extend(random.sample(range(items), items))
    return order[:calls]


def query(index: int) -> dict:
    return {kSecClass: kSecClassGenericPassword, kSecAttrService: "bench", kSecAttrAccount: f"account-{index}"}


def model_round(items: int, calls: int) -> list[float]:
    """Bare Keychain.SecItemCopyMatching, the model alone."""
    kc = Keychain()
    for index in range(items):
        kc.SecItemAdd({**query(index), kSecValueData: f"secret-{index}".encode()})
    samples = []
    for index in lookup_order(items, calls):
        wanted = {**query(index), kSecReturnData: True}
        start = time.perf_counter()
        status, data = kc.SecItemCopyMatching(wanted)
        samples.append(time.perf_counter() - start)
        assert status == 0 and data == f"secret-{index}".encode()
    return samples


def server_round(items: int, calls: int) -> list[float]:
    """The engine server's handling of one request line (parse, decode, trace, call, encode, serialise)."""
    session = Session()
    reply_for(session, b'{"id": 0, "op": "hello", "args": {"protocol": 1}}')

    def typed(index: int, extra: dict) -> dict:
        return {
            "dict": {
                "class": {"string": "genp"},
                "svce": {"string": "bench"},
                "acct": {"string": f"account-{index}"},
                **extra,
            }
        }

    for index in range(items):
        data = {"v_Data": {"data": _b64(f"secret-{index}".encode())}}
        request = {"id": 1, "op": "SecItemAdd", "args": {"attributes": typed(index, data)}}
        reply_for(session, json.dumps(request).encode())
    samples = []
    for index in lookup_order(items, calls):
        line = json.dumps(
            {"id": 2, "op": "SecItemCopyMatching", "args": {"query": typed(index, {"r_Data": {"bool": True}})}}
        ).encode()
        start = time.perf_counter()
        reply = json.dumps(reply_for(session, line), separators=(",", ":"))
        samples.append(time.perf_counter() - start)
        assert '"status":0' in reply
    return samples


def _b64(raw: bytes) -> str:
    import base64

    return base64.b64encode(raw).decode()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, nargs="+", default=[10, 100, 1000], help="keychain sizes")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds per size")
    parser.add_argument("--calls", type=int, default=200, help="lookups per round")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)

    binary = build()
    load = os.getloadavg()
    results = []
    starts: list[float] = []
    engine_walls: list[float] = []
    engine_cpus: list[float] = []
    for items in args.items:
        swift: list[float] = []
        server: list[float] = []
        model: list[float] = []
        for _ in range(args.rounds):
            report = swift_round(binary, items, args.calls)
            starts.append(report["engine_start"])
            wall, cpu = engine_cpu_round()
            engine_walls.append(wall)
            engine_cpus.append(cpu)
            swift.extend(report["lookups"])
            server.extend(server_round(items, args.calls))
            model.extend(model_round(items, args.calls))
        results.append(
            {
                "items": items,
                "swift_round_trip_ms": statistics.median(swift) * 1e3,
                "swift_round_trip_p90_ms": statistics.quantiles(swift, n=10)[-1] * 1e3,
                "server_handling_ms": statistics.median(server) * 1e3,
                "model_only_ms": statistics.median(model) * 1e3,
                "calls": len(swift),
            }
        )
    summary = {
        "load_average_at_start": load,
        "engine_start_median_s": statistics.median(starts),
        "engine_start_min_s": min(starts),
        "engine_start_max_s": max(starts),
        "engine_starts": len(starts),
        "engine_start_from_python_median_s": statistics.median(engine_walls),
        "engine_process_cpu_median_s": statistics.median(engine_cpus),
        "lookups": results,
        "targets": {"round_trip_ms": 1.0, "engine_start_s": 0.5},
    }
    if args.json:
        print(json.dumps(summary, indent=2))
        return 0
    print(f"load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} ({os.cpu_count()} CPUs)")
    print(
        f"engine start (KeychainSimulator(): spawn, hello, reset): median {summary['engine_start_median_s']:.3f} s "
        f"(min {summary['engine_start_min_s']:.3f}, max {summary['engine_start_max_s']:.3f}, n={len(starts)}); "
        "target < 0.5 s"
    )
    print(
        f"engine start from Python (spawn, hello, reset): median {summary['engine_start_from_python_median_s']:.3f} s;"
        f" the engine process's CPU time, start to exit: median {summary['engine_process_cpu_median_s']:.3f} s"
    )
    print("SecItemCopyMatching, medians per call (target for the Swift round trip: < 1 ms):")
    print(f"{'items':>7} {'Swift->engine':>14} {'p90':>8} {'server only':>12} {'model only':>11} {'calls':>6}")
    for row in results:
        print(
            f"{row['items']:>7} {row['swift_round_trip_ms']:>11.3f} ms {row['swift_round_trip_p90_ms']:>5.2f} ms "
            f"{row['server_handling_ms']:>9.3f} ms {row['model_only_ms']:>8.3f} ms {row['calls']:>6}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
