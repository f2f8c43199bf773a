"""SecKey: external representations, SecKeyCreateWithData, SecKeyCopyAttributes, engine interplay."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import serialization

from keychainsim.constants import *
from keychainsim.crypto import (
    SecKeyCopyAttributes,
    SecKeyCopyExternalRepresentation,
    SecKeyCopyPublicKey,
    SecKeyCreateWithData,
)
from keychainsim.crypto.keys import SecKey
from keychainsim.errors import NotModeledError

CAN_FLAGS = ("encr", "decr", "drve", "sign", "vrfy", "snrc", "vyrc", "wrap", "unwp")


def _params(key_type: str, key_class: str) -> dict[str, object]:
    return {kSecAttrKeyType: key_type, kSecAttrKeyClass: key_class, kSecAttrIsPermanent: False}


@pytest.mark.apple_test
@pytest.mark.parametrize(("kind", "bits", "key_type"), [("RSA", 768, "42"), ("EC", 192, "73"), ("EC", 256, "73")])
def test_createwithdata_round_trip_and_mismatches(make_key, kind: str, bits: int, key_type: str) -> None:
    """si-40-seckey.c / si-41-sececkey.c `testcreatewithdata`: export → import gives an equal key;
    the wrong class, corrupted first byte, or the other half's data all fail."""
    private = make_key(kind, bits)
    public = SecKeyCopyPublicKey(private)
    private_data, error = SecKeyCopyExternalRepresentation(private)
    assert error is None and isinstance(private_data, bytes)
    public_data, error = SecKeyCopyExternalRepresentation(public)
    assert error is None and isinstance(public_data, bytes)

    again, error = SecKeyCreateWithData(private_data, _params(key_type, kSecAttrKeyClassPrivate))
    assert error is None and again == private
    again, error = SecKeyCreateWithData(public_data, _params(key_type, kSecAttrKeyClassPublic))
    assert error is None and again == public
    assert again != private

    for data, key_class in [
        (private_data, kSecAttrKeyClassPublic),
        (public_data, kSecAttrKeyClassPrivate),
        (bytes([private_data[0] ^ 0xFF]) + private_data[1:], kSecAttrKeyClassPrivate),
        (bytes([public_data[0] ^ 0xFF]) + public_data[1:], kSecAttrKeyClassPublic),
    ]:
        key, error = SecKeyCreateWithData(data, _params(key_type, key_class))
        assert key is None
        assert error is not None and error.code == -50 and error.domain == "NSOSStatusErrorDomain"
        assert "key creation from data failed" in error.description


@pytest.mark.apple_source
@pytest.mark.parametrize(("bits", "public_len", "private_len"),
                         [(192, 49, 73), (224, 57, 85), (256, 65, 97), (384, 97, 145), (521, 133, 199)])
def test_ec_external_representation_sizes(make_key, bits: int, public_len: int, private_len: int) -> None:
    """SecECKey.m — SecECPublicKeyCopyExternalRepresentation / SecECPrivateKeyCopyExternalRepresentation:
    04‖X‖Y and 04‖X‖Y‖K with fixed-size fields (§E.1)."""
    key = make_key("EC", bits)
    private_data, _ = SecKeyCopyExternalRepresentation(key)
    public_data, _ = SecKeyCopyExternalRepresentation(SecKeyCopyPublicKey(key))
    assert len(public_data) == public_len and public_data[0] == 4
    assert len(private_data) == private_len and private_data.startswith(public_data)
    scalar = key.cryptography_key().private_numbers().private_value
    assert int.from_bytes(private_data[public_len:], "big") == scalar


@pytest.mark.apple_source
def test_rsa_external_representation_is_pkcs1(make_key) -> None:
    """SecRSAKey.c — SecRSAPublicKeyCopyExternalRepresentation / SecRSAPrivateKeyCopyExternalRepresentation:
    PKCS#1 RSAPublicKey / RSAPrivateKey DER, never SPKI (§E.1)."""
    key = make_key("RSA", 2048)
    private_data, _ = SecKeyCopyExternalRepresentation(key)
    public_data, _ = SecKeyCopyExternalRepresentation(SecKeyCopyPublicKey(key))
    raw = key.cryptography_key()
    assert private_data == raw.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    )
    assert public_data == raw.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)


@pytest.mark.apple_source
def test_createwithdata_rejects_pem_pkcs8_and_ec_spki(make_key) -> None:
    """SecKey.m — SecKeyCreateWithData + SecECKey.m / SecRSAKey.c decoders (§E.2 table): PEM, PKCS#8,
    SEC1 and EC SubjectPublicKeyInfo fail with -50."""
    rsa_key, ec_key = make_key("RSA", 2048), make_key("EC", 256)
    rsa_raw, ec_raw = rsa_key.cryptography_key(), ec_key.cryptography_key()
    pem = rsa_raw.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1)
    pkcs8 = rsa_raw.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    sec1 = ec_raw.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    )
    ec_spki = ec_raw.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    compressed = ec_raw.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
    )
    cases = [
        (pem, "42", "0"),
        (base64.b64encode(b"x" * 40), "42", "0"),
        (pkcs8, "42", "1"),
        (sec1, "73", "1"),
        (ec_spki, "73", "0"),
        (compressed, "73", "0"),
    ]
    for data, key_type, key_class in cases:
        key, error = SecKeyCreateWithData(data, {kSecAttrKeyType: key_type, kSecAttrKeyClass: key_class})
        assert key is None and error is not None and error.code == -50, data[:20]


