"""The pupil list's OPP-status column (registered with students.selectors in OppConfig.ready(): pupils stand below
plans).

Where a pupil's OPP stands, as one key per pupil computed in the list's own query (subqueries on the pupil's
newest plan and the newest version of its running plan): no query per row, however many pupils.
"""

from __future__ import annotations

from django.db.models import Case, CharField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils.translation import gettext_lazy as _

from students.selectors import OppStatusProvider

from .models import ConsentRequest, Plan, PlanVersion, VersionState

NONE_NEEDED = "geen_opp"
NOT_STARTED = "niet_gestart"
CONSENT_GIVEN = "instemming_gegeven"
REVISION = "bijstelling"

#: Key → what the column says. In the order a plan goes through them (the filter lists them so).
LABELS = {
    NONE_NEEDED: _("geen OPP nodig"),
    NOT_STARTED: _("OPP nodig, nog niet gestart"),
    VersionState.CONCEPT: _("concept"),
    VersionState.IN_OVERLEG: _("in overleg"),
    VersionState.INSTEMMING_GEVRAAGD: _("instemming gevraagd"),
    CONSENT_GIVEN: _("instemming gegeven"),
    VersionState.TER_VASTSTELLING: _("ter vaststelling"),
    VersionState.VASTGESTELD: _("vastgesteld"),
    REVISION: _("vastgesteld, bijstelling in voorbereiding"),
    Plan.State.BEEINDIGD: _("beëindigd"),
    Plan.State.INGETROKKEN: _("ingetrokken"),
}

_RUNNING = {"plan__student": OuterRef("pk"), "plan__state": Plan.State.ACTIEF}


def annotate(qs: QuerySet) -> QuerySet:
    """The pupils of `qs` with `opp_status` (a key of LABELS), in the same query."""
    newest_plan_state = Subquery(Plan.objects.filter(student=OuterRef("pk")).order_by("-created_at", "-pk")
                                 .values("state")[:1], output_field=CharField())
    newest_version_state = Subquery(PlanVersion.objects.filter(**_RUNNING).order_by("-number").values("state")[:1],
                                    output_field=CharField())
    # A correlated LIMIT 1 rather than EXISTS: PostgreSQL may turn an EXISTS in the select list into a hashed subplan
    # over every adopted version of every school (2× slower at 100,000 pupils, bench/pages.py list_ib); a LIMIT
    # subquery it runs per listed pupil by index.
    adopted_version = Subquery(PlanVersion.objects.filter(**_RUNNING, state=VersionState.VASTGESTELD)
                               .values("pk")[:1])
    # The version stays "instemming gevraagd" until it is offered for adoption; its newest consent request says
    # whether every party gave it (as PlanVersion.status_label says on the plan's own pages).
    newest_consent = Subquery(
        ConsentRequest.objects.filter(version__plan__student=OuterRef("pk"), version__plan__state=Plan.State.ACTIEF,
                                      version__state=VersionState.INSTEMMING_GEVRAAGD)
        .order_by("-requested_at", "-pk").values("state")[:1], output_field=CharField())
    open_states = [VersionState.CONCEPT, VersionState.IN_OVERLEG, VersionState.INSTEMMING_GEVRAAGD,
                   VersionState.TER_VASTSTELLING]
    # The four as aliases: only opp_status is selected. Annotated, each stood in the select list beside the CASE
    # that repeats it inline, and PostgreSQL planned and ran it once more there (the pupil list at 100,000 pupils:
    # 15 → 11 subqueries, planning 2.6 → 1.9 ms).
    return qs.alias(
        _opp_plan=newest_plan_state, _opp_version=newest_version_state, _opp_adopted=adopted_version,
        _opp_consent=newest_consent,
    ).annotate(opp_status=Case(
        When(Q(_opp_version__in=open_states) & Q(_opp_adopted__isnull=False), then=Value(REVISION)),
        When(_opp_version=VersionState.INSTEMMING_GEVRAAGD, _opp_consent="gegeven", then=Value(CONSENT_GIVEN)),
        When(_opp_version__isnull=False, then="_opp_version"),
        When(_opp_plan=Plan.State.ACTIEF, then=Value(VersionState.CONCEPT)),  # a plan without a version yet
        When(_opp_plan__in=[Plan.State.BEEINDIGD, Plan.State.INGETROKKEN], opp_required=False, then="_opp_plan"),
        When(opp_required=True, then=Value(NOT_STARTED)),
        When(_opp_plan__isnull=False, then="_opp_plan"),
        default=Value(NONE_NEEDED), output_field=CharField(),
    ))


PROVIDER = OppStatusProvider(annotate=annotate, labels=LABELS)
