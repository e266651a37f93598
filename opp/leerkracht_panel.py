"""The leerkracht's panel on the staff start page (accounts.panels; registered in OppConfig.ready()).

A leerkracht reads only the pupils of their own groups (accounts.access.pupil_reach). Their start page lists those
pupils with a running OPP and each one's current handelingsdeel: the goals of the adopted version, read only. A
leerkracht without a group is told so: they see no pupils until the beheerder names their groups.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db.models import Prefetch, Q
from django.utils.translation import gettext_lazy as _

from accounts import access
from audit import log as audit

from .models import ActionItem, Plan, PlanVersion, VersionState

#: The panel lists at most this many pupils; the pupil list (filtered on the group) has the rest.
LIMIT = 30


def _own_groups(user) -> tuple[Q, list[dict]]:
    """The condition "a pupil of one of my groups" on plans, and per school the groups (the panel names them)."""
    condition = Q(pk__in=[])
    scopes = []
    for m in access.group_scope_of(user):
        scopes.append({"school": m.school, "groups": list(m.groups or [])})
        if m.groups:
            condition |= Q(student__school_id=m.school_id, student__group_name__in=list(m.groups))
    return condition, scopes


def leerkracht_pupils(user, caps, today: datetime.date) -> dict | None:
    """The pupils of the leerkracht's groups with a running OPP, and the goals of each one's adopted version. Three
    queries, and one audit row per school whose plans it shows, however many pupils."""
    if not access.group_scope_of(user):
        return None
    condition, scopes = _own_groups(user)
    present = Q(student__left_on__isnull=True) | Q(student__left_on__gt=today)
    plans = list(Plan.objects.filter(condition, present, state=Plan.State.ACTIEF).select_related("student")
                 .order_by("student__group_name", "student__name_sort_key", "student__first_name", "pk")[:LIMIT + 1])
    more = len(plans) > LIMIT
    plans = plans[:LIMIT]
    adopted = {v.plan_id: v for v in PlanVersion.objects.filter(plan__in=[p.pk for p in plans],
                                                                 state=VersionState.VASTGESTELD)
               .prefetch_related(Prefetch("actions", queryset=ActionItem.objects.order_by("position")))}
    rows = [{"student": p.student, "plan": p, "version": adopted.get(p.pk)} for p in plans]
    shown: dict[int, list[int]] = defaultdict(list)
    for row in rows:
        if row["version"] is not None:
            shown[row["student"].school_id].append(row["version"].pk)
    for school_id, versions in shown.items():
        audit.record(user, audit.Action.VIEW, school=school_id, details={"page": "start", "versions": versions})
    return {
        "id": "leerkracht", "title": _("Mijn leerlingen met een OPP"), "wide": True,
        "template": "accounts/_leerkracht_panel.html", "rows": rows, "more": more, "scopes": scopes,
        "without_groups": [s["school"] for s in scopes if not s["groups"]],
        "empty": _("Er zijn geen leerlingen met een lopend OPP in uw groepen."),
    }
