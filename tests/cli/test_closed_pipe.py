"""A reader that goes away (``keychainsim explain --codes | head -1``) is a normal end, not an error: the
console script, as a real process writing into a real pipe whose reader closes, ends with 141 (what a
shell reports for a tool that SIGPIPE ends) and prints nothing on stderr: no "internal error", no
traceback, no "Exception ignored" from the interpreter's last flush."""

from __future__ import annotations

import fcntl
import os
import subprocess
from pathlib import Path

import pytest

from keychainsim.cli.state import EXIT_CLOSED_PIPE
from tests.cli.conftest import SCENARIOS
from tests.cli.test_console_script import SCRIPT

pytestmark = pytest.mark.model

PIPE_SIZE = 4096
"""The pipe's capacity, set small (Linux F_SETPIPE_SZ) so that a command's output cannot all fit in it
before the reader closes: the write that fails is certain, not a matter of timing."""


def _environment(store: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "KEYCHAINSIM_STORE": str(store), **extra}
    for name in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE"):
        if name not in extra:
            env.pop(name, None)
    return env


def _into_closed_pipe(args: list[str], env: dict[str, str], read_first: int = 0) -> tuple[int, bytes, str]:
    """Run the script with stdout into a pipe; read ``read_first`` bytes (0: none, the reader is gone
    before the process starts), close the reader, and return (exit code, bytes read, stderr)."""
    reader, writer = os.pipe()
    fcntl.fcntl(writer, fcntl.F_SETPIPE_SZ, PIPE_SIZE)
    if not read_first:
        os.close(reader)
    process = subprocess.Popen([SCRIPT, *args], stdout=writer, stderr=subprocess.PIPE, env=env)
    os.close(writer)
    got = b""
    if read_first:
        while len(got) < read_first:
            chunk = os.read(reader, read_first - len(got))
            if not chunk:
                break
            got += chunk
        os.close(reader)
    _, stderr = process.communicate(timeout=120)
    return process.returncode, got, stderr.decode(errors="replace")


@pytest.mark.parametrize(
    "args",
    [
        ["explain", "--codes"],
        ["glossary"],
        ["learn", "--list"],
        ["run", str(SCENARIOS / "seed.yaml")],
        ["dump"],
        ["--help"],
        ["run", "--help"],
    ],
    ids=" ".join,
)
def test_a_reader_gone_before_the_first_line_ends_the_command_quietly(args: list[str], tmp_path: Path) -> None:
    code, _, stderr = _into_closed_pipe(args, _environment(tmp_path / "k.json"))
    assert (code, stderr) == (EXIT_CLOSED_PIPE, "")


@pytest.mark.parametrize("args", [["explain", "--codes"], ["glossary"], ["--help"]], ids=" ".join)
def test_styled_output_forced_into_a_closed_pipe_ends_the_same_way(args: list[str], tmp_path: Path) -> None:
    """FORCE_COLOR makes rich write (help always does): rich alone would exit 1 on the closed pipe."""
    code, _, stderr = _into_closed_pipe(args, _environment(tmp_path / "k.json", FORCE_COLOR="1"))
    assert (code, stderr) == (EXIT_CLOSED_PIPE, "")


def test_head_reads_the_first_line_then_closes(tmp_path: Path) -> None:
    """The case people meet: the first line arrives whole, then the reader goes while the command still
    has most of its output to write (about 10 kB against a 4 kB pipe)."""
    first = subprocess.run(
        [SCRIPT, "explain", "--codes"], capture_output=True, text=True, env=_environment(tmp_path / "k.json")
    ).stdout.splitlines()[0]
    code, got, stderr = _into_closed_pipe(["explain", "--codes"], _environment(tmp_path / "k.json"), read_first=40)
    assert got.decode().startswith(first[:40])
    assert (code, stderr) == (EXIT_CLOSED_PIPE, "")


def test_a_run_on_the_store_cut_short_by_the_reader_leaves_a_readable_store(tmp_path: Path) -> None:
    """The reader leaving mid-run ends the run, and the store it wrote stays whole: the same store then
    answers a dump."""
    store = tmp_path / "k.json"
    env = _environment(store)
    code, _, stderr = _into_closed_pipe(["run", "--on-store", str(SCENARIOS / "seed.yaml")], env)
    assert (code, stderr) == (EXIT_CLOSED_PIPE, "")
    after = subprocess.run([SCRIPT, "dump", "--format", "json"], capture_output=True, text=True, env=env)
    assert after.returncode == 0, after.stderr
