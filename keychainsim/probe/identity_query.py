"""Which half of an identity each attribute of an identity query filters, as the engine's join reads it.

An identity is a certificate joined to a private key (§H); the query's attributes do not all test the
same item. ``keychain/securityd/SecItemDb.c: s3dl_create_select_sql()`` exposes the certificate's
``labl``, ``issr``, ``slnr``, ``skid`` and ``tkid`` and the key's columns for everything else, shared
names (``agrp``, ``pdmn``, ``sync``) included; a few certificate attributes are no column of the join
at all, and naming one makes the query fail. The engine holds those sets
(:data:`keychainsim.engine.identity.CERTIFICATE_SIDE`, :data:`~keychainsim.engine.identity.NO_COLUMN`);
this module only reads a query against them, so that a picture of identity formation draws each term on
the half it filters without deciding anything itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from keychainsim.engine.identity import CERTIFICATE_SIDE, NO_COLUMN

CERTIFICATE = "cert"
KEY = "keys"
NO_SUCH_COLUMN = "none"


@dataclass(frozen=True)
class QueryTerm:
    """One attribute of an identity query and the half of the pair it filters."""

    key: str
    """The raw attribute key (``labl``, ``atag``, ...)."""
    value: Any
    side: str
    """:data:`CERTIFICATE`, :data:`KEY`, or :data:`NO_SUCH_COLUMN` (the join has no such column)."""


def is_identity_query(query: Mapping[str, Any] | None) -> bool:
    return query is not None and query.get("class") == "idnt"


def identity_query_terms(query: Mapping[str, Any] | None) -> tuple[QueryTerm, ...]:
    """The attribute terms of an identity query (kSecClassIdentity), in the query's order; none for any
    other query. Attribute keys are the four-character ones (``SecDbQuery.c: query_applier()``); match,
    return and use keys filter no half."""
    if not is_identity_query(query):
        return ()
    assert query is not None
    terms = []
    for key, value in query.items():
        if not isinstance(key, str) or len(key) != 4:
            continue
        side = NO_SUCH_COLUMN if key in NO_COLUMN else CERTIFICATE if key in CERTIFICATE_SIDE else KEY
        terms.append(QueryTerm(key, value, side))
    return tuple(terms)
