from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts import access
from audit import log as audit


class AuditContextMiddleware:
    """Makes the client address available to audit.record() without passing the request around."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = audit.set_request_ip(audit.client_ip(request))
        try:
            return self.get_response(request)
        finally:
            audit.reset_request_ip(token)


class RefusalAuditMiddleware:
    """Every refusal a view raises becomes one DENIED row (DOMAIN "Retention and privacy").

    One place for all views: PermissionDenied (403: a visible but forbidden action) and Http404 (404: among them
    every object of another school, whose existence the scoped accessors hide). A 404 for an unknown URL never
    reaches a view and is not recorded, nor is anything for anonymous visitors (they go to the login page).
    Code that records a DENIED row itself is not doubled: audit.record() marks the request.

    The row's school is the one the exception names (access.require_cap and the accessors in access.py attach
    `audit_school_id`: the school of the object that was refused), else the actor's own school when they
    hold roles at exactly one school, so that the schoolleider sees the refusal in the school's log.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = audit.begin_refusal_scope()
        try:
            return self.get_response(request)
        finally:
            audit.end_refusal_scope(token)

    def process_exception(self, request, exception):
        if isinstance(exception, PermissionDenied):
            status = 403
        elif isinstance(exception, Http404):
            status = 404
        else:
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or audit.denied_recorded():
            return None
        match = request.resolver_match
        details = {"path_name": match.view_name if match else "", "status": status}
        # Object ids from the path only (never a string argument: an invitation token is a secret).
        ids = {key: value for key, value in (match.kwargs if match else {}).items() if isinstance(value, int)}
        if ids:
            details["ids"] = ids
        school_id = getattr(exception, "audit_school_id", None) or _home_school_id(user)
        audit.record(user, audit.Action.DENIED, school=school_id, details=details)
        return None  # Django renders the 403 or 404 page as before


def _home_school_id(user) -> int | None:
    memberships = access.memberships(user)
    schools = {m.school_id for m in memberships}
    return schools.pop() if len(schools) == 1 and None not in schools else None
