"""Four eyes on access to pupil data.

The beheerder asks, somebody else decides: a new or raised membership, a change of the adoption mandate, a
new second factor or a new password for a staff account wait here (`ApprovalRequest`) until the school's
schoolleider or the board's bestuurder approves them in the portal (`/account/goedkeuren/`). Until then a
membership gives nothing (accounts.access counts approved memberships only). Who approves what is decided in
accounts.access (`approval_cap_for`, `approver_ids`); nobody decides on their own account, on a request they
made, or on an account they created. The very first bestuurder or schoolleider of a board, for whom nobody
can approve yet, is approved by an operator (`manage.py approve_membership`), audited like any other.

Every function here is a service: keyword-only, one transaction, the audit row and the e-mails inside it.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import access
from accounts.models import Board, Membership, School, User
from audit import log as audit
from notifications.services import enqueue
from security import access as security_access
from security import activation, otp
from security import policy as security
from security.models import ApprovalRequest

Kind = ApprovalRequest.Kind
State = ApprovalRequest.State
RESETS = (Kind.OTP_RESET, Kind.PASSWORD_RESET)


def _msg_own_account():
    return _("U kunt uw eigen account geen rol geven of een rol van uzelf wijzigen.")


# --- Rules for what may be asked --------------------------------------------------------------------------


def _board_id(*, school: School | None, board: Board | None) -> int | None:
    if board is not None:
        return board.pk
    return school.board_id if school is not None else None


def _require_manager(actor: User, board_id: int | None) -> None:
    """The beheerder asks only for the boards they manage; the technical superuser for any."""
    if actor.is_superuser:
        return
    if board_id is None or not access.boards_managed_by(actor).filter(pk=board_id).exists():
        raise PermissionDenied


def check_membership_target(*, actor: User, user: User, role: str, ignore: Membership | None = None) -> None:
    """Refuse a role the beheerder may never ask for (ValidationError with the Dutch reason).

    Never for one's own account; never a technical superuser; and a beheerder account holds no other role
    (nor does a beheerder role go to an account with other roles): otherwise a beheerder could make a second
    beheerder account and give their own account a role from there.
    """
    if user.pk == actor.pk:
        raise ValidationError(_msg_own_account(), code="own_account")
    if user.is_superuser:
        raise ValidationError(_("Een technisch beheeraccount krijgt geen rol."), code="superuser")
    held = Membership.objects.filter(user=user)
    if ignore is not None:
        held = held.exclude(pk=ignore.pk)
    roles = set(held.values_list("role", flat=True))
    problem = access.role_combination_problem(role, roles)
    if problem == "beheerder_account":
        raise ValidationError(
            _("Dit is het account van een functioneel beheerder: dat krijgt geen andere rol. Maak voor die persoon "
              "een apart account aan."), code=problem)
    if problem == "beheerder_separate":
        raise ValidationError(
            _("De rol functioneel beheerder hoort bij een apart account zonder andere rollen."), code=problem)


# --- Who decides --------------------------------------------------------------------------------------------


# --- Asking -------------------------------------------------------------------------------------------------


def _open(*, actor: User, kind: str, user: User, board_id: int, membership: Membership | None = None,
          mandate: bool = False, email: str = "") -> ApprovalRequest:
    approval = ApprovalRequest(
        kind=kind, user=user, membership=membership, role=membership.role if membership else "",
        school=membership.school if membership else None, board_id=board_id, mandate=mandate, email=email,
        requested_by=actor,
    )
    approval.full_clean()
    approval.save()
    audit.record(actor, audit.Action.APPROVAL_REQUESTED, approval, school=approval.school_id,
                 details=_facts(approval))
    _notify_approvers(approval)
    return approval


def _facts(approval: ApprovalRequest) -> dict:
    facts = {"kind": approval.kind, "user": approval.user_id}
    if approval.membership_id:
        facts["membership"] = approval.membership_id
    if approval.role:
        facts["role"] = approval.role
    if approval.kind in (Kind.MEMBERSHIP, Kind.MANDATE) and (approval.mandate or approval.kind == Kind.MANDATE):
        facts["mandate"] = approval.mandate
    return facts


def _where(approval: ApprovalRequest) -> str:
    return str(approval.school or approval.board)


def _notify_approvers(approval: ApprovalRequest) -> None:
    """One e-mail per approver, without pupil data: what is asked, where, and the page to decide on."""
    for approver in User.objects.filter(pk__in=security_access.approvers_of(approval)).order_by("pk"):
        enqueue(recipient=approver, kind="approval_request", template="approval_request", subject=approval,
                school=approval.school, context={
                    "kind_label": approval.get_kind_display(), "role_label": approval.get_role_display(),
                    "where": _where(approval), "account": approval.user.get_full_name() or approval.user.username,
                    "mandate": approval.mandate, "kind": approval.kind,
                })


def _withdraw_pending(membership: Membership, *, kinds=(Kind.MEMBERSHIP, Kind.MANDATE)) -> int:
    return ApprovalRequest.objects.filter(membership=membership, state=State.PENDING, kind__in=kinds).update(
        state=State.WITHDRAWN, decided_at=timezone.now())


@transaction.atomic
def request_membership(*, actor: User, membership: Membership) -> Membership:
    """Save a new (unsaved) membership as pending and ask for its approval."""
    board_id = _board_id(school=membership.school, board=membership.board)
    _require_manager(actor, board_id)
    check_membership_target(actor=actor, user=membership.user, role=membership.role)
    membership.requested_by = actor
    membership.approved_at = None
    membership.approved_by = None
    membership.full_clean()
    membership.save()
    _open(actor=actor, kind=Kind.MEMBERSHIP, user=membership.user, board_id=board_id, membership=membership,
          mandate=membership.adoption_mandate)
    audit.record(actor, audit.Action.CREATE, membership, school=membership.school_id,
                 details={"role": membership.role, "user": membership.user_id, "pending": True})
    access.clear_cache(membership.user)
    return membership


@transaction.atomic
def change_membership(*, actor: User, membership: Membership, user: User, role: str, school: School | None,
                      board: Board | None, mandate: bool) -> Membership:
    """Change a membership. Another person, place or a higher role is a new request: the membership waits
    (and gives nothing) until it is approved again. A lower role at the same place takes effect at once. A
    change of the adoption mandate waits for the bestuurder while the membership keeps its current mandate."""
    current = Membership.objects.select_for_update(of=("self",)).select_related("school").get(pk=membership.pk)
    if current.user_id == actor.pk or user.pk == actor.pk:
        raise ValidationError(_msg_own_account(), code="own_account")
    _require_manager(actor, current.board_of_scope)
    new_board_id = _board_id(school=school, board=board)
    _require_manager(actor, new_board_id)
    same_place = (user.pk, getattr(school, "pk", None), getattr(board, "pk", None)) == (
        current.user_id, current.school_id, current.board_id)
    if not same_place or role != current.role:
        check_membership_target(actor=actor, user=user, role=role, ignore=current)
    before = {"role": current.role, "user": current.user_id, "school": current.school_id, "board": current.board_id,
              "mandate": current.adoption_mandate}
    old_user = current.user
    if not current.is_approved or not same_place or access.is_raise(current.role, role):
        current.user, current.role, current.school, current.board = user, role, school, board
        current.adoption_mandate = mandate
        current.textbank_grant = False  # the schoolleider's grant of the goal bank was for the old role (opp.bank)
        current.approved_at = current.approved_by = None
        current.requested_by = actor
        current.full_clean()
        current.save()
        _withdraw_pending(current)
        _open(actor=actor, kind=Kind.MEMBERSHIP, user=user, board_id=new_board_id, membership=current, mandate=mandate)
        pending = True
    else:
        pending = False
        if role != current.role:
            current.role = role
            current.textbank_grant = False  # the schoolleider's grant of the goal bank was for the old role (opp.bank)
            if not access.may_hold_mandate(role):
                current.adoption_mandate = False  # a lower role carries no mandate
                _withdraw_pending(current, kinds=(Kind.MANDATE,))
            current.full_clean()
            current.save()
        if access.may_hold_mandate(role):
            _request_mandate(actor=actor, membership=current, mandate=mandate, board_id=new_board_id)
        elif mandate:
            current.adoption_mandate = mandate
            current.full_clean()  # only a schoolleider holds a mandate: the Dutch error
    audit.record(actor, audit.Action.UPDATE, current, school=current.school_id,
                 details={"before": before, "role": current.role, "user": current.user_id, "pending": pending})
    access.clear_cache(old_user)
    access.clear_cache(user)
    return current


def _request_mandate(*, actor: User, membership: Membership, mandate: bool, board_id: int) -> ApprovalRequest | None:
    open_one = ApprovalRequest.objects.filter(membership=membership, kind=Kind.MANDATE, state=State.PENDING).first()
    if open_one is not None and open_one.mandate == mandate:
        return open_one  # asked already
    _withdraw_pending(membership, kinds=(Kind.MANDATE,))
    if mandate == membership.adoption_mandate:
        return None  # back to what it is: nothing to approve
    return _open(actor=actor, kind=Kind.MANDATE, user=membership.user, board_id=board_id, membership=membership,
                 mandate=mandate)


@transaction.atomic
def end_membership(*, actor: User, membership: Membership) -> None:
    """End (delete) a membership: less access takes effect at once. Its open requests are withdrawn."""
    current = Membership.objects.select_for_update(of=("self",)).select_related("school").get(pk=membership.pk)
    if current.user_id == actor.pk:
        raise PermissionDenied
    _require_manager(actor, current.board_of_scope)
    withdrawn = _withdraw_pending(current)
    audit.record(actor, audit.Action.DELETE, current, school=current.school_id,
                 details={"role": current.role, "user": current.user_id, "pending": not current.is_approved,
                          "withdrawn_requests": withdrawn})
    user = current.user
    current.delete()
    access.clear_cache(user)


def _reset_board_id(actor: User, user: User) -> int:
    """The board under which a reset of `user` is asked: one of theirs that the actor manages."""
    boards = set(Membership.objects.filter(user=user, board__isnull=False).values_list("board_id", flat=True))
    boards |= set(Membership.objects.filter(user=user, school__isnull=False).values_list("school__board_id", flat=True))
    if user.managed_by_id:
        boards.add(user.managed_by_id)
    if not actor.is_superuser:
        boards &= set(access.boards_managed_by(actor).values_list("pk", flat=True))
    if not boards:
        raise PermissionDenied
    return min(boards)


@transaction.atomic
def _request_reset(*, actor: User, user: User, kind: str) -> ApprovalRequest:
    if user.pk == actor.pk:
        raise ValidationError(_("Voor uw eigen account kunt u dit niet aanvragen."), code="own_account")
    if user.is_superuser:
        raise ValidationError(_("Een technisch beheeraccount valt hier niet onder."), code="superuser")
    board_id = _reset_board_id(actor, user)
    existing = ApprovalRequest.objects.filter(user=user, kind=kind, state=State.PENDING).first()
    if existing is not None:
        return existing
    email = ""
    if kind == Kind.PASSWORD_RESET:
        if not user.has_usable_password():
            raise ValidationError(_("Dit account heeft nog geen wachtwoord: stuur de activeringslink opnieuw."),
                                  code="not_activated")
        if not user.email:
            raise ValidationError(_("Dit account heeft geen e-mailadres voor de activeringslink."), code="no_email")
        email = user.email
    return _open(actor=actor, kind=kind, user=user, board_id=board_id, email=email)


def request_otp_reset(*, actor: User, user: User) -> ApprovalRequest:
    """Ask for the removal of a staff account's second factor (a lost phone)."""
    return _request_reset(actor=actor, user=user, kind=Kind.OTP_RESET)


