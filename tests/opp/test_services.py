"""OPP services: transitions under select_for_update, section saves with optimistic locking, audit."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import Role
from audit.models import AuditEvent
from opp import content as opp_content
from opp import hashing, selectors, services
from opp.models import ActionItem, Consultation, Plan, PlanVersion, Suggestion
from students import services as student_services
from tests.factories import PlanFactory, PlanVersionFactory, StudentFactory, member

MARK = "Zorgvuldig-meegewogen-7319"


@pytest.fixture
def pupil(org):
    return StudentFactory(school=org.school_a, first_name="Anna", support_level="extra", opp_required=True)


@pytest.fixture
def plan(personas, pupil):
    return services.plan_start(actor=personas.begeleider_a, student=pupil)


@pytest.fixture
def version(plan):
    return plan.versions.get()


def save(actor, version, section, revision=0, **data):
    return services.version_save_section(actor=actor, version=version, section=section, revision=revision, data=data)


def action(n, **changes):
    return {"goal": f"Doel {n}", "approach": f"Aanpak {n}", "who": "Leerkracht", "frequency": "Wekelijks",
            "evaluation_moment": "Na 10 weken", "evaluation_criterion": f"Criterium {n}", **changes}


def set_state(version, state):
    """Move a not-yet-frozen version on, as later features (consent, adoption) will."""
    assert PlanVersion.objects.filter(pk=version.pk).update(state=state) == 1


# --- plan_start ------------------------------------------------------------------------------------------


def test_plan_start_creates_plan_with_concept_version_1_and_audits(personas, pupil):
    plan = services.plan_start(actor=personas.begeleider_a, student=pupil)
    assert plan.state == Plan.State.ACTIEF and plan.created_by == personas.begeleider_a
    (v,) = plan.versions.all()
    assert (v.number, v.state, v.based_on) == (1, "concept", None)
    created = set(AuditEvent.objects.filter(action="create", actor=personas.begeleider_a)
                  .values_list("object_type", "object_id"))
    assert {("opp.plan", str(plan.pk)), ("opp.planversion", str(v.pk))} <= created


def test_plan_start_requires_opp_required(personas, org):
    pupil = StudentFactory(school=org.school_a, support_level="basis")  # opp_required stays False
    with pytest.raises(ValidationError) as exc:
        services.plan_start(actor=personas.begeleider_a, student=pupil)
    assert "geen OPP nodig" in exc.value.messages[0]
    assert not Plan.objects.filter(student=pupil).exists()


def test_plan_start_after_refresh_standing(personas, org):
    pupil = StudentFactory(school=org.school_a, support_level="extra")
    student_services.refresh_standing(pupil, actor=None)
    pupil.refresh_from_db()
    assert pupil.opp_required
    assert services.plan_start(actor=personas.begeleider_a, student=pupil).versions.count() == 1


def test_plan_start_refuses_a_second_active_plan(personas, plan, pupil):
    with pytest.raises(ValidationError) as exc:
        services.plan_start(actor=personas.schoolleider_a, student=pupil)
    assert "al een lopend OPP" in exc.value.messages[0]
    assert Plan.objects.filter(student=pupil).count() == 1


def test_plan_start_after_withdrawal_is_allowed(personas, plan, pupil):
    services.plan_withdraw(actor=personas.schoolleider_mandaat_a, plan=plan, reason="Andere aanpak", on_date=timezone.localdate())
    second = services.plan_start(actor=personas.begeleider_a, student=pupil)
    assert second.pk != plan.pk and Plan.objects.filter(student=pupil).count() == 2


@pytest.mark.parametrize("persona", ["leerkracht_a", "bestuurder_a", "begeleider_b", "commissie_a2"])
def test_plan_start_refused_without_plan_edit_at_that_school(personas, pupil, persona):
    with pytest.raises(PermissionDenied):
        services.plan_start(actor=getattr(personas, persona), student=pupil)
    assert not Plan.objects.filter(student=pupil).exists()


# --- version_to_overleg -----------------------------------------------------------------------------------


def test_version_to_overleg_from_concept(personas, version):
    services.version_to_overleg(actor=personas.begeleider_a, version=version)
    version.refresh_from_db()
    assert version.state == "in_overleg"
    ev = AuditEvent.objects.filter(action="transition", object_id=str(version.pk)).latest("pk")
    assert ev.details == {"from": "concept", "to": "in_overleg"}


@pytest.mark.parametrize("state", ["in_overleg", "instemming_gevraagd", "ter_vaststelling"])
def test_version_to_overleg_only_from_concept(personas, version, state):
    set_state(version, state)
    with pytest.raises(ValidationError) as exc:
        services.version_to_overleg(actor=personas.begeleider_a, version=version)
    assert "Alleen een conceptversie" in exc.value.messages[0]
    version.refresh_from_db()
    assert version.state == state


def test_version_to_overleg_refused_for_adopted_version(personas, org):
    adopted = PlanVersionFactory(plan=PlanFactory(student=StudentFactory(school=org.school_a)), adopted=True)
    with pytest.raises(ValidationError):
        services.version_to_overleg(actor=personas.begeleider_a, version=adopted)
    assert PlanVersion.objects.get(pk=adopted.pk).state == "vastgesteld"


def test_version_to_overleg_refused_for_leerkracht(personas, version):
    with pytest.raises(PermissionDenied):
        services.version_to_overleg(actor=personas.leerkracht_a, version=version)


# --- version_save_section ---------------------------------------------------------------------------------


def test_save_section_stores_increments_revision_and_audits(personas, version):
    save(personas.begeleider_a, version, "hoorrecht", 0, leerling_mening="Wil meer hulp bij lezen",
         leerling_weging="Doel 1", leerling_uitleg="Gesprek")
    version.refresh_from_db()
    assert version.leerling_mening == "Wil meer hulp bij lezen"
    assert version.section_revisions == {"hoorrecht": 1}
    ev = AuditEvent.objects.filter(action="update", object_type="opp.planversion", object_id=str(version.pk)).latest("pk")
    assert ev.actor == personas.begeleider_a and ev.school_id == version.plan.student.school_id
    assert ev.details == {"section": "hoorrecht", "fields": ["leerling_mening", "leerling_uitleg", "leerling_weging"]}

    save(personas.begeleider_a, version, "hoorrecht", 1, leerling_mening="Tweede keer")
    version.refresh_from_db()
    assert version.section_revisions == {"hoorrecht": 2}
    # Sections keep separate revisions: another section starts at 0.
    save(personas.begeleider_a, version, "programma", 0, programma_afwijking="Geen afwijking")
    version.refresh_from_db()
    assert version.section_revisions == {"hoorrecht": 2, "programma": 1}


def test_save_section_ignores_fields_of_other_sections(personas, version):
    save(personas.begeleider_a, version, "programma", 0, programma_afwijking="Geen", uitstroom_onderbouwing="sluipweg")
    version.refresh_from_db()
    assert version.programma_afwijking == "Geen" and version.uitstroom_onderbouwing == ""


def test_audit_details_never_hold_the_typed_text(personas, version):
    save(personas.begeleider_a, version, "uitstroom", 0, uitstroom_profiel="havo", uitstroom_onderbouwing=MARK)
    assert version.pk and not [e for e in AuditEvent.objects.all() if MARK in str(e.details)]


def test_stale_revision_is_refused_and_nothing_saved(personas, version):
    save(personas.begeleider_a, version, "hoorrecht", 0, leerling_mening="Eerste")
    with pytest.raises(ValidationError) as exc:
        save(personas.schoolleider_a, version, "hoorrecht", 0, leerling_mening="Tweede")
    assert exc.value.code == "stale"
    assert "Iemand anders heeft dit onderdeel intussen opgeslagen" in exc.value.messages[0]
    version.refresh_from_db()
    assert version.leerling_mening == "Eerste" and version.section_revisions == {"hoorrecht": 1}


def test_a_revision_from_the_future_is_stale_too(personas, version):
    with pytest.raises(ValidationError) as exc:
        save(personas.begeleider_a, version, "programma", 3, programma_afwijking="x")
    assert exc.value.code == "stale"


def test_items_are_replaced_in_the_given_order(personas, version):
    services.version_save_section(actor=personas.begeleider_a, version=version, section="handelingsdeel", revision=0,
                                  items=[action(1), action(2), action(3)])
    first_ids = set(ActionItem.objects.filter(version=version).values_list("pk", flat=True))
    services.version_save_section(actor=personas.begeleider_a, version=version, section="handelingsdeel", revision=1,
                                  items=[action(3), action(1, goal="Doel 1 bijgesteld")])
    rows = list(ActionItem.objects.filter(version=version).order_by("position").values_list("position", "goal"))
    assert rows == [(1, "Doel 3"), (2, "Doel 1 bijgesteld")]
    assert not first_ids & set(ActionItem.objects.filter(version=version).values_list("pk", flat=True))
    version.refresh_from_db()
    assert version.section_revisions == {"handelingsdeel": 2}


def test_factor_and_yield_items_are_saved_in_order(personas, version):
    services.version_save_section(actor=personas.begeleider_a, version=version, section="factoren", revision=0, items=[
        {"kind": "bevorderend", "domain": "omgeving", "text": "Betrokken ouders"},
        {"kind": "belemmerend", "domain": "kind", "text": "Snel afgeleid"},
    ])
    services.version_save_section(actor=personas.begeleider_a, version=version, section="leerrendement", revision=0,
                                  items=[{"subject": "spelling", "expectation": "1F"}])
    assert list(version.factors.values_list("position", "text")) == [(1, "Betrokken ouders"), (2, "Snel afgeleid")]
    assert list(version.yields.values_list("subject", "expectation")) == [("spelling", "1F")]


def test_a_100000_character_text_is_refused_in_dutch_and_nothing_is_half_saved(personas, version):
    save(personas.begeleider_a, version, "hoorrecht", 0, leerling_mening="Oud", leerling_weging="Oud")
    with pytest.raises(ValidationError) as exc:
        save(personas.begeleider_a, version, "hoorrecht", 1, leerling_mening="Nieuw", leerling_weging="x" * 100_000)
    assert "te lang" in " ".join(exc.value.messages)
    assert "leerling_weging" in exc.value.message_dict
    version.refresh_from_db()
    assert (version.leerling_mening, version.leerling_weging) == ("Oud", "Oud")
    assert version.section_revisions == {"hoorrecht": 1}


def test_a_100000_character_item_keeps_the_old_items(personas, version):
    services.version_save_section(actor=personas.begeleider_a, version=version, section="handelingsdeel", revision=0,
                                  items=[action(1)])
    with pytest.raises(ValidationError) as exc:
        services.version_save_section(actor=personas.begeleider_a, version=version, section="handelingsdeel",
                                      revision=1, items=[action(2), action(3, approach="y" * 100_000)])
    assert "te lang" in " ".join(exc.value.messages)
    assert list(ActionItem.objects.filter(version=version).values_list("goal", flat=True)) == ["Doel 1"]


def test_an_uitstroom_profile_from_another_list_is_refused(personas, version):
    with pytest.raises(ValidationError) as exc:
        save(personas.begeleider_a, version, "uitstroom", 0, uitstroom_profiel="dagbesteding_activerend")
    assert "past bij de onderwijssoort" in " ".join(exc.value.messages)
    version.refresh_from_db()
    assert version.uitstroom_profiel == ""


@pytest.mark.parametrize("state", ["instemming_gevraagd", "ter_vaststelling"])
def test_save_section_refused_once_the_version_moved_on(personas, version, state):
    set_state(version, state)
    with pytest.raises(ValidationError) as exc:
        save(personas.begeleider_a, version, "programma", 0, programma_afwijking="Te laat")
    assert exc.value.code == "not_editable"
    assert "kan niet meer worden gewijzigd" in exc.value.messages[0]
    version.refresh_from_db()
    assert version.programma_afwijking == "" and version.section_revisions == {}


def test_save_section_allowed_in_overleg(personas, version):
    services.version_to_overleg(actor=personas.begeleider_a, version=version)
    save(personas.begeleider_a, version, "programma", 0, programma_afwijking="Na het overleg aangepast")
    version.refresh_from_db()
    assert version.programma_afwijking == "Na het overleg aangepast"


def test_save_section_refused_on_a_withdrawn_plan(personas, plan, version):
    services.plan_withdraw(actor=personas.schoolleider_mandaat_a, plan=plan, reason="Verhuisd", on_date=timezone.localdate())
    with pytest.raises(ValidationError) as exc:
        save(personas.begeleider_a, version, "programma", 0, programma_afwijking="Na intrekking")
    assert "kan niet meer worden gewijzigd" in exc.value.messages[0]
    version.refresh_from_db()
    assert version.programma_afwijking == ""


@pytest.fixture
def vso_version(personas, org):
    pupil = StudentFactory(school=org.school_a2, opp_required=True, date_of_birth=datetime.date(2009, 5, 1))
    assert pupil.onderwijssoort == "vso"
    editor = member(Role.BEGELEIDER, school=org.school_a2, username="begeleider_a2")
    return services.plan_start(actor=editor, student=pupil).versions.get()


def test_commissie_may_save_only_its_own_section(personas, vso_version):
    today = timezone.localdate()
    save(personas.commissie_a2, vso_version, "commissie", 0, commissie_advies_on=today, commissie_advies="Positief")
    vso_version.refresh_from_db()
    assert (vso_version.commissie_advies_on, vso_version.commissie_advies) == (today, "Positief")
    for section, data in [("uitstroom", {"uitstroom_onderbouwing": "x"}), ("hoorrecht", {"leerling_mening": "x"})]:
        with pytest.raises(PermissionDenied):
            save(personas.commissie_a2, vso_version, section, 0, **data)
    with pytest.raises(PermissionDenied):
        services.version_save_section(actor=personas.commissie_a2, version=vso_version, section="handelingsdeel",
                                      revision=0, items=[action(1)])
    vso_version.refresh_from_db()
    assert vso_version.uitstroom_onderbouwing == "" and vso_version.leerling_mening == ""
    assert not vso_version.actions.exists()


def test_commission_advice_dated_in_the_future_is_refused(personas, vso_version):
    with pytest.raises(ValidationError) as exc:
        save(personas.commissie_a2, vso_version, "commissie", 0,
             commissie_advies_on=timezone.localdate() + datetime.timedelta(days=1), commissie_advies="Positief")
    assert "in de toekomst" in " ".join(exc.value.messages)


@pytest.mark.parametrize("section", ["commissie", "uitstroom", "programma", "hoorrecht"])
def test_leerkracht_may_save_nothing(personas, version, section):
    with pytest.raises(PermissionDenied):
        save(personas.leerkracht_a, version, section, 0)
    with pytest.raises(PermissionDenied):
        services.version_save_section(actor=personas.leerkracht_a, version=version, section="factoren", revision=0,
                                      items=[])
    version.refresh_from_db()
    assert version.section_revisions == {}


@pytest.mark.parametrize("persona", ["bestuurder_a", "begeleider_b", "commissie_a2"])
def test_others_may_not_save_a_school_a_section(personas, version, persona):
    with pytest.raises(PermissionDenied):
        save(getattr(personas, persona), version, "commissie", 0, commissie_advies="x")


def test_changing_outside_the_handelingsdeel_keeps_the_handelingsdeel_hash(personas, version):
    services.version_save_section(actor=personas.begeleider_a, version=version, section="handelingsdeel", revision=0,
                                  items=[action(1), action(2)])
    before = selectors.load_version(version.pk)
    h_before, v_before = opp_content.handelingsdeel_hash(before), opp_content.version_hash(before)
    save(personas.begeleider_a, version, "programma", 0, programma_afwijking="Eigen leerlijn lezen")
    after = selectors.load_version(version.pk)
    assert opp_content.handelingsdeel_hash(after) == h_before
    assert opp_content.version_hash(after) != v_before
    services.version_save_section(actor=personas.begeleider_a, version=version, section="handelingsdeel", revision=1,
                                  items=[action(2), action(1)])
    reordered = selectors.load_version(version.pk)
    assert opp_content.handelingsdeel_hash(reordered) != h_before


# --- revision_start ---------------------------------------------------------------------------------------

FILLED = {
    "uitstroom_profiel": "vmbo_kb", "uitstroom_onderbouwing": "Onderbouwing", "programma_afwijking": "Geen",
    "doelen_nodig": True, "vervangende_doelen": "Eigen leerlijn", "onderwijstijd_nodig": True,
    "onderwijstijd_aanbod": "Aanbod", "onderwijstijd_toetsing": "Toetsing", "onderwijstijd_begeleiding": "Begeleiding",
    "onderwijstijd_duur": "Tot de zomer", "rapporten_weging": "Rapport", "leerling_mening": "Mening",
    "leerling_weging": "Weging", "leerling_uitleg": "Uitleg", "opdc_vraag": "Vraag", "opdc_duur": "8 weken",
    "opdc_programma": False, "commissie_advies_on": datetime.date(2023, 1, 2), "commissie_advies": "Advies",
    "for_swv_arrangement": True,
}


@pytest.fixture
def adopted(org):
    plan = PlanFactory(student=StudentFactory(school=org.school_a, opp_required=True, support_level="extra"))
    return PlanVersionFactory(plan=plan, adopted=True, with_actions=3, with_factors=2, with_yields=2, **FILLED)


def test_revision_start_copies_every_scalar_and_item_but_what_it_needs_anew(personas, adopted):
    """R-SET-5: a revision starts from the adopted content — except the pupil's view (R-CONTENT-10) and the
    commission's advice (R-TIME-3), which must be given on the revision itself."""
    assert set(FILLED) == set(hashing.SCALAR_FIELDS)  # the fixture fills every hashed field
    new = services.revision_start(actor=personas.begeleider_a, plan=adopted.plan)
    new = selectors.load_version(new.pk)
    old = selectors.load_version(adopted.pk)
    assert (new.number, new.state, new.based_on_id, new.created_by) == (2, "concept", adopted.pk, personas.begeleider_a)
    renewed = {"leerling_mening", "leerling_weging", "leerling_uitleg", "commissie_advies_on", "commissie_advies"}
    assert services.RENEWED_FIELDS == renewed
    for field in hashing.SCALAR_FIELDS:
        if field in renewed:
            assert getattr(new, field) in ("", None) and getattr(old, field) == FILLED[field], field
        else:
            assert getattr(new, field) == getattr(old, field) == FILLED[field], field
    new_content, old_content = opp_content.version_content(new), opp_content.version_content(old)
    assert {k: v for k, v in new_content.items() if k != "scalars"} == {k: v for k, v in old_content.items() if k != "scalars"}
    for related in ("factors", "actions", "yields"):
        assert [i.position for i in getattr(new, related).all()] == [i.position for i in getattr(old, related).all()]
        assert getattr(new, related).count() == getattr(old, related).count() > 0
    assert opp_content.handelingsdeel_hash(new) == opp_content.handelingsdeel_hash(old)
    # The adopted version itself is untouched and still current.
    assert opp_content.version_hash(old) == adopted.adopted_hash
    assert PlanVersion.objects.get(pk=adopted.pk).state == "vastgesteld"
    ev = AuditEvent.objects.filter(action="create", object_id=str(new.pk)).get()
    assert ev.details == {"number": 2, "based_on": adopted.pk}


