"""Store paths: symlinks are followed, readers create nothing, a read-only directory can still be read,
and what a writer creates is private whatever the umask."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

import keychainsim
from keychainsim import Keychain
from keychainsim.constants import kSecAttrAccount, kSecAttrService, kSecClass, kSecClassGenericPassword
from keychainsim.errors import StorageError
from keychainsim.status import OSStatus
from keychainsim.store import FileStore

pytestmark = pytest.mark.model

CHECKOUT = str(Path(keychainsim.__file__).resolve().parents[1])
GENP = ["-a", "kSecClass=kSecClassGenericPassword", "-a", "kSecAttrService=s", "-a", "kSecAttrAccount=a"]


def add(kc: Keychain, account: str) -> OSStatus:
    status, _ = kc.SecItemAdd({kSecClass: kSecClassGenericPassword, kSecAttrService: "s", kSecAttrAccount: account})
    return status


def accounts(kc: Keychain) -> list[str]:
    return [item.attrs["acct"] for item in kc.all_items()]


def tree(root: Path) -> dict[str, tuple[int, int, int]]:
    """Every path under ``root`` with its inode, size and modification time: what "untouched" means."""
    out = {}
    for directory, names, files in os.walk(root):
        for name in names + files:
            path = Path(directory, name)
            status = path.lstat()
            out[str(path.relative_to(root))] = (status.st_ino, status.st_size, status.st_mtime_ns)
    return out


# -- symlinks ------------------------------------------------------------------------------------------


def test_a_symlinked_store_path_reads_and_writes_the_real_file(tmp_path: Path) -> None:
    real = tmp_path / "data" / "keychain.json"
    link = tmp_path / "link.json"
    real.parent.mkdir()
    link.symlink_to(real)
    via_link = Keychain(store=link)
    assert add(via_link, "through the link") == OSStatus.errSecSuccess
    with FileStore(real).locked() as session:  # the full state, snapshot and journal, is in the real file
        session.save(session.load())
    assert add(via_link, "after a rewrite") == OSStatus.errSecSuccess
    assert link.is_symlink() and os.readlink(link) == str(real)  # replaced the target, not the link
    assert accounts(Keychain(store=real)) == ["through the link", "after a rewrite"]
    assert sorted(os.listdir(tmp_path)) == ["data", "link.json"]
    assert sorted(os.listdir(real.parent)) == ["keychain.json", "keychain.json.lock"]
    assert FileStore(link).lock_path == str(real) + ".lock"


def test_two_paths_to_one_store_share_its_lock(tmp_path: Path) -> None:
    real = tmp_path / "keychain.json"
    link = tmp_path / "alias.json"
    link.symlink_to(real.name)  # a relative link
    by_real, by_link = Keychain(store=real, lock_timeout=3600), Keychain(store=link, lock_timeout=3600)
    add(by_real, "one")
    with by_real.transaction():
        add(by_real, "two")
        # The same lock: the alias is refused at once in this thread (it would wait in another).
        with pytest.raises(StorageError, match="already locked in this thread"):
            add(by_link, "three")
    assert add(by_link, "three") == OSStatus.errSecSuccess
    assert accounts(by_real) == ["one", "two", "three"]


def test_a_dangling_symlink_gets_its_target_created(tmp_path: Path) -> None:
    link = tmp_path / "link.json"
    target = tmp_path / "elsewhere" / "keychain.json"
    link.symlink_to(target)
    assert add(Keychain(store=link), "first") == OSStatus.errSecSuccess
    assert link.is_symlink() and target.is_file()
    assert stat.S_IMODE(target.parent.stat().st_mode) == 0o700


# -- readers create nothing ----------------------------------------------------------------------------


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from typer.testing import CliRunner

    from keychainsim.cli import app

    monkeypatch.setenv("KEYCHAINSIM_STORE", str(tmp_path / "store" / "keychain.json"))
    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(args), catch_exceptions=False)


READ_ONLY_COMMANDS = {
    "find": ["find", *GENP, "--expect", "errSecItemNotFound"],
    "dump": ["dump"],
    "dump json": ["dump", "--format", "json"],
    "explain": ["explain", *GENP],
    "identity": ["identity", "--label", "device-identity", "--expect", "errSecItemNotFound"],
}


@pytest.mark.parametrize("name", sorted(READ_ONLY_COMMANDS))
def test_a_read_only_command_on_a_missing_store_creates_nothing(cli, tmp_path: Path, name: str) -> None:
    result = cli(*READ_ONLY_COMMANDS[name])
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "store").exists()


@pytest.mark.parametrize("name", sorted(READ_ONLY_COMMANDS))
def test_a_read_only_command_never_creates_or_replaces_a_file(cli, tmp_path: Path, name: str) -> None:
    assert cli("add", *GENP).exit_code == 0
    assert cli("add", "-a", "kSecClass=kSecClassGenericPassword", "-a", "kSecAttrAccount=b").exit_code == 0
    os.unlink(tmp_path / "store" / "keychain.json.lock")  # as a store copied from elsewhere would be
    before = tree(tmp_path / "store")
    args = [
        arg if arg != "errSecItemNotFound" or name == "identity" else "errSecSuccess"
        for arg in READ_ONLY_COMMANDS[name]
    ]
    result = cli(*args)
    assert result.exit_code == 0, result.output
    assert tree(tmp_path / "store") == before


def test_init_creates_the_store_and_a_write_creates_a_private_directory(cli, tmp_path: Path) -> None:
    previous = os.umask(0)
    try:
        assert cli("init").exit_code == 0
    finally:
        os.umask(previous)
    directory = tmp_path / "store"
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert stat.S_IMODE((directory / "keychain.json").stat().st_mode) == 0o600
    assert stat.S_IMODE((directory / "keychain.json.lock").stat().st_mode) == 0o600
    assert cli("init").output.startswith("already there")


def test_a_keychain_writing_under_any_umask_creates_private_files(tmp_path: Path) -> None:
    store = tmp_path / "a" / "b" / "keychain.json"
    previous = os.umask(0o022)
    try:
        assert add(Keychain(store=store), "x") == OSStatus.errSecSuccess
    finally:
        os.umask(previous)
    assert stat.S_IMODE(store.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(store.stat().st_mode) == 0o600
    assert stat.S_IMODE(Path(str(store) + ".lock").stat().st_mode) == 0o600


# -- a read-only directory, read by a user who may not write it ---------------------------------------


def as_other_user() -> list[str]:
    """The command prefix that runs a process as a user without write access to our files.

    Root ignores file permissions, so a test run as root drops to ``nobody`` with ``setpriv``; a test
    run as anyone else is that user already (the directory is made read-only to them).
    """
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: cannot test as a user the permissions apply to")
    prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    probe = [*prefix, sys.executable, "-c", "import os, keychainsim; print(os.geteuid())"]
    ran = subprocess.run(probe, env=dict(os.environ, PYTHONPATH=CHECKOUT), capture_output=True, text=True, timeout=60)
    if ran.returncode != 0 or ran.stdout.strip() != "65534":
        pytest.skip(f"user nobody cannot run this Python and keychainsim: {ran.stderr.strip()[-200:]}")
    return prefix


@pytest.fixture
def shared_directory() -> Iterator[Path]:
    """A directory the other user can reach (pytest's tmp_path is private to this user)."""
    base = Path(tempfile.mkdtemp(prefix="keychainsim-ro-"))
    os.chmod(base, 0o755)
    yield base
    for directory, _, _ in os.walk(base):
        os.chmod(directory, 0o755)
    shutil.rmtree(base)


def run_cli(prefix: list[str], store: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environment = dict(os.environ, PYTHONPATH=CHECKOUT, KEYCHAINSIM_STORE=str(store), HOME="/nonexistent")
    command = [*prefix, sys.executable, "-c", "import sys; from keychainsim.cli import main; main()", *args]
    return subprocess.run(command, env=environment, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("with_lock_file", [True, False], ids=["lock file there", "no lock file"])
def test_a_store_in_a_read_only_directory_can_be_read_but_not_written(
    shared_directory: Path, with_lock_file: bool
) -> None:
    prefix = as_other_user()
    directory = shared_directory / "store"
    store = directory / "keychain.json"
    assert add(Keychain(store=store), "readable") == OSStatus.errSecSuccess
    os.chmod(directory, 0o755)
    os.chmod(store, 0o644)  # readable by the other user, writable by the owner only
    lock = Path(str(store) + ".lock")
    if with_lock_file:
        os.chmod(lock, 0o644)
    else:
        lock.unlink()
    os.chmod(directory, 0o555)
    before = tree(directory)

    found = run_cli(prefix, store, "find", "-a", "kSecClass=kSecClassGenericPassword", "-a", "kSecAttrAccount=readable")
    assert found.returncode == 0, found.stderr
    assert "readable" in found.stdout
    dumped = run_cli(prefix, store, "dump", "--format", "json")
    assert dumped.returncode == 0, dumped.stderr
    assert tree(directory) == before

    added = run_cli(prefix, store, "add", *GENP)
    assert added.returncode == 4, added.stderr
    assert added.stderr.startswith(f"keychainsim: keychain store {store}: ")
    assert "Traceback" not in added.stderr
    assert tree(directory) == before
