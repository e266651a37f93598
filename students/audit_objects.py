"""What the audit log shows of the pupils app's objects, which of them belong to a pupil, and how the log's pupil
filter finds a pupil. Registered with audit.selectors in StudentsConfig.ready(): the audit app imports no pupils."""

from django.utils.translation import gettext_lazy as _

from students.models import EligibilityDecision, GuardianLink, PlacementEvent, Student

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


def find_pupils(school_ids: list[int], *, number: str | None = None, pk: int | None = None) -> list[Student]:
    candidates = Student.objects.filter(school_id__in=school_ids)
    if number:
        candidates = candidates.filter(pupil_number=number)
    if pk:
        candidates = candidates.filter(pk=pk)
    return list(candidates.select_related("school").order_by("school__name"))
