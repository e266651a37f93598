"""Approve the very first bestuurder or schoolleider of a board or school, for whom nobody in the
portal can approve yet. Audited under the operator's name; refused as soon as someone in the portal can decide.
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import Membership
from security import access as security_access
from security import approvals
from security.models import ApprovalRequest


class Command(BaseCommand):
    help = ("Keurt de eerste bestuurder of schoolleider van een bestuur of school goed, als er in het portaal nog "
            "niemand is die dat kan. Wordt vastgelegd in het auditlogboek onder de naam van de operator.")

    def add_arguments(self, parser):
        parser.add_argument("membership_id", nargs="?", type=int, help="Het id van de rol (zie /beheer/, Rollen).")
        parser.add_argument("--operator", default="", help="Wie dit goedkeurt (naam), voor het auditlogboek.")
        parser.add_argument("--list", action="store_true", dest="list_only",
                            help="Toon de verzoeken die alleen een operator kan goedkeuren.")

    def handle(self, *args, membership_id=None, operator="", list_only=False, **options):
        pending = ApprovalRequest.objects.filter(state=ApprovalRequest.State.PENDING).select_related(
            "user", "school", "board", "user__created_by")
        if list_only:
            for approval in pending.order_by("pk"):
                if (approval.kind in (ApprovalRequest.Kind.MEMBERSHIP, ApprovalRequest.Kind.MANDATE)
                        and not security_access.approvers_of(approval)):
                    self.stdout.write(f"{approval.membership_id}\t{approval.get_kind_display()}\t"
                                      f"{approval.get_role_display()}\t{approval.user.username}\t"
                                      f"{approval.school or approval.board}")
            return
        if membership_id is None:
            raise CommandError("Geef het id van de rol, of --list.")
        if not Membership.objects.filter(pk=membership_id).exists():
            raise CommandError(f"Er is geen rol met id {membership_id}.")
        approval = (pending.filter(membership_id=membership_id, kind=ApprovalRequest.Kind.MEMBERSHIP).first()
                    or pending.filter(membership_id=membership_id, kind=ApprovalRequest.Kind.MANDATE).first())
        if approval is None:
            raise CommandError(f"Rol {membership_id} wacht niet op goedkeuring.")
        try:
            approvals.approve_by_operator(approval=approval, operator=operator)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(self.style.SUCCESS(
            f"Goedgekeurd: {approval.get_kind_display()} {approval.get_role_display()} voor {approval.user.username} "
            f"({approval.school or approval.board}), door operator {' '.join(operator.split())}."))
