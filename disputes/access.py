"""Who may reach which dispute, its documents, its dossier and a school's SOP/ondersteuningsplan.

Built only on the capabilities of accounts.access (ARCHITECTURE.md "Access in one layer"): the geschillen role and
the bestuurder reach the disputes of their board's schools and may change them (DISPUTE_EDIT); the schoolleider
reads those of the own school (DISPUTE_VIEW) and never writes. Every refusal names the school of the object that
was asked for, so that its row lands in that school's audit log (audit.middleware.RefusalAuditMiddleware).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from accounts.access import (
    Cap,
    capabilities,
    forbidden,
    get_in_reach,
    has_cap,
    not_found,
    require_cap,
    schools_with,
)
from accounts.models import School, User
from students import access as student_access

from .models import Dispute, DisputeDocument, DossierExport, SchoolDocument

_SCHOOL = "plan__student__school_id"
_VIA_DISPUTE = "dispute__plan__student__school_id"


# --- Disputes ---------------------------------------------------------------------------------------------------


def disputes_visible_to(user: User) -> QuerySet[Dispute]:
    """Every dispute list starts here: the disputes of the schools where the user may read them."""
    return Dispute.objects.filter(student_access.pupil_filter(user, Cap.DISPUTE_VIEW, "plan__student"))


def dispute_for_user(user: User, pk, *, write: bool = False) -> Dispute:
    """One dispute: 404 outside the board (or the pupil's school for the schoolleider), 403 without edit right."""
    dispute = get_in_reach(disputes_visible_to(user).select_related("plan__student__school__board", "version"), pk,
                           school_path=_SCHOOL)
    if write:
        require_cap(user, Cap.DISPUTE_EDIT, dispute.plan.student.school)
    return dispute


def dispute_with_letter_for_user(user: User, pk) -> Dispute:
    """A dispute whose board response has been recorded: only then is there a response letter (404 before)."""
    dispute = dispute_for_user(user, pk)
    if not dispute.response:
        raise not_found(dispute.plan.student.school_id)
    return dispute


def require_dispute_list(user: User) -> None:
    """The list of disputes is for the roles that read disputes somewhere (403 for everyone else)."""
    if Cap.DISPUTE_VIEW not in capabilities(user):
        raise PermissionDenied


def can_register_anywhere(user: User) -> bool:
    """Whether the user may register a dispute at any school (the list's and the start page's button)."""
    return Cap.DISPUTE_EDIT in capabilities(user)


def schools_to_register_for(user: User) -> QuerySet[School]:
    """The schools whose plans the user may register a dispute about; 403 when there are none."""
    schools = schools_with(user, Cap.DISPUTE_EDIT)
    if not schools.exists():
        raise PermissionDenied
    return schools


def dispute_rights(user: User, dispute: Dispute) -> dict:
    """The booleans of a dispute's page: change it (its forms, documents, dossier), open the school's documents."""
    school = dispute.plan.student.school
    editable = has_cap(user, Cap.DISPUTE_EDIT, school)
    return {"can_edit": editable, "can_school_documents": editable or has_cap(user, Cap.SCHOOL_OVERVIEW, school)}


# --- The dispute's documents and dossier exports --------------------------------------------------------------------


def document_for_user(user: User, pk, doc_pk) -> tuple[Dispute, DisputeDocument]:
    """A document of a dispute the user may read; a document of another dispute is 404 naming its own school."""
    dispute = dispute_for_user(user, pk)
    return dispute, get_in_reach(dispute.documents.all(), doc_pk, school_path=_VIA_DISPUTE)


def export_for_user(user: User, pk, export_pk, *, ready: bool = False) -> tuple[Dispute, DossierExport]:
    """A dossier export of a dispute the user may read; with `ready`, only a finished one with its file (404 before:
    there is nothing to download yet)."""
    dispute = dispute_for_user(user, pk)
    job = get_in_reach(dispute.exports.all(), export_pk, school_path=_VIA_DISPUTE)
    if ready and (job.state != DossierExport.State.KLAAR or not job.stored_name):
        raise not_found(dispute.plan.student.school_id)
    return dispute, job


# --- The school's SOP and the SWV ondersteuningsplan ---------------------------------------------------------------


def schools_with_documents(user: User) -> QuerySet[School]:
    """Schools whose SOP and ondersteuningsplan the user may read and upload: those where they handle disputes,
    and the schoolleider's own school (SCHOOL_OVERVIEW)."""
    return schools_with(user, Cap.DISPUTE_EDIT) | schools_with(user, Cap.SCHOOL_OVERVIEW)


def require_school_documents(user: User, school: School) -> None:
    """403 (naming the school) for an upload to a school whose documents the user does not keep."""
    if not (has_cap(user, Cap.DISPUTE_EDIT, school) or has_cap(user, Cap.SCHOOL_OVERVIEW, school)):
        raise forbidden(school)


def school_for_user(user: User, pk) -> School:
    """A school whose documents the user may reach; another school is 404 in that school's log."""
    return get_in_reach(School.objects.filter(pk__in=schools_with_documents(user).values("pk")), pk, school_path="pk")


def school_document_for_user(user: User, school_pk, doc_pk) -> tuple[School, SchoolDocument]:
    school = school_for_user(user, school_pk)
    return school, get_in_reach(SchoolDocument.objects.filter(school=school), doc_pk, school_path="school_id")
