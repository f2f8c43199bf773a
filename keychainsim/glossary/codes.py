"""Every finding code keychainsim reports, with its meaning and a scenario that produces it.

The codes and meanings are explain's (:data:`keychainsim.explain.MEANING`) and the enrollment's
(:data:`keychainsim.enroll.findings.CODES`); this module adds, for each, an example: a fixture scenario in the
repository that reports the code when run (``keychainsim run FILE``). The test suite checks that the codes
listed here are exactly the codes the source can emit, and runs every example.
"""

from __future__ import annotations

from dataclasses import dataclass

EXAMPLES: dict[str, str] = {
    "class.empty": "fixtures/scenarios/catalog/c19-wrong-class.yaml",
    "query.rejected": "fixtures/scenarios/catalog/c42-attribute-not-for-class.yaml",
    "query.limit_before_filter": "fixtures/scenarios/catalog/c53-limit-before-host-filter.yaml",
    "query.attribute_mismatch": "fixtures/scenarios/catalog/c14-non-unique-attribute-in-read.yaml",
    "query.value_type_mismatch": "fixtures/scenarios/catalog/c43-tag-encoding.yaml",
    "query.synchronizable_excluded": "fixtures/scenarios/catalog/c25-synchronizable-invisible.yaml",
    "access.group_not_visible": "fixtures/scenarios/catalog/c22-item-in-group-caller-lacks.yaml",
    "access.missing_entitlement": "fixtures/scenarios/catalog/c23-missing-entitlement.yaml",
    "lock.item_unavailable": "fixtures/scenarios/catalog/c29-when-unlocked-in-background.yaml",
    "platform.other_keychain": "fixtures/scenarios/catalog/c36-macos-two-keychains.yaml",
    "identity.no_certificate": "fixtures/scenarios/catalog/c49-pkcs12-import-stores-nothing.yaml",
    "identity.no_private_key": "fixtures/scenarios/seed/s1-key-not-permanent.yaml",
    "identity.certificate_for_other_key": "fixtures/scenarios/seed/s5-server-certified-other-key.yaml",
    "identity.key_is_public": "fixtures/scenarios/seed/s14-permanent-at-top-level.yaml",
    "query.returns_public_key": "fixtures/scenarios/catalog/c12-public-key-stored-too.yaml",
    "identity.application_label_overridden": "fixtures/scenarios/seed/s6-custom-application-label.yaml",
    "identity.attribute_on_wrong_side": "fixtures/scenarios/seed/s9-label-on-the-key.yaml",
    "query.stale_persistent_ref": "fixtures/scenarios/explain/stale-persistent-ref.yaml",
    "access.authentication_required": "fixtures/scenarios/explain/read-behind-a-prompt.yaml",
    "lock.add_unavailable": "fixtures/scenarios/explain/add-while-locked.yaml",
    "add.duplicate": "fixtures/scenarios/catalog/c14-non-unique-attribute-in-read.yaml",
    "update.duplicate": "fixtures/scenarios/explain/update-duplicate.yaml",
    "trace.pkcs12_not_stored": "fixtures/scenarios/catalog/c49-pkcs12-import-stores-nothing.yaml",
    "trace.key_not_stored": "fixtures/scenarios/seed/s1-key-not-permanent.yaml",
    "trace.certificate_not_der": "fixtures/scenarios/seed/c41-pem-not-der.yaml",
    "trace.add_failed": "fixtures/scenarios/seed/s7-certificate-add-failed.yaml",
    "trace.item_deleted": "fixtures/scenarios/catalog/c17-delete-removes-every-match.yaml",
    "enroll.identity_formed": "fixtures/scenarios/enrollment/enroll-and-mtls.yaml",
    "enroll.key_creation_failed": "fixtures/scenarios/enrollment/enroll-key-creation-failed.yaml",
    "enroll.csr_failed": "fixtures/scenarios/enrollment/enroll-csr-failed.yaml",
    "enroll.token_missing": "fixtures/scenarios/enrollment/enroll-token-missing.yaml",
    "enroll.connection_failed": "fixtures/scenarios/enrollment/enroll-connection-failed.yaml",
    "enroll.server_untrusted": "fixtures/scenarios/enrollment/enroll-server-untrusted.yaml",
    "enroll.http_error": "fixtures/scenarios/enrollment/enroll-http-error.yaml",
    "enroll.unparsable_response": "fixtures/scenarios/enrollment/enroll-unparsable-response.yaml",
    "enroll.text_outside_pem": "fixtures/scenarios/enrollment/enroll-text-outside-pem.yaml",
    "enroll.chain_out_of_order": "fixtures/scenarios/enrollment/enroll-chain-out-of-order.yaml",
    "enroll.missing_intermediate": "fixtures/scenarios/enrollment/enroll-missing-intermediate.yaml",
    "enroll.certificate_for_other_key": "fixtures/scenarios/enrollment/enroll-other-key.yaml",
    "enroll.certificate_expired": "fixtures/scenarios/enrollment/enroll-certificate-expired.yaml",
    "enroll.no_client_auth": "fixtures/scenarios/enrollment/enroll-no-client-auth.yaml",
    "enroll.certificate_rejected": "fixtures/scenarios/enrollment/enroll-certificate-rejected.yaml",
    "enroll.add_failed": "fixtures/scenarios/enrollment/enroll-add-failed.yaml",
    "enroll.identity_not_found": "fixtures/scenarios/enrollment/enroll-identity-not-found.yaml",
    "enroll.stale_identity": "fixtures/scenarios/enrollment/enroll-stale-identity.yaml",
    "enroll.identity_key_is_public": "fixtures/scenarios/enrollment/enroll-key-is-public.yaml",
    "mtls.accepted": "fixtures/scenarios/enrollment/enroll-and-mtls.yaml",
    "mtls.client_certificate_rejected": "fixtures/scenarios/enrollment/enroll-no-client-auth.yaml",
    "mtls.server_untrusted": "fixtures/scenarios/enrollment/mtls-server-untrusted.yaml",
    "mtls.connection_failed": "fixtures/scenarios/enrollment/mtls-connection-failed.yaml",
    "mtls.http_error": "fixtures/scenarios/enrollment/mtls-http-error.yaml",
    "mtls.identity_unusable": "fixtures/scenarios/enrollment/mtls-identity-unusable.yaml",
}
"""Finding code -> a fixture scenario (path from the repository root) that reports it when run."""

