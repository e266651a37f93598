"""Where a pupil went (`Student.destination`) is a choice of students.destinations, the catalogue the Landelijk
Doelgroepenmodel's uitstroombestemming uses too (opp.ldgm); a sentence from before, from a spreadsheet or from an
older caller is mapped once (`from_text`, also the data migration's mapping), and nothing it said is lost."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from opp import ldgm
from students import destinations, services
from students.forms import StudentForm
from students.models import Student
from tests.factories import StudentFactory

D = datetime.date


@pytest.mark.parametrize(("text", "key", "note"), [
    ("", "", ""),
    ("mbo_3", "mbo_3", ""),
    ("Havo", "havo", ""),
    ("Verhuisd", "verhuisd", ""),
    ("MBO niveau 2 (ROC Rivierenland)", "mbo_2", "MBO niveau 2 (ROC Rivierenland)"),
    ("Entree opleiding", "mbo_1", "Entree opleiding"),
    ("Arbeidsmatige dagbesteding op een zorgboerderij", "dagbesteding_arbeidsmatig",
     "Arbeidsmatige dagbesteding op een zorgboerderij"),
    ("Beschut werk bij de sociale werkplaats", "arbeid_beschut", "Beschut werk bij de sociale werkplaats"),
    ("Verhuisd; ingeschreven op een basisschool in Utrecht", "bao",
     "Verhuisd; ingeschreven op een basisschool in Utrecht"),
    ("Verhuisd naar het buitenland", "buitenland", "Verhuisd naar het buitenland"),
    ("Vmbo-t", "vmbo_gl_tl", "Vmbo-t"),
    ("Voortgezet onderwijs: vmbo", "overig", "Voortgezet onderwijs: vmbo"),  # no leerweg: no finer key
    ("Onbekend", "overig", "Onbekend"),
])
def test_a_sentence_is_mapped_to_its_key_and_kept_as_the_note(text, key, note):
    assert destinations.from_text(text) == (key, note)


def test_the_catalogue_is_one_list_with_the_ldgm_bestemmingen_in_it():
    assert len(destinations.KEYS) == len(destinations.DESTINATIONS)
    assert max(len(k) for k in destinations.KEYS) <= Student._meta.get_field("destination").max_length
    assert ldgm.BESTEMMING_KEYS < destinations.KEYS
    flat = {key for _group, options in destinations.choices() for key, _label in options}
    assert flat == destinations.KEYS
    assert destinations.OVERIG in destinations.KEYS


@pytest.fixture
def pupil(db):
    return StudentFactory(enrolled_on=D(2020, 8, 20))


def test_an_older_caller_passing_a_sentence_gets_the_key_and_the_note(pupil, personas):
    services.student_update(actor=personas.begeleider_a, student=pupil, today=D(2026, 11, 20),
                            data={"left_on": D(2026, 7, 1), "destination": "Praktijkonderwijs De Brug"})
    pupil.refresh_from_db()
    assert (pupil.destination, pupil.destination_note) == ("pro", "Praktijkonderwijs De Brug")
    assert pupil.get_destination_display() == "Praktijkonderwijs"


def test_overig_needs_a_note_in_dutch(pupil, personas):
    with pytest.raises(ValidationError) as exc:
        services.student_update(actor=personas.begeleider_a, student=pupil, today=D(2026, 11, 20),
                                data={"left_on": D(2026, 7, 1), "destination": "overig"})
    assert "overig" in exc.value.message_dict["destination_note"][0]
    pupil.refresh_from_db()
    assert pupil.destination == ""


def test_the_pupil_form_offers_the_choice_grouped_and_refuses_a_free_text(pupil):
    form = StudentForm(instance=pupil, schools=type(pupil.school).objects.filter(pk=pupil.school_id))
    html = str(form["destination"])
    assert '<optgroup label="Dagbesteding">' in html and 'value="arbeid_beschut"' in html
    assert "destination_note" in form.fields
    data = {f: form.initial.get(f) or "" for f in form.fields}
    data.update({"school": pupil.school_id, "first_name": "Ali", "last_name": "Demir", "date_of_birth": "2016-01-01",
                 "onderwijssoort": pupil.onderwijssoort, "enrolled_on": "2020-08-20", "support_level": "basis",
                 "left_on": "2026-07-01", "destination": "Naar de maan"})
    bound = StudentForm(data, instance=pupil, schools=type(pupil.school).objects.filter(pk=pupil.school_id))
    assert not bound.is_valid() and "destination" in bound.errors


def test_going_back_keeps_the_key_and_a_note_written_after_the_migration(org):
    """The backwards data migration: the note alone only when it is the sentence the key was read from; a note added
    later goes back together with the key's label, so the destination itself is not lost."""
    import importlib

    from django.apps import apps

    from tests.factories import StudentFactory

    migration = importlib.import_module("students.migrations.0006_destination_choice")
    read = StudentFactory(school=org.school_a, destination="mbo_2", destination_note="MBO niveau 2 (ROC)")
    added = StudentFactory(school=org.school_a, destination="mbo_2", destination_note="ROC, zorg")
    bare = StudentFactory(school=org.school_a, destination="mbo_2", destination_note="")
    migration.backwards(apps, None)
    values = dict(type(read).objects.filter(pk__in=[read.pk, added.pk, bare.pk]).values_list("pk", "destination"))
    assert values == {read.pk: "MBO niveau 2 (ROC)", added.pk: "Mbo niveau 2 — ROC, zorg", bare.pk: "Mbo niveau 2"}