def request_password_reset(*, actor: User, user: User) -> ApprovalRequest:
    """Ask that a staff account sets a new password through a new activation link (a forgotten password)."""
    return _request_reset(actor=actor, user=user, kind=Kind.PASSWORD_RESET)


# --- Deciding -------------------------------------------------------------------------------------------------


def _lock_pending(approval: ApprovalRequest) -> ApprovalRequest:
    locked = ApprovalRequest.objects.select_for_update(of=("self",)).select_related("user", "school", "board").get(pk=approval.pk)
    if locked.state != State.PENDING:
        raise ValidationError(_("Over dit verzoek is al beslist, of het is ingetrokken."), code="decided")
    return locked


def _lock_for(approval: ApprovalRequest, approver: User) -> ApprovalRequest:
    locked = _lock_pending(approval)
    if approver.pk in security_access.excluded(locked) or approver.pk not in security_access.approvers_of(locked):
        raise PermissionDenied
    return locked


def _locked_membership(approval: ApprovalRequest) -> Membership:
    membership = (Membership.objects.select_for_update(of=("self",)).filter(pk=approval.membership_id).first()
                  if approval.membership_id else None)
    if membership is None or membership.user_id != approval.user_id or membership.role != approval.role:
        raise ValidationError(_("Deze rol is intussen gewijzigd of beëindigd; het verzoek geldt niet meer."),
                              code="stale")
    return membership


