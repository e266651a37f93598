"""The log names its objects as a person reads them ("OPP van Sanne de Vries, versie 2"), not as bare ids
("OPP 3"), in bounded queries (one per object type per page) and with need-to-know: a pupil's name only for a
viewer whose schools hold the pupil, a parent's name only where the school holds their child."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit import log as audit
from audit.models import AuditEvent
from disputes.models import Dispute
from evaluations.models import Evaluation
from tests.auth import login
from tests.factories import (
    ConsultationFactory,
    GuardianFactory,
    PlanFactory,
    PlanVersionFactory,
    StudentFactory,
    UserFactory,
)

LOG = reverse("audit_log")
A = AuditEvent.Action


def _table(response) -> str:
    html = response.content.decode()
    return html[html.index("<table"):html.index("</table>")]


def _file(school, first, last, *, reader, version_number=1):
    """One pupil with a plan, its version, a consultation, an evaluation and a dispute, each read once."""
    pupil = StudentFactory(school=school, first_name=first, last_name=last)
    plan = PlanFactory(student=pupil, created_by=reader)
    version = PlanVersionFactory(plan=plan, number=version_number)
    consultation = ConsultationFactory(plan=plan, held_on=datetime.date(2027, 2, 1))
    evaluation = Evaluation.objects.create(plan=plan, version=version, school_year="2026-2027",
                                           held_on=datetime.date(2027, 3, 12), conclusion="-", decision="voortzetten",
                                           created_by=reader)
    dispute = Dispute.objects.create(plan=plan, version=version, subject="anders", filed_on=datetime.date(2027, 4, 3),
                                     created_by=reader)
    for obj in (pupil, plan, version, consultation, evaluation, dispute):
        audit.record(reader, A.VIEW, obj, school=school)
    return pupil


def test_objects_are_named_not_numbered(client, org, personas):
    _file(org.school_a, "Sanne", "de Vries", reader=personas.begeleider_a, version_number=2)
    table = _table(login(client, personas.schoolleider_a).get(LOG))
    assert "OPP van Sanne de Vries, versie 2" in table
    assert "OPP van Sanne de Vries<" in table
    assert "Overleg van 1 februari 2027 — Sanne de Vries" in table
    assert "Evaluatie van 12 maart 2027 — Sanne de Vries" in table
    assert "Geschil over het OPP van Sanne de Vries, ingediend 3 april 2027" in table
    assert "<td>Sanne de Vries</td>" in table


def test_the_csv_names_the_objects_too(client, org, personas):
    _file(org.school_a, "Sanne", "de Vries", reader=personas.begeleider_a, version_number=2)
    export = login(client, personas.schoolleider_a).get(LOG, {"format": "csv"}).content.decode("utf-8-sig")
    assert "OPP van Sanne de Vries, versie 2" in export
    assert "Evaluatie van 12 maart 2027 — Sanne de Vries" in export


def test_a_pupil_of_another_school_is_not_named(client, org, personas):
    """A row filed under school A about a pupil who is now at school B: school A's viewer sees no name."""
    moved = StudentFactory(school=org.school_b, first_name="Ravi", last_name="Verhuisd")
    plan = PlanFactory(student=moved, created_by=personas.begeleider_a)
    audit.record(personas.begeleider_a, A.VIEW, plan, school=org.school_a)
    table = _table(login(client, personas.schoolleider_a).get(LOG))
    assert "Verhuisd" not in table and "Ravi" not in table
    assert "OPP van een leerling van een andere school" in table


def test_a_parent_is_named_only_where_the_school_holds_the_child(client, org, personas):
    here = GuardianFactory(school=org.school_a, name="Karin Hierwoont")
    elsewhere = GuardianFactory(school=org.school_b, name="Mirjam Elders")
    audit.record(personas.begeleider_a, A.VIEW, here, school=org.school_a)
    audit.record(personas.begeleider_a, A.VIEW, elsewhere, school=org.school_a)
    table = _table(login(client, personas.schoolleider_a).get(LOG))
    assert "Ouder/verzorger Karin Hierwoont" in table
    assert "Elders" not in table and "Mirjam" not in table


def test_a_deleted_object_keeps_its_kind_and_id(client, org, personas):
    pupil = StudentFactory(school=org.school_a)
    audit.record(personas.begeleider_a, A.VIEW, pupil, school=org.school_a)
    pk = pupil.pk
    pupil.delete()
    table = _table(login(client, personas.schoolleider_a).get(LOG))
    assert f"<td>{pk}</td>" in table and "<td>leerling</td>" in table
    assert pupil.first_name not in table


@pytest.mark.parametrize("extra", [6])
def test_labels_cost_one_query_per_object_type_not_per_row(client, org, personas, extra):
    reader = UserFactory(username="lezer.labels")
    login(client, personas.schoolleider_a)
    _file(org.school_a, "Een", "Kind", reader=reader)
    with CaptureQueriesContext(connection) as one:
        client.get(LOG)
    for i in range(extra):
        _file(org.school_a, f"Kind{i}", "Meer", reader=reader)
    with CaptureQueriesContext(connection) as many:
        response = client.get(LOG)
    assert len(response.context["rows"]) > 6 * extra
    assert len(many) == len(one)
    # Six object types on the page: one query each, plus the page's own (bounded, whatever the page holds).
    assert len(many) <= 25


def test_a_parents_account_as_object_keeps_the_pseudonym_rule(client, org, personas):
    """A parent's portal account named as the object: by name only where a school of the viewer holds the child."""
    from tests.factories import parent_of  # noqa: PLC0415 - only this test needs it

    child = StudentFactory(school=org.school_a)
    parent = parent_of(child, name="Mirjam Objectouder", username="ouder.objectouder")
    parent.user.first_name, parent.user.last_name = "Mirjam", "Objectouder"
    parent.user.save()
    audit.record(personas.begeleider_a, A.VIEW, parent.user, school=org.school_a)
    audit.record(personas.begeleider_b, A.VIEW, parent.user, school=org.school_b)
    assert "Mirjam Objectouder" in _table(login(client, personas.schoolleider_a).get(LOG))
    other = _table(login(client, personas.bestuurder_b).get(LOG))
    assert "Objectouder" not in other and "een gebruiker" in other
