"""students.services: every write validated (Dutch messages), audited, eligibility recomputed (R-ELIG-5).

Also: the database constraints hold when the service is bypassed; placement events (R-TIME-5);
guardians with gezag on the link.
"""

import datetime
import json

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import override

from audit.models import AuditEvent
from students import services
from students.models import EligibilityDecision, Guardian, GuardianLink, PlacementEvent, Student

from ..factories import StudentFactory

D = datetime.date
TODAY = D(2023, 9, 10)

BASE = {
    "first_name": "Fenna",
    "last_name": "de Vries",
    "date_of_birth": D(2016, 5, 4),
    "pupil_number": "2001",
    "onderwijssoort": "bao",
    "group_name": "3b",
    "enrolled_on": D(2022, 8, 20),
    "support_level": "basis",
}
EXTRA = {"support_level": "extra", "extra_support_description": "Dagelijks 30 minuten remedial teaching"}


@pytest.fixture(autouse=True)
def dutch():
    with override("nl"):
        yield


@pytest.fixture
def actor(personas):
    return personas.begeleider_a


def create(actor, school, today=TODAY, **overrides):
    return services.student_create(actor=actor, school=school, data={**BASE, **overrides}, today=today)


def audit_rows(obj):
    return AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))


def assert_no_content(details: dict, *values: str):
    dumped = json.dumps(details, default=str)
    for value in values:
        assert value not in dumped, f"{value!r} leaked into audit details {dumped}"


# --- Create -----------------------------------------------------------------------------------------


def test_create_stores_decision_deadline_and_one_audit_row(org, actor):
    student = create(actor, org.school_a, support_need_on=D(2023, 9, 4), extra_support_funding="swv", **EXTRA)

    student.refresh_from_db()
    assert student.opp_required is True
    assert student.opp_start_on == D(2023, 9, 4)
    assert student.opp_start_basis == "behoefte"
    assert student.opp_due_on == D(2023, 10, 16)

    decisions = list(student.eligibility_decisions.all())
    assert len(decisions) == 1
    decision = decisions[0]
    assert decision.required is True
    assert decision.due_on == D(2023, 10, 16) and decision.start_on == D(2023, 9, 4)
    assert decision.decided_by == actor
    assert {r["rule"] for r in decision.reasons} == {"R-ELIG-1"}
    assert "extra ondersteuning" in decision.reasons[0]["text"]

    rows = list(audit_rows(student))
    assert len(rows) == 1
    row = rows[0]
    assert (row.action, row.object_type, row.actor, row.school_id) == ("create", "students.student", actor, org.school_a.pk)
    assert "first_name" in row.details["fields"]
    assert_no_content(row.details, "Fenna", "de Vries", "remedial", "2001", "2016-05-04")


def test_create_basis_pupil_not_required(org, actor):
    student = create(actor, org.school_a)
    student.refresh_from_db()
    assert student.opp_required is False
    assert (student.opp_start_on, student.opp_due_on, student.opp_start_basis) == (None, None, "")
    decision = student.eligibility_decisions.get()
    assert decision.required is False
    assert {r["rule"] for r in decision.reasons} == {"R-ELIG-2"}


def test_R_ELIG_1_create_special_school_pupil_required_from_placement(org, actor):
    student = create(actor, org.school_a2, onderwijssoort="vso", date_of_birth=D(2008, 3, 1),
                     placed_on=D(2022, 9, 5), support_need_on=D(2023, 9, 1))
    student.refresh_from_db()
    assert student.opp_required is True
    assert (student.opp_start_on, student.opp_start_basis) == (D(2022, 9, 5), "plaatsing")
    assert student.opp_due_on == D(2022, 10, 17)


# --- Update -----------------------------------------------------------------------------------------


