"""The command functions handed to the CLI: enroll, mtls-check, demo-mtls (run through their own typer app)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from keychainsim.enroll.cli import app


@pytest.fixture
def cli(tmp_path, monkeypatch):
    monkeypatch.setenv("KEYCHAINSIM_STORE", str(tmp_path / "keychain.json"))
    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(args))


@pytest.mark.model
def test_enroll_then_mtls_check_on_a_persistent_store(cli, registration, pki, tmp_path):
    """enroll stores key and certificates in the store; mtls-check finds the identity and its chain there."""
    from keychainsim.servers import MTLSServer

    ca = tmp_path / "root.pem"
    ca.write_bytes(pki.root_pem)
    enrolled = cli("enroll", "--url", registration().url, "--ca-file", str(ca), "--label", "device identity")
    assert enrolled.exit_code == 0, enrolled.output
    assert "identity formed" in enrolled.output
    with MTLSServer(pki) as server:
        checked = cli("mtls-check", server.url, "--identity", "device identity", "--json")
    assert checked.exit_code == 0, checked.output
    body = json.loads(checked.output)
    assert body["accepted"] and [f["code"] for f in body["findings"]] == ["mtls.accepted"]


@pytest.mark.model
def test_enroll_failure_exits_1_with_the_finding_in_json(cli, registration, pki, tmp_path):
    """A server fault: exit code 1, the finding code in the JSON body."""
    ca = tmp_path / "root.pem"
    ca.write_bytes(pki.root_pem)
    result = cli("enroll", "--url", registration(faults=["other_key"]).url, "--ca-file", str(ca), "--json")
    assert result.exit_code == 1
    assert [f["code"] for f in json.loads(result.output)["findings"]] == ["enroll.certificate_for_other_key"]


@pytest.mark.model
def test_non_loopback_url_is_malformed_input(cli):
    """A URL keychainsim must not connect to is refused with the input-error exit code."""
    result = cli("enroll", "--url", "https://192.0.2.10/enroll")
    assert result.exit_code == 5 and "not a loopback address" in result.output


@pytest.mark.model
def test_mtls_check_without_the_identity_explains_the_lookup(cli):
    """No identity under that label: exit 1 with explain's report."""
    result = cli("mtls-check", "https://127.0.0.1:1/", "--identity", "nothing here")
    assert result.exit_code == 1 and "no identity labelled" in result.output


@pytest.mark.model
def test_demo_runs_the_whole_round_trip(cli):
    """demo-mtls: reference servers on loopback, enrollment, handshake accepted (Python endpoint: no nginx needed)."""
    result = cli("demo-mtls", "--nginx", "no")
    assert result.exit_code == 0, result.output
    assert "mtls.accepted" in result.output
    failing = cli("demo-mtls", "--nginx", "no", "--fault", "no_intermediate")
    assert failing.exit_code == 1 and "missing_intermediate" in failing.output
    assert cli("demo-mtls", "--fault", "no_such_fault").exit_code == 2  # a value outside the --fault choices: usage
