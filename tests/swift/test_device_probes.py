"""The device probes end to end: compiled against KeychainSim, run on a simulated device, read back here.

``swift test --filter DeviceProbeTests`` runs probes/device/KeychainRecorder.swift around the forum thread's
code and probes/device/KeychainDump.swift after it (swift/Tests/DeviceProbeTests), writing their files into
``KEYCHAINSIM_PROBE_OUTPUT``; then the keychainsim command line, as a separate process, replays each
recording and explains each dump, as a developer does with the files brought back from a phone.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.swift.test_swift_package import built, run_swift  # noqa: F401 (built: the fixture)

KEYCHAINSIM = str(Path(sys.executable).parent / "keychainsim")
VARIANTS = (
    "as_posted",
    "private_key_attrs",
    "key_not_permanent",
    "permanent_as_number",
    "certificate_for_other_key",
    "pem_not_der",
    "label_on_key",
    "synchronizable_key",
    "tag_on_certificate",
    "locked",
)


@pytest.fixture(scope="module")
def probe_files(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:  # noqa: F811
    output = tmp_path_factory.mktemp("probes")
    with pytest.MonkeyPatch.context() as patch:  # run_swift passes the environment on to swift test
        patch.setenv("KEYCHAINSIM_PROBE_OUTPUT", str(output))
        swift = run_swift("test", "--skip-build", "--filter", "DeviceProbeTests")
    assert swift.returncode == 0, f"swift test failed:\n{swift.stdout[-8000:]}\n{swift.stderr[-4000:]}"
    return output


def keychainsim(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([KEYCHAINSIM, *args], capture_output=True, text=True, timeout=300)


@pytest.mark.slow
@pytest.mark.model
@pytest.mark.parametrize("variant", VARIANTS)
def test_a_recording_of_the_thread_replays_without_divergence(probe_files: Path, variant: str) -> None:
    done = keychainsim("replay", str(probe_files / f"recording-{variant}.jsonl"), "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["agrees"] and report["counts"]["divergence"] == 0
    calls = report["calls"]
    assert calls[0]["call"] == "SecKeyCreateRandomKey"
    if variant == "locked":
        # The lock is device state a recording does not carry: named as the cause, not blamed on the model.
        (unreproducible,) = [c for c in calls if c["verdict"] != "same"]
        assert unreproducible["device"].startswith("errSecInteractionNotAllowed (-25308)")
        assert "lock state" in unreproducible["causes"][0]
        assert keychainsim("replay", str(probe_files / f"recording-{variant}.jsonl"), "--strict").returncode == 1
    else:
        assert report["counts"]["same"] == len(calls)
    if variant in ("private_key_attrs", "as_posted"):
        # The server's certificate certifies the device's key: the model replays it as a twin over its own.
        assert len(report["twins"]) == 1
        lookup = [c for c in calls if c["call"] == "SecItemCopyMatching"][-1]
        assert lookup["model"] == "errSecSuccess (0), an identity"


@pytest.mark.slow
@pytest.mark.model
def test_the_device_dump_loads_and_explains_from_the_command_line(probe_files: Path) -> None:
    formed = probe_files / "dump-private_key_attrs.json"
    checked = keychainsim("explain", "--dump", str(formed))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "identity lookup errSecSuccess (0)" in checked.stdout
    assert "the model agrees with the device: 1 identity" in checked.stdout
    document = json.loads(keychainsim("dump", "--from", str(formed), "--json").stdout)
    assert document["default_access_group"] == "A1B2C3D4E5.com.example.app"
    assert document["access_groups"][0] == "A1B2C3D4E5.com.example.app"  # moved first: the device measured it
    assert document["identity_check"]["agrees"] is True

    broken = probe_files / "dump-certificate_for_other_key.json"
    query = '[kSecClass as String: kSecClassIdentity, kSecAttrLabel as String: "com.example.client-identity"]'
    explained = keychainsim("explain", "--dump", str(broken), "-a", query, "--json")
    assert explained.returncode == 0, explained.stderr
    report = json.loads(explained.stdout)
    assert report["status"]["code"] == -25300
    assert "identity.certificate_for_other_key" in {f["code"] for f in report["findings"]}
    limited = json.loads(keychainsim("dump", "--from", str(broken), "--json").stdout)
    assert limited["classes"] == ["cert", "keys"] and limited["identity_check"]["agrees"] is True


@pytest.mark.slow
@pytest.mark.apple_docs
@pytest.mark.parametrize("platform", ["ios", "macos"])
def test_a_recorded_secure_enclave_enrollment_replays_without_divergence(probe_files: Path, platform: str) -> None:
    """Apple's documented Secure Enclave key ("Protecting keys with the Secure Enclave": kSecAttrTokenID
    kSecAttrTokenIDSecureEnclave, .privateKeyUsage), found by tag, signing, its certificate added and the
    identity looked up with a nil result pointer (swift/Tests/DeviceProbeTests), recorded by
    KeychainRecorder.swift and replayed by the command line: the model makes its own enclave key, re-makes the
    certificate over it, and every call gives the device's outcome; the nil-result lookup is held to its status."""
    recording = probe_files / f"recording-secure_enclave-{platform}.jsonl"
    done = keychainsim("replay", str(recording), "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["agrees"] and report["counts"]["same"] == len(report["calls"]) == 9
    assert len(report["twins"]) == 1
    header = json.loads(recording.read_text().splitlines()[0])
    assert header["platform"] == platform  # the simulated device's platform, not the compiler's
    lookup = report["calls"][-1]
    assert lookup["call"] == "SecItemCopyMatching" and lookup["device"] == "errSecSuccess (0), nothing"
    assert lookup["model"].startswith("errSecSuccess (0)")


@pytest.mark.slow
@pytest.mark.apple_source
def test_recorded_key_operations_replay_without_divergence(probe_files: Path) -> None:
    """SecKeyGetBlockSize, RSA OAEP encryption and decryption (SecKeyAdaptors.m) and ECDH with the X9.63 KDF
    (SecKeyECDHCopyX963Result), recorded by KeychainRecorder.swift in Swift code and replayed by the command
    line on the model's own new keys: every call gives the device's outcome, the decrypt using the model's
    ciphertext in place of the device's."""
    done = keychainsim("replay", str(probe_files / "recording-key_operations.jsonl"), "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["agrees"] and report["counts"]["same"] == len(report["calls"])
    verdicts = {call["call"]: call["verdict"] for call in report["calls"]}
    for name in (
        "SecKeyGetBlockSize",
        "SecKeyCreateEncryptedData",
        "SecKeyCreateDecryptedData",
        "SecKeyCopyKeyExchangeResult",
    ):
        assert verdicts[name] == "same"
    exchanges = [call for call in report["calls"] if call["call"] == "SecKeyCopyKeyExchangeResult"]
    assert len(exchanges) == 2 and all(call["model"] == "data" for call in exchanges)


@pytest.mark.slow
@pytest.mark.apple_source
def test_a_mac_dump_of_the_file_based_keychain_loads_as_macos(probe_files: Path) -> None:
    """On a Mac the thread's adds (no kSecUseDataProtectionKeychain) go to the file-based keychain
    (OSX/libsecurity_keychain/lib/SecItem.cpp SecItemCategorizeQuery); KeychainDump.swift with
    includeFileBasedKeychain reads it, and keychainsim loads the dump as a macOS device whose items are all
    file-based, where the identity of the client certificate forms."""
    dump = probe_files / "dump-macos.json"
    document = json.loads(keychainsim("dump", "--from", str(dump), "--json").stdout)
    assert document["platform"] == "macos"
    assert {item["keychain"] for item in document["items"]} == {"file"} and len(document["items"]) == 4
    checked = keychainsim("explain", "--dump", str(dump))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "label 'com.example.client-identity': identity lookup errSecSuccess (0)" in checked.stdout
    # The device's own join in each keychain, held against the model's: none in the data protection
    # keychain, the client's identity in the file-based one (the model forms it there too).
    assert "the model agrees with the device: 0 identities" in checked.stdout
    assert "the model agrees with the device in the file-based keychain: 1 identity" in checked.stdout
    assert document["identity_check"]["agrees"] and document["file_identity_check"]["agrees"]
    assert [(i["certificate"], i["key"]) for i in document["file_identities"]["identities"]] == [
        (i["certificate"], i["key"]) for i in document["file_identity_check"]["model"]["identities"]
    ]
