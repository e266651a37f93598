"""The pupil list's rows in Python (students/student_list.html). Through the template language a page of 25 rows took
about 2.5 ms (a {% url %}, a date filter and an include per row: bench/pages.py list_ib), half of the page's template
time; this renders exactly the HTML that loop rendered, escaped as the template escapes it
(tests/perf/test_student_list_rows.py holds it against the template's own loop and students/_deadline_badge.html)."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from opp_portal import dates

register = template.Library()

#: A pupil id no pupil has: the pupil page's URL is reversed once per page with it and the row's id put in its place
#: (a reverse() per row cost as much as the rest of the row).
_PK = 987654321987

#: One row as the template's loop wrote it; format_html escapes every value put in.
_ROW = ('\n    <tr>\n      <td><a href="{}">{}</a>{}</td>\n      <td>{}</td>\n      <td>{}</td>\n      {}\n'
        '      <td>{}</td>\n      <td>{}</td>\n    </tr>\n  ')


def _term(deadline) -> SafeString | str:
    """The term's due date with students/_deadline_badge.html, or a dash."""
    if not deadline:
        return "–"
    return format_html('{} <span class="badge status-{}">{}</span>\n', dates.formatted(deadline["due_on"]),
                       deadline["status"], deadline["label"])


@register.simple_tag
def pupil_rows(rows, today, with_school: bool) -> SafeString:
    """The <tr> of each row of the pupil list (students.views.student_list: "student", "deadline", "opp_status"), as
    the loop in students/student_list.html rendered them; `with_school`: the list names each pupil's school."""
    head, tail = reverse("students:detail", args=[_PK]).split(str(_PK))
    left = format_html(' <span class="badge text-bg-secondary">{}</span>', gettext("uitgeschreven"))

    def cells(row):
        s = row["student"]
        return (f"{head}{s.pk}{tail}", s.list_name, left if s.left_on and s.left_on <= today else "",
                s.pupil_number, s.group_name or "–",
                format_html("<td>{}</td>", s.school.name) if with_school else "",
                row["opp_status"] or "–", _term(row["deadline"]))

    return format_html_join("", _ROW, (cells(row) for row in rows))
