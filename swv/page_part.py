"""The pupil page's "Toelaatbaarheid" section (registered in students.page_parts from SwvConfig.ready()): the decision
in force, the finding, the history in short and the link to record one. Only for pupils who need an admission
decision or have one on record. The pupil page has already logged the read of the pupil."""

from __future__ import annotations

from django.utils import timezone

from accounts.models import User
from students.models import Student

from . import access, selectors

TEMPLATE = "swv/_pupil_part.html"


def parts(student: Student, user: User) -> list[tuple[str, dict]]:
    standing = selectors.standing(student, timezone.localdate())
    if standing.required is None and not standing.history:
        return []
    return [(TEMPLATE, {"student": student, "standing": standing, "can_record": access.may_record(user, student)})]
