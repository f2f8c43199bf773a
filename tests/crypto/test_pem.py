"""PEM helpers: DER round trips and precise errors naming the input (architecture principle 6)."""

from __future__ import annotations

import pytest

from keychainsim.crypto import SecCertificateCreateWithData
from keychainsim.crypto.pem import der_to_pem, pem_to_der, split_pem_bundle
from keychainsim.errors import InputError

from .test_certificates import CN, make_cert


@pytest.mark.model
def test_round_trip_and_device_behaviour() -> None:
    """Our helper: der_to_pem/pem_to_der round-trip; the PEM text itself is what
    SecCertificateCreateWithData refuses (§G.1)."""
    cert_der = make_cert([CN("pem")])
    text = der_to_pem(cert_der)
    assert text.startswith("-----BEGIN CERTIFICATE-----\n") and text.endswith("-----END CERTIFICATE-----\n")
    assert all(len(line) <= 64 for line in text.splitlines())
    assert pem_to_der(text) == cert_der and pem_to_der(text.encode()) == cert_der
    assert SecCertificateCreateWithData(text.encode()) is None
    assert SecCertificateCreateWithData(pem_to_der(text)) is not None


@pytest.mark.model
@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("hello", "no PEM block"),
        ("-----BEGIN CERTIFICATE-----\nAAAA\n", "no matching END"),
        ("-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n", "not valid base64"),
        ("-----BEGIN CERTIFICATE-----\nAAAA\n-----END X509 CRL-----\n", "ends with"),
        ("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "has no CERTIFICATE block"),
    ],
)
def test_errors_name_input_and_problem(text: str, problem: str) -> None:
    """Our helper: each malformed response gets an InputError with the source and the problem."""
    with pytest.raises(InputError) as caught:
        pem_to_der(text, source="server response")
    assert caught.value.source == "server response" and problem in caught.value.problem


@pytest.mark.model
def test_extra_blocks_and_text_outside() -> None:
    """Our helper: a second certificate or text around the block is an error for pem_to_der (unless
    allowed) and reported, not fatal, for split_pem_bundle."""
    leaf, ca = der_to_pem(make_cert([CN("leaf")])), der_to_pem(make_cert([CN("ca")]))
    with pytest.raises(InputError, match="2 PEM blocks"):
        pem_to_der(leaf + ca)
    wrapped = f"Your certificate:\n{leaf}\nthanks!\n"
    with pytest.raises(InputError, match="text outside the PEM block"):
        pem_to_der(wrapped)
    assert pem_to_der(wrapped, allow_text_outside=True) == pem_to_der(leaf)
    bundle = split_pem_bundle("intro\n" + leaf + ca + "outro")
    assert len(bundle.blocks) == 2 and bundle.outside_text == ("intro", "outro")
    assert bundle.ders() == [pem_to_der(leaf), pem_to_der(ca)]