@pytest.mark.apple_source
def test_createwithdata_accepts_rsa_spki(make_key) -> None:
    """corecrypto ccrsa_import_pub tries X.509 SPKI before PKCS#1 (§E.2, [X: tripleCC/Laboratory])."""
    key = make_key("RSA", 2048)
    spki = key.public_key_object().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    public, error = SecKeyCreateWithData(spki, {kSecAttrKeyType: "42", kSecAttrKeyClass: "0"})
    assert error is None and public == SecKeyCopyPublicKey(key)
    exported, _ = SecKeyCopyExternalRepresentation(public)
    assert exported != spki and spki.endswith(exported)


@pytest.mark.apple_source
def test_createwithdata_parameter_checks(make_key) -> None:
    """SecKey.m — SecKeyCreateWithData, SecKeyParamsAsInt64: type and class required, numbers or exact
    decimal strings; class 2 → -4; unknown class → -50; no data → -50; size ignored."""
    data, _ = SecKeyCopyExternalRepresentation(SecKeyCopyPublicKey(make_key("EC", 256)))
    ok, error = SecKeyCreateWithData(data, {kSecAttrKeyType: 73, kSecAttrKeyClass: 0, kSecAttrKeySizeInBits: 4096})
    assert ok is not None and error is None and ok.key_size_in_bits == 256
    for attributes, code in [
        ({kSecAttrKeyClass: "0"}, -50),
        ({kSecAttrKeyType: "73"}, -50),
        ({kSecAttrKeyType: " 73", kSecAttrKeyClass: "0"}, -50),
        ({kSecAttrKeyType: "73", kSecAttrKeyClass: "2"}, -4),
        ({kSecAttrKeyType: "73", kSecAttrKeyClass: "5"}, -50),
        ({kSecAttrKeyType: "99", kSecAttrKeyClass: "0"}, -50),
    ]:
        key, error = SecKeyCreateWithData(data, attributes)
        assert key is None and error is not None and error.code == code, attributes
    key, error = SecKeyCreateWithData(None, {kSecAttrKeyType: "73", kSecAttrKeyClass: "0"})
    assert key is None and error.code == -50
    with pytest.raises(NotModeledError):
        SecKeyCreateWithData(b"\x00" * 32, {kSecAttrKeyType: "105", kSecAttrKeyClass: "0"})


@pytest.mark.apple_test
@pytest.mark.parametrize(("kind", "bits"), [("RSA", 768), ("EC", 192)])
def test_copyattributes(make_key, kind: str, bits: int) -> None:
    """si-40-seckey.c / si-41-sececkey.c `testcopyattributes` (+ §A.4 table): capability flags, class and
    type as strings, size as number, equal application labels for both halves."""
    private = make_key(kind, bits)
    public = SecKeyCopyPublicKey(private)
    priv, pub = SecKeyCopyAttributes(private), SecKeyCopyAttributes(public)
    rsa_key = kind == "RSA"
    assert (priv["encr"], priv["decr"], priv["drve"], priv["sign"], priv["vrfy"]) == (
        False, True, not rsa_key, True, False)
    assert (pub["encr"], pub["decr"], pub["drve"], pub["sign"], pub["vrfy"]) == (True, rsa_key, False, False, True)
    assert priv["kcls"] == "1" and pub["kcls"] == "0"
    assert priv["type"] == pub["type"] == ("42" if rsa_key else "73")
    assert priv["bsiz"] == pub["bsiz"] == priv["esiz"] == bits
    assert priv["klbl"] == pub["klbl"] and len(priv["klbl"]) == 20
    for attrs in (priv, pub):
        assert attrs["perm"] is True and attrs["priv"] is True and attrs["modi"] is True
        assert (attrs["sens"], attrs["asen"], attrs["extr"], attrs["next"]) == (False, False, True, False)
        assert attrs["class"] == "keys"
    assert (priv["wrap"], priv["unwp"], pub["wrap"], pub["unwp"]) == (False, True, True, False)
    assert priv["v_Data"] == SecKeyCopyExternalRepresentation(private)[0]
    assert pub["v_Data"] == SecKeyCopyExternalRepresentation(public)[0]


