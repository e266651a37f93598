"""Reads of pupil data. Every list starts from access.students_visible_to(user)."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.db.models import CharField, Count, F, Prefetch, Q, QuerySet, Value, prefetch_related_objects
from django.db.models.functions import Lower

from . import access, deadlines
from .models import Guardian, GuardianLink, Student

_LAST, _FIRST = F("name_sort_key"), Lower("first_name")
#: The pupil list's sort orders. Names sort the Dutch way, on the stored students.names.sort_key: without case or
#: accents and on the surname's main part ("de Wit" under W, "van den Berg" under B); by term, pupils without one
#: ("niet nodig") come last both ways, on SQLite as on PostgreSQL (which differ on NULLs).
SORTS = {
    "naam": (_LAST.asc(), _FIRST.asc(), "pk"),
    "-naam": (_LAST.desc(), _FIRST.desc(), "-pk"),
    "nummer": ("pupil_number", "pk"),
    "-nummer": ("-pupil_number", "-pk"),
    "groep": ("group_name", _LAST.asc(), "pk"),
    "-groep": ("-group_name", _LAST.asc(), "pk"),
    "termijn": (F("opp_due_on").asc(nulls_last=True), _LAST.asc(), "pk"),
    "-termijn": (F("opp_due_on").desc(nulls_last=True), _LAST.asc(), "pk"),
}


def filter_by_deadline_status(qs: QuerySet[Student], status: str, today: datetime.date) -> QuerySet[Student]:
    """The same boundaries as deadlines.status(), as a database filter (indexed on opp_due_on), on the standing
    the services store (students.history)."""
    soon = today + datetime.timedelta(days=deadlines.DUE_SOON_DAYS)
    present = Q(left_on__isnull=True) | Q(left_on__gt=today)
    if status == deadlines.Status.MET:
        return qs.filter(opp_required=True, opp_in_force=True)
    required = Q(opp_required=True, opp_due_on__isnull=False, opp_in_force=False)
    if status == deadlines.Status.OVERDUE:
        return qs.filter(required, present, opp_due_on__lt=today)
    if status == deadlines.Status.DUE_SOON:
        return qs.filter(required, present, opp_due_on__gte=today, opp_due_on__lte=soon)
    if status == deadlines.Status.ON_TRACK:
        return qs.filter(required, present, opp_due_on__gt=soon)
    if status == deadlines.Status.LEFT:
        return qs.filter(left_on__lte=today)
    return qs


def student_list(user, *, q: str = "", school=None, group: str = "", opp: str = "", status: str = "",
                 sort: str = "naam", today: datetime.date, show_left: bool = False,
                 opp_status: str = "") -> QuerySet[Student]:
    """The pupil list (and its CSV export): the pupils the user reaches, filtered, annotated with `opp_status`
    (with_opp_status) and sorted. Pupils who left the school (left_on on or before today) only with `show_left`,
    or when the term filter asks for them."""
    qs = with_opp_status(access.students_visible_to(user).select_related("school"))
    if not show_left and status != deadlines.Status.LEFT:
        qs = qs.filter(Q(left_on__isnull=True) | Q(left_on__gt=today))
    if opp_status and opp_status in opp_status_labels():
        qs = qs.filter(opp_status=opp_status)
    if q:
        for term in q.split()[:5]:
            qs = qs.filter(Q(first_name__icontains=term) | Q(last_name__icontains=term) | Q(pupil_number__iexact=term))
    if school:
        qs = qs.filter(school=school)
    if group:
        qs = qs.filter(group_name=group)
    if opp == "ja":
        qs = qs.filter(opp_required=True)
    elif opp == "nee":
        qs = qs.filter(opp_required=False)
    if status:
        qs = filter_by_deadline_status(qs, status, today)
    return qs.order_by(*SORTS.get(sort, SORTS["naam"]))


#: What a row of the pupil list shows (students/templatetags/pupil_rows.py, deadline_view): the page reads only these
#: columns of the pupil and its school's name, not the whole register row (a third of the columns; the CSV export
#: writes more and reads the whole row).
LIST_COLUMNS = ("first_name", "last_name", "pupil_number", "group_name", "left_on", "opp_required", "opp_start_on",
                "opp_start_basis", "opp_due_on", "opp_in_force", "school__name")


def list_page_columns(qs: QuerySet[Student]) -> QuerySet[Student]:
    """The pupil list page's rows (student_list) with only the columns it shows (LIST_COLUMNS)."""
    return qs.only(*LIST_COLUMNS)


