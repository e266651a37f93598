"""Inzage (DOMAIN "Retention and privacy": parents have the right of access to their child's file) holds the goals'
measures (R-CONTENT-4: part of the handelingsdeel the parents consent to, R-CONSENT-5) and the measurements staff
recorded for the goals (pupil data), in gegevens.json and in the readable overview; not the goal bank's provenance
(about the school's texts, not about the pupil) nor the staff account that recorded a measurement.

Cast: tests.factories.portal_world (Sanne Jansen, her version 1 in overleg, shown in the portal). Time stands still
on 28 november 2026."""

import datetime
import io
import json
import zipfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from opp.models import ActionItem, Measurement, PlanVersion
from portal import inzage
from tests.factories import PlanVersionFactory
from tests.portal.test_inzage import NOW, _dossier, all_text, gegevens, post_portal, zip_of

pytestmark = pytest.mark.clock(NOW)

SEP, JULY = datetime.date(2026, 9, 14), datetime.date(2027, 7, 1)
MEASURE = {"measure_instrument": "avi", "measure_baseline": "M4", "measure_baseline_on": SEP,
           "measure_target": "E4", "measure_target_on": JULY, "measure_direction": "hoger"}
BANK_ORIGINAL = "BANKTEKST-ORIGINEEL-4411"


def measure_first_goal(version, by, *, values=(("2026-10-12", "E3", "Na de herfstvakantie"), ("2026-11-23", "M4", ""))):
    item = version.actions.order_by("position").first()
    ActionItem.objects.filter(pk=item.pk).update(**MEASURE, goal_bank_original=BANK_ORIGINAL)
    Measurement.objects.bulk_create([
        Measurement(goal_id=item.plan_goal_id, measured_on=datetime.date.fromisoformat(day), instrument="avi",
                    value=value, note=note, recorded_by=by) for day, value, note in values])
    return ActionItem.objects.get(pk=item.pk)


def test_the_json_holds_each_goals_measure_and_its_measurements(world, personas):
    item = measure_first_goal(world.version_a, personas.begeleider_a)
    data = gegevens(zip_of(post_portal(world.ouder_a, world.sanne)))
    plan = data["opps"][0]
    first = plan["versies"][0]["inhoud"]["handelingsdeel"][0]
    assert first["doel"] == item.goal and first["doel_nummer"] == 1
    assert first["meting"] == {
        "meetinstrument": {"code": "avi", "omschrijving": "AVI-niveau"}, "beginwaarde": "M4",
        "datum_beginsituatie": "2026-09-14", "streefwaarde": "E4", "streefdatum": "2027-07-01",
        "vooruitgang_is": {"code": "hoger", "omschrijving": "Hoger is beter"},
        "omschrijving": "Beginsituatie: AVI M4 (14 september 2026) — doel: AVI E4 vóór 1 juli 2027"}
    others = plan["versies"][0]["inhoud"]["handelingsdeel"][1:]
    assert others and all(a["meting"] is None for a in others)
    assert plan["doelen"][0] == {"doel_nummer": 1, "doel": item.goal, "metingen": [
        {"gemeten_op": "2026-10-12", "meetinstrument": {"code": "avi", "omschrijving": "AVI-niveau"}, "waarde": "E3",
         "toelichting": "Na de herfstvakantie"},
        {"gemeten_op": "2026-11-23", "meetinstrument": {"code": "avi", "omschrijving": "AVI-niveau"}, "waarde": "M4",
         "toelichting": None}]}
    assert [g["metingen"] for g in plan["doelen"][1:]] == [[] for _g in plan["doelen"][1:]]
    assert "doelen" in data["toelichting"]


def test_neither_the_bank_provenance_nor_the_recording_account_is_in_the_zip(world, personas):
    measure_first_goal(world.version_a, personas.begeleider_a)
    archive = zip_of(post_portal(world.ouder_a, world.sanne))
    raw = archive.read("gegevens.json").decode("utf-8")
    assert BANK_ORIGINAL not in all_text(archive)
    assert "bank" not in raw and "vastgelegd_door" not in raw
    assert personas.begeleider_a.get_username() not in raw


def test_a_goal_only_a_concept_holds_shows_its_measurements_not_its_text(world, personas):
    """The concept is not shown to the parents (nor in the ZIP); a measurement of its new goal is pupil data."""
    PlanVersion.objects.filter(pk=world.version_a.pk).update(state="vastgesteld", adopted_at=NOW,
                                                             adopted_by=personas.bestuurder_a)
    concept = PlanVersionFactory(plan=world.version_a.plan, number=2, state="concept", based_on=world.version_a)
    new = ActionItem.objects.create(version=concept, position=1, goal="CONCEPTDOEL-8812", approach="a", who="w",
                                    frequency="f", evaluation_moment="m", evaluation_criterion="c")
    Measurement.objects.create(goal_id=new.plan_goal_id, measured_on=datetime.date(2026, 11, 20), instrument="dmt",
                               value="41", recorded_by=personas.begeleider_a)
    archive = zip_of(post_portal(world.ouder_a, world.sanne))
    goals = gegevens(archive)["opps"][0]["doelen"]
    assert goals[-1] == {"doel_nummer": len(goals), "doel": None, "metingen": [
        {"gemeten_op": "2026-11-20", "meetinstrument": {"code": "dmt", "omschrijving": "DMT (woorden per minuut)"},
         "waarde": "41", "toelichting": None}]}
    assert "CONCEPTDOEL-8812" not in all_text(archive)


def test_the_readable_overview_shows_the_measure_and_the_measurements(world, personas):
    item = measure_first_goal(world.version_a, personas.begeleider_a)
    raw = zip_of(post_portal(world.ouder_a, world.sanne)).read("overzicht.pdf")
    text = " ".join("\n".join(page.extract_text() for page in PdfReader(io.BytesIO(raw)).pages).split())
    assert "Meting: Beginsituatie: AVI M4 (14 september 2026) — doel: AVI E4 vóór 1 juli 2027" in text
    assert "Metingen van de doelen" in text and f"Doel 1: {' '.join(item.goal.split())}" in text
    assert "12 oktober 2026 AVI-niveau E3 Na de herfstvakantie" in text
    assert "23 november 2026 AVI-niveau M4" in text


def test_the_number_of_queries_does_not_grow_with_goals_and_measurements(clock, private, org, personas):
    small = _dossier(org.school_a, 1, by=personas.begeleider_a)
    large = _dossier(org.school_a, 2, by=personas.begeleider_a)
    for student, n in ((small, 1), (large, 4)):
        goals = ActionItem.objects.filter(version__plan__student=student).values_list("plan_goal_id", flat=True)
        Measurement.objects.bulk_create([
            Measurement(goal_id=goal, measured_on=datetime.date(2026, 10, day), instrument="aantal", value=str(day),
                        recorded_by=personas.begeleider_a) for goal in set(goals) for day in range(1, n + 1)])
    counts = {}
    for student in (small, large):
        student = type(student).objects.select_related("school").get(pk=student.pk)
        with CaptureQueriesContext(connection) as queries:
            export = inzage.build_inzage_zip(student, requested_via=inzage.VIA_PORTAL)
        counts[student.pk] = len(queries)
        with export.file, zipfile.ZipFile(export.file) as archive:
            data = json.loads(archive.read("gegevens.json"))
        assert {len(g["metingen"]) for g in data["opps"][0]["doelen"]} == {1 if student.pk == small.pk else 4}
    assert counts[small.pk] == counts[large.pk]
