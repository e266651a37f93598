"""What the audit log shows of the pupils app's objects, which of them belong to a pupil, and how the log's pupil
filter finds a pupil. Registered with audit.selectors in StudentsConfig.ready(): the audit app imports no pupils."""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from audit.selectors import day, pupil_name, register_describers
from students.models import EligibilityDecision, Guardian, GuardianLink, ImportBatch, PlacementEvent, Student

LABELS = {
    "students.student": _("leerling"),
    "students.guardian": _("ouder/verzorger"),
    "students.guardianlink": _("ouder/verzorger van de leerling"),
    "students.placementevent": _("plaatsing"),
    "students.eligibilitydecision": _("besluit OPP-plicht"),
    "students.importbatch": _("import van leerlingen"),
}


def objects_of_pupils(ids: list[int]) -> dict:
    return {
        "students.student": Student.objects.filter(pk__in=ids),
        "students.guardianlink": GuardianLink.objects.filter(student_id__in=ids),
        "students.placementevent": PlacementEvent.objects.filter(student_id__in=ids),
        "students.eligibilitydecision": EligibilityDecision.objects.filter(student_id__in=ids),
    }


# --- Human labels (audit.selectors.object_labels): one query per object type per page ----------------------------


def _students(pks, school_ids):
    return {s.pk: pupil_name(s, school_ids) for s in Student.objects.filter(pk__in=pks).only("school_id", "first_name",
                                                                                              "last_name")}


def _guardians(pks, school_ids):
    """A parent's name only for the school that holds their child (the record is per school)."""
    return {g.pk: gettext("Ouder/verzorger %(name)s") % {"name": g.name} if g.school_id in school_ids
            else gettext("Ouder/verzorger") for g in Guardian.objects.filter(pk__in=pks).only("school_id", "name")}


def _guardian_links(pks, school_ids):
    rows = GuardianLink.objects.filter(pk__in=pks).select_related("student")
    return {link.pk: gettext("Ouder/verzorger van %(pupil)s") % {"pupil": pupil_name(link.student, school_ids)}
            for link in rows}


def _placements(pks, school_ids):
    rows = PlacementEvent.objects.filter(pk__in=pks).select_related("student")
    return {p.pk: gettext("%(kind)s van %(pupil)s, %(day)s") % {
        "kind": p.get_kind_display(), "pupil": pupil_name(p.student, school_ids), "day": day(p.start_on)} for p in rows}


def _decisions(pks, school_ids):
    rows = EligibilityDecision.objects.filter(pk__in=pks).select_related("student")
    return {d.pk: gettext("Besluit OPP-plicht voor %(pupil)s, %(day)s") % {
        "pupil": pupil_name(d.student, school_ids), "day": day(d.decided_at)} for d in rows}


def _imports(pks, school_ids):
    return {b.pk: gettext("Import van leerlingen van %(day)s") % {"day": day(b.created_at)}
            for b in ImportBatch.objects.filter(pk__in=pks).only("created_at")}


register_describers({
    "students.student": _students,
    "students.guardian": _guardians,
    "students.guardianlink": _guardian_links,
    "students.placementevent": _placements,
    "students.eligibilitydecision": _decisions,
    "students.importbatch": _imports,
})


def find_pupils(school_ids: list[int], *, number: str | None = None, pk: int | None = None) -> list[Student]:
    candidates = Student.objects.filter(school_id__in=school_ids)
    if number:
        candidates = candidates.filter(pupil_number=number)
    if pk:
        candidates = candidates.filter(pk=pk)
    return list(candidates.select_related("school").order_by("school__name"))
