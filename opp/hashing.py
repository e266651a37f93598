"""Content hashes (ARCHITECTURE.md "Hashes"): SHA-256 over canonical JSON.

Items in their order, fields in a fixed order, text with \\r\\n → \\n and outer whitespace stripped.
The handelingsdeel hash binds consent (R-CONSENT-5); the version hash binds adoption (R-SET-1).
"""

from __future__ import annotations

import datetime
import hashlib
import json

from . import ldgm

ACTION_FIELDS = ("goal", "approach", "who", "frequency", "evaluation_moment", "evaluation_criterion")
#: A handelingsdeel goal's measure (opp.measures): part of what the parents consent to (R-CONSENT-5). Hashed after
#: the item's text, and only when the item has one: an item without a measure hashes as it always did, so the
#: hashes of versions asked or adopted before measures existed stay valid.
MEASURE_FIELDS = ("measure_instrument", "measure_baseline", "measure_baseline_on", "measure_target",
                  "measure_target_on", "measure_direction")
FACTOR_FIELDS = ("kind", "domain", "text")
YIELD_FIELDS = ("subject", "expectation")
SCALAR_FIELDS = (
    "uitstroom_profiel", "uitstroom_onderbouwing", "programma_afwijking", "doelen_nodig", "vervangende_doelen",
    "onderwijstijd_nodig", "onderwijstijd_aanbod", "onderwijstijd_toetsing", "onderwijstijd_begeleiding",
    "onderwijstijd_duur", "rapporten_weging", "leerling_mening", "leerling_weging", "leerling_uitleg", "opdc_vraag",
    "opdc_duur", "opdc_programma", "commissie_advies_on", "commissie_advies", "for_swv_arrangement",
)
#: The Landelijk Doelgroepenmodel (opp.ldgm): hashed after everything else and only when something of it is set, so
#: the hash of every version made before it existed (and of every bao/vo plan) stays what it was.
LDGM_FIELDS = ldgm.FIELDS


def normalise(value):
    if isinstance(value, str):
        return value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _items(items, fields):
    return [[normalise(item.get(f, "")) for f in fields] for item in items]


def canonical(obj) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=False).encode("utf-8")


def sha256(obj) -> str:
    return hashlib.sha256(canonical(obj)).hexdigest()


def _actions(actions) -> list[list]:
    rows = []
    for item in actions:
        row = [normalise(item.get(f, "")) for f in ACTION_FIELDS]
        measure = [normalise(item.get(f)) for f in MEASURE_FIELDS]
        if any(v not in ("", None) for v in measure):
            row.append(measure)
        rows.append(row)
    return rows


def handelingsdeel_hash(actions: list[dict]) -> str:
    return sha256({"handelingsdeel": _actions(actions)})


def version_hash(*, plan_id: int, number: int, scalars: dict, factors: list[dict], actions: list[dict],
                 yields: list[dict]) -> str:
    content = {
        "plan": plan_id,
        "versie": number,
        "velden": [[f, normalise(scalars.get(f))] for f in SCALAR_FIELDS],
        "factoren": _items(factors, FACTOR_FIELDS),
        "handelingsdeel": _actions(actions),
        "leerrendement": _items(yields, YIELD_FIELDS),
    }
    doelgroepenmodel = ldgm.hash_part(scalars)
    if doelgroepenmodel is not None:
        content["doelgroepenmodel"] = doelgroepenmodel
    return sha256(content)
