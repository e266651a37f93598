"""The append-only audit log: what one row holds, where the address comes from, and that nobody can change it."""

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError
from django.test import RequestFactory
from django.urls import reverse

from accounts.models import Membership
from audit import log as audit
from audit.models import AuditEvent
from tests.conftest import PASSWORD
from tests.services import require_postgres

LOGIN_URL = reverse("login")


def _login_post(client, username, password, **extra):
    return client.post(LOGIN_URL, {"username": username, "password": password}, **extra)


# --- What a row holds ---------------------------------------------------------------------------


def test_record_stores_actor_action_object_school_and_time(personas, org):
    when = datetime(2026, 3, 2, 9, 30, tzinfo=ZoneInfo("Europe/Amsterdam"))
    with time_machine.travel(when, tick=False):
        event = audit.record(personas.begeleider_a, audit.Action.VIEW, org.school_a, details={"fields": ["name"]})
    row = AuditEvent.objects.get(pk=event.pk)
    assert row.at == when
    assert row.actor == personas.begeleider_a
    assert row.actor_label == "begeleider_a"
    assert row.action == "view"
    assert row.object_type == "accounts.school"
    assert row.object_id == str(org.school_a.pk)
    assert row.school == org.school_a
    assert row.details == {"fields": ["name"]}
    assert row.ip_address is None  # outside a request there is no address


def test_record_takes_the_school_from_the_object(personas, org):
    membership = Membership.objects.get(user=personas.leerkracht_a)
    row = audit.record(personas.beheerder_a, audit.Action.UPDATE, membership)
    assert row.object_type == "accounts.membership"
    assert row.object_id == str(membership.pk)
    assert row.school_id == org.school_a.pk


def test_record_with_explicit_school_id_and_no_object(personas, org):
    row = audit.record(personas.schoolleider_a, audit.Action.EXPORT, school=org.school_a.pk)
    assert (row.object_type, row.object_id, row.school_id) == ("", "", org.school_a.pk)


def test_record_for_anonymous_keeps_only_the_label(db):
    row = audit.record(AnonymousUser(), audit.Action.DENIED, actor_label="iemand")
    assert row.actor is None
    assert row.actor_label == "iemand"


# --- The client address -------------------------------------------------------------------------


def test_login_row_stores_remote_addr(client, personas):
    _login_post(client, "begeleider_a", PASSWORD, REMOTE_ADDR="203.0.113.7")
    row = AuditEvent.objects.get(action=audit.Action.LOGIN)
    assert row.actor == personas.begeleider_a
    assert row.ip_address == "203.0.113.7"


