""""Mijn taken" says what to do: each plan row names the plan's next action (opp.next_step) — who must act and
what — instead of the kind's name for every row; the board overview names a withdrawn plan and links its rows
(R-TIME-1, R-CONSENT-4, R-SET-1, R-SET-5)."""

import datetime
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from deadlines import selectors
from opp import adoption
from opp import consent_services as cs
from opp import services as opp_services
from opp.models import Plan, Reaction
from tests.deadlines.test_tasks_overview import TODAY, panel, pupil, start_page, text
from tests.factories import complete_version, consent_given, parent_of, portal_world, version_for_consent

AMS = zoneinfo.ZoneInfo("Europe/Amsterdam")
OCT = datetime.datetime(2026, 10, 5, 10, 0, tzinfo=AMS)


@pytest.fixture(autouse=True)
def _dutch():
    with override("nl"):
        yield


@pytest.mark.clock(OCT)
def test_each_plan_row_names_its_next_action(client, org, personas, clock, private):
    ib = personas.begeleider_a
    w = portal_world(org, personas)  # Sanne and Bram, versions 1 in overleg, due 13 October 2026
    cs.request_send(actor=ib, version=w.version_a)  # Sanne: waiting on both parents
    complete_version(w.version_b, by=ib)
    consent_given(w.version_b, by=ib)  # Bram: consent complete
    rows, _total = selectors.tasks_for(ib, OCT.date())
    by_name = {}
    for row in rows:
        by_name.setdefault(row.name, []).append(row)
    sanne = [r.label for r in by_name["Sanne Jansen"]]
    # The six-week term's row (the consent's own row appears when its reminder is due, 7 days after the request).
    assert sanne == ["Wacht op instemming van Mirjam Jansen, Pieter Jansen (0 dagen)"]
    assert [r.label for r in by_name["Bram Bakker"]] == ["Aanbieden ter vaststelling (instemming compleet)"]
    assert by_name["Bram Bakker"][0].due_on == datetime.date(2026, 10, 13)  # the deadline beside it
    html = text(panel(start_page(client, ib), "taken"))
    assert "Aanbieden ter vaststelling (instemming compleet)" in html and "OPP vaststellen (zes weken)" in html
    assert "door de ouders (Mirjam Jansen, Pieter Jansen)" in html

    # Five days later, Bram's version with the board, and a parent's reaction waiting on another pupil.
    clock.move_to(OCT + datetime.timedelta(days=5))
    adoption.submit(actor=ib, version=w.version_b)
    Reaction.objects.create(version=w.version_a, author=w.ouder_a, author_name="Mirjam Jansen", text="Vraag")
    rows, _total = selectors.tasks_for(ib, (OCT + datetime.timedelta(days=5)).date())
    labels = {(r.name, r.label) for r in rows}
    assert ("Bram Bakker", "Wacht op het bestuur (ter vaststelling aangeboden)") in labels
    assert ("Sanne Jansen", "Reactie van ouder beantwoorden") in labels


@pytest.mark.clock(OCT)
def test_the_task_list_costs_the_same_queries_for_many_plans(org, personas, clock, private):
    ib = personas.begeleider_a

    def add(n):
        for _i in range(n):
            student = pupil(org.school_a, ib, days_into_term=40)
            parent_of(student, name="Ouder Een", username=None, email="een@example.nl")
            version = version_for_consent(student, by=ib)
            complete_version(version, by=ib)
            cs.request_send(actor=ib, version=version)

    add(2)
    clock.move_to(OCT + datetime.timedelta(days=8))  # the consent rows are due (7 days after the request)
    with CaptureQueriesContext(connection) as few:
        rows_few, _ = selectors.tasks_for(ib, (OCT + datetime.timedelta(days=8)).date())
    clock.move_to(OCT)
    add(8)
    clock.move_to(OCT + datetime.timedelta(days=8))
    with CaptureQueriesContext(connection) as many:
        rows_many, _ = selectors.tasks_for(ib, (OCT + datetime.timedelta(days=8)).date())
    assert len(rows_many) > len(rows_few) >= 2
    consent_rows = [r for r in rows_many if r.kind == "instemming"]
    assert len(consent_rows) == 10
    assert all(r.label == "Wacht op instemming van Ouder Een (8 dagen)" for r in consent_rows)
    assert len(many) == len(few)


@pytest.mark.clock(datetime.datetime(2026, 11, 28, 12, 0, tzinfo=datetime.UTC))
def test_board_overview_names_a_withdrawn_plan_and_links_every_overdue_row(client, org, personas, clock):
    ib = personas.begeleider_a
    never = pupil(org.school_a, ib, days_into_term=100, first="Nina", last="Nooit")
    withdrawn = pupil(org.school_a, ib, days_into_term=100, first="Willem", last="Weg")
    plan = Plan.objects.create(student=withdrawn, created_by=ib)
    Plan.objects.filter(pk=plan.pk).update(created_at=timezone.now() - datetime.timedelta(days=90))
    plan.refresh_from_db()
    opp_services.plan_withdraw(actor=personas.bestuurder_a, plan=plan, reason="Leerling gaat naar het sbo.",
                               on_date=TODAY - datetime.timedelta(days=60))
    withdrawn.refresh_from_db()
    assert withdrawn.opp_due_on < TODAY and not withdrawn.opp_in_force  # a new term ran out after the withdrawal
    html = panel(start_page(client, personas.bestuurder_a), "bestuur")
    row = html.split(f'href="{reverse("opp:plan", args=[plan.pk])}"', 1)[1].split("</tr>", 1)[0]
    assert "OPP ingetrokken op 29 september 2026" in text(row)
    assert "nog geen OPP gestart" not in row
    # The pupil without any plan keeps saying so (the bestuurder has no pupil register to link to).
    assert "nog geen OPP gestart" in text(html) and never.opp_due_on < TODAY
