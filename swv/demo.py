"""SWV demo: the admission of the demo's special-school pupils and two requests waiting for the SWV's decision.

- The lead times: Samenwerkingsverband Passend Primair Onderwijs Rivierenland (SBO Het Kompas, OBS De Bron) wants a
  request 12 weeks before the end date; Samenwerkingsverband VO Rivierenland (VSO De Horizon) before 15 April.
- Every sbo and vso pupil of the demo schools has a TLV (the vso ones with a category):
  Adam (K001)'s ends within three months and nothing was asked yet — its request date has passed (the overview and
  Mijn taken say so); Ruben (K003) brought one from his previous school that expired three weeks ago (a finding);
  Milan (H001, adult and handelingsbekwaam)'s ends in four months and its extension is handed in at the SWV, with his
  own view; Tess (K002) and Isa (H002) have a TLV that runs on; the pupils who left last summer have theirs on file.
- OBS De Bron asked an arrangement for Sanne (D001), with her mother's view; it waits for the SWV's decision.

The requests go the way staff take them (swv.requests: compose, tell the parents, their reaction, the package, the
hand-in), each step on its own day (opp.demo.on_day). Dates relative to today. Idempotent: a pupil with a decision,
or with a request of that kind, is left alone.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import Samenwerkingsverband, School, User
from opp.demo import on_day
from opp_portal.schoolyear import school_year
from students.models import Student

from . import requests as swv_requests
from . import rules, services
from .models import AdmissionDecision, LeadTime, SwvRequest

D = datetime.date
#: The demo schools whose pupils are admitted on a TLV, with the begeleider who records it.
SCHOOLS = {"11BB": "ib.kompas", "11CC": "zc.horizon"}
#: Lead times per SWV code (security.demo.SWVS).
LEAD_TIMES = {
    "PO 26-01": {"rule": rules.LEAD_WEEKS, "weeks": 12, "day": None, "month": None},
    "VO 26-01": {"rule": rules.LEAD_FIXED_DATE, "day": 15, "month": 4, "weeks": None},
}
#: The vso pupils' categories (sbo has none); a pupil not named gets "midden".
CATEGORIES = {"H001": "midden", "H002": "hoog", "H010": "laag", "H011": "midden", "H012": "hoog"}
#: Days from today: Adam's TLV ends soon, Milan's in four months, Ruben's expired.
ENDS_SOON, ENDS_EXTENDED, EXPIRED_AGO = 75, 120, 21


def seed_lead_times() -> None:
    for code, values in LEAD_TIMES.items():
        swv = Samenwerkingsverband.objects.filter(code=code).first()
        if swv is not None:
            LeadTime.objects.update_or_create(samenwerkingsverband=swv, defaults=values)


def _end_of_school_year(day: D, later: int = 0) -> D:
    """31 July of the school year of `day`, `later` school years on."""
    return school_year(day)[1].replace(year=school_year(day)[1].year + later)


def _number(swv: Samenwerkingsverband, decided_on: D, pupil: Student) -> str:
    return f"{swv.code.replace(' ', '')}-{decided_on.year}-{pupil.pk:04d}"


def _periods(pupil: Student, today: D) -> tuple[D, D, D]:
    """(decided on, starts on, ends on) of the pupil's TLV in the demo's stories."""
    enrolled = pupil.enrolled_on
    if pupil.left_on is not None:  # left last summer: the TLV ran to the end of that school year
        return enrolled - datetime.timedelta(days=30), enrolled, _end_of_school_year(pupil.left_on)
    if pupil.pupil_number == "K001":  # expires soon, nothing asked yet
        return enrolled - datetime.timedelta(days=30), enrolled, today + datetime.timedelta(days=ENDS_SOON)
    if pupil.pupil_number == "K003":  # brought from the previous sbo; expired three weeks ago
        start = today - datetime.timedelta(days=3 * 365)
        return start - datetime.timedelta(days=25), start, today - datetime.timedelta(days=EXPIRED_AGO)
    if pupil.pupil_number == "H001":  # its extension is handed in
        return enrolled - datetime.timedelta(days=45), enrolled, today + datetime.timedelta(days=ENDS_EXTENDED)
    if pupil.pupil_number == "K002":  # the sbo's usual TLV: to the end of this school year
        return enrolled - datetime.timedelta(days=14), enrolled, max(_end_of_school_year(today), enrolled)
    return enrolled - datetime.timedelta(days=14), enrolled, _end_of_school_year(today, 1)


def seed_decisions(users: dict[str, User], today: D) -> None:
    for brin, username in SCHOOLS.items():
        school = School.objects.select_related("samenwerkingsverband").filter(brin=brin).first()
        actor = users.get(username)
        if school is None or actor is None or school.samenwerkingsverband is None:
            continue
        pupils = (Student.objects.filter(school=school, onderwijssoort__in=sorted(rules.TLV_SOORTEN | rules.CATEGORY_SOORTEN))
                  .exclude(pk__in=AdmissionDecision.objects.values("student_id")).select_related("school"))
        for pupil in pupils:
            if rules.required_kind(pupil.onderwijssoort, school.cluster) != rules.KIND_TLV:
                continue
            decided_on, starts_on, ends_on = _periods(pupil, today)
            category = CATEGORIES.get(pupil.pupil_number, "midden") if pupil.onderwijssoort in rules.CATEGORY_SOORTEN else ""
            with on_day(max(decided_on, starts_on - datetime.timedelta(days=7)), 11):
                services.record_decision(
                    actor=actor, student=pupil, kind=rules.KIND_TLV, samenwerkingsverband=school.samenwerkingsverband,
                    decision_number=_number(school.samenwerkingsverband, decided_on, pupil), decided_on=decided_on,
                    onderwijssoort=pupil.onderwijssoort, category=category, starts_on=starts_on, ends_on=ends_on)


def _request(*, actor: User, pupil: Student, kind: str, note: str, reaction: tuple[User, str] | None, channel: str,
             handed_in_ago: int, today: D) -> None:
    """A request played as staff play it: composed, told to the parents (or the adult pupil), their view, the package
    made, handed in through the SWV's channel `handed_in_ago` days ago."""
    if SwvRequest.objects.filter(student=pupil, kind=kind).exists():
        return

    def day(n: int) -> D:
        return today - datetime.timedelta(days=handed_in_ago + n)

    with on_day(day(7), 9):
        evaluation = swv_requests.evaluations_of(pupil).first()
        request = swv_requests.compose(actor=actor, student=pupil, kind=kind,
                                       samenwerkingsverband=pupil.school.samenwerkingsverband,
                                       version=swv_requests.default_version(pupil), evaluation=evaluation, note=note)
    with on_day(day(6), 10):
        request = swv_requests.inform_parents(actor=actor, request=request)
    if reaction is not None:
        with on_day(day(4), 20):
            swv_requests.react(user=reaction[0], request=request, text=reaction[1])
    with on_day(day(1), 15):
        request = swv_requests.mark_ready(actor=actor, request=request)
    with on_day(day(0), 11):
        swv_requests.hand_in(actor=actor, request=request, handed_in_on=day(0), channel=channel)


