"""Which pupils need an admission decision, which decisions fit, and when a TLV's request is due. Pure: no database,
no clock (the callers pass `day`/`today`).

Where they come from (issue "the samenwerkingsverband", DOMAIN.md glossary "samenwerkingsverband", "cluster 1–4"):

- sbo, pro and so/vso of cluster 3–4 are admitted on the SWV's toelaatbaarheidsverklaring (TLV); so/vso of
  cluster 1–2 on the decision of the school's commissie van onderzoek (CvO); bao and vo need neither;
- a TLV for so/vso states a category (laag, midden, hoog: the funding level); sbo and pro have none;
- the SWV states its request lead time: "aanvraag vóór 15 april" or "N weken vóór de einddatum".
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from accounts.models import CLUSTERED_SOORTEN
from opp_portal import dates

#: The two kinds of admission decision.
KIND_TLV = "tlv"
KIND_CVO = "cvo"
#: Onderwijssoorten admitted on a TLV whatever the school's cluster.
TLV_SOORTEN = frozenset({"sbo", "pro"})
#: so and vso: a TLV at a cluster 3–4 school, the commissie van onderzoek's decision at a cluster 1–2 school; the TLV
#: states a category. (accounts.models.CLUSTERED_SOORTEN: the soorten for which a school states its cluster.)
CATEGORY_SOORTEN = frozenset(str(s) for s in CLUSTERED_SOORTEN)
#: Clusters whose so/vso pupils are admitted by the commissie van onderzoek (cluster 1: visual, 2: hearing/language).
CVO_CLUSTERS = frozenset({1, 2})
#: Categories of a TLV for so/vso.
CATEGORIES = ("laag", "midden", "hoog")

#: The SWV's lead time: before a fixed day and month, or a number of weeks before the TLV's end.
LEAD_FIXED_DATE = "vaste_datum"
LEAD_WEEKS = "weken"
#: A lead time in weeks stays within a year.
MAX_LEAD_WEEKS = 52
#: The year in which a fixed day-month is checked: not a leap year, so 29 February (not every year's day) is refused.
_CHECK_YEAR = 2001


@dataclass(frozen=True)
class Lead:
    rule: str
    day: int | None = None
    month: int | None = None
    weeks: int | None = None


# --- Who needs which decision ---------------------------------------------------------------------------------------


def required_kind(onderwijssoort: str, cluster: int | None) -> str | None:
    """KIND_TLV, KIND_CVO or None (bao, vo: no admission decision). An so/vso school without a cluster cannot be
    told apart (School.clean refuses it): a TLV is asked, the usual case."""
    if onderwijssoort in TLV_SOORTEN:
        return KIND_TLV
    if onderwijssoort in CATEGORY_SOORTEN:
        return KIND_CVO if cluster in CVO_CLUSTERS else KIND_TLV
    return None


def category_error(onderwijssoort: str, category: str) -> str | None:
    """so/vso: laag, midden or hoog is required; sbo and pro have none, so a category is refused."""
    if onderwijssoort in CATEGORY_SOORTEN:
        if category not in CATEGORIES:
            return _("Kies de categorie van de toelaatbaarheidsverklaring: laag, midden of hoog.")
        return None
    if category:
        return _("Een toelaatbaarheidsverklaring voor %(soort)s heeft geen categorie; alleen so en vso kennen "
                 "laag, midden en hoog.") % {"soort": onderwijssoort}
    return None


def decision_errors(*, kind: str, swv_id, number: str, onderwijssoort: str, category: str,
                    starts_on: datetime.date | None, ends_on: datetime.date | None) -> dict[str, str]:
    """What a decision row may not be, whatever the pupil: field → Dutch message."""
    errors: dict[str, str] = {}
    if kind == KIND_TLV:
        if not swv_id:
            errors["samenwerkingsverband"] = _("Kies het samenwerkingsverband dat de verklaring afgaf.")
        if not (number or "").strip():
            errors["decision_number"] = _("Vul het nummer van de toelaatbaarheidsverklaring in.")
        message = category_error(onderwijssoort, category)
        if message:
            errors["category"] = message
    elif kind == KIND_CVO:
        if swv_id:
            errors["samenwerkingsverband"] = _("Een besluit van de commissie van onderzoek komt niet van het "
                                               "samenwerkingsverband: laat dit veld leeg.")
        if onderwijssoort not in CATEGORY_SOORTEN:
            errors["onderwijssoort"] = _("De commissie van onderzoek besluit alleen over so en vso (cluster 1 en 2).")
        elif category:
            errors["category"] = _("Een besluit van de commissie van onderzoek heeft geen categorie.")
    if starts_on and ends_on and ends_on < starts_on:
        errors["ends_on"] = _("De einddatum ligt vóór de ingangsdatum.")
    return errors


def fit_errors(*, kind: str, onderwijssoort: str, school_soorten: Iterable[str], cluster: int | None) -> dict[str, str]:
    """Whether the decision fits the pupil's school: its onderwijssoort is one the school offers and needs a decision
    (a TLV for vso on a pupil of an sbo school is refused), and its kind is the one that school's pupils get."""
    soorten = set(school_soorten)
    needed = required_kind(onderwijssoort, cluster)
    if onderwijssoort not in soorten:
        return {"onderwijssoort": _("De school van deze leerling biedt geen %(soort)s: een besluit voor die "
                                    "onderwijssoort past niet bij de leerling.") % {"soort": onderwijssoort}}
    if needed is None:
        return {"onderwijssoort": _("Voor %(soort)s is geen toelaatbaarheidsverklaring nodig.") % {"soort": onderwijssoort}}
    if kind != needed:
        if needed == KIND_CVO:
            return {"kind": _("Leerlingen van een school voor cluster 1 of 2 worden toegelaten door de commissie "
                              "van onderzoek, niet met een toelaatbaarheidsverklaring.")}
        return {"kind": _("Leerlingen van deze school worden toegelaten met een toelaatbaarheidsverklaring van het "
                          "samenwerkingsverband.")}
    return {}