def test_revision_numbers_continue_after_the_highest(personas, adopted):
    # A withdrawn-and-replaced history: numbers are never reused.
    PlanVersion.objects.filter(pk=adopted.pk).update(state="vervangen", superseded_at=timezone.now())
    current = PlanVersionFactory(plan=adopted.plan, adopted=True, with_actions=1)
    assert current.number == 2
    new = services.revision_start(actor=personas.begeleider_a, plan=adopted.plan)
    assert new.number == 3 and new.based_on_id == current.pk


def test_revision_start_refused_while_a_version_is_open(personas, adopted):
    services.revision_start(actor=personas.begeleider_a, plan=adopted.plan)
    with pytest.raises(ValidationError) as exc:
        services.revision_start(actor=personas.begeleider_a, plan=adopted.plan)
    assert "al een versie in bewerking" in exc.value.messages[0]
    assert adopted.plan.versions.count() == 2


def test_revision_start_refused_without_an_adopted_version(personas, org):
    plan = PlanFactory(student=StudentFactory(school=org.school_a))  # no version at all
    with pytest.raises(ValidationError) as exc:
        services.revision_start(actor=personas.begeleider_a, plan=plan)
    assert "nog geen vastgestelde versie" in exc.value.messages[0]
    assert not plan.versions.exists()


