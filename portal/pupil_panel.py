"""The pupil page's "Ouderportaal" panel (registered in students.page_parts from PortalConfig.ready()): per guardian,
and for an adult handelingsbekwame pupil, whether they were invited and when, whether they accepted, and for a
pending invitation a "Herinnering sturen" button. Staff who reach the pupil page see it; only plan editors (who may
invite, portal.access.require_inviter) get the buttons. Two queries, whatever the number of guardians; one when the
pupil comes with its guardian links loaded (students.selectors.with_page_rows)."""

from __future__ import annotations

from django.utils import timezone

from accounts.access import Cap, has_cap
from accounts.models import User
from opp_portal.loaded import loaded
from students.models import Student

from .models import Invitation

TEMPLATE = "portal/_pupil_invitations.html"


def _status(invitations: list[Invitation], has_account: bool, now) -> dict:
    """The newest invitation decides: accepted ("account actief sinds"), pending ("uitgenodigd op … / nog niet
    geaccepteerd", perhaps expired), or none."""
    accepted = next((i for i in invitations if i.accepted_user_id), None)
    if has_account:
        return {"state": "active", "since": accepted.used_at if accepted else None}
    latest = next((i for i in invitations if not i.revoked_at), None)
    if latest is None:
        return {"state": "none"}
    return {"state": "expired" if latest.expires_at <= now else "pending", "invitation": latest,
            "first_invited": invitations[-1].created_at}


def parts(student: Student, user: User) -> list[tuple[str, dict]]:
    now = timezone.now()
    if loaded(student, "guardian_links"):  # the pupil page loaded them in this order
        links = list(student.guardian_links.all())
    else:
        links = list(student.guardian_links.select_related("guardian").order_by("guardian__name", "pk"))
    guardian_ids = [link.guardian_id for link in links]
    rows_of: dict[tuple[str, int], list[Invitation]] = {}
    for inv in Invitation.objects.filter(guardian_id__in=guardian_ids) | Invitation.objects.filter(pupil=student):
        key = ("guardian", inv.guardian_id) if inv.guardian_id else ("pupil", inv.pupil_id)
        rows_of.setdefault(key, []).append(inv)  # newest first (Invitation.Meta.ordering)
    rows = [{"name": link.guardian.name, "link": link, "kind": "guardian",
             **_status(rows_of.get(("guardian", link.guardian_id), []), bool(link.guardian.user_id), now)}
            for link in links]
    if student.handelingsbekwaam:
        rows.append({"name": student.full_name, "kind": "pupil",
                     **_status(rows_of.get(("pupil", student.pk), []), bool(student.portal_user_id), now)})
    # The template reads these as `part.rows`, `part.student`, `part.may_invite` (students/student_detail.html).
    return [(TEMPLATE, {"rows": rows, "student": student, "may_invite": has_cap(user, Cap.PLAN_EDIT, student.school)})]
