"""The plain ``keychainsim find`` that skips typer (keychainsim.cli.lean_find) answers exactly as the typer
command does: same stdout, stderr and exit code on a real store, for hits, misses, every option form and
environment variable it accepts; and it declines (prints nothing, returns None) for everything else,
where the typer command's answer is the one people see."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from keychainsim.cli import lean_find
from keychainsim.cli.state import EXIT_CLOSED_PIPE, EXIT_INTERRUPTED
from tests.cli.conftest import MATERIAL
from tests.cli.test_closed_pipe import _environment, _into_closed_pipe
from tests.cli.test_console_script import SCRIPT

pytestmark = pytest.mark.model

APP = "A1B2C3D4E5.com.example.app"
OTHER = "A1B2C3D4E5.com.example.other"
GENP = ["-a", "kSecClass=kSecClassGenericPassword"]
ACCOUNT_1 = [*GENP, "-a", "kSecAttrAccount=account-1"]
NOBODY = [*GENP, "-a", "kSecAttrAccount=nobody"]
ENVIRONMENT = (
    "KEYCHAINSIM_STORE",
    "KEYCHAINSIM_LOCK_TIMEOUT",
    "KEYCHAINSIM_DEBUG",
    "FORCE_COLOR",
    "TTY_COMPATIBLE",
    "NO_COLOR",
    "COLUMNS",
)


@dataclass(frozen=True)
class Place:
    """The files a command line of the corpus may name ({store}, {missing}, ... in its words)."""

    store: Path
    missing: Path
    corrupt: Path
    query: Path
    xdg: Path

    def fill(self, words: list[str]) -> list[str]:
        names = {name: str(getattr(self, name)) for name in ("store", "missing", "corrupt", "query")}
        return [word.format(**names) for word in words]


@pytest.fixture(scope="module")
def place(tmp_path_factory: pytest.TempPathFactory) -> Place:
    """A real store with two generic passwords in two access groups, an internet password, a permanent EC
    key and a certificate, built with the command line itself; a corrupt store; a JSON query file."""
    from typer.testing import CliRunner

    from keychainsim.cli import app

    root = tmp_path_factory.mktemp("lean-find")
    store = root / "keychain.json"
    runner = CliRunner()
    setup = [
        ["add", *ACCOUNT_1, "-a", "kSecAttrService=svc", "-a", "kSecValueData=utf8:secret-1"],
        ["-g", OTHER, "add", *GENP, "-a", "kSecAttrAccount=account-2", "-a", "kSecValueData=utf8:secret-2"],
        [
            "add",
            "-a",
            "kSecClass=kSecClassInternetPassword",
            "-a",
            "kSecAttrServer=example.com",
            "-a",
            "kSecAttrAccount=web",
        ],
        ["keygen", "--tag", "com.example.enrollment", "--label", "enrollment"],
        ["import-cert", str(MATERIAL / "device-cert.der"), "--label", "device"],
    ]
    for args in setup:
        result = runner.invoke(app, ["--store", str(store), *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
    corrupt = root / "corrupt.json"
    corrupt.write_text('{"format": "keychainsim-store", "items": [tru')
    query = root / "query.json"
    query.write_text(json.dumps({"kSecClass": "kSecClassGenericPassword", "kSecAttrAccount": "account-1"}))
    return Place(store, root / "missing.json", corrupt, query, root / "xdg")


@dataclass(frozen=True)
class Case:
    """A command line, the environment it runs in, whether the lean path declines it, the exit code."""

    words: list[str]
    code: int
    declined: bool = False
    env: dict[str, str] = field(default_factory=dict)
    stdin: str | None = None


STORE = ["--store", "{store}"]
CASES: dict[str, Case] = {
    "hit": Case([*STORE, "find", *ACCOUNT_1], 0),
    "miss: -25300 and the hint": Case([*STORE, "find", *NOBODY], 1),
    "miss expected": Case([*STORE, "find", *NOBODY, "--expect", "errSecItemNotFound"], 0),
    "hit not expected: exit 1, no hint": Case([*STORE, "find", *ACCOUNT_1, "--expect", "errSecItemNotFound"], 1),
    "expect a number": Case([*STORE, "find", *ACCOUNT_1, "--expect", "0"], 0),
    "limit one among several": Case([*STORE, "-g", APP, "-g", OTHER, "find", *GENP], 0),
    "--all": Case([*STORE, "-g", APP, "-g", OTHER, "find", *GENP, "--all"], 0),
    "--all, groups in the other order": Case([*STORE, "-g", OTHER, "-g", APP, "find", *GENP, "--all"], 0),
    "--access-group hides the app's items": Case([*STORE, "--access-group", OTHER, "find", *GENP, "--all"], 0),
    "a group that sees nothing": Case([*STORE, "-g", "Z9.nothing", "find", *ACCOUNT_1], 1),
    "--raw: a bare status": Case([*STORE, "find", *ACCOUNT_1, "--raw"], 0),
    "a return key of its own": Case([*STORE, "find", *ACCOUNT_1, "-a", "kSecReturnData=true"], 0),
    "global --json": Case([*STORE, "--json", "find", *ACCOUNT_1], 0),
    "find --json, a miss": Case([*STORE, "find", *NOBODY, "--json"], 1),
    "both --json": Case([*STORE, "--json", "find", "--json", *GENP, "--all"], 0),
    "--platform macos": Case([*STORE, "--platform", "macos", "find", *ACCOUNT_1], 0),
    "macOS errSecParam with the refusal reason": Case(
        [
            *STORE,
            "--platform=macos",
            "find",
            *GENP,
            "-a",
            "kSecAttrSharingGroup=group.example",
            "-a",
            "kSecUseDataProtectionKeychain=false",
        ],
        1,
    ),
    "--store=PATH": Case(["--store={store}", "find", *ACCOUNT_1], 0),
    "$KEYCHAINSIM_STORE": Case(["find", *ACCOUNT_1], 0, env={"KEYCHAINSIM_STORE": "{store}"}),
    "--store wins over $KEYCHAINSIM_STORE": Case(
        [*STORE, "find", *ACCOUNT_1], 0, env={"KEYCHAINSIM_STORE": "{missing}"}
    ),
    "a missing store: nothing found, nothing created": Case(["--store", "{missing}", "find", *ACCOUNT_1], 1),
    "a store named find": Case(["--store", "find", "find", *ACCOUNT_1], 1),
    "--lock-timeout": Case([*STORE, "--lock-timeout", "2", "find", *ACCOUNT_1], 0),
    "--lock-timeout=": Case([*STORE, "--lock-timeout=0.5", "find", *ACCOUNT_1], 0),
    "$KEYCHAINSIM_LOCK_TIMEOUT": Case([*STORE, "find", *ACCOUNT_1], 0, env={"KEYCHAINSIM_LOCK_TIMEOUT": "3"}),
    "--allow-file-outside": Case([*STORE, "--allow-file-outside", "find", *ACCOUNT_1], 0),
    "-f query file": Case([*STORE, "find", "-f", "{query}"], 0),
    "--file= and an --attr that overrides it": Case(
        [*STORE, "-g", OTHER, "find", "--file={query}", "--attr=kSecAttrAccount=account-2"], 0
    ),
    "internet password": Case([*STORE, "find", "-a", "kSecClass=kSecClassInternetPassword"], 0),
    "key by tag": Case(
        [*STORE, "find", "-a", "kSecClass=kSecClassKey", "-a", "kSecAttrApplicationTag=utf8:com.example.enrollment"], 0
    ),
    "certificate by label, as a ref": Case(
        [
            *STORE,
            "find",
            "-a",
            "kSecClass=kSecClassCertificate",
            "-a",
            "kSecAttrLabel=device",
            "-a",
            "kSecReturnRef=true",
        ],
        0,
    ),
    "no identity: the certificate's key is not stored": Case(
        [*STORE, "find", "-a", "kSecClass=kSecClassIdentity", "--all"], 1
    ),
    # declined: the typer command answers
    "malformed --attr": Case([*STORE, "find", "-a", "kSecClass"], 5, declined=True),
    "unknown constant": Case([*STORE, "find", "-a", "kSecClass=kSecClassIdentty"], 5, declined=True),
    "bad --expect name": Case([*STORE, "find", *ACCOUNT_1, "--expect", "errSecNope"], 5, declined=True),
    "corrupt store: exit 4, told without typer": Case(["--store", "{corrupt}", "find", *ACCOUNT_1], 4),
    "not modelled": Case(
        [*STORE, "--platform", "macos", "find", *GENP, "-a", "kSecUseSystemKeychainAlways=true"], 3, declined=True
    ),
    "no query": Case([*STORE, "find"], 5, declined=True),
    "--help": Case(["find", "--help"], 0, declined=True),
    "-h (no such option)": Case([*STORE, "find", *ACCOUNT_1, "-h"], 2, declined=True),
    "--version": Case(["--version", "find", *ACCOUNT_1], 0, declined=True),
    "unknown option": Case([*STORE, "find", *ACCOUNT_1, "--nope"], 2, declined=True),
    "a positional word": Case([*STORE, "find", *ACCOUNT_1, "extra"], 2, declined=True),
    "attached short value": Case(
        [*STORE, "find", "-akSecClass=kSecClassGenericPassword", "-akSecAttrAccount=account-1"], 0, declined=True
    ),
    "repeated --store": Case(["--store", "{missing}", *STORE, "find", *ACCOUNT_1], 0, declined=True),
    "a flag given a value": Case([*STORE, "find", *ACCOUNT_1, "--json=1"], 2, declined=True),
    "--": Case([*STORE, "find", "--", *ACCOUNT_1], 2, declined=True),
    "--file - reads stdin": Case(
        [*STORE, "find", "--file", "-"],
        0,
        declined=True,
        stdin='{"kSecClass": "kSecClassGenericPassword", "kSecAttrAccount": "account-1"}',
    ),
    "a value starting with -": Case([*STORE, "find", *NOBODY, "--expect", "-25300"], 0, declined=True),
    "--platform outside its choices": Case([*STORE, "--platform", "tvos", "find", *ACCOUNT_1], 2, declined=True),
    "--lock-timeout as an exponent": Case([*STORE, "--lock-timeout", "1e1", "find", *ACCOUNT_1], 0, declined=True),
    "$KEYCHAINSIM_LOCK_TIMEOUT unusual": Case(
        [*STORE, "find", *ACCOUNT_1], 0, declined=True, env={"KEYCHAINSIM_LOCK_TIMEOUT": " 2"}
    ),
    "$KEYCHAINSIM_STORE empty": Case(["find", *ACCOUNT_1], 1, declined=True, env={"KEYCHAINSIM_STORE": ""}),
    "another command": Case([*STORE, "dump"], 0, declined=True),
    "a find option before find": Case([*STORE, "--all", "find", *ACCOUNT_1], 2, declined=True),
}


@dataclass(frozen=True)
class Outcome:
    code: int | None
    out: str
    err: str


@pytest.fixture
def environment(place: Place, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[pytest.MonkeyPatch]:
    """A clean environment: no variable the command line reads, the default store under a temporary XDG
    directory, the working directory a temporary one."""
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(place.xdg))
    monkeypatch.chdir(tmp_path)
    yield monkeypatch


def _lean(args: list[str], capsys: pytest.CaptureFixture[str]) -> Outcome:
    code = lean_find.run(args)
    captured = capsys.readouterr()
    return Outcome(code, captured.out, captured.err)


def _typer(args: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Outcome:
    """The typer application as the console script runs it (``keychainsim.cli.application.main``)."""
    from keychainsim.cli import application

    monkeypatch.setattr(sys, "argv", ["keychainsim", *args])
    with pytest.raises(SystemExit) as ended:
        application.main()
    captured = capsys.readouterr()
    code = ended.value.code
    return Outcome(0 if code is None else int(code), captured.out, captured.err)


@pytest.mark.parametrize("name", list(CASES))
def test_the_lean_find_answers_as_the_typer_command_or_declines(
    name: str, place: Place, environment: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    case = CASES[name]
    args = place.fill(case.words)
    for variable, value in case.env.items():
        environment.setenv(variable, value.format(store=place.store, missing=place.missing))
    stdin = io.StringIO(case.stdin or "")
    environment.setattr(sys, "stdin", stdin)
    before = place.store.read_bytes()

    lean = _lean(args, capsys)
    if case.declined:
        assert lean == Outcome(None, "", ""), "declined, and printed nothing"
        assert stdin.tell() == 0, "declined before reading stdin"
    else:
        assert lean.code is not None, "answered without typer"
    typer = _typer(args, capsys, environment)

    assert typer.code == case.code, typer
    if not case.declined:
        assert lean == typer
    assert place.store.read_bytes() == before
    assert not place.missing.exists() and not (place.xdg / "keychainsim").exists()
    assert list(tmp_path.iterdir()) == [], "a store named by a relative path is not created either"


@pytest.mark.parametrize(
    "name", ["hit", "miss: -25300 and the hint", "--raw: a bare status", "find --json, a miss", "key by tag"]
)
def test_what_the_corpus_compares_is_the_expected_text(
    name: str, place: Place, environment: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The equivalence above is no proof of correctness on its own (both could print nothing): pin what
    a few of its lines print."""
    lean = _lean(place.fill(CASES[name].words), capsys)
    lines = lean.out.splitlines()
    if name == "hit":
        assert lines[:2] == [
            "SecItemCopyMatching: errSecSuccess (0): No error.",
            "(added kSecReturnAttributes: true; --raw sends the query unchanged)",
        ]
        assert "  acct         kSecAttrAccount                  'account-1'" in lines
        assert lean.err == "" and lean.code == 0
    elif name == "miss: -25300 and the hint":
        assert (
            lines[0]
            == "SecItemCopyMatching: errSecItemNotFound (-25300): The specified item could not be found in the keychain."
        )
        assert lean.err == "hint: keychainsim explain with the same dictionary says why (SecItemCopyMatching).\n"
        assert lean.code == 1
    elif name == "--raw: a bare status":
        assert lean.out == "SecItemCopyMatching: errSecSuccess (0): No error.\n"
    elif name == "find --json, a miss":
        body = json.loads(lean.out)
        assert body["status"] == {"code": -25300, "name": "errSecItemNotFound"} and body["result"] is None
        assert lean.err == "" and lean.code == 1
    else:
        assert lines[0] == "SecItemCopyMatching: errSecSuccess (0): No error."
        assert "  atag         kSecAttrApplicationTag           'com.example.enrollment'" in lines
        assert lean.code == 0


