"""The refusals of portal.access name the school of the object that was probed (issue 10, "Access in one layer").

A parent has no school of their own, so without the accessor's school a refusal row would name none: whoever tries
another family's pupil, version, evaluation or consent request gets a 404 whose DENIED row lands in that pupil's
school's audit log. So does the adult pupil hidden from her parents (R-TIME-4). A guardian without gezag who asks
for the inzage, and a read-only teacher who invites parents, get a 403 in the pupil's school.

Cast (tests.factories.portal_world): Sanne Jansen of school A (moeder ``ouder_a``, stepfather ``stief_a`` without
gezag), Bram Bakker of school A (``ouder_b``) and the adult vso pupil Lotte Horizon of school A2 (``leerling_c``;
her moeder ``ouder_c`` is not informed).
"""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from audit.models import AuditEvent
from evaluations.models import Evaluation, EvaluationReaction
from opp import consent_services as cs
from opp.models import ConsentAnswer, PlanVersion, Reaction
from portal import access
from portal.models import Invitation
from tests.conftest import PASSWORD


@pytest.fixture
def lotte(world, personas):
    """Lotte's version with a consent request and an evaluation: the objects another family probes."""
    world.req_c = cs.request_send(actor=world.begeleider_a2, version=world.version_c)
    world.evaluation_c = Evaluation.objects.create(
        plan=world.version_c.plan, version=world.version_c, school_year="2026-2027", held_on=datetime.date(2026, 9, 1),
        conclusion="Het gaat goed.", decision="voortzetten", created_by=world.begeleider_a2)
    return world


def _denied():
    return AuditEvent.objects.filter(action=AuditEvent.Action.DENIED)


PROBES = [
    pytest.param("get", "portal:child", lambda w: w.lotte.pk, None, id="child"),
    pytest.param("post", "portal:inzage", lambda w: w.lotte.pk, {}, id="inzage"),
    pytest.param("get", "portal:version", lambda w: w.version_c.pk, None, id="version"),
    pytest.param("get", "portal:version_pdf", lambda w: w.version_c.pk, None, id="version-pdf"),
    pytest.param("post", "portal:react", lambda w: w.version_c.pk, {"text": "Ingebroken"}, id="react"),
    pytest.param("post", "portal:answer", lambda w: w.req_c.pk,
                 {"party": "pupil:0", "answer": "nee", "password": PASSWORD}, id="answer"),
    pytest.param("get", "portal:evaluation_pdf", lambda w: w.evaluation_c.pk, None, id="evaluation-pdf"),
    pytest.param("post", "portal:evaluation_react", lambda w: w.evaluation_c.pk, {"text": "Ingebroken"},
                 id="evaluation-react"),
]


@pytest.mark.parametrize("intruder", ["ouder_a", "ouder_c"])  # another family; Lotte's own mother (R-TIME-4)
@pytest.mark.parametrize(("method", "name", "pk", "data"), PROBES)
def test_a_probe_of_another_familys_object_is_denied_in_that_pupils_school(client, org, lotte, intruder, method, name,
                                                                           pk, data):
    user = getattr(lotte, intruder)
    client.force_login(user)
    url = reverse(name, args=[pk(lotte)])
    response = client.post(url, data) if method == "post" else client.get(url)
    assert response.status_code == 404
    assert "Lotte" not in response.content.decode()
    row = _denied().get()
    assert row.school_id == org.school_a2.pk
    assert row.actor == user and row.details["status"] == 404
    assert not (Reaction.objects.exists() or EvaluationReaction.objects.exists() or ConsentAnswer.objects.exists())


def test_a_guardian_without_gezag_asking_for_the_inzage_is_a_403_in_the_childs_school(client, org, world):
    client.force_login(world.stief_a)
    assert client.get(reverse("portal:child", args=[world.sanne.pk])).status_code == 200  # he reads the portal
    assert client.post(reverse("portal:inzage", args=[world.sanne.pk])).status_code == 403
    row = _denied().get()
    assert row.school_id == org.school_a.pk and row.details["status"] == 403


def test_a_read_only_teacher_inviting_parents_is_a_403_in_the_pupils_school(client, org, personas, world):
    link = world.sanne.guardian_links.get(guardian=world.vader)
    client.force_login(personas.leerkracht_a)
    for url in (reverse("students:invite_guardian", args=[world.sanne.pk, link.pk]),
                reverse("students:invite_pupil", args=[world.sanne.pk])):
        assert client.post(url, {"email": "pieter@example.nl"}).status_code == 403
    assert list(_denied().values_list("school_id", flat=True)) == [org.school_a.pk] * 2
    assert not Invitation.objects.exists()


def test_staff_probing_another_schools_pupil_or_guardian_is_denied_in_that_school(client, org, personas, world):
    """Begeleider of school A: Lotte (school A2) is not theirs, nor is her mother's link under their own pupil."""
    link_c = world.lotte.guardian_links.get()
    client.force_login(personas.begeleider_a)
    assert client.get(reverse("students:invite_pupil", args=[world.lotte.pk])).status_code == 404
    assert client.get(reverse("students:invite_guardian", args=[world.sanne.pk, link_c.pk])).status_code == 404
    assert list(_denied().values_list("school_id", flat=True)) == [org.school_a2.pk] * 2


def test_accessors_attach_the_probed_school(org, lotte):
    for call in (lambda: access.student_for_portal(lotte.ouder_c, lotte.lotte.pk),
                 lambda: access.version_for_portal(lotte.ouder_a, lotte.version_c.pk),
                 lambda: access.evaluation_for_portal(lotte.ouder_b, lotte.evaluation_c.pk),
                 lambda: access.consent_request_for_portal(lotte.ouder_a, lotte.req_c.pk),
                 lambda: access.student_for_inzage(lotte.ouder_c, lotte.lotte.pk)):
        with pytest.raises(Http404) as refused:
            call()
        assert refused.value.audit_school_id == org.school_a2.pk
    with pytest.raises(PermissionDenied) as refused:
        access.student_for_inzage(lotte.stief_a, lotte.sanne.pk)
    assert refused.value.audit_school_id == org.school_a.pk
    # Her own: the adult pupil reaches herself and her evaluation.
    assert access.student_for_portal(lotte.leerling_c, lotte.lotte.pk) == lotte.lotte
    assert access.evaluation_for_portal(lotte.leerling_c, lotte.evaluation_c.pk) == lotte.evaluation_c


def test_a_concept_of_the_own_child_is_a_404_in_its_school(org, world):
    PlanVersion.objects.filter(pk=world.version_a.pk).update(state="concept")
    with pytest.raises(Http404) as refused:
        access.version_for_portal(world.ouder_a, world.version_a.pk)
    assert refused.value.audit_school_id == org.school_a.pk
