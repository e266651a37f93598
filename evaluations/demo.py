"""Issue 8 demo: an evaluation held (vso, with the commission's evaluation), one that starts a revision,
and a plan ended after its evaluation. Idempotent: a plan that already has an evaluation is left alone."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from opp import adoption, consent_services
from opp import services as opp_services
from opp.demo import _content, prepare_in_overleg
from opp.models import Plan
from students.models import Student

from . import services


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
                "held_on": today, "parents_present": False, "pupil_present": True, "others_present": "Jobcoach",
                "pupil_view": "Milan wil doorgaan op zijn stageplek en wil leren zelf naar zijn werk te reizen.",
                "conclusion": "Goede voortgang op de stage; het plan wordt voortgezet.", "decision": "voortzetten"},
                progress=_progress(version, ["behaald"]))
            services.commission_record(actor=users["commissie.horizon"], plan=milan_plan, data={
                "held_on": today, "evaluation": "De ondersteuning sluit aan bij de ontwikkeling van Milan.",
                "report": "Verslag aan het bestuur: OPP geëvalueerd, voortgang op schema, geen risico's.",
                "advice": "geen", "advice_text": ""})

    # Lotte (bao, Stichting Noord): set, then ended after her evaluation: no extra support needed any more.
    lotte = Student.objects.get(school__brin="22DD", pupil_number="A001")
    if not lotte.plans.exists():
        actor = users["ib.anker"]
        content = _content("A001", "Lotte")
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
        services.evaluation_record(actor=actor, plan=plan, data={
            "held_on": today, "parents_present": True, "pupil_present": True, "others_present": "Logopedist",
            "pupil_view": "Lotte zegt dat praten in de klas nu makkelijk gaat.",
            "conclusion": "De doelen zijn behaald; de taalondersteuning valt voortaan binnen de basisondersteuning.",
            "decision": "beeindigen", "end_reason": "Geen extra ondersteuning meer nodig: de doelen zijn behaald."},
            progress=_progress(version, ["behaald"]))