def test_R_ELIG_5_update_basis_to_extra_flips_decision_and_appends_history(org, actor, personas):
    student = create(actor, org.school_a, hoogbegaafd=True)
    assert student.eligibility_decisions.count() == 1
    audit_before = AuditEvent.objects.count()

    other = personas.schoolleider_a
    updated = services.student_update(actor=other, student=student, data={
        **BASE, "hoogbegaafd": True, **EXTRA, "support_need_on": D(2023, 9, 4)}, today=TODAY)

    updated.refresh_from_db()
    assert updated.opp_required is True
    # R-TIME-1: six weeks from the day the need was established, not from the enrolment a year before.
    assert (updated.opp_start_on, updated.opp_start_basis) == (D(2023, 9, 4), "behoefte")
    assert updated.opp_due_on == D(2023, 10, 16)
    history = list(updated.eligibility_decisions.order_by("decided_at", "pk"))
    assert [d.required for d in history] == [False, True]
    assert history[-1].decided_by == other
    assert {r["rule"] for r in history[-1].reasons} == {"R-ELIG-1", "R-ELIG-3"}

    assert AuditEvent.objects.count() == audit_before + 1
    row = audit_rows(student).get(action="update")
    assert row.actor == other
    assert row.details == {"fields": ["extra_support_description", "support_level", "support_need_on"]}
    assert_no_content(row.details, "remedial", "Fenna")


def test_update_back_to_basis_flips_again(org, actor):
    student = create(actor, org.school_a, **EXTRA)
    services.student_update(actor=actor, student=student, data={"support_level": "basis", "extra_support_description": ""},
                            today=TODAY)
    student.refresh_from_db()
    assert student.opp_required is False and student.opp_due_on is None
    assert [d.required for d in student.eligibility_decisions.order_by("pk")] == [True, False]


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        pytest.param({}, [], id="nothing"),
        pytest.param({**BASE, **EXTRA}, [], id="same-values"),
        pytest.param({"group_name": "4a"}, ["group_name"], id="group-only"),
        pytest.param({"first_name": "Fenne", "last_name": "Jansen"}, ["first_name", "last_name"], id="name-only"),
        pytest.param({"extra_support_description": "Twee keer per week RT"}, ["extra_support_description"],
                     id="description-only"),
        pytest.param({"extra_support_funding": "school"}, ["extra_support_funding"], id="funding-only"),
    ],
)
def test_update_without_decision_relevant_change_adds_no_decision(org, actor, data, fields):
    student = create(actor, org.school_a, **EXTRA)
    services.student_update(actor=actor, student=student, data=data, today=TODAY)
    assert student.eligibility_decisions.count() == 1
    row = audit_rows(student).get(action="update")
    assert row.details == {"fields": fields}
    assert_no_content(row.details, "Fenne", "Jansen", "RT")


def test_update_changing_deadline_start_appends_decision(org, actor):
    """Same outcome, new start date (need established later): the history records the new deadline."""
    student = create(actor, org.school_a, **EXTRA)
    services.student_update(actor=actor, student=student, data={"support_need_on": D(2023, 9, 4)}, today=TODAY)
    latest = student.eligibility_decisions.order_by("-pk").first()
    assert student.eligibility_decisions.count() == 2
    assert (latest.required, latest.due_on) == (True, D(2023, 10, 16))


def test_update_validation_failure_writes_nothing(org, actor):
    student = create(actor, org.school_a)
    counts = (AuditEvent.objects.count(), EligibilityDecision.objects.count())
    with pytest.raises(ValidationError) as exc:
        services.student_update(actor=actor, student=student, data={"support_level": "extra"}, today=TODAY)
    assert "extra_support_description" in exc.value.message_dict
    student.refresh_from_db()
    assert student.support_level == "basis"
    assert (AuditEvent.objects.count(), EligibilityDecision.objects.count()) == counts


# --- Validation: clear Dutch messages on the right field, nothing written ---------------------------

