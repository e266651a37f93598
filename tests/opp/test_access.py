"""The refusals of opp.access name the school of the object that was probed (issue 10, "Access in one layer").

Whoever tries a plan, version, consultation, consent request, signed form or reaction of another school gets a 404,
and the DENIED row lands in that school's audit log: not in the prober's own school (the refusal middleware's
fallback for a user of one school), and not in no school at all (a board member has no school of their own). A
visible object the user may not change is a 403 naming its school.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from accounts.access import Cap
from accounts.models import Role
from audit.models import AuditEvent
from opp import access
from opp.models import ConsentAnswer, ConsentRequest, Reaction

from ..factories import (
    ConsultationFactory,
    PlanFactory,
    PlanVersionFactory,
    StudentFactory,
    UserFactory,
    approved_membership,
    member,
)


def _plan_with_version(school, by, **version):
    plan = PlanFactory(student=StudentFactory(school=school, support_level="extra", opp_required=True), created_by=by)
    return plan, PlanVersionFactory(plan=plan, **version)


@pytest.fixture
def two_schools(org, personas):
    plan_a, version_a = _plan_with_version(org.school_a, personas.begeleider_a)
    plan_b, version_b = _plan_with_version(org.school_b, personas.begeleider_b, state="instemming_gevraagd",
                                           with_actions=1)
    request_b = ConsentRequest.objects.create(version=version_b, handelingsdeel_hash="0" * 64,
                                              requested_by=personas.begeleider_b)
    parent = UserFactory(username="ouder_b")
    pupil_b = plan_b.student
    return SimpleNamespace(
        plan_a=plan_a, version_a=version_a, plan_b=plan_b, version_b=version_b, pupil_b=pupil_b,
        consultation_b=ConsultationFactory(plan=plan_b, created_by=personas.begeleider_b),
        request_b=request_b,
        answer_b=ConsentAnswer.objects.create(
            request=request_b, pupil=pupil_b, party_name="Leerling B", answer="ja", handelingsdeel_hash="0" * 64,
            channel="portaal", user=parent),
        reaction_b=Reaction.objects.create(version=version_b, author=parent, author_name="Ouder B", text="Een vraag."),
    )


def _denied():
    return AuditEvent.objects.filter(action=AuditEvent.Action.DENIED)


PROBES = [
    pytest.param("post", "opp:start", lambda w: [w.pupil_b.pk], "", id="start-for-pupil"),
    pytest.param("get", "opp:plan", lambda w: [w.plan_b.pk], "", id="plan"),
    pytest.param("get", "opp:withdraw", lambda w: [w.plan_b.pk], "", id="withdraw"),
    pytest.param("post", "opp:revision_start", lambda w: [w.plan_b.pk], "", id="revision"),
    pytest.param("get", "opp:version", lambda w: [w.version_b.pk], "", id="version"),
    pytest.param("post", "opp:to_overleg", lambda w: [w.version_b.pk], "", id="to-overleg"),
    pytest.param("get", "opp:version_pdf", lambda w: [w.version_b.pk], "", id="version-pdf"),
    pytest.param("get", "opp:archived_pdf", lambda w: [w.version_b.pk], "", id="archived-pdf"),
    pytest.param("post", "opp:submit", lambda w: [w.version_b.pk], "", id="submit"),
    pytest.param("post", "opp:consent_request", lambda w: [w.version_b.pk], "", id="consent-request"),
    pytest.param("post", "opp:consent_withdraw", lambda w: [w.request_b.pk], "", id="consent-withdraw"),
    pytest.param("get", "opp:consent_paper", lambda w: [w.request_b.pk], "", id="consent-paper"),
    pytest.param("get", "opp:consent_scan", lambda w: [w.answer_b.pk], "", id="consent-scan"),
    pytest.param("post", "opp:reaction_respond", lambda w: [w.reaction_b.pk], "", id="reaction"),
    # Another school's object asked for under the user's own plan or version: still that school's refusal.
    pytest.param("get", "opp:consultation_edit", lambda w: [w.plan_a.pk, w.consultation_b.pk], "", id="consultation"),
    pytest.param("get", "opp:diff", lambda w: [w.version_a.pk], "met", id="diff-with"),
]


@pytest.mark.parametrize(("method", "name", "args", "query"), PROBES)
def test_a_probe_of_another_schools_object_is_denied_in_that_schools_log(client, org, personas, two_schools, method, name,
                                                                          args, query):
    client.force_login(personas.begeleider_a)
    url = reverse(name, args=args(two_schools)) + (f"?{query}={two_schools.version_b.pk}" if query else "")
    response = getattr(client, method)(url)
    assert response.status_code == 404
    row = _denied().get()
    assert row.school_id == org.school_b.pk
    assert row.actor == personas.begeleider_a and row.details["status"] == 404


def test_a_board_member_probing_another_board_is_denied_in_the_probed_school(client, org, personas, two_schools):
    """A board role has no school of its own: without the accessor's school the row would name none."""
    client.force_login(personas.bestuurder_a)
    for name in ("opp:plan", "opp:adoption_review"):
        obj = two_schools.plan_b if name == "opp:plan" else two_schools.version_b
        assert client.get(reverse(name, args=[obj.pk])).status_code == 404, name
    assert list(_denied().values_list("school_id", flat=True)) == [org.school_b.pk] * 2


