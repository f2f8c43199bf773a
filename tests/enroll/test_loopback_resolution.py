"""Loopback means loopback: a host name is resolved once (here by a stub resolver inside the test process),
every address it resolves to must be loopback, and the connection goes to the checked address while TLS
still verifies the server for the name. ``localhost`` is not trusted by name.

Every test runs under the loopback guard (``tests/enroll/conftest.py``): a connection to anything but
127.0.0.1 / ::1 raises instead of leaving the machine, and ``contacted`` lists what was reached.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from keychainsim import Keychain
from keychainsim.enroll import enroll, mtls_check
from keychainsim.enroll.network import check_url
from keychainsim.errors import InputError

TEST_NET = "192.0.2.10"
"""TEST-NET-1 (RFC 5737): never routed; a test that reached it would fail under the guard anyway."""


def by_name(url: str, name: str) -> str:
    """``url`` with its host replaced by ``name`` (same port and path)."""
    parts = urlsplit(url)
    return parts._replace(netloc=f"{name}:{parts.port}").geturl()


class CountingResolver:
    """A stub resolver that answers from a script, one answer per lookup, and counts the lookups."""

    def __init__(self, *answers: list[str]) -> None:
        self.answers = list(answers)
        self.lookups: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.lookups.append(host)
        return self.answers[min(len(self.lookups), len(self.answers)) - 1]


@pytest.fixture
def resolver(monkeypatch):
    from keychainsim.enroll import network

    def install(*answers: list[str]) -> CountingResolver:
        stub = CountingResolver(*answers)
        monkeypatch.setattr(network, "resolve", stub)
        return stub

    return install


@pytest.mark.model
def test_a_name_resolved_to_loopback_is_connected_at_the_checked_address(registration, pki, resolver, contacted):
    """The server's certificate names localhost: the handshake verifies the name, the socket goes to 127.0.0.1."""
    server = registration()
    stub = resolver(["127.0.0.1"])
    result = enroll(Keychain(), by_name(server.url, "localhost"), ca_pem=pki.root_pem)
    assert result.ok, str(result)
    assert stub.lookups == ["localhost"]
    assert contacted and {host for host, _ in contacted} == {"127.0.0.1"}


@pytest.mark.model
def test_the_certificate_is_checked_against_the_name_not_the_address(registration, pki, resolver, contacted):
    """registration.test resolves to 127.0.0.1, which the server's certificate covers; the name does not, so
    the app would refuse the server: pinning the address must not weaken the host name check."""
    server = registration()
    resolver(["127.0.0.1"])
    result = enroll(Keychain(), by_name(server.url, "registration.test"), ca_pem=pki.root_pem)
    assert result.codes == ["enroll.server_untrusted"], str(result)
    assert "registration.test" in str(result.findings[0].evidence["reason"])
    assert {host for host, _ in contacted} == {"127.0.0.1"}


@pytest.mark.model
def test_no_second_lookup_can_move_the_connection(registration, pki, resolver, contacted):
    """A resolver whose second answer points away (DNS rebinding) is asked once; the connection goes where the
    first, checked answer said."""
    server = registration()
    stub = resolver(["127.0.0.1"], [TEST_NET])
    result = enroll(Keychain(), by_name(server.url, "localhost"), ca_pem=pki.root_pem)
    assert result.ok, str(result)
    assert stub.lookups == ["localhost"]
    assert TEST_NET not in {host for host, _ in contacted}


@pytest.mark.model
@pytest.mark.parametrize("answer", [[TEST_NET], ["127.0.0.1", TEST_NET], ["::1", "2001:db8::1"]])
def test_every_address_must_be_loopback_and_localhost_is_not_trusted_by_name(resolver, contacted, answer):
    stub = resolver(answer)
    kc = Keychain()
    with pytest.raises(InputError, match="not loopback") as caught:
        enroll(kc, "https://localhost:8443/enroll")
    assert answer[-1] in str(caught.value)
    assert stub.lookups == ["localhost"] and contacted == [] and kc.all_items() == []


@pytest.mark.model
def test_mtls_check_resolves_once_and_connects_to_the_checked_address(registration, pki, resolver, contacted):
    from keychainsim.servers import MTLSServer

    result = enroll(Keychain(), registration().url, ca_pem=pki.root_pem)
    with MTLSServer(pki) as server:
        stub = resolver(["127.0.0.1"], [TEST_NET])
        checked = mtls_check(result.identity, by_name(server.url, "localhost"), ca_certificates=result.ca_certificates)
        assert checked.codes == ["mtls.accepted"], str(checked)
        assert stub.lookups == ["localhost"]
        resolver([TEST_NET])
        with pytest.raises(InputError, match="not loopback"):
            mtls_check(result.identity, by_name(server.url, "localhost"), ca_certificates=result.ca_certificates)
    assert TEST_NET not in {host for host, _ in contacted}


@pytest.mark.model
def test_the_next_checked_address_is_tried_when_one_refuses(registration, pki, resolver, contacted):
    """localhost answering ::1 first while the server listens on 127.0.0.1 only: the second checked address is
    used, still without a second lookup."""
    server = registration()
    stub = resolver(["::1", "127.0.0.1"])
    result = enroll(Keychain(), by_name(server.url, "localhost"), ca_pem=pki.root_pem)
    assert result.ok, str(result)
    assert stub.lookups == ["localhost"]
    assert {host for host, _ in contacted} <= {"::1", "127.0.0.1"}


@pytest.mark.model
def test_allow_remote_still_pins_what_was_resolved(resolver):
    """With --allow-remote the rule is lifted, not the pinning: the target carries the resolved address."""
    resolver([TEST_NET])
    target = check_url("https://enroll.example.com/enroll", allow_remote=True)
    assert target.addresses == (TEST_NET,) and not target.loopback and target.host == "enroll.example.com"
    with pytest.raises(InputError, match="not loopback"):
        check_url("https://enroll.example.com/enroll")


@pytest.mark.model
def test_a_name_that_does_not_resolve_is_malformed_input(contacted):
    """The test resolver knows only localhost: any other name fails to resolve, with the name in the message."""
    with pytest.raises(InputError, match=r"registration\.invalid does not resolve"):
        enroll(Keychain(), "https://registration.invalid/enroll")
    assert contacted == []


@pytest.mark.model
def test_the_command_line_refuses_a_name_that_resolves_away(resolver, tmp_path, monkeypatch):
    """`keychainsim enroll` and `mtls-check`: exit 5, one line, nothing contacted."""
    from typer.testing import CliRunner

    from keychainsim.cli import app

    monkeypatch.setenv("KEYCHAINSIM_STORE", str(tmp_path / "store.json"))
    resolver([TEST_NET])
    runner = CliRunner()
    for args in (
        ["enroll", "--url", "https://localhost:8443/enroll"],
        ["mtls-check", "https://localhost:8443/", "--identity", "x"],
    ):
        result = runner.invoke(app, args, catch_exceptions=False)
        assert result.exit_code == 5, (args, result.output)
        assert f"{TEST_NET} is not loopback" in result.output and "Traceback" not in result.output
