"""Evaluations demo: the stories that span two school years (ARCHITECTURE.md "Time": 1 August – 31 July).

- Adam (SBO Het Kompas) came at the start of last school year; his OPP was adopted that autumn (his father
  consented in the portal) and evaluated this school year, which started a revision (version 2, in progress).
- Milan (VSO De Horizon, adult and handelingsbekwaam) consented himself last school year, after the commission's
  advice the board adopted; evaluated this school year with him present (his father invited, not there), and
  the commission's own evaluation.
- Lotte (CBS Het Anker): her first OPP was set last autumn, disputed (disputes.demo) and ended after its
  evaluation at the end of last school year; her need returned this school year, so a new six-week term runs.

Each step is played on its own day (opp.demo.on_day), in order: never a consultation before the version, consent
before the request, adoption before consent or an evaluation before the adoption, and nothing after today.
Every evaluation records the pupil's view (R-CONTENT-10). Idempotent: a pupil whose story exists is left alone.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import School, User
from opp import services as opp_services
from opp.demo import ask_consent, consult, on_day, portal_answer, submit_and_adopt, to_overleg, write_plan
from opp.demo_measurements import ADAM_OVERRIDE, adam_before_evaluation
from opp_portal.schoolyear import school_year
from students import services as student_services
from students.models import Guardian, GuardianLink, Student

from . import services

D = datetime.date


def demo_years(today: D) -> tuple[D, D]:
    """The first day of last school year and of this one."""
    this_start, _end = school_year(today)
    last_start, _end = school_year(this_start - datetime.timedelta(days=1))
    return last_start, this_start


def lotte_dates(today: D) -> tuple[datetime.datetime, datetime.datetime]:
    """When Lotte's first OPP was set (last autumn) and ended (at her evaluation, early July of last school year)."""
    last_start, this_start = demo_years(today)

    def moment(day: D) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime(day.year, day.month, day.day, 10, 0))

    return moment(last_start + datetime.timedelta(days=68)), moment(this_start - datetime.timedelta(days=31))


def _progress(version, values, note: str):
    return {a.pk: (values[i % len(values)], note) for i, a in enumerate(version.actions.all())}


def _link_portal_account(student: Student, guardian_name: str, username: str) -> None:
    link = GuardianLink.objects.filter(student=student, guardian__name=guardian_name).first()
    if link is not None:
        Guardian.objects.filter(pk=link.guardian_id).update(user=User.objects.get(username=username))