class _Tty(io.TextIOWrapper):
    """A UTF-8 stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def _stream(encoding: str = "utf-8", tty: bool = False) -> io.TextIOWrapper:
    return (_Tty if tty else io.TextIOWrapper)(io.BytesIO(), encoding=encoding)


def _written(stream: io.TextIOWrapper) -> bytes:
    stream.flush()
    buffer = stream.buffer
    assert isinstance(buffer, io.BytesIO)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "condition",
    [
        "plain",
        "FORCE_COLOR=0",
        "FORCE_COLOR=",
        "TTY_COMPATIBLE=0",
        "stdout a tty",
        "stderr a tty",
        "stdout latin-1",
        "completion request",
    ],
)
def test_styled_or_terminal_output_is_declined_before_anything_is_printed(
    condition: str, place: Place, environment: pytest.MonkeyPatch
) -> None:
    """Where rich or click could style, wrap or strip the text, the lean path leaves it to typer. The
    plain condition is the control: the same command line answered, its text written."""
    stdout, stderr = _stream(), _stream()
    if "=" in condition:
        variable, value = condition.split("=")
        environment.setenv(variable, value)
    elif condition == "stdout a tty":
        stdout = _stream(tty=True)
    elif condition == "stderr a tty":
        stderr = _stream(tty=True)
    elif condition == "stdout latin-1":
        stdout = _stream("latin-1")
    elif condition == "completion request":
        environment.setenv("_KEYCHAINSIM_COMPLETE", "bash_complete")
    environment.setattr(sys, "stdout", stdout)
    environment.setattr(sys, "stderr", stderr)

    code = lean_find.run(place.fill([*STORE, "find", *NOBODY]))

    if condition == "plain":
        assert code == 1
        assert _written(stdout).startswith(b"SecItemCopyMatching: errSecItemNotFound (-25300)")
        assert _written(stderr).startswith(b"hint: ")
    else:
        assert code is None
        assert _written(stdout) == b"" and _written(stderr) == b""


def test_the_explanation_s_plain_text_is_what_show_prints_off_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    """The lean path prints ``plain_explanation(text)``; the typer command ``show(explanation_lines(text))``.
    Line breaks other than newlines, styled lines (status, finding code, warning, terms) and blank lines
    come out the same."""
    from keychainsim.cli.terminal import plain, plain_explanation, show
    from keychainsim.render.story import explanation_lines

    text = (
        "SecItemCopyMatching: errSecItemNotFound (-25300): not found\r\n"
        "  [query.attribute_mismatch] near\x0cmiss\n\nwarning: careful\u2028next\x1dgroup\n"
        "  terms: kSecClass\x85end\n"
    )
    assert plain_explanation(text) == plain(explanation_lines(text))
    show(explanation_lines(text))
    assert capsys.readouterr().out == plain_explanation(text) + "\n"
    assert plain_explanation(text) == (
        "SecItemCopyMatching: errSecItemNotFound (-25300): not found\n  [query.attribute_mismatch] near\nmiss\n\n"
        "warning: careful\nnext\ngroup\n  terms: kSecClass\nend"
    )


@pytest.mark.parametrize("odd", ["\x1b[1mkSecReturnAttributes\x1b[0m", "kSecReturnAttributes \udcff"])
def test_text_typer_would_change_or_fail_on_is_declined(
    odd: str, place: Place, environment: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """click strips escape sequences off a terminal, and a lone surrogate fails in the middle of the
    output: rather than copy either behaviour, the lean path declines. The control line shows that the
    patched text is the one printed."""
    from keychainsim.cli import call_report

    environment.setattr(call_report, "ADDED_RETURN_ATTRIBUTES", f"(added {odd})")
    assert _lean(place.fill([*STORE, "find", *ACCOUNT_1]), capsys) == Outcome(None, "", "")
    environment.setattr(call_report, "ADDED_RETURN_ATTRIBUTES", "(added kSecReturnAttributes)")
    assert "(added kSecReturnAttributes)" in _lean(place.fill([*STORE, "find", *ACCOUNT_1]), capsys).out


def test_ctrl_c_during_the_call_ends_with_130(
    place: Place, environment: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from keychainsim import Keychain

    def interrupted(self: Keychain, query: object) -> object:
        raise KeyboardInterrupt

    environment.setattr(Keychain, "SecItemCopyMatching", interrupted)
    assert _lean(place.fill([*STORE, "find", *ACCOUNT_1]), capsys) == Outcome(EXIT_INTERRUPTED, "", "")


def test_a_store_locked_by_another_process_is_waited_for_once(
    place: Place, environment: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The lean path tells a store problem itself (the typer command's line, exit 4) instead of
    declining: the typer command would wait the whole lock timeout again. Counted by the lock-wait
    notices, not by a clock."""
    from keychainsim.cli import main, terminal

    store = tmp_path / "keychain.json"
    store.write_bytes(place.store.read_bytes())
    waits: list[float] = []
    environment.setattr(terminal, "lock_wait_notice", lambda wait: waits.append(wait.timeout))
    args = ["--store", str(store), "--lock-timeout", "0.2", "find", *ACCOUNT_1]
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import fcntl, sys, time; fd = open(sys.argv[1], 'a'); fcntl.flock(fd, fcntl.LOCK_EX); print('held', flush=True);"
         " time.sleep(60)", f"{store}.lock"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        environment.setattr(sys, "argv", ["keychainsim", *args])
        with pytest.raises(SystemExit) as ended:
            main()
        lean = capsys.readouterr()
        assert waits == [0.2], "main() waited once"
        typer = _typer(args, capsys, environment)
    finally:
        holder.kill()
        holder.wait()
    assert waits == [0.2, 0.2], "the typer command, run as the reference, waited too"
    assert Outcome(ended.value.code, lean.out, lean.err) == typer
    assert typer.code == 4 and typer.out == ""
    assert typer.err.startswith(f"keychainsim: keychain store {store}: locked by another process")


