from accounts import access
from accounts.access import Cap


def navigation(request):
    """Role-aware navigation: which menu items this user gets (the views check again)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": {"kind": "anonymous"}}
    # SecondFactorMiddleware (security.policy) says whether this session still owes its second step.
    if getattr(request, "second_factor_pending", lambda: False)():
        return {"nav": {"kind": "second_factor"}}  # only the 2FA pages answer yet: no menu that leads back here
    if access.is_staff_member(user):
        caps = access.capabilities(user)
        return {
            "nav": {
                "kind": "staff",
                "roles": sorted({m.get_role_display() for m in access.memberships(user)}),
                "can_manage_accounts": Cap.ACCOUNTS_MANAGE in caps,
                "can_view_pupils": Cap.PUPIL_VIEW in caps,
                "can_adopt": Cap.PLAN_ADOPT in caps,
                "can_view_plans": Cap.PLAN_VIEW in caps,
                "can_view_disputes": Cap.DISPUTE_VIEW in caps,
                "can_view_audit": Cap.AUDIT_VIEW in caps,
                "can_manage_textbank": Cap.TEXTBANK_MANAGE in caps,
            }
        }
    return {"nav": {"kind": "portal", "is_superuser": user.is_superuser}}
