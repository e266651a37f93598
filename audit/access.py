"""Who may read the audit log, and of which schools: the schoolleider their school's, the bestuurder the board's
(ARCHITECTURE.md's role table; the capability is accounts.access.Cap.AUDIT_VIEW)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from accounts import access
from accounts.access import Cap
from accounts.models import School, User


def log_schools(user: User) -> list[School]:
    """The schools whose log the user may read, by name; 403 for anyone who may read none."""
    schools = list(access.schools_with(user, Cap.AUDIT_VIEW).order_by("name"))
    if not schools:
        raise PermissionDenied
    return schools
