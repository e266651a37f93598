"""Evaluation screens (issue 8): recording with the parents through the form, the evaluation and commission
pages, the plan page's sections, the portal (reading and reacting), the start page panels and the
overview counts.

Cast: Sanne Jansen (school A, bao; moeder ``ouder_a``), version 1 adopted on 28 November 2026 with two
handelingsdeel items (one goal contains markup); Bram Bakker (school A; vader ``ouder_b``) with his own
evaluated plan; Vera Vos (school A2, vso) with an adopted version, for the commission. Time stands still
on 15 March 2027 (school year 2026-2027) unless a test moves it.
"""

import datetime
import re
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import override

from accounts.models import Role
from audit.models import AuditEvent
from deadlines import selectors as overview
from evaluations import services
from evaluations import urls as evaluation_urls
from evaluations.models import CommissionEvaluation, Evaluation, EvaluationReaction, ItemProgress
from opp import services as opp_services
from opp.models import Plan, PlanVersion
from tests.factories import ActionItemFactory, PlanFactory, PlanVersionFactory, StudentFactory, member, parent_of

AMS = zoneinfo.ZoneInfo("Europe/Amsterdam")
NOW = datetime.datetime(2027, 3, 15, 12, 0, tzinfo=AMS)
ADOPTED_AT = datetime.datetime(2026, 11, 28, 14, 0, tzinfo=AMS)
SCRIPT = "<script>alert(1)</script>"
GOAL_1 = "Sanne leest AVI E5 vloeiend " + SCRIPT
GOAL_2 = "Sanne vraagt zelf om hulp bij rekenen"

MSG_SAVED = "De evaluatie is vastgelegd"
MSG_NOT_SAVED = "Niet opgeslagen: verbeter de gemarkeerde velden. Uw invoer is bewaard."
MSG_DECISION = "Kies een besluit."
MSG_UNKNOWN_ITEM = "Er is voortgang opgegeven voor een onderdeel dat niet in de geëvalueerde versie staat."
MSG_END_REASON = "Geef aan waarom de extra ondersteuning niet meer nodig is."
MSG_OPEN_REVISION = "Er loopt nog een bijstelling. Rond die af of trek haar in voordat u het OPP beëindigt."


pytestmark = [pytest.mark.clock(NOW), pytest.mark.usefixtures("clock")]  # every test here: time stands at NOW


@pytest.fixture(autouse=True)
def _dutch():
    with override("nl"):
        yield


def adopted_version(student, *, by, goals, at=ADOPTED_AT) -> PlanVersion:
    """A plan of `student` with version 1 adopted at `at`: items added to the concept, then frozen."""
    plan = PlanFactory(student=student, created_by=by)
    version = PlanVersionFactory(plan=plan, uitstroom_profiel="vmbo_kb")
    for n, goal in enumerate(goals, start=1):
        ActionItemFactory(version=version, position=n, goal=goal)
    PlanVersion.objects.filter(pk=version.pk, state="concept").update(
        state="vastgesteld", adopted_at=at, adopted_by=by, adopted_hash="a" * 64)
    return PlanVersion.objects.get(pk=version.pk)


def progress(version, value="behaald"):
    return {a.pk: (value, "Besproken.") for a in version.actions.order_by("position")}


def record(version, by, **data):
    values = {"held_on": datetime.date(2027, 3, 1), "parents_present": True, "pupil_present": True,
              "others_present": "Leerkracht", "pupil_view": "Lezen gaat beter.", "conclusion": "Goede voortgang.",
              "decision": "voortzetten"}
    values.update(data)
    return services.evaluation_record(actor=by, plan=version.plan, data=values, progress=progress(version))


@pytest.fixture
def w(org, personas):
    from types import SimpleNamespace

    ib = personas.begeleider_a
    sanne = StudentFactory(school=org.school_a, first_name="Sanne", last_name="Jansen", opp_required=True,
                           support_level="extra", extra_support_description="Kleine leesgroep")
    moeder = parent_of(sanne, name="Mirjam Jansen", username="ouder_a")
    version = adopted_version(sanne, by=ib, goals=[GOAL_1, GOAL_2])
    bram = StudentFactory(school=org.school_a, first_name="Bram", last_name="Bakker", opp_required=True,
                          support_level="extra", extra_support_description="Rekenen")
    vader_b = parent_of(bram, name="Bert Bakker", username="ouder_b")
    bram_version = adopted_version(bram, by=ib, goals=["Bram rekent tot 100"])
    bram_evaluation = record(bram_version, ib, conclusion="Bram-conclusie")
    begeleider_a2 = member(Role.BEGELEIDER, school=org.school_a2, username="begeleider_a2")
    leerkracht_a2 = member(Role.LEERKRACHT, school=org.school_a2, username="leerkracht_a2", groups=["4a"])
    vera = StudentFactory(school=org.school_a2, first_name="Vera", last_name="Vos", opp_required=True,
                          support_level="extra", date_of_birth=datetime.date(2011, 5, 1))
    vera_version = adopted_version(vera, by=begeleider_a2, goals=["Vera plant haar stage"])
    return SimpleNamespace(sanne=sanne, moeder=moeder, ouder_a=moeder.user, version=version, plan=version.plan,
                           bram=bram, ouder_b=vader_b.user, bram_evaluation=bram_evaluation,
                           begeleider_a2=begeleider_a2, leerkracht_a2=leerkracht_a2, vera=vera,
                           vera_version=vera_version, vera_plan=vera_version.plan)