def test_forwarded_for_is_ignored_without_a_trusted_proxy(client, personas, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    _login_post(client, "begeleider_a", PASSWORD, REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert AuditEvent.objects.get(action=audit.Action.LOGIN).ip_address == "203.0.113.7"


def test_behind_one_trusted_proxy_the_right_most_forwarded_hop_is_the_client(client, personas, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The client forged the first entry; our proxy appended the address it really saw.
    _login_post(
        client, "begeleider_a", PASSWORD,
        REMOTE_ADDR="172.18.0.5", HTTP_X_FORWARDED_FOR="198.51.100.66, 203.0.113.50",
    )
    assert AuditEvent.objects.get(action=audit.Action.LOGIN).ip_address == "203.0.113.50"


def test_client_ip_units(settings):
    rf = RequestFactory()
    settings.TRUSTED_PROXY_COUNT = 0
    assert audit.client_ip(rf.get("/", REMOTE_ADDR="2001:db8::1")) == "2001:db8::1"
    assert audit.client_ip(rf.get("/", REMOTE_ADDR="not-an-ip")) is None
    settings.TRUSTED_PROXY_COUNT = 1
    # Without the header (a request that bypassed the proxy) the socket address stays.
    assert audit.client_ip(rf.get("/", REMOTE_ADDR="10.0.0.9")) == "10.0.0.9"


def test_address_does_not_leak_into_records_after_the_request(client, personas):
    _login_post(client, "begeleider_a", PASSWORD, REMOTE_ADDR="203.0.113.7")
    later = audit.record(personas.begeleider_a, audit.Action.VIEW)
    assert later.ip_address is None


# --- Append-only --------------------------------------------------------------------------------


@pytest.fixture
def event(personas, org):
    return audit.record(personas.begeleider_a, audit.Action.VIEW, org.school_a)


def _unchanged(event):
    row = AuditEvent.objects.get(pk=event.pk)
    assert (row.actor_id, row.action, row.object_id) == (event.actor_id, "view", event.object_id)


def test_instance_save_after_create_is_refused(event):
    event.action = audit.Action.DELETE
    with pytest.raises(PermissionError):
        event.save()
    fetched = AuditEvent.objects.get(pk=event.pk)
    fetched.actor_label = "iemand anders"
    with pytest.raises(PermissionError):
        fetched.save()
    _unchanged(event)


def test_instance_delete_is_refused(event):
    with pytest.raises(PermissionError):
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_queryset_update_and_delete_are_refused(event):
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(action=audit.Action.DELETE)
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    # bulk_update opens an atomic block without a savepoint; give it one so the test can go on.
    with pytest.raises(PermissionError), transaction.atomic():
        AuditEvent.objects.bulk_update([event], ["action"])
    _unchanged(event)


def test_deleting_the_actor_or_school_is_refused_while_audited(event, personas, org):
    with pytest.raises(ProtectedError), transaction.atomic():
        personas.begeleider_a.delete()
    with pytest.raises(ProtectedError), transaction.atomic():
        org.school_a.delete()
    _unchanged(event)


def test_postgres_trigger_refuses_raw_update_and_delete(event):
    require_postgres()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_auditevent SET action = 'delete' WHERE id = %s", [event.pk])
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM accounts_auditevent WHERE id = %s", [event.pk])
    _unchanged(event)


# --- Logins ------------------------------------------------------------------------------------


def test_login_and_logout_are_recorded(client, personas):
    response = _login_post(client, "begeleider_a", PASSWORD)
    assert response.status_code == 302
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    rows = list(AuditEvent.objects.filter(actor=personas.begeleider_a).order_by("id").values_list("action", flat=True))
    assert rows == [audit.Action.LOGIN, audit.Action.LOGOUT]


@pytest.mark.parametrize("username", ["bestaat-niet", "begeleider_a"])
def test_failed_login_is_recorded_without_the_password(client, personas, username):
    secret = "Zeer-Geheim-Wachtwoord-4711"
    response = _login_post(client, username, secret, REMOTE_ADDR="198.51.100.23")
    assert response.status_code == 200  # form shown again
    row = AuditEvent.objects.get(action=audit.Action.LOGIN_FAILED)
    assert row.actor is None
    if username == "begeleider_a":
        assert row.actor_label == username  # a staff account: as typed
    else:
        # Anything else may be a parent's email address: kept only as a keyed hash, the same for each try.
        assert row.actor_label.startswith("getypt-") and username not in row.actor_label
        _login_post(client, username, "nog-een-poging", REMOTE_ADDR="198.51.100.23")
        labels = set(AuditEvent.objects.filter(action=audit.Action.LOGIN_FAILED).values_list("actor_label", flat=True))
        assert labels == {row.actor_label}
    assert row.ip_address == "198.51.100.23"
    stored = json.dumps(
        {f.attname: getattr(row, f.attname) for f in AuditEvent._meta.concrete_fields}, default=str
    )
    assert secret not in stored
    assert secret.lower() not in stored.lower()
    assert not AuditEvent.objects.filter(action=audit.Action.LOGIN).exists()


def test_a_parents_rows_carry_a_pseudonym_not_their_email(client, db):
    from tests.auth import login
    from tests.factories import UserFactory

    parent = UserFactory(username="moeder@example.nl")
    login(client, parent)
    row = AuditEvent.objects.filter(actor=parent, action=audit.Action.LOGIN).get()
    assert row.actor_label == f"portaal-{parent.pk}"
    assert not AuditEvent.objects.filter(actor_label__contains="example.nl").exists()
