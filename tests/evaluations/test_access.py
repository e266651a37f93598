"""The refusals of evaluations.access name the school of the object that was probed (issue 10, "Access in one layer").

Whoever tries an evaluation, a commission evaluation or the evaluation form of another school's plan gets a 404,
and the DENIED row lands in that school's audit log: not in the prober's own school (the refusal middleware's
fallback for a user of one school), and not in no school at all (a board member has none). Recording an evaluation
without the right to is a 403 in the plan's school.
"""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from audit.models import AuditEvent
from evaluations import access
from evaluations.models import CommissionEvaluation, Evaluation

from ..factories import StudentFactory, adopted_plan

HELD_ON = datetime.date(2026, 9, 15)


def _evaluated(school, by):
    version = adopted_plan(StudentFactory(school=school, onderwijssoort=school.onderwijssoorten[0]), by=by)
    evaluation = Evaluation.objects.create(plan=version.plan, version=version, school_year="2026-2027", held_on=HELD_ON,
                                           conclusion="Het gaat goed.", decision="voortzetten", created_by=by)
    commission = CommissionEvaluation.objects.create(plan=version.plan, school_year="2026-2027", held_on=HELD_ON,
                                                     evaluation="Goed.", report="Verslag.", advice="geen", created_by=by)
    return SimpleNamespace(plan=version.plan, evaluation=evaluation, commission=commission)


@pytest.fixture
def two_schools(clock, org, personas):
    return SimpleNamespace(a=_evaluated(org.school_a, personas.begeleider_a),
                           b=_evaluated(org.school_b, personas.begeleider_b))


def _denied():
    return AuditEvent.objects.filter(action=AuditEvent.Action.DENIED)


PROBES = [
    pytest.param("evaluations:detail", lambda w: w.b.evaluation.pk, id="detail"),
    pytest.param("evaluations:pdf", lambda w: w.b.evaluation.pk, id="pdf"),
    pytest.param("evaluations:record", lambda w: w.b.plan.pk, id="record"),
    pytest.param("evaluations:commission_record", lambda w: w.b.plan.pk, id="commission-record"),
    pytest.param("evaluations:commission_detail", lambda w: w.b.commission.pk, id="commission-detail"),
]


@pytest.mark.parametrize("persona", ["begeleider_a", "bestuurder_a"])
@pytest.mark.parametrize(("name", "pk"), PROBES)
def test_a_probe_of_another_schools_evaluation_is_denied_in_that_schools_log(client, org, personas, two_schools, persona,
                                                                             name, pk):
    user = getattr(personas, persona)
    client.force_login(user)
    assert client.get(reverse(name, args=[pk(two_schools)])).status_code == 404
    row = _denied().get()
    assert row.school_id == org.school_b.pk
    assert row.actor == user and row.details["status"] == 404


@pytest.mark.parametrize(("persona", "name"), [
    ("leerkracht_a", "evaluations:record"),  # reads plans, records nothing
    ("bestuurder_a", "evaluations:record"),  # the board reads the plan, the school evaluates it
    ("begeleider_a", "evaluations:commission_record"),  # the commission's evaluation is the commission's
])
def test_recording_without_the_right_is_a_403_in_the_plans_school(client, org, personas, two_schools, persona, name):
    client.force_login(getattr(personas, persona))
    assert client.get(reverse("evaluations:detail", args=[two_schools.a.evaluation.pk])).status_code == 200
    assert client.post(reverse(name, args=[two_schools.a.plan.pk]), {"held_on": "2026-09-20"}).status_code == 403
    row = _denied().get()
    assert row.school_id == org.school_a.pk and row.details["status"] == 403
    assert Evaluation.objects.filter(plan=two_schools.a.plan).count() == 1
    assert CommissionEvaluation.objects.filter(plan=two_schools.a.plan).count() == 1


def test_accessors_attach_the_probed_school(org, personas, two_schools):
    user = personas.begeleider_a
    for call in (lambda: access.evaluation_for_user(user, two_schools.b.evaluation.pk),
                 lambda: access.commission_evaluation_for_user(user, two_schools.b.commission.pk),
                 lambda: access.plan_to_evaluate(user, two_schools.b.plan.pk),
                 lambda: access.plan_for_commission(user, two_schools.b.plan.pk)):
        with pytest.raises(Http404) as refused:
            call()
        assert refused.value.audit_school_id == org.school_b.pk
    with pytest.raises(PermissionDenied) as refused:
        access.plan_to_evaluate(personas.leerkracht_a, two_schools.a.plan.pk)
    assert refused.value.audit_school_id == org.school_a.pk
    with pytest.raises(PermissionDenied) as refused:
        access.require_commission(personas.begeleider_a, two_schools.a.plan)
    assert refused.value.audit_school_id == org.school_a.pk


def test_the_pupil_link_is_a_boolean_of_the_access_layer(personas, two_schools):
    assert access.evaluation_rights(personas.begeleider_a, two_schools.a.plan) == {"can_view_pupil": True}
    assert access.evaluation_rights(personas.bestuurder_a, two_schools.a.plan) == {"can_view_pupil": False}
