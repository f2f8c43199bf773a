"""The command line through typer's CliRunner: each command, --json, exit codes, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import MATERIAL, SCENARIOS

GENP = ["-a", "kSecClass=kSecClassGenericPassword", "-a", "kSecAttrService=api", "-a", "kSecAttrAccount=alice"]


@pytest.mark.model
def test_help_lists_every_command_and_the_exit_codes(cli) -> None:
    result = cli("--help")
    assert result.exit_code == 0
    for command in ("init", "reset", "add", "find", "update", "delete", "dump", "explain", "keygen", "csr",
                    "import-cert", "import-p12", "identity", "lock", "unlock", "run"):
        assert command in result.output
    assert "Exit codes: 0 success" in result.output


@pytest.mark.model
def test_add_find_update_delete_round_trip(cli, store: Path) -> None:
    assert cli("init").exit_code == 0 and store.exists()
    assert cli("add", *GENP, "-a", "kSecValueData=utf8:secret").exit_code == 0
    found = cli("find", *GENP, "--json")
    body = json.loads(found.output)
    assert found.exit_code == 0 and body["status"]["name"] == "errSecSuccess"
    assert body["result"]["acct"] == "alice"
    assert cli("update", *GENP, "--set", "kSecAttrLabel=renamed").exit_code == 0
    assert json.loads(cli("find", *GENP, "--json").output)["result"]["labl"] == "renamed"
    assert cli("delete", *GENP).exit_code == 0
    missing = cli("find", *GENP, "--json")
    assert missing.exit_code == 1
    assert json.loads(missing.output)["status"] == {"code": -25300, "name": "errSecItemNotFound"}
    assert cli("find", *GENP, "--expect", "errSecItemNotFound").exit_code == 0


@pytest.mark.model
def test_query_from_yaml_file_and_stdin(cli, tmp_path: Path) -> None:
    query = tmp_path / "q.yaml"
    query.write_text("kSecClass: kSecClassGenericPassword\nkSecAttrService: api\nkSecAttrAccount: bob\n"
                     "kSecValueData: utf8:pw\n")
    assert cli("add", "-f", str(query)).exit_code == 0
    result = cli("find", "-f", "-", "--json", input='{"kSecClass": "kSecClassGenericPassword", "kSecAttrAccount": "bob"}')
    assert result.exit_code == 0 and json.loads(result.output)["result"]["acct"] == "bob"


@pytest.mark.model
def test_duplicate_add_exits_1_and_explain_names_the_collision(cli) -> None:
    assert cli("add", *GENP, "-a", "kSecAttrGeneric=utf8:v1").exit_code == 0
    again = cli("add", *GENP, "-a", "kSecAttrGeneric=utf8:v2", "--json")
    assert again.exit_code == 1 and json.loads(again.output)["status"]["code"] == -25299
    report = json.loads(cli("explain", *GENP, "-a", "kSecAttrGeneric=utf8:v2", "--add", "--json").output)
    assert "add.duplicate" in [f["code"] for f in report["findings"]]
    miss = json.loads(cli("explain", *GENP, "-a", "kSecAttrGeneric=utf8:v2", "--json").output)
    assert [f["code"] for f in miss["findings"]] == ["query.attribute_mismatch"]


@pytest.mark.model
def test_explain_codes_lists_the_finding_codes(cli) -> None:
    result = cli("explain", "--codes")
    assert result.exit_code == 0 and "identity.no_private_key" in result.output


@pytest.mark.model
def test_enrollment_from_the_shell(cli, tmp_path: Path) -> None:
    assert cli("keygen", "--tag", "com.example.enrollment").exit_code == 0
    request = tmp_path / "device.csr"
    assert cli("csr", "--tag", "com.example.enrollment", "--subject", "CN=device-1", "-o", str(request)).exit_code == 0
    assert request.read_text().startswith("-----BEGIN CERTIFICATE REQUEST-----")
    from cryptography import x509

    from keychainsim.crypto.ca import TestCA
    from keychainsim.crypto.pem import pem_to_der

    issued = TestCA().issue(pem_to_der(request.read_text(), "CERTIFICATE REQUEST"))
    cert = tmp_path / "device.pem"
    cert.write_text(issued.pem)
    imported = cli("import-cert", str(cert), "--label", "device")
    assert imported.exit_code == 0, imported.output
    assert "PEM -> DER" in imported.output and "the identity forms" in imported.output
    found = cli("identity", "--label", "device", "--json")
    assert found.exit_code == 0 and len(json.loads(found.output)["identities"]) == 1
    assert x509.load_pem_x509_certificate(issued.pem.encode())


@pytest.mark.model
def test_identity_failure_prints_the_explanation(cli) -> None:
    assert cli("keygen", "--ephemeral").exit_code == 0
    assert cli("import-cert", str(MATERIAL / "device-cert.der"), "--label", "device").exit_code == 0
    result = cli("identity", "--label", "device", "--json")
    assert result.exit_code == 1
    body = json.loads(result.output)
    assert body["status"]["code"] == -25300
    assert "identity.no_private_key" in [f["code"] for f in body["explanation"]["findings"]]


@pytest.mark.model
def test_lock_unlock_and_dump(cli) -> None:
    assert cli("add", *GENP, "-a", "kSecValueData=utf8:pw").exit_code == 0
    assert cli("lock").exit_code == 0
    assert cli("find", *GENP, "--json").exit_code == 1
    assert json.loads(cli("find", *GENP, "--json").output)["status"]["code"] == -25308
    assert cli("unlock").exit_code == 0
    dumped = cli("dump", "--json")
    assert dumped.exit_code == 0 and json.loads(dumped.output)["items"]
    assert "genp" in cli("dump").output


@pytest.mark.model
def test_run_seed_and_a_broken_variant(cli) -> None:
    ok = cli("run", str(SCENARIOS / "seed.yaml"))
    assert ok.exit_code == 0 and "1 passed, 0 failed" in ok.output
    broken = cli("run", str(SCENARIOS / "seed" / "s1-key-not-permanent.yaml"), "--json")
    assert broken.exit_code == 0
    steps = json.loads(broken.output)["scenarios"][0]["steps"]
    assert steps[-1]["status"]["code"] == -25300
    assert "identity.no_private_key" in [f["code"] for f in steps[-1]["explanation"]["findings"]]
    assert steps[0]["diff"]["added"] == []  # the key was never stored


@pytest.mark.model
def test_run_failed_expectation_shows_the_explanation(cli, tmp_path: Path) -> None:
    scenario = tmp_path / "wrong.yaml"
    scenario.write_text(
        "scenario: expects the wrong status\nsteps:\n"
        "  - call: SecItemCopyMatching\n    query: {kSecClass: kSecClassGenericPassword}\n"
        "    expect: {status: errSecSuccess}\n"
    )
    result = cli("run", str(scenario))
    assert result.exit_code == 1
    assert "expected errSecSuccess (0), got errSecItemNotFound (-25300)" in result.output
    assert "[class.empty]" in result.output
    as_json = cli("run", str(scenario), "--json")
    assert as_json.exit_code == 1 and json.loads(as_json.output)["passed"] is False


@pytest.mark.model
def test_run_with_probe_shows_the_dump_per_step(cli) -> None:
    result = cli("run", "--probe", str(SCENARIOS / "catalog" / "c19-wrong-class.yaml"))
    assert result.exit_code == 0 and "| " in result.output and "kSecClassGenericPassword" in result.output


@pytest.mark.model
def test_run_on_store_leaves_the_items_for_inspection(cli) -> None:
    assert cli("run", "--on-store", str(SCENARIOS / "seed.yaml")).exit_code == 0
    assert cli("identity", "--label", "device-identity").exit_code == 0


@pytest.mark.model
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["add", "-a", "kSecClass=kSecClassGenericPasword"], "unknown constant 'kSecClassGenericPasword'"),
        (["add", "-a", "kSecAtrLabel=x"], "unknown attribute key 'kSecAtrLabel'"),
        (["add", "-a", "kSecAttrLabel=hex:zz"], "is not hexadecimal"),
        (["find", "-f", "missing.json"], "missing.json: cannot be read"),
        (["find"], "is empty: give --file"),
        (["import-cert", str(MATERIAL / "garbage.pem")], "not valid base64"),
        (["import-cert", str(MATERIAL / "not-a-certificate.der")], "neither PEM"),
        (["import-cert", str(MATERIAL / "device-cert-response.txt")], "text outside the PEM block"),
        (["import-cert", str(MATERIAL / "device-chain.pem")], "expected exactly one CERTIFICATE"),
        (["csr", "--tag", "hex:zz"], "is not hexadecimal"),
        (["learn", "1", "--answer", "errSecItemNotFond"], "--answer: 'errSecItemNotFond' is not a status name"),
    ],
)
def test_bad_input_exits_5_with_one_line(cli, store: Path, args: list[str], message: str) -> None:
    refused_before_any_call(cli, store, args, 5, message)


def refused_before_any_call(cli, store: Path, args: list[str], code: int, message: str) -> None:
    """The command exits ``code`` with ``message`` and no traceback, and the store is byte for byte as it was."""
    assert cli("add", *GENP).exit_code == 0
    before = store.read_bytes()
    result = cli(*args)
    assert result.exit_code == code, result.output
    assert message in result.output
    assert "Traceback" not in result.output and "LiteralError" not in result.output
    assert store.read_bytes() == before


@pytest.mark.model
def test_malformed_scenario_exits_5_and_runs_nothing(cli, store: Path, tmp_path: Path) -> None:
    assert cli("add", *GENP).exit_code == 0
    before = store.read_bytes()
    bad = tmp_path / "bad.yaml"
    bad.write_text("scenario: x\nsteps:\n  - call: SecItemAdd\n    attributes: {kSecClass: [\n")
    result = cli("run", "--on-store", str(SCENARIOS / "seed.yaml"), str(bad))
    assert result.exit_code == 5
    assert f"{bad}:5: not valid YAML" in result.output
    assert store.read_bytes() == before


@pytest.mark.model
def test_corrupt_store_exits_4_and_is_left_alone(cli, store: Path) -> None:
    store.write_text("{ not json")
    for args in (["find", *GENP], ["add", *GENP], ["init"], ["reset"], ["dump"]):
        result = cli(*args)
        assert result.exit_code == 4, (args, result.output)
        assert result.output.startswith(f"keychainsim: keychain store {store}")
        assert store.read_text() == "{ not json"
    assert cli("reset", "--force").exit_code == 0
    assert cli("find", *GENP, "--expect", "errSecItemNotFound").exit_code == 0


@pytest.mark.model
def test_usage_errors_exit_2(cli) -> None:
    assert cli("find", "--no-such-option").exit_code == 2
    assert cli("--platform", "android", "dump").exit_code == 2
    assert cli("keygen", "--type", "dsa").exit_code == 2


@pytest.mark.model
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["keygen", "--type", "dsa"], "--type must be ec or rsa, not 'dsa'"),
        (["keygen", "--bits", "100"], "--bits: an EC key is 192, 224, 256, 384, 521 bits, not 100"),
        (["keygen", "--type", "rsa", "--bits", "100"], "--bits: an RSA key is 512 to 8192 bits, not 100"),
        (["dump", "--format", "xml"], "--format must be"),
        (["csr", "--der"], "--der writes binary DER: give --out FILE"),
        (["enroll", "--url", "https://127.0.0.1:9/", "--key-type", "dsa"], "--key-type must be ec or rsa"),
        (["enroll", "--url", "https://127.0.0.1:9/", "--bits", "100"], "--bits: an EC key is"),
        (["demo-mtls", "--fault", "nope"], "--fault: unknown fault 'nope'"),
        (["demo-mtls", "--nginx", "maybe"], "--nginx must be auto, yes or no"),
        (["--lock-timeout", "-1", "dump"], "--lock-timeout"),
    ],
)
def test_bad_option_values_are_usage_errors_everywhere(cli, store: Path, args: list[str], message: str) -> None:
    """An option value outside its choices or range is a usage error (2) in every command, decided before
    any call: the store is untouched."""
    refused_before_any_call(cli, store, args, 2, message)


@pytest.mark.model
@pytest.mark.parametrize(
    "args",
    [
        ["add", *GENP, "-a", "kSecAttrLabel=new"],
        ["find", *GENP],
        ["update", *GENP, "--set", "kSecAttrLabel=changed"],
        ["delete", *GENP],
        ["import-cert", str(MATERIAL / "device-cert.pem")],
        ["identity"],
    ],
    ids=lambda a: a[0],
)
def test_unknown_expect_status_is_refused_before_the_call(cli, store: Path, args: list[str]) -> None:
    """--expect is read before any call: a misspelt status name exits 5 naming it, and the store (items
    and all) is exactly as it was."""
    refused_before_any_call(
        cli, store, [*args, "--expect", "errSecItemNotFond"], 5, "--expect: unknown status 'errSecItemNotFond'"
    )


@pytest.mark.model
def test_keygen_rsa_defaults_to_a_size_that_generates(cli) -> None:
    """`keygen --type rsa` used the EC default (256 bits) and failed with -50; RSA now defaults to 2048."""
    result = cli("keygen", "--type", "rsa", "--tag", "rsa-key", "--json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["error"] is None and body["stored"] is True
    found = json.loads(cli("find", "-a", "kSecClass=kSecClassKey", "-a", "kSecAttrApplicationTag=utf8:rsa-key",
                           "--json").output)
    assert found["result"]["bsiz"] == 2048 and found["result"]["type"] == 42


@pytest.mark.model
def test_macos_platform_and_access_groups_are_global_options(cli) -> None:
    group = "A1B2C3D4E5.com.example.other"
    added = cli("-g", group, "add", *GENP, "--json")
    assert added.exit_code == 0
    assert cli("find", *GENP, "--expect", "errSecItemNotFound").exit_code == 0
    assert cli("-g", group, "find", *GENP).exit_code == 0
    assert cli("--platform", "macos", "add", *GENP).exit_code == 0  # the file-based keychain: no collision


@pytest.mark.model
def test_import_p12_in_memory_then_added(cli) -> None:
    p12 = str(MATERIAL / "device-legacy.p12")
    first = cli("import-p12", p12, "-p", "keychainsim")
    assert first.exit_code == 0 and "nothing was stored" in first.output
    assert cli("identity", "--expect", "errSecItemNotFound").exit_code == 0
    assert cli("import-p12", p12, "-p", "keychainsim", "--add", "--label", "device").exit_code == 0
    assert cli("identity", "--label", "device").exit_code == 0
    wrong = cli("import-p12", p12, "-p", "nope", "--json")
    assert wrong.exit_code == 1 and json.loads(wrong.output)["status"]["code"] == -25293


@pytest.mark.model
def test_malformed_pkcs12_is_malformed_input(cli, store: Path) -> None:
    """The README's exit code 5 covers PKCS#12 data: a file SecPKCS12Import cannot decode (errSecDecode)
    exits 5 naming the file, while a readable file with a wrong passphrase stays an unexpected status (1)."""
    assert cli("add", *GENP).exit_code == 0
    before = store.read_bytes()
    for path in (MATERIAL / "garbage.pem", MATERIAL / "device-cert.pem"):
        result = cli("import-p12", str(path), "-p", "keychainsim")
        assert result.exit_code == 5, result.output
        assert f"{path}: is not a readable PKCS#12 file" in result.output and "errSecDecode" in result.output
    assert store.read_bytes() == before


@pytest.mark.model
def test_run_and_identity_show_a_success_with_a_public_key(cli) -> None:
    """The forum thread's top-level kSecAttrIsPermanent stores both halves; the identity lookup succeeds
    with the public key's identity. `run` and `identity` say so on the success, not only when asked."""
    scenario = str(SCENARIOS / "seed" / "s14-permanent-at-top-level.yaml")
    ran = cli("run", "--on-store", scenario)
    assert ran.exit_code == 0, ran.output
    assert "! [identity.key_is_public] identity(cert#3, key#1) pairs the certificate with a public key" in ran.output
    shown = cli("identity", "--label", "device-identity")
    assert shown.exit_code == 0
    assert "errSecSuccess" in shown.output
    assert "warning: the lookup succeeded, but the identity it returned is not usable" in shown.output
    assert "[identity.key_is_public]" in shown.output
    body = json.loads(cli("identity", "--label", "device-identity", "--json").output)
    assert [f["code"] for f in body["explanation"]["findings"]] == ["identity.key_is_public"]
    assert body["explanation"]["matches"] == ["identity(cert#3, key#1)"]


@pytest.mark.model
def test_identity_says_nothing_more_about_a_good_identity(cli) -> None:
    assert cli("run", "--on-store", str(SCENARIOS / "seed.yaml")).exit_code == 0
    shown = cli("identity", "--label", "device-identity", "--json")
    assert shown.exit_code == 0 and json.loads(shown.output)["explanation"] is None
    assert "warning" not in cli("identity", "--label", "device-identity").output


@pytest.mark.model
def test_a_lookup_that_finds_nothing_is_an_unexpected_status(cli) -> None:
    """csr's key lookup finding no key (or several) is the keychain's answer, not malformed input: exit 1."""
    result = cli("csr", "--tag", "no-such-key")
    assert result.exit_code == 1, result.output
    assert "no private key found (errSecItemNotFound (-25300)" in result.output
