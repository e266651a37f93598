"""The disputes on the pupil's timeline (students.history.register_timeline, from DisputesConfig.ready())."""

from __future__ import annotations

from django.utils.translation import gettext as _

from students.history import TimelineEvent

from .models import Dispute


def timeline_events(student_id: int) -> list[TimelineEvent]:
    """Filed at the GPO (R-GPO-2), its advice (R-GPO-4) and its closing: dates and outcomes only. One query."""
    events = []
    for d in Dispute.objects.filter(plan__student_id=student_id).only("filed_on", "advice", "advice_on", "closed_on"):
        events.append(TimelineEvent(d.filed_on, _("Geschil ingediend bij de Geschillencommissie passend onderwijs")))
        if d.advice_on:
            events.append(TimelineEvent(d.advice_on, _("Advies van de Geschillencommissie"), d.get_advice_display()))
        if d.closed_on:
            events.append(TimelineEvent(d.closed_on, _("Geschil afgesloten")))
    return events
