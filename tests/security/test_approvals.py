"""Four eyes on access to pupil data (issue 16, point 1).

The beheerder asks in /beheer/; the school's schoolleider or the board's bestuurder decides in the portal at
/account/goedkeuren/. A pending membership gives nothing; the wrong person, the person concerned, whoever asked
and whoever made the account cannot decide; a beheerder cannot reach a role for themselves through a second
account; the very first bestuurder is approved by an audited operator command.
"""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from accounts import access
from accounts.access import Cap
from accounts.models import Board, Membership, Role, School, User
from audit import log as audit
from audit.models import AuditEvent
from notifications.models import Notification
from security import access as security_access
from security import approvals
from security.models import ApprovalRequest
from tests.auth import login, totp_device
from tests.factories import BoardFactory, SchoolFactory, StudentFactory, UserFactory, approved_membership, fresh, member

A = audit.Action
APPROVALS = reverse("approvals")
MEMBERSHIP_ADD = reverse("admin:accounts_membership_add")


def as_user(user) -> Client:
    return login(Client(), user)


def decide(user, approval, decision="approve"):
    return as_user(user).post(reverse("approval_decide", args=[approval.pk]), {"decision": decision})


@pytest.fixture
def newcomer(org):
    """A staff account of board A without a role (as the beheerder makes it: tests/accounts/test_activation.py)."""
    return UserFactory(username="nieuwe_leerkracht", first_name="Nina", last_name="Nieuw", managed_by=org.board_a)


@pytest.fixture
def asked(personas, org, newcomer):
    """The beheerder gives the newcomer the leerkracht role at school A, through the admin."""
    response = as_user(personas.beheerder_a).post(MEMBERSHIP_ADD, {
        "user": newcomer.pk, "role": Role.LEERKRACHT, "school": org.school_a.pk})
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    membership = Membership.objects.get(user=newcomer)
    return ApprovalRequest.objects.get(membership=membership, kind="membership")


# --- A pending membership gives nothing --------------------------------------------------------------------


def test_a_role_given_in_the_admin_waits_and_gives_no_capability_at_all(asked, newcomer, org):
    membership = asked.membership
    assert membership.approved_at is None and membership.requested_by.username == "beheerder_a"
    assert (asked.state, asked.role, asked.school, asked.board) == ("pending", Role.LEERKRACHT, org.school_a,
                                                                    org.board_a)
    user = fresh(newcomer)
    assert access.capabilities(user) == set()
    assert not access.has_cap(user, Cap.PUPIL_VIEW, org.school_a)
    assert not access.is_staff_member(user) and not user.is_school_staff
    pupil = StudentFactory(school=org.school_a)
    assert as_user(newcomer).get(reverse("students:detail", args=[pupil.pk])).status_code == 404
    assert as_user(newcomer).get(reverse("students:list")).status_code == 403


def test_the_start_page_of_a_newcomer_says_the_role_waits(asked, newcomer):
    client = as_user(newcomer)
    assert client.get(reverse("home"))["Location"] == reverse("staff_start")
    html = client.get(reverse("staff_start")).content.decode()
    assert "Uw rol wacht nog op goedkeuring" in html and "Leerkracht / mentor – School A" in html


def test_approval_by_the_schoolleider_gives_the_role(asked, newcomer, personas, org):
    page = as_user(personas.schoolleider_a).get(APPROVALS)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Nina Nieuw" in html and "nieuwe_leerkracht@example.nl" in html and "Leerkracht / mentor" in html
    response = decide(personas.schoolleider_a, asked)
    assert response.status_code == 302 and response["Location"] == APPROVALS
    asked.refresh_from_db()
    assert (asked.state, asked.decided_by) == ("approved", personas.schoolleider_a)
    membership = Membership.objects.get(pk=asked.membership_id)
    assert membership.approved_by == personas.schoolleider_a and membership.approved_at is not None
    assert access.has_cap(fresh(newcomer), Cap.PUPIL_VIEW, org.school_a)
    row = AuditEvent.objects.get(action=A.APPROVED)
    assert (row.actor, row.school, row.object_type, row.details["role"]) == (
        personas.schoolleider_a, org.school_a, "security.approvalrequest", Role.LEERKRACHT)
    assert AuditEvent.objects.filter(action=A.APPROVAL_REQUESTED, actor=personas.beheerder_a,
                                     school=org.school_a).count() == 1
    # The beheerder hears the outcome.
    decided = Notification.objects.get(kind="approval_decided")
    assert decided.recipient == personas.beheerder_a and "goedgekeurd" in decided.body_text


