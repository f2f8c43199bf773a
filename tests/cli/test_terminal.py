"""The command line on a real terminal: the console script runs under a pseudo-terminal of a set width
(python `pty`), as a person would see it, and piped, as a script would.

On the terminal: ANSI styles, every line within the width, long text wrapped between words, help in
panels with placeholders, a progress bar for many scenarios, a message while the store is locked.
With NO_COLOR, or piped: no escape sequence at all (piped: no wrapping either)."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import termios
import threading
from pathlib import Path

import pytest
from rich.cells import cell_len

from keychainsim import Keychain
from keychainsim.constants import kSecAttrAccount, kSecClass, kSecClassGenericPassword
from keychainsim.store import LockWait
from tests.cli.conftest import SCENARIOS
from tests.cli.test_console_script import SCRIPT

pytestmark = pytest.mark.model

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")
S9 = SCENARIOS / "seed" / "s9-label-on-the-key.yaml"
S14 = SCENARIOS / "seed" / "s14-permanent-at-top-level.yaml"
CLEAN_ENV = ("NO_COLOR", "FORCE_COLOR", "COLUMNS", "LINES", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "CI")


def environment(store: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in CLEAN_ENV}
    env.update(TERM="xterm-256color", KEYCHAINSIM_STORE=str(store), **extra)
    return env


class Terminal:
    """The console script on a pseudo-terminal ``columns`` wide; :meth:`wait` returns (exit code, text)."""

    def __init__(self, args: list[str], columns: int, env: dict[str, str]) -> None:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
        self.master = master
        self.process = subprocess.Popen(
            [SCRIPT, *args], stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True
        )
        os.close(slave)
        self.output = b""

    def read_until(self, text: str, timeout: float = 120) -> str:
        """Read until ``text`` shows (or the program ends); the text so far, escape sequences removed."""
        while text not in ANSI.sub("", self.output.decode("utf-8", "replace")):
            ready, _, _ = select.select([self.master], [], [], timeout)
            if not ready or not self._read():
                break
        return ANSI.sub("", self.output.decode("utf-8", "replace"))

    def _read(self) -> bool:
        try:
            chunk = os.read(self.master, 65536)
        except OSError:  # EIO: the program closed the terminal
            return False
        self.output += chunk
        return bool(chunk)

    def wait(self, timeout: float = 300) -> tuple[int, str]:
        while self._read():
            pass
        code = self.process.wait(timeout=timeout)
        os.close(self.master)
        return code, self.output.decode("utf-8", "replace")


def on_terminal(*args: str, columns: int, store: Path, **env: str) -> tuple[int, str]:
    return Terminal(list(args), columns, environment(store, **env)).wait()


def piped(*args: str, store: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SCRIPT, *args], capture_output=True, text=True, env=environment(store, **env), timeout=300)


def lines_of(raw: str) -> list[str]:
    return ANSI.sub("", raw).replace("\r\n", "\n").split("\n")


def words(text: str) -> str:
    return " ".join(text.split())


def description(path: Path) -> str:
    from keychainsim.scenario.loader import load_scenario

    return words(str(load_scenario(path).get("description")))


def test_run_on_a_terminal_is_styled_and_fits_its_width(tmp_path: Path) -> None:
    """A 60-column terminal: colours and bold, no line wider than 60 cells, and the description and the
    finding's message wrapped between words (every word whole, in order)."""
    code, raw = on_terminal("run", str(S9), columns=60, store=tmp_path / "k.json")
    assert code == 0, raw
    assert "\x1b[" in raw and re.search(r"\x1b\[[0-9;]*1[;m]", raw)  # bold somewhere
    assert re.search(r"\x1b\[[0-9;]*3[1-7][;m]", raw)  # a foreground colour somewhere
    shown = lines_of(raw)
    assert max(cell_len(line) for line in shown) <= 60, max(shown, key=cell_len)
    text = words("\n".join(shown))
    assert description(S9) in text
    assert "[identity.attribute_on_wrong_side] keys#1 (a key) carries the queried labl" in text
    assert any(line.startswith("       ") and line.strip() for line in shown)  # continuation lines hang