@pytest.fixture
def evaluated(w, personas):
    """Sanne's evaluation of 1 March 2027 and a commission evaluation of Vera's plan."""
    w.evaluation = record(w.version, personas.begeleider_a, pupil_view="Sanne wil doorgaan met duolezen.",
                          conclusion="De leesdoelen zijn behaald.")
    w.commission = services.commission_record(actor=personas.commissie_a2, plan=w.vera_plan, data={
        "held_on": datetime.date(2027, 3, 2), "evaluation": "Goede vorderingen.", "report": "Verslag: op schema.",
        "advice": "geen", "advice_text": ""})
    return w


def as_user(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def html(response) -> str:
    return response.content.decode()


def text(fragment: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))


def form_data(version, **over) -> dict:
    data = {"held_on": "2027-03-10", "parents_present": "on", "others_present": "Leerkracht groep 5",
            "pupil_view": "Sanne wil doorgaan met duolezen.", "conclusion": "Getypte conclusie 4711.",
            "decision": "voortzetten", "end_reason": ""}
    for action in version.actions.order_by("position"):
        data[f"item-{action.pk}-progress"] = "behaald" if action.position == 1 else "deels"
        data[f"item-{action.pk}-note"] = f"Getypte notitie {action.position}"
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


# --- Every URL: anonymous, other school, read-only role ----------------------------------------------------


def staff_urls(w) -> dict:
    return {
        "record": reverse("evaluations:record", args=[w.plan.pk]),
        "detail": reverse("evaluations:detail", args=[w.evaluation.pk]),
        "pdf": reverse("evaluations:pdf", args=[w.evaluation.pk]),
        "commission_record": reverse("evaluations:commission_record", args=[w.vera_plan.pk]),
        "commission_detail": reverse("evaluations:commission_detail", args=[w.commission.pk]),
    }


def test_the_sweep_covers_every_evaluations_url(evaluated):
    assert {p.name for p in evaluation_urls.urlpatterns} == set(staff_urls(evaluated))


@pytest.mark.parametrize("name", ["record", "detail", "pdf", "commission_record", "commission_detail"])
def test_anonymous_goes_to_login(evaluated, name):
    url = staff_urls(evaluated)[name]
    response = as_user(None).get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", ["record", "detail", "pdf", "commission_record", "commission_detail"])
@pytest.mark.parametrize("outsider", ["begeleider_b", "bestuurder_b", "outsider", "beheerder_a", "geschillen_a"])
def test_other_schools_and_boards_get_404(evaluated, personas, name, outsider):
    url = staff_urls(evaluated)[name]
    client = as_user(getattr(personas, outsider))
    assert client.get(url).status_code == 404
    assert client.post(url, {"conclusion": "x"}).status_code in (404, 405)
    assert Evaluation.objects.count() == 2 and CommissionEvaluation.objects.count() == 1


def test_read_only_roles_get_403_on_the_record_pages_and_nothing_is_saved(evaluated, personas):
    w = evaluated
    urls = staff_urls(w)
    leerkracht = as_user(personas.leerkracht_a)
    assert leerkracht.get(urls["record"]).status_code == 403
    assert leerkracht.post(urls["record"], form_data(w.version)).status_code == 403
    # The commission's page: read-only at A2 (leerkracht), and the begeleider writes plans but is no commission.
    for user in (w.leerkracht_a2, w.begeleider_a2, personas.bestuurder_a):
        client = as_user(user)
        assert client.get(urls["commission_record"]).status_code == 403
        assert client.post(urls["commission_record"], {"held_on": "2027-03-10", "evaluation": "x", "report": "x",
                                                       "advice": "geen"}).status_code == 403
    # The commission reads A2's plans but does not record evaluations with the parents; school A it cannot see.
    assert as_user(personas.commissie_a2).get(reverse("evaluations:record", args=[w.vera_plan.pk])).status_code == 403
    assert as_user(personas.commissie_a2).get(urls["record"]).status_code == 404
    assert Evaluation.objects.count() == 2 and CommissionEvaluation.objects.count() == 1