@transaction.atomic
def seed_evaluations(today: D | None = None) -> None:
    today = today or timezone.localdate()
    last_start, this_start = demo_years(today)

    def last_year(days: int) -> D:
        return last_start + datetime.timedelta(days=days)

    def this_year(days_ago: int) -> D:
        """`days_ago` days before today, but not before this school year started (on 1 August: today)."""
        return max(this_start, today - datetime.timedelta(days=days_ago))

    users = {u.username: u for u in User.objects.filter(username__in=[
        "ib.kompas", "zc.horizon", "commissie.horizon", "bestuurder", "ib.anker", "bestuurder.noord", "ouder.devries",
        "ouder.elbaz", "leerling.horizon"])}
    schools = {s.brin: s for s in School.objects.filter(brin__in=["11BB", "11CC", "22DD"])}
    if len(users) < 9 or len(schools) < 3:
        return

    # --- Adam (sbo): adopted last school year, evaluated this year; the evaluation starts a revision. ---
    adam = Student.objects.filter(school=schools["11BB"], pupil_number="K001").first()
    if adam is None:
        actor = users["ib.kompas"]
        enrolled = last_year(22)
        with on_day(enrolled, 9):
            adam = student_services.student_create(actor=actor, school=schools["11BB"], data={
                "first_name": "Adam", "last_name": "El Baz", "date_of_birth": D(today.year - 10, 5, 21),
                "pupil_number": "K001", "onderwijssoort": "sbo", "group_name": "Middenbouw 2", "enrolled_on": enrolled,
                "support_level": "extra", "extra_support_funding": "swv",
                "extra_support_description": "Plaatsing in het sbo met een toelaatbaarheidsverklaring: kleine groep, "
                                             "instructie in kleine stappen en leesondersteuning"})
            student_services.guardian_add(actor=actor, student=adam, relation="ouder", has_gezag=True, data={
                "name": "Youssef El Baz", "email": "ouder.elbaz@demo.opp-portaal.nl"})
        _link_portal_account(adam, "Youssef El Baz", "ouder.elbaz")
        plan, version = write_plan(actor=actor, student=adam, number="K001", day=last_year(24),
                                   sections=["uitstroom", "doelen", "onderwijstijd", "rapporten", "hoorrecht"])
        version = to_overleg(actor=actor, version=version, day=last_year(31))
        consult(actor=actor, plan=plan, version=version, day=last_year(38), agreement="deels",
                staff="Karim Ouali (ib)", summary="Eerste bespreking met de vader van Adam; hij wil dat Adam thuis "
                                                  "ook leesoefeningen krijgt.")
        consult(actor=actor, plan=plan, version=version, day=last_year(50), agreement="ja",
                staff="Karim Ouali (ib), leerkracht middenbouw",
                summary="Het aangepaste OPP met leesoefeningen voor thuis is besproken; de vader van Adam stemt in.")
        request = ask_consent(actor=actor, version=version, day=last_year(52))
        portal_answer(user=users["ouder.elbaz"], request=request, party=request.parties[0], day=last_year(54))
        version = submit_and_adopt(actor=actor, board=users["bestuurder"], version=version,
                                   submitted_on=last_year(55), adopted_on=last_year(60))
        # What the school measured last year suggests the outcomes (opp.demo_measurements): AVI E4 was reached in
        # June, so "behaald" is suggested for the reading goal; the school chose "deels", with its reason (R-SET-2).
        adam_before_evaluation(actor=actor, plan=plan, last_year=last_year)
        held_on = this_year(21)
        progress = _progress(version, ["deels", "niet"], "Besproken met de vader van Adam en de leerkracht.")
        reading = version.actions.order_by("position").first()
        progress[reading.pk] = (*progress[reading.pk], ADAM_OVERRIDE)
        with on_day(held_on, 14):
            services.evaluation_record(actor=actor, plan=plan, data={
                "held_on": held_on, "parents_present": True, "pupil_present": True, "others_present": "Onderwijsassistent",
                "pupil_view": "Adam vindt duolezen met zijn maatje leuk, maar wil minder huiswerk.",
                "conclusion": "Het leesdoel is deels behaald; de aanpak voor zelfstandig werken moet worden aangepast.",
                "decision": "bijstellen"},
                progress=progress)

    # --- Milan (vso, adult): consented himself, commission advice, adopted last year, evaluated this year. ---
    milan = Student.objects.filter(school=schools["11CC"], pupil_number="H001").first()
    if milan is None:
        actor = users["zc.horizon"]
        enrolled = last_year(19)
        with on_day(enrolled, 9):
            milan = student_services.student_create(actor=actor, school=schools["11CC"], data={
                "first_name": "Milan", "last_name": "Kok", "date_of_birth": D(today.year - 20, 2, 11),
                "pupil_number": "H001", "onderwijssoort": "vso", "group_name": "Arbeid 3", "enrolled_on": enrolled,
                "handelingsbekwaam": True, "consent_party": "leerling", "parents_informed": False,
                "support_level": "extra", "extra_support_funding": "swv",
                "extra_support_description": "Cluster 4, uitstroomprofiel arbeid: stage met een jobcoach en "
                                             "begeleiding bij veranderingen"})
            student_services.guardian_add(actor=actor, student=milan, relation="ouder", has_gezag=True, data={
                "name": "Henk Kok", "email": "h.kok@demo.opp-portaal.nl"})
        Student.objects.filter(pk=milan.pk).update(portal_user=users["leerling.horizon"])
        plan, version = write_plan(actor=actor, student=milan, number="H001", day=last_year(23),
                                   sections=["uitstroom", "doelen", "onderwijstijd", "hoorrecht"])
        version = to_overleg(actor=actor, version=version, day=last_year(30))
        consult(actor=actor, plan=plan, version=version, day=last_year(40), agreement="ja",
                staff="Zeynep Çelik (zc), stagebegeleider", pupil_present=True,
                summary="Milan heeft het plan zelf besproken; zijn vader was met zijn toestemming aanwezig.")
        request = ask_consent(actor=actor, version=version, day=last_year(44))
        portal_answer(user=users["leerling.horizon"], request=request, party=request.parties[0], day=last_year(45),
                      explanation="Ik wil graag naar werk toe.")
        advised_on = last_year(50)
        with on_day(advised_on, 11):
            version.refresh_from_db()
            version = opp_services.version_save_section(
                actor=users["commissie.horizon"], version=version, section="commissie",
                revision=version.section_revisions.get("commissie", 0),
                data={"commissie_advies_on": advised_on, "commissie_advies": "De commissie voor de begeleiding "
                      "adviseert het OPP vast te stellen; het uitstroomprofiel arbeid met begeleiding past bij Milan."})
        version = submit_and_adopt(actor=actor, board=users["bestuurder"], version=version,
                                   submitted_on=last_year(51), adopted_on=last_year(56))
        held_on = this_year(10)
        with on_day(held_on, 13):
            services.evaluation_record(actor=actor, plan=plan, data={
                # Without his father, who was invited (with Milan's permission, R-TIME-4) but could not come:
                # it counts as the yearly evaluation, with a warning to discuss it with him later (R-EVAL-1).
                "held_on": held_on, "parents_present": False, "pupil_present": True, "others_present": "Jobcoach",
                "parents_invited_on": held_on - datetime.timedelta(days=14),
                "parents_absence_reason": "Milans vader was met Milans toestemming uitgenodigd, maar kon door zijn "
                                          "werk niet komen.",
                "pupil_view": "Milan wil doorgaan op zijn stageplek en reist sinds kort zelf met de bus.",
                "conclusion": "Goede voortgang op de stage; het plan wordt voortgezet.", "decision": "voortzetten"},
                progress=_progress(version, ["behaald"], "Besproken met Milan en zijn jobcoach."))
            services.commission_record(actor=users["commissie.horizon"], plan=plan, data={
                "held_on": held_on, "evaluation": "De ondersteuning sluit aan bij de ontwikkeling van Milan.",
                "report": "Verslag aan het bestuur: OPP geëvalueerd, voortgang op schema, geen risico's.",
                "advice": "geen", "advice_text": ""})

    # --- Lotte (bao, Stichting Noord), over two school years. ---
    lotte = Student.objects.filter(school=schools["22DD"], pupil_number="A001").first()
    if lotte is not None and not lotte.plans.exists():
        actor = users["ib.anker"]
        set_on, ended_on = lotte_dates(today)
        first_need = last_year(30)
        with on_day(first_need, 9):
            lotte = student_services.student_update(actor=actor, student=lotte, data={
                "support_level": "extra", "support_need_on": first_need, "group_name": "5",
                "extra_support_description": "Logopedie en taalondersteuning op school", "extra_support_funding": "school"})
        plan, version = write_plan(actor=actor, student=lotte, number="A001", day=last_year(33),
                                   sections=["uitstroom", "programma", "doelen", "onderwijstijd", "rapporten", "hoorrecht"])
        version = to_overleg(actor=actor, version=version, day=last_year(40))
        consult(actor=actor, plan=plan, version=version, day=last_year(47), agreement="deels",
                staff="Anouk Dekker (ib)", others="Logopedist",
                summary="Bespreking van het concept met de moeder van Lotte; zij wil de woordenlijst ook thuis gebruiken.")
        consult(actor=actor, plan=plan, version=version, day=last_year(58), agreement="ja",
                staff="Anouk Dekker (ib), leerkracht groep 5", others="Logopedist",
                summary="Aangepast OPP besproken met de moeder van Lotte; zij is het eens met het plan.")
        request = ask_consent(actor=actor, version=version, day=last_year(60))
        portal_answer(user=users["ouder.devries"], request=request, party=request.parties[0], day=last_year(62))
        version = submit_and_adopt(actor=actor, board=users["bestuurder.noord"], version=version,
                                   submitted_on=last_year(63), adopted_on=set_on.date())
        with on_day(ended_on.date(), 14):
            services.evaluation_record(actor=actor, plan=plan, data={
                "held_on": ended_on.date(), "parents_present": True, "pupil_present": True,
                "others_present": "Logopedist", "pupil_view": "Lotte zegt dat praten in de klas nu makkelijk gaat.",
                "conclusion": "De doelen zijn behaald; de taalondersteuning valt voortaan binnen de basisondersteuning.",
                "decision": "beeindigen", "end_reason": "Geen extra ondersteuning meer nodig: de doelen zijn behaald."},
                progress=_progress(version, ["behaald"], "Besproken met de moeder van Lotte en de logopedist."))
        # This school year her need returns: begrijpend lezen lags behind since the summer (a new plan is due).
        need_on = this_year(10)
        with on_day(need_on, 9):
            lotte.refresh_from_db()
            student_services.student_update(actor=actor, student=lotte, data={
                "support_level": "extra", "support_need_on": need_on, "group_name": "6",
                "extra_support_description": "Begrijpend lezen: verlengde instructie in een kleine groep",
                "extra_support_funding": "school"})