def test_revision_start_refused_with_only_a_concept(personas, plan):
    with pytest.raises(ValidationError) as exc:
        services.revision_start(actor=personas.begeleider_a, plan=plan)
    assert "al een versie in bewerking" in exc.value.messages[0]
    assert plan.versions.count() == 1


def test_revision_start_refused_for_leerkracht(personas, adopted):
    with pytest.raises(PermissionDenied):
        services.revision_start(actor=personas.leerkracht_a, plan=adopted.plan)
    assert adopted.plan.versions.count() == 1


# --- plan_withdraw ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["schoolleider_mandaat_a", "bestuurder_a"])
def test_R_SET_5_bestuurder_and_schoolleider_with_mandate_may_withdraw(personas, plan, persona):
    actor = getattr(personas, persona)
    today = timezone.localdate()
    services.plan_withdraw(actor=actor, plan=plan, reason="  Leerling gaat naar het so.  ", on_date=today)
    plan.refresh_from_db()
    assert plan.state == "ingetrokken"
    assert (plan.ended_on, plan.end_reason, plan.ended_by) == (today, "Leerling gaat naar het so.", actor)
    # The record stays, with its versions.
    assert Plan.objects.filter(pk=plan.pk).exists() and plan.versions.count() == 1
    ev = AuditEvent.objects.filter(action="transition", object_type="opp.plan", object_id=str(plan.pk)).get()
    assert ev.details == {"to": "ingetrokken"} and ev.actor == actor