def test_no_color_keeps_the_width_and_drops_every_escape(tmp_path: Path) -> None:
    code, raw = on_terminal("run", str(S9), columns=60, store=tmp_path / "k.json", NO_COLOR="1")
    assert code == 0, raw
    assert "\x1b" not in raw
    assert max(cell_len(line) for line in lines_of(raw)) <= 60
    assert description(S9) in words(raw)
    for args in (["--help"], ["add", "--help"]):  # help too: typer's own console keeps bold without this
        code, raw = on_terminal(*args, columns=60, store=tmp_path / "k.json", NO_COLOR="1")
        assert code == 0 and "\x1b" not in raw and "Usage: keychainsim" in raw, raw[:300]
        assert max(cell_len(line) for line in lines_of(raw)) <= 60


def test_piped_output_has_no_styles_and_no_wrapping(tmp_path: Path) -> None:
    result = piped("run", str(S9), store=tmp_path / "k.json", COLUMNS="60")
    assert result.returncode == 0
    assert "\x1b" not in result.stdout
    assert f"  {description(S9)}" in result.stdout.splitlines()  # one line, however long
    forced = piped("run", str(S9), store=tmp_path / "k.json", FORCE_COLOR="1")
    assert "\x1b[" in forced.stdout  # FORCE_COLOR asks for styles on a pipe, as rich reads it


def test_a_success_that_hides_a_problem_warns_on_the_terminal(tmp_path: Path) -> None:
    code, raw = on_terminal("run", str(S14), columns=80, store=tmp_path / "k.json")
    assert code == 0
    text = words("\n".join(lines_of(raw)))
    assert "warning: the call succeeded, but what it returned is not what the app needs:" in text
    assert "! [identity.key_is_public] identity(cert#3, key#1) pairs the certificate with a public key" in text
    assert re.search(r"\x1b\[[0-9;]*35[;m][^\x1b]*warning: ", raw)  # the warning stands out (magenta)


def test_explain_and_dump_fit_the_terminal(tmp_path: Path) -> None:
    """explain's findings (once up to 374 columns) and the dump (once a fixed 100) wrap to 64 columns."""
    store = tmp_path / "k.json"
    assert piped("run", "--on-store", str(S9), store=store).returncode == 0
    query = ["-a", "kSecClass=kSecClassIdentity", "-a", "kSecAttrLabel=device-identity"]
    wide = piped("explain", *query, store=store)
    assert max(len(line) for line in wide.stdout.splitlines()) > 100  # the message on one line when piped
    code, raw = on_terminal("explain", *query, columns=64, store=store)
    assert code == 0 and "\x1b[" in raw
    shown = lines_of(raw)
    assert max(cell_len(line) for line in shown) <= 64, max(shown, key=cell_len)
    assert words(wide.stdout) == words("\n".join(shown))  # the same words, only wrapped
    code, raw = on_terminal("dump", columns=72, store=store)
    assert code == 0 and "\x1b[" in raw
    shown = lines_of(raw)
    assert max(cell_len(line) for line in shown) <= 72
    assert any("identity" in line for line in shown) and "kSecAttrApplicationLabel" in raw


def test_help_has_panels_and_placeholders(tmp_path: Path) -> None:
    code, raw = on_terminal("--help", columns=100, store=tmp_path / "k.json")
    assert code == 0
    text = ANSI.sub("", raw)
    for panel in ("Store and device", "SecItem calls", "Scenarios", "Enrollment and mTLS", "Learning"):
        assert re.search(rf"╭─ {panel} ─", text), panel
    assert re.search(r"--store\s+PATH", text) and re.search(r"--access-group\s+-g\s+GROUP", text)
    assert re.search(r"--lock-timeout\s+SECONDS", text)
    code, raw = on_terminal("add", "--help", columns=100, store=tmp_path / "k.json")
    text = ANSI.sub("", raw)
    assert re.search(r"--attr\s+-a\s+NAME=VALUE", text) and re.search(r"--file\s+-f\s+PATH", text)
    assert "\x1b[" in raw  # styled on the terminal


def test_no_help_shows_a_python_type(cli) -> None:
    """Every command's help names values with placeholders: no <str>, <bool>, <list[str]>, <path>."""
    import typer.main

    from keychainsim.cli import app

    commands = sorted(typer.main.get_command(app).commands)  # type: ignore[attr-defined]
    assert "servers" in commands and "run" in commands
    shown = {name: c for name, c in typer.main.get_command(app).commands.items() if not c.hidden}
    unpanelled = sorted(name for name, c in shown.items() if not c.rich_help_panel)
    assert unpanelled == [], "every command sits in a named panel, none alone under a bare 'Commands'"
    for name in ["", *commands]:
        result = cli(*([name] if name else []), "--help")
        assert result.exit_code == 0, name
        assert not re.search(r"<(str|bool|int|float|path|list\[[^>]*\])[^>]*>", result.output), (name, result.output)