def test_the_approvers_are_mailed_when_asked_without_pupil_data(asked, personas):
    mails = Notification.objects.filter(kind="approval_request")
    # The school's schoolleiders and the board's bestuurder; never the beheerder, the newcomer, or another board.
    assert {m.recipient.username for m in mails} == {"schoolleider_a", "schoolleider_mandaat_a", "bestuurder_a"}
    mail = mails.get(recipient=personas.schoolleider_a)
    assert "/account/goedkeuren/" in mail.body_text and "Leerkracht / mentor" in mail.body_text
    assert "School A" in mail.subject_line


def test_a_refusal_removes_the_pending_role_and_is_audited(asked, newcomer, personas):
    assert decide(personas.bestuurder_a, asked, "refuse").status_code == 302
    asked.refresh_from_db()
    assert (asked.state, asked.decided_by, asked.membership_id) == ("refused", personas.bestuurder_a, None)
    assert not Membership.objects.filter(user=newcomer).exists()
    row = AuditEvent.objects.get(action=A.REFUSED)
    assert row.actor == personas.bestuurder_a and row.details["membership_removed"] is True
    assert access.capabilities(fresh(newcomer)) == set()


def test_a_decision_is_taken_once(asked, personas):
    decide(personas.schoolleider_a, asked)
    second = decide(personas.bestuurder_a, asked, "refuse")
    assert second.status_code == 302
    asked.refresh_from_db()
    assert asked.state == "approved" and Membership.objects.get(pk=asked.membership_id).approved_at
    with pytest.raises(ValidationError):
        approvals.refuse(approval=asked, approver=personas.bestuurder_a)


def test_an_empty_or_forged_decision_changes_nothing(asked, personas):
    for data in ({}, {"decision": "yes"}, {"decision": "approve" * 1000}):
        response = as_user(personas.schoolleider_a).post(reverse("approval_decide", args=[asked.pk]), data)
        assert response.status_code == 302
    asked.refresh_from_db()
    assert asked.state == "pending"


# --- Who may decide ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["begeleider_a", "leerkracht_a", "commissie_a2", "geschillen_a", "beheerder_a",
                                 "bestuurder_b", "begeleider_b", "outsider"])
def test_the_wrong_person_gets_404_and_changes_nothing(asked, personas, who):
    user = getattr(personas, who)
    assert decide(user, asked).status_code == 404
    assert decide(user, asked, "refuse").status_code == 404
    asked.refresh_from_db()
    assert asked.state == "pending" and Membership.objects.get(pk=asked.membership_id).approved_at is None
    with pytest.raises(PermissionDenied):
        approvals.approve(approval=asked, approver=user)


@pytest.mark.parametrize("who", ["begeleider_a", "leerkracht_a", "geschillen_a", "beheerder_a", "outsider"])
def test_the_approvals_page_is_for_schoolleider_and_bestuurder_only(asked, personas, who):
    assert as_user(getattr(personas, who)).get(APPROVALS).status_code == 403


def test_another_boards_bestuurder_sees_nothing_of_board_a(asked, personas):
    html = as_user(personas.bestuurder_b).get(APPROVALS).content.decode()
    assert "Nina Nieuw" not in html and "Er wachten geen verzoeken" in html


