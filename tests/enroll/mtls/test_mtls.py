"""mtls_check against nginx (ssl_verify_client on) and the stdlib endpoint: accepted, rejected, untrusted."""

from __future__ import annotations

import os
import stat
import tempfile

import pytest

from keychainsim import Keychain
from keychainsim.enroll import enroll, mtls_check
from keychainsim.servers import MTLSServer, NginxServer, ReferencePKI


@pytest.mark.model
def test_round_trip_enroll_identity_handshake_accepted_by_nginx(enrolled, nginx, contacted):
    """The whole flow: enroll, the identity the keychain forms, and nginx accepting it in a real handshake."""
    result = enrolled()
    assert result.ok, str(result)
    checked = mtls_check(result.identity, nginx.url, ca_certificates=result.ca_certificates)
    assert checked.codes == ["mtls.accepted"], str(checked)
    assert checked.accepted and checked.http_status == 200 and checked.exit_code == 0
    assert b"CN=device-1" in checked.body  # nginx saw the enrolled certificate's subject
    assert contacted and all(host == "127.0.0.1" for host, _ in contacted)


@pytest.mark.model
def test_round_trip_against_the_python_endpoint(enrolled, pki):
    """Where nginx is absent, the stdlib endpoint plays its part (the demo relies on it)."""
    result = enrolled()
    with MTLSServer(pki) as server:
        checked = mtls_check(result.identity, server.url, ca_certificates=result.ca_certificates)
    assert checked.codes == ["mtls.accepted"], str(checked)


@pytest.mark.model
@pytest.mark.parametrize(("fault", "cause", "verify"), [
    ("no_intermediate", "missing_intermediate", "unable to verify the first certificate"),
    ("no_client_auth", "no_client_auth", "unsuitable certificate purpose"),
    ("expired", "expired", "certificate has expired"),
])
def test_nginx_rejects_a_bad_client_certificate_with_400(enrolled, nginx, fault, cause, verify):
    """nginx completes the handshake and answers 400 "The SSL certificate error"; the cause is named."""
    result = enrolled(faults=[fault])
    assert result.identity is not None and result.exit_code == 1  # the keychain forms it; enrollment flags it
    checked = mtls_check(result.identity, nginx.url, ca_certificates=result.ca_certificates)
    assert checked.codes == ["mtls.client_certificate_rejected"], str(checked)
    finding = checked.findings[0]
    assert checked.http_status == 400 and b"The SSL certificate error" in checked.body
    assert finding.evidence["cause"] == cause and verify in finding.evidence["client_verify"]
    assert checked.exit_code == 1


@pytest.mark.model
def test_nginx_rejects_a_client_certificate_from_an_unknown_ca(registration, nginx, pki):
    """A client enrolled with another CA: nginx (trusting only the reference root) refuses it."""
    other = ReferencePKI("keychainsim Other CA")
    server = registration(pki=other)
    result = enroll(Keychain(), server.url, ca_pem=other.root_pem)
    # The app trusts the nginx server's root too, so only the client side can fail.
    checked = mtls_check(result.identity, nginx.url, ca_certificates=[*result.ca_certificates, pki.ca.root_der])
    assert checked.codes == ["mtls.client_certificate_rejected"], str(checked)
    assert checked.findings[0].evidence["cause"] == "unknown_ca"


@pytest.mark.model
@pytest.mark.parametrize(("fault", "alert", "cause"), [
    ("no_intermediate", "TLSV1_ALERT_UNKNOWN_CA", "missing_intermediate"),
    ("no_client_auth", "SSLV3_ALERT_UNSUPPORTED_CERTIFICATE", "no_client_auth"),
    ("expired", "SSLV3_ALERT_CERTIFICATE_EXPIRED", "expired"),
])
def test_python_endpoint_rejects_with_a_tls_alert(enrolled, pki, fault, alert, cause):
    """A server that refuses during the handshake sends an alert; the same finding, the alert as evidence."""
    result = enrolled(faults=[fault])
    with MTLSServer(pki) as server:
        checked = mtls_check(result.identity, server.url, ca_certificates=result.ca_certificates)
    assert checked.codes == ["mtls.client_certificate_rejected"], str(checked)
    assert checked.findings[0].evidence == {"alert": alert, "cause": cause}


@pytest.mark.model
@pytest.mark.parametrize(("server_cert_fault", "reason"), [
    ("other_ca", "unable to get local issuer certificate"),
    ("expired", "certificate has expired"),
    ("wrong_host", "IP address mismatch"),
    ("no_server_auth", "unsuitable certificate purpose"),
])
def test_the_app_would_not_trust_a_bad_server(enrolled, pki, server_cert_fault, reason):
    """Chain, validity, host name and serverAuth usage are judged against the CAs the app received."""
    result = enrolled()
    with MTLSServer(pki, server_cert_fault=server_cert_fault) as server:
        checked = mtls_check(result.identity, server.url, ca_certificates=result.ca_certificates)
    assert checked.codes == ["mtls.server_untrusted"], str(checked)
    assert reason in checked.findings[0].evidence["reason"]


@pytest.mark.model
def test_nginx_is_judged_by_host_name_too(enrolled, nginx):
    """The server name to verify can differ from the address connected to (SNI + host check)."""
    result = enrolled()
    by_name = mtls_check(result.identity, nginx.url, ca_certificates=result.ca_certificates, server_name="localhost")
    assert by_name.codes == ["mtls.accepted"]
    wrong = mtls_check(result.identity, nginx.url, ca_certificates=result.ca_certificates, server_name="other.test")
    assert wrong.codes == ["mtls.server_untrusted"] and "mismatch" in wrong.findings[0].message


@pytest.mark.model
def test_no_key_material_is_left_on_disk(enrolled, pki, monkeypatch, tmp_path):
    """nginx's key goes once loaded, its prefix on stop; the client's key never lands in the temp dir."""
    from keychainsim.enroll import secrets
    from keychainsim.servers.nginx import find_nginx

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    result = enrolled()
    with MTLSServer(pki) as server:
        assert mtls_check(result.identity, server.url, ca_certificates=result.ca_certificates).accepted
    # The portable fallback: 0600 files in a 0700 directory, gone afterwards.
    monkeypatch.setattr(secrets, "_memfd_available", lambda: False)
    with secrets.credential_files(b"chain", b"key") as (_certfile, keyfile):
        assert stat.S_IMODE(os.stat(keyfile).st_mode) == 0o600
        assert stat.S_IMODE(os.stat(os.path.dirname(keyfile)).st_mode) == 0o700
    assert not os.path.exists(keyfile)
    with MTLSServer(pki) as server:
        assert mtls_check(result.identity, server.url, ca_certificates=result.ca_certificates).accepted
    if find_nginx() is not None:
        with NginxServer(pki) as server:
            assert server.prefix is not None and not (server.prefix / "server-key.pem").exists()
            assert mtls_check(result.identity, server.url, ca_certificates=result.ca_certificates).accepted
    assert list(tmp_path.iterdir()) == []


@pytest.mark.model
def test_only_loopback_targets(enrolled, contacted):
    """mtls_check refuses a non-loopback URL before connecting; everything contacted was loopback."""
    from keychainsim.errors import InputError

    result = enrolled()
    with pytest.raises(InputError, match="not a loopback address"):
        mtls_check(result.identity, "https://198.51.100.7/", ca_certificates=result.ca_certificates)
    assert contacted and {host for host, _ in contacted} == {"127.0.0.1"}
