"""`dump --from` and `explain --dump` on a device dump: the dump's items, its identities against the model's."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from tests.probe.test_load_dump import DEVICE_DOCUMENT


def _write(tmp_path: Path, **changes) -> Path:
    body = copy.deepcopy(DEVICE_DOCUMENT)
    body.update(changes)
    path = tmp_path / "device-dump.json"
    path.write_text(json.dumps(body))
    return path


AGREEING = {"status": 0, "identities": [{"certificate": 2, "key": 1}]}


@pytest.mark.model
def test_dump_from_a_device_file_shows_its_items_and_not_the_store(cli, tmp_path: Path, store: Path) -> None:
    path = _write(tmp_path, device_identities=AGREEING)
    result = cli("dump", "--from", str(path))
    assert result.exit_code == 0
    assert f"loaded from {path}" in result.output
    assert "identity: certificate row 2 ↔ private key row 1" in result.output
    assert "the model agrees with the device" in result.output
    assert not store.exists()  # the store was never opened
    as_json = json.loads(cli("dump", "--from", str(path), "--json").output)
    assert [i["rowid"] for i in as_json["items"]] == [1, 2]
    assert as_json["identity_check"]["agrees"] is True


@pytest.mark.model
def test_explain_against_a_device_dump(cli, tmp_path: Path) -> None:
    path = _write(tmp_path, device_identities=AGREEING)
    found = cli(
        "explain",
        "--dump",
        str(path),
        "-a",
        '[kSecClass as String: kSecClassIdentity, kSecAttrLabel as String: "device"]',
        "--json",
    )
    assert found.exit_code == 0 and json.loads(found.output)["status"]["code"] == 0
    missing = cli(
        "explain", "--dump", str(path), "-a", "kSecClass=kSecClassIdentity", "-a", "kSecAttrLabel=other", "--json"
    )
    assert json.loads(missing.output)["status"]["code"] == -25300
    assert "identity.no_certificate" in {f["code"] for f in json.loads(missing.output)["findings"]}


@pytest.mark.model
def test_explain_dump_without_a_query_checks_every_certificate_and_the_devices_identities(cli, tmp_path: Path) -> None:
    agreeing = cli("explain", "--dump", str(_write(tmp_path, device_identities=AGREEING)))
    assert agreeing.exit_code == 0
    assert "certificate row 2, label 'device': identity lookup errSecSuccess (0)" in agreeing.output
    assert "the model agrees with the device: 1 identity" in agreeing.output
    disagreeing = cli(
        "explain", "--dump", str(_write(tmp_path, device_identities={"status": -25300, "identities": []}))
    )
    assert disagreeing.exit_code == 1
    assert "the model disagrees with the device" in disagreeing.output
    body = json.loads(cli("explain", "--dump", str(tmp_path / "device-dump.json"), "--json").output)
    assert body["identity_check"]["agrees"] is False and body["certificates"][0]["rowid"] == 2


@pytest.mark.model
def test_another_apps_view_of_a_device_dump(cli, tmp_path: Path) -> None:
    path = _write(tmp_path)
    other = cli(
        "-g",
        "A1B2C3D4E5.com.example.widget",
        "explain",
        "--dump",
        str(path),
        "-a",
        "kSecClass=kSecClassIdentity",
        "--json",
    )
    body = json.loads(other.output)
    assert body["status"]["code"] == -25300
    assert "access.group_not_visible" in {f["code"] for f in body["findings"]}


@pytest.mark.model
def test_a_broken_dump_file_exits_5_naming_it(cli, tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"format": "keychainsim-dump", "version": 9}')
    for args in (("dump", "--from", str(path)), ("explain", "--dump", str(path))):
        result = cli(*args)
        assert result.exit_code == 5
        assert f"{path}: dump format version 9 is newer" in result.output