def test_a_schoolleider_role_is_for_the_bestuurder_to_approve(personas, org, newcomer):
    asked = _ask(personas.beheerder_a, newcomer, Role.SCHOOLLEIDER, school=org.school_a)
    assert decide(personas.schoolleider_a, asked).status_code == 404
    assert "Nina Nieuw" not in as_user(personas.schoolleider_a).get(APPROVALS).content.decode()
    assert decide(personas.bestuurder_a, asked).status_code == 302
    assert access.has_cap(fresh(newcomer), Cap.SCHOOL_OVERVIEW, org.school_a)


def test_a_board_role_is_for_the_boards_bestuurder(personas, org, newcomer):
    asked = _ask(personas.beheerder_a, newcomer, Role.GESCHILLEN, board=org.board_a)
    assert decide(personas.schoolleider_a, asked).status_code == 404
    assert decide(personas.bestuurder_b, asked).status_code == 404
    decide(personas.bestuurder_a, asked)
    assert access.has_cap(fresh(newcomer), Cap.DISPUTE_EDIT, org.school_a)


def test_nobody_approves_their_own_role(personas, org):
    """The bestuurder gets a second role (schoolleider of school A): it waits, and they cannot approve it (nor
    see it in their list)."""
    asked = _ask(personas.beheerder_a, personas.bestuurder_a, Role.SCHOOLLEIDER, school=org.school_a)
    assert asked not in security_access.pending_for(personas.bestuurder_a)
    assert decide(personas.bestuurder_a, asked).status_code == 403
    with pytest.raises(PermissionDenied):
        approvals.approve(approval=asked, approver=personas.bestuurder_a)
    asked.refresh_from_db()
    assert asked.state == "pending"
    assert not access.has_cap(fresh(personas.bestuurder_a), Cap.SCHOOL_OVERVIEW, org.school_a)


def test_nobody_approves_what_they_asked_or_an_account_they_made(personas, org, newcomer):
    """A bestuurder who (from an older setup) is also beheerder: what they ask waits for someone else."""
    approved_membership(personas.bestuurder_b, Role.BEHEERDER, board=org.board_b)
    school_b_user = UserFactory(username="collega_b")
    asked = _ask(fresh(personas.bestuurder_b), school_b_user, Role.BEGELEIDER, school=org.school_b)
    assert decide(personas.bestuurder_b, asked).status_code == 403
    assert not security_access.pending_for(personas.bestuurder_b).exists()
    # An account the approver made themselves is not theirs to approve either.
    made = UserFactory(username="door_bestuurder_gemaakt", created_by=personas.bestuurder_a)
    asked = _ask(personas.beheerder_a, made, Role.BEGELEIDER, school=org.school_a)
    assert decide(personas.bestuurder_a, asked).status_code == 403
    assert decide(personas.schoolleider_a, asked).status_code == 302
    asked.refresh_from_db()
    assert asked.decided_by == personas.schoolleider_a


def test_the_list_and_the_decision_agree_on_who_decides(personas, org, newcomer):
    """pending_for (SQL) and approvers_of (per request) are two spellings of one rule."""
    other = UserFactory(username="tweede")
    made = [
        _ask(personas.beheerder_a, newcomer, Role.BEGELEIDER, school=org.school_a),
        _ask(personas.beheerder_a, other, Role.COMMISSIE, school=org.school_a2),
        _ask(personas.beheerder_a, UserFactory(), Role.SCHOOLLEIDER, school=org.school_a),
        _ask(personas.beheerder_a, UserFactory(), Role.BESTUURDER, board=org.board_a),
        approvals.request_otp_reset(actor=personas.beheerder_a, user=personas.begeleider_a),
        approvals.request_password_reset(actor=personas.beheerder_a, user=personas.commissie_a2),
        approvals.request_otp_reset(actor=personas.beheerder_a, user=personas.schoolleider_a),
    ]
    for who in ("schoolleider_a", "schoolleider_mandaat_a", "bestuurder_a", "bestuurder_b", "begeleider_a"):
        user = getattr(personas, who)
        listed = set(security_access.pending_for(user))
        may = {a for a in made if user.pk in security_access.approvers_of(a)}
        assert listed == may, who
    # The schoolleider: the school's begeleider and a colleague's phone; not a schoolleider, nor their own phone.
    assert set(security_access.pending_for(personas.schoolleider_a)) == {made[0], made[4]}


