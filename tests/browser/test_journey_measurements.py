"""Journey: a goal measured and evaluated (R-CONTENT-4, R-SET-2, R-EVAL-1) in headless Chromium.

The begeleider records two AVI measurements of Sanne's reading goal from the plan page, holds the evaluation —
the form shows the measurements and pre-selects "deels behaald" from them; she keeps it — and sees the goal's chart
on the evaluation, then downloads its PDF, which holds the same drawing (its labels as text). Every page is checked
with axe-core and for CSP violations (conftest.Tab.check); screenshots land in the journey's folder.

The live server reads today's date, so the story is dated relative to today (nothing in the future).

Run: CELERY_BROKER_URL=redis://… .venv/bin/pytest tests/browser/test_journey_measurements.py
"""

from __future__ import annotations

import datetime
import io

import pytest
from django.utils import timezone, translation
from django.utils.dateformat import format as date_format
from pypdf import PdfReader

from evaluations.models import Evaluation
from opp.models import Measurement, Plan, PlanVersion
from tests import factories as F
from tests.auth import totp_device
from tests.opp.test_goal_charts import _item as item
from tests.opp.test_goal_charts import adopt

from .conftest import staff_login

pytestmark = [pytest.mark.browser, pytest.mark.services, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"  # tests/conftest.PASSWORD, set by UserFactory
DAY = datetime.timedelta(days=1)


def test_two_measurements_an_evaluation_with_the_chart_and_its_pdf(journey, org, personas):
    by, today = personas.begeleider_a, timezone.localdate()
    totp_device(by)
    pupil = F.StudentFactory(school=org.school_a, first_name="Sanne", last_name="Jansen", opp_required=True,
                             support_level="extra")
    plan = Plan.objects.create(student=pupil, created_by=by)
    Plan.objects.filter(pk=plan.pk).update(created_at=timezone.now() - 110 * DAY)
    version = PlanVersion.objects.create(plan=plan, number=1, created_by=by)
    reading = item(version, 1, "Sanne leest vloeiend op AVI M5", instrument="avi", baseline="M4",
                   baseline_on=today - 110 * DAY, target="M5", target_on=today + 200 * DAY, direction="hoger")
    adopt(version, today - 100 * DAY, personas.bestuurder_a)

    j = journey("9-metingen")
    tab = j.tab("begeleider")
    page = tab.page
    staff_login(tab, by, PASSWORD)
    tab.goto(f"/opp/{plan.pk}/", "plan")

    # Two measurements from the plan page's "Metingen" link: the second in lower case, stored as the level.
    tab.submit(page.get_by_role("link", name="Metingen (0)"), "metingen-leeg")
    for days_ago, value, note in ((60, "E4", "AVI-toets november"), (5, "e4", "Herhaling: tempo beter")):
        page.get_by_label("Datum van de meting").fill((today - days_ago * DAY).isoformat())
        page.get_by_label("Waarde").fill(value)
        page.get_by_label("Toelichting").fill(note)
        tab.submit(page.get_by_role("button", name="Meting vastleggen"))
    j.screenshot(page, "twee-metingen")
    assert list(Measurement.objects.filter(goal=reading.plan_goal).values_list("value", flat=True)) == ["E4", "E4"]

    # The evaluation form shows them and pre-selects the outcome they suggest: E4 is on the way from M4 to M5.
    tab.goto(f"/evaluaties/plan/{plan.pk}/nieuw/", "evaluatie-formulier")
    form = page.locator("main form")
    assert "Voorstel op grond van de metingen: Deels behaald." in form.inner_text()
    assert page.get_by_label("Voortgang").input_value() == "deels"
    with translation.override("nl"):
        assert date_format(today - 5 * DAY, "j F Y") in form.inner_text()
    page.get_by_label("Datum van de evaluatie").fill(today.isoformat())
    page.get_by_label("Ouders/verzorgers waren aanwezig").check()
    page.get_by_label("Mening van de leerling (hoorrecht)").fill("Sanne merkt dat lezen sneller gaat.")
    page.get_by_label("Conclusie").fill("Sanne leest nu op AVI E4; het doel M5 is in zicht.")
    page.get_by_label("Voortzetten").check()
    tab.submit(form.get_by_role("button", name="Evaluatie vastleggen"), "evaluatie")
    evaluation = Evaluation.objects.get(plan=plan)
    progress = evaluation.progress.get()
    assert (progress.progress, progress.suggested, progress.override_reason) == ("deels", "deels", "")

    # The evaluation shows the goal's chart, named and drawn at its size.
    tab.goto(f"/evaluaties/{evaluation.pk}/", "evaluatie-met-grafiek")
    chart = page.get_by_role("img", name="Metingen bij het doel: Sanne leest vloeiend op AVI M5")
    assert chart.is_visible() and chart.bounding_box()["width"] > 300

    # … and its PDF holds the drawing: the target line's label and the measured levels as text.
    pdf = tab.download(page.get_by_role("link", name="Download als PDF"))
    assert pdf.startswith(b"%PDF")
    text = " ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "AVI M5" in text and "E4" in text and "Sanne leest vloeiend op AVI M5" in text
