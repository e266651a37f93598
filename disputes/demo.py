"""Disputes demo: an open dispute awaiting the board's defence (Ruben, SBO Het Kompas: filed within the six weeks
after his father was told of the adoption) and a closed one whose advice the board did not follow, with its
reasons (Lotte, CBS Het Anker: its stages took three months of last school year). Made through the services,
each stage on its own day. Idempotent: a plan that already has a dispute is left alone."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from opp.demo import clock_at, on_day
from opp.models import FROZEN_STATES, Plan

from . import services
from .models import Dispute


def _adopted(plan: Plan):
    return plan.versions.filter(state__in=FROZEN_STATES).order_by("-number").first()


@transaction.atomic
def seed_disputes(today: datetime.date | None = None) -> None:
    today = today or timezone.localdate()
    users = {u.username: u for u in User.objects.filter(username__in=["geschillen", "bestuurder.noord"])}

    # Ruben: adopted sixteen days ago, his father told that day (opp.demo.seed_bekendmaking); the parents filed
    # ten days ago, the commission received it a week ago: the defence is awaited.
    ruben_plan = Plan.objects.filter(student__school__brin="11BB", student__pupil_number="K003").order_by("-pk").first()
    version = _adopted(ruben_plan) if ruben_plan else None
    if version and "geschillen" in users and not Dispute.objects.filter(plan=ruben_plan).exists():
        first_known = services.first_made_known_on(version) or timezone.localdate(version.adopted_at)
        filed_on = min(today, max(first_known, today - datetime.timedelta(days=10)))
        received_on = max(filed_on, today - datetime.timedelta(days=7))
        with on_day(filed_on, 16):
            dispute = services.register(
                actor=users["geschillen"], plan=ruben_plan, version=version, subject=Dispute.Subject.VASTSTELLING,
                filed_on=filed_on, reference=f"GPO-{filed_on.year}-0142")
        with on_day(received_on, 10):
            services.record_dates(actor=users["geschillen"], dispute=dispute, data={"received_on": received_on})

    # Lotte: her first OPP (set ten months ago, see evaluations.demo) was disputed within the six weeks; the board
    # defended it, the commission heard it and advised (gegrond); the board did not follow the advice, with reasons,
    # told both in writing, and closed the file — all before the plan was ended after its evaluation.
    lotte_plan = Plan.objects.filter(student__school__brin="22DD", student__pupil_number="A001").order_by("pk").first()
    version = _adopted(lotte_plan) if lotte_plan else None
    if version and "bestuurder.noord" in users and not Dispute.objects.filter(plan=lotte_plan).exists():
        actor = users["bestuurder.noord"]
        set_on = timezone.localdate(version.adopted_at)

        def on(days: int) -> datetime.date:
            return set_on + datetime.timedelta(days=days)

        def at(days: int):
            return clock_at(timezone.make_aware(datetime.datetime.combine(on(days), datetime.time(11, 0))))

        with at(20):
            dispute = services.register(actor=actor, plan=lotte_plan, version=version,
                                        subject=Dispute.Subject.VASTSTELLING, filed_on=on(20), reference=f"GPO-{on(20).year}-0097")
        with at(34):
            dispute = services.record_dates(actor=actor, dispute=dispute, data={
                "received_on": on(22), "defence_submitted_on": on(34)})
        with at(49):
            dispute = services.record_dates(actor=actor, dispute=dispute, data={"hearing_on": on(49)})
        with at(78):
            dispute = services.record_advice(
                actor=actor, dispute=dispute, advice=Dispute.Advice.GEGROND, advice_on=on(78),
                recommendations="De commissie beveelt aan de taalondersteuning een half jaar voort te zetten en "
                                "daarna opnieuw met de ouders te evalueren.")
        with at(88):
            dispute = services.record_response(
                actor=actor, dispute=dispute, response=Dispute.Response.VOLGT_NIET,
                reasons="De doelen van het OPP zijn aantoonbaar behaald (toetsen en observaties); de taalondersteuning "
                        "valt voortaan binnen de basisondersteuning van de school en wordt in de groep voortgezet.",
                sent_parents_on=on(88), sent_commission_on=on(88))
            services.close(actor=actor, dispute=dispute)