def seed_requests(users: dict[str, User], today: D) -> None:
    milan = Student.objects.select_related("school__samenwerkingsverband").filter(
        school__brin="11CC", pupil_number="H001").first()
    if milan is not None and "zc.horizon" in users:
        _request(actor=users["zc.horizon"], pupil=milan, kind=SwvRequest.Kind.VERLENGING, channel="onderwijs_transparant",
                 handed_in_ago=9, today=today, reaction=(users.get("leerling.horizon"), (
                     "Ik wil mijn laatste jaar op De Horizon afmaken en mijn stage bij het tuincentrum houden. Met mijn "
                     "mentor erbij gaat dat goed.")) if "leerling.horizon" in users else None,
                 note="Milan werkt toe naar arbeid; zijn stage loopt goed maar vraagt nog een jaar begeleiding op school "
                      "en op de stageplek. Wij vragen verlenging tot het einde van het volgende schooljaar.")
    sanne = Student.objects.select_related("school__samenwerkingsverband").filter(
        school__brin="11AA", pupil_number="D001").first()
    if sanne is not None and "ib.debron" in users:
        _request(actor=users["ib.debron"], pupil=sanne, kind=SwvRequest.Kind.ARRANGEMENT, channel="kindkans",
                 handed_in_ago=12, today=today, reaction=(users.get("ouder.jansen"), (
                     "Wij zijn blij met de extra hulp in de kleine groep. Sanne leest thuis elke avond mee.")) if
                 "ouder.jansen" in users else None,
                 note="Arrangement voor intensieve lees- en gedragsondersteuning in een kleine groep, vier dagdelen "
                      "per week, voor de rest van dit schooljaar.")


def seed_swv(today: D | None = None) -> None:
    today = today or timezone.localdate()
    users = {u.username: u for u in User.objects.filter(username__in=[
        "ib.kompas", "zc.horizon", "ib.debron", "leerling.horizon", "ouder.jansen"])}
    with transaction.atomic():
        seed_lead_times()
        seed_decisions(users, today)
    seed_requests(users, today)