def _carry_out(approval: ApprovalRequest, *, by: User | None) -> None:
    now = timezone.now()
    if approval.kind == Kind.MEMBERSHIP:
        membership = _locked_membership(approval)
        if membership.is_approved:
            raise ValidationError(_("Deze rol is al goedgekeurd."), code="approved")
        membership.approved_at, membership.approved_by = now, by
        membership.save(update_fields=["approved_at", "approved_by"])
    elif approval.kind == Kind.MANDATE:
        membership = _locked_membership(approval)
        membership.adoption_mandate = approval.mandate
        membership.full_clean()
        membership.save(update_fields=["adoption_mandate"])
    elif approval.kind == Kind.OTP_RESET:
        otp.remove(approval.user, by=by)
        security.end_all_sessions(approval.user, reason="otp_reset")
    elif approval.kind == Kind.PASSWORD_RESET:
        user = User.objects.select_for_update().get(pk=approval.user_id)
        if user.email != approval.email:
            raise ValidationError(_("Het e-mailadres van dit account is na het verzoek gewijzigd. Weiger het verzoek; "
                                    "de beheerder kan een nieuw verzoek doen."), code="email_changed")
        user.set_unusable_password()
        user.save(update_fields=["password"])  # ends every session of the account (security.signals)
        activation.send_activation(actor=by, user=user, reset=True)
    access.clear_cache(approval.user)


