"""One next step for every plan (opp.next_step): the road behoefte → … → geëvalueerd with exactly one current
step and exactly one next action — what, who, the button only for who may do it (opp.transitions.allowed()), and
the deadline. The pure rule table-driven; the stepper on the plan, version and pupil pages with bounded queries;
the consent reminder (R-CONSENT-4); the version status after complete consent (bug 5)."""

import datetime
import re
import zoneinfo

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from notifications.models import Notification
from opp import consent_services as cs
from opp import next_step as ns
from opp import pdf
from opp.models import Consultation, Reaction
from tests.factories import StudentFactory, adopted_plan, complete_version, consent_given, ter_vaststelling

AMS = zoneinfo.ZoneInfo("Europe/Amsterdam")
NOW = datetime.datetime(2026, 9, 25, 10, 0, tzinfo=AMS)
TODAY = NOW.date()
D = datetime.date

pytestmark = pytest.mark.clock(NOW)


def facts(**kw):
    base = {"today": TODAY, "student_id": 7, "opp_required": True, "due_on": D(2026, 10, 13)}
    return ns.Facts(**{**base, **kw})


ALL = ns.Can(start=True, edit=True, to_overleg=True, record_consultation=True, ask_consent=True, submit=True,
             adopt=False, record_evaluation=True)
NOTHING = ns.Can()

PLAN = {"plan_id": 3, "plan_state": "actief", "version_id": 5, "version_number": 1}

# (id, rule, facts, expected action key, expected current step)
CASES = [
    ("no-plan", "R-TIME-1", {}, "start", "opgesteld"),
    ("concept", "R-CONTENT", {**PLAN, "version_state": "concept"}, "to_overleg", "opgesteld"),
    ("concept-incomplete", "R-CONTENT", {**PLAN, "version_state": "concept", "blocking": True}, "fill", "opgesteld"),
    ("no-consultation", "R-TIME-2", {**PLAN, "version_state": "in_overleg"}, "consult", "overleg"),
    ("one-meeting-without-agreement", "R-CONSENT-2", {**PLAN, "version_state": "in_overleg", "agreements": ("nee",)},
     "consult", "overleg"),
    ("consulted", "R-CONSENT-4", {**PLAN, "version_state": "in_overleg", "agreements": ("ja",)}, "ask_consent",
     "instemming"),
    ("consent-refused", "R-CONSENT", {**PLAN, "version_state": "in_overleg", "agreements": ("ja",),
                                      "consent": "refused"}, "consult", "instemming"),
    ("consent-stale", "R-CONSENT-5", {**PLAN, "version_state": "in_overleg", "agreements": ("ja",),
                                      "consent": "stale"}, "ask_consent", "instemming"),
    ("consent-open", "R-CONSENT-4", {**PLAN, "version_state": "instemming_gevraagd", "agreements": ("ja",),
                                     "consent": "open", "consent_request_id": 9, "waiting_for": ("Mirjam Jansen",),
                                     "consent_requested_on": D(2026, 9, 20)}, "wait_consent", "instemming"),
    ("consent-given", "R-TIME-2", {**PLAN, "version_state": "instemming_gevraagd", "agreements": ("ja",),
                                   "consent": "given"}, "submit", "aangeboden"),
    ("reaction-first", "R-CONSENT-1", {**PLAN, "version_state": "in_overleg", "agreements": ("ja",),
                                       "open_reactions": 1}, "reaction", "instemming"),
    ("submitted", "R-SET-1", {**PLAN, "version_state": "ter_vaststelling", "consent": "given"}, "wait_board",
     "vastgesteld"),
    ("adopted-not-told", "R-GPO-2", {**PLAN, "version_state": "vastgesteld", "has_adopted": True,
                                     "not_told": ("Pieter Jansen",)}, "bekendmaking", "bekendgemaakt"),
    ("evaluation-due", "R-EVAL-1", {**PLAN, "version_state": "vastgesteld", "has_adopted": True, "not_told": (),
                                    "evaluation_due": True, "evaluation_held": False,
                                    "school_year_end": D(2027, 7, 31)}, "evaluate", "geevalueerd"),
]


@pytest.mark.parametrize(("case", "rule", "given", "action", "current"), CASES, ids=[c[0] for c in CASES])
def test_one_current_step_and_one_next_action(case, rule, given, action, current):
    step = ns.decide(facts(**given), ALL)
    assert step.action is not None and step.action.key == action, rule
    assert [s.key for s in step.steps if s.current] == [current], rule
    # Every step before the current one is done, every one after it still to do.
    states = [s.state for s in step.steps]
    i = states.index(ns.CURRENT)
    assert set(states[:i]) <= {ns.DONE} and set(states[i + 1:]) <= {ns.TODO}


