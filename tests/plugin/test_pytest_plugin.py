"""The pytest plugin, exercised in pytester sandboxes the way a team's test suite would use it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.model
def test_marker_is_registered_and_configures_the_fixture(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        def test_default(keychainsim):
            assert keychainsim.platform == "ios"
            assert keychainsim.access_groups == ["A1B2C3D4E5.com.example.app"]

        @pytest.mark.keychainsim(platform="macos", access_groups=["T.one", "T.two"], lock="locked")
        def test_configured(keychainsim):
            assert keychainsim.platform == "macos"
            assert keychainsim.access_groups == ["T.one", "T.two"]
            assert keychainsim.is_locked
        """
    )
    result = pytester.runpytest_subprocess("--strict-markers", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
    markers = pytester.runpytest_subprocess("--markers")
    markers.stdout.fnmatch_lines(["*@pytest.mark.keychainsim(platform='ios'*"])


@pytest.mark.model
def test_enrollment_regression_test_in_a_few_lines(pytester: pytest.Pytester) -> None:
    """"For this CSR my server issued this certificate; importing it must form the identity."""
    pytester.makepyfile(
        """
        from keychainsim.crypto.ca import Fault, TestCA
        from keychainsim.crypto.pem import pem_to_der

        def my_server(csr_pem, faults=()):
            return TestCA().issue(pem_to_der(csr_pem, "CERTIFICATE REQUEST"), faults).pem

        def test_server_certificate_forms_the_identity(keychainsim_enrollment):
            csr = keychainsim_enrollment.generate(tag=b"com.example.mtls")
            keychainsim_enrollment.install(my_server(csr), label="mtls")
            keychainsim_enrollment.assert_identity(label="mtls")

        def test_server_that_ignores_the_csr_key(keychainsim_enrollment):
            csr = keychainsim_enrollment.generate(tag=b"com.example.mtls")
            keychainsim_enrollment.install(my_server(csr, [Fault.OTHER_KEY]), label="mtls")
            keychainsim_enrollment.assert_identity(label="mtls")
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines([
        "*the identity lookup returned errSecItemNotFound (-25300)*",
        "*explanation:*",
        "*[[]identity.certificate_for_other_key[]]*",
        "*keychain dump:*",
    ])


@pytest.mark.model
def test_scenario_helper_passes_and_fails_with_steps_dump_and_explanation(pytester: pytest.Pytester) -> None:
    shutil.copy(REPO / "fixtures" / "scenarios" / "seed.yaml", pytester.path / "seed.yaml")
    broken = (REPO / "fixtures" / "scenarios" / "seed" / "s1-key-not-permanent.yaml").read_text()
    # Expect success where the device gives -25300: the failure report must show why.
    (pytester.path / "wrong.yaml").write_text(
        broken.replace("{status: errSecItemNotFound, findings: [identity.no_private_key, trace.key_not_stored]}",
                       "{status: errSecSuccess}")
    )
    pytester.makepyfile(
        """
        def test_seed(keychainsim_scenario):
            result = keychainsim_scenario("seed.yaml")
            assert result.passed

        def test_wrong(keychainsim_scenario):
            keychainsim_scenario("wrong.yaml")
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines([
        "*scenario wrong.yaml failed*",
        "*FAIL  6. look the identity up by label*",
        "*expected errSecSuccess (0), got errSecItemNotFound (-25300)*",
        "*[[]identity.no_private_key[]]*",
        "*keychain dump at the end:*",
    ])


@pytest.mark.model
def test_recorded_material_pairs(keychainsim) -> None:
    """The committed device key, CSR and certificate belong together (fixtures/make_material.py)."""
    from keychainsim.crypto import SecKeyCreateWithData
    from keychainsim.pytest_plugin import Enrollment

    material = REPO / "fixtures" / "material"
    key, error = SecKeyCreateWithData((material / "device-key.x963").read_bytes(), {"type": "73", "kcls": "1"})
    assert key is not None, error
    status, _ = keychainsim.SecItemAdd({"class": "keys", "v_Ref": key, "atag": b"recorded"})
    assert status == 0
    enrollment = Enrollment(keychainsim)
    assert enrollment.install((material / "device-cert.pem").read_text(), label="recorded") == 0
    identity = enrollment.assert_identity(label="recorded")
    assert identity.private_key.application_label == key.application_label


@pytest.mark.model
def test_plugin_import_is_cheap() -> None:
    import subprocess
    import sys

    code = "import sys, keychainsim.pytest_plugin; print([m for m in ('cryptography', 'rich', 'keychainsim.engine') if m in sys.modules])"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "[]"


def _failure_text(check) -> str:
    """The text a failed plugin assertion shows (pytest.fail raises its outcome exception)."""
    with pytest.raises(pytest.fail.Exception) as failed:
        check()
    return str(failed.value)


@pytest.mark.model
def test_failure_report_does_not_claim_a_stored_key_was_not_stored(keychainsim) -> None:
    """generate() stores the key (kSecAttrIsPermanent true in kSecPrivateKeyAttrs); when the server certifies
    another key, the report names that cause and never trace.key_not_stored. A key that really was not
    permanent still gets trace.key_not_stored from the same history."""
    from keychainsim.crypto.ca import Fault, TestCA
    from keychainsim.crypto.pem import pem_to_der
    from keychainsim.pytest_plugin import Enrollment, make_keychain

    def server(csr: str, faults=()):
        return TestCA().issue(pem_to_der(csr, "CERTIFICATE REQUEST"), list(faults)).pem

    stored = Enrollment(keychainsim)
    stored.install(server(stored.generate(tag=b"com.example.mtls"), [Fault.OTHER_KEY]), label="mtls")
    assert keychainsim.SecItemCopyMatching({"class": "keys", "atag": b"com.example.mtls"})[0] == 0
    text = _failure_text(lambda: stored.assert_identity(label="mtls"))
    assert "[identity.certificate_for_other_key]" in text
    assert "trace.key_not_stored" not in text

    ephemeral = Enrollment(make_keychain())
    ephemeral.install(server(ephemeral.generate(tag=b"com.example.mtls", perm=False)), label="mtls")
    text = _failure_text(lambda: ephemeral.assert_identity(label="mtls"))
    assert "[trace.key_not_stored] SecKeyCreateRandomKey made the private key" in text
    assert "kSecAttrIsPermanent was False" in text


@pytest.mark.apple_source
def test_assert_identity_fails_on_an_identity_with_the_public_key(keychainsim) -> None:
    """SecKey.m merge_params: the forum thread's top-level kSecAttrIsPermanent stores both halves; SecItemDb.c
    joins on priv, so the kSecMatchLimitOne lookup returns errSecSuccess with the public key's identity.
    assert_identity fails on that success, naming identity.key_is_public."""
    from keychainsim.crypto.ca import TestCA
    from keychainsim.crypto.csr import create_csr
    from keychainsim.pytest_plugin import Enrollment

    key, error = keychainsim.SecKeyCreateRandomKey(
        {"type": "73", "bsiz": 256, "perm": True, "atag": b"com.example.mtls"}
    )
    assert error is None
    enrollment = Enrollment(keychainsim)
    enrollment.install(TestCA().issue(create_csr(key, {"CN": "device"})).pem, label="mtls")
    status, identity = keychainsim.SecItemCopyMatching(
        {"class": "idnt", "labl": "mtls", "r_Ref": True, "m_Limit": "m_LimitOne"}
    )
    assert status == 0 and not identity.private_key.is_private
    text = _failure_text(lambda: enrollment.assert_identity(label="mtls"))
    assert "the identity lookup succeeded, but the identity it returned is not usable: identity.key_is_public" in text
    assert "[identity.key_is_public] identity(cert#3, key#1) pairs the certificate with a public key" in text
