"""Reading the audit log: the rows of a user's schools, and the rows about one pupil.

The log stores `object_type` (a model label such as "opp.planversion") and `object_id` (its pk as text), not a
link to the pupil. "Everything about this pupil" is therefore one query whose condition lists, per object
type, the ids of that pupil's objects as subqueries — plus rows that name the pupil in their details (a
guardian link or placement that was deleted since).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from audit.models import AuditEvent

#: Model label -> what the log calls it. The ground floor's own objects; the apps above register theirs (register()).
OBJECT_TYPE_LABELS = {
    "accounts.user": _("gebruiker"),
    "accounts.membership": _("rol"),
    "accounts.school": _("school"),
    "accounts.board": _("schoolbestuur"),
    "audit.auditevent": _("logboek"),
}

#: `objects_of_pupils(student_ids)` returns, per model label, a queryset of that app's objects of those pupils.
PupilObjects = Callable[[list[int]], dict[str, QuerySet]]
#: `find_pupils(school_ids, number=..., pk=...)` returns the pupils of those schools that match (the pupils app).
PupilFinder = Callable[..., list]

_pupil_objects: list[PupilObjects] = []
_pupil_finders: list[PupilFinder] = []


def register(*, labels: dict[str, str] | None = None, objects_of_pupils: PupilObjects | None = None,
             find_pupils: PupilFinder | None = None) -> None:
    """Called from each app's AppConfig.ready(): what the log calls the app's objects, which of them belong to a
    pupil, and (the pupils app) how a pupil is found. The audit app imports none of them."""
    OBJECT_TYPE_LABELS.update(labels or {})
    if objects_of_pupils is not None and objects_of_pupils not in _pupil_objects:
        _pupil_objects.append(objects_of_pupils)
    if find_pupils is not None and find_pupils not in _pupil_finders:
        _pupil_finders.append(find_pupils)


def find_pupils(school_ids: Iterable[int], *, number: str | None = None, pk: int | None = None) -> list:
    """The pupils of these schools with this pupil number and/or id (another school's pupil is not found)."""
    found = []
    for finder in _pupil_finders:
        found.extend(finder(list(school_ids), number=number, pk=pk))
    return found


def object_type_label(object_type: str) -> str:
    return str(OBJECT_TYPE_LABELS.get(object_type, object_type))


def events_for_schools(school_ids: Iterable[int]) -> QuerySet[AuditEvent]:
    """The rows of these schools, newest first. Rows without a school (logins, a parent's portal rows that
    name no school) are not in a school's log."""
    return (AuditEvent.objects.filter(school_id__in=list(school_ids))
            .select_related("actor", "school").order_by("-at", "-id"))


def _ids(qs) -> QuerySet:
    return qs.annotate(audit_object_id=Cast("pk", CharField())).values("audit_object_id")


def pupil_condition(student_ids: list[int]) -> Q:
    """Rows about these pupils: the pupils themselves and every object of theirs that the services audit."""
    ids = list(student_ids)
    condition = Q(details__student__in=ids)  # guardian links and placements record their pupil (also on delete)
    for objects_of_pupils in _pupil_objects:
        for object_type, qs in objects_of_pupils(ids).items():
            condition |= Q(object_type=object_type, object_id__in=_ids(qs))
    return condition


def recent_views_of(student, limit: int = 20) -> list[AuditEvent]:
    """The pupil page's "who viewed this file": the last reads of the pupil and its plans, versions and the rest.
    One query."""
    return list(events_for_schools([student.school_id])
                .filter(pupil_condition([student.pk]), action=AuditEvent.Action.VIEW)[:limit])
