"""students.templatetags.pupil_rows renders the pupil list's rows in Python: byte for byte what the template loop it
replaces rendered (kept here as the reference, with students/_deadline_badge.html included as it was), in Dutch and
English, for every branch (names to escape, a pupil who left or leaves later, no group, a school column or none, every
term status or no term, an OPP status or none)."""

from __future__ import annotations

import datetime

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils.translation import override

from accounts.models import School
from students import deadlines, selectors
from students.models import Student

ROW_LOOP = Template(
    """{% load i18n %}{% for row in rows %}{% with s=row.student %}
    <tr>
      <td><a href="{% url 'students:detail' s.pk %}">{{ s.list_name }}</a>{% if s.left_on and s.left_on <= today %} <span class="badge text-bg-secondary">{% translate "uitgeschreven" %}</span>{% endif %}</td>
      <td>{{ s.pupil_number }}</td>
      <td>{{ s.group_name|default:"–" }}</td>
      {% if with_school %}<td>{{ s.school.name }}</td>{% endif %}
      <td>{{ row.opp_status|default:"–" }}</td>
      <td>{% if row.deadline %}{{ row.deadline.due_on|date:"j F Y" }} {% include "students/_deadline_badge.html" with deadline=row.deadline %}{% else %}–{% endif %}</td>
    </tr>
  {% endwith %}{% endfor %}""")  # noqa: E501

TAG = Template("{% load pupil_rows %}{% pupil_rows rows today with_school %}")

TODAY = datetime.date(2026, 9, 25)
SCHOOL = School(pk=3, name='School "De <Wilg>" & co')


def pupil(pk: int, **values) -> Student:
    fields = {"first_name": "Anna", "last_name": "de Vries", "pupil_number": "0001", "group_name": "4a",
              "opp_required": True, "opp_due_on": TODAY + datetime.timedelta(days=10), "opp_start_on": TODAY,
              "opp_start_basis": "", "opp_in_force": False, "left_on": None, **values}
    return Student(pk=pk, school=SCHOOL, **fields)


PUPILS = [
    pupil(1),  # due soon
    pupil(2, first_name="Jan & <b>", last_name="van 't Hof \"x\"", opp_due_on=TODAY - datetime.timedelta(days=3)),
    pupil(3, opp_due_on=TODAY + datetime.timedelta(days=60), group_name=""),  # on track, no group
    pupil(4, opp_in_force=True),  # met
    pupil(5, left_on=TODAY - datetime.timedelta(days=1)),  # left: the badge, the term says so
    pupil(6, left_on=TODAY + datetime.timedelta(days=5)),  # leaves later: no badge yet
    pupil(7, left_on=TODAY, opp_required=False, opp_due_on=None),  # leaves today; no term
    pupil(8, opp_required=False, opp_due_on=None, pupil_number="<12>"),
    pupil(9, opp_due_on=TODAY, opp_start_basis="inschrijving"),  # the last day
]


def rows(statuses=("", "concept", "vastgesteld <x>")):
    return [{"student": s, "deadline": selectors.deadline_view(s, TODAY), "opp_status": statuses[i % len(statuses)]}
            for i, s in enumerate(PUPILS)]


def test_the_rows_cover_every_term_status():
    shown = {row["deadline"]["status"] for row in rows() if row["deadline"]}
    assert shown == set(deadlines.STATUS_LABELS)


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("with_school", [False, True])
def test_the_rows_are_the_templates_rows(language, with_school):
    context = {"rows": rows(), "today": TODAY, "with_school": with_school}
    with override(language):
        assert TAG.render(Context(context)) == ROW_LOOP.render(Context(context))


def test_the_link_is_the_pupil_page():
    html = TAG.render(Context({"rows": rows()[:1], "today": TODAY, "with_school": False}))
    assert f'href="{reverse("students:detail", args=[1])}"' in html


def test_no_rows_render_nothing():
    assert TAG.render(Context({"rows": [], "today": TODAY, "with_school": True})) == ""
