"""Reading recordings: what the recorders write loads; anything else names the line and the field."""

from __future__ import annotations

import json

import pytest

from keychainsim.errors import InputError
from keychainsim.replay import read_recording

from ._flows import enrollment, lines, record, text_of


@pytest.fixture(scope="module")
def recorded() -> list[dict]:
    return lines(record(enrollment))


@pytest.mark.model
def test_the_python_recorder_writes_the_documented_lines(recorded):
    header, first = recorded[0], recorded[1]
    assert header["format"] == "keychainsim-recording" and header["version"] == 1 and header["protocol"] == 1
    assert header["initial_items"] == {"cert": 0, "genp": 0, "inet": 0, "keys": 0}
    assert first["call"] == "SecKeyCreateRandomKey" and first["error"] is None
    assert first["result"] == {"ref": {"kind": "key", "handle": 1}}
    facts = first["refs"]["1"]
    assert facts["kind"] == "key" and facts["key_class"] == "private" and facts["key_type"] == "73"
    assert first["args"]["parameters"]["dict"]["private"]["dict"]["perm"] == {"bool": True}
    recording = read_recording(text_of(recorded))
    assert [c.seq for c in recording.calls] == list(range(1, len(recorded)))
    assert recording.calls[0].refs[1].get("public_key")[:1] == b"\x04"  # X9.63, decoded from base64


def _broken(recorded, index, change) -> str:
    copy = json.loads(json.dumps(recorded))
    change(copy[index])
    return text_of(copy)


CASES = [
    (0, lambda h: h.update(format="other"), 1, "not a keychainsim recording: format is 'other'"),
    (0, lambda h: h.update(version=2), 1, "recording format version 2 is newer"),
    (0, lambda h: h.update(protocol=7), 1, "values of protocol 7"),
    (0, lambda h: h.update(platform="tvos"), 1, "platform 'tvos'"),
    (0, lambda h: h.pop("secrets"), 1, "missing secrets"),
    (0, lambda h: h.update(extra=1), 1, "unknown fields extra"),
    (0, lambda h: h.update(initial_items={"idnt": 1}), 1, "initial_items must map classes"),
    (1, lambda c: c.update(call="SecItemNope"), 2, "call 'SecItemNope' is not one keychainsim replays"),
    (1, lambda c: c.update(seq=5), 2, "seq is 5, expected 1"),
    (1, lambda c: c.pop("error"), 2, "missing error"),
    (1, lambda c: c["args"].update(extra={"int": 1}), 2, "SecKeyCreateRandomKey args must be exactly parameters"),
    (
        1,
        lambda c: c["args"]["parameters"]["dict"].update(bsiz={"integer": 256}),
        2,
        "args.parameters.bsiz: unknown value type 'integer'",
    ),
    (1, lambda c: c["args"]["parameters"]["dict"].update(bsiz={"data": "%%"}), 2, "data is not valid base64"),
    (1, lambda c: c.update(result={"secret": {"length": -1}}), 2, 'a secret is {"secret": {"length": <bytes>}}'),
    (1, lambda c: c.update(result={"ref": {"kind": "banana", "handle": 1}}), 2, "a ref's kind is one of"),
    (1, lambda c: c["refs"]["1"].update(der="x"), 2, "refs.1: unknown fields der for a key"),
    (1, lambda c: c["refs"]["1"].update(public_key="%%"), 2, "refs.1.public_key is not base64"),
    (1, lambda c: c.update(error={"code": "x"}), 2, "error must be null or"),
    (4, lambda c: c.update(status=0), 5, "unknown fields status"),  # SecCertificateCreateWithData has none
    (5, lambda c: c.update(status="0"), 6, "status '0' is not an OSStatus number"),
    (5, lambda c: c.update(result_pointer="no"), 6, "result_pointer 'no' is not true or false"),
    (1, lambda c: c.update(result_pointer=False), 2, "result_pointer false is for SecItemAdd and SecItemCopyMatching"),
    (-1, lambda c: c.update(result_pointer=False), 13, "with a null result (the app passed nil"),
]


@pytest.mark.model
@pytest.mark.parametrize(("index", "change", "line", "message"), CASES, ids=[c[3][:40] for c in CASES])
def test_malformed_recordings_name_the_line_and_the_field(recorded, index, change, line, message):
    with pytest.raises(InputError) as caught:
        read_recording(_broken(recorded, index, change))
    assert caught.value.source == f"<recording text>:{line}"
    assert message in caught.value.problem


@pytest.mark.model
def test_empty_unreadable_and_non_json_files(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n")
    with pytest.raises(InputError, match="is empty"):
        read_recording(empty)
    with pytest.raises(InputError, match="cannot read the recording"):
        read_recording(tmp_path / "absent.jsonl")
    garbage = tmp_path / "garbage.jsonl"
    garbage.write_text('{"format": "keychainsim-recording"\n')
    with pytest.raises(InputError) as caught:
        read_recording(garbage)
    assert caught.value.source == f"{garbage}:1" and "not JSON" in caught.value.problem
