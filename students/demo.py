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

    def born(years: int, month: int, day: int) -> D:
        """A birthday `years` before this calendar year: the age fits the group whenever the demo is seeded."""
        return D(today.year - years, month, day)

    #: 1 July of last school year: the day the leavers of the doelgroepenmodel demo left.
    last_summer = D(today.year if today.month >= 8 else today.year - 1, 7, 1)

    def since(years: int) -> D:
        """Enrolled at the start of a school year, about `years` years ago (groep 1 for the bao pupils)."""
        return ago(365 * years + 100)

    return [
        # --- OBS De Bron (bao) ---
        dict(brin="11AA", pupil_number="D001", first_name="Sanne", last_name="Jansen", date_of_birth=born(9, 3, 14),
             onderwijssoort="bao", group_name="5", enrolled_on=since(4), support_need_on=ago(40),
             support_level="extra", extra_support_description="Intensieve lees- en gedragsondersteuning in een kleine groep",
             extra_support_funding="swv", _note="dag 40 van 42"),
        dict(brin="11AA", pupil_number="D002", first_name="Noah", last_name="de Wit", date_of_birth=born(10, 6, 2),
             onderwijssoort="bao", group_name="6", enrolled_on=since(5), dyslexie=True,
             _note="dyslexie, basisondersteuning: geen OPP"),
        dict(brin="11AA", pupil_number="D003", first_name="Lina", last_name="Amrani", date_of_birth=born(11, 11, 20),
             onderwijssoort="bao", group_name="7", enrolled_on=since(6), support_need_on=ago(20), hoogbegaafd=True,
             support_level="extra", extra_support_description="Plusklas van het samenwerkingsverband, twee dagdelen per week",
             extra_support_funding="swv", _note="hoogbegaafd in een SWV-voorziening: wel OPP"),
        dict(brin="11AA", pupil_number="D004", first_name="Finn", last_name="Bakker", date_of_birth=born(10, 1, 9),
             onderwijssoort="bao", group_name="6", enrolled_on=since(5), support_need_on=ago(60),
             support_level="extra", extra_support_description="Ambulante begeleiding bij werkhouding en planning",
             extra_support_funding="school", _note="termijn verstreken"),
        dict(brin="11AA", pupil_number="D005", first_name="Emma", last_name="Visser", date_of_birth=born(8, 4, 30),
             onderwijssoort="bao", group_name="4", enrolled_on=since(3), _note="basisondersteuning, ouder zonder gezag"),
        dict(brin="11AA", pupil_number="D006", first_name="Daan", last_name="Smits", date_of_birth=born(12, 9, 12),
             onderwijssoort="bao", group_name="8", enrolled_on=since(7), support_need_on=ago(30),
             support_level="extra", extra_support_description="Tijdelijke plaatsing in het OPDC met terugkeer naar groep 8",
             extra_support_funding="swv", _note="OPDC-plaatsing zonder vastgesteld OPP"),
        dict(brin="11AA", pupil_number="D007", first_name="Julia", last_name="Peters", date_of_birth=born(12, 7, 3),
             onderwijssoort="bao", group_name="8", enrolled_on=since(7), support_need_on=ago(90),
             support_level="extra", extra_support_description="Gedragsbegeleiding en time-outplek", extra_support_funding="school",
             _note="verwijderingsprocedure zonder onderzoek"),
        dict(brin="11AA", pupil_number="D008", first_name="Sem", last_name="Hoekstra", date_of_birth=born(10, 2, 17),
             onderwijssoort="bao", group_name="6", enrolled_on=since(5), left_on=ago(30),
             destination="bao", destination_note="Verhuisd; ingeschreven op een basisschool in Utrecht",
             _note="uitgeschreven"),
        dict(brin="11AA", pupil_number="D009", first_name="Mees", last_name="Kramer", date_of_birth=born(7, 10, 5),
             onderwijssoort="bao", group_name="3", enrolled_on=since(2), support_need_on=ago(12),
             support_level="extra", extra_support_description="Observatie in het sbo om de ondersteuningsbehoefte in kaart te brengen",
             extra_support_funding="swv", _note="observatieplaatsing in het sbo"),
        # --- SBO Het Kompas (sbo: every pupil has extra support and an OPP, R-ELIG-1) ---
        # Adam El Baz (K001) came last school year: evaluations.demo plays his story on those dates.
        dict(brin="11BB", pupil_number="K002", first_name="Tess", last_name="Vos", date_of_birth=born(11, 12, 1),
             onderwijssoort="sbo", group_name="Bovenbouw 1", enrolled_on=ago(33), support_level="extra",
             extra_support_description="Plaatsing in het sbo met een toelaatbaarheidsverklaring: kleine groep, "
                                       "ondersteuning bij rekenen en faalangst",
             extra_support_funding="swv", _note="sbo: binnen 14 dagen"),
        # Left at the end of last school year, before the school kept its OPPs here: where they went
        # (students.destinations) is what the board's doelgroepenmodel overview counts as the actual uitstroom.
        dict(brin="11BB", pupil_number="K010", first_name="Jayden", last_name="Brouwer", date_of_birth=born(12, 3, 8),
             onderwijssoort="sbo", group_name="Bovenbouw 2", enrolled_on=last_summer - datetime.timedelta(days=4 * 365),
             support_level="extra", extra_support_description="Kleine groep, ondersteuning bij lezen en plannen",
             extra_support_funding="swv", left_on=last_summer, destination="vmbo_bb",
             destination_note="Vmbo basis met lwoo", _note="uitgestroomd vorig schooljaar"),
        dict(brin="11BB", pupil_number="K011", first_name="Fenna", last_name="Dijkman", date_of_birth=born(12, 5, 21),
             onderwijssoort="sbo", group_name="Bovenbouw 2", enrolled_on=last_summer - datetime.timedelta(days=3 * 365),
             support_level="extra", extra_support_description="Kleine groep, ondersteuning bij rekenen",
             extra_support_funding="swv", left_on=last_summer, destination="pro", _note="uitgestroomd vorig schooljaar"),
        # --- VSO De Horizon (vso, cluster 4) ---
        # Milan Kok (H001), adult, came last school year: evaluations.demo plays his story on those dates.
        dict(brin="11CC", pupil_number="H002", first_name="Isa", last_name="Mulder", date_of_birth=born(16, 8, 30),
             onderwijssoort="vso", group_name="Vervolg 2", enrolled_on=ago(5), support_level="extra",
             extra_support_description="Cluster 4: kleine klas met gedragsbegeleiding en een vaste mentor",
             extra_support_funding="swv", _note="vso: net ingeschreven"),
        dict(brin="11CC", pupil_number="H010", first_name="Stijn", last_name="Kuipers", date_of_birth=born(18, 1, 12),
             onderwijssoort="vso", group_name="Arbeid 3", enrolled_on=last_summer - datetime.timedelta(days=5 * 365),
             support_level="extra", extra_support_description="Cluster 4: stage met begeleiding van een jobcoach",
             extra_support_funding="swv", left_on=last_summer, destination="arbeid_begeleid",
             destination_note="Werkt met een jobcoach bij een supermarkt", _note="uitgestroomd vorig schooljaar"),
        dict(brin="11CC", pupil_number="H011", first_name="Yara", last_name="Bosman", date_of_birth=born(18, 10, 3),
             onderwijssoort="vso", group_name="Vervolg 3", enrolled_on=last_summer - datetime.timedelta(days=4 * 365),
             support_level="extra", extra_support_description="Cluster 4: kleine klas, faalangsttraining",
             extra_support_funding="swv", left_on=last_summer, destination="mbo_1",
             destination_note="Entreeopleiding dienstverlening", _note="uitgestroomd vorig schooljaar"),
        dict(brin="11CC", pupil_number="H012", first_name="Levi", last_name="Hendriks", date_of_birth=born(19, 6, 27),
             onderwijssoort="vso", group_name="Arbeid 3", enrolled_on=last_summer - datetime.timedelta(days=5 * 365),
             support_level="extra", extra_support_description="Cluster 4: praktijkgericht programma met vaste mentor",
             extra_support_funding="swv", left_on=last_summer, destination="dagbesteding_arbeidsmatig",
             destination_note="Arbeidsmatige dagbesteding op een zorgboerderij", _note="uitgestroomd vorig schooljaar"),
        # --- CBS Het Anker (bao, Stichting Noord) ---
        # Lotte's first need, OPP and its end fall in last school year; evaluations.demo sets them on those dates.
        dict(brin="22DD", pupil_number="A001", first_name="Lotte", last_name="de Vries", date_of_birth=born(10, 1, 25),
             onderwijssoort="bao", group_name="6", enrolled_on=since(5),
             _note="eerste OPP vorig schooljaar beëindigd; de behoefte is terug: nieuwe termijn (evaluations.demo)"),
        dict(brin="22DD", pupil_number="A002", first_name="Bram", last_name="Koster", date_of_birth=born(10, 9, 9),
             onderwijssoort="bao", group_name="6", enrolled_on=since(5), dyscalculie=True,
             _note="dyscalculie, basisondersteuning: geen OPP"),
    ]


