"""The disputes' panel on the staff start page (accounts.panels; registered in DisputesConfig.ready())."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext_lazy as _

from accounts.access import Cap

from .selectors import open_disputes_for


def open_disputes(user, caps, today: datetime.date) -> dict | None:
    if Cap.DISPUTE_VIEW not in caps:
        return None
    return {"id": "geschillen", "title": _("Geschillen"), "wide": True, "rows": open_disputes_for(user),
            "can_edit": Cap.DISPUTE_EDIT in caps, "empty": _("Er lopen geen geschillen.")}