@pytest.mark.apple_test
@pytest.mark.parametrize(("kind", "bits"), [("RSA", 768), ("EC", 192)])
def test_copypublickey(make_key, kind: str, bits: int) -> None:
    """si-40-seckey.c / si-41-sececkey.c `testcopypublickey`: the public key of a private key equals the
    generated public key; of a public key, itself."""
    private = make_key(kind, bits)
    public = SecKeyCopyPublicKey(private)
    assert public is not None and not public.is_private
    assert SecKeyCopyPublicKey(public) == public
    assert hash(SecKeyCopyPublicKey(private)) == hash(public)


@pytest.mark.apple_source
def test_keychain_attributes_for_add_and_query(make_key) -> None:
    """secitem-engine.md §D.3 / SecItem.m — SecItemCopyAttributeDictionary,
    AttributeCreateFilteredOutSecAttrs: numbers for kcls/type, Can* flags and perm dropped for queries."""
    key = make_key("EC", 256)
    add = key._keychain_attributes(for_query=False)
    query = key._keychain_attributes(for_query=True)
    assert add["kcls"] == 1 and add["type"] == 73 and add["bsiz"] == 256
    assert add["perm"] is True and add["priv"] is True and add["klbl"] == key.application_label
    assert add["v_Data"] == SecKeyCopyExternalRepresentation(key)[0]
    assert not set(CAN_FLAGS) & set(query) and "perm" not in query
    assert query["klbl"] == add["klbl"] and query["priv"] is True
    assert SecKeyCopyPublicKey(key)._keychain_attributes(False)["kcls"] == 0


@pytest.mark.apple_source
def test_from_keychain_rebuilds_from_row(make_key) -> None:
    """SecKey.m — SecKeyCreateFromAttributeDictionary is SecKeyCreateWithData(row v_Data, row): the
    row's kcls/type choose the decoder; a contradicting kcls or garbage data gives no key."""
    key = make_key("RSA", 1024)
    row = {**key._keychain_attributes(False), "labl": "mine", "klbl": b"override"}
    rebuilt = SecKey._from_keychain(row)
    assert rebuilt == key and rebuilt.keychain_row["labl"] == "mine"
    assert SecKeyCopyAttributes(rebuilt)["klbl"] == key.application_label
    assert SecKey._from_keychain({**row, "kcls": 0}) is None
    assert SecKey._from_keychain({**row, "v_Data": b"garbage"}) is None
    assert SecKey._from_keychain({"class": "keys", "v_Data": b"x"}) is None


@pytest.mark.apple_source
def test_hand_assembled_ec_private_blob_keeps_stated_point(make_key) -> None:
    """SecECKey.m — SecECPrivateKeyInit does not check K·G against 04‖X‖Y (§E.2, §K.13): klbl follows
    the stated point."""
    one, other = make_key("EC", 256), make_key("EC", 384)
    from cryptography.hazmat.primitives.asymmetric import ec

    stranger = ec.generate_private_key(ec.SECP256R1())
    point = stranger.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    scalar = one.cryptography_key().private_numbers().private_value.to_bytes(32, "big")
    key, error = SecKeyCreateWithData(point + scalar, {kSecAttrKeyType: "73", kSecAttrKeyClass: "1"})
    assert error is None and key is not None
    assert SecKeyCopyExternalRepresentation(SecKeyCopyPublicKey(key))[0] == point
    assert key.application_label != one.application_label
    assert other.key_size_in_bits == 384


@pytest.mark.apple_source
def test_secure_enclave_key_attributes_and_export() -> None:
    """SecCTKKey.m — SecCTKKeyCopyAttributeDictionary (tkid, toid, klbl, perm; no v_Data) and
    SecKey.m — SecKeyCopyExternalRepresentation (-4 export not implemented) (§A.6)."""
    from cryptography.hazmat.primitives.asymmetric import ec

    key = SecKey._secure_enclave(ec.generate_private_key(ec.SECP256R1()))
    data, error = SecKeyCopyExternalRepresentation(key)
    assert data is None and error.code == -4
    attrs = SecKeyCopyAttributes(key)
    assert attrs["tkid"] == "com.apple.setoken" and isinstance(attrs["toid"], bytes)
    assert "v_Data" not in attrs and attrs["perm"] is True and attrs["kcls"] == "1"
    assert attrs["klbl"] == key.application_label
    public = SecKeyCopyPublicKey(key)
    assert not public.is_secure_enclave
    assert SecKeyCopyExternalRepresentation(public)[0][0] == 4
    row = key._keychain_attributes(False)
    assert SecKey._from_keychain(row) == key
    rebuilt, error = SecKeyCreateWithData(None, {"tkid": "com.apple.setoken", "toid": b"not a blob"})
    assert rebuilt is None and error is not None
    with pytest.raises(ValueError):
        SecKey._secure_enclave(ec.generate_private_key(ec.SECP384R1()))


@pytest.mark.model
def test_repr_has_no_secrets(make_key) -> None:
    """Our repr shows type, size, class and klbl only (brief: repr without secrets)."""
    key = make_key("EC", 256)
    text = repr(key)
    scalar = key.cryptography_key().private_numbers().private_value.to_bytes(32, "big").hex()
    assert scalar not in text and key.application_label.hex() in text and "private" in text