def test_the_waiting_step_names_the_parents_the_days_and_the_reminder_date():
    step = ns.decide(facts(**CASES[8][2]), ALL)
    a = step.action
    assert a.task_label == "Wacht op instemming van Mirjam Jansen (5 dagen)"
    assert a.who == "de ouders (Mirjam Jansen)" and a.waiting and not a.mine
    assert a.due_on == D(2026, 9, 27)  # the reminder 7 days after the request (deadlines.registry "instemming")
    assert a.remind_url == reverse("opp:consent_remind", args=[9])
    # Without the right to write plans: no reminder button either.
    assert ns.decide(facts(**CASES[8][2]), NOTHING).action.remind_url == ""


def test_consent_given_reads_as_the_task_list_says_it():
    a = ns.decide(facts(**CASES[9][2]), ALL).action
    assert a.task_label == "Aanbieden ter vaststelling (instemming compleet)"
    assert a.url == reverse("opp:submit", args=[5]) and a.post and a.who == "u"
    assert a.due_on == D(2026, 10, 13)  # the six-week term (R-TIME-1)


def test_who_without_the_right_is_named_and_gets_no_button():
    a = ns.decide(facts(**CASES[9][2]), NOTHING).action
    assert a.who == "de intern begeleider" and a.url == ""
    board = ns.decide(facts(**CASES[11][2]), NOTHING).action
    assert board.label == "Wacht op het bestuur" and board.who == "het bestuur" and board.url == ""
    adopter = ns.decide(facts(**CASES[11][2]), ns.Can(adopt=True)).action
    assert adopter.key == "adopt" and adopter.url == reverse("opp:adoption_review", args=[5]) and adopter.who == "u"


def test_an_ended_plan_has_no_next_action_and_no_current_step():
    step = ns.decide(facts(**{**PLAN, "plan_state": "ingetrokken", "ended_on": D(2026, 9, 1),
                              "version_state": "vastgesteld", "has_adopted": True}), ALL)
    assert step.action is None and step.ended == "ingetrokken" and step.current_step is None


def test_no_opp_needed_means_nothing_to_do():
    step = ns.decide(facts(opp_required=False, due_on=None), ALL)
    assert step.action is None and [s.key for s in step.steps if s.current] == ["behoefte"]


# --- On the pages ---------------------------------------------------------------------------------------------


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def stepper(html: str) -> str:
    return html.split('id="h-next-step"', 1)[1].split("</section>", 1)[0]


def primary_buttons(fragment: str) -> int:
    return len(re.findall(r'class="btn btn-primary"', fragment))


def test_plan_page_stepper_has_one_primary_button_and_the_current_step(world, personas, django_assert_max_num_queries):
    client = as_user(personas.begeleider_a)
    url = reverse("opp:plan", args=[world.version_a.plan_id])
    with django_assert_max_num_queries(60):
        html = client.get(url).content.decode()
    part = stepper(html)
    # Sanne's version 1 is in overleg with a consultation that reached partial agreement: ask consent.
    assert 'aria-current="step"' in part and "Instemming (huidige stap)" in part
    assert primary_buttons(part) == 1 and primary_buttons(html) == 1
    assert f'action="{reverse("opp:consent_request", args=[world.version_a.pk])}"' in part
    assert "uiterlijk <time datetime=\"2026-10-13\">13 oktober 2026</time>" in part


