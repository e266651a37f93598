"""The audit log does not undo the pseudonym (issue 16, point 2; DOMAIN "Retention and privacy"): a parent who probes
another board's pupil is filed under the school probed, but that school — and any viewer whose schools do not hold
the parent's child — sees only the pseudonymous reference, in the page, the CSV and the person filter. The school
that holds the child sees the name. Rows never store the name: it is looked up when the log is shown."""

import csv
import io

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from tests.auth import login
from tests.factories import StudentFactory, adopted_plan, parent_of

LOG = reverse("audit_log")


@pytest.fixture
def probe(client, org, personas):
    """Mirjam Jansen, parent of a pupil of school A (board A), opens the plan of a pupil of school B (board B)."""
    own_child = StudentFactory(school=org.school_a, first_name="Sanne")
    mirjam = parent_of(own_child, name="Mirjam Jansen", username="ouder.jansen.probe")
    mirjam.user.first_name, mirjam.user.last_name = "Mirjam", "Jansen"
    mirjam.user.save()
    other = adopted_plan(StudentFactory(school=org.school_b, support_level="extra"), by=personas.begeleider_b)
    response = login(client, mirjam.user).get(reverse("opp:plan", args=[other.plan_id]))
    assert response.status_code == 404
    row = AuditEvent.objects.get(action="denied", actor=mirjam.user)
    return mirjam.user, row


def test_the_refusal_row_keeps_no_name(probe, org):
    user, row = probe
    assert row.school_id == org.school_b.pk  # filed under the school probed
    assert row.actor_label == f"portaal-{user.pk}"
    assert "Jansen" not in str(row.details) and "ouder.jansen" not in row.actor_label


def test_another_board_sees_only_the_pseudonym_in_the_page_the_csv_and_the_filter(client, probe, personas):
    user, _row = probe
    viewer = login(client, personas.bestuurder_b)
    html = viewer.get(LOG).content.decode()
    assert f"portaal-{user.pk}" in html
    assert "Mirjam" not in html and "Jansen" not in html and "ouder.jansen" not in html

    export = viewer.get(LOG, {"format": "csv"}).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(export), delimiter=";"))
    mine = [r for r in rows if f"portaal-{user.pk}" in r]
    assert mine and not any("Jansen" in cell or "ouder.jansen" in cell for r in rows for cell in r)

    # Searching by the parent's private email/username finds nothing; by the pseudonym it does.
    assert "portaal-" not in viewer.get(LOG, {"persoon": "ouder.jansen"}).content.decode().split("<table")[-1]
    assert f"portaal-{user.pk}" in viewer.get(LOG, {"persoon": f"portaal-{user.pk}"}).content.decode()


def test_the_school_that_holds_the_child_sees_the_name(client, org, personas):
    child = StudentFactory(school=org.school_a)
    parent = parent_of(child, name="Karin de Boer", username="ouder.deboer")
    parent.user.first_name, parent.user.last_name = "Karin", "de Boer"
    parent.user.save()
    login(client, parent.user).get(reverse("portal:child", args=[child.pk]))
    html = login(client, personas.schoolleider_a).get(LOG).content.decode()
    assert "Karin de Boer" in html