# pupil → list of (guardian name, email, username or None, relation, gezag). Every pupil with a plan has
# its guardians; a username links the guardian to the portal account the README promises.
GUARDIANS = {
    ("11AA", "D001"): [("Mirjam Jansen", "ouder.jansen@demo.opp-portaal.nl", "ouder.jansen", "ouder", True),
                       ("Peter Jansen", "p.jansen@demo.opp-portaal.nl", None, "ouder", True)],
    ("11AA", "D002"): [("Karin de Wit", "k.dewit@demo.opp-portaal.nl", None, "ouder", True)],
    ("11AA", "D003"): [("Samira Amrani", "s.amrani@demo.opp-portaal.nl", None, "ouder", True),
                       ("Khalid Amrani", "k.amrani@demo.opp-portaal.nl", None, "ouder", True)],
    ("11AA", "D004"): [("Jeroen Bakker", "j.bakker@demo.opp-portaal.nl", None, "ouder", True)],
    ("11AA", "D005"): [("Ellen Visser", "e.visser@demo.opp-portaal.nl", None, "ouder", True),
                       ("Rob Meijer", "r.meijer@demo.opp-portaal.nl", None, "verzorger", False)],
    ("11AA", "D006"): [("Monique Smits", "m.smits@demo.opp-portaal.nl", None, "ouder", True)],
    ("11AA", "D007"): [("Ilse Peters", "i.peters@demo.opp-portaal.nl", None, "ouder", True),
                       ("Marco Peters", "m.peters@demo.opp-portaal.nl", None, "ouder", True)],
    ("11AA", "D009"): [("Fatma Kramer", "f.kramer@demo.opp-portaal.nl", None, "ouder", True)],
    ("11BB", "K002"): [("Marieke Vos", "m.vos@demo.opp-portaal.nl", None, "ouder", True)],
    ("11CC", "H002"): [("Wendy Mulder", "w.mulder@demo.opp-portaal.nl", None, "ouder", True)],
    ("22DD", "A001"): [("Sanne de Vries", "ouder.devries@demo.opp-portaal.nl", "ouder.devries", "ouder", True)],
    ("22DD", "A002"): [("Tom Koster", "t.koster@demo.opp-portaal.nl", None, "ouder", True)],
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