def test_read_only_roles_see_the_detail_pages(evaluated, personas):
    w = evaluated
    urls = staff_urls(w)
    assert as_user(personas.leerkracht_a).get(urls["detail"]).status_code == 200
    assert as_user(w.leerkracht_a2).get(urls["commission_detail"]).status_code == 200
    # The bestuurder reads plans of the board's schools, so also the reports of the commission.
    assert as_user(personas.bestuurder_a).get(urls["commission_detail"]).status_code == 200
    assert as_user(personas.bestuurder_a).get(urls["detail"]).status_code == 200


def test_the_staff_pdf_is_served_to_the_school(evaluated, personas):
    response = as_user(personas.leerkracht_a).get(staff_urls(evaluated)["pdf"])
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


# --- Recording through the form -------------------------------------------------------------------------------


def test_the_form_shows_each_item_escaped_and_records_the_evaluation(w, personas):
    client = as_user(personas.begeleider_a)
    url = reverse("evaluations:record", args=[w.plan.pk])
    page = html(client.get(url))
    assert SCRIPT not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert GOAL_2 in page
    items = list(w.version.actions.order_by("position"))
    for action in items:
        assert f'name="item-{action.pk}-progress"' in page and f'for="id_item-{action.pk}-progress"' in page
    assert "Niet meer van toepassing" in page and "Beëindigen" in page

    response = client.post(url, form_data(w.version))
    assert response.status_code == 302 and response["Location"] == reverse("opp:plan", args=[w.plan.pk])
    evaluation = Evaluation.objects.get(plan=w.plan)
    assert (evaluation.held_on, evaluation.school_year, evaluation.decision) == (
        datetime.date(2027, 3, 10), "2026-2027", "voortzetten")
    assert evaluation.version == w.version and evaluation.parents_present and not evaluation.pupil_present
    assert [(p.action_id, p.progress, p.note) for p in evaluation.progress.order_by("action__position")] == [
        (items[0].pk, "behaald", "Getypte notitie 1"), (items[1].pk, "deels", "Getypte notitie 2")]
    assert AuditEvent.objects.filter(action="create", object_type="evaluations.evaluation",
                                     object_id=str(evaluation.pk)).exists()

    plan_page = html(client.get(response["Location"]))
    assert MSG_SAVED in plan_page
    assert "Dit OPP is in schooljaar 2026-2027 met de ouders geëvalueerd." in text(plan_page)
    assert reverse("evaluations:detail", args=[evaluation.pk]) in plan_page
    assert "10 maart 2027" in plan_page and "Voortzetten" in plan_page


def _assert_nothing_saved_and_typed_text_kept(w, response, message):
    assert response.status_code == 200
    page = html(response)
    assert message in page
    assert MSG_NOT_SAVED in page
    assert "Getypte conclusie 4711." in page and "Getypte notitie 2" in page and "Leerkracht groep 5" in page
    assert not Evaluation.objects.filter(plan=w.plan).exists()
    assert Plan.objects.get(pk=w.plan.pk).state == "actief"


def test_no_decision_keeps_the_typed_text(w, personas):
    response = as_user(personas.begeleider_a).post(reverse("evaluations:record", args=[w.plan.pk]),
                                                   form_data(w.version, decision=None))
    _assert_nothing_saved_and_typed_text_kept(w, response, MSG_DECISION)


def test_progress_for_an_item_not_in_the_version_reaches_the_service_and_is_refused(w, personas):
    foreign = w.bram_evaluation.version.actions.get()
    data = form_data(w.version, **{f"item-{foreign.pk}-progress": "behaald", f"item-{foreign.pk}-note": "Vreemd"})
    response = as_user(personas.begeleider_a).post(reverse("evaluations:record", args=[w.plan.pk]), data)
    _assert_nothing_saved_and_typed_text_kept(w, response, MSG_UNKNOWN_ITEM)
    assert not ItemProgress.objects.filter(evaluation__plan=w.plan).exists()


def test_an_item_without_progress_is_marked(w, personas):
    first = w.version.actions.order_by("position").first()
    response = as_user(personas.begeleider_a).post(reverse("evaluations:record", args=[w.plan.pk]),
                                                   form_data(w.version, **{f"item-{first.pk}-progress": ""}))
    _assert_nothing_saved_and_typed_text_kept(w, response, "Kies de voortgang op dit onderdeel.")


