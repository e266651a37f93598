"""deadlines.templatetags.deadline_rows renders the start page's "Mijn taken" rows and the board overview's overdue
rows in Python: byte for byte what the template loops they replace rendered (kept here as the reference), in Dutch
and English, for every branch (names to escape, an action or none, days left, the last day, overdue; a plan, a
withdrawn or ended plan, none)."""

from __future__ import annotations

import datetime

import pytest
from django.template import Context, Template
from django.utils.translation import override

from deadlines.selectors import OverdueRow, TaskRow

TASK_LOOP = Template(
    """{% load i18n %}{% for row in rows %}
      <tr>
        <th scope="row"><a href="{{ row.url }}">{{ row.name|default:row.initials }}</a> <span class="text-body-secondary">({{ row.initials }})</span></th>
        <td>{{ row.label }}{% if row.action_label %}<br><span class="small text-body-secondary">{% translate "door" %} {{ row.action_who }} · {{ row.kind_label }}</span>{% endif %}</td>
        <td>{{ row.school_name }}</td>
        <td><time datetime="{{ row.due_on|date:'Y-m-d' }}">{{ row.due_on|date:"j F Y" }}</time><br>
          <span class="small">{% include "deadlines/_days.html" with days_left=row.days_left days_overdue=row.days_overdue %}</span></td>
        <td><span class="badge status-{{ row.status }}">{{ row.status_label }}</span></td>
      </tr>
    {% endfor %}""")  # noqa: E501

OVERDUE_LOOP = Template(
    """{% load i18n %}{% for row in rows %}
      <tr>
        <th scope="row">{% if row.plan_url %}<a href="{{ row.plan_url }}">{{ row.initials }}</a>{% else %}{{ row.initials }}{% endif %}
          {% if row.withdrawn_on %}<span class="small text-body-secondary">({% blocktranslate with d=row.withdrawn_on|date:"j F Y" %}OPP ingetrokken op {{ d }}{% endblocktranslate %})</span>
          {% elif row.ended_on %}<span class="small text-body-secondary">({% blocktranslate with d=row.ended_on|date:"j F Y" %}OPP beëindigd op {{ d }}{% endblocktranslate %})</span>
          {% elif not row.plan_url %}<span class="small text-body-secondary">({% translate "nog geen OPP gestart" %})</span>{% endif %}</th>
        <td>{{ row.school_name }}</td>
        <td><time datetime="{{ row.due_on|date:'Y-m-d' }}">{{ row.due_on|date:"j F Y" }}</time></td>
        <td><span class="badge status-te_laat">{% blocktranslate count n=row.days_overdue %}{{ n }} dag te laat{% plural %}{{ n }} dagen te laat{% endblocktranslate %}</span></td>
      </tr>
    {% endfor %}""")  # noqa: E501

D = datetime.date(2026, 11, 28)


def task(days_left: int, **extra) -> TaskRow:
    values = {"kind": "opp_vaststellen", "kind_label": "OPP vaststellen (zes weken)", "initials": "A.d.V.",
              "name": "Anna <de> Vries & co", "school_name": "School \"A\" & B", "due_on": D + datetime.timedelta(days_left),
              "days_left": days_left, "status": "te_laat", "status_label": "termijn verstreken",
              "url": "/leerlingen/1/?a=1&b=2", **extra}
    return TaskRow(**values)


TASKS = [
    task(-1), task(-12, name=""), task(0, status="binnenkort", status_label="binnen 14 dagen"), task(1), task(13),
    task(-3, action_label="Aanbieden ter vaststelling <nu>", action_who="de begeleider & co", waiting=True),
    task(2000, kind_label="Jaarlijkse evaluatie van het OPP"),
]
OVERDUE = [
    OverdueRow("A.B.", "School <A>", D - datetime.timedelta(days=1), 1, "/opp/1/?x=1&y=2"),
    OverdueRow("C.D.", "School A", D - datetime.timedelta(days=30), 30, ""),
    OverdueRow("E.F.", "School A", D - datetime.timedelta(days=5), 5, "/opp/2/", withdrawn_on=D - datetime.timedelta(days=9)),
    OverdueRow("G.H.", "School A", D - datetime.timedelta(days=5), 1500, "/opp/3/", ended_on=D - datetime.timedelta(days=3)),
]


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_task_rows_are_what_the_template_loop_rendered(language):
    with override(language):
        expected = TASK_LOOP.render(Context({"rows": TASKS}))
        assert Template("{% load deadline_rows %}{% task_rows rows %}").render(Context({"rows": TASKS})) == expected
    assert "&lt;de&gt;" in expected and "1 dag" in expected or "1 day" in expected


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_overdue_rows_are_what_the_template_loop_rendered(language):
    with override(language):
        expected = OVERDUE_LOOP.render(Context({"rows": OVERDUE}))
        assert Template("{% load deadline_rows %}{% overdue_rows rows %}").render(Context({"rows": OVERDUE})) == expected
    assert "School &lt;A&gt;" in expected


def test_no_rows_render_nothing():
    assert Template("{% load deadline_rows %}{% task_rows rows %}{% overdue_rows rows %}").render(Context({"rows": []})) == ""