# --- Raising a role, the mandate ----------------------------------------------------------------------------


def _change(personas, membership, **data):
    url = reverse("admin:accounts_membership_change", args=[membership.pk])
    post = {"user": membership.user_id, "role": membership.role, "school": membership.school_id or "",
            "board": membership.board_id or ""}
    if membership.adoption_mandate:
        post["adoption_mandate"] = "on"
    post.update(data)
    post = {k: v for k, v in post.items() if v is not None}
    response = as_user(personas.beheerder_a).post(url, post)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    return Membership.objects.get(pk=membership.pk)


def test_a_raised_role_waits_for_approval(personas, org):
    membership = _change(personas, Membership.objects.get(user=personas.leerkracht_a), role=Role.BEGELEIDER)
    assert membership.role == Role.BEGELEIDER and membership.approved_at is None
    user = fresh(personas.leerkracht_a)
    assert not access.has_cap(user, Cap.PUPIL_EDIT, org.school_a) and not access.has_cap(user, Cap.PUPIL_VIEW, org.school_a)
    asked = ApprovalRequest.objects.get(membership=membership, state="pending")
    decide(personas.schoolleider_a, asked)
    assert access.has_cap(fresh(personas.leerkracht_a), Cap.PUPIL_EDIT, org.school_a)


def test_a_lower_role_takes_effect_at_once(personas, org):
    membership = _change(personas, Membership.objects.get(user=personas.begeleider_a), role=Role.LEERKRACHT)
    assert membership.role == Role.LEERKRACHT and membership.approved_at is not None
    user = fresh(personas.begeleider_a)
    assert access.has_cap(user, Cap.PUPIL_VIEW, org.school_a) and not access.has_cap(user, Cap.PUPIL_EDIT, org.school_a)
    assert not ApprovalRequest.objects.exists()


def test_moving_a_role_to_another_school_waits(personas, org):
    membership = _change(personas, Membership.objects.get(user=personas.begeleider_a), school=org.school_a2.pk)
    assert membership.approved_at is None
    assert not access.has_cap(fresh(personas.begeleider_a), Cap.PUPIL_VIEW, org.school_a2)


def test_a_new_mandate_waits_for_the_bestuurder(personas, org):
    membership = _change(personas, Membership.objects.get(user=personas.schoolleider_a), adoption_mandate="on")
    assert membership.approved_at is not None and membership.adoption_mandate is False
    assert not access.has_cap(fresh(personas.schoolleider_a), Cap.PLAN_ADOPT, org.school_a)
    asked = ApprovalRequest.objects.get(kind="mandate", state="pending")
    assert asked.mandate is True
    # The school's (other) schoolleider does not decide on a mandate; the bestuurder does.
    assert decide(personas.schoolleider_mandaat_a, asked).status_code == 404
    decide(personas.bestuurder_a, asked)
    assert access.has_cap(fresh(personas.schoolleider_a), Cap.PLAN_ADOPT, org.school_a)


def test_withdrawing_a_mandate_also_waits_for_the_bestuurder(personas, org):
    membership = _change(personas, Membership.objects.get(user=personas.schoolleider_mandaat_a), adoption_mandate=None)
    assert membership.adoption_mandate is True
    changelist = as_user(personas.beheerder_a).get(reverse("admin:accounts_membership_changelist")).content.decode()
    assert "wijziging van het mandaat wacht op de bestuurder" in changelist
    decide(personas.bestuurder_a, ApprovalRequest.objects.get(kind="mandate"))
    assert not access.has_cap(fresh(personas.schoolleider_mandaat_a), Cap.PLAN_ADOPT, org.school_a)


# --- The beheerder cannot reach a role for their own account ---------------------------------------------------


