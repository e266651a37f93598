"""Retention demo: two pupils of OBS De Bron who left long ago, so that
`python manage.py retention_sweep --dry-run` has something to show after `make run`.

- Roos Verhoef left almost three years ago: her file (OPP, consultation, eligibility history) is due
  (2 years), her OPDC placement not yet (3 years), her enrolment not yet (5 years).
- Thijs Brouwer left six years ago: everything goes, the pupil row and his guardian included.

Made through the services, with dates relative to today. Idempotent on (school, pupil number): a pupil that
exists is left alone; once a real retention run has deleted them, the next seed makes them again.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import School, User
from opp import services as opp_services
from opp.demo import on_day
from students import services as student_services
from students.models import Student

from . import rules

D = datetime.date


def _pupils(today: D) -> list[dict]:
    # Just inside the file term, well before the placement term.
    roos_left = rules.left_on_cutoff(today, 3) + datetime.timedelta(days=60)
    thijs_left = rules.left_on_cutoff(today, 6)
    return [
        dict(pupil_number="R001", first_name="Roos", last_name="Verhoef", left_on=roos_left,
             guardian=("Hanneke Verhoef", "h.verhoef@demo.opp-portaal.nl"), placement=True,
             destination="Verhuisd naar het buitenland"),
        dict(pupil_number="R002", first_name="Thijs", last_name="Brouwer", left_on=thijs_left,
             guardian=("Marco Brouwer", "m.brouwer@demo.opp-portaal.nl"), placement=False,
             destination="Voortgezet onderwijs: vmbo"),
    ]


@transaction.atomic
def seed_retention(stdout=None, today: D | None = None) -> list[Student]:
    today = today or timezone.localdate()
    school = School.objects.filter(brin="11AA").first()
    actor = User.objects.filter(username="ib.debron").first()
    if school is None or actor is None:
        return []
    made = []
    for spec in _pupils(today):
        if Student.objects.filter(school=school, pupil_number=spec["pupil_number"]).exists():
            continue
        left_on = spec["left_on"]
        enrolled_on = rules.left_on_cutoff(left_on, 4)
        need_on = enrolled_on + datetime.timedelta(days=60)
        student = student_services.student_create(actor=actor, school=school, today=today, data={
            "first_name": spec["first_name"], "last_name": spec["last_name"],
            "date_of_birth": rules.left_on_cutoff(enrolled_on, 6), "pupil_number": spec["pupil_number"],
            "onderwijssoort": "bao", "group_name": "8", "enrolled_on": enrolled_on, "support_need_on": need_on,
            "support_level": "extra", "extra_support_description": "Leesondersteuning in een kleine groep",
            "extra_support_funding": "school", "lwoo": False, "dyslexie": False, "dyscalculie": False,
            "hoogbegaafd": False, "handelingsbekwaam": False, "placed_on": None,
            "left_on": left_on, "destination": spec["destination"],
        })
        name, email = spec["guardian"]
        student_services.guardian_add(actor=actor, student=student, data={"name": name, "email": email},
                                      relation="ouder", has_gezag=True)
        if spec["placement"]:
            student_services.placement_record(actor=actor, student=student, data={
                "kind": "opdc", "start_on": need_on + datetime.timedelta(days=30), "location": "OPDC De Brug",
                "support_question": "Werkhouding en gedrag in de groep stabiliseren.", "expected_duration": "12 weken",
                "follows_whole_programme": False})
        # The concept was started a week after the need and discussed a week later: never before the version.
        with on_day(need_on + datetime.timedelta(days=7)):
            plan = opp_services.plan_start(actor=actor, student=student)
        held_on = need_on + datetime.timedelta(days=14)
        with on_day(held_on):
            opp_services.consultation_record(actor=actor, plan=plan, data={
                "version": plan.versions.get(), "held_on": held_on, "parents_present": True, "pupil_present": False,
                "staff_present": "Ingrid Bakker (ib)", "others_present": "", "agreement": "ja",
                "summary": f"Het concept-OPP van {spec['first_name']} is met de ouders besproken.",
                "internal_note": ""}, suggestions=[])
        made.append(student)
    if made and stdout is not None:
        stdout.write(f"Bewaartermijnen: {len(made)} vertrokken demoleerling(en) aangemaakt; "
                     "probeer `python manage.py retention_sweep --dry-run`.")
    return made
