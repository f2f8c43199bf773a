"""enroll(kc, url) against the reference registration server on 127.0.0.1: the round trip and each fault."""

from __future__ import annotations

import re

import pytest

from keychainsim import Keychain
from keychainsim.enroll import CODES, Template, enroll
from keychainsim.errors import InputError


@pytest.mark.model
def test_round_trip_forms_the_identity_and_every_step_is_traced(registration, pki, contacted):
    """Key, CSR, POST, decode, import, lookup: the identity pairs the certificate with the device key."""
    from keychainsim.probe import trace

    server = registration()
    kc = Keychain()
    with trace(kc) as t:
        result = enroll(kc, server.url, ca_pem=pki.root_pem)
    assert result.ok and result.exit_code == 0, str(result)
    assert result.codes == ["enroll.identity_formed"]
    assert result.identity.certificate.public_key_hash == result.private_key.application_label
    assert len(result.ca_certificates) == 2  # intermediate and root, as the server sent them
    calls = [s.call for s in t.steps]
    for call in ("SecKeyCreateRandomKey", "SecKeyCopyPublicKey", "SecKeyCopyExternalRepresentation",
                 "SecCertificateCreateWithData", "SecItemAdd", "SecItemCopyMatching"):
        assert call in calls, calls
    assert calls[0] == "SecKeyCreateRandomKey" and calls[-1] == "SecItemCopyMatching"
    assert contacted and all(host in ("127.0.0.1", "::1") for host, _ in contacted)


@pytest.mark.model
def test_an_identity_that_holds_the_public_key_is_not_a_success(registration, pki):
    """kSecAttrIsPermanent at the top level stores both halves, the public key first; the lookup succeeds with
    the identity formed on the public key, which cannot sign, so the enrollment must not report success."""
    from keychainsim.constants import (
        kSecAttrIsPermanent,
        kSecAttrKeySizeInBits,
        kSecAttrKeyType,
        kSecAttrKeyTypeECSECPrimeRandom,
    )

    params = {kSecAttrKeyType: kSecAttrKeyTypeECSECPrimeRandom, kSecAttrKeySizeInBits: 256, kSecAttrIsPermanent: True}
    result = enroll(Keychain(), registration().url, key_params=params, ca_pem=pki.root_pem)
    assert not result.ok and result.exit_code != 0
    assert result.codes == ["enroll.identity_key_is_public"]
    finding = result.findings[0]
    assert "identity.key_is_public" in [f.code for f in finding.explained]
    assert finding.evidence["pkhh"] == result.private_key.application_label.hex()


@pytest.mark.model
@pytest.mark.parametrize(("template", "content_type"), [
    ("pem", "application/x-pem-file"),
    ("der", "application/pkcs10"),
    ("json", "application/json"),
])
def test_templates_send_pem_der_or_json_and_read_pem_or_json(registration, pki, template, content_type):
    """The template decides the request body and content type; the answer is read in the format it comes in."""
    server = registration()
    result = enroll(Keychain(), server.url, template=template, ca_pem=pki.root_pem)
    assert result.ok, str(result)
    assert server.requests[-1].content_type == content_type


@pytest.mark.model
def test_template_from_a_yaml_file_with_custom_fields(registration, pki, tmp_path):
    """A template file names the JSON fields; unknown keys are refused, not ignored."""
    path = tmp_path / "server.yaml"
    path.write_text("request: json\nresponse: json\ncsr_field: csr\ncertificate_field: certificate\n"
                    "extra_fields: {device: d-1}\nheaders: {X-Request-Id: r-7}\n")
    result = enroll(Keychain(), registration().url, template=str(path), ca_pem=pki.root_pem)
    assert result.ok, str(result)
    with pytest.raises(InputError, match="unknown key"):
        Template.from_mapping({"request": "pem", "verify": False})
    with pytest.raises(InputError, match="Authorization"):
        Template(headers={"Authorization": "Bearer x"})


@pytest.mark.model
def test_bearer_token_comes_from_the_environment(registration, pki, monkeypatch):
    """token_env names the variable; unset fails before any request; a wrong token shows the server's 401."""
    server = registration(token="s3cret")
    monkeypatch.delenv("ENROLL_TOKEN", raising=False)
    missing = enroll(Keychain(), server.url, token_env="ENROLL_TOKEN", ca_pem=pki.root_pem)
    assert missing.codes == ["enroll.token_missing"] and server.requests == []
    monkeypatch.setenv("ENROLL_TOKEN", "wrong")
    refused = enroll(Keychain(), server.url, token_env="ENROLL_TOKEN", ca_pem=pki.root_pem)
    assert refused.codes == ["enroll.http_error"] and refused.http_status == 401
    assert "invalid or missing bearer token" in refused.findings[0].message
    monkeypatch.setenv("ENROLL_TOKEN", "s3cret")
    accepted = enroll(Keychain(), server.url, token_env="ENROLL_TOKEN", ca_pem=pki.root_pem)
    assert accepted.ok and server.requests[-1].authorization_scheme == "Bearer"


