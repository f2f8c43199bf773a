"""What a newcomer hit first: store paths that are no store, reset --force, and `keychainsim servers`
run as a real process for testing one's own client."""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from keychainsim import Keychain, __version__
from keychainsim.constants import kSecAttrAccount, kSecClass, kSecClassGenericPassword
from keychainsim.errors import StorageError
from tests.cli.test_console_script import SCRIPT

GENP = ["-a", "kSecClass=kSecClassGenericPassword", "-a", "kSecAttrAccount=a"]


def keychainsim(*args: str, timeout: float = 120, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SCRIPT, *args], capture_output=True, text=True, timeout=timeout, env={**os.environ, **env})


@pytest.mark.model
def test_a_store_under_a_regular_file_names_the_file(cli, tmp_path: Path) -> None:
    """`--store notes.txt/keychain.json` cannot work: the message names notes.txt as the file in the way
    (not "File exists" or "Not a directory"), for readers, writers and the Python API alike."""
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n")
    for args in (["init"], ["add", *GENP], ["dump"]):
        result = cli("--store", str(notes / "deeper" / "keychain.json"), *args)
        assert result.exit_code == 4, result.output
        assert f"{notes} is a regular file, not a directory: no store can be kept under it" in result.output
        assert "File exists" not in result.output and "Not a directory" not in result.output
    kc = Keychain(store=notes / "keychain.json")
    with pytest.raises(StorageError, match=r"notes\.txt is a regular file, not a directory"):
        kc.SecItemAdd({kSecClass: kSecClassGenericPassword, kSecAttrAccount: "a"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]
    assert notes.read_text() == "my notes\n"


@pytest.mark.model
def test_a_file_that_is_no_store_is_refused_before_any_lock(tmp_path: Path) -> None:
    """`--store README.md` says what the file is at once: it neither waits for the lock another process
    holds (here for longer than the whole test may take) nor leaves a lock file beside a foreign file."""
    readme = tmp_path / "README.md"
    readme.write_text("# not a keychain\n")
    alone = keychainsim("--store", str(readme), "add", *GENP)
    assert alone.returncode == 4, alone.stderr
    assert f"keychain store {readme}: not valid JSON" in alone.stderr
    for reader in (["dump"], ["reset"]):
        assert keychainsim("--store", str(readme), *reader).returncode == 4
    assert sorted(p.name for p in tmp_path.iterdir()) == ["README.md"]
    lock_path = tmp_path / "README.md.lock"
    with open(lock_path, "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        waited = keychainsim("--store", str(readme), "--lock-timeout", "600", "add", *GENP)
    assert waited.returncode == 4, waited.stderr
    assert "not valid JSON" in waited.stderr and "locked by another process" not in waited.stderr
    assert readme.read_text() == "# not a keychain\n"


@pytest.mark.model
def test_a_store_from_a_newer_keychainsim_names_both_versions(cli, store: Path) -> None:
    assert cli("init").exit_code == 0
    store.write_text(store.read_text().replace('"schema":3', '"schema":7').replace(__version__, "9.4.0"))
    before = store.read_bytes()
    result = cli("find", *GENP)
    assert result.exit_code == 4
    assert "written by a newer keychainsim (9.4.0)" in result.output
    assert f"this version ({__version__}) reads schemas 1 to 3" in result.output
    assert store.read_bytes() == before


@pytest.mark.model
def test_reset_force_keeps_the_replaced_file_and_says_where(cli, store: Path) -> None:
    store.write_bytes(b"{ half a store")
    assert cli("reset").exit_code == 4
    result = cli("reset", "--force")
    assert result.exit_code == 0, result.output
    kept = [p for p in store.parent.iterdir() if p.name.startswith("keychain.json.replaced-")]
    assert len(kept) == 1 and kept[0].read_bytes() == b"{ half a store"
    assert f"the unreadable store it replaced is kept as {kept[0]}" in result.output
    assert cli("find", *GENP, "--expect", "errSecItemNotFound").exit_code == 0
    # a second forced reset of a readable store replaces nothing unreadable: no new copy
    body = json.loads(cli("reset", "--force", "--json").output)
    assert body["backup"] is None
    assert len([p for p in store.parent.iterdir() if ".replaced-" in p.name]) == 1
    store.write_bytes(b"garbage again")
    mode = store.stat().st_mode & 0o777
    again = json.loads(cli("reset", "--force", "--json").output)
    assert again["backup"] and Path(again["backup"]).read_bytes() == b"garbage again"
    assert os.stat(again["backup"]).st_mode & 0o777 == mode  # no wider than the store was (0600)


def _start_servers(*args: str) -> tuple[subprocess.Popen[str], dict]:
    process = subprocess.Popen(
        [SCRIPT, "servers", "--json", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line:
        process.wait(timeout=30)
        pytest.fail(f"keychainsim servers exited {process.returncode}: {process.stderr.read()}")  # type: ignore[union-attr]
    return process, json.loads(line)


def _stop(process: subprocess.Popen[str], number: int) -> tuple[int, str, str]:
    process.send_signal(number)
    out, err = process.communicate(timeout=60)
    return process.returncode, out, err


@pytest.mark.model
@pytest.mark.parametrize("stop_with", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_servers_serve_a_client_until_stopped(tmp_path: Path, stop_with: int) -> None:
    """`keychainsim servers` as a real process: loopback URLs and a CA file; keychainsim's own client
    (another process, as a developer's would be) enrolls and passes mTLS with them; a signal stops it
    cleanly (exit 0, the temporary CA file gone)."""
    process, started = _start_servers("--nginx", "no")
    try:
        assert started["registration_url"].startswith("https://127.0.0.1:")
        assert started["registration_url"].endswith("/enroll")
        assert started["mtls_url"].startswith("https://127.0.0.1:") and started["mtls_endpoint"] == "python"
        ca = Path(started["ca_file"])
        assert ca.read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")
        store = str(tmp_path / "client.json")
        enrolled = keychainsim("--store", store, "enroll", "--url", started["registration_url"], "--ca-file", str(ca))
        assert enrolled.returncode == 0, enrolled.stdout + enrolled.stderr
        checked = keychainsim(
            "--store", store, "mtls-check", started["mtls_url"], "--identity", "com.example.client-identity"
        )
        assert checked.returncode == 0, checked.stdout + checked.stderr
        untrusted = keychainsim("--store", store, "enroll", "--url", started["registration_url"])
        assert untrusted.returncode != 0  # without the CA file the server is not trusted
    finally:
        code, _, err = _stop(process, stop_with)
    assert code == 0, err
    assert "Traceback" not in err
    assert not ca.exists() and not ca.parent.exists()


@pytest.mark.model
def test_servers_with_faults_and_a_kept_ca_file(tmp_path: Path) -> None:
    """A fault switch reaches the client (the server certifies another key: the identity never forms),
    and --ca-file keeps the CA where the developer asked; text output names both URLs."""
    ca = tmp_path / "reference-ca.pem"
    process = subprocess.Popen(
        [SCRIPT, "servers", "--nginx", "no", "--fault", "other_key", "--ca-file", str(ca)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    lines = []
    while not lines or lines[-1].strip() != "Ctrl-C (or SIGTERM) stops the servers.":
        line = process.stdout.readline()
        assert line, process.stderr.read()  # type: ignore[union-attr]
        lines.append(line)
    try:
        registration = next(line.split()[2] for line in lines if line.startswith("registration server:"))
        assert "faults: other_key" in lines[0]
        assert any(line.startswith("mTLS endpoint:       https://127.0.0.1:") for line in lines)
        enrolled = keychainsim(
            "--store", str(tmp_path / "k.json"), "enroll", "--url", registration, "--ca-file", str(ca), "--json"
        )
        assert enrolled.returncode == 1
        codes = [f["code"] for f in json.loads(enrolled.stdout)["findings"]]
        assert "identity.certificate_for_other_key" in codes or "enroll.certificate_for_other_key" in codes, codes
    finally:
        code, out, err = _stop(process, signal.SIGTERM)
    assert code == 0, err
    assert "stopped: the reference servers are down" in out
    assert ca.read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")


@pytest.mark.model
def test_servers_with_nginx(tmp_path: Path) -> None:
    """The mTLS endpoint as teams run it (nginx, ssl_verify_client on) when nginx is installed; stopping
    the command stops nginx and removes its temporary prefix."""
    from keychainsim.servers.nginx import nginx_unavailable_reason

    reason = nginx_unavailable_reason()
    if reason is not None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI must run the nginx tests: {reason}")
        pytest.skip(reason)
    process, started = _start_servers("--nginx", "yes")
    try:
        assert started["mtls_endpoint"] == "nginx"
        store = str(tmp_path / "client.json")
        ca = started["ca_file"]
        assert (
            keychainsim("--store", store, "enroll", "--url", started["registration_url"], "--ca-file", ca).returncode
            == 0
        )
        checked = keychainsim(
            "--store", store, "mtls-check", started["mtls_url"], "--identity", "com.example.client-identity", "--json"
        )
        assert checked.returncode == 0 and json.loads(checked.stdout)["ok"] is True, checked.stdout
        children = subprocess.run(
            ["ps", "-o", "pid=,cmd=", "--ppid", str(process.pid)], capture_output=True, text=True
        ).stdout
        prefixes = [part for line in children.splitlines() for part in line.split() if "keychainsim-nginx-" in part]
        assert prefixes, children
    finally:
        code, _, err = _stop(process, signal.SIGTERM)
    assert code == 0, err
    assert not Path(prefixes[0]).exists()
    assert subprocess.run(["ps", "-o", "pid=", "--ppid", str(process.pid)], capture_output=True, text=True).stdout == ""


@pytest.mark.model
def test_servers_refuses_bad_options_before_starting(cli) -> None:
    assert cli("servers", "--fault", "nope").exit_code == 2
    assert "--fault: unknown fault 'nope'" in cli("servers", "--fault", "nope").output
    assert cli("servers", "--nginx", "maybe").exit_code == 2


@pytest.mark.model
def test_the_seed_probe_says_which_python_to_use(tmp_path: Path) -> None:
    """The README runs probes/seed_flow.py with the virtual environment's Python; any other Python is
    told so in one line (exit 2) instead of a ModuleNotFoundError traceback."""
    probe = Path(__file__).resolve().parents[2] / "probes" / "seed_flow.py"
    bare = subprocess.run(
        [sys.executable, "-S", "-I", str(probe)], capture_output=True, text=True, cwd=tmp_path, timeout=60
    )
    assert bare.returncode == 2, bare.stderr
    assert "keychainsim is not installed for" in bare.stderr and ".venv/bin/python probes/seed_flow.py" in bare.stderr
    assert "Traceback" not in bare.stderr
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert "`.venv/bin/python probes/seed_flow.py`" in readme and "`python probes/seed_flow.py`" not in readme
