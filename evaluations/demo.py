"""Evaluations demo: an evaluation held (vso, with the commission's evaluation; the father invited but not there),
one that starts a revision, and a plan ended after its evaluation. Every evaluation records the pupil's view
(R-CONTENT-10). Idempotent: a plan that already has an evaluation is left alone."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from opp import adoption, consent_services
from opp import services as opp_services
from opp.demo import clock_at, demo_content, prepare_in_overleg
from opp.models import Plan
from students import services as student_services
from students.models import Student

from . import services


def lotte_dates(today: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """When Lotte's first OPP was set (ten months ago) and ended (at her evaluation, five months ago)."""
    def moment(day: datetime.date) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime(day.year, day.month, day.day, 10, 0))

    return moment(today - datetime.timedelta(days=300)), moment(today - datetime.timedelta(days=160))


def _progress(version, values):
    return {a.pk: (values[i % len(values)], note) for i, (a, note) in
            enumerate((a, "Besproken met ouders en leerkracht.") for a in version.actions.all())}


@transaction.atomic
def seed_evaluations(today: datetime.date | None = None) -> None:
    today = today or timezone.localdate()
    users = {u.username: u for u in User.objects.filter(username__in=[
        "ib.kompas", "zc.horizon", "commissie.horizon", "bestuurder", "ib.anker", "bestuurder.noord", "ouder.devries"])}

    # Adam (sbo): adopted; the evaluation decides to revise: a revision is in progress.
    adam_plan = Plan.objects.filter(student__school__brin="11BB", student__pupil_number="K001", state="actief").first()
    if adam_plan and not adam_plan.evaluations.exists() and adam_plan.versions.filter(state="vastgesteld").exists():
        version = adam_plan.versions.get(state="vastgesteld")
        services.evaluation_record(actor=users["ib.kompas"], plan=adam_plan, data={
            "held_on": today, "parents_present": True, "pupil_present": True, "others_present": "Remedial teacher",
            "pupil_view": "Adam vindt lezen in het groepje leuk, maar wil minder huiswerk.",
            "conclusion": "Het leesdoel is deels behaald; de aanpak voor zelfstandig werken moet worden aangepast.",
            "decision": "bijstellen"}, progress=_progress(version, ["deels", "niet"]))

    # Milan (vso, adult): the commission advises, the board adopts, then the evaluation and the commission's own.
    milan = Student.objects.get(school__brin="11CC", pupil_number="H001")
    milan_plan = milan.plans.filter(state="actief").first()
    if milan_plan and not milan_plan.evaluations.exists():
        version = milan_plan.versions.order_by("-number").first()
        if version.state == "instemming_gevraagd" and not version.commissie_advies:
            version = opp_services.version_save_section(
                actor=users["commissie.horizon"], version=version, section="commissie",
                revision=version.section_revisions.get("commissie", 0),
                data={"commissie_advies_on": today, "commissie_advies": "De commissie voor de begeleiding adviseert "
                      "het OPP vast te stellen; het uitstroomprofiel arbeid met begeleiding past bij Milan."})
            adoption.submit(actor=users["zc.horizon"], version=version)
            version = adoption.adopt_confirmed(actor=users["bestuurder"], version=version)
        if version.state == "vastgesteld":
            services.evaluation_record(actor=users["zc.horizon"], plan=milan_plan, data={
                # Without his father, who was invited (with Milan's permission, R-TIME-4) but could not come:
                # it counts as the yearly evaluation, with a warning to discuss it with him later (R-EVAL-1).
                "held_on": today, "parents_present": False, "pupil_present": True, "others_present": "Jobcoach",
                "parents_invited_on": today - datetime.timedelta(days=14),
                "parents_absence_reason": "Milans vader was met Milans toestemming uitgenodigd, maar kon door zijn "
                                          "werk niet komen.",
                "pupil_view": "Milan wil doorgaan op zijn stageplek en wil leren zelf naar zijn werk te reizen.",
                "conclusion": "Goede voortgang op de stage; het plan wordt voortgezet.", "decision": "voortzetten"},
                progress=_progress(version, ["behaald"]))
            services.commission_record(actor=users["commissie.horizon"], plan=milan_plan, data={
                "held_on": today, "evaluation": "De ondersteuning sluit aan bij de ontwikkeling van Milan.",
                "report": "Verslag aan het bestuur: OPP geëvalueerd, voortgang op schema, geen risico's.",
                "advice": "geen", "advice_text": ""})

    # Lotte (bao, Stichting Noord), over two school years: her OPP was set ten months ago, ended after
    # its evaluation at the end of last school year (no extra support needed any more), and now her need for extra
    # support has returned: a new six-week term runs from that day (R-TIME-1, R-SET-5) — not "vastgesteld".
    lotte = Student.objects.get(school__brin="22DD", pupil_number="A001")
    if not lotte.plans.exists():
        actor = users["ib.anker"]
        set_on, ended_on = lotte_dates(today)
        with clock_at(set_on):
            content = demo_content("A001", "Lotte")
            content["uitstroom"] = {"uitstroom_profiel": "havo", "uitstroom_onderbouwing":
                                    "Lotte's taalachterstand loopt snel in; havo is haalbaar."}
            plan, version = prepare_in_overleg(
                actor=actor, student=lotte, content=content, first_name="Lotte",
                sections=["uitstroom", "programma", "doelen", "onderwijstijd", "rapporten", "hoorrecht"],
                meetings=((14, "deels"), (5, "ja")), staff="Anouk Dekker (ib)", others="Logopedist",
                summary="Bespreking van het OPP met moeder.")
            request = consent_services.request_send(actor=actor, version=version)
            party = request.parties[0]
            consent_services.answer_in_portal(user=users["ouder.devries"], request=request, party_kind=party["kind"],
                                              party_id=party["id"], answer="ja", explanation="", ip="127.0.0.1")
            adoption.submit(actor=actor, version=version)
            version = adoption.adopt_confirmed(actor=users["bestuurder.noord"], version=version)
        with clock_at(ended_on):
            services.evaluation_record(actor=actor, plan=plan, data={
                "held_on": ended_on.date(), "parents_present": True, "pupil_present": True,
                "others_present": "Logopedist", "pupil_view": "Lotte zegt dat praten in de klas nu makkelijk gaat.",
                "conclusion": "De doelen zijn behaald; de taalondersteuning valt voortaan binnen de basisondersteuning.",
                "decision": "beeindigen", "end_reason": "Geen extra ondersteuning meer nodig: de doelen zijn behaald."},
                progress=_progress(version, ["behaald"]))
        # The need returns ten days ago: begrijpend lezen lags behind since the summer (a new plan is due).
        lotte.refresh_from_db()
        student_services.student_update(actor=actor, student=lotte, data={
            "support_level": "extra", "support_need_on": today - datetime.timedelta(days=10),
            "extra_support_description": "Begrijpend lezen: verlengde instructie in een kleine groep",
            "extra_support_funding": "school"})
