"""The plans' panel on the staff start page (accounts.panels; registered in OppConfig.ready())."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext_lazy as _

from accounts import access
from accounts.access import Cap

from .access import schools_for_export
from .models import PlanVersion


def adoption_queue(user, caps, today: datetime.date) -> dict | None:
    """How many versions wait for this bestuurder (or mandated schoolleider) to adopt them ("Ter vaststelling")."""
    if Cap.PLAN_ADOPT not in caps:
        return None
    waiting = PlanVersion.objects.filter(state="ter_vaststelling", plan__state="actief",
                                         plan__student__school__in=access.schools_with(user, Cap.PLAN_ADOPT)).count()
    return {"id": "vaststellen", "title": _("Ter vaststelling"), "waiting": waiting,
            "empty": _("Er wachten geen OPP's op vaststelling.")}


def las_export(user, caps, today: datetime.date) -> dict | None:
    """The way to the LAS export (opp.las_export) of each school where the user writes plans."""
    if Cap.PLAN_EDIT not in caps:
        return None
    schools = list(schools_for_export(user))
    if not schools:
        return None
    return {"id": "las", "title": _("OPP-gegevens voor uw leerlingadministratie"), "empty": None,
            "template": "opp/_las_export_panel.html", "schools": schools}