def test_a_beheerder_account_gets_no_other_role_and_a_second_account_does_not_help(personas, org):
    # A second account, made by the beheerder in the admin, asked to be beheerder as well: it waits for the bestuurder.
    as_user(personas.beheerder_a).post(reverse("admin:accounts_user_add"), {
        "username": "bart.tweede", "first_name": "Bart", "last_name": "Tweede", "email": "bart2@example.nl"})
    second = User.objects.get(username="bart.tweede")
    assert second.created_by == personas.beheerder_a
    asked = _ask(personas.beheerder_a, second, Role.BEHEERDER, board=org.board_a)
    assert not access.boards_managed_by(fresh(second)).exists()
    assert as_user(second).get(reverse("admin:index")).status_code == 302  # to the admin's login page
    # Even once approved, the second account cannot give the first one a role: it is a beheerder's account.
    decide(personas.bestuurder_a, asked)
    for role, where in ((Role.BESTUURDER, {"board": org.board_a}), (Role.SCHOOLLEIDER, {"school": org.school_a})):
        with pytest.raises(ValidationError) as refused:
            approvals.request_membership(actor=fresh(second), membership=Membership(
                user=personas.beheerder_a, role=role, **where))
        assert "functioneel beheerder" in refused.value.messages[0]
        response = as_user(second).post(MEMBERSHIP_ADD, {"user": personas.beheerder_a.pk, "role": role,
                                                         **{k: v.pk for k, v in where.items()}})
        assert response.status_code == 200 and response.context["adminform"].form.errors
    # And the second account itself (a beheerder) gets no other role either.
    response = as_user(personas.beheerder_a).post(MEMBERSHIP_ADD, {
        "user": second.pk, "role": Role.BESTUURDER, "board": org.board_a.pk})
    assert response.status_code == 200 and "user" in response.context["adminform"].form.errors
    assert set(Membership.objects.filter(user=personas.beheerder_a).values_list("role", flat=True)) == {Role.BEHEERDER}


def test_a_role_for_the_beheerders_second_account_needs_someone_else(personas, org):
    """The beheerder makes an account and asks the bestuurder role for it: it gives nothing until the real
    bestuurder approves, and the beheerder cannot approve it."""
    as_user(personas.beheerder_a).post(reverse("admin:accounts_user_add"), {
        "username": "stroman", "first_name": "Stro", "last_name": "Man", "email": "stroman@example.nl"})
    puppet = User.objects.get(username="stroman")
    asked = _ask(personas.beheerder_a, puppet, Role.BESTUURDER, board=org.board_a)
    assert decide(personas.beheerder_a, asked).status_code == 404
    assert not access.has_cap(fresh(puppet), Cap.PLAN_VIEW, org.school_a)


def test_the_beheerder_gives_a_role_at_another_board_only_through_their_own(personas, org, newcomer):
    with pytest.raises(PermissionDenied):
        approvals.request_membership(actor=personas.beheerder_a, membership=Membership(
            user=newcomer, role=Role.BEGELEIDER, school=org.school_b))


def test_a_technical_superuser_gets_no_role(personas, org, superuser):
    with pytest.raises(ValidationError):
        approvals.request_membership(actor=personas.beheerder_a, membership=Membership(
            user=superuser, role=Role.BESTUURDER, board=org.board_a))


# --- Second factor and password resets ---------------------------------------------------------------------------


def test_a_second_factor_reset_waits_and_a_refusal_keeps_the_phone(personas):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    totp_device(personas.begeleider_a)
    asked = approvals.request_otp_reset(actor=personas.beheerder_a, user=personas.begeleider_a)
    assert approvals.request_otp_reset(actor=personas.beheerder_a, user=personas.begeleider_a) == asked  # once
    assert TOTPDevice.objects.filter(user=personas.begeleider_a).exists()
    for wrong in (personas.begeleider_a, personas.beheerder_a, personas.bestuurder_b, personas.commissie_a2):
        assert decide(wrong, asked).status_code in (403, 404)
    decide(personas.schoolleider_a, asked, "refuse")
    assert TOTPDevice.objects.filter(user=personas.begeleider_a).exists()
    assert AuditEvent.objects.filter(action=A.REFUSED, actor=personas.schoolleider_a).exists()


