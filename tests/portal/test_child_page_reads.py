"""What the portal child page reads and writes per request: its audit rows in one INSERT, and a section with nothing
to show (disputes, the parent's bekendmaking, reactions to an evaluation) costs no query of its own."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from disputes.models import Dispute
from evaluations import services as evaluation_services
from evaluations.models import EvaluationReaction
from opp import bekendmaking
from tests.factories import StudentFactory, adopted_plan, evaluation_data, parent_of, progress_for

pytestmark = pytest.mark.usefixtures("clock")

AUDIT_INSERT = 'INSERT INTO "accounts_auditevent"'


@pytest.fixture
def evaluated(org, personas):
    """Sanne's adopted plan, evaluated today; her mother has a portal account."""
    sanne = StudentFactory(school=org.school_a, first_name="Sanne", last_name="Jansen", opp_required=True,
                           support_level="extra")
    mother = parent_of(sanne, name="Mirjam Jansen", username="moeder_jansen").user
    version = adopted_plan(sanne, by=personas.begeleider_a, at=timezone.now() - datetime.timedelta(days=60))
    evaluation = evaluation_services.evaluation_record(
        actor=personas.begeleider_a, plan=version.plan, data=evaluation_data(timezone.localdate()),
        progress=progress_for(version))
    return sanne, mother, version, evaluation


def _get(client, student, **extra):
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("portal:child", args=[student.pk]), **extra)
    assert page.status_code == 200
    return page.content.decode(), [q["sql"] for q in queries]


def test_the_version_and_the_evaluations_are_audited_in_one_insert(client, evaluated):
    sanne, mother, version, evaluation = evaluated
    client.force_login(mother)
    _html, queries = _get(client, sanne, REMOTE_ADDR="203.0.113.9")
    assert sum(q.startswith(AUDIT_INSERT) for q in queries) == 1
    rows = list(AuditEvent.objects.filter(actor=mother, action="view").order_by("pk"))
    assert [(r.object_type, r.object_id, r.details) for r in rows] == [
        ("opp.planversion", str(version.pk), {}), ("opp.plan", str(version.plan_id), {"evaluations": [evaluation.pk]})]
    assert {(r.actor_label, r.ip_address, r.school_id) for r in rows} == {
        (f"portaal-{mother.pk}", "203.0.113.9", sanne.school_id)}


def test_a_pupil_without_a_version_is_audited_as_the_pupil(client, org):
    student = StudentFactory(school=org.school_a)
    parent = parent_of(student, username="ouder_zonder_opp").user
    client.force_login(parent)
    _html, queries = _get(client, student)
    assert sum(q.startswith(AUDIT_INSERT) for q in queries) == 1
    row = AuditEvent.objects.get(actor=parent, action="view")
    assert (row.object_type, row.object_id, row.school_id) == ("students.student", str(student.pk), student.school_id)


def test_a_section_costs_its_query_only_when_there_is_something_to_show(client, evaluated, personas):
    sanne, mother, version, evaluation = evaluated
    client.force_login(mother)
    _get(client, sanne)  # warm
    html, empty = _get(client, sanne)
    assert "Uw geschil bij de Geschillencommissie" not in html and "aan u bekendgemaakt" not in html
    assert "Er is nog niet gereageerd op deze evaluatie." in html

    Dispute.objects.create(plan=version.plan, version=version, subject="vaststelling",
                           filed_on=timezone.localdate() - datetime.timedelta(days=10), created_by=personas.geschillen_a)
    told_on = timezone.localdate() - datetime.timedelta(days=50)
    bekendmaking.record_portal(version_or_plan=version, on=told_on)
    EvaluationReaction.objects.create(evaluation=evaluation, author=mother, author_name="Mirjam Jansen",
                                      text="Fijn dat het lezen beter gaat.")
    html, full = _get(client, sanne)
    assert len(full) == len(empty) + 3  # the disputes, the mother's bekendmaking, the evaluation's reactions
    assert "Uw geschil bij de Geschillencommissie" in html
    assert "aan u bekendgemaakt" in html
    assert "Fijn dat het lezen beter gaat." in html and "Er is nog niet gereageerd op deze evaluatie." not in html
