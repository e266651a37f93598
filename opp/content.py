"""A version's content as plain values, and the two hashes over it (ARCHITECTURE.md "Hashes").

Its own module, below both opp.selectors and opp.consent_services: consent binds the handelingsdeel hash, and
the selectors' compliance snapshot asks the consent services for the consent status; with the hashes in the
selectors the two imported each other.
"""

from __future__ import annotations

from . import hashing
from .models import PlanVersion


def version_content(version: PlanVersion) -> dict:
    """Plain values of a version (uses prefetched items when present)."""
    return {
        "scalars": {f: getattr(version, f) for f in (*hashing.SCALAR_FIELDS, *hashing.LDGM_FIELDS)},
        "factors": [{"kind": f.kind, "domain": f.domain, "text": f.text} for f in version.factors.all()],
        "actions": [{f: getattr(a, f) for f in (*hashing.ACTION_FIELDS, *hashing.MEASURE_FIELDS)}
                    for a in version.actions.all()],
        "yields": [{"subject": y.subject, "expectation": y.expectation} for y in version.yields.all()],
    }


def handelingsdeel_hash(version: PlanVersion) -> str:
    return hashing.handelingsdeel_hash(version_content(version)["actions"])


def version_hash(version: PlanVersion) -> str:
    c = version_content(version)
    return hashing.version_hash(plan_id=version.plan_id, number=version.number, scalars=c["scalars"],
                                factors=c["factors"], actions=c["actions"], yields=c["yields"])
