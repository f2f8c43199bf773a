"""`keychainsim replay FILE`: the fidelity report, its JSON and its documented exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from keychainsim import Keychain
from keychainsim.constants import *
from keychainsim.probe import dump
from tests.replay._flows import enrollment, last_call, lines, record, text_of


def _write(tmp_path: Path, text: str, name: str = "recording.jsonl") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


@pytest.mark.model
def test_a_recording_that_replays_the_same_exits_0(cli, tmp_path: Path) -> None:
    path = _write(tmp_path, record(enrollment))
    result = cli("replay", path)
    assert result.exit_code == 0
    assert "12 calls: 12 same, 0 divergent" in result.output and "twin" in result.output
    assert result.output.startswith(f"replay of {path} (recorded on ios by ")
    body = json.loads(cli("replay", path, "--json").output)
    assert body["agrees"] is True and body["counts"]["same"] == 12 and len(body["twins"]) == 1


@pytest.mark.model
def test_a_divergence_exits_1_with_the_explanation(cli, tmp_path: Path) -> None:
    parsed = lines(record(lambda kc: enrollment(kc, faults=("other_key",))))
    lookup = last_call(parsed, "SecItemCopyMatching")
    lookup["status"], lookup["result"] = 0, {"null": True}
    path = _write(tmp_path, text_of(parsed))
    result = cli("replay", path)
    assert result.exit_code == 1
    assert f"#{lookup['seq']} SecItemCopyMatching [class 'idnt', labl 'device-identity']" in result.output
    assert "identity.certificate_for_other_key" in result.output
    body = json.loads(cli("replay", path, "--json").output)
    (call,) = [c for c in body["calls"] if c["verdict"] == "divergence"]
    assert "identity.certificate_for_other_key" in {f["code"] for f in call["explanation"]["findings"]}


@pytest.mark.model
def test_unreproducible_calls_fail_only_with_strict_and_an_initial_dump_reproduces_them(cli, tmp_path: Path) -> None:
    kc = Keychain()
    kc.SecItemAdd({kSecClass: kSecClassGenericPassword, kSecAttrAccount: "old", kSecValueData: b"x"})
    initial = _write(tmp_path, dump(kc, format="json"), "dump.json")
    path = _write(
        tmp_path,
        record(lambda kc: kc.SecItemCopyMatching({kSecClass: kSecClassGenericPassword, kSecAttrAccount: "old"}), kc),
    )
    assert cli("replay", path).exit_code == 0
    assert "the app could see 1 genp item before the recording started" in cli("replay", path).output
    assert cli("replay", path, "--strict").exit_code == 1
    started = cli("replay", path, "--initial", initial, "--strict")
    assert started.exit_code == 0 and "1 same" in started.output


@pytest.mark.model
def test_a_call_not_modelled_exits_3(cli, tmp_path: Path) -> None:
    parsed = lines(record(enrollment))
    last_call(parsed, "SecItemCopyMatching")["args"]["query"]["dict"]["u_Tomb"] = {"bool": True}
    assert cli("replay", _write(tmp_path, text_of(parsed))).exit_code == 3


@pytest.mark.model
def test_a_malformed_recording_exits_5_naming_the_line(cli, tmp_path: Path) -> None:
    parsed = lines(record(enrollment))
    parsed[2]["seq"] = 9
    path = _write(tmp_path, text_of(parsed))
    result = cli("replay", path)
    assert result.exit_code == 5
    assert f"{path}:3: seq is 9, expected 2" in result.output


@pytest.mark.model
def test_the_first_line_says_where_the_recording_was_made_in_words(cli, tmp_path: Path) -> None:
    parsed = lines(record(enrollment))
    parsed[0].update(
        source="KeychainRecorder.swift", device={"model": "iPhone15,2", "os": "Version 18.1", "simulator": True}
    )
    first = cli("replay", _write(tmp_path, text_of(parsed))).output.splitlines()[0]
    assert first.endswith("(recorded on ios by KeychainRecorder.swift; device: iPhone15,2, Version 18.1, a simulator)")
    parsed[0]["device"] = {"model": "iPhone15,2", "simulator": False, "chip": "A16"}
    first = cli("replay", _write(tmp_path, text_of(parsed))).output.splitlines()[0]
    assert first.endswith("(recorded on ios by KeychainRecorder.swift; device: iPhone15,2, chip A16)")