def test_plan_page_queries_do_not_grow_with_the_plans_history(world, personas, django_assert_max_num_queries):
    """A plan with many consultations and reactions costs no more queries than one with few."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = as_user(personas.begeleider_a)
    url = reverse("opp:plan", args=[world.version_a.plan_id])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(8):
        Consultation.objects.create(plan=world.version_a.plan, version=world.version_a, held_on=D(2026, 9, 1 + i),
                                    agreement="deels", created_by=personas.begeleider_a)
        Reaction.objects.create(version=world.version_a, author=world.ouder_a, author_name="Mirjam", text=f"r{i}",
                                response="ok")
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_a_leerkracht_sees_who_must_act_but_no_button(world, personas):
    html = as_user(personas.leerkracht_a).get(reverse("opp:plan", args=[world.version_a.plan_id])).content.decode()
    part = stepper(html)
    assert "Om instemming vragen" in part and "door de intern begeleider" in part
    assert primary_buttons(part) == 0


def test_version_page_shows_the_stepper(world, personas):
    html = as_user(personas.begeleider_a).get(reverse("opp:version", args=[world.version_a.pk])).content.decode()
    part = stepper(html)
    assert "Instemming (huidige stap)" in part and "Om instemming vragen" in part
    # The version page has its own button for this step: one button per action on the page.
    assert html.count(">Om instemming vragen</button>") == 1 and primary_buttons(part) == 0


def test_pupil_page_offers_to_start_the_opp_with_bounded_queries(world, personas, org, django_assert_max_num_queries):
    pupil = StudentFactory(school=org.school_a, opp_required=True, support_level="extra",
                           opp_due_on=D(2026, 10, 30))
    client = as_user(personas.begeleider_a)
    with django_assert_max_num_queries(45):
        html = client.get(reverse("students:detail", args=[pupil.pk])).content.decode()
    part = stepper(html)
    assert "OPP starten" in part and f'action="{reverse("opp:start", args=[pupil.pk])}"' in part
    assert primary_buttons(part) == 1
    assert html.count(">OPP starten</button>") == 1  # the stepper's button is the only one


def test_pupil_page_shows_the_running_plans_next_step(world, personas, django_assert_max_num_queries):
    client = as_user(personas.begeleider_a)
    with django_assert_max_num_queries(60):
        html = client.get(reverse("students:detail", args=[world.sanne.pk])).content.decode()
    assert "Om instemming vragen" in stepper(html)


# --- The consent reminder (R-CONSENT-4) ------------------------------------------------------------------------


@pytest.fixture
def asked(world, personas):
    world.req = cs.request_send(actor=personas.begeleider_a, version=world.version_a)
    return world


def test_reminder_goes_to_the_party_who_has_not_answered_once_a_day(asked, personas, clock):
    w = asked
    client = as_user(personas.begeleider_a)
    # The stepper offers it while the parents are asked.
    page = client.get(reverse("opp:plan", args=[w.version_a.plan_id])).content.decode()
    assert "Wacht op instemming van Mirjam Jansen, Pieter Jansen" in page and "Herinnering sturen" in page
    before = Notification.objects.filter(kind=cs.REMINDER_KIND).count()
    response = client.post(reverse("opp:consent_remind", args=[w.req.pk]), follow=True)
    assert "Herinnering verstuurd aan Mirjam Jansen." in response.content.decode()  # Pieter has no portal account
    sent = Notification.objects.filter(kind=cs.REMINDER_KIND)
    assert sent.count() == before + 1 and sent.get().recipient == w.ouder_a
    assert AuditEvent.objects.filter(action="update", object_type="opp.consentrequest", object_id=str(w.req.pk),
                                     details__reminder=[f"guardian:{w.moeder.pk}"]).exists()
    # A second one the same day: refused with a clear Dutch message, nothing sent.
    again = client.post(reverse("opp:consent_remind", args=[w.req.pk]), follow=True).content.decode()
    assert "kreeg vandaag al een herinnering" in again
    assert Notification.objects.filter(kind=cs.REMINDER_KIND).count() == before + 1
    # The next day it may go again.
    clock.move_to(datetime.datetime(2026, 9, 26, 9, 0, tzinfo=AMS))
    as_user(personas.begeleider_a).post(reverse("opp:consent_remind", args=[w.req.pk]))  # a new session
    assert Notification.objects.filter(kind=cs.REMINDER_KIND).count() == before + 2


def test_reminder_after_the_party_answered_goes_to_nobody(asked, personas):
    w = asked
    cs.answer_in_portal(user=w.ouder_a, request=w.req, party_kind="guardian", party_id=w.moeder.pk, answer="ja",
                        explanation="", ip=None)
    html = as_user(personas.begeleider_a).post(reverse("opp:consent_remind", args=[w.req.pk]), follow=True)
    assert "heeft geen portaalaccount" in html.content.decode()  # only Pieter (no account) is still waiting
    assert not Notification.objects.filter(kind=cs.REMINDER_KIND).exists()


def test_reminder_is_for_plan_editors_only(asked, personas):
    assert as_user(personas.leerkracht_a).post(reverse("opp:consent_remind", args=[asked.req.pk])).status_code == 403
    assert as_user(personas.begeleider_b).post(reverse("opp:consent_remind", args=[asked.req.pk])).status_code == 404


# --- Bug 5: after complete consent the version reads "Instemming gegeven" everywhere --------------------------------


def test_complete_consent_reads_instemming_gegeven_for_staff_portal_and_pdf(world, personas):
    w = world
    complete_version(w.version_a, by=personas.begeleider_a)
    consent_given(w.version_a, by=personas.begeleider_a)
    w.version_a.refresh_from_db()
    assert w.version_a.state == "instemming_gevraagd"  # stored state unchanged: the label says what it means
    assert w.version_a.status_label == "Instemming gegeven"
    staff = as_user(personas.begeleider_a).get(reverse("opp:version", args=[w.version_a.pk])).content.decode()
    header = staff.split("<h1", 1)[1].split("</div>", 1)[0]
    assert "Instemming gegeven" in header and "Instemming gevraagd" not in header
    plan_page = as_user(personas.begeleider_a).get(reverse("opp:plan", args=[w.version_a.plan_id])).content.decode()
    assert "Instemming gegeven</span>" in plan_page
    portal = as_user(w.ouder_a).get(reverse("portal:version", args=[w.version_a.pk])).content.decode()
    assert "(instemming gegeven)" in portal and "(instemming gevraagd)" not in portal
    html = pdf.render_html(w.version_a)
    assert "Versie 1 · Instemming gegeven" in html and "Versie 1 · Instemming gevraagd" not in html


def test_open_consent_still_reads_instemming_gevraagd(world, personas):
    cs.request_send(actor=personas.begeleider_a, version=world.version_a)
    world.version_a.refresh_from_db()
    assert world.version_a.status_label == "Instemming gevraagd"


def test_after_submission_the_board_is_the_one_to_act(world, personas):
    version = ter_vaststelling(world.version_a, by=personas.begeleider_a)
    part = stepper(as_user(personas.begeleider_a).get(reverse("opp:plan", args=[version.plan_id])).content.decode())
    assert "Wacht op het bestuur" in part and primary_buttons(part) == 0


def test_an_adopted_plan_asks_for_the_bekendmaking_of_parents_not_told(org, personas, clock):
    pupil = StudentFactory(school=org.school_a, opp_required=True, support_level="extra")
    from tests.factories import parent_of

    parent_of(pupil, name="Anna Smit", email="anna@example.nl")
    version = adopted_plan(pupil, by=personas.begeleider_a)
    part = stepper(as_user(personas.begeleider_a).get(reverse("opp:plan", args=[version.plan_id])).content.decode())
    assert "Bekendmaking vastleggen" in part and "nog niet aan Anna Smit" in part


# --- Findings that help: a link to the section, the rule behind a <details> -------------------------------------------


def test_findings_link_to_their_section_and_keep_the_rule_behind_details(world, personas):
    from opp import compliance

    html = as_user(personas.begeleider_a).get(reverse("opp:version", args=[world.version_a.pk])).content.decode()
    findings = html.split('id="h-findings"', 1)[1].split("</section>", 1)[0]
    anchor = f'href="{reverse("opp:version", args=[world.version_a.pk])}#sectie-handelingsdeel"'
    assert anchor in findings
    assert "<summary>Grondslag</summary>R-CONSENT-4; GPO 109493</details>" in findings
    # The sentence itself no longer carries the codes.
    sentence = findings.split(anchor, 1)[1].split("</a>", 1)[0]
    assert "R-CONSENT" not in sentence and "GPO" not in sentence
    # Consultation findings point at the plan page's consultations.
    assert compliance.Finding("no_consultation", "blocking", "x", "R-TIME-2", place="h-overleg").place == "h-overleg"


def test_only_content_gaps_hold_the_concept_back():
    from opp import compliance

    workflow = [compliance.Finding("consent_not_asked", "blocking", "x", "R-CONSENT-4"),
                compliance.Finding("no_consultation", "blocking", "x", "R-TIME-2")]
    assert not compliance.content_blocking(workflow)
    assert compliance.content_blocking([*workflow, compliance.Finding("section_incomplete:doelen", "blocking", "x",
                                                                      "R-CONTENT-6", section="doelen")])


def test_the_nav_names_what_the_check_does(world, personas):
    html = as_user(personas.begeleider_a).get(reverse("opp:verify")).content.decode()
    assert "Echtheid van een PDF controleren" in html.split("</nav>", 1)[0]
    assert "<h1 class=\"h3\">Echtheid van een PDF controleren</h1>" in html
    assert ">OPP controleren<" not in html