@pytest.mark.parametrize("persona", ["begeleider_a", "leerkracht_a", "bestuurder_b", "schoolleider_a"])
def test_R_SET_5_others_may_not_withdraw(personas, plan, persona):
    """Withdrawing is the board's act like adopting: a schoolleider without the board's mandate may not."""
    with pytest.raises(PermissionDenied):
        services.plan_withdraw(actor=getattr(personas, persona), plan=plan, reason="x", on_date=timezone.localdate())
    plan.refresh_from_db()
    assert plan.state == "actief"


@pytest.mark.parametrize(("reason", "days", "field", "text"), [
    ("", 0, "reason", "Geef de redenen"),
    ("   \n ", 0, "reason", "Geef de redenen"),
    ("Reden", 1, "on_date", "in de toekomst"),
    ("Reden", -400, "on_date", "vóór de start van het OPP"),
])
def test_withdraw_needs_reasons_and_a_sensible_date(personas, plan, reason, days, field, text):
    with pytest.raises(ValidationError) as exc:
        services.plan_withdraw(actor=personas.schoolleider_mandaat_a, plan=plan, reason=reason,
                               on_date=timezone.localdate() + datetime.timedelta(days=days))
    assert text in " ".join(exc.value.message_dict[field])
    plan.refresh_from_db()
    assert plan.state == "actief" and plan.ended_on is None


