"""The SecPolicy and SecTrust ops of the engine protocol (docs/protocol.md), driven as JSON lines."""

from __future__ import annotations

import pytest

from .test_protocol import Client, s

DATE = {"date": "2025-06-01T12:00:00Z"}
LATER = {"date": "2027-01-01T00:00:00Z"}


def server_chain(client: Client, *names: str) -> list[dict]:
    """The session CA's server certificate for ``names`` and its chain, as certificate refs (leaf first)."""
    issued = client.ok("issue_server", dns_names=list(names))["result"]["dict"]
    return [client.ok("SecCertificateCreateWithData", data=der)["result"] for der in issued["chain"]["array"]]


@pytest.mark.apple_test
def test_server_trust_through_the_engine() -> None:
    """TrustInterfaceTests.m testEvaluateWithError, over the protocol: trusted with the root as anchor and the
    chain back leaf to root; the host name mismatch (-67602) and expiry (-67818) as CFErrors whose
    description names the leaf and whose underlying error lists the failures."""
    client = Client()
    leaf, intermediate, root = server_chain(client, "api.example.com")
    policy = client.ok("SecPolicyCreateSSL", server={"bool": True}, hostname=s("api.example.com"))["result"]
    assert policy["ref"]["kind"] == "policy"
    created = client.ok("SecTrustCreateWithCertificates", certificates={"array": [leaf, intermediate]}, policies=policy)
    assert created["status"] == 0 and created["result"]["ref"]["kind"] == "trust"
    trust = created["result"]
    assert client.ok("SecTrustSetVerifyDate", trust=trust, date=DATE) == {"status": 0}
    assert client.ok("SecTrustSetAnchorCertificates", trust=trust, anchors={"array": [root]}) == {"status": 0}
    assert client.ok("SecTrustEvaluateWithError", trust=trust) == {"result": {"bool": True}, "error": None}
    chain = client.ok("SecTrustCopyCertificateChain", trust=trust)["result"]["array"]
    ders = [client.ok("SecCertificateCopyData", certificate=c)["result"] for c in chain]
    expected = [client.ok("SecCertificateCopyData", certificate=c)["result"] for c in (leaf, intermediate, root)]
    assert ders == expected
    assert client.ok("SecTrustGetCertificateCount", trust=trust) == {"result": {"int": 3}}

    client.ok("SecTrustSetVerifyDate", trust=trust, date=LATER)
    failed = client.ok("SecTrustEvaluateWithError", trust=trust)
    assert failed["result"] == {"bool": False}
    assert failed["error"]["domain"] == "NSOSStatusErrorDomain" and failed["error"]["code"] == -67818
    assert failed["error"]["description"] == "“api.example.com” certificate is expired"

    other = client.ok("SecPolicyCreateSSL", server={"bool": True}, hostname=s("other.example"))["result"]
    mismatched = client.ok("SecTrustCreateWithCertificates", certificates=leaf, policies=other)["result"]
    client.ok("SecTrustSetVerifyDate", trust=mismatched, date=DATE)
    client.ok("SecTrustSetAnchorCertificates", trust=mismatched, anchors={"array": [root]})
    error = client.ok("SecTrustEvaluateWithError", trust=mismatched)["error"]
    assert error["code"] == -25318  # the leaf alone: its intermediate is nowhere, which outranks the name
    assert error["underlying"]["description"].startswith("Certificate 0 “api.example.com” has errors: SSL hostname")
    steps = [(step["call"], step["status"], step["result"]) for step in client.ok("trace")["steps"]]
    assert ("SecTrustCreateWithCertificates", 0, "<SecTrust>") in steps  # the trace shows the trust calls
    evaluations = [r for call, _, r in steps if call == "SecTrustEvaluateWithError"]
    assert evaluations[0] == "true" and len(evaluations) == 3
    assert evaluations[1].startswith("false; error CFError(NSOSStatusErrorDomain -67818: “api.example.com”")


@pytest.mark.apple_source
def test_the_apps_keychain_supplies_intermediates_and_another_app_cannot_use_them() -> None:
    """trustd's keychain certificate source: an intermediate the app stored with SecItemAdd completes the
    chain of a leaf evaluated alone; an app without access to that group gets errSecCreateChainFailed."""
    client = Client()
    leaf, intermediate, root = server_chain(client, "api.example.com")
    assert client.ok("SecItemAdd", attributes={"dict": {"v_Ref": intermediate}})["status"] == 0
    basic = client.ok("SecPolicyCreateBasicX509")["result"]
    for app, code in ((None, None), (["A1B2C3D4E5.com.example.other"], -25318)):
        extra = {} if app is None else {"app": app}
        trust = client.ok("SecTrustCreateWithCertificates", certificates=leaf, policies=basic, **extra)["result"]
        client.ok("SecTrustSetVerifyDate", trust=trust, date=DATE)
        client.ok("SecTrustSetAnchorCertificates", trust=trust, anchors={"array": [root]})
        error = client.ok("SecTrustEvaluateWithError", trust=trust)["error"]
        assert (None if error is None else error["code"]) == code


@pytest.mark.apple_source
def test_anchors_only_and_bad_arguments() -> None:
    """SecTrust.c: SecTrustSetAnchorCertificatesOnly returns errSecSuccess and changes which anchors count;
    SecTrustCreateWithCertificates with an empty array and SecTrustSetVerifyDate with a string are
    errSecParam. A wrong handle kind is a named protocol error."""
    client = Client()
    leaf, intermediate, root = server_chain(client, "api.example.com")
    trust = client.ok(
        "SecTrustCreateWithCertificates", certificates={"array": [leaf, intermediate]}, policies={"null": True}
    )["result"]
    client.ok("SecTrustSetVerifyDate", trust=trust, date=DATE)
    client.ok("SecTrustSetAnchorCertificates", trust=trust, anchors={"array": [root]})
    assert client.ok("SecTrustSetAnchorCertificatesOnly", trust=trust, only={"bool": False}) == {"status": 0}
    assert client.ok("SecTrustEvaluateWithError", trust=trust)["result"] == {"bool": True}
    assert client.ok("SecTrustCreateWithCertificates", certificates={"array": []}, policies={"null": True}) == {
        "status": -50,
        "result": {"null": True},
    }
    assert client.ok("SecTrustSetVerifyDate", trust=trust, date=s("2025-06-01")) == {"status": -50}
    refused = client.send("SecTrustEvaluateWithError", trust=leaf)["error"]
    assert refused["code"] == "bad_argument" and "trust: expected a SecTrust, got SecCertificate" in refused["message"]
    wrong_kind = client.send("SecTrustEvaluateWithError", trust={"ref": leaf["ref"] | {"kind": "trust"}})["error"]
    assert wrong_kind["code"] == "bad_value" and "is a certificate, not a trust" in wrong_kind["message"]
    refused = client.send("SecPolicyCreateSSL", server={"int": 1}, hostname={"null": True})["error"]
    assert refused["code"] == "bad_argument" and "server is a bool" in refused["message"]
    refused = client.send("issue_server", dns_names="api.example.com")["error"]
    assert refused["code"] == "bad_argument" and "dns_names must be a list" in refused["message"]
