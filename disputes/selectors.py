"""Reads of disputes: the open ones a user may see, each with its next deadline."""

from __future__ import annotations

from . import access, rules
from .models import Dispute


def with_deadlines(disputes) -> list[dict]:
    return [{"dispute": d, "next": rules.next_deadline(d)} for d in disputes]


def open_disputes_for(user, limit: int = 20) -> list[dict]:
    """The start page's panel: open disputes the user may see, with their next deadline. One query."""
    rows = list(access.disputes_visible_to(user).exclude(state=Dispute.State.GESLOTEN)
                .select_related("plan__student__school").order_by("filed_on", "pk")[:limit])
    return with_deadlines(rows)
