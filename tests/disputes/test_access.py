"""The refusals of disputes.access name the school of the object that was probed (issue 10, "Access in one layer").

A board's dispute handler who tries a dispute, document, dossier or school document of another board gets a 404,
and the DENIED row lands in the audit log of the probed school: a board role has no school of its own, so without
the accessor's school the row would name none. A dispute the user may read but not change is a 403 in its school.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.urls import reverse

from audit.models import AuditEvent
from disputes import access, services
from disputes.models import DossierExport

from .world import PDF, D, frozen, make_world


@pytest.fixture(autouse=True)
def today():
    with frozen():
        yield


@pytest.fixture(autouse=True)
def _private_media(private):
    """Documents are stored: each test in its own folder (the `private` fixture of tests/conftest.py)."""


def _pdf(name="d.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def _file(actor, plan, version, *, school):
    """A dispute with a document, a finished dossier and a school document, all of `school`."""
    dispute = services.register(actor=actor, plan=plan, version=version, subject="vaststelling", filed_on=D(2026, 10, 5))
    doc = services.add_document(actor=actor, dispute=dispute, title="Verweerschrift", upload=_pdf())
    export = DossierExport.objects.create(dispute=dispute, requested_by=actor, state="klaar", progress=100,
                                          stored_name=doc.stored_name, sha256="ab" * 32)
    school_doc = services.add_school_document(actor=actor, school=school, kind="sop", upload=_pdf("sop.pdf"))
    return SimpleNamespace(dispute=dispute, doc=doc, export=export, school_doc=school_doc)


@pytest.fixture
def two_schools(org, personas):
    w = make_world(org, personas)
    w.a = _file(personas.geschillen_a, w.plan, w.version, school=org.school_a)
    w.b = _file(w.geschillen_b, w.version_b.plan, w.version_b, school=org.school_b)
    return w


def _denied():
    return AuditEvent.objects.filter(action=AuditEvent.Action.DENIED)


PROBES = [
    pytest.param("get", "disputes:detail", lambda w, o: [w.b.dispute.pk], id="detail"),
    pytest.param("post", "disputes:dates", lambda w, o: [w.b.dispute.pk], id="dates"),
    pytest.param("post", "disputes:close", lambda w, o: [w.b.dispute.pk], id="close"),
    pytest.param("get", "disputes:letter", lambda w, o: [w.b.dispute.pk], id="letter"),
    pytest.param("post", "disputes:export", lambda w, o: [w.b.dispute.pk], id="export"),
    pytest.param("get", "disputes:document", lambda w, o: [w.b.dispute.pk, w.b.doc.pk], id="document"),
    pytest.param("get", "disputes:export_status", lambda w, o: [w.b.dispute.pk, w.b.export.pk], id="export-status"),
    pytest.param("get", "disputes:export_download", lambda w, o: [w.b.dispute.pk, w.b.export.pk], id="export-download"),
    pytest.param("get", "disputes:school_documents", lambda w, o: [o.school_b.pk], id="school-documents"),
    pytest.param("get", "disputes:school_document", lambda w, o: [o.school_b.pk, w.b.school_doc.pk], id="school-document"),
    # Another board's object asked for under the user's own dispute or school: still that school's refusal.
    pytest.param("get", "disputes:document", lambda w, o: [w.a.dispute.pk, w.b.doc.pk], id="document-under-own"),
    pytest.param("get", "disputes:export_status", lambda w, o: [w.a.dispute.pk, w.b.export.pk], id="export-under-own"),
    pytest.param("get", "disputes:school_document", lambda w, o: [o.school_a.pk, w.b.school_doc.pk],
                 id="school-document-under-own"),
]


@pytest.mark.parametrize(("method", "name", "args"), PROBES)
def test_a_probe_of_another_boards_object_is_denied_in_that_schools_log(client, org, personas, two_schools, method, name,
                                                                        args):
    client.force_login(personas.geschillen_a)
    response = getattr(client, method)(reverse(name, args=args(two_schools, org)))
    assert response.status_code == 404
    row = _denied().get()
    assert row.school_id == org.school_b.pk
    assert row.actor == personas.geschillen_a and row.details["status"] == 404


def test_an_own_dispute_with_nothing_to_serve_yet_is_a_404_in_its_school(client, org, personas, two_schools):
    """No board response yet (no letter), a dossier still being made (nothing to download): 404 in the own school."""
    pending = DossierExport.objects.create(dispute=two_schools.a.dispute, requested_by=personas.geschillen_a)
    client.force_login(personas.geschillen_a)
    assert client.get(reverse("disputes:letter", args=[two_schools.a.dispute.pk])).status_code == 404
    assert client.get(reverse("disputes:export_download", args=[two_schools.a.dispute.pk, pending.pk])).status_code == 404
    assert list(_denied().values_list("school_id", flat=True)) == [org.school_a.pk] * 2


def test_a_write_by_the_read_only_schoolleider_is_a_403_in_the_disputes_school(client, org, personas, two_schools):
    """The schoolleider reads the disputes of the own school but never changes them."""
    client.force_login(personas.schoolleider_a)
    assert client.get(reverse("disputes:detail", args=[two_schools.a.dispute.pk])).status_code == 200
    response = client.post(reverse("disputes:dates", args=[two_schools.a.dispute.pk]), {"reference": "X-1"})
    assert response.status_code == 403
    row = _denied().get()
    assert row.school_id == org.school_a.pk and row.details["status"] == 403
    two_schools.a.dispute.refresh_from_db()
    assert two_schools.a.dispute.reference != "X-1"


def test_accessors_attach_the_probed_school(org, personas, two_schools):
    user = personas.geschillen_a
    for call in (lambda: access.dispute_for_user(user, two_schools.b.dispute.pk),
                 lambda: access.document_for_user(user, two_schools.a.dispute.pk, two_schools.b.doc.pk),
                 lambda: access.export_for_user(user, two_schools.a.dispute.pk, two_schools.b.export.pk),
                 lambda: access.school_for_user(user, org.school_b.pk),
                 lambda: access.school_document_for_user(user, org.school_a.pk, two_schools.b.school_doc.pk)):
        with pytest.raises(Http404) as refused:
            call()
        assert refused.value.audit_school_id == org.school_b.pk
    with pytest.raises(PermissionDenied) as refused:
        access.dispute_for_user(personas.schoolleider_a, two_schools.a.dispute.pk, write=True)
    assert refused.value.audit_school_id == org.school_a.pk
    with pytest.raises(PermissionDenied) as refused:
        access.require_school_documents(personas.begeleider_a, org.school_a)
    assert refused.value.audit_school_id == org.school_a.pk


def test_the_page_booleans_come_from_the_access_layer(org, personas, two_schools):
    assert access.dispute_rights(personas.geschillen_a, two_schools.a.dispute) == {
        "can_edit": True, "can_school_documents": True}
    assert access.dispute_rights(personas.schoolleider_a, two_schools.a.dispute) == {
        "can_edit": False, "can_school_documents": True}
    assert access.can_register_anywhere(personas.geschillen_a)
    assert not access.can_register_anywhere(personas.schoolleider_a)
    with pytest.raises(PermissionDenied):
        access.schools_to_register_for(personas.schoolleider_a)