INVALID = [
    pytest.param({"date_of_birth": D(2023, 9, 11), "enrolled_on": D(2023, 9, 12)}, "date_of_birth", "in de toekomst",
                 id="date-of-birth-in-the-future"),
    pytest.param({"enrolled_on": D(2016, 5, 3)}, "enrolled_on", "na de geboortedatum", id="enrolment-before-birth"),
    pytest.param({"enrolled_on": D(2016, 5, 4)}, "enrolled_on", "na de geboortedatum", id="enrolment-on-birthday"),
    pytest.param({"placed_on": D(2022, 8, 19)}, "placed_on", "vóór de inschrijving", id="placement-before-enrolment"),
    pytest.param({"left_on": D(2022, 8, 1)}, "left_on", "vóór de inschrijving", id="leaving-before-enrolment"),
    pytest.param({"destination": "Verhuisd"}, "left_on", "datum van uitschrijving", id="destination-without-leaving-date"),
    pytest.param({"support_need_on": D(2016, 1, 1)}, "support_need_on", "na de geboortedatum",
                 id="support-need-before-birth"),
    pytest.param({"onderwijssoort": "vso"}, "onderwijssoort", "biedt", id="onderwijssoort-not-offered-by-school"),
    pytest.param({"support_level": "extra"}, "extra_support_description", "extra ondersteuning",
                 id="R-ELIG-4-extra-support-without-description"),
    pytest.param({"support_level": "extra", "extra_support_description": "   "}, "extra_support_description",
                 "extra ondersteuning", id="R-ELIG-4-extra-support-blank-description"),
    pytest.param({"extra_support_funding": "swv"}, "extra_support_funding", "alleen bij extra ondersteuning",
                 id="funding-with-basis-support"),
    pytest.param({"handelingsbekwaam": True}, "handelingsbekwaam", "18 jaar", id="R-TIME-4-handelingsbekwaam-under-18"),
]


@pytest.mark.parametrize(("overrides", "field", "words"), INVALID)
def test_create_invalid_raises_on_field_and_writes_nothing(org, actor, overrides, field, words):
    counts = (Student.objects.count(), AuditEvent.objects.count(), EligibilityDecision.objects.count())
    with pytest.raises(ValidationError) as exc:
        create(actor, org.school_a, **overrides)
    messages = exc.value.message_dict
    assert field in messages, messages
    assert any(words in m for m in messages[field]), messages[field]
    assert (Student.objects.count(), AuditEvent.objects.count(), EligibilityDecision.objects.count()) == counts


def test_unknown_onderwijssoort_is_refused(org, actor):
    with pytest.raises(ValidationError) as exc:
        create(actor, org.school_a, onderwijssoort="xyz")
    assert "onderwijssoort" in exc.value.message_dict
    assert not Student.objects.exists()


def test_handelingsbekwaam_allowed_from_18(org, actor):
    student = create(actor, org.school_a2, onderwijssoort="vso", date_of_birth=D(2005, 9, 10),
                     enrolled_on=D(2018, 8, 20), handelingsbekwaam=True)
    assert student.handelingsbekwaam is True
    with pytest.raises(ValidationError) as exc:
        create(actor, org.school_a2, pupil_number="2002", onderwijssoort="vso", date_of_birth=D(2005, 9, 11),
               enrolled_on=D(2018, 8, 20), handelingsbekwaam=True)
    assert "handelingsbekwaam" in exc.value.message_dict


def test_duplicate_pupil_number_same_school_refused_other_school_fine(org, actor, personas):
    create(actor, org.school_a)
    counts = (Student.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationError) as exc:
        create(actor, org.school_a, first_name="Daan")
    assert exc.value.message_dict["pupil_number"] == ["Dit leerlingnummer bestaat al op deze school."]
    assert (Student.objects.count(), AuditEvent.objects.count()) == counts

    other = create(personas.begeleider_b, org.school_b, first_name="Daan")
    assert other.pupil_number == BASE["pupil_number"] and other.school == org.school_b


def test_update_to_a_taken_pupil_number_refused_own_number_fine(org, actor):
    first = create(actor, org.school_a)
    second = create(actor, org.school_a, pupil_number="2002")
    with pytest.raises(ValidationError) as exc:
        services.student_update(actor=actor, student=second, data={"pupil_number": "2001"}, today=TODAY)
    assert "pupil_number" in exc.value.message_dict
    services.student_update(actor=actor, student=first, data={"pupil_number": "2001", "group_name": "4c"}, today=TODAY)
    second.refresh_from_db()
    assert second.pupil_number == "2002"


# --- Database constraints hold even bypassing the service ---------------------------------------------


@pytest.mark.parametrize(
    "values",
    [
        pytest.param({"date_of_birth": D(2016, 5, 4), "enrolled_on": D(2016, 5, 1)}, id="enrolment-before-birth"),
        pytest.param({"date_of_birth": D(2016, 5, 4), "enrolled_on": D(2016, 5, 4)}, id="enrolment-on-birthday"),
        pytest.param({"placed_on": D(2022, 8, 1)}, id="placement-before-enrolment"),
        pytest.param({"left_on": D(2022, 8, 1)}, id="leaving-before-enrolment"),
        pytest.param({"support_need_on": D(2010, 1, 1)}, id="support-need-before-birth"),
        pytest.param({"support_level": "basis", "extra_support_funding": "school"}, id="funding-with-basis-support"),
    ],
)
def test_database_check_constraints(org, values):
    with pytest.raises(IntegrityError), transaction.atomic():
        StudentFactory(school=org.school_a, **values)
    assert not Student.objects.exists()