class _ClosedPipe(io.TextIOWrapper):
    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


def test_a_closed_pipe_while_printing_ends_with_141_and_stdout_silenced(
    place: Place, environment: pytest.MonkeyPatch
) -> None:
    silenced: list[bool] = []
    environment.setattr(lean_find, "silence_stdout", lambda: silenced.append(True))
    stderr = _stream()
    environment.setattr(sys, "stdout", _ClosedPipe(io.BytesIO(), encoding="utf-8"))
    environment.setattr(sys, "stderr", stderr)
    assert lean_find.run(place.fill([*STORE, "find", *NOBODY])) == EXIT_CLOSED_PIPE
    assert silenced == [True]
    assert _written(stderr) == b"", "no hint, no message after the reader went away"


def test_a_closed_pipe_as_a_real_process_ends_quietly(place: Place) -> None:
    """The console script writing a find into a pipe whose reader has gone: 141, nothing on stderr (the
    interpreter's last flush cannot fail either)."""
    code, _, stderr = _into_closed_pipe(["find", *GENP, "--all", "--json"], _environment(place.store))
    assert (code, stderr) == (EXIT_CLOSED_PIPE, "")


WRAPPER = """\
import sys
from keychainsim.cli import main
sys.argv = ["keychainsim", *sys.argv[1:]]
try:
    main()
finally:
    watched = ("typer", "typer._click", "click", "rich", "keychainsim.store", "keychainsim.engine")
    print("loaded:", ",".join(m for m in watched if m in sys.modules), file=sys.stderr)
"""