def test_a_bad_date_keeps_the_typed_text(w, personas):
    response = as_user(personas.begeleider_a).post(reverse("evaluations:record", args=[w.plan.pk]),
                                                   form_data(w.version, held_on="31-02-2027"))
    _assert_nothing_saved_and_typed_text_kept(w, response, "Vul een geldige datum in (dd-mm-jjjj).")


def test_a_date_in_the_future_is_refused_by_the_service(w, personas):
    response = as_user(personas.begeleider_a).post(reverse("evaluations:record", args=[w.plan.pk]),
                                                   form_data(w.version, held_on="2027-03-16"))
    _assert_nothing_saved_and_typed_text_kept(w, response, "Een evaluatie in de toekomst kan nog niet worden vastgelegd.")


def test_ending_without_a_reason_is_refused(w, personas):
    response = as_user(personas.begeleider_a).post(reverse("evaluations:record", args=[w.plan.pk]),
                                                   form_data(w.version, decision="beeindigen"))
    _assert_nothing_saved_and_typed_text_kept(w, response, MSG_END_REASON)


def test_ending_with_an_open_revision_is_refused(w, personas):
    revision = opp_services.revision_start(actor=personas.begeleider_a, plan=w.plan)
    client = as_user(personas.begeleider_a)
    url = reverse("evaluations:record", args=[w.plan.pk])
    assert "Er loopt al een bijstelling (versie 2)" in text(html(client.get(url)))
    response = client.post(url, form_data(w.version, decision="beeindigen", end_reason="Getypte reden 99"))
    _assert_nothing_saved_and_typed_text_kept(w, response, MSG_OPEN_REVISION)
    assert "Getypte reden 99" in html(response)
    assert PlanVersion.objects.get(pk=revision.pk).state == "concept"


def test_decision_bijstellen_starts_a_revision_and_opens_it(w, personas):
    client = as_user(personas.begeleider_a)
    response = client.post(reverse("evaluations:record", args=[w.plan.pk]), form_data(w.version, decision="bijstellen"))
    revision = w.plan.versions.get(number=2)
    assert (revision.state, revision.based_on_id) == ("concept", w.version.pk)
    assert response.status_code == 302 and response["Location"] == reverse("opp:version", args=[revision.pk])
    assert list(revision.actions.order_by("position").values_list("goal", flat=True)) == [GOAL_1, GOAL_2]
    editor = html(client.get(response["Location"]))
    assert "de bijstelling is gestart als versie 2" in editor
    assert Evaluation.objects.get(plan=w.plan).decision == "bijstellen"


def test_decision_beeindigen_ends_the_plan(w, personas):
    client = as_user(personas.begeleider_a)
    response = client.post(reverse("evaluations:record", args=[w.plan.pk]),
                           form_data(w.version, decision="beeindigen", end_reason="Geen extra ondersteuning meer nodig."))
    assert response.status_code == 302 and response["Location"] == reverse("opp:plan", args=[w.plan.pk])
    plan = Plan.objects.get(pk=w.plan.pk)
    assert (plan.state, plan.ended_on, plan.end_reason, plan.ended_by) == (
        "beeindigd", datetime.date(2027, 3, 10), "Geen extra ondersteuning meer nodig.", personas.begeleider_a)
    page = html(client.get(response["Location"]))
    assert "het OPP is beëindigd" in page and "Beëindigd" in page
    # The plan has ended: no more evaluations and no button.
    assert reverse("evaluations:record", args=[plan.pk]) not in page
    again = client.post(reverse("evaluations:record", args=[plan.pk]), form_data(w.version))
    assert again.status_code == 200 and "Dit OPP is beëindigd of ingetrokken" in html(again)
    assert Evaluation.objects.filter(plan=plan).count() == 1


def test_a_plan_without_an_adopted_version_says_so_and_shows_no_form(org, personas):
    student = StudentFactory(school=org.school_a, opp_required=True, support_level="extra")
    plan = PlanFactory(student=student, created_by=personas.begeleider_a)
    PlanVersionFactory(plan=plan, with_actions=1)
    client = as_user(personas.begeleider_a)
    url = reverse("evaluations:record", args=[plan.pk])
    page = html(client.get(url))
    assert "Dit OPP heeft nog geen vastgestelde versie: er is nog niets te evalueren." in page
    assert "<form method=\"post\" novalidate>" not in page
    assert client.post(url, {"held_on": "2027-03-10", "conclusion": "x", "decision": "voortzetten"}).status_code == 200
    assert not Evaluation.objects.exists()
    plan_page = html(client.get(reverse("opp:plan", args=[plan.pk])))
    assert url not in plan_page and "nog niets te evalueren" in plan_page


# --- The plan page ------------------------------------------------------------------------------------------