def test_database_unique_pupil_number_per_school(org):
    StudentFactory(school=org.school_a, pupil_number="77")
    StudentFactory(school=org.school_b, pupil_number="77")
    with pytest.raises(IntegrityError), transaction.atomic():
        Student.objects.create(
            school=org.school_a, pupil_number="77", first_name="X", last_name="Y", date_of_birth=D(2016, 1, 1),
            onderwijssoort="bao", enrolled_on=D(2022, 8, 20),
        )
    assert Student.objects.filter(pupil_number="77").count() == 2


def test_database_placement_end_after_start(org):
    student = StudentFactory(school=org.school_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        PlacementEvent.objects.create(student=student, kind="opdc", start_on=D(2023, 3, 1), end_on=D(2023, 2, 1))


# --- Placement events (R-TIME-5) -------------------------------------------------------------------------

OPDC = {
    "kind": "opdc",
    "start_on": D(2023, 1, 9),
    "location": "OPDC De Brug",
    "support_question": "Wat helpt om gedrag in de klas te reguleren?",
    "expected_duration": "12 weken",
    "follows_whole_programme": False,
}


def test_R_TIME_5_opdc_requires_support_question_duration_and_programme(org, actor):
    student = create(actor, org.school_a)
    counts = (PlacementEvent.objects.count(), AuditEvent.objects.count(), EligibilityDecision.objects.count())
    data = {"kind": "opdc", "start_on": D(2023, 1, 9), "support_question": " ", "follows_whole_programme": None}
    with pytest.raises(ValidationError) as exc:
        services.placement_record(actor=actor, student=student, data=data)
    messages = exc.value.message_dict
    assert set(messages) >= {"support_question", "expected_duration", "follows_whole_programme"}
    assert all("109370" in messages[f][0] for f in ("support_question", "expected_duration", "follows_whole_programme"))
    assert "ondersteuningsvraag" in messages["support_question"][0]
    assert (PlacementEvent.objects.count(), AuditEvent.objects.count(), EligibilityDecision.objects.count()) == counts
    student.refresh_from_db()
    assert student.opp_required is False


def test_R_TIME_5_opdc_makes_basis_pupil_required(org, actor):
    student = create(actor, org.school_a)
    event = services.placement_record(actor=actor, student=student, data=OPDC)

    student.refresh_from_db()
    assert student.opp_required is True
    # The OPP must be in place before the placement: the deadline is already past at the placement's start.
    assert student.opp_due_on is not None and student.opp_due_on <= event.start_on
    latest = student.eligibility_decisions.order_by("-pk").first()
    assert latest.required is True
    r_time_5 = [r["text"] for r in latest.reasons if r["rule"] == "R-TIME-5"]
    assert len(r_time_5) == 1 and "OPDC" in r_time_5[0] and "109370" in r_time_5[0]
    assert "9 januari 2023" in r_time_5[0]

    row = audit_rows(event).get()
    assert (row.action, row.object_type, row.school_id) == ("create", "students.placementevent", org.school_a.pk)
    assert row.details == {"student": student.pk, "kind": "opdc"}


def test_R_TIME_5_observation_placement_makes_basis_pupil_required(org, actor):
    student = create(actor, org.school_a)
    services.placement_record(actor=actor, student=student,
                              data={"kind": "observatie", "start_on": D(2023, 2, 1), "location": "SBO De Vlinder"})
    student.refresh_from_db()
    assert student.opp_required is True
    assert any("109137" in r["text"] for r in student.eligibility_decisions.order_by("-pk").first().reasons)


def test_R_TIME_5_removal_without_investigation_accepted_reason_cites_rule(org, actor):
    student = create(actor, org.school_a, **EXTRA)
    event = services.placement_record(actor=actor, student=student, data={"kind": "verwijdering", "start_on": D(2023, 5, 1)})
    assert event.pk and event.investigation_on is None
    latest = student.eligibility_decisions.order_by("-pk").first()
    assert student.eligibility_decisions.count() == 2
    removal = [r for r in latest.reasons if r["rule"] == "R-TIME-5"]
    assert len(removal) == 1
    assert "109401" in removal[0]["text"] and "108148" in removal[0]["text"]
    assert "deugdelijk onderzoek" in removal[0]["text"]


def test_R_TIME_5_removal_of_basis_pupil_stays_not_required(org, actor):
    student = create(actor, org.school_a)
    services.placement_record(
        actor=actor, student=student,
        data={"kind": "verwijdering", "start_on": D(2023, 5, 1), "investigation_on": D(2023, 4, 20),
              "investigation_summary": "Gesprek met ouders en SWV; geen extra ondersteuning nodig."},
    )
    student.refresh_from_db()
    assert student.opp_required is False
    latest = student.eligibility_decisions.order_by("-pk").first()
    assert any(r["rule"] == "R-TIME-5" and "geldt niet" in r["text"] for r in latest.reasons)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        pytest.param({**OPDC, "start_on": D(2022, 8, 1)}, "start_on", id="start-before-enrolment"),
        pytest.param({**OPDC, "end_on": D(2023, 1, 1)}, "end_on", id="end-before-start"),
        pytest.param({**OPDC, "investigation_summary": "Onderzocht"}, "investigation_summary",
                     id="investigation-only-with-removal"),
        pytest.param({"kind": "verwijdering", "start_on": D(2024, 5, 1), "investigation_on": D(2023, 4, 1)},
                     "investigation_on", id="investigation-more-than-a-year-before"),
    ],
)
def test_placement_validation(org, actor, data, field):
    student = create(actor, org.school_a)
    with pytest.raises(ValidationError) as exc:
        services.placement_record(actor=actor, student=student, data=data)
    assert field in exc.value.message_dict
    assert not PlacementEvent.objects.exists()


