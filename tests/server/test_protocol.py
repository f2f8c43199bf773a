"""The engine protocol (docs/protocol.md): handshake, typed values, refs as handles, structured errors.

Most tests drive :class:`keychainsim.server.session.Session` directly, line by line through the same
function the stdio loop uses; one test runs ``keychainsim serve --stdio`` as a real subprocess.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from keychainsim.server.session import Session
from keychainsim.server.stdio import reply_for

APP = "A1B2C3D4E5.com.example.app"
SHARED = "A1B2C3D4E5.com.example.shared"


def s(text: str) -> dict[str, Any]:
    return {"string": text}


def d(raw: bytes) -> dict[str, Any]:
    return {"data": base64.b64encode(raw).decode()}


def dic(**entries: Any) -> dict[str, Any]:
    return {"dict": entries}


class Client:
    """Sends requests to a Session as JSON lines, as a real client does."""

    def __init__(self, session: Session | None = None, greet: bool = True) -> None:
        self.session = session or Session()
        self.next_id = 0
        if greet:
            assert "ok" in self.send("hello", protocol=1)

    def raw(self, request: Any) -> dict[str, Any]:
        line = json.dumps(request).encode()
        reply = reply_for(self.session, line)
        json.dumps(reply)  # every reply is JSON-serialisable as it stands
        return reply

    def send(self, op: str, app: list[str] | None = None, release: list[int] | None = None, **args: Any) -> dict:
        self.next_id += 1
        request: dict[str, Any] = {"id": self.next_id, "op": op, "args": args}
        if app is not None:
            request["app"] = {"access_groups": app}
        if release is not None:
            request["release"] = release
        reply = self.raw(request)
        assert reply["id"] == self.next_id
        return reply

    def ok(self, op: str, **kwargs: Any) -> dict[str, Any]:
        reply = self.send(op, **kwargs)
        assert "ok" in reply, reply
        return reply["ok"]


def key_parameters(permanent: dict[str, Any] | None) -> dict[str, Any]:
    private = {"atag": d(b"com.example.key")}
    if permanent is not None:
        private["perm"] = permanent
    return dic(type=s("73"), bsiz={"int": 256}, private=dic(**private))


@pytest.mark.model
def test_hello_reports_version_and_ops_and_other_requests_wait_for_it() -> None:
    client = Client(greet=False)
    early = client.send("SecItemDelete", query=dic(**{"class": s("genp")}))
    assert early["error"]["code"] == "handshake_required"
    refused = client.send("hello", protocol=2)
    assert refused["error"]["code"] == "unsupported_protocol"
    assert refused["error"]["supported"] == [1]
    hello = client.ok("hello", protocol=1, client="test")
    assert hello["protocol"] == 1 and hello["engine"] == "keychainsim"
    assert {"SecItemAdd", "SecItemCopyMatching", "explain", "dump", "reset", "trace"} <= set(hello["ops"])


@pytest.mark.model
def test_values_keep_their_types_through_the_engine() -> None:
    client = Client()
    attributes = dic(
        **{"class": s("genp")},
        svce=s("api"),
        acct=d(b"alice"),
        v_Data=d(b"\x00secret\xff"),
        gena=d(b"\x01\x02"),
        icmt=s("comment \u00e9"),
    )
    assert client.ok("SecItemAdd", attributes=attributes)["status"] == 0
    query = dic(**{"class": s("genp")}, svce=s("api"), r_Attributes={"bool": True}, r_Data={"bool": True})
    found = client.ok("SecItemCopyMatching", query=query)
    result = found["result"]["dict"]
    assert result["v_Data"] == d(b"\x00secret\xff")
    assert result["acct"] == d(b"alice")  # stored as data, returned as data (R2: type kept)
    assert result["icmt"] == s("comment \u00e9")
    assert result["sync"] == {"int": 0}
    assert set(result["cdat"]) == {"date"} and result["cdat"]["date"].endswith("Z")


@pytest.mark.apple_source
def test_a_number_is_not_a_boolean_for_kSecAttrIsPermanent() -> None:
    """OSX/sec/Security/SecKey.m getBoolForKey: kSecAttrIsPermanent must be a CFBoolean; an int 1 is ignored.
    The wire keeps {"int": 1} apart from {"bool": true}, so the engine sees what the Swift code wrote."""
    client = Client()
    for permanent, stored in (({"int": 1}, False), ({"bool": True}, True)):
        client.ok("reset")
        created = client.ok("SecKeyCreateRandomKey", parameters=key_parameters(permanent))
        assert created["error"] is None and created["result"]["ref"]["kind"] == "key"
        query = dic(**{"class": s("keys")}, kcls={"int": 1})
        assert (client.ok("SecItemCopyMatching", query=query)["status"] == 0) is stored


@pytest.mark.model
def test_refs_are_handles_that_round_trip_and_can_be_released() -> None:
    client = Client()
    key = client.ok("SecKeyCreateRandomKey", parameters=key_parameters({"bool": True}))["result"]
    public = client.ok("SecKeyCopyPublicKey", key=key)["result"]
    assert public["ref"]["kind"] == "key" and public["ref"]["handle"] != key["ref"]["handle"]
    exported = client.ok("SecKeyCopyExternalRepresentation", key=public)
    raw = base64.b64decode(exported["result"]["data"])
    assert exported["error"] is None and len(raw) == 65 and raw[0] == 4  # X9.63 uncompressed P-256 point
    # The same key by ref finds the stored private key.
    query = dic(**{"class": s("keys")}, v_Ref=key, r_Attributes={"bool": True})
    found = client.ok("SecItemCopyMatching", query=query)
    assert found["status"] == 0 and found["result"]["dict"]["kcls"] == {"int": 1}
    released = client.ok("release", handles=[public["ref"]["handle"]])
    assert released["released"] == 1
    gone = client.send("SecKeyCopyExternalRepresentation", key=public)
    assert gone["error"]["code"] == "bad_value" and gone["error"]["path"] == "key"
    assert "handle" in gone["error"]["message"]
    wrong_kind = client.send("SecCertificateCopyData", certificate={"ref": key["ref"] | {"kind": "certificate"}})
    assert (
        wrong_kind["error"]["code"] == "bad_value" and "is a key, not a certificate" in wrong_kind["error"]["message"]
    )


@pytest.mark.model
def test_release_rides_on_any_request() -> None:
    client = Client()
    key = client.ok("SecKeyCreateRandomKey", parameters=key_parameters(None))["result"]
    handle = key["ref"]["handle"]
    client.send("SecCopyErrorMessageString", release=[handle], status={"int": 0})
    assert client.ok("release", handles=[handle])["released"] == 0


@pytest.mark.parametrize(
    ("request_line", "code", "needle"),
    [
        (b"not json", "bad_json", "not JSON"),
        (b"[1, 2]", "bad_request", "JSON object"),
        (b'{"op": "hello"}', "bad_request", '"id"'),
        (b'{"id": 1, "op": "SecItemFly"}', "unknown_op", "SecItemFly"),
        (b'{"id": 1, "op": "SecItemAdd", "args": {}}', "bad_request", '"attributes"'),
        (
            b'{"id": 1, "op": "SecItemAdd", "args": {"attributes": {"dict": {"class": "genp"}}}}',
            "bad_value",
            "attributes.class",
        ),
        (
            b'{"id": 1, "op": "SecItemAdd", "args": {"attributes": {"dict": {"v_Data": {"data": "%%"}}}}}',
            "bad_value",
            "base64",
        ),
        (b'{"id": 1, "op": "SecItemAdd", "args": {"attributes": {"int": 1.5}}}', "bad_value", "JSON integer"),
        (
            b'{"id": 1, "op": "SecItemAdd", "args": {"attributes": {"date": "2025-01-01T00:00:00"}}}',
            "bad_value",
            "time zone",
        ),
        (b'{"id": 1, "op": "SecItemAdd", "args": {"attributes": {"colour": 1}}}', "bad_value", "unknown value type"),
        (b'{"id": 1, "op": "reset", "args": {"platform": "watchos"}}', "bad_argument", "watchos"),
        (b'{"id": 1, "op": "issue", "args": {"csr": {"data": ""}, "faults": ["late"]}}', "bad_argument", "other_key"),
        (b'{"id": 1, "op": "SecItemAdd", "app": {"groups": []}, "args": {}}', "bad_request", "access_groups"),
    ],
)
@pytest.mark.model
def test_bad_requests_get_structured_errors_and_the_engine_keeps_serving(
    request_line: bytes, code: str, needle: str
) -> None:
    client = Client()
    reply = reply_for(client.session, request_line)
    assert reply["error"]["code"] == code, reply
    assert needle in reply["error"]["message"]
    assert client.ok("SecCopyErrorMessageString", status={"int": -25300})["result"] == s(
        "The specified item could not be found in the keychain."
    )


@pytest.mark.apple_source
def test_error_message_for_an_unknown_status_is_the_formatted_number() -> None:
    """OSX/sec/Security/SecBase.c SecCopyErrorMessageString: no message in the tables -> "OSStatus %d"."""
    client = Client()
    assert client.ok("SecCopyErrorMessageString", status={"int": -1})["result"] == s("OSStatus -1")


@pytest.mark.model
def test_not_modelled_keys_are_an_error_not_ignored() -> None:
    client = Client()
    reply = client.send("SecItemCopyMatching", query=dic(**{"class": s("genp")}, u_Tomb={"bool": True}))
    assert reply["error"]["code"] == "not_modelled"
    assert "not modelled" in reply["error"]["message"]


@pytest.mark.apple_docs
def test_another_apps_entitlements_and_the_explanation_of_what_it_cannot_see() -> None:
    """kSecAttrAccessGroup documentation: items in a group the caller is not entitled to are invisible."""
    client = Client()
    client.ok("reset", access_groups=[APP, SHARED])
    attributes = dic(**{"class": s("genp")}, svce=s("api"), v_Data=d(b"x"))
    assert client.ok("SecItemAdd", attributes=attributes)["status"] == 0
    query = dic(**{"class": s("genp")}, svce=s("api"))
    assert client.ok("SecItemCopyMatching", query=query)["status"] == 0
    assert client.ok("SecItemCopyMatching", query=query, app=[SHARED])["status"] == -25300
    report = client.ok("explain", query=query, app=[SHARED])
    assert report["status"] == -25300
    assert "access.group_not_visible" in [f["code"] for f in report["findings"]]
    steps = client.ok("trace")["steps"]
    assert [(st["call"], st["status"], st["access_groups"]) for st in steps] == [
        ("SecItemAdd", 0, [APP, SHARED]),
        ("SecItemCopyMatching", 0, [APP, SHARED]),
        ("SecItemCopyMatching", -25300, [SHARED]),
    ]


@pytest.mark.apple_docs
def test_lock_and_restart_change_what_the_engine_returns() -> None:
    """kSecAttrAccessibleWhenUnlocked documentation: unreadable while the device is locked (-25308)."""
    client = Client()
    attributes = dic(**{"class": s("genp")}, svce=s("api"), v_Data=d(b"x"))
    client.ok("SecItemAdd", attributes=attributes)
    query = dic(**{"class": s("genp")}, r_Data={"bool": True})
    assert client.ok("lock") == {"locked": True}
    assert client.ok("SecItemCopyMatching", query=query)["status"] == -25308
    client.ok("unlock")
    assert client.ok("SecItemCopyMatching", query=query)["result"] == d(b"x")
    client.ok("restart")
    assert client.ok("SecItemCopyMatching", query=query)["status"] == -25308


@pytest.mark.model
def test_the_flow_helpers_history_and_dump() -> None:
    """csr + issue give a certificate for the key; explain draws on the trace since the last reset."""
    client = Client()
    client.ok("reset", clock={"date": "2025-06-01T12:00:00Z"})
    key = client.ok("SecKeyCreateRandomKey", parameters=key_parameters(None))["result"]  # never stored
    csr = client.ok("csr", key=key, subject=dic(CN=s("device-1"), O=s("Example")))["result"]["dict"]
    assert base64.b64decode(csr["der"]["data"])[:1] == b"\x30"
    assert csr["pem"]["string"].startswith("-----BEGIN CERTIFICATE REQUEST-----")
    issued = client.ok("issue", csr=csr["der"], faults=[])["result"]["dict"]
    assert len(issued["chain"]["array"]) == 3
    certificate = client.ok("SecCertificateCreateWithData", data=issued["der"])["result"]
    assert certificate["ref"]["kind"] == "certificate"
    assert client.ok("SecCertificateCreateWithData", data=d(issued["pem"]["string"].encode()))["result"] == {
        "null": True
    }
    summary = client.ok("SecCertificateCopySubjectSummary", certificate=certificate)["result"]
    assert summary == s("device-1")
    add = dic(**{"class": s("cert")}, v_Ref=certificate, labl=s("client"))
    assert client.ok("SecItemAdd", attributes=add)["status"] == 0
    query = dic(**{"class": s("idnt")}, labl=s("client"), r_Ref={"bool": True})
    assert client.ok("SecItemCopyMatching", query=query)["status"] == -25300
    codes = [f["code"] for f in client.ok("explain", query=query)["findings"]]
    assert "trace.key_not_stored" in codes
    calls = [step["call"] for step in client.ok("trace")["steps"]]
    assert calls == [
        "SecKeyCreateRandomKey",
        "SecCertificateCreateWithData",
        "SecCertificateCreateWithData",
        "SecCertificateCopySubjectSummary",
        "SecItemAdd",
        "SecItemCopyMatching",
    ]
    document = client.ok("dump", format="json")["document"]
    assert [item["class"] for item in document["items"]] == ["cert"]
    assert "no private key in the same keychain has klbl = this pkhh" in client.ok("dump")["text"]


@pytest.mark.model
def test_serve_runs_as_a_real_process_over_pipes() -> None:
    executable = Path(sys.executable).parent / "keychainsim"
    requests = [
        {"id": 1, "op": "hello", "args": {"protocol": 1}},
        {
            "id": 2,
            "op": "SecItemAdd",
            "args": {"attributes": dic(**{"class": s("genp")}, svce=s("a"), v_Data=d(b"pw"))},
        },
        {"id": 3, "op": "SecItemCopyMatching", "args": {"query": dic(**{"class": s("genp")}, r_Data={"bool": True})}},
        {"id": 4, "op": "SecItemAdd", "args": {"attributes": dic(**{"class": s("genp")}, svce=s("a"))}},
    ]
    stdin = "".join(json.dumps(r) + "\n" for r in requests) + "\n{broken\n"
    # The exact command line the Swift library uses (a fast path past typer), and one with global options.
    for argv in (["serve", "--stdio"], ["--platform", "macos", "-g", SHARED, "serve", "--stdio"]):
        done = subprocess.run([str(executable), *argv], input=stdin.encode(), capture_output=True, timeout=120)
        assert done.returncode == 0, done.stderr.decode()
        replies = [json.loads(line) for line in done.stdout.decode().splitlines()]
        assert [r["id"] for r in replies] == [1, 2, 3, 4, None]
        assert replies[2]["ok"] == {"status": 0, "result": d(b"pw")}
        assert replies[3]["ok"]["status"] == -25299  # errSecDuplicateItem
        assert replies[4]["error"]["code"] == "bad_json"
    usage = subprocess.run([str(executable), "serve"], capture_output=True, timeout=120)
    assert usage.returncode == 2 and b"--stdio" in usage.stderr


@pytest.mark.apple_source
def test_certificate_details_and_the_macos_identity_lookup() -> None:
    """keys reference §G.2 (SecCertificateCopyCommonName, SecCertificateCopySerialNumberData) and §H.1
    (OSX/libsecurity_keychain/lib/Identity.cpp: the private key whose klbl is the certificate's hash)."""
    client = Client()
    client.ok("reset", platform="macos")
    parameters = dic(type=s("73"), bsiz={"int": 256}, nleg={"bool": True}, private=dic(perm={"bool": True}))
    key = client.ok("SecKeyCreateRandomKey", parameters=parameters)["result"]
    csr = client.ok("csr", key=key, subject=dic(CN=s("mac-1")))["result"]["dict"]["der"]
    issued = client.ok("issue", csr=csr)["result"]["dict"]
    certificate = client.ok("SecCertificateCreateWithData", data=issued["der"])["result"]
    assert client.ok("SecCertificateCopyCommonName", certificate=certificate) == {"status": 0, "result": s("mac-1")}
    serial = client.ok("SecCertificateCopySerialNumberData", certificate=certificate)
    assert serial["error"] is None and base64.b64decode(serial["result"]["data"])[0] < 0x80
    found = client.ok("SecIdentityCreateWithCertificate", certificate=certificate)
    assert found["status"] == 0 and found["result"]["ref"]["kind"] == "identity"
    other = client.ok("issue", csr=csr, faults=["other_key"])["result"]["dict"]
    stranger = client.ok("SecCertificateCreateWithData", data=other["der"])["result"]
    assert client.ok("SecIdentityCreateWithCertificate", certificate=stranger) == {
        "status": -25300,
        "result": {"null": True},
    }
    ecdsa = s("algid:sign:ECDSA:message-X962:SHA256")
    assert client.ok("SecKeyIsAlgorithmSupported", key=key, operation={"int": 0}, algorithm=ecdsa)["result"] == {
        "bool": True
    }
    assert client.ok("SecKeyIsAlgorithmSupported", key=key, operation={"int": 1}, algorithm=ecdsa)["result"] == {
        "bool": False
    }


@pytest.mark.apple_source
def test_cfequal_compares_the_objects_not_the_handles() -> None:
    """CFEqual as Apple's types define it: SecKey.m SecKeyEqual (the same key), SecCertificate.c
    SecCertificateEqual (the same DER). A key found in the keychain is a new handle but the same key; its
    public key is another key; a certificate made twice from the same DER is equal."""
    client = Client()
    key = client.ok("SecKeyCreateRandomKey", parameters=key_parameters({"bool": True}))["result"]
    found = client.ok("SecItemCopyMatching", query=dic(**{"class": s("keys")}, r_Ref={"bool": True}))["result"]
    assert found["ref"]["handle"] != key["ref"]["handle"]
    public = client.ok("SecKeyCopyPublicKey", key=key)["result"]
    assert client.ok("CFEqual", a=key, b=found)["result"] == {"bool": True}
    assert client.ok("CFEqual", a=key, b=public)["result"] == {"bool": False}
    der = base64.b64decode(client.ok("ca")["result"]["dict"]["root"]["data"])
    first = client.ok("SecCertificateCreateWithData", data=d(der))["result"]
    second = client.ok("SecCertificateCreateWithData", data=d(der))["result"]
    assert client.ok("CFEqual", a=first, b=second)["result"] == {"bool": True}
    assert client.ok("CFEqual", a=first, b=key)["result"] == {"bool": False}
    assert client.send("CFEqual", a=first)["error"]["code"] == "bad_request"


OAEP_SHA256 = s("algid:encrypt:RSA:OAEP:SHA256")


def rsa_parameters(bits: int, tag: bytes) -> dict[str, Any]:
    """kSecAttrKeyTypeRSA ("42") of ``bits``, the private half stored with kSecAttrApplicationTag ``tag``."""
    return dic(type=s("42"), bsiz={"int": bits}, private=dic(perm={"bool": True}, atag=d(tag)))


@pytest.mark.apple_source
def test_rsa_encryption_round_trips_through_a_stored_key() -> None:
    """SecKeyAdaptors.m SecKeyRSACopyEncryptedWithPadding / SecKeyRSACopyDecryptedWithPadding: the public key
    encrypts to one modulus (SecRSAKey.c SecRSAPublicKeyBlockSize: 256 bytes for 2048 bits), and the private
    key found again in the keychain by its tag (kSecReturnRef), a new handle, decrypts it."""
    client = Client()
    key = client.ok("SecKeyCreateRandomKey", parameters=rsa_parameters(2048, b"com.example.enc"))["result"]
    public = client.ok("SecKeyCopyPublicKey", key=key)["result"]
    assert client.ok("SecKeyGetBlockSize", key=key)["result"] == {"int": 256}
    assert client.ok("SecKeyGetBlockSize", key=public)["result"] == {"int": 256}
    encrypted = client.ok("SecKeyCreateEncryptedData", key=public, algorithm=OAEP_SHA256, plaintext=d(b"hello"))
    assert encrypted["error"] is None
    ciphertext = base64.b64decode(encrypted["result"]["data"])
    assert len(ciphertext) == 256 and b"hello" not in ciphertext
    again = client.ok("SecKeyCreateEncryptedData", key=public, algorithm=OAEP_SHA256, plaintext=d(b"hello"))
    assert again["result"] != encrypted["result"]  # OAEP draws a fresh seed for every encryption
    query = dic(**{"class": s("keys")}, atag=d(b"com.example.enc"), kcls={"int": 1}, r_Ref={"bool": True})
    found = client.ok("SecItemCopyMatching", query=query)
    assert found["status"] == 0 and found["result"]["ref"]["handle"] != key["ref"]["handle"]
    decrypted = client.ok(
        "SecKeyCreateDecryptedData", key=found["result"], algorithm=OAEP_SHA256, ciphertext=encrypted["result"]
    )
    assert decrypted == {"result": d(b"hello"), "error": None}
    pkcs1 = s("algid:encrypt:RSA:PKCS1")
    other = client.ok("SecKeyCreateEncryptedData", key=public, algorithm=pkcs1, plaintext=d(b"v1.5"))["result"]
    assert client.ok("SecKeyCreateDecryptedData", key=key, algorithm=pkcs1, ciphertext=other)["result"] == d(b"v1.5")
    calls = [step["call"] for step in client.ok("trace")["steps"]]
    assert calls.count("SecKeyCreateEncryptedData") == 3 and calls.count("SecKeyCreateDecryptedData") == 2


@pytest.mark.apple_source
def test_rsa_encryption_failures_are_cferrors_with_errsecparam() -> None:
    """SecKeyAdaptors.m and SecRSAKey.c, as keychainsim.crypto.encryption models them: a private key cannot
    encrypt and a public key's decrypt never unpads ("RSAdecrypt wrong input"); a plaintext over k-2·hLen-2
    is "RSAencrypt wrong input size"; OAEP-SHA512 needs 2·64+2 = 130 bytes of modulus, more than a 1024-bit
    key has. Each is a null result with an NSOSStatusErrorDomain CFError of code -50 (errSecParam)."""
    client = Client()
    key = client.ok("SecKeyCreateRandomKey", parameters=rsa_parameters(2048, b"com.example.enc"))["result"]
    public = client.ok("SecKeyCopyPublicKey", key=key)["result"]
    ciphertext = client.ok("SecKeyCreateEncryptedData", key=public, algorithm=OAEP_SHA256, plaintext=d(b"x"))["result"]
    small = client.ok("SecKeyCreateRandomKey", parameters=rsa_parameters(1024, b"com.example.small"))["result"]
    small_public = client.ok("SecKeyCopyPublicKey", key=small)["result"]
    oaep_sha512 = s("algid:encrypt:RSA:OAEP:SHA512")
    cases = {
        "algorithm not supported by the key": ("SecKeyCreateEncryptedData", key, OAEP_SHA256, {"plaintext": d(b"x")}),
        "RSAdecrypt wrong input": ("SecKeyCreateDecryptedData", public, OAEP_SHA256, {"ciphertext": ciphertext}),
        "RSAencrypt wrong input size": (
            "SecKeyCreateEncryptedData",
            public,
            OAEP_SHA256,
            {"plaintext": d(b"x" * (256 - 2 * 32 - 1))},
        ),
        "not supported by the key": ("SecKeyCreateEncryptedData", small_public, oaep_sha512, {"plaintext": d(b"x")}),
    }
    for description, (op, on_key, algorithm, data) in cases.items():
        reply = client.ok(op, key=on_key, algorithm=algorithm, **data)
        assert reply["result"] == {"null": True}, (description, reply)
        assert (reply["error"]["domain"], reply["error"]["code"]) == ("NSOSStatusErrorDomain", -50)
        assert description in reply["error"]["description"]
    # The longest plaintext OAEP-SHA256 fits in a 2048-bit key is one byte shorter, and succeeds.
    fits = client.ok("SecKeyCreateEncryptedData", key=public, algorithm=OAEP_SHA256, plaintext=d(b"x" * 190))
    assert fits["error"] is None and len(base64.b64decode(fits["result"]["data"])) == 256
    assert client.ok("SecKeyGetBlockSize", key=small)["result"] == {"int": 128}


X963_SHA256 = s("algid:keyexchange:ECDH:KDFX963:SHA256")


@pytest.mark.apple_source
def test_ecdh_through_the_engine_agrees_and_matches_an_independent_kdf() -> None:
    """SecKey.m SecKeyCopyKeyExchangeResult and SecKeyAdaptors.m SecKeyECDHCopyX963Result over the engine:
    one party's private key is found again in the keychain by its tag (a new handle), the other is not
    stored; both derive the same 32 bytes, which equal X9.63 KDF(SHA-256) over the raw ECDH secret computed
    here from the two keys' exported bytes with cryptography, not through the engine."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.kdf.x963kdf import X963KDF

    client = Client()
    stored = dic(type=s("73"), bsiz={"int": 256}, private=dic(perm={"bool": True}, atag=d(b"com.example.ecdh")))
    mine = client.ok("SecKeyCreateRandomKey", parameters=stored)["result"]
    theirs = client.ok("SecKeyCreateRandomKey", parameters=dic(type=s("73"), bsiz={"int": 256}))["result"]
    my_public = client.ok("SecKeyCopyPublicKey", key=mine)["result"]
    their_public = client.ok("SecKeyCopyPublicKey", key=theirs)["result"]
    query = dic(**{"class": s("keys")}, atag=d(b"com.example.ecdh"), kcls={"int": 1}, r_Ref={"bool": True})
    found = client.ok("SecItemCopyMatching", query=query)["result"]
    assert found["ref"]["handle"] != mine["ref"]["handle"]
    params = dic(requestedSize={"int": 32}, sharedInfo=d(b"com.example.v1"))
    one = client.ok(
        "SecKeyCopyKeyExchangeResult", key=found, algorithm=X963_SHA256, public_key=their_public, parameters=params
    )
    two = client.ok(
        "SecKeyCopyKeyExchangeResult", key=theirs, algorithm=X963_SHA256, public_key=my_public, parameters=params
    )
    assert one["error"] is None and one == two
    exported = client.ok("SecKeyCopyExternalRepresentation", key=mine)["result"]
    their_point = client.ok("SecKeyCopyExternalRepresentation", key=their_public)["result"]
    scalar = base64.b64decode(exported["data"])[65:]  # 04 || X || Y || K
    private = ec.derive_private_key(int.from_bytes(scalar, "big"), ec.SECP256R1())
    peer = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), base64.b64decode(their_point["data"]))
    raw = private.exchange(ec.ECDH(), peer)
    expected = X963KDF(algorithm=hashes.SHA256(), length=32, sharedinfo=b"com.example.v1").derive(raw)
    assert one["result"] == d(expected)
    plain = client.ok(
        "SecKeyCopyKeyExchangeResult",
        key=mine,
        algorithm=s("algid:keyexchange:ECDH"),
        public_key=their_public,
        parameters=dic(),
    )
    assert plain == {"result": d(raw), "error": None}
    supported = client.ok("SecKeyIsAlgorithmSupported", key=mine, operation={"int": 4}, algorithm=X963_SHA256)
    assert supported["result"] == {"bool": True}
    public_supported = client.ok(
        "SecKeyIsAlgorithmSupported", key=my_public, operation={"int": 4}, algorithm=X963_SHA256
    )
    assert public_supported["result"] == {"bool": False}
    assert [step["call"] for step in client.ok("trace")["steps"]].count("SecKeyCopyKeyExchangeResult") == 3


@pytest.mark.apple_source
def test_ecdh_failures_through_the_engine_are_cferrors() -> None:
    """SecKeyAdaptors.m SecKeyECDHCopyX963Result (no requestedSize: -50), SecKey.m
    SecKeyRunAlgorithmAndCopyResult (an RSA key: -50 "algorithm not supported by the key") and SecECKey.m
    (a P-384 peer for a P-256 key fails in ccecdh_compute_shared_secret: errSecDecode -26275)."""
    client = Client()
    ec256 = client.ok("SecKeyCreateRandomKey", parameters=dic(type=s("73"), bsiz={"int": 256}))["result"]
    ec384 = client.ok("SecKeyCreateRandomKey", parameters=dic(type=s("73"), bsiz={"int": 384}))["result"]
    rsa = client.ok("SecKeyCreateRandomKey", parameters=rsa_parameters(1024, b"com.example.rsa"))["result"]
    peer = client.ok("SecKeyCopyPublicKey", key=ec256)["result"]
    peer384 = client.ok("SecKeyCopyPublicKey", key=ec384)["result"]
    size = dic(requestedSize={"int": 32})
    cases = [
        (ec256, X963_SHA256, peer, dic(), -50, "kSecKeyKeyExchangeParameterRequestedSize is missing"),
        (
            rsa,
            X963_SHA256,
            peer,
            size,
            -50,
            "algid:keyexchange:ECDH:KDFX963:SHA256: algorithm not supported by the key",
        ),
        (ec256, X963_SHA256, peer384, size, -26275, "ECpriv failed to compute shared secret"),
    ]
    for key, algorithm, public_key, parameters, code, description in cases:
        reply = client.ok(
            "SecKeyCopyKeyExchangeResult", key=key, algorithm=algorithm, public_key=public_key, parameters=parameters
        )
        assert reply["result"] == {"null": True}, reply
        assert (reply["error"]["domain"], reply["error"]["code"]) == ("NSOSStatusErrorDomain", code)
        assert reply["error"]["description"].startswith(description)
    missing = client.send("SecKeyCopyKeyExchangeResult", key=ec256, algorithm=X963_SHA256, parameters=size)
    assert missing["error"]["code"] == "bad_request" and '"public_key"' in missing["error"]["message"]
    not_a_key = client.send(
        "SecKeyCopyKeyExchangeResult", key=ec256, algorithm=X963_SHA256, public_key=d(b"\x04"), parameters=size
    )
    assert not_a_key["error"]["code"] == "bad_argument" and "publicKey" in not_a_key["error"]["message"]


@pytest.mark.parametrize(
    ("op", "args", "code", "needle"),
    [
        ("SecKeyCreateEncryptedData", {"algorithm": OAEP_SHA256}, "bad_request", '"plaintext"'),
        ("SecKeyCreateDecryptedData", {"algorithm": OAEP_SHA256}, "bad_request", '"ciphertext"'),
        ("SecKeyCreateEncryptedData", {"algorithm": OAEP_SHA256, "plaintext": s("hi")}, "bad_argument", "plaintext"),
        ("SecKeyCreateDecryptedData", {"algorithm": {"int": 1}, "ciphertext": d(b"")}, "bad_argument", "algorithm"),
        (
            "SecKeyCreateEncryptedData",
            {"algorithm": s("algid:encrypt:ECIES:ECDHE:SHA256:AES-GCM"), "plaintext": d(b"x")},
            "not_modelled",
            "ECIES",
        ),
    ],
)
@pytest.mark.model
def test_bad_encryption_arguments_are_named_errors(op: str, args: dict[str, Any], code: str, needle: str) -> None:
    """A wrong argument is an error reply naming it, never a CFError or a crash; the engine keeps serving.
    The key is a real RSA key, so only the named argument is wrong."""
    client = Client()
    key = client.ok("SecKeyCreateRandomKey", parameters=rsa_parameters(1024, b"com.example.args"))["result"]
    public = client.ok("SecKeyCopyPublicKey", key=key)["result"]
    reply = client.send(op, key=public, **args)
    assert reply["error"]["code"] == code, reply
    assert needle in reply["error"]["message"]
    assert client.ok("SecKeyGetBlockSize", key=public)["result"] == {"int": 128}


@pytest.mark.parametrize(
    ("op", "args"),
    [
        ("SecKeyCreateEncryptedData", {"algorithm": OAEP_SHA256, "plaintext": d(b"x")}),
        ("SecKeyCreateDecryptedData", {"algorithm": OAEP_SHA256, "ciphertext": d(b"x")}),
        ("SecKeyGetBlockSize", {}),
    ],
)
@pytest.mark.model
def test_a_key_argument_that_is_not_a_key_is_refused(op: str, args: dict[str, Any]) -> None:
    """A string where the key goes is a bad_argument naming ``key``; a certificate handle that is really a
    key's is a bad_value at ``key``; no key at all is a bad_request."""
    client = Client()
    key = client.ok("SecKeyCreateRandomKey", parameters=rsa_parameters(1024, b"com.example.args"))["result"]
    not_a_key = client.send(op, key=s("my-key"), **args)
    assert not_a_key["error"]["code"] == "bad_argument" and "key: expected a SecKey" in not_a_key["error"]["message"]
    wrong_kind = client.send(op, key={"ref": key["ref"] | {"kind": "certificate"}}, **args)
    assert wrong_kind["error"]["code"] == "bad_value" and wrong_kind["error"]["path"] == "key"
    assert "is a key, not a certificate" in wrong_kind["error"]["message"]
    missing = client.send(op, **args)
    assert missing["error"]["code"] == "bad_request" and '"key"' in missing["error"]["message"]


def _device_dump(**changes: Any) -> str:
    from tests.probe.test_load_dump import DEVICE_DOCUMENT

    return json.dumps({**DEVICE_DOCUMENT, **changes})


@pytest.mark.model
def test_a_device_dump_becomes_the_device_the_client_calls() -> None:
    """The state a device probe wrote (a key and its certificate, label "device") comes back as the engine's
    device: the identity it forms is found by the client's own lookup, other apps still cannot see it, and
    the trace starts again."""
    client = Client()
    client.ok("SecItemAdd", attributes=dic(**{"class": s("genp")}, svce=s("before")))
    loaded = client.ok("load_dump", document=_device_dump(
        device_identities={"status": 0, "identities": [{"certificate": 2, "key": 1}]}
    ))  # fmt: skip
    assert loaded == {
        "platform": "ios",
        "access_groups": [APP],
        "items": 2,
        "identity_checks": [{"keychain": "dp", "agrees": True, "disagreements": []}],
        "notes": [],
    }
    assert client.ok("SecItemCopyMatching", query=dic(**{"class": s("genp")}))["status"] == -25300  # replaced
    identity = dic(**{"class": s("idnt")}, labl=s("device"), r_Attributes={"bool": True})
    found = client.ok("SecItemCopyMatching", query=identity)
    assert found["status"] == 0 and found["result"]["dict"]["labl"] == s("device")
    assert client.ok("SecItemCopyMatching", query=identity, app=[SHARED])["status"] == -25300
    assert [step["call"] for step in client.ok("trace")["steps"]] == ["SecItemCopyMatching"] * 3
    explained = client.ok("explain", query=dic(**{"class": s("idnt")}, labl=s("other")))
    assert explained["status"] == -25300


@pytest.mark.model
def test_a_device_dump_the_model_disagrees_with_says_so_and_a_bad_one_changes_nothing(tmp_path: Path) -> None:
    client = Client()
    loaded = client.ok("load_dump", document=_device_dump(device_identities={"status": -25300, "identities": []}))
    (check,) = loaded["identity_checks"]
    assert not check["agrees"] and "the device answered the identity query with errSecItemNotFound" in (
        check["disagreements"][0]
    )
    client.ok("SecItemAdd", attributes=dic(**{"class": s("genp")}, svce=s("kept")))
    broken = client.send("load_dump", document=_device_dump(platform="watchos"))
    assert broken["error"]["code"] == "bad_argument" and "platform 'watchos'" in broken["error"]["message"]
    assert client.ok("SecItemCopyMatching", query=dic(**{"class": s("genp")}, svce=s("kept")))["status"] == 0
    # A path is never opened: the document must be the dump's text.
    secret = tmp_path / "dump.json"
    secret.write_text(_device_dump())
    refused = client.send("load_dump", document=str(secret))
    assert refused["error"]["code"] == "bad_request" and "JSON text" in refused["error"]["message"]
    assert client.ok("SecItemCopyMatching", query=dic(**{"class": s("genp")}, svce=s("kept")))["status"] == 0