def test_usage_errors_stay_one_plain_line(tmp_path: Path) -> None:
    result = piped("find", "--no-such-option", store=tmp_path / "k.json")
    assert result.returncode == 2
    assert "Error: No such option: --no-such-option" in result.stderr and "╭" not in result.stderr


def test_many_scenarios_show_a_progress_bar_on_a_terminal_only(tmp_path: Path) -> None:
    files = [str(p) for p in sorted((SCENARIOS / "seed").glob("s*.yaml"))[:4]]
    code, raw = on_terminal("run", *files, columns=100, store=tmp_path / "k.json")
    assert code == 0, raw
    assert "running scenarios" in ANSI.sub("", raw) and re.search(r"\d/4", ANSI.sub("", raw))
    assert "4 passed, 0 failed" in ANSI.sub("", raw)
    result = piped("run", *files, store=tmp_path / "k.json")
    assert "running scenarios" not in result.stdout + result.stderr and "4 passed, 0 failed" in result.stdout


def test_a_store_locked_by_another_process_says_so_while_waiting(tmp_path: Path) -> None:
    """The command waits (up to --lock-timeout) and says why on the terminal; once the other process lets
    go, it answers. Nothing here measures time: the lock is released only after the message is read."""
    store = tmp_path / "k.json"
    assert (
        piped("add", "-a", "kSecClass=kSecClassGenericPassword", "-a", "kSecAttrAccount=a", store=store).returncode == 0
    )
    with open(str(store) + ".lock", "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        terminal = Terminal(
            ["--lock-timeout", "600", "find", "-a", "kSecClass=kSecClassGenericPassword", "-a", "kSecAttrAccount=a"],
            100,
            environment(store),
        )
        shown = terminal.read_until("giving up after 600 s")
        assert f"keychainsim: waiting for the store {store}: it is locked by another process" in words(shown)
        fcntl.flock(held, fcntl.LOCK_UN)
    code, raw = terminal.wait()
    assert code == 0, raw
    assert "SecItemCopyMatching: errSecSuccess (0)" in ANSI.sub("", raw)


def test_the_lock_wait_hook_names_the_holder(tmp_path: Path) -> None:
    """Keychain(on_lock_wait=...) is told who holds the store, another process or another thread, before
    the call waits; here being told is what lets the holder go (no timing involved)."""
    path = tmp_path / "k.json"
    seen: list[LockWait] = []
    reactions: list = []

    def told(wait: LockWait) -> None:
        seen.append(wait)
        reactions.pop(0)()

    kc = Keychain(store=path, lock_timeout=600, on_lock_wait=told)
    genp = {kSecClass: kSecClassGenericPassword, kSecAttrAccount: "a"}
    assert kc.SecItemAdd(genp)[0] == 0 and seen == []  # a free lock: nothing to say
    holder = subprocess.Popen(
        [
            "python3",
            "-c",
            "import fcntl,sys; f=open(sys.argv[1],'a'); fcntl.flock(f, fcntl.LOCK_EX); print('held', "
            "flush=True); sys.stdin.read()",
            str(path) + ".lock",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdin is not None
    assert holder.stdout.readline().strip() == "held"
    reactions.append(holder.stdin.close)  # the holder exits when its stdin closes
    assert kc.SecItemCopyMatching(genp)[0] == 0
    assert holder.wait(timeout=60) == 0
    assert seen == [LockWait(str(path), "another process", 600)]

    inside, done = threading.Event(), threading.Event()

    def hold_in_a_thread() -> None:
        with kc.transaction():
            inside.set()
            done.wait(600)

    thread = threading.Thread(target=hold_in_a_thread)
    thread.start()
    assert inside.wait(60)
    reactions.append(done.set)
    assert kc.SecItemCopyMatching(genp)[0] == 0
    thread.join(60)
    assert [w.holder for w in seen] == ["another process", "another thread of this process"]