def test_placement_update_recomputes_and_audits_field_names(org, actor):
    student = create(actor, org.school_a)
    event = services.placement_record(actor=actor, student=student, data=OPDC)
    services.placement_update(actor=actor, event=event, data={**OPDC, "end_on": D(2023, 4, 1), "expected_duration": "16 weken"})
    row = audit_rows(event).get(action="update")
    assert row.details == {"student": student.pk, "fields": ["end_on", "expected_duration"]}
    assert_no_content(row.details, "16 weken")


# --- Guardians: gezag on the link ----------------------------------------------------------------------

PARENT = {"name": "Sanne de Vries", "email": "sanne@example.nl", "phone": "0612345678"}


def test_guardian_add_creates_guardian_and_link_audited(org, actor):
    student = create(actor, org.school_a)
    link = services.guardian_add(actor=actor, student=student, data=PARENT, relation="ouder", has_gezag=True)
    assert link.guardian.school == org.school_a
    assert (link.student, link.relation, link.has_gezag) == (student, "ouder", True)
    row = audit_rows(link).get()
    assert (row.action, row.object_type, row.school_id, row.actor) == ("create", "students.guardianlink", org.school_a.pk, actor)
    assert row.details == {"student": student.pk, "gezag": True}
    assert_no_content(row.details, "Sanne", "sanne@example.nl", "0612345678")


def test_guardian_add_invalid_email_writes_nothing(org, actor):
    student = create(actor, org.school_a)
    counts = (Guardian.objects.count(), GuardianLink.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationError) as exc:
        services.guardian_add(actor=actor, student=student, data={**PARENT, "email": "geen-adres"}, relation="ouder",
                              has_gezag=True)
    assert "email" in exc.value.message_dict
    assert (Guardian.objects.count(), GuardianLink.objects.count(), AuditEvent.objects.count()) == counts


