"""The split of accounts into accounts, audit and security moved Django's model state, never a row.

Seeded with the models where they lived before (accounts 0007), migrated forward: every audit row, session index,
activation link and approval request is read back through the models in their new apps, in the same tables.
"""

import datetime
import zoneinfo

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from audit.models import AuditEvent
from security.models import ApprovalRequest, StaffActivation, UserSession
from tests.factories import UserFactory

AMS = zoneinfo.ZoneInfo("Europe/Amsterdam")
BEFORE = [("accounts", "0007_approve_existing_memberships")]


@pytest.mark.django_db(transaction=True)
def test_moving_the_audit_and_security_models_keeps_every_row_and_table(org, personas):
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    requester = personas.beheerder_a
    staff = UserFactory(username="ib_verhuizing")
    try:
        executor.migrate(BEFORE)
        old = MigrationExecutor(connection).loader.project_state(BEFORE).apps
        # Before the move the four models are accounts' own.
        OldEvent, OldSession = old.get_model("accounts", "AuditEvent"), old.get_model("accounts", "UserSession")
        OldActivation, OldApproval = old.get_model("accounts", "StaffActivation"), old.get_model("accounts", "ApprovalRequest")
        event = OldEvent.objects.create(actor_id=staff.pk, actor_label="ib_verhuizing", action="view",
                                        object_type="students.student", object_id="7", school_id=org.school_a.pk,
                                        details={"fields": ["first_name"]})
        OldSession.objects.create(user_id=staff.pk, session_key="k" * 40)
        OldActivation.objects.create(user_id=staff.pk, token_hash="a" * 64, email="ib@example.org",
                                     expires_at=datetime.datetime(2027, 1, 1, 12, tzinfo=AMS))
        OldApproval.objects.create(kind="otp_reset", user_id=staff.pk, board_id=org.board_a.pk,
                                   requested_by_id=requester.pk)
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM accounts_auditevent WHERE id = %s", [event.pk])
            assert cursor.fetchone() == (1,)

        MigrationExecutor(connection).migrate(latest)

        moved = AuditEvent.objects.get(pk=event.pk)
        assert (moved.actor_id, moved.action, moved.object_type, moved.object_id, moved.school_id, moved.details) == (
            staff.pk, "view", "students.student", "7", org.school_a.pk, {"fields": ["first_name"]})
        assert UserSession.objects.get(session_key="k" * 40).user_id == staff.pk
        assert StaffActivation.objects.get(token_hash="a" * 64).email == "ib@example.org"
        assert ApprovalRequest.objects.get(user=staff, kind="otp_reset").requested_by_id == requester.pk
        # Same tables as before: nothing was copied or renamed.
        assert {m._meta.db_table for m in (AuditEvent, UserSession, StaffActivation, ApprovalRequest)} == {
            "accounts_auditevent", "accounts_usersession", "accounts_staffactivation", "accounts_approvalrequest"}
    finally:
        MigrationExecutor(connection).migrate(latest)
