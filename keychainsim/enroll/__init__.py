"""Enrollment against a real registration endpoint, and the identity proven by a real mTLS handshake.

:func:`enroll` does what an app does (key, CSR, POST, decode, import, identity lookup), each Sec* call
visible to ``keychainsim.probe.trace``; :func:`mtls_check` opens a TLS connection presenting the
identity and judges the server against the CA certificates the app received. Both return a result
whose ``findings`` carry stable codes; ``result.ok`` / ``result.exit_code`` say whether it worked.
Connections go to loopback addresses only unless ``allow_remote=True``; TLS verification is never off.

Finding codes (severity, meaning):

==========================================  ========  ==============================================================
code                                        severity  meaning
==========================================  ========  ==============================================================
``enroll.identity_formed``                  info      the certificate was imported and the identity lookup returned it
``enroll.key_creation_failed``              error     SecKeyCreateRandomKey failed with the given parameters
``enroll.csr_failed``                       error     the CSR could not be built from the key
``enroll.token_missing``                    error     the bearer-token environment variable is not set
``enroll.connection_failed``                error     the registration endpoint could not be reached
``enroll.server_untrusted``                 error     the registration server's certificate does not verify
``enroll.http_error``                       error     the server answered an HTTP error status (the body is shown)
``enroll.unparsable_response``              error     the body holds no certificate the app can decode
``enroll.text_outside_pem``                 error     text around the PEM blocks, which a strict decoder refuses
``enroll.chain_out_of_order``               error     the first certificate of the response is a CA, not the leaf
``enroll.missing_intermediate``             error     the chain lacks the certificate that issued the leaf
``enroll.certificate_for_other_key``        error     the server certified a key that is not the device key
``enroll.certificate_expired``              error     the issued certificate is outside its validity period
``enroll.no_client_auth``                   error     the issued certificate lacks the clientAuth usage
``enroll.certificate_rejected``             error     SecCertificateCreateWithData returned NULL
``enroll.add_failed``                       error     SecItemAdd of the leaf certificate failed
``enroll.identity_not_found``               error     the identity lookup after the import found nothing
``enroll.stale_identity``                   error     the lookup returned an older identity with the same label
``enroll.identity_key_is_public``           error     the identity returned holds the public key, which cannot sign
``mtls.accepted``                           info      handshake completed, the server accepted the client certificate
``mtls.client_certificate_rejected``        error     the server refused the client certificate (alert or HTTP 400)
``mtls.server_untrusted``                   error     the app would not trust the server (chain, validity, host, EKU)
``mtls.connection_failed``                  error     no TLS connection (refused, timed out, protocol error)
``mtls.http_error``                         error     handshake completed, the server answered an HTTP error
``mtls.identity_unusable``                  error     the identity cannot be handed to the TLS library
==========================================  ========  ==============================================================

``enroll.certificate_for_other_key``, ``enroll.chain_out_of_order`` and ``enroll.identity_not_found``
carry explain's own findings (``identity.*``) in ``Finding.explained``.
``mtls.client_certificate_rejected`` names its cause in ``evidence["cause"]``: ``unknown_ca``,
``missing_intermediate``, ``expired``, ``no_client_auth``, ``no_certificate`` or ``other``.
"""

from __future__ import annotations

from keychainsim.lazy import lazy_face

# Loaded on first use: the command line imports keychainsim.enroll.cli, which must not pull in
# cryptography or httpx before a command runs.
_LAZY: dict[str, str] = {
    "BUILTIN_TEMPLATES": "keychainsim.enroll.template",
    "CODES": "keychainsim.enroll.findings",
    "EnrollmentResult": "keychainsim.enroll.result",
    "Finding": "keychainsim.enroll.findings",
    "MTLSResult": "keychainsim.enroll.result",
    "Step": "keychainsim.enroll.result",
    "Template": "keychainsim.enroll.template",
    "default_key_parameters": "keychainsim.enroll.client",
    "enroll": "keychainsim.enroll.client",
    "identity_query": "keychainsim.enroll.client",
    "mtls_check": "keychainsim.enroll.mtls",
}

__all__ = sorted(_LAZY)


__getattr__, __dir__ = lazy_face(__name__, _LAZY, globals())