def test_the_plan_page_shows_status_history_and_the_button_only_to_writers(w, personas):
    url = reverse("opp:plan", args=[w.plan.pk])
    record_url = reverse("evaluations:record", args=[w.plan.pk])
    page = html(as_user(personas.begeleider_a).get(url))
    assert "Evaluaties" in page and record_url in page
    assert "Dit OPP moet in schooljaar 2026-2027 nog met de ouders worden geëvalueerd" in text(page)
    assert "Nog geen evaluaties vastgelegd." in page
    assert "Evaluaties door de commissie" not in page  # bao: no commission
    assert record_url not in html(as_user(personas.leerkracht_a).get(url))

    evaluation = record(w.version, personas.begeleider_a, decision="bijstellen", held_on=datetime.date(2027, 3, 1))
    page = html(as_user(personas.leerkracht_a).get(url))
    detail = reverse("evaluations:detail", args=[evaluation.pk])
    row = re.search(rf'<tr><th scope="row"><a href="{detail}">.*?</tr>', page, re.S).group(0)
    assert "1 maart 2027" in row and "Versie 1" in row and "2026-2027" in row and "Bijstellen" in row
    # A revision is open: the button stays (continuing is possible), the history names the evaluated version.
    assert record_url in html(as_user(personas.begeleider_a).get(url))


def test_a_plan_first_set_after_1_may_is_first_due_next_year(org, personas):
    student = StudentFactory(school=org.school_a, opp_required=True, support_level="extra")
    version = adopted_version(student, by=personas.begeleider_a, goals=["Doel"],
                              at=datetime.datetime(2026, 5, 10, 10, tzinfo=AMS))
    with time_machine.travel(datetime.datetime(2026, 6, 1, 12, tzinfo=AMS), tick=False):
        page = text(html(as_user(personas.begeleider_a).get(reverse("opp:plan", args=[version.plan_id]))))
    assert "de eerste evaluatie met de ouders is in het schooljaar na 2025-2026" in page


def test_the_vso_plan_page_has_the_commission_section_and_its_button_for_the_commission(evaluated, personas):
    w = evaluated
    url = reverse("opp:plan", args=[w.vera_plan.pk])
    button = reverse("evaluations:commission_record", args=[w.vera_plan.pk])
    page = html(as_user(personas.commissie_a2).get(url))
    assert "Evaluaties door de commissie" in page and button in page
    assert "De commissie heeft dit OPP in schooljaar 2026-2027 geëvalueerd." in text(page)
    assert reverse("evaluations:commission_detail", args=[w.commission.pk]) in page
    begeleider = html(as_user(w.begeleider_a2).get(url))
    assert "Evaluaties door de commissie" in begeleider and button not in begeleider


# --- The evaluation page ----------------------------------------------------------------------------------------


def test_the_detail_page_shows_everything_and_is_audited(evaluated, personas):
    w = evaluated
    EvaluationReaction.objects.create(evaluation=w.evaluation, author=w.ouder_a, author_name="Mirjam Jansen",
                                      text="Wij zijn blij " + SCRIPT)
    response = as_user(personas.leerkracht_a).get(reverse("evaluations:detail", args=[w.evaluation.pk]))
    page = html(response)
    body = text(page)
    assert "1 maart 2027" in body and "Versie 1" in body and "ouders/verzorgers" in body and "Leerkracht" in body
    assert "Sanne leest AVI E5 vloeiend" in page and SCRIPT not in page and GOAL_2 in page
    assert "Behaald" in page and "Sanne wil doorgaan met duolezen." in page and "De leesdoelen zijn behaald." in page
    assert "Voortzetten" in page
    assert "Mirjam Jansen" in page and "Wij zijn blij &lt;script&gt;" in page
    assert reverse("evaluations:pdf", args=[w.evaluation.pk]) in page
    assert '<th scope="col">' in page and "<caption" in page
    assert AuditEvent.objects.filter(actor=personas.leerkracht_a, action="view", object_type="evaluations.evaluation",
                                     object_id=str(w.evaluation.pk)).count() == 1


def test_the_commission_detail_is_audited(evaluated, personas):
    w = evaluated
    page = html(as_user(personas.bestuurder_a).get(reverse("evaluations:commission_detail", args=[w.commission.pk])))
    assert "Goede vorderingen." in page and "Verslag: op schema." in page and "Geen wijziging nodig" in page
    assert AuditEvent.objects.filter(actor=personas.bestuurder_a, action="view",
                                     object_type="evaluations.commissionevaluation",
                                     object_id=str(w.commission.pk)).exists()


# --- The commission ----------------------------------------------------------------------------------------


