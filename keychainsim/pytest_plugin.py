"""keychainsim's pytest plugin (entry point ``pytest11``): a fresh keychain per test, scenario files as
tests, and an enrollment helper whose failures print the dump and the explanation.

Fixtures (function-scoped, fresh in-memory state each time):

* ``keychainsim`` — a :class:`~keychainsim.Keychain`, configured by ``@pytest.mark.keychainsim(platform="macos",
  access_groups=[...], lock="locked")``.
* ``keychainsim_scenario`` — ``keychainsim_scenario("path.yaml")`` runs a scenario and fails the test with
  every step, the dump and the explanation if an expectation fails; returns the result.
* ``keychainsim_enrollment`` — the device side of an enrollment against your server::

      def test_server_certificate_pairs(keychainsim_enrollment):
          csr = keychainsim_enrollment.generate(tag=b"com.example.mtls")   # key in the keychain, CSR (PEM)
          certificate = my_server.issue(csr)                              # what your server returns
          keychainsim_enrollment.install(certificate, label="mtls")       # PEM or DER, as the app adds it
          keychainsim_enrollment.assert_identity(label="mtls")            # the lookup the app makes

This module is imported in every pytest run where keychainsim is installed, so it imports nothing heavy
at the top: the engine and ``cryptography`` load inside the fixtures.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

MARKER = (
    "keychainsim(platform='ios', access_groups=None, lock=None): configure the keychainsim fixture "
    "(platform ios|macos, the app's access groups, lock state unlocked|locked|before_first_unlock)"
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER)


def _marker_options(request: pytest.FixtureRequest) -> dict[str, Any]:
    marker = request.node.get_closest_marker("keychainsim")
    if marker is None:
        return {}
    if marker.args:
        raise pytest.UsageError(
            "@pytest.mark.keychainsim takes keyword arguments only (platform=, access_groups=, lock=)"
        )
    unknown = set(marker.kwargs) - {"platform", "access_groups", "lock", "clock"}
    if unknown:
        raise pytest.UsageError(f"@pytest.mark.keychainsim: unknown option(s) {', '.join(sorted(unknown))}")
    return dict(marker.kwargs)


def make_keychain(
    platform: str = "ios",
    access_groups: list[str] | None = None,
    lock: str | None = None,
    clock: Callable[[], Any] | None = None,
) -> Any:
    """A fresh in-memory keychain in the given state (the fixtures' factory, usable directly)."""
    from keychainsim import Keychain

    kc = Keychain(platform=platform, access_groups=access_groups, clock=clock)
    if lock == "locked":
        kc.lock()
    elif lock == "before_first_unlock":
        kc.restart()
    elif lock not in (None, "unlocked"):
        raise pytest.UsageError(f"lock must be unlocked, locked or before_first_unlock, not {lock!r}")
    return kc


@pytest.fixture
def keychainsim(request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh in-memory keychain; ``@pytest.mark.keychainsim(...)`` sets platform, groups and lock state."""
    yield make_keychain(**_marker_options(request))


def failure_report(kc: Any, query: dict[str, Any] | None = None, history: Any = None, title: str = "") -> str:
    """The text a failed assertion shows: the title, the explanation of ``query`` and the full dump."""
    from keychainsim.explain import explain
    from keychainsim.probe import dump

    parts = [title] if title else []
    if query is not None:
        parts += ["", "explanation:", str(explain(kc, query, history=history))]
    parts += ["", "keychain dump:", str(dump(kc))]
    return "\n".join(parts)


def run_and_assert(path: str | Path, keychain: Any = None) -> Any:
    """Run a scenario file; fail the test with each step, the explanation and the dump when it does not pass."""
    from keychainsim.cli.run_command import step_lines
    from keychainsim.probe import dump
    from keychainsim.scenario import run_scenario

    result = run_scenario(path, keychain=keychain)
    if not result.passed:
        lines = [f"scenario {path} failed: {result.scenario.name}"]
        for done in result.steps:
            lines += step_lines(done)
        lines += ["", "keychain dump at the end:", str(dump(result.keychain))]
        pytest.fail("\n".join(lines), pytrace=False)
    return result


@pytest.fixture
def keychainsim_scenario(request: pytest.FixtureRequest) -> Callable[..., Any]:
    """``keychainsim_scenario(path)`` runs a scenario (paths relative to the test file) and asserts it."""
    base = Path(str(request.node.path)).parent

    def run(path: str | Path, keychain: Any = None) -> Any:
        target = Path(path)
        if not target.is_absolute() and not target.exists():
            target = base / target
        return run_and_assert(target, keychain)

    return run


class Enrollment:
    """The device side of an enrollment flow on one keychain, step by step, with checked outcomes.

    Every call is recorded (``history``) so a failed :meth:`assert_identity` can say, for instance, that
    the certificate add failed earlier or that the certificate was PEM.
    """

    def __init__(self, kc: Any) -> None:
        self.kc = kc
        self.key: Any = None
        self.csr_der: bytes | None = None
        self.certificate: Any = None
        self.history: list[Any] = []

    def _note(self, call: str, args: tuple[Any, ...], status: Any, result: Any) -> None:
        from keychainsim.scenario.runner import HistoryStep

        self.history.append(HistoryStep(call, args, status, result))

    def generate(
        self,
        tag: bytes = b"com.example.enrollment",
        subject: dict[str, str] | None = None,
        key_type: str = "ec",
        bits: int = 256,
        **private_attributes: Any,
    ) -> str:
        """A permanent private key in the keychain (flags in kSecPrivateKeyAttrs) and a CSR for it (PEM)."""
        from keychainsim.crypto.csr import create_csr
        from keychainsim.crypto.pem import der_to_pem

        private = {"perm": True, "atag": tag, **private_attributes}
        parameters = {"type": "73" if key_type == "ec" else "42", "bsiz": bits, "private": private}
        key, error = self.kc.SecKeyCreateRandomKey(parameters)
        self._note("SecKeyCreateRandomKey", (parameters,), None, (key, error))
        if key is None:
            pytest.fail(f"SecKeyCreateRandomKey failed: {error}", pytrace=False)
        self.key = key
        self.csr_der = create_csr(key, subject or {"CN": "keychainsim device"})
        return der_to_pem(self.csr_der, "CERTIFICATE REQUEST")

    @property
    def csr_pem(self) -> str:
        from keychainsim.crypto.pem import der_to_pem

        if self.csr_der is None:
            raise RuntimeError("call generate() first")
        return der_to_pem(self.csr_der, "CERTIFICATE REQUEST")

    def install(self, certificate: bytes | str, label: str | None = None, **attributes: Any) -> Any:
        """Decode (PEM -> DER when needed, as a careful app does), SecItemAdd; returns the status."""
        from keychainsim.crypto import SecCertificateCreateWithData
        from keychainsim.crypto.pem import pem_to_der

        data = certificate.encode("ascii") if isinstance(certificate, str) else bytes(certificate)
        if b"-----BEGIN" in data:
            data = pem_to_der(data, "CERTIFICATE", "the server's certificate")
        cert = SecCertificateCreateWithData(data)
        self._note("SecCertificateCreateWithData", (data,), None, cert)
        if cert is None:
            pytest.fail(
                "SecCertificateCreateWithData returned NULL: the server's data is not a certificate", pytrace=False
            )
        self.certificate = cert
        add = {"class": "cert", "v_Ref": cert, **attributes}
        if label is not None:
            add["labl"] = label
        status, _ = self.kc.SecItemAdd(add)
        self._note("SecItemAdd", (add,), status, None)
        return status

    def assert_identity(self, label: str | None = None, **query_attributes: Any) -> Any:
        """The app's identity lookup (``kSecMatchLimitOne``) must return a usable identity with the installed
        certificate; otherwise the test fails showing the explanation and the dump. A lookup that succeeds
        with an identity whose "private key" is the public key (``identity.key_is_public``: the forum
        thread's kSecAttrIsPermanent at the top level stores both halves) fails too: it cannot sign."""
        from keychainsim.explain import explain

        query: dict[str, Any] = {"class": "idnt", "r_Ref": True, "m_Limit": "m_LimitOne", **query_attributes}
        if label is not None:
            query["labl"] = label
        status, identity = self.kc.SecItemCopyMatching(query)
        if status == 0 and (self.certificate is None or identity.certificate == self.certificate):
            report = explain(self.kc, query, history=self.history)
            if not report.findings:
                return identity
            title = "the identity lookup succeeded, but the identity it returned is not usable: " + ", ".join(
                report.codes
            )
        elif status != 0:
            title = f"the identity lookup returned {status}"
        else:
            title = (
                "the identity lookup returned another certificate's identity (kSecMatchLimitOne picked an older one)"
            )
        pytest.fail(failure_report(self.kc, query, self.history, title), pytrace=False)


@pytest.fixture
def keychainsim_enrollment(keychainsim: Any) -> Enrollment:
    """An :class:`Enrollment` on the ``keychainsim`` fixture's keychain (marker options apply)."""
    return Enrollment(keychainsim)