def test_a_bestuurders_second_factor_is_reset_only_by_the_board(personas):
    asked = approvals.request_otp_reset(actor=personas.beheerder_a, user=personas.bestuurder_a)
    assert security_access.approvers_of(asked) == set()  # the board's only bestuurder: nobody else may
    assert decide(personas.schoolleider_a, asked).status_code == 404
    assert decide(personas.bestuurder_a, asked).status_code == 403


def test_a_password_reset_sends_a_new_activation_link_after_approval(personas):
    user = personas.begeleider_a
    asked = approvals.request_password_reset(actor=personas.beheerder_a, user=user)
    assert asked.email == user.email and fresh(user).has_usable_password()
    decide(personas.schoolleider_a, asked)
    user = fresh(user)
    assert not user.has_usable_password()
    mail = Notification.objects.filter(kind="invitation", recipient=user).get()
    assert mail.to_email == user.email and "/account/activeren/" in mail.body_text


def test_a_password_reset_is_refused_when_the_address_changed_after_asking(personas):
    user = personas.begeleider_a
    asked = approvals.request_password_reset(actor=personas.beheerder_a, user=user)
    User.objects.filter(pk=user.pk).update(email="aanvaller@example.nl")
    response = decide(personas.schoolleider_a, asked)
    assert response.status_code == 302
    assert fresh(user).has_usable_password()
    asked.refresh_from_db()
    assert asked.state == "pending"


# --- The first bestuurder: the operator command ----------------------------------------------------------------


@pytest.fixture
def new_board(db, superuser):
    board = BoardFactory(name="Stichting Nieuw")
    school = SchoolFactory(board=board, name="Nieuwe School", brin="09ZZ")
    first = UserFactory(username="eerste_bestuurder")
    membership = approvals.request_membership(actor=superuser, membership=Membership(
        user=first, role=Role.BESTUURDER, board=board))
    return board, school, first, membership


def test_the_first_bestuurder_is_approved_by_an_audited_operator_command(new_board):
    board, school, first, membership = new_board
    asked = ApprovalRequest.objects.get(membership=membership)
    assert security_access.approvers_of(asked) == set()
    out = io.StringIO()
    call_command("approve_membership", "--list", stdout=out)
    assert f"{membership.pk}\t" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("approve_membership", str(membership.pk), stdout=io.StringIO())  # no operator named
    call_command("approve_membership", str(membership.pk), "--operator", "Piet Operator", stdout=io.StringIO())
    membership.refresh_from_db()
    assert membership.approved_at is not None and membership.approved_by is None
    assert access.has_cap(fresh(first), Cap.PLAN_ADOPT, school)
    row = AuditEvent.objects.get(action=A.APPROVED)
    assert (row.actor, row.actor_label, row.details["operator"]) == (None, "operator: Piet Operator", True)
    asked.refresh_from_db()
    assert asked.decided_by_operator == "Piet Operator"


def test_the_operator_command_refuses_once_someone_in_the_portal_can_decide(new_board, superuser):
    board, school, first, membership = new_board
    call_command("approve_membership", str(membership.pk), "--operator", "Piet", stdout=io.StringIO())
    second = approvals.request_membership(actor=superuser, membership=Membership(
        user=UserFactory(), role=Role.SCHOOLLEIDER, school=school))
    with pytest.raises(CommandError, match="al iemand in het portaal"):
        call_command("approve_membership", str(second.pk), "--operator", "Piet", stdout=io.StringIO())
    begeleider = approvals.request_membership(actor=superuser, membership=Membership(
        user=UserFactory(), role=Role.BEGELEIDER, school=school))
    with pytest.raises(CommandError):
        call_command("approve_membership", str(begeleider.pk), "--operator", "Piet", stdout=io.StringIO())
    assert Membership.objects.get(pk=second.pk).approved_at is None
    assert Membership.objects.get(pk=begeleider.pk).approved_at is None


# --- Existing memberships and the list's cost -------------------------------------------------------------------