def test_a_write_by_a_read_only_role_is_a_403_in_the_plans_school(client, org, personas, two_schools):
    """The board reads plans of its schools but does not edit them: 403, in the school of the plan."""
    client.force_login(personas.bestuurder_a)
    assert client.post(reverse("opp:to_overleg", args=[two_schools.version_a.pk])).status_code == 403
    row = _denied().get()
    assert row.school_id == org.school_a.pk and row.details["status"] == 403


def test_an_unknown_choice_on_an_own_object_is_denied_in_its_school(client, org, two_schools):
    """An editor post without a known section (or a review without a known action) names the version's school."""
    user = member(Role.BEGELEIDER, school=org.school_a, username="twee_scholen")
    approved_membership(user, Role.BEGELEIDER, school=org.school_b)  # no single "own school" to fall back on
    client.force_login(user)
    assert client.post(reverse("opp:version", args=[two_schools.version_a.pk]), {"section": "bestaat-niet"}).status_code == 404
    assert client.get(reverse("opp:diff", args=[two_schools.version_a.pk])).status_code == 404  # nothing to compare with
    assert list(_denied().values_list("school_id", flat=True)) == [org.school_a.pk] * 2


def test_accessors_attach_the_probed_school(org, personas, two_schools):
    for call in (lambda: access.plan_for_user(personas.begeleider_a, two_schools.plan_b.pk),
                 lambda: access.version_for_user(personas.begeleider_a, two_schools.version_b.pk),
                 lambda: access.consent_request_for_user(personas.begeleider_a, two_schools.request_b.pk),
                 lambda: access.reaction_for_user(personas.begeleider_a, two_schools.reaction_b.pk),
                 lambda: access.consultation_for(two_schools.plan_a, two_schools.consultation_b.pk)):
        with pytest.raises(Http404) as refused:
            call()
        assert refused.value.audit_school_id == org.school_b.pk
    with pytest.raises(PermissionDenied) as refused:
        access.plan_for_user(personas.leerkracht_a, two_schools.plan_a.pk, cap=Cap.PLAN_EDIT)
    assert refused.value.audit_school_id == org.school_a.pk
    with pytest.raises(PermissionDenied) as refused:
        access.require_adoption_mandate(personas.schoolleider_a, org.school_a)  # a schoolleider without mandate
    assert refused.value.audit_school_id == org.school_a.pk


def test_a_portal_answer_has_no_scan_to_download(org, personas, two_schools):
    """The signed form is the school's (PLAN_EDIT); an answer given in the portal has none: 404 in its school."""
    with pytest.raises(Http404) as refused:
        access.consent_scan_for_user(personas.begeleider_b, two_schools.answer_b.pk)
    assert refused.value.audit_school_id == org.school_b.pk


def test_the_mandate_is_a_boolean_and_a_label_for_the_page(client, org, personas, two_schools):
    board = access.adoption_mandate(personas.bestuurder_a, org.school_a)
    school = access.adoption_mandate(personas.schoolleider_mandaat_a, org.school_a)
    assert board.by_board and board.label == "bestuurder van Stichting A"
    assert not school.by_board and school.label == "schoolleider van School A, met mandaat van het bestuur"
    assert access.adoption_mandate(personas.schoolleider_a, org.school_a) is None
    _plan, awaiting = _plan_with_version(org.school_a, personas.begeleider_a, state="ter_vaststelling")
    client.force_login(personas.bestuurder_a)
    html = client.get(reverse("opp:adoption_review", args=[awaiting.pk])).content.decode()
    assert "U stelt vast als bestuurder van Stichting A." in html
    client.force_login(personas.schoolleider_mandaat_a)
    html = client.get(reverse("opp:adoption_review", args=[awaiting.pk])).content.decode()
    assert "U stelt vast als schoolleider van School A, met mandaat van het bestuur." in html


def test_rights_are_booleans_from_the_access_layer(personas, two_schools):
    begeleider = access.version_rights(personas.begeleider_a, two_schools.version_a)
    assert begeleider.edit and begeleider.manage and not begeleider.advise
    assert begeleider.section_editable("doelen")
    leerkracht = access.version_rights(personas.leerkracht_a, two_schools.version_a)
    assert not (leerkracht.edit or leerkracht.manage or leerkracht.section_editable("commissie"))
    assert access.plan_rights(personas.leerkracht_a, two_schools.plan_a)["can_edit"] is False
    assert access.plan_rights(personas.bestuurder_a, two_schools.plan_a)["can_view_pupil"] is False
    assert access.may_edit_plan(personas.begeleider_a, two_schools.plan_a)