def test_withdraw_twice_is_refused(personas, plan):
    services.plan_withdraw(actor=personas.schoolleider_mandaat_a, plan=plan, reason="Reden", on_date=timezone.localdate())
    with pytest.raises(ValidationError) as exc:
        services.plan_withdraw(actor=personas.bestuurder_a, plan=plan, reason="Nog eens", on_date=timezone.localdate())
    assert "al beëindigd of ingetrokken" in exc.value.messages[0]
    plan.refresh_from_db()
    assert plan.ended_by == personas.schoolleider_mandaat_a


# --- consultation_record ----------------------------------------------------------------------------------


def test_consultation_record_with_suggestions_and_responses(personas, plan, version):
    held = timezone.localdate() - datetime.timedelta(days=3)
    c = services.consultation_record(actor=personas.begeleider_a, plan=plan, data={
        "version": version, "held_on": held, "parents_present": True, "pupil_present": True,
        "staff_present": "IB'er, leerkracht", "others_present": "Jeugdarts", "agreement": "deels",
        "summary": "Besproken", "internal_note": "",
    }, suggestions=[
        {"text": "Meer tijd bij toetsen", "response": "Overgenomen in doel 2", "outcome": "overgenomen"},
        {"text": "Remedial teaching buiten school", "response": "Valt buiten het SOP", "outcome": "niet"},
        {"text": "   ", "response": "", "outcome": ""},  # an empty row of the formset is not a suggestion
    ])
    c = Consultation.objects.get(pk=c.pk)
    assert (c.plan, c.version, c.held_on, c.agreement, c.created_by) == (plan, version, held, "deels", personas.begeleider_a)
    assert list(c.suggestions.values_list("position", "text", "response", "outcome")) == [
        (1, "Meer tijd bij toetsen", "Overgenomen in doel 2", "overgenomen"),
        (2, "Remedial teaching buiten school", "Valt buiten het SOP", "niet"),
    ]
    assert AuditEvent.objects.filter(action="create", object_type="opp.consultation", object_id=str(c.pk)).exists()