NO_EXAMPLE: dict[str, str] = {
    "call.failed": "explain's last resort when no finer finding names the cause; the test suite checks that no "
    "failure it can produce ends there, so no scenario shows it",
}
"""Codes no scenario can show, and why."""


@dataclass(frozen=True)
class FindingCode:
    """A finding code as ``explain --codes`` lists it."""

    code: str
    meaning: str
    severity: str
    """``error``, ``warning`` or ``info`` for enrollment and mTLS codes; empty for explain's (all are causes)."""
    example: str
    """A fixture that reports the code, or empty when none can (see :data:`NO_EXAMPLE`)."""

    def to_dict(self) -> dict[str, str]:
        out = {"meaning": self.meaning, "severity": self.severity, "example": self.example}
        if not self.example:
            out["no_example"] = NO_EXAMPLE.get(self.code, "none yet")
        return out


def finding_codes() -> list[FindingCode]:
    """Every code: explain's first, then the enrollment's and the mTLS check's, in their tables' order."""
    from keychainsim.enroll.findings import CODES
    from keychainsim.explain import MEANING

    listed = [FindingCode(code, meaning, "", EXAMPLES.get(code, "")) for code, meaning in MEANING.items()]
    listed += [
        FindingCode(code, meaning, severity, EXAMPLES.get(code, "")) for code, (severity, meaning) in CODES.items()
    ]
    return listed
