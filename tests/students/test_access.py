"""The refusals of students.access name the school of the object that was probed (issue 10, "Access in one layer").

A begeleider of school A who tries a pupil, guardian link, placement or import batch of school B gets a 404, and
the DENIED row lands in school B's audit log — not in school A's (the refusal middleware's fallback for a user of
one school), so that school B's schoolleider sees who knocked. A visible object the user may not change is a 403
naming its school, also for a user with roles at several schools (where there is no "own school" to fall back on).
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from accounts.models import Role
from audit.models import AuditEvent
from students import access
from students.models import ImportBatch

from ..factories import GuardianLinkFactory, PlacementEventFactory, StudentFactory, approved_membership, member


@pytest.fixture
def two_schools(org, personas):
    pupil_a = StudentFactory(school=org.school_a)
    pupil_b = StudentFactory(school=org.school_b)
    return SimpleNamespace(
        pupil_a=pupil_a, pupil_b=pupil_b,
        link_b=GuardianLinkFactory(student=pupil_b),
        placement_b=PlacementEventFactory(student=pupil_b),
        batch_b=ImportBatch.objects.create(school=org.school_b, uploaded_by=personas.begeleider_b, content="x",
                                           sha256="0" * 64, delimiter=";", encoding="utf-8"),
    )


def _denied():
    return AuditEvent.objects.filter(action=AuditEvent.Action.DENIED)


PROBES = [
    pytest.param("get", "students:detail", lambda w: [w.pupil_b.pk], id="pupil"),
    pytest.param("get", "students:edit", lambda w: [w.pupil_b.pk], id="pupil-edit"),
    pytest.param("get", "students:guardian_add", lambda w: [w.pupil_b.pk], id="guardian-add"),
    pytest.param("get", "students:placement_add", lambda w: [w.pupil_b.pk], id="placement-add"),
    # A link or placement of school B asked for under the user's own pupil: still school B's refusal.
    pytest.param("get", "students:guardian_edit", lambda w: [w.pupil_a.pk, w.link_b.pk], id="guardian-link"),
    pytest.param("post", "students:guardian_remove", lambda w: [w.pupil_a.pk, w.link_b.pk], id="guardian-remove"),
    pytest.param("get", "students:placement_edit", lambda w: [w.pupil_a.pk, w.placement_b.pk], id="placement"),
    pytest.param("get", "students:import_preview", lambda w: [w.batch_b.pk], id="import-preview"),
    pytest.param("post", "students:import_apply", lambda w: [w.batch_b.pk], id="import-apply"),
    pytest.param("post", "students:import_discard", lambda w: [w.batch_b.pk], id="import-discard"),
]


@pytest.mark.parametrize(("method", "name", "args"), PROBES)
def test_a_probe_of_another_schools_object_is_denied_in_that_schools_log(client, org, personas, two_schools, method, name,
                                                                          args):
    client.force_login(personas.begeleider_a)
    response = getattr(client, method)(reverse(name, args=args(two_schools)))
    assert response.status_code == 404
    row = _denied().get()
    assert row.school_id == org.school_b.pk
    assert row.actor == personas.begeleider_a and row.details["status"] == 404


def test_an_unknown_link_of_an_own_pupil_is_denied_in_the_pupils_school(client, org, two_schools):
    """Nothing to name but the pupil it was asked under: the refusal goes to that pupil's school."""
    user = member(Role.BEGELEIDER, school=org.school_a, username="twee_scholen")
    approved_membership(user, Role.BEGELEIDER, school=org.school_b)  # no single "own school" to fall back on
    client.force_login(user)
    assert client.get(reverse("students:guardian_edit", args=[two_schools.pupil_a.pk, 999_999])).status_code == 404
    assert _denied().get().school_id == org.school_a.pk


def test_a_write_by_a_read_only_role_is_a_403_in_the_pupils_school(client, org, two_schools):
    """A leerkracht of school A who is begeleider at school A2: the refusal belongs to school A, not to "none"."""
    user = member(Role.LEERKRACHT, school=org.school_a, username="leest_a_schrijft_a2", groups=["4a"])
    approved_membership(user, Role.BEGELEIDER, school=org.school_a2)
    client.force_login(user)
    assert client.get(reverse("students:edit", args=[two_schools.pupil_a.pk])).status_code == 403
    row = _denied().get()
    assert row.school_id == org.school_a.pk and row.details["status"] == 403


def test_accessors_attach_the_probed_school(org, personas, two_schools):
    with pytest.raises(Http404) as refused:
        access.student_for_user(personas.begeleider_a, two_schools.pupil_b.pk)
    assert refused.value.audit_school_id == org.school_b.pk
    with pytest.raises(Http404) as refused:
        access.batch_for_user(personas.begeleider_a, two_schools.batch_b.pk)
    assert refused.value.audit_school_id == org.school_b.pk
    with pytest.raises(PermissionDenied) as refused:
        access.student_for_user(personas.leerkracht_a, two_schools.pupil_a.pk, write=True)
    assert refused.value.audit_school_id == org.school_a.pk
    # A pk that is no object at all names no school.
    with pytest.raises(Http404) as refused:
        access.student_for_user(personas.begeleider_a, 999_999)
    assert refused.value.audit_school_id is None


def test_pages_without_an_object_refuse_with_403(client, personas):
    """The register, a new pupil and the import are for school staff: the board gets 403 (no pupil to name)."""
    client.force_login(personas.bestuurder_a)
    for name in ("students:list", "students:create", "students:import_upload"):
        assert client.get(reverse(name)).status_code == 403, name


def test_rights_are_booleans_from_the_access_layer(org, personas, two_schools):
    assert access.student_rights(personas.begeleider_a, two_schools.pupil_a) == {
        "can_edit": True, "can_edit_plan": True, "can_see_viewers": False}
    assert access.student_rights(personas.schoolleider_a, two_schools.pupil_a)["can_see_viewers"] is True
    assert access.student_rights(personas.leerkracht_a, two_schools.pupil_a) == {
        "can_edit": False, "can_edit_plan": False, "can_see_viewers": False}
    assert access.register_rights(personas.leerkracht_a, access.register_schools(personas.leerkracht_a)) == {
        "can_edit": False}