def _panel(page: str, panel_id: str) -> str:
    match = re.search(rf'<section[^>]*aria-labelledby="panel-{panel_id}".*?</section>', page, re.S)
    return match.group(0) if match else ""


def test_the_commission_records_and_the_bestuurder_sees_the_report(w, personas):
    commissie = as_user(personas.commissie_a2)
    record_url = reverse("evaluations:commission_record", args=[w.vera_plan.pk])
    start = _panel(html(commissie.get(reverse("staff_start"))), "commissie")
    assert "Vera Vos" in start and record_url in start and "schooljaar 2026-2027" in start

    bad = commissie.post(record_url, {"held_on": "2027-03-12", "evaluation": "Getypte evaluatie 31", "report": "",
                                      "advice": ""})
    assert bad.status_code == 200 and "Kies een advies." in html(bad) and "Getypte evaluatie 31" in html(bad)
    assert not CommissionEvaluation.objects.exists()

    response = commissie.post(record_url, {"held_on": "2027-03-12", "evaluation": "Goede vorderingen.",
                                           "report": "Verslag aan het bestuur.", "advice": "terugplaatsing_vo",
                                           "advice_text": "Terugplaatsing is haalbaar."})
    assert response.status_code == 302 and response["Location"] == reverse("opp:plan", args=[w.vera_plan.pk])
    row = CommissionEvaluation.objects.get()
    assert (row.plan, row.held_on, row.school_year, row.advice, row.created_by) == (
        w.vera_plan, datetime.date(2027, 3, 12), "2026-2027", "terugplaatsing_vo", personas.commissie_a2)
    assert "Vera Vos" not in _panel(html(commissie.get(reverse("staff_start"))), "commissie")

    board = _panel(html(as_user(personas.bestuurder_a).get(reverse("staff_start"))), "commissieverslagen")
    assert "Verslagen van de commissie" in board
    body = text(board)
    assert "12 maart 2027" in body and "School A2 (vso)" in body and "V.V." in body
    assert "Terugplaatsing naar het regulier voortgezet onderwijs (vo)" in body
    assert "basisonderwijs" not in body  # Vera is in the vso: never "terug naar het basisonderwijs" (R-EVAL-3)
    assert "Vera" not in body  # initials only on the board's start page
    assert reverse("evaluations:commission_detail", args=[row.pk]) in board
    other = _panel(html(as_user(personas.bestuurder_b).get(reverse("staff_start"))), "commissieverslagen")
    assert "V.V." not in other and "nog geen evaluaties" in other


def test_the_commission_page_for_a_regular_plan_says_it_does_not_apply(org, personas):
    school = org.school_a2
    school.onderwijssoorten = ["vso", "vo"]
    school.save()
    student = StudentFactory(school=school, onderwijssoort="vo", opp_required=True, support_level="extra")
    version = adopted_version(student, by=personas.commissie_a2, goals=["Doel"])
    page = html(as_user(personas.commissie_a2).get(reverse("evaluations:commission_record", args=[version.plan_id])))
    assert "Alleen een OPP in het (v)so heeft een evaluatie door de commissie" in page
    assert "<form method=\"post\" novalidate>" not in page


# --- The parent portal -----------------------------------------------------------------------------------------


def test_the_parent_sees_the_evaluation_and_reacts(evaluated):
    w = evaluated
    parent = as_user(w.ouder_a)
    child_url = reverse("portal:child", args=[w.sanne.pk])
    page = html(parent.get(child_url))
    body = text(page)
    assert "Evaluaties van het OPP" in page and "Evaluatie van 1 maart 2027" in body
    assert "Sanne leest AVI E5 vloeiend" in page and SCRIPT not in page and "Behaald" in page
    assert "Sanne wil doorgaan met duolezen." in page and "De leesdoelen zijn behaald." in page
    assert "Voortzetten" in page
    assert reverse("portal:evaluation_pdf", args=[w.evaluation.pk]) in page
    react_url = reverse("portal:evaluation_react", args=[w.evaluation.pk])
    assert react_url in page
    assert "Bram-conclusie" not in page

    empty = parent.post(react_url, {"text": "   "})
    assert empty.status_code == 200 and "Schrijf uw reactie." in html(empty)
    assert not EvaluationReaction.objects.exists()

    response = parent.post(react_url, {"text": "Wij zijn blij met de vooruitgang."})
    assert response.status_code == 302 and response["Location"].startswith(child_url)
    reaction = EvaluationReaction.objects.get()
    assert (reaction.evaluation, reaction.author, reaction.author_name) == (w.evaluation, w.ouder_a, "Mirjam Jansen")
    page = html(parent.get(child_url))
    assert "Uw reactie op de evaluatie is naar de school gestuurd." in page
    assert "Wij zijn blij met de vooruitgang." in page
    staff = html(as_user(w.bram_evaluation.created_by).get(reverse("evaluations:detail", args=[w.evaluation.pk])))
    assert "Mirjam Jansen" in staff and "Wij zijn blij met de vooruitgang." in staff


