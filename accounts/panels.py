"""The staff start page's panels (ARCHITECTURE.md "Floors": what a lower app needs from a higher one, the higher
app registers with it).

The start page stands on the ground floor, yet shows the deadlines' task lists and overviews, the plans waiting
for adoption, the disputes and the access approvals. Each of those apps registers its panels here from its
AppConfig.ready(); accounts.views.staff_start renders whatever is registered, by `order`.

A panel is a function (user, caps, today) → a dict for templates/accounts/staff_start.html, or None when this
user does not get it. The dict carries at least "id" (which part of the template draws it), "title" and "empty".
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .access import Cap

Panel = Callable[..., dict | None]


@dataclass(frozen=True)
class _Entry:
    order: int
    build: Panel


_panels: dict[str, _Entry] = {}


def register(key: str, build: Panel, *, order: int) -> None:
    """Called from an AppConfig.ready(). `key` is the panel's id: registering it again replaces it. Smaller
    orders come first; the apps keep to steps of ten (Mijn taken 10 … beheer 90) so that one fits in between."""
    _panels[key] = _Entry(order, build)


def panels_for(user, caps, today: datetime.date) -> list[dict]:
    """The panels this user gets, in order. `caps` are the user's capabilities (accounts.access.capabilities)."""
    entries = sorted(_panels.items(), key=lambda item: (item[1].order, item[0]))
    return [panel for _key, entry in entries if (panel := entry.build(user, caps, today)) is not None]


def admin_panel(user, caps, today: datetime.date) -> dict | None:
    """The beheerder's way into the admin (accounts, schools, roles); registered by AccountsConfig.ready()."""
    if Cap.ACCOUNTS_MANAGE not in caps:
        return None
    return {"id": "beheer", "title": _("Beheer"), "empty": None, "admin_link": True}