def test_gezag_lives_on_the_link(org, actor):
    """One guardian with gezag over child 1 and without gezag over child 2 (ARCHITECTURE.md: gezag on the link)."""
    child1 = create(actor, org.school_a)
    child2 = create(actor, org.school_a, pupil_number="2002", first_name="Daan")
    link1 = services.guardian_add(actor=actor, student=child1, data=PARENT, relation="ouder", has_gezag=True)
    guardian = link1.guardian
    # No service links an existing guardian to a second child yet; the model allows it.
    link2 = GuardianLink.objects.create(student=child2, guardian=guardian, relation="verzorger", has_gezag=False)

    assert set(guardian.students.all()) == {child1, child2}
    assert GuardianLink.objects.get(student=child1, guardian=guardian).has_gezag is True
    assert GuardianLink.objects.get(student=child2, guardian=guardian).has_gezag is False

    services.guardian_update(actor=actor, link=link2, data=PARENT, relation="verzorger", has_gezag=True)
    services.guardian_update(actor=actor, link=link1, data=PARENT, relation="ouder", has_gezag=False)
    link1.refresh_from_db()
    link2.refresh_from_db()
    assert (link1.has_gezag, link2.has_gezag) == (False, True)

    with pytest.raises(IntegrityError), transaction.atomic():
        GuardianLink.objects.create(student=child1, guardian=guardian)


def test_guardian_update_audits_changed_field_names_only(org, actor):
    student = create(actor, org.school_a)
    link = services.guardian_add(actor=actor, student=student, data=PARENT, relation="ouder", has_gezag=True)
    services.guardian_update(actor=actor, link=link, data={**PARENT, "phone": "0687654321"}, relation="voogd",
                             has_gezag=False)
    link.refresh_from_db()
    assert (link.guardian.phone, link.relation, link.has_gezag) == ("0687654321", "voogd", False)
    row = audit_rows(link).get(action="update")
    assert row.details == {"student": student.pk, "fields": ["has_gezag", "phone", "relation"]}
    assert_no_content(row.details, "0687654321", "Sanne")


def test_guardian_update_without_change_audits_empty_field_list(org, actor):
    student = create(actor, org.school_a)
    link = services.guardian_add(actor=actor, student=student, data=PARENT, relation="ouder", has_gezag=True)
    services.guardian_update(actor=actor, link=link, data=PARENT, relation="ouder", has_gezag=True)
    assert audit_rows(link).get(action="update").details == {"student": student.pk, "fields": []}


def test_guardian_unlink_removes_orphan_guardian_audited(org, actor):
    student = create(actor, org.school_a)
    link = services.guardian_add(actor=actor, student=student, data=PARENT, relation="ouder", has_gezag=True)
    link_pk, guardian_pk = link.pk, link.guardian_id
    services.guardian_unlink(actor=actor, link=link)
    assert not GuardianLink.objects.filter(pk=link_pk).exists()
    assert not Guardian.objects.filter(pk=guardian_pk).exists()
    row = AuditEvent.objects.get(object_type="students.guardianlink", object_id=str(link_pk), action="delete")
    assert row.details == {"student": student.pk} and row.school_id == org.school_a.pk


def test_guardian_unlink_keeps_guardian_with_other_children_or_account(org, actor, personas):
    child1 = create(actor, org.school_a)
    child2 = create(actor, org.school_a, pupil_number="2002")
    link1 = services.guardian_add(actor=actor, student=child1, data=PARENT, relation="ouder", has_gezag=True)
    guardian = link1.guardian
    GuardianLink.objects.create(student=child2, guardian=guardian, has_gezag=False)
    services.guardian_unlink(actor=actor, link=link1)
    assert Guardian.objects.filter(pk=guardian.pk).exists()
    assert list(guardian.students.all()) == [child2]

    guardian.user = personas.outsider
    guardian.save()
    services.guardian_unlink(actor=actor, link=guardian.links.get())
    assert Guardian.objects.filter(pk=guardian.pk).exists()
    assert not guardian.links.exists()


def test_guardian_unlink_keeps_a_guardian_whose_paper_consent_is_on_file(org, actor, settings, tmp_path):
    """Found by the authorization sweep's owner control (issue 10): unlinking a guardian who signed on paper was
    a 500 (the consent answer protects the guardian row). The link goes; the guardian stays as evidence."""
    from tests.factories import consent_given, version_for_consent

    settings.PRIVATE_MEDIA_ROOT = tmp_path
    student = create(actor, org.school_a)
    link = services.guardian_add(actor=actor, student=student, data=PARENT, relation="ouder", has_gezag=True)
    consent_given(version_for_consent(student, by=actor), by=actor)  # on paper: the guardian has no account
    services.guardian_unlink(actor=actor, link=link)
    assert not GuardianLink.objects.filter(pk=link.pk).exists()
    assert Guardian.objects.filter(pk=link.guardian_id).exists()