def test_a_too_long_reaction_keeps_the_text(evaluated):
    w = evaluated
    long = "lang " * 1001
    response = as_user(w.ouder_a).post(reverse("portal:evaluation_react", args=[w.evaluation.pk]), {"text": long})
    assert response.status_code == 200 and "te lang" in html(response) and long.strip() in html(response)
    assert not EvaluationReaction.objects.exists()


@pytest.mark.parametrize("name", ["evaluation_react", "evaluation_pdf"])
def test_the_parent_of_another_pupil_gets_404(evaluated, name):
    w = evaluated
    url = reverse(f"portal:{name}", args=[w.evaluation.pk])
    client = as_user(w.ouder_b)
    response = client.post(url, {"text": "Ingebroken"}) if name == "evaluation_react" else client.get(url)
    assert response.status_code == 404
    assert not EvaluationReaction.objects.exists()
    own = reverse(f"portal:{name}", args=[w.bram_evaluation.pk])
    assert (client.post(own, {"text": "Eigen reactie"}) if name == "evaluation_react" else client.get(own)).status_code in (200, 302)


def test_parents_of_an_adult_pupil_who_consents_alone_see_no_evaluation(w, org):
    """R-TIME-4: Vera (19, handelingsbekwaam) consents in her own name and did not let her parents be informed."""
    from students.models import Student

    Student.objects.filter(pk=w.vera.pk).update(date_of_birth=datetime.date(2007, 5, 1), handelingsbekwaam=True,
                                                consent_party="leerling", parents_informed=False)
    vader = parent_of(w.vera, name="Victor Vos", username="ouder_v").user
    evaluation = record(w.vera_version, w.begeleider_a2, conclusion="Vera-conclusie")
    client = as_user(vader)
    assert client.post(reverse("portal:evaluation_react", args=[evaluation.pk]), {"text": "x"}).status_code == 404
    assert client.get(reverse("portal:evaluation_pdf", args=[evaluation.pk])).status_code == 404
    assert not EvaluationReaction.objects.exists()