def test_consultation_in_the_future_is_refused(personas, plan):
    with pytest.raises(ValidationError) as exc:
        services.consultation_record(actor=personas.begeleider_a, plan=plan, data={
            "held_on": timezone.localdate() + datetime.timedelta(days=1), "agreement": "ja"}, suggestions=[{"text": "x"}])
    assert "in de toekomst" in " ".join(exc.value.message_dict["held_on"])
    assert not Consultation.objects.exists() and not Suggestion.objects.exists()


def test_consultation_about_a_version_of_another_plan_is_refused(personas, plan, org):
    other = PlanVersionFactory(plan=PlanFactory(student=StudentFactory(school=org.school_a)))
    with pytest.raises(ValidationError) as exc:
        services.consultation_record(actor=personas.begeleider_a, plan=plan, data={
            "version": other, "held_on": timezone.localdate(), "agreement": "ja"}, suggestions=[])
    assert "Kies een versie van dit OPP" in " ".join(exc.value.message_dict["version"])


def test_consultation_update_replaces_suggestions(personas, plan):
    c = services.consultation_record(actor=personas.begeleider_a, plan=plan, data={
        "held_on": timezone.localdate(), "agreement": "nee"}, suggestions=[{"text": "A"}, {"text": "B"}])
    services.consultation_update(actor=personas.begeleider_a, consultation=c, data={
        "held_on": timezone.localdate(), "agreement": "ja"}, suggestions=[{"text": "B", "response": "Ja", "outcome": "overgenomen"}])
    c.refresh_from_db()
    assert c.agreement == "ja"
    assert list(c.suggestions.values_list("text", "outcome")) == [("B", "overgenomen")]


@pytest.mark.parametrize("persona", ["leerkracht_a", "bestuurder_a"])
def test_read_only_roles_may_not_record_a_consultation(personas, plan, persona):
    with pytest.raises(PermissionDenied):
        services.consultation_record(actor=getattr(personas, persona), plan=plan,
                                     data={"held_on": timezone.localdate(), "agreement": "ja"}, suggestions=[])
    assert not Consultation.objects.exists()


def test_consultation_refused_on_a_withdrawn_plan(personas, plan):
    services.plan_withdraw(actor=personas.schoolleider_mandaat_a, plan=plan, reason="Reden", on_date=timezone.localdate())
    with pytest.raises(ValidationError):
        services.consultation_record(actor=personas.begeleider_a, plan=plan,
                                     data={"held_on": timezone.localdate(), "agreement": "ja"}, suggestions=[])
    assert not Consultation.objects.exists()
