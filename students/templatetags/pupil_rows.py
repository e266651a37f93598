"""The pupil list's rows in Python (students/student_list.html). Through the template language a page of 25 rows took
about 2.5 ms (a {% url %}, a date filter and an include per row: bench/pages.py list_ib), half of the page's template
time; this renders exactly the HTML that loop rendered, escaped as the template escapes it
(tests/perf/test_student_list_rows.py holds it against the template's own loop and students/_deadline_badge.html)."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

register = template.Library()

#: A pupil id no pupil has: the pupil page's URL is reversed once per page with it and the row's id put in its place
#: (a reverse() per row cost as much as the rest of the row).
_PK = 987654321987


def _e(value) -> str:
    return conditional_escape(value)


@register.simple_tag
def pupil_rows(rows, today, with_school: bool) -> SafeString:
    """The <tr> of each row of the pupil list (students.views.student_list: "student", "deadline", "opp_status"), as
    the loop in students/student_list.html rendered them; `with_school`: the list names each pupil's school."""
    head, tail = reverse("students:detail", args=[_PK]).split(str(_PK))
    left = None
    out = []
    for row in rows:
        s, deadline = row["student"], row["deadline"]
        if s.left_on and s.left_on <= today:
            left = left or f' <span class="badge text-bg-secondary">{_e(gettext("uitgeschreven"))}</span>'
            badge = left
        else:
            badge = ""
        school = f"<td>{_e(s.school.name)}</td>" if with_school else ""
        if deadline:
            term = (f'{_e(date_format(deadline["due_on"], "j F Y"))} <span class="badge status-{_e(deadline["status"])}">'
                    f'{_e(deadline["label"])}</span>\n')
        else:
            term = "–"
        out.append(
            f'\n    <tr>\n      <td><a href="{head}{s.pk}{tail}">{_e(s.list_name)}</a>{badge}</td>\n'
            f"      <td>{_e(s.pupil_number)}</td>\n"
            f'      <td>{_e(s.group_name or "–")}</td>\n'
            f"      {school}\n"
            f'      <td>{_e(row["opp_status"] or "–")}</td>\n'
            f"      <td>{term}</td>\n"
            f"    </tr>\n  ")
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped
