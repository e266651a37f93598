"""The pupil list as CSV (the list's "Exporteren als CSV"), for the school's own overviews in a spreadsheet.

UTF-8 with a byte order mark (Excel then reads the accents), semicolons (what a Dutch Excel expects), Dutch
headers, dates as ISO 8601 (jjjj-mm-dd, machine-readable; the headers say so). A cell that a spreadsheet would
read as a formula (=, +, -, @, or a tab or carriage return first) gets a leading apostrophe: a pupil's name can
never run as a formula on the school's computer (CSV/formula injection).
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Iterable, Iterator

from django.utils import translation
from django.utils.translation import gettext as _

from opp_portal import uploads

from . import deadlines, selectors
from .models import Student

BOM = "\ufeff"
DELIMITER = ";"
#: One cell, defused for spreadsheets (the rule for every CSV download).
safe_cell = uploads.spreadsheet_cell


def header(*, with_school: bool) -> list[str]:
    columns = [_("Achternaam"), _("Voornaam"), _("Leerlingnummer"), _("Groep/klas")]
    if with_school:
        columns.append(_("School"))
    return columns + [
        _("Geboortedatum (jjjj-mm-dd)"), _("Onderwijssoort"), _("OPP verplicht"), _("OPP-status"),
        _("Uiterste datum vaststelling (jjjj-mm-dd)"), _("Termijn"), _("Datum uitschrijving (jjjj-mm-dd)"),
    ]


def row(student: Student, *, today: datetime.date, with_school: bool) -> list[str]:
    deadline = selectors.deadline_view(student, today)
    cells = [student.last_name, student.first_name, student.pupil_number, student.group_name]
    if with_school:
        cells.append(student.school.name)
    cells += [
        student.date_of_birth, student.get_onderwijssoort_display(), _("ja") if student.opp_required else _("nee"),
        selectors.opp_status_label(student), student.opp_due_on if deadline else None,
        deadlines.STATUS_LABELS[deadline["status"]] if deadline else "", student.left_on,
    ]
    return [safe_cell(c) for c in cells]


class _Echo:
    """csv.writer writes to this and gets the line back, so that the response streams line by line."""

    def write(self, value: str) -> str:
        return value


def rows(students: Iterable[Student], *, today: datetime.date, with_school: bool) -> Iterator[str]:
    """The file, line by line (a StreamingHttpResponse's content): the header with the BOM, then a line per pupil.
    The lines are written while the response streams, after the view returned: in the language of the request."""
    language = translation.get_language()

    def lines() -> Iterator[str]:
        with translation.override(language):
            writer = csv.writer(_Echo(), delimiter=DELIMITER, lineterminator="\r\n")
            yield BOM + writer.writerow(header(with_school=with_school))
            iterate = students.iterator(chunk_size=500) if hasattr(students, "iterator") else students
            for student in iterate:
                yield writer.writerow(row(student, today=today, with_school=with_school))

    return lines()