@pytest.mark.model
@pytest.mark.parametrize(("fault", "code"), [
    ("other_key", "enroll.certificate_for_other_key"),
    ("wrong_order", "enroll.chain_out_of_order"),
    ("pem_extra_text", "enroll.text_outside_pem"),
    ("no_client_auth", "enroll.no_client_auth"),
    ("expired", "enroll.certificate_expired"),
    ("no_intermediate", "enroll.missing_intermediate"),
    ("http_error", "enroll.http_error"),
    ("garbage", "enroll.unparsable_response"),
])
def test_each_server_fault_gives_its_finding_and_a_non_zero_result(registration, pki, fault, code):
    """One fault switch, one finding code, exit code 1."""
    result = enroll(Keychain(), registration(faults=[fault]).url, ca_pem=pki.root_pem)
    assert result.codes == [code], str(result)
    assert result.exit_code == 1 and not result.ok


@pytest.mark.model
def test_certificate_for_another_key_carries_explains_identity_finding(registration, pki):
    """The keychain decides the lookup, so the finding carries explain's identity.certificate_for_other_key;
    explain's own lookups are not steps of the traced flow."""
    from keychainsim.probe import trace

    kc = Keychain()
    with trace(kc) as t:
        result = enroll(kc, registration(faults=["other_key"]).url, ca_pem=pki.root_pem)
    assert t.steps[-1].call == "SecItemCopyMatching"
    finding = result.finding("enroll.certificate_for_other_key")
    assert [f.code for f in finding.explained] == ["identity.certificate_for_other_key"]
    assert finding.evidence["klbl"] == result.private_key.application_label.hex()


@pytest.mark.model
def test_http_error_shows_the_body_and_lenient_pem_accepts_surrounding_text(registration, pki):
    """An HTTP 500's body is in the message; strict_pem=False accepts text around the PEM blocks."""
    failed = enroll(Keychain(), registration(faults=["http_error"]).url, ca_pem=pki.root_pem)
    assert "HTTP 500" in failed.findings[0].message and "certificate authority unavailable" in failed.findings[0].message
    lenient = enroll(Keychain(), registration(faults=["pem_extra_text"]).url, template=Template(strict_pem=False),
                     ca_pem=pki.root_pem)
    assert lenient.ok, str(lenient)


@pytest.mark.model
@pytest.mark.parametrize("server_cert_fault", ["other_ca", "wrong_host", "expired", "no_server_auth"])
def test_registration_server_is_verified_against_the_ca_given(registration, pki, server_cert_fault):
    """A server certificate the CA file does not vouch for ends the flow before any HTTP request."""
    server = registration(server_cert_fault=server_cert_fault)
    result = enroll(Keychain(), server.url, ca_pem=pki.root_pem)
    assert result.codes == ["enroll.server_untrusted"] and server.requests == []


@pytest.mark.model
def test_ca_file_on_disk_verifies_the_server(registration, pki, tmp_path):
    """ca_file works as ca_pem does (the command line's --ca-file)."""
    path = tmp_path / "root.pem"
    path.write_bytes(pki.root_pem)
    assert enroll(Keychain(), registration().url, ca_file=str(path)).ok


@pytest.mark.model
def test_nothing_listening_is_a_connection_failure():
    """A refused connection is a finding, not an exception."""
    from keychainsim.servers.nginx import free_loopback_port

    result = enroll(Keychain(), f"https://127.0.0.1:{free_loopback_port()}/enroll", ca_pem=b"")
    assert result.codes == ["enroll.connection_failed"]


@pytest.mark.model
@pytest.mark.parametrize("url", [
    "https://192.0.2.10/enroll",        # TEST-NET-1: refused before any socket exists
    "https://[2001:db8::1]/enroll",
    "https://registration.invalid/enroll",  # resolved once (by the test resolver): no such name
    "http://127.0.0.1:1/enroll",        # plain HTTP is refused too
])
def test_only_loopback_https_targets_are_accepted(url, contacted):
    """check_url refuses the URL before any connection."""
    kc = Keychain()
    with pytest.raises(InputError):
        enroll(kc, url)
    assert contacted == [] and kc.all_items() == []


@pytest.mark.model
def test_the_loopback_guard_refuses_other_addresses():
    """The second line of defence: a raw connect to a non-loopback address raises before sending."""
    import socket

    from keychainsim.enroll.guard import loopback_only

    with loopback_only() as contacted, socket.socket() as sock, pytest.raises(PermissionError):
        sock.connect(("192.0.2.10", 443))
    assert contacted == []


@pytest.mark.model
def test_the_finding_table_in_the_docstring_matches_the_codes():
    """keychainsim.enroll's docstring documents exactly the codes CODES defines."""
    import keychainsim.enroll as package

    documented = re.findall(r"^``([a-z_]+\.[a-z_]+)``\s+(?:info|error)\s", package.__doc__, flags=re.M)
    assert documented == list(CODES)