def _process(*args: str, store: Path) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key not in ENVIRONMENT}
    return subprocess.run(
        args, capture_output=True, text=True, timeout=120, env={**env, "KEYCHAINSIM_STORE": str(store)}
    )


def test_the_console_script_answers_a_plain_find_and_loads_neither_typer_nor_rich(place: Place) -> None:
    script = _process(SCRIPT, "find", *ACCOUNT_1, store=place.store)
    assert script.returncode == 0, script.stderr
    assert script.stdout.splitlines()[0] == "SecItemCopyMatching: errSecSuccess (0): No error."
    assert "  acct         kSecAttrAccount                  'account-1'" in script.stdout.splitlines()
    assert script.stderr == ""

    lean = _process(sys.executable, "-c", WRAPPER, "find", *ACCOUNT_1, store=place.store)
    assert (lean.returncode, lean.stdout) == (0, script.stdout)
    assert lean.stderr == "loaded: keychainsim.store,keychainsim.engine\n"
    # the control: a declined command line goes through typer, and the wrapper sees it
    declined = _process(sys.executable, "-c", WRAPPER, "find", *ACCOUNT_1, "--nope", store=place.store)
    assert declined.returncode == 2
    assert declined.stderr.splitlines()[-1].startswith("loaded: typer,typer._click")


def test_other_command_lines_do_not_pay_for_the_lean_path(place: Place) -> None:
    """Asking the lean path first must not slow every other command: help declines before the store's
    modules (or the engine) are imported."""
    helped = _process(sys.executable, "-c", WRAPPER, "--help", store=place.store)
    assert helped.returncode == 0 and "find" in helped.stdout
    assert helped.stderr == "loaded: typer,typer._click,rich\n"
