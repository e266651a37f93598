"""Demo pupils that show every eligibility outcome and deadline state.

Dates are relative to the day of seeding, so "day 40 of 42" is true whenever a newcomer runs
`make run`. Idempotent on (school, pupil number): re-running updates, never duplicates.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import School, User

from . import services
from .models import Guardian, GuardianLink, PlacementEvent, Student

D = datetime.date


def _pupils(today: D) -> list[dict]:
    ago = lambda days: today - datetime.timedelta(days=days)  # noqa: E731
    return [
        # --- OBS De Bron (bao) ---
        dict(brin="11AA", pupil_number="D001", first_name="Sanne", last_name="Jansen", date_of_birth=D(2017, 3, 14),
             onderwijssoort="bao", group_name="5", enrolled_on=D(2021, 8, 23), support_need_on=ago(40),
             support_level="extra", extra_support_description="Intensieve lees- en gedragsondersteuning in een kleine groep",
             extra_support_funding="swv", _note="dag 40 van 42"),
        dict(brin="11AA", pupil_number="D002", first_name="Noah", last_name="de Wit", date_of_birth=D(2016, 6, 2),
             onderwijssoort="bao", group_name="6", enrolled_on=D(2020, 8, 24), dyslexie=True,
             _note="dyslexie, basisondersteuning: geen OPP"),
        dict(brin="11AA", pupil_number="D003", first_name="Lina", last_name="Amrani", date_of_birth=D(2015, 11, 20),
             onderwijssoort="bao", group_name="7", enrolled_on=D(2019, 8, 19), support_need_on=ago(20), hoogbegaafd=True,
             support_level="extra", extra_support_description="Plusklas van het samenwerkingsverband, twee dagdelen per week",
             extra_support_funding="swv", _note="hoogbegaafd in een SWV-voorziening: wel OPP"),
        dict(brin="11AA", pupil_number="D004", first_name="Finn", last_name="Bakker", date_of_birth=D(2016, 1, 9),
             onderwijssoort="bao", group_name="6", enrolled_on=D(2020, 8, 24), support_need_on=ago(60),
             support_level="extra", extra_support_description="Ambulante begeleiding bij werkhouding en planning",
             extra_support_funding="school", _note="termijn verstreken"),
        dict(brin="11AA", pupil_number="D005", first_name="Emma", last_name="Visser", date_of_birth=D(2018, 4, 30),
             onderwijssoort="bao", group_name="4", enrolled_on=D(2022, 8, 22), _note="basisondersteuning, ouder zonder gezag"),
        dict(brin="11AA", pupil_number="D006", first_name="Daan", last_name="Smits", date_of_birth=D(2015, 9, 12),
             onderwijssoort="bao", group_name="8", enrolled_on=D(2019, 8, 19), support_need_on=ago(30),
             support_level="extra", extra_support_description="Tijdelijke plaatsing in het OPDC met terugkeer naar groep 8",
             extra_support_funding="swv", _note="OPDC-plaatsing zonder vastgesteld OPP"),
        dict(brin="11AA", pupil_number="D007", first_name="Julia", last_name="Peters", date_of_birth=D(2015, 7, 3),
             onderwijssoort="bao", group_name="8", enrolled_on=D(2019, 8, 19), support_need_on=ago(90),
             support_level="extra", extra_support_description="Gedragsbegeleiding en time-outplek", extra_support_funding="school",
             _note="verwijderingsprocedure zonder onderzoek"),
        dict(brin="11AA", pupil_number="D008", first_name="Sem", last_name="Hoekstra", date_of_birth=D(2016, 2, 17),
             onderwijssoort="bao", group_name="6", enrolled_on=D(2020, 8, 24), left_on=ago(30),
             destination="Verhuisd; ingeschreven op een basisschool in Utrecht", _note="uitgeschreven"),
        dict(brin="11AA", pupil_number="D009", first_name="Mees", last_name="Kramer", date_of_birth=D(2018, 10, 5),
             onderwijssoort="bao", group_name="3", enrolled_on=D(2022, 8, 22), support_need_on=ago(12),
             support_level="extra", extra_support_description="Observatie in het sbo om de ondersteuningsbehoefte in kaart te brengen",
             extra_support_funding="swv", _note="observatieplaatsing in het sbo"),
        # --- SBO Het Kompas (sbo) ---
        dict(brin="11BB", pupil_number="K001", first_name="Adam", last_name="El Baz", date_of_birth=D(2016, 5, 21),
             onderwijssoort="sbo", group_name="Middenbouw 2", enrolled_on=ago(25), _note="sbo: altijd OPP, op schema"),
        dict(brin="11BB", pupil_number="K002", first_name="Tess", last_name="Vos", date_of_birth=D(2015, 12, 1),
             onderwijssoort="sbo", group_name="Bovenbouw 1", enrolled_on=ago(33), _note="sbo: binnen 14 dagen"),
        # --- VSO De Horizon (vso, cluster 4) ---
        dict(brin="11CC", pupil_number="H001", first_name="Milan", last_name="Kok", date_of_birth=D(2007, 2, 11),
             onderwijssoort="vso", group_name="Arbeid 3", enrolled_on=D(2024, 8, 26), placed_on=ago(15),
             handelingsbekwaam=True, _note="meerderjarig en handelingsbekwaam"),
        dict(brin="11CC", pupil_number="H002", first_name="Isa", last_name="Mulder", date_of_birth=D(2010, 8, 30),
             onderwijssoort="vso", group_name="Vervolg 2", enrolled_on=ago(5), _note="vso: net ingeschreven"),
        # --- CBS Het Anker (bao, Stichting Noord) ---
        dict(brin="22DD", pupil_number="A001", first_name="Lotte", last_name="de Vries", date_of_birth=D(2017, 1, 25),
             onderwijssoort="bao", group_name="5", enrolled_on=D(2021, 8, 23), support_need_on=ago(310),
             support_level="extra", extra_support_description="Logopedie en taalondersteuning op school",
             extra_support_funding="school",
             _note="eerste OPP vorig schooljaar beëindigd; de behoefte is terug: nieuwe termijn (evaluations.demo)"),
        dict(brin="22DD", pupil_number="A002", first_name="Bram", last_name="Koster", date_of_birth=D(2016, 9, 9),
             onderwijssoort="bao", group_name="6", enrolled_on=D(2020, 8, 24), dyscalculie=True,
             _note="dyscalculie, basisondersteuning: geen OPP"),
    ]


# pupil number → list of (guardian name, email, username or None, relation, gezag)
GUARDIANS = {
    ("11AA", "D001"): [("Mirjam Jansen", "ouder.jansen@demo.opp-portaal.nl", "ouder.jansen", "ouder", True),
                       ("Peter Jansen", "p.jansen@demo.opp-portaal.nl", None, "ouder", True)],
    ("11AA", "D005"): [("Ellen Visser", "e.visser@demo.opp-portaal.nl", None, "ouder", True),
                       ("Rob Meijer", "r.meijer@demo.opp-portaal.nl", None, "verzorger", False)],
    ("11BB", "K001"): [("Youssef El Baz", "ouder.elbaz@demo.opp-portaal.nl", "ouder.elbaz", "ouder", True)],
    ("11CC", "H001"): [("Henk Kok", "h.kok@demo.opp-portaal.nl", None, "ouder", True)],
    ("22DD", "A001"): [("Sanne de Vries", "ouder.devries@demo.opp-portaal.nl", "ouder.devries", "ouder", True)],
}

PLACEMENTS = {
    ("11AA", "D006"): dict(kind="opdc", days_ago=20, location="OPDC De Brug", expected_duration="12 weken",
                           support_question="Gedrag en werkhouding stabiliseren zodat terugkeer in groep 8 mogelijk is.",
                           follows_whole_programme=False),
    ("11AA", "D007"): dict(kind="verwijdering", days_ago=5, location="",
                           note="Procedure gestart na herhaalde incidenten; het onderzoek moet nog worden vastgelegd."),
    ("11AA", "D009"): dict(kind="observatie", days_ago=10, location="SBO Het Kompas", expected_duration="",
                           support_question=""),
}


@transaction.atomic
def seed_students(today: D | None = None) -> dict[str, Student]:
    today = today or timezone.localdate()
    schools = {s.brin: s for s in School.objects.filter(brin__in=["11AA", "11BB", "11CC", "22DD"])}
    actors = {brin: User.objects.filter(memberships__school=school, memberships__role="begeleider").first()
              for brin, school in schools.items()}
    result = {}
    for row in _pupils(today):
        row = dict(row)
        brin = row.pop("brin")
        row.pop("_note")
        school, actor = schools[brin], actors[brin]
        existing = Student.objects.filter(school=school, pupil_number=row["pupil_number"]).first()
        data = {k: row.get(k, _default(k)) for k in services.STUDENT_FIELDS}
        if existing and existing.plans.exists():
            # From here on the OPP workflow owns this pupil (an evaluation may have ended the extra support).
            student = existing
        elif existing:
            student = services.student_update(actor=actor, student=existing, data=data, today=today)
        else:
            student = services.student_create(actor=actor, school=school, data=data, today=today)
        result[f"{brin}/{row['pupil_number']}"] = student

    for (brin, number), guardians in GUARDIANS.items():
        student = result[f"{brin}/{number}"]
        for name, email, username, relation, gezag in guardians:
            link = GuardianLink.objects.filter(student=student, guardian__name=name).select_related("guardian").first()
            if link is None:
                link = services.guardian_add(actor=actors[brin], student=student, data={"name": name, "email": email},
                                             relation=relation, has_gezag=gezag)
            if username:
                Guardian.objects.filter(pk=link.guardian_id).update(user=User.objects.get(username=username))

    milan = result["11CC/H001"]
    Student.objects.filter(pk=milan.pk).update(portal_user=User.objects.get(username="leerling.horizon"))

    for (brin, number), spec in PLACEMENTS.items():
        student = result[f"{brin}/{number}"]
        spec = dict(spec)
        start_on = today - datetime.timedelta(days=spec.pop("days_ago"))
        if not student.placement_events.filter(kind=spec["kind"]).exists():
            services.placement_record(actor=actors[brin], student=student, data={"start_on": start_on, **spec})
        else:
            PlacementEvent.objects.filter(student=student, kind=spec["kind"]).update(start_on=start_on)
            services.refresh_standing(student, actor=actors[brin])
    return result


def _default(field: str):
    if field in ("lwoo", "dyslexie", "dyscalculie", "hoogbegaafd", "handelingsbekwaam"):
        return False
    if field in ("placed_on", "support_need_on", "left_on"):
        return None
    if field == "support_level":
        return "basis"
    return ""
