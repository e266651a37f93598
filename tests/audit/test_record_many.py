"""audit.record_many: several rows of one page in one INSERT, each holding exactly what audit.record writes."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit import log as audit
from audit.models import AuditEvent
from tests.factories import PlanFactory, StudentFactory, parent_of

FIELDS = ("actor_id", "actor_label", "action", "object_type", "object_id", "school_id", "ip_address", "details", "at")
WHEN = datetime(2026, 3, 2, 9, 30, tzinfo=ZoneInfo("Europe/Amsterdam"))


def _fields(row: AuditEvent) -> tuple:
    row = AuditEvent.objects.get(pk=row.pk)
    return tuple(getattr(row, f) for f in FIELDS)


@pytest.fixture
def family(org, personas):
    student = StudentFactory(school=org.school_a)
    parent = parent_of(student, name="Ouder Veld", username="ouder_veld").user
    return student, PlanFactory(student=student, created_by=personas.begeleider_a), parent


def _calls(student, plan, parent, personas, org):
    """(actor, action, obj, keyword arguments) for record and event alike: a parent (pseudonymous label), staff, an
    explicit school, details, no object, an anonymous actor with a label."""
    return [
        (parent, audit.Action.VIEW, student, {}),
        (parent, audit.Action.VIEW, plan, {"details": {"evaluations": [3, 4]}}),
        (personas.begeleider_a, audit.Action.EXPORT, None, {"school": org.school_a.pk}),
        (personas.begeleider_a, audit.Action.UPDATE, org.school_a, {"details": {"fields": ["name"]}}),
        (AnonymousUser(), audit.Action.DENIED, None, {"actor_label": "iemand", "school": org.school_a}),
    ]


def test_each_row_holds_what_record_writes(family, personas, org):
    student, plan, parent = family
    calls = _calls(student, plan, parent, personas, org)
    token = audit.set_request_ip("203.0.113.7")
    try:
        with time_machine.travel(WHEN, tick=False):
            single = [audit.record(actor, action, obj, **kw) for actor, action, obj, kw in calls]
            many = audit.record_many([audit.event(actor, action, obj, **kw) for actor, action, obj, kw in calls])
    finally:
        audit.reset_request_ip(token)
    assert [_fields(r) for r in many] == [_fields(r) for r in single]
    first = _fields(many[0])
    assert first[:2] == (parent.pk, f"portaal-{parent.pk}") and first[5:8] == (org.school_a.pk, "203.0.113.7", {})
    assert _fields(many[1])[7] == {"evaluations": [3, 4]}


def test_the_rows_are_one_insert_in_their_order(family, personas, org):
    student, plan, parent = family
    rows = [audit.event(parent, audit.Action.VIEW, student), audit.event(parent, audit.Action.VIEW, plan)]
    with CaptureQueriesContext(connection) as queries:
        written = audit.record_many(rows)
    assert len(queries) == 1 and queries[0]["sql"].startswith("INSERT")
    assert written == rows and written[0].pk < written[1].pk
    assert [r.object_type for r in AuditEvent.objects.filter(pk__in=[r.pk for r in rows]).order_by("pk")] == [
        "students.student", "opp.plan"]
    assert all(r.at is not None for r in written)


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_it_is_one_statement_too(org, personas):
    """No BEGIN and COMMIT around it (bulk_create would add them): a request runs in autocommit."""
    rows = [audit.event(personas.begeleider_a, audit.Action.VIEW, org.school_a),
            audit.event(personas.begeleider_a, audit.Action.VIEW, org.school_b)]
    with CaptureQueriesContext(connection) as queries:
        audit.record_many(rows)
    assert [q["sql"].split()[0] for q in queries] == ["INSERT"]
    assert AuditEvent.objects.filter(pk__in=[r.pk for r in rows]).count() == 2


def test_nothing_to_write_costs_no_query(db):
    with CaptureQueriesContext(connection) as queries:
        assert audit.record_many([]) == []
    assert len(queries) == 0


def test_written_rows_stay_append_only(personas, org):
    row, _other = audit.record_many([audit.event(personas.begeleider_a, audit.Action.VIEW, org.school_a),
                                     audit.event(personas.begeleider_a, audit.Action.VIEW, org.school_b)])
    row.action = audit.Action.DELETE
    with pytest.raises(PermissionError):
        row.save()
    assert AuditEvent.objects.get(pk=row.pk).action == "view"


def test_a_denied_row_counts_as_recorded_once_written(personas, org):
    token = audit.begin_refusal_scope()
    try:
        audit.record_many([audit.event(personas.begeleider_a, audit.Action.VIEW, org.school_a),
                           audit.event(personas.begeleider_a, audit.Action.DENIED, school=org.school_a)])
        assert audit.denied_recorded()
    finally:
        audit.end_refusal_scope(token)
