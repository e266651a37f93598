"""Reading the audit log: the rows of a user's schools, and the rows about one pupil.

The log stores `object_type` (a model label such as "opp.planversion") and `object_id` (its pk as text), not a
link to the pupil. "Everything about this pupil" is therefore one query whose condition lists, per object
type, the ids of that pupil's objects as subqueries — plus rows that name the pupil in their details (a
guardian link or placement that was deleted since).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable

from django.db.models import CharField, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Board, Membership, School, User
from audit import log as audit_log
from audit.models import AuditEvent
from opp_portal import dates

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


# --- Human labels for the log's objects ("OPP van Sanne de Vries, versie 2" rather than "OPP 3") -------------------
# Each app registers, per model label, `describe(pks, school_ids) -> {pk: label}`: ONE query for all rows of that
# type on a page (never one per row). Need-to-know: a pupil's name only for a viewer whose schools hold the pupil
# (pupil_name()); a parent's name only where the school holds their child (DOMAIN "Retention and privacy").

#: describe(pks, school_ids): labels of the objects with these primary keys, as this viewer may see them.
ObjectDescriber = Callable[[list[int], set[int]], dict[int, str]]
_describers: dict[str, ObjectDescriber] = {}
#: Ids per query: an export of 10,000 rows stays below every database's parameter limit.
DESCRIBE_CHUNK = 500


def register_describers(describers: dict[str, ObjectDescriber]) -> None:
    """Called when an app's audit_objects module is loaded (from its AppConfig.ready())."""
    _describers.update(describers)


def day(value) -> str:
    """A date (or a moment, in local time) as the log writes it: "12 maart 2027"."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = (timezone.localtime(value) if timezone.is_aware(value) else value).date()
    return dates.formatted(value)


def pupil_name(student, school_ids: set[int]) -> str:
    """The pupil's name for a viewer whose schools hold the pupil; otherwise no name (need-to-know)."""
    if student is None:
        return gettext("onbekende leerling")
    if student.school_id in school_ids:
        return student.full_name
    return gettext("een leerling van een andere school")


def _pks(object_ids: Iterable[str]) -> list[int]:
    return sorted({int(i) for i in object_ids if str(i).isdigit()})


def object_labels(events: Iterable[AuditEvent], school_ids: Iterable[int]) -> dict[tuple[str, str], str]:
    """{(object_type, object_id): human label} for these rows: one query per object type (per 500 ids)."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for event in events:
        if event.object_type and event.object_id and event.object_type in _describers:
            wanted[event.object_type].add(event.object_id)
    schools = set(school_ids)
    labels: dict[tuple[str, str], str] = {}
    for object_type, object_ids in wanted.items():
        pks = _pks(object_ids)
        for start in range(0, len(pks), DESCRIBE_CHUNK):
            for pk, text in _describers[object_type](pks[start:start + DESCRIBE_CHUNK], schools).items():
                labels[(object_type, str(pk))] = text
    return labels


def _users(pks: list[int], school_ids: set[int]) -> dict[int, str]:
    """Staff of the viewer's schools and parents whose child the viewer's schools hold, by name; others not."""
    users = list(User.objects.filter(pk__in=pks).annotate(
        _here=Exists(Membership.objects.filter(user_id=OuterRef("pk"), school_id__in=school_ids))))
    known = audit_log.people_known_to({u.pk for u in users if not u._here}, school_ids)
    return {u.pk: (u.get_full_name() or u.get_username()) if (u._here or u.pk in known) else gettext("een gebruiker")
            for u in users}


def _memberships(pks: list[int], school_ids: set[int]) -> dict[int, str]:
    rows = Membership.objects.filter(pk__in=pks).select_related("user", "school", "board")
    return {m.pk: (gettext("%(role)s — %(who)s, %(where)s") % {
        "role": m.get_role_display(), "who": m.user.get_full_name() or m.user.get_username(),
        "where": m.school or m.board} if m.school_id in school_ids else m.get_role_display()) for m in rows}


register_describers({
    "accounts.user": _users,
    "accounts.membership": _memberships,
    "accounts.school": lambda pks, _s: {s.pk: s.name for s in School.objects.filter(pk__in=pks)},
    "accounts.board": lambda pks, _s: {b.pk: b.name for b in Board.objects.filter(pk__in=pks)},
})


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