@pytest.mark.parametrize("name", ["evaluation_react", "evaluation_pdf"])
def test_anonymous_portal_visitors_go_to_login(evaluated, name):
    response = as_user(None).get(reverse(f"portal:{name}", args=[evaluated.evaluation.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# --- Overviews -----------------------------------------------------------------------------------------------


JULY = datetime.datetime(2027, 7, 2, 12, 0, tzinfo=AMS)


def _plan(school, by, *, adopted_at=ADOPTED_AT, evaluated_on=None, state="actief", left_on=None, concept=False):
    student = StudentFactory(school=school, opp_required=True, support_level="extra", left_on=left_on)
    if concept:
        plan = PlanFactory(student=student, created_by=by)
        PlanVersionFactory(plan=plan)
        return plan
    version = adopted_version(student, by=by, goals=["Doel"], at=adopted_at)
    if evaluated_on:
        Evaluation.objects.create(plan=version.plan, version=version, school_year="x", held_on=evaluated_on,
                                  conclusion="c", decision="voortzetten", created_by=by)
    if state != "actief":
        Plan.objects.filter(pk=version.plan_id).update(state=state, ended_on=datetime.date(2027, 3, 1), end_reason="r")
    return version.plan


@pytest.fixture
def mix(org, personas):
    ib = personas.begeleider_a
    _plan(org.school_a, ib, evaluated_on=datetime.date(2027, 3, 10))  # due, held
    _plan(org.school_a, ib, adopted_at=datetime.datetime(2025, 10, 1, 9, tzinfo=AMS),
          evaluated_on=datetime.date(2026, 3, 1))  # due; held last school year only
    _plan(org.school_a, ib, adopted_at=datetime.datetime(2027, 5, 10, 9, tzinfo=AMS))  # set after 1 May: not due
    _plan(org.school_a, ib, concept=True)  # nothing adopted
    _plan(org.school_a, ib, state="beeindigd")  # ended
    _plan(org.school_a, ib, left_on=datetime.date(2027, 6, 1))  # the pupil left
    _plan(org.school_a2, ib, adopted_at=datetime.datetime(2026, 10, 1, 9, tzinfo=AMS))  # vso: due, not held
    _plan(org.school_b, personas.begeleider_b)  # another board


def test_the_overviews_count_evaluations_due_held_and_overdue(mix, personas, client):
    march = overview.school_overview(personas.schoolleider_a, NOW.date())
    # In March the pupil who leaves on 1 June is still enrolled; nothing is overdue before 1 July.
    assert march["schools"][0].evaluations == {"due": 3, "held": 1, "overdue": 0}
    assert march["school_year"] == "2026-2027" and march["evaluation_overdue_from"] == datetime.date(2027, 7, 1)

    july = JULY.date()
    [school] = overview.school_overview(personas.schoolleider_a, july)["schools"]
    assert school.evaluations == {"due": 2, "held": 1, "overdue": 1}
    board = overview.board_overview(personas.bestuurder_a, july)
    assert [(r.school_name, r.evaluations) for r in board["schools"]] == [
        ("School A", {"due": 2, "held": 1, "overdue": 1}), ("School A2 (vso)", {"due": 1, "held": 0, "overdue": 1})]
    assert board["totals"].evaluations == {"due": 3, "held": 1, "overdue": 2}
    [b] = overview.board_overview(personas.bestuurder_b, july)["schools"]
    assert b.evaluations == {"due": 1, "held": 0, "overdue": 1}

    with time_machine.travel(JULY, tick=False):
        client.force_login(personas.schoolleider_a)
        school_panel = _panel(html(client.get(reverse("staff_start"))), "school")
        client.force_login(personas.bestuurder_a)
        board_panel = _panel(html(client.get(reverse("staff_start"))), "bestuur")
    assert re.findall(r'<td class="text-end evaluation-count">(\d+)</td>', school_panel) == ["2", "1", "1"]
    assert "Evaluaties met de ouders in schooljaar 2026-2027" in text(school_panel)
    assert "vanaf 1 juli 2027" in text(school_panel)
    assert re.findall(r'<td class="text-end evaluation-count">(\d+)</td>', board_panel) == [
        "2", "1", "1", "1", "0", "1", "3", "1", "2"]


def _populate(org, personas, n):
    ib = personas.begeleider_a
    for i in range(n):
        school = org.school_a2 if i % 2 else org.school_a
        plan = _plan(school, ib, evaluated_on=datetime.date(2027, 3, 1) if i % 3 == 0 else None)
        if school == org.school_a2 and i % 4 == 1:
            CommissionEvaluation.objects.create(plan=plan, school_year="2026-2027", held_on=datetime.date(2027, 3, 2),
                                                evaluation="e", report="r", advice="geen",
                                                created_by=personas.commissie_a2)


@pytest.mark.parametrize("persona", ["schoolleider_a", "bestuurder_a", "commissie_a2"])
def test_start_page_query_count_does_not_grow_with_plans(org, personas, client, persona):
    client.force_login(getattr(personas, persona))
    _populate(org, personas, 5)
    with CaptureQueriesContext(connection) as five:
        small = client.get(reverse("staff_start"))
    _populate(org, personas, 45)
    with CaptureQueriesContext(connection) as fifty:
        large = client.get(reverse("staff_start"))
    assert small.status_code == large.status_code == 200
    assert Plan.objects.count() == 50
    assert len(fifty) == len(five), [q["sql"] for q in fifty.captured_queries]
    page = html(large)
    if persona == "bestuurder_a":
        assert len(re.findall(r"/evaluaties/commissie/\d+/", _panel(page, "commissieverslagen"))) == 12
    if persona == "commissie_a2":
        assert "OPP's in het (v)so zonder evaluatie door de commissie" in text(_panel(page, "commissie"))


@pytest.mark.parametrize("func", ["school_overview", "board_overview"])
def test_the_overview_selectors_run_a_fixed_number_of_queries(org, personas, func):
    user = personas.schoolleider_a if func == "school_overview" else personas.bestuurder_a
    _populate(org, personas, 5)
    user = type(user).objects.get(pk=user.pk)
    with CaptureQueriesContext(connection) as five:
        small = getattr(overview, func)(user, NOW.date())
    _populate(org, personas, 45)
    user = type(user).objects.get(pk=user.pk)
    with CaptureQueriesContext(connection) as fifty:
        large = getattr(overview, func)(user, NOW.date())
    assert len(fifty) == len(five)
    # School A has the even i of 0..4 and 0..44 (3 + 23 plans), held where i % 6 == 0 (1 + 8); school A2 the odd
    # ones; held overall where i % 3 == 0 (2 + 15).
    due, held = (26, 9) if func == "school_overview" else (50, 17)
    assert sum(r.evaluations["due"] for r in large["schools"]) == due
    assert sum(r.evaluations["held"] for r in large["schools"]) == held
    assert sum(r.evaluations["due"] for r in small["schools"]) == (3 if func == "school_overview" else 5)
