"""The access approvals' panel on the staff start page (accounts.panels; registered in SecurityConfig.ready())."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext_lazy as _

from accounts.access import Cap
from security import access as security_access


def approvals_waiting(user, caps, today: datetime.date) -> dict | None:
    if Cap.ACCESS_APPROVE not in caps:
        return None
    return {"id": "goedkeuren", "title": _("Toegang goedkeuren"), "waiting": security_access.pending_for(user).count(),
            "empty": _("Er wachten geen verzoeken om toegang op uw goedkeuring.")}
