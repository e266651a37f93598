"""A handelingsdeel goal's measure (opp.measures, R-CONTENT-4): AVI levels in order, values per instrument, a target
that is progress from the baseline, a target date after the baseline date; part of the consent hash (R-CONSENT-5)
and frozen with an adopted version (R-SET-5); shown in plain words on the plan, in the PDF and in the portal."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils import translation

from opp import consent_services as cs
from opp import content as opp_content
from opp import hashing, services
from opp import pdf as opp_pdf
from opp.forms import ActionForm
from opp.measures import AVI_LEVELS, HIGHER, LOWER, Measure, avi_rank, check, describe, normalise_value
from opp.models import ActionItem, FrozenVersionError, PlanVersion
from tests.factories import PlanFactory, PlanVersionFactory, StudentFactory, fresh
from tests.opp.test_editor import action_fields, autosave_url, editor_url, page_form

AMS = zoneinfo.ZoneInfo("Europe/Amsterdam")
NOW = datetime.datetime(2026, 9, 25, 10, 0, tzinfo=AMS)
pytestmark = pytest.mark.clock(NOW)

SEP, JULY = datetime.date(2026, 9, 12), datetime.date(2027, 7, 1)
AVI = Measure("avi", "M4", SEP, "E4", JULY, "")


@pytest.fixture(autouse=True)
def dutch():
    with translation.override("nl"):
        yield


# --- AVI ordering and values per instrument ----------------------------------------------------------------------


def test_avi_levels_are_ordered_from_start_to_plus():
    assert AVI_LEVELS == ("Start", "M3", "E3", "M4", "E4", "M5", "E5", "M6", "E6", "M7", "E7", "Plus")
    assert [avi_rank(level) for level in AVI_LEVELS] == list(range(12))
    assert avi_rank("E3") < avi_rank("M4") < avi_rank("E4") < avi_rank("Plus")
    assert avi_rank("e4") == avi_rank(" E4 ") == 4 and avi_rank("start") == 0
    with pytest.raises(ValueError):
        avi_rank("E8")


@pytest.mark.parametrize(("instrument", "typed", "stored"), [
    ("avi", "e4", "E4"), ("avi", "plus", "Plus"), ("dmt", "45", "45"), ("lvs_niveau", "m6", "M6"),
    ("lvs_score", "152,5", "152,5"), ("lvs_score", "152.50", "152,5"), ("percentage", "100", "100"),
    ("percentage", "0", "0"), ("aantal", "3", "3"), ("schaal", "5", "5"), ("vrij", "zelfstandig", "zelfstandig"),
])
def test_a_valid_value_is_stored_in_its_own_form(instrument, typed, stored):
    assert normalise_value(instrument, typed) == stored


@pytest.mark.parametrize(("instrument", "typed"), [
    ("avi", "E8"), ("avi", "5"), ("dmt", "-1"), ("dmt", "3,5"), ("dmt", "veel"), ("lvs_niveau", "E9"),
    ("lvs_score", "1e3"), ("lvs_score", "NaN"), ("percentage", "101"), ("percentage", "-1"), ("aantal", "2,5"),
    ("schaal", "0"), ("schaal", "6"), ("schaal", "2,5"), ("vrij", "x" * 51), ("vrij", " "),
])
def test_a_value_not_valid_for_the_instrument_is_refused(instrument, typed):
    with pytest.raises(ValueError):
        normalise_value(instrument, typed)
    measure, errors = check(Measure(instrument, typed, SEP, typed, JULY, HIGHER))
    assert "baseline" in errors and errors["baseline"].startswith(("Kies een niveau", "Vul "))


# --- the rules ---------------------------------------------------------------------------------------------------


def test_a_valid_measure_is_normalised_and_avi_defaults_to_higher_is_better():
    measure, errors = check(Measure("avi", "m4", SEP, "e4", JULY, ""))
    assert errors == {} and measure == Measure("avi", "M4", SEP, "E4", JULY, HIGHER)


def test_no_measure_is_fine_and_stays_empty():
    assert check(Measure()) == (Measure(), {})


def test_values_without_an_instrument_are_refused():
    _m, errors = check(Measure("", "M4", SEP, "", None, ""))
    assert errors == {"instrument": "Kies het meetinstrument bij deze beginsituatie en dit doel, of maak de velden "
                                    "van de meting leeg."}


def test_an_instrument_needs_baseline_and_target_with_their_dates():
    _m, errors = check(Measure("avi"))
    assert errors == {"baseline": "Vul de beginwaarde in.", "target": "Vul de streefwaarde in.",
                      "baseline_on": "Vul de datum van de beginsituatie in.",
                      "target_on": "Vul de datum in waarop het doel bereikt moet zijn."}


@pytest.mark.parametrize(("base", "target"), [("E4", "M4"), ("E4", "E4"), ("Plus", "Start")])
def test_an_avi_target_that_is_no_progress_is_refused(base, target):
    _m, errors = check(Measure("avi", base, SEP, target, JULY, ""))
    assert errors == {"target": "Het doel is geen vooruitgang: bij AVI-niveau is hoger beter, dus de streefwaarde moet "
                                f"hoger zijn dan de beginwaarde ({base})."}


def test_lower_is_better_turns_the_check_around():
    """A count of outbursts per week: fewer is progress."""
    assert check(Measure("aantal", "8", SEP, "2", JULY, LOWER))[1] == {}
    _m, errors = check(Measure("aantal", "2", SEP, "8", JULY, LOWER))
    assert errors["target"].startswith("Het doel is geen vooruitgang: bij Aantal is lager beter")
    # And a percentage with "higher is better" by default: 60 → 40 is refused.
    assert "target" in check(Measure("percentage", "60", SEP, "40", JULY, ""))[1]


def test_a_count_or_scale_needs_the_direction_chosen():
    _m, errors = check(Measure("schaal", "2", SEP, "4", JULY, ""))
    assert errors == {"direction": "Kies of een hogere of een lagere waarde vooruitgang is."}
    assert check(Measure("schaal", "2", SEP, "4", JULY, HIGHER))[1] == {}


@pytest.mark.parametrize("target_on", [SEP, SEP - datetime.timedelta(days=1)])
def test_a_target_date_not_after_the_baseline_date_is_refused(target_on):
    _m, errors = check(Measure("avi", "M4", SEP, "E4", target_on, ""))
    assert errors == {"target_on": "De streefdatum moet na de datum van de beginsituatie liggen."}


def test_a_free_measure_compares_no_values_but_still_the_dates():
    assert check(Measure("vrij", "met hulp", SEP, "zelfstandig", JULY, ""))[1] == {}
    assert "target_on" in check(Measure("vrij", "met hulp", JULY, "zelfstandig", SEP, ""))[1]


def test_an_unknown_instrument_is_refused():
    assert check(Measure("iq", "80", SEP, "90", JULY, HIGHER))[1] == {"instrument": "Kies een meetinstrument uit de lijst."}


def test_the_measure_in_plain_words():
    assert describe(check(AVI)[0]) == "Beginsituatie: AVI M4 (12 september 2026) — doel: AVI E4 vóór 1 juli 2027"
    assert describe(Measure("aantal", "8", SEP, "2", JULY, LOWER)) == (
        "Beginsituatie: 8 (12 september 2026) — doel: 2 vóór 1 juli 2027 (lager is beter)")
    assert describe(Measure()) == ""


# --- the form keeps what was typed -------------------------------------------------------------------------------


def test_the_form_refuses_with_a_dutch_message_on_the_field_and_keeps_the_typed_values():
    data = {"goal": "Leest vloeiend", "approach": "a", "who": "w", "frequency": "f", "evaluation_moment": "m",
            "evaluation_criterion": "c", "measure_instrument": "avi", "measure_baseline": "E4",
            "measure_baseline_on": "2026-09-12", "measure_target": "M4", "measure_target_on": "2027-07-01"}
    form = ActionForm(data)
    assert not form.is_valid()
    assert form.errors["measure_target"] == [
        "Het doel is geen vooruitgang: bij AVI-niveau is hoger beter, dus de streefwaarde moet hoger zijn dan de "
        "beginwaarde (E4)."]
    html = str(form["measure_target"]) + str(form["measure_baseline"])
    assert 'value="M4"' in html and 'value="E4"' in html
    ok = ActionForm({**data, "measure_target": "e5"})
    assert ok.is_valid() and (ok.cleaned_data["measure_target"], ok.cleaned_data["measure_direction"]) == ("E5", HIGHER)


# --- the service, the hash, the freeze ---------------------------------------------------------------------------


def action(n, **changes):
    return {"goal": f"Doel {n}", "approach": f"Aanpak {n}", "who": "Leerkracht", "frequency": "Wekelijks",
            "evaluation_moment": "Na 10 weken", "evaluation_criterion": f"Criterium {n}", **changes}


MEASURE = {"measure_instrument": "avi", "measure_baseline": "m4", "measure_baseline_on": SEP,
           "measure_target": "E4", "measure_target_on": JULY}


@pytest.fixture
def version(personas, org):
    pupil = StudentFactory(school=org.school_a, opp_required=True, support_level="extra")
    return services.plan_start(actor=personas.begeleider_a, student=pupil).versions.get()


def save_items(personas, version, items):
    version.refresh_from_db()
    return services.version_save_section(actor=personas.begeleider_a, version=version, section="handelingsdeel",
                                         revision=version.section_revisions.get("handelingsdeel", 0), items=items)


def test_the_service_stores_the_normalised_measure_and_refuses_a_bad_one_by_row(personas, version):
    save_items(personas, version, [action(1), action(2, **MEASURE)])
    item = version.actions.get(position=2)
    assert (item.measure_baseline, item.measure_target, item.measure_direction) == ("M4", "E4", HIGHER)
    assert item.measure_text == "Beginsituatie: AVI M4 (12 september 2026) — doel: AVI E4 vóór 1 juli 2027"
    with pytest.raises(ValidationError) as exc:
        save_items(personas, version, [action(1), action(2, **{**MEASURE, "measure_target_on": SEP})])
    assert exc.value.messages == ["Onderdeel 2: De streefdatum moet na de datum van de beginsituatie liggen."]
    assert version.actions.get(position=2).measure_target_on == JULY  # nothing half-saved


def test_an_item_without_a_measure_hashes_as_before_measures_existed(personas, version):
    save_items(personas, version, [action(1), action(2)])
    rows = [{f: getattr(a, f) for f in hashing.ACTION_FIELDS} for a in version.actions.all()]
    old_formula = hashing.sha256({"handelingsdeel": [[hashing.normalise(r[f]) for f in hashing.ACTION_FIELDS]
                                                     for r in rows]})
    assert opp_content.handelingsdeel_hash(fresh(version)) == old_formula == fresh(version).handelingsdeel_hash()


@pytest.mark.parametrize(("field", "value"), [
    ("measure_instrument", "lvs_niveau"), ("measure_baseline", "E3"), ("measure_baseline_on", datetime.date(2026, 9, 1)),
    ("measure_target", "M5"), ("measure_target_on", datetime.date(2027, 6, 1)), ("measure_direction", ""),
])
def test_every_measure_field_is_in_the_consent_hash(personas, version, field, value):
    lower = {"measure_baseline": "E4", "measure_target": "M4", "measure_direction": LOWER}
    save_items(personas, version, [action(1, **{**MEASURE, **(lower if field == "measure_direction" else {})})])
    before = opp_content.handelingsdeel_hash(fresh(version))
    assert before == fresh(version).handelingsdeel_hash()
    ActionItem.objects.filter(version=version).update(**{field: value})
    after = fresh(version)
    assert opp_content.handelingsdeel_hash(after) != before and after.handelingsdeel_hash() != before


def test_a_changed_measure_is_no_longer_covered_by_the_consent(world, personas):
    """R-CONSENT-5: exactly like a text change (tests/opp/test_consent_services.py)."""
    version = world.version_a
    PlanVersion.objects.filter(pk=version.pk).update(state="in_overleg")
    item = version.actions.order_by("position").first()
    for name, value in {**MEASURE, "measure_baseline": "M4", "measure_direction": HIGHER}.items():
        setattr(item, name, value)
    item.save()
    req = cs.request_send(actor=personas.begeleider_a, version=version)
    cs.answer_in_portal(user=world.ouder_a, request=req, party_kind="guardian", party_id=world.moeder.pk, answer="ja",
                        explanation="", ip="198.51.100.23")
    assert cs.status(fresh(version))["stale"] is False
    PlanVersion.objects.filter(pk=version.pk).update(state="in_overleg")
    item.refresh_from_db()
    item.measure_target = "M5"
    item.save()
    PlanVersion.objects.filter(pk=version.pk).update(state="instemming_gevraagd")
    status = cs.status(fresh(version))
    assert status["stale"] is True and status["covers"] is False


def test_an_adopted_versions_measure_cannot_change_and_a_revision_copies_it(personas, org):
    plan = PlanFactory(student=StudentFactory(school=org.school_a, opp_required=True, support_level="extra"))
    adopted = PlanVersionFactory(plan=plan, with_actions=1)
    ActionItem.objects.filter(version=adopted).update(**MEASURE | {"measure_baseline": "M4", "measure_direction": HIGHER})
    adopted = PlanVersion.objects.get(pk=adopted.pk)
    PlanVersion.objects.filter(pk=adopted.pk).update(state="vastgesteld", adopted_at=NOW, adopted_by=personas.bestuurder_a)
    with pytest.raises(FrozenVersionError):
        ActionItem.objects.filter(version=adopted).update(measure_target="E5")
    item = adopted.actions.get()
    item.measure_target = "E5"
    with pytest.raises(FrozenVersionError):
        item.save()
    revision = services.revision_start(actor=personas.begeleider_a, plan=plan)
    copied = revision.actions.get()
    assert (copied.measure_instrument, copied.measure_baseline, copied.measure_target, copied.measure_target_on,
            copied.plan_goal_id) == ("avi", "M4", "E4", JULY, adopted.actions.get().plan_goal_id)
    assert adopted.actions.get().measure_target == "E4"


# --- the editor, the PDF, the portal -----------------------------------------------------------------------------


def test_the_editor_row_has_labelled_measure_fields_and_a_plain_save_keeps_bad_input(client, personas, version):
    save_items(personas, version, [action(1)])
    client.force_login(personas.begeleider_a)
    html = client.get(editor_url(version)).content.decode()
    for name in ("measure_instrument", "measure_baseline", "measure_baseline_on", "measure_target",
                 "measure_target_on", "measure_direction"):
        assert f'for="id_handelingsdeel-0-{name}"' in html and f'id="id_handelingsdeel-__prefix__-{name}"' in html
    data = page_form(client, version)
    data.update({"handelingsdeel-0-measure_instrument": "percentage", "handelingsdeel-0-measure_baseline": "40",
                 "handelingsdeel-0-measure_baseline_on": "2026-09-12", "handelingsdeel-0-measure_target": "140",
                 "handelingsdeel-0-measure_target_on": "2027-07-01"})
    response = client.post(editor_url(version), {**data, "section": "handelingsdeel"})
    page = response.content.decode()
    assert response.status_code == 200 and "Vul een percentage van 0 tot en met 100 in." in page
    assert 'value="140"' in page and not fresh(version).actions.get().measure_instrument


def test_autosave_refuses_a_target_that_is_no_progress_and_names_the_field(client, personas, version):
    client.force_login(personas.begeleider_a)
    data = {"section": "handelingsdeel", "handelingsdeel-revision": "0", "handelingsdeel-TOTAL_FORMS": "1",
            "handelingsdeel-INITIAL_FORMS": "0", "handelingsdeel-MIN_NUM_FORMS": "0",
            "handelingsdeel-MAX_NUM_FORMS": "50", **action_fields(0, 1), "handelingsdeel-0-measure_instrument": "avi",
            "handelingsdeel-0-measure_baseline": "E4", "handelingsdeel-0-measure_baseline_on": "2026-09-12",
            "handelingsdeel-0-measure_target": "E4", "handelingsdeel-0-measure_target_on": "2027-07-01"}
    response = client.post(autosave_url(version), data)
    assert response.status_code == 400
    assert [e["name"] for e in response.json()["errors"]] == ["handelingsdeel-0-measure_target"]
    assert not version.actions.exists()
    response = client.post(autosave_url(version), {**data, "handelingsdeel-0-measure_target": "M5"})
    assert response.status_code == 200 and version.actions.get().measure_target == "M5"


def test_the_plan_page_the_pdf_and_the_portal_show_the_measure_in_plain_words(personas, version):
    save_items(personas, version, [action(1, **MEASURE)])
    version = fresh(version)
    sentence = "Beginsituatie: AVI M4 (12 september 2026) — doel: AVI E4 vóór 1 juli 2027"
    table = render_to_string("opp/_section_content.html", {"key": "handelingsdeel", "version": version})
    portal = render_to_string("portal/_version_sections.html", {
        "sections": [{"key": "handelingsdeel", "meta": {"title": "Handelingsdeel"}}], "version_full": version})
    assert sentence in table and sentence in portal
    assert sentence in opp_pdf.render_html(version)
    # The parents consent to the measure too (it is in the consent hash): "Waar stemt u mee in?" names it.
    summary = render_to_string("portal/_consent_summary.html", {"version_full": version, "terms": {}})
    assert f"Zo meet de school de vooruitgang:</span> {sentence}" in summary


# --- The outcome an evaluation pre-fills from the measurements (measures.outcome / suggestion, R-SET-2) ----------

DMT_LOWER = Measure("aantal", "12", SEP, "4", JULY, LOWER)  # e.g. fewer errors is better
DMT = Measure("dmt", "30", SEP, "45", JULY, HIGHER)


@pytest.mark.parametrize(("measure", "latest", "expected"), [
    (AVI, "E4", "behaald"), (AVI, "M5", "behaald"), (AVI, "M4", "niet"), (AVI, "E3", "niet"),
    (Measure("avi", "M4", SEP, "M5", JULY, HIGHER), "E4", "deels"),
    (DMT, "45", "behaald"), (DMT, "38", "deels"), (DMT, "30", "niet"), (DMT, "25", "niet"), (DMT, "50", "behaald"),
    (DMT_LOWER, "4", "behaald"), (DMT_LOWER, "8", "deels"), (DMT_LOWER, "12", "niet"), (DMT_LOWER, "15", "niet"),
    (Measure("percentage", "40", SEP, "80", JULY, HIGHER), "60", "deels"),
    (Measure("vrij", "weinig", SEP, "veel", JULY, ""), "veel", ""),  # a free measure tells nothing
    (Measure(), "E4", ""), (AVI, "", ""), (AVI, "Z9", ""),  # no measure, no value, not a value of the instrument
])
def test_outcome_from_the_latest_value(measure, latest, expected):
    from opp.measures import outcome

    assert outcome(measure, latest) == expected


def test_the_suggestion_reads_only_values_of_the_measures_own_instrument():
    """A revision changed the measure: a DMT count of 45 says nothing about an AVI target."""
    from opp.measures import suggestion

    assert suggestion(AVI, [("avi", "M4"), ("avi", "E4"), ("dmt", "12")]) == "behaald"
    assert suggestion(AVI, [("dmt", "45")]) == ""
    assert suggestion(AVI, []) == ""


def test_a_chosen_outcome_needs_a_reason_only_where_it_differs_from_a_suggestion():
    from opp.measures import needs_reason

    assert needs_reason("behaald", "deels", "") and needs_reason("behaald", "deels", "   ")
    assert not needs_reason("behaald", "deels", "Tempo blijft achter.")
    assert not needs_reason("behaald", "behaald", "") and not needs_reason("", "niet", "")


def test_values_in_words():
    from opp.measures import named

    assert [named("avi", "E4"), named("dmt", "45"), named("percentage", "80"), named("vrij", "6 van 10")] == [
        "AVI E4", "45 woorden (DMT)", "80%", "6 van 10"]
