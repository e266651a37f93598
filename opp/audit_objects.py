"""What the audit log shows of the plans app's objects, and which of them belong to a pupil (audit.selectors;
registered in OppConfig.ready())."""

from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from audit.selectors import day, pupil_name, register_describers
from opp.models import (
    ActionItem,
    ConsentAnswer,
    ConsentRequest,
    Consultation,
    Goal,
    Measurement,
    Plan,
    PlanVersion,
    Reaction,
)

LABELS = {
    "opp.plan": _("OPP"),
    "opp.planversion": _("OPP-versie"),
    "opp.consultation": _("overleg"),
    "opp.consentrequest": _("verzoek om instemming"),
    "opp.consentanswer": _("instemming"),
    "opp.reaction": _("reactie op het OPP"),
    "opp.goal": _("doel van het OPP"),
    "opp.measurement": _("meting"),
}


def objects_of_pupils(ids: list[int]) -> dict:
    return {
        "opp.plan": Plan.objects.filter(student_id__in=ids),
        "opp.planversion": PlanVersion.objects.filter(plan__student_id__in=ids),
        "opp.consultation": Consultation.objects.filter(plan__student_id__in=ids),
        "opp.consentrequest": ConsentRequest.objects.filter(version__plan__student_id__in=ids),
        "opp.consentanswer": ConsentAnswer.objects.filter(request__version__plan__student_id__in=ids),
        "opp.reaction": Reaction.objects.filter(version__plan__student_id__in=ids),
        "opp.goal": Goal.objects.filter(plan__student_id__in=ids),
        "opp.measurement": Measurement.objects.filter(goal__plan__student_id__in=ids),
    }


# --- Human labels (audit.selectors.object_labels): one query per object type per page ----------------------------


def plan_label(plan, school_ids) -> str:
    """"OPP van Sanne de Vries" (the pupil's name only for a viewer whose schools hold the pupil)."""
    return gettext("OPP van %(pupil)s") % {"pupil": pupil_name(plan.student, school_ids)}


def version_label(version, school_ids) -> str:
    """"OPP van Sanne de Vries, versie 2"."""
    return gettext("%(plan)s, versie %(number)s") % {"plan": plan_label(version.plan, school_ids),
                                                      "number": version.number}


def _plans(pks, school_ids):
    return {p.pk: plan_label(p, school_ids) for p in Plan.objects.filter(pk__in=pks).select_related("student")}


def _versions(pks, school_ids):
    return {v.pk: version_label(v, school_ids)
            for v in PlanVersion.objects.filter(pk__in=pks).select_related("plan__student")}


def _consultations(pks, school_ids):
    rows = Consultation.objects.filter(pk__in=pks).select_related("plan__student")
    return {c.pk: gettext("Overleg van %(day)s — %(pupil)s") % {"day": day(c.held_on),
                                                                "pupil": pupil_name(c.plan.student, school_ids)}
            for c in rows}


def _consent_requests(pks, school_ids):
    rows = ConsentRequest.objects.filter(pk__in=pks).select_related("version__plan__student")
    return {r.pk: gettext("Verzoek om instemming — %(version)s") % {"version": version_label(r.version, school_ids)}
            for r in rows}


def _consent_answers(pks, school_ids):
    rows = ConsentAnswer.objects.filter(pk__in=pks).select_related("request__version__plan__student")
    return {a.pk: gettext("Instemming — %(version)s") % {"version": version_label(a.request.version, school_ids)}
            for a in rows}


def _reactions(pks, school_ids):
    rows = Reaction.objects.filter(pk__in=pks).select_related("version__plan__student")
    return {r.pk: gettext("Reactie op het %(version)s") % {"version": version_label(r.version, school_ids)}
            for r in rows}


def _goals(pks, school_ids):
    """"Doel 2 — OPP van Sanne de Vries": the goal's place in its latest version, never its wording (content)."""
    latest = ActionItem.objects.filter(plan_goal=OuterRef("pk")).order_by("-version__number", "-pk")
    rows = (Goal.objects.filter(pk__in=pks).select_related("plan__student")
            .annotate(place=Subquery(latest.values("position")[:1])))
    return {g.pk: (gettext("Doel %(n)s — %(plan)s") % {"n": g.place, "plan": plan_label(g.plan, school_ids)}
                   if g.place else gettext("Doel van het OPP — %(plan)s") % {"plan": plan_label(g.plan, school_ids)})
            for g in rows}


def _measurements(pks, school_ids):
    """"Meting van 5 december 2026 — OPP van Sanne de Vries" (never the value: that is content)."""
    rows = Measurement.objects.filter(pk__in=pks).select_related("goal__plan__student")
    return {m.pk: gettext("Meting van %(day)s — %(plan)s") % {"day": day(m.measured_on),
                                                              "plan": plan_label(m.goal.plan, school_ids)}
            for m in rows}


register_describers({
    "opp.plan": _plans,
    "opp.planversion": _versions,
    "opp.consultation": _consultations,
    "opp.consentrequest": _consent_requests,
    "opp.consentanswer": _consent_answers,
    "opp.reaction": _reactions,
    "opp.goal": _goals,
    "opp.measurement": _measurements,
})