def count_by_school(qs: QuerySet[Student]) -> dict[int, int]:
    """How many pupils of `qs` per school (the export's audit rows). One query."""
    return dict(qs.order_by().values_list("school_id").annotate(n=Count("pk")).values_list("school_id", "n"))


def groups_for(user) -> list[str]:
    return list(
        access.students_visible_to(user).exclude(group_name="").values_list("group_name", flat=True).distinct().order_by("group_name")
    )


def deadline_view(student: Student, today: datetime.date) -> dict | None:
    """What the pupil page and the list say about the six-week term (R-TIME-1, R-TIME-5), from the stored standing."""
    if not student.opp_required or not student.opp_due_on:
        return None
    adopted = student.opp_in_force
    st = deadlines.status(due_on=student.opp_due_on, today=today, adopted=adopted, left_on=student.left_on)
    return {
        "status": st,
        "label": deadlines.STATUS_LABELS[st],
        "start_on": student.opp_start_on,
        "basis": deadlines.START_BASIS_LABELS.get(deadlines.StartBasis(student.opp_start_basis), "")
        if student.opp_start_basis else "",
        "due_on": student.opp_due_on,
        "days_left": deadlines.days_left(student.opp_due_on, today),
        "days_overdue": max(0, -deadlines.days_left(student.opp_due_on, today)),
        "adopted": adopted,
    }


def with_page_rows(student: Student) -> Student:
    """The pupil page's pupil with its guardians (by name, with their portal accounts) and its placements loaded,
    once for the page (two queries): the page, the eligibility facts and the plans' next step read them from here."""
    prefetch_related_objects([student], "placement_events", Prefetch(
        "guardian_links", queryset=GuardianLink.objects.select_related("guardian", "guardian__user")
        .order_by("guardian__name", "pk")))
    return student


def portal_people_of_schools(user_ids: set[int], school_ids: set[int]) -> set[int]:
    """The audit log's lookup (audit.log.register_people_lookup): of these portal accounts, the parents with a
    child at one of these schools and the adult pupils enrolled there. Two queries."""
    parents = Guardian.objects.filter(user_id__in=user_ids, links__student__school_id__in=school_ids)
    pupils = Student.objects.filter(portal_user_id__in=user_ids, school_id__in=school_ids)
    return set(parents.values_list("user_id", flat=True)) | set(pupils.values_list("portal_user_id", flat=True))


# --- The pupil list's OPP status, registered by the plans app ---------------------------------------------------


@dataclass(frozen=True)
class OppStatusProvider:
    """How the pupil list shows where each pupil's OPP stands: `annotate(qs)` adds an `opp_status` (a key of
    `labels`) to a pupil queryset in the same query (no query per row); `labels` says what each key reads."""

    annotate: Callable[[QuerySet[Student]], QuerySet[Student]]
    labels: Mapping[str, str]


_opp_status: list[OppStatusProvider] = []


def register_opp_status(provider: OppStatusProvider) -> None:
    """Called once from the plans app's AppConfig.ready(): pupils stand below plans and know nothing of them."""
    _opp_status[:] = [provider]


def with_opp_status(qs: QuerySet[Student]) -> QuerySet[Student]:
    if not _opp_status:
        return qs.annotate(opp_status=Value("", output_field=CharField()))
    return _opp_status[0].annotate(qs)


def opp_status_labels() -> Mapping[str, str]:
    return _opp_status[0].labels if _opp_status else {}


def opp_status_label(student: Student) -> str:
    return str(opp_status_labels().get(getattr(student, "opp_status", ""), ""))


# --- The pupil page's plans, registered by the plans app ------------------------------------------------------

#: (student, today, user) → the plans part of the pupil page's context: "history" (where the pupil stands: has
#: `rests_on_opp(day)`), "plans", "current_plan", "open_version", "findings". It may load the pupil's plans onto
#: `student` for the rest of the page (its timeline and panels read them from there); `user`: who reads the page.
PupilPageProvider = Callable[..., dict]
_pupil_page: list[PupilPageProvider] = []


def register_pupil_page(provider: PupilPageProvider) -> None:
    """Called once from the plans app's AppConfig.ready(): pupils stand below plans and know nothing of them."""
    _pupil_page[:] = [provider]


def pupil_page_plans(student: Student, today: datetime.date, user=None) -> dict:
    """The pupil page shows the pupil's OPP history; the plans app reads it (opp.selectors.pupil_page)."""
    return _pupil_page[0](student, today, user=user)