def _close(approval: ApprovalRequest, *, state: str, by: User | None, operator: str = "") -> None:
    approval.state = state
    approval.decided_by = by
    approval.decided_by_operator = operator
    approval.decided_at = timezone.now()
    approval.save(update_fields=["state", "decided_by", "decided_by_operator", "decided_at"])


def _notify_requester(approval: ApprovalRequest) -> None:
    requester = approval.requested_by
    if requester is None or not requester.is_active:
        return
    enqueue(recipient=requester, kind="approval_decided", template="approval_decided", subject=approval,
            school=approval.school, context={
                "approved": approval.state == State.APPROVED, "kind_label": approval.get_kind_display(),
                "role_label": approval.get_role_display(), "where": _where(approval),
                "account": approval.user.get_full_name() or approval.user.username,
            })


@transaction.atomic
def approve(*, approval: ApprovalRequest, approver: User) -> ApprovalRequest:
    locked = _lock_for(approval, approver)
    _carry_out(locked, by=approver)
    _close(locked, state=State.APPROVED, by=approver)
    audit.record(approver, audit.Action.APPROVED, locked, school=locked.school_id, details=_facts(locked))
    _notify_requester(locked)
    return locked


@transaction.atomic
def refuse(*, approval: ApprovalRequest, approver: User) -> ApprovalRequest:
    """Refused: nothing changes, and a pending membership is removed (it was never more than a request)."""
    locked = _lock_for(approval, approver)
    facts = _facts(locked)
    if locked.kind == Kind.MEMBERSHIP and locked.membership_id:
        membership = Membership.objects.select_for_update(of=("self",)).filter(pk=locked.membership_id,
                                                                   approved_at__isnull=True).first()
        if membership is not None:
            membership.delete()
            facts["membership_removed"] = True
    _close(locked, state=State.REFUSED, by=approver)
    audit.record(approver, audit.Action.REFUSED, locked, school=locked.school_id, details=facts)
    _notify_requester(locked)
    return locked


@transaction.atomic
def approve_by_operator(*, approval: ApprovalRequest, operator: str) -> ApprovalRequest:
    """The first bestuurder or schoolleider of a board or school (or a mandate where the board has no
    bestuurder in the portal), approved from the command line because nobody in the portal can."""
    operator = " ".join(str(operator or "").split())[:100]
    if not operator:
        raise ValidationError(_("Vermeld wie dit goedkeurt (--operator)."), code="operator")
    locked = _lock_pending(approval)
    if not ((locked.kind == Kind.MEMBERSHIP and locked.role in access.OPERATOR_ROLES) or locked.kind == Kind.MANDATE):
        raise ValidationError(_("Een operator keurt alleen de eerste bestuurder of schoolleider (of een mandaat) "
                                "goed; dit verzoek hoort bij de schoolleider of bestuurder."), code="operator_role")
    if security_access.approvers_of(locked):
        raise ValidationError(_("Er is al iemand in het portaal die dit kan goedkeuren; dat gebeurt daar."),
                              code="approver_exists")
    _carry_out(locked, by=None)
    _close(locked, state=State.APPROVED, by=None, operator=operator)
    audit.record(None, audit.Action.APPROVED, locked, school=locked.school_id, actor_label=f"operator: {operator}",
                 details=_facts(locked) | {"operator": True})
    _notify_requester(locked)
    return locked