# --- Validity --------------------------------------------------------------------------------------------------------


def valid_on(decision, day: datetime.date) -> bool:
    """Not withdrawn, started on or before `day` and not ended before it (an empty end date: onbepaald)."""
    if getattr(decision, "withdrawn_at", None) is not None:
        return False
    if decision.starts_on > day:
        return False
    return decision.ends_on is None or decision.ends_on >= day


def _end_key(decision) -> tuple:
    # Onbepaald ends last; then the latest decision, then the latest recorded.
    return (decision.ends_on is None, decision.ends_on or datetime.date.min, decision.decided_on, decision.pk or 0)


def current(decisions: Iterable, day: datetime.date):
    """The decision in force on `day`: the valid, not withdrawn one with the latest end; None if there is none."""
    valid = [d for d in decisions if valid_on(d, day)]
    return max(valid, key=_end_key) if valid else None


def finding(student, decisions: Iterable, today: datetime.date) -> str | None:
    """The compliance finding of a pupil's admission, or None. `student` has onderwijssoort, school.cluster and
    left_on; `decisions` are the pupil's. Only a decision for the pupil's own onderwijssoort counts."""
    if student.left_on is not None and student.left_on <= today:
        return None
    needed = required_kind(student.onderwijssoort, student.school.cluster)
    if needed is None:
        return None
    relevant = [d for d in decisions if d.kind == needed and d.withdrawn_at is None
                and d.onderwijssoort == student.onderwijssoort]
    if current(relevant, today) is not None:
        return None
    ended = [d for d in relevant if d.ends_on is not None and d.ends_on < today]
    last_end = max((d.ends_on for d in ended), default=None)
    if needed == KIND_CVO:
        if last_end:
            return _("Besluit van de commissie van onderzoek verlopen op %(day)s") % {"day": dates.formatted(last_end)}
        return _("Geen besluit van de commissie van onderzoek")
    if last_end:
        return _("Toelaatbaarheidsverklaring verlopen op %(day)s") % {"day": dates.formatted(last_end)}
    return _("Geen geldige toelaatbaarheidsverklaring")


# --- The request's lead time -------------------------------------------------------------------------------------------


def lead_time_errors(rule: str, *, day: int | None, month: int | None, weeks: int | None) -> dict[str, str]:
    """A fixed date needs a day and month that exist every year; weeks need 1 to MAX_LEAD_WEEKS."""
    if rule == LEAD_FIXED_DATE:
        if not day or not month:
            return {"day": _("Vul de dag en de maand in waarvóór de aanvraag binnen moet zijn.")}
        try:
            datetime.date(_CHECK_YEAR, month, day)
        except ValueError:
            return {"day": _("Deze dag bestaat niet elk jaar; kies een andere dag of maand.")}
        return {}
    if rule == LEAD_WEEKS:
        if not weeks or not 1 <= weeks <= MAX_LEAD_WEEKS:
            return {"weeks": _("Vul een aantal weken in van 1 tot en met %(max)s.") % {"max": MAX_LEAD_WEEKS}}
        return {}
    return {"rule": _("Kies hoe de termijn wordt bepaald.")}


def request_due_on(ends_on: datetime.date | None, lead: Lead) -> datetime.date | None:
    """The day the request for a new TLV or an extension must be in at the SWV; None for an onbepaalde TLV.

    Fixed date ("aanvraag vóór 15 april"): the last such day strictly before the end date (a TLV ending 31 juli 2027
    gives 15 april 2027; one ending 10 april 2027 gives 15 april 2026; one ending on 15 april 2027 itself gives
    15 april 2026, since a request on the last day of the TLV is too late). Weeks: the end date minus N weeks.
    """
    if ends_on is None:
        return None
    if lead.rule == LEAD_FIXED_DATE:
        due = datetime.date(ends_on.year, lead.month, lead.day)
        return due if due < ends_on else datetime.date(ends_on.year - 1, lead.month, lead.day)
    return ends_on - datetime.timedelta(weeks=lead.weeks)


def lead_time_text(lead: Lead) -> str:
    """"aanvraag vóór 15 april" or "12 weken vóór de einddatum"; "nog niet ingevuld" for an incomplete one (a form
    being corrected shows its object's text)."""
    if lead_time_errors(lead.rule, day=lead.day, month=lead.month, weeks=lead.weeks):
        return _("nog niet volledig ingevuld")
    if lead.rule == LEAD_FIXED_DATE:
        return _("aanvraag vóór %(day)s") % {"day": dates.formatted(datetime.date(_CHECK_YEAR, lead.month, lead.day), "j F")}
    return _("%(weeks)s weken vóór de einddatum") % {"weeks": lead.weeks}