def test_the_data_migration_approves_existing_memberships(org):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("accounts.migrations.0007_approve_existing_memberships")
    old = member(Role.BEGELEIDER, school=org.school_a, approved=False)
    migration.approve_existing(apps, None)
    membership = Membership.objects.get(user=old)
    assert membership.approved_at == membership.created_at
    assert access.has_cap(fresh(old), Cap.PUPIL_EDIT, org.school_a)


def test_the_approvals_page_costs_the_same_at_5_and_50_requests(personas, org):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = as_user(personas.bestuurder_a)

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(APPROVALS).status_code == 200
        return len(ctx)

    for _i in range(5):
        _ask(personas.beheerder_a, UserFactory(), Role.BEGELEIDER, school=org.school_a)
    few = queries()
    for _i in range(45):
        _ask(personas.beheerder_a, UserFactory(), Role.LEERKRACHT, school=org.school_a2)
    assert queries() == few
    assert client.get(APPROVALS).content.decode().count('name="decision" value="approve"') == 50


def test_the_start_page_shows_the_approvers_what_waits(asked, personas):
    html = as_user(personas.schoolleider_a).get(reverse("staff_start")).content.decode()
    assert "1 verzoek om toegang wacht op uw goedkeuring." in html and APPROVALS in html
    assert APPROVALS not in as_user(personas.begeleider_a).get(reverse("staff_start")).content.decode()


def _ask(actor, user, role, *, school: School | None = None, board: Board | None = None) -> ApprovalRequest:
    membership = approvals.request_membership(actor=actor, membership=Membership(
        user=user, role=role, school=school, board=board))
    return ApprovalRequest.objects.get(membership=membership, state="pending")


def test_the_demo_has_a_request_for_directeur_and_bestuurder(db):
    call_command("seed_demo", stdout=io.StringIO())
    waiting = ApprovalRequest.objects.get(state="pending")
    assert (waiting.user.username, waiting.role, waiting.requested_by.username) == ("nieuw.debron", Role.LEERKRACHT,
                                                                                     "beheerder")
    for name in ("directeur.debron", "bestuurder"):
        assert [r.pk for r in security_access.pending_for(User.objects.get(username=name))] == [waiting.pk], name
    assert not security_access.pending_for(User.objects.get(username="bestuurder.noord")).exists()
    # Every other demo role is approved; a second run asks nothing again.
    assert Membership.objects.pending().get().user.username == "nieuw.debron"
    call_command("seed_demo", stdout=io.StringIO())
    assert ApprovalRequest.objects.count() == 1


def test_a_pending_membership_receives_no_reminder_or_notice(org, personas):
    """Four eyes (issue 16.1): until approved, an account is told nothing about pupils — not by the daily sweep's
    reminders, not by a parent's reaction notice, not by a dispute's deadlines."""
    from accounts.access import begeleiders_of
    from accounts.models import Role
    from deadlines import registry
    from deadlines.services import recipients_of_schools
    from tests.factories import StudentFactory, member

    waiting = member(Role.BEGELEIDER, school=org.school_a, username="begeleider_wacht", approved=False)
    waiting_board = member(Role.BESTUURDER, board=org.board_a, username="bestuurder_wacht", approved=False)
    pupil = StudentFactory(school=org.school_a)

    school_roles = recipients_of_schools({org.school_a.pk})
    assert personas.begeleider_a in school_roles[(org.school_a.pk, Role.BEGELEIDER)]
    assert waiting not in school_roles[(org.school_a.pk, Role.BEGELEIDER)]
    assert waiting_board not in school_roles[(org.school_a.pk, Role.BESTUURDER)]
    assert personas.begeleider_a in begeleiders_of(pupil.school) and waiting not in begeleiders_of(pupil.school)
    item = registry.DueItem("verweer", "disputes.dispute", 1, org.school_a.pk, pupil.enrolled_on, "p", "X.", "/")
    board_people = registry.dispute_recipients(item, None)
    assert personas.bestuurder_a in board_people and waiting_board not in board_people
