"""Demo: the Landelijk Doelgroepenmodel (opp.ldgm) on every sbo/so/vso plan.

The first version of each such plan gets its leerroute, bestemming and first steps when it is written
(opp.demo.write_plan); an adopted version is frozen (R-SET-5), so this hook only completes what is still open: a
plan whose open version has no doelgroepenmodel yet gets it, and an open revision (bijstelling, e.g. Adam's) records
that the school monitored and evaluated the pupil ("op koers?", steps 7 and 8) on the day the revision started.
Idempotent: what is filled in stays as it is.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from students.models import Student

from . import ldgm, services
from .demo import PUPIL_TEXTS, ldgm_content, on_day
from .models import EDITABLE_STATES, Plan

D = datetime.date


@transaction.atomic
def seed_ldgm(today: D | None = None) -> None:
    today = today or timezone.localdate()
    plans = (Plan.objects.filter(state=Plan.State.ACTIEF, student__onderwijssoort__in=ldgm.SOORTEN)
             .exclude(student__left_on__lte=today).select_related("student", "created_by"))
    for plan in plans:
        student: Student = plan.student
        version = plan.versions.filter(state__in=EDITABLE_STATES).order_by("-number").first()
        if version is None or student.pupil_number not in PUPIL_TEXTS:
            continue
        written_on = min(timezone.localtime(version.created_at).date(), today)
        data = {f: getattr(version, f) for f in ldgm.FIELDS}
        if not ldgm.is_set(data):
            data = ldgm_content(student.pupil_number, written_on) or {}
        if not data:
            continue
        stappen = dict(ldgm.clean_steps(data.get("ldgm_stappen")))
        if version.based_on_id is not None:
            for key in ("monitoren", "evalueren"):
                stappen.setdefault(key, written_on.isoformat())
        if stappen == version.ldgm_stappen and ldgm.is_set({f: getattr(version, f) for f in ldgm.FIELDS}):
            continue
        with on_day(written_on, 15):
            services.version_save_section(actor=plan.created_by, version=version, section="ldgm",
                                          revision=version.section_revisions.get("ldgm", 0),
                                          data={**data, "ldgm_stappen": stappen})
