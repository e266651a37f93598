"""Which evaluation counts as the yearly evaluation with the parents (R-EVAL-1), and the pupil's view at every
evaluation (R-CONTENT-10, hoorrecht since 1-8-2025). Issue 15, point 5.

Cast: Jan Kok (school A, bao, 9 years old) with a plan first set on 28 September 2026, so due in school year
2026-2027: without a counting evaluation the begeleider is reminded from 1 April 2027 (121 days before 31 July).
"""

import datetime
import itertools
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils.translation import override

from audit.models import AuditEvent
from deadlines import selectors as overview
from deadlines import services as deadline_services
from deadlines.models import Reminder
from evaluations import pdf as evaluation_pdf
from evaluations import rules, selectors, services
from evaluations.models import Evaluation
from evaluations.rules import YearlyHow
from opp import selectors as opp_selectors
from opp.models import PlanVersion
from tests.evaluations.test_pdf import flat, text_of
from tests.factories import StudentFactory, adopted_plan, evaluation_data, progress_for

D = datetime.date
AMS = zoneinfo.ZoneInfo("Europe/Amsterdam")
ADOPTED_AT = datetime.datetime(2026, 9, 28, 14, 0, tzinfo=AMS)
HELD_ON = D(2027, 3, 10)
INVITED_ON = D(2027, 3, 3)
REASON = "Moeder was ziek; vader kon niet vrij krijgen van zijn werk."

MSG_PUPIL_VIEW = ("Leg de mening van de leerling vast (hoorrecht, R-CONTENT-10). "
                  "Kon de leerling die niet geven, schrijf dan waarom.")
MSG_NOT_COUNTED = "Let op: deze evaluatie telt niet als de jaarlijkse evaluatie met de ouders (R-EVAL-1)."
MSG_WITHOUT_PARENTS = ("De evaluatie van schooljaar 2026-2027 is gehouden zonder de ouders (wel uitgenodigd). "
                       "Bespreek de evaluatie alsnog met de ouders als dat kan.")

WITH_PARENTS = {"parents_present": True}
INVITED = {"parents_present": False, "parents_invited_on": INVITED_ON, "parents_absence_reason": REASON}
NOT_RECORDED = {"parents_present": False}


def at(d: datetime.date, hour: int = 6):
    return time_machine.travel(datetime.datetime(d.year, d.month, d.day, hour, 0, tzinfo=AMS), tick=False)


@pytest.fixture
def jan(org):
    return StudentFactory(school=org.school_a, first_name="Jan", last_name="Kok", date_of_birth=D(2017, 6, 1),
                          opp_required=True, support_level="extra", extra_support_description="Leesbegeleiding")


@pytest.fixture
def plan(jan, personas):
    return adopted_plan(jan, by=personas.begeleider_a, at=ADOPTED_AT)


def evaluate(actor, version, held_on=HELD_ON, *, today=None, **data):
    with at(today or held_on or HELD_ON, hour=15):
        return services.evaluation_record(actor=actor, plan=version.plan, data=evaluation_data(held_on, **data),
                                          progress=progress_for(version))


def refused(actor, version, *, field, held_on=HELD_ON, today=None, **data) -> str:
    before = Evaluation.objects.count()
    with pytest.raises(ValidationError) as exc:
        evaluate(actor, version, held_on, today=today, **data)
    assert Evaluation.objects.count() == before
    return " ".join(exc.value.message_dict[field])


def reminders(version) -> list[Reminder]:
    return list(Reminder.objects.filter(kind="evaluatie", subject_type="opp.plan", subject_id=str(version.plan_id)))


def sweep(d: datetime.date):
    with at(d):
        result = deadline_services.sweep(today=d)
    assert result.errors == []


def findings(version, today):
    version = PlanVersion.objects.get(pk=version.pk)
    with at(today, hour=12):
        return {f.code: f for f in opp_selectors.findings_for(version, today=today)}


# --- The rule, pure (R-EVAL-1) ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("present", "invited_on", "reason", "how"), [
    (True, None, "", YearlyHow.WITH_PARENTS),  # the parents took part
    (True, INVITED_ON, REASON, YearlyHow.WITH_PARENTS),  # with the parents an invitation changes nothing
    (False, INVITED_ON, REASON, YearlyHow.INVITED_NOT_CAME),  # invited, did not come, reason recorded
    (False, None, "", YearlyHow.NOT_COUNTED),  # nothing recorded
    (False, INVITED_ON, "", YearlyHow.NOT_COUNTED),  # invited, but no reason
    (False, INVITED_ON, "   ", YearlyHow.NOT_COUNTED),  # spaces are no reason
    (False, None, REASON, YearlyHow.NOT_COUNTED),  # a reason, but never invited
])
def test_r_eval_1_counts_with_the_parents_or_when_invited_and_the_reason_is_recorded(present, invited_on, reason, how):
    kwargs = {"parents_present": present, "parents_invited_on": invited_on, "parents_absence_reason": reason}
    assert rules.yearly_how(**kwargs) is how
    assert rules.counts_as_yearly(**kwargs) is (how is not YearlyHow.NOT_COUNTED)


COMBINATIONS = list(itertools.product((True, False), (None, INVITED_ON), ("", "   ", REASON)))


def test_the_database_filter_agrees_with_the_rule_on_every_combination(plan, personas):
    """Evaluation.objects.counting() (the deadline counter, the plan page, the overviews) is rules.counts_as_yearly."""
    rows = {}
    for present, invited_on, reason in COMBINATIONS:
        row = Evaluation.objects.create(plan=plan.plan, version=plan, school_year="2026-2027", held_on=HELD_ON,
                                        parents_present=present, parents_invited_on=invited_on,
                                        parents_absence_reason=reason, pupil_view="v", conclusion="c",
                                        decision="voortzetten", created_by=personas.begeleider_a)
        rows[row.pk] = rules.counts_as_yearly(parents_present=present, parents_invited_on=invited_on,
                                              parents_absence_reason=reason)
    counted = set(Evaluation.objects.counting().values_list("pk", flat=True))
    assert counted == {pk for pk, counts in rows.items() if counts}
    assert 0 < len(counted) < len(rows)  # both outcomes are exercised
    for row in Evaluation.objects.all():
        assert row.counts_as_yearly is rows[row.pk]


def test_an_old_evaluation_without_the_parents_no_longer_counts(plan, personas):
    """A row from before the migration: parents_present=False and the new fields empty. It stays, it does not count."""
    old = Evaluation.objects.create(plan=plan.plan, version=plan, school_year="2026-2027", held_on=HELD_ON,
                                    parents_present=False, conclusion="c", decision="voortzetten",
                                    created_by=personas.begeleider_a)
    assert (old.parents_invited_on, old.parents_absence_reason) == (None, "")
    assert selectors.evaluated_plan_ids([plan.plan_id], D(2026, 8, 1), D(2027, 7, 31)) == set()
    assert Evaluation.objects.filter(pk=old.pk).exists()


# --- Through the service: the reminder, the plan's status and the finding (R-EVAL-1) ------------------------------


@pytest.mark.parametrize(("case", "data", "counts", "without_parents"), [
    ("with the parents", WITH_PARENTS, True, False),
    ("invited, did not come", INVITED, True, True),
    ("without the parents, nothing recorded", NOT_RECORDED, False, False),
])
def test_r_eval_1_which_evaluation_stops_the_yearly_reminder(plan, personas, case, data, counts, without_parents):
    evaluation = evaluate(personas.begeleider_a, plan, **data)
    assert Evaluation.objects.filter(pk=evaluation.pk).exists()  # always saved: it was a real meeting

    # The yearly reminder (1 April) comes only when nothing counted.
    sweep(D(2027, 4, 1))
    assert [(r.step, r.period) for r in reminders(plan)] == ([] if counts else [("-121", "2026-2027")])
    assert selectors.evaluated_plan_ids([plan.plan_id], D(2026, 8, 1), D(2027, 7, 31)) == (
        {plan.plan_id} if counts else set())

    status = selectors.status_for(plan.plan, D(2027, 4, 1))
    assert (status["held"], status["held_without_parents"]) == (counts, without_parents)

    found = findings(plan, D(2027, 4, 1))
    assert ("no_evaluation_this_year" in found) is not counts
    assert ("evaluation_without_parents" in found) is without_parents
    if without_parents:
        finding = found["evaluation_without_parents"]
        assert (finding.rule, finding.blocking, finding.message) == ("R-EVAL-1", False, MSG_WITHOUT_PARENTS)


def test_a_later_evaluation_with_the_parents_clears_the_warning(plan, personas):
    evaluate(personas.begeleider_a, plan, D(2027, 3, 10), **INVITED)
    assert "evaluation_without_parents" in findings(plan, D(2027, 3, 11))
    evaluate(personas.begeleider_a, plan, D(2027, 4, 20), **WITH_PARENTS)
    found = findings(plan, D(2027, 4, 21))
    assert not {"evaluation_without_parents", "no_evaluation_this_year"} & set(found)


def test_the_school_overview_counts_only_evaluations_that_count(plan, personas, org):
    other = adopted_plan(StudentFactory(school=org.school_a, opp_required=True, support_level="extra"),
                         by=personas.begeleider_a, at=ADOPTED_AT)
    evaluate(personas.begeleider_a, plan, **INVITED)
    evaluate(personas.begeleider_a, other, **NOT_RECORDED)
    [school] = overview.school_overview(personas.schoolleider_a, D(2027, 7, 2))["schools"]
    assert school.evaluations == {"due": 2, "held": 1, "overdue": 1}


def test_the_service_stores_the_invitation_and_audits_whether_it_counts_never_why(plan, personas):
    evaluation = Evaluation.objects.get(pk=evaluate(personas.begeleider_a, plan, **INVITED).pk)
    assert (evaluation.parents_present, evaluation.parents_invited_on, evaluation.parents_absence_reason) == (
        False, INVITED_ON, REASON)
    audit = AuditEvent.objects.get(object_type="evaluations.evaluation", object_id=str(evaluation.pk), action="create")
    assert audit.details == {"decision": "voortzetten", "yearly": "uitgenodigd_niet_gekomen"}
    assert "ziek" not in str(audit.details)


def test_with_the_parents_present_a_typed_invitation_is_dropped(plan, personas):
    evaluation = evaluate(personas.begeleider_a, plan, parents_present=True, parents_invited_on=D(2027, 3, 20),
                          parents_absence_reason="Per ongeluk ingevuld")
    evaluation = Evaluation.objects.get(pk=evaluation.pk)
    assert (evaluation.parents_invited_on, evaluation.parents_absence_reason) == (None, "")
    assert evaluation.yearly_how is YearlyHow.WITH_PARENTS


# --- Bad input: per-field Dutch messages, nothing saved ---------------------------------------------------------


def test_an_invitation_after_the_evaluation_is_refused(plan, personas):
    # Recorded on 15 March, for the evaluation of 10 March: an invitation of 11 March is not for this evaluation.
    message = refused(personas.begeleider_a, plan, field="parents_invited_on", today=D(2027, 3, 15), **{
        **INVITED, "parents_invited_on": D(2027, 3, 11)})
    assert message == ("De ouders zijn uitgenodigd na de evaluatie. "
                       "Vul de datum in waarop ze voor deze evaluatie zijn uitgenodigd.")
    # The day of the evaluation itself is fine.
    evaluation = evaluate(personas.begeleider_a, plan, today=D(2027, 3, 15), **{**INVITED, "parents_invited_on": HELD_ON})
    assert evaluation.counts_as_yearly


def test_an_invitation_in_the_future_is_refused(plan, personas):
    message = refused(personas.begeleider_a, plan, field="parents_invited_on", held_on=None, today=HELD_ON, **{
        **INVITED, "parents_invited_on": D(2027, 3, 12)})
    assert message == "De datum van de uitnodiging ligt in de toekomst."


def test_half_an_invitation_is_refused_so_it_does_not_silently_not_count(plan, personas):
    no_reason = refused(personas.begeleider_a, plan, field="parents_absence_reason",
                        **{**INVITED, "parents_absence_reason": "  "})
    assert no_reason.startswith("Schrijf waarom de ouders er niet bij waren.")
    no_date = refused(personas.begeleider_a, plan, field="parents_invited_on", **{**INVITED, "parents_invited_on": None})
    assert no_date.startswith("Vul in wanneer de ouders zijn uitgenodigd.")


@pytest.mark.parametrize("view", ["", "   \n  ", None])
def test_r_content_10_a_pupil_under_18_without_a_view_is_refused(plan, personas, jan, view):
    assert jan.date_of_birth == D(2017, 6, 1)  # 9 years old: the hoorrecht is not only for adults
    message = refused(personas.begeleider_a, plan, field="pupil_view", pupil_view=view)
    assert message == MSG_PUPIL_VIEW


def test_r_content_10_why_the_pupil_could_not_give_a_view_is_enough(plan, personas):
    evaluation = evaluate(personas.begeleider_a, plan, pupil_view="Jan was ziek; hij vertelt het volgende week zelf.")
    assert Evaluation.objects.get(pk=evaluation.pk).pupil_view.startswith("Jan was ziek")


# --- The screens: the warning after saving, the detail page and the PDF --------------------------------------------


def form_data(version, **over) -> dict:
    data = {"held_on": HELD_ON.isoformat(), "parents_present": "on", "parents_invited_on": "",
            "parents_absence_reason": "", "others_present": "Leerkracht groep 5",
            "pupil_view": "Jan wil doorgaan met duolezen.", "conclusion": "Getypte conclusie 4711.",
            "decision": "voortzetten", "end_reason": ""}
    for action in version.actions.order_by("position"):
        data[f"item-{action.pk}-progress"] = "behaald"
        data[f"item-{action.pk}-note"] = f"Getypte notitie {action.position}"
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def client_a(personas):
    with at(HELD_ON, hour=15), override("nl"):  # log in at the frozen time, or the session has long expired
        client = Client()
        client.force_login(personas.begeleider_a)
        yield client


def test_the_form_has_a_labelled_field_for_the_invitation_and_the_reason(plan, client_a):
    page = client_a.get(reverse("evaluations:record", args=[plan.plan_id])).content.decode()
    for name in ("parents_invited_on", "parents_absence_reason", "pupil_view"):
        assert f'for="id_{name}"' in page and f'id="id_{name}"' in page
    assert "Ouders uitgenodigd op" in page and "Waarom waren de ouders er niet bij?" in page
    assert "Als de ouders er niet bij waren" in page


def test_saving_without_the_parents_and_without_an_invitation_warns_that_it_does_not_count(plan, client_a):
    url = reverse("evaluations:record", args=[plan.plan_id])
    response = client_a.post(url, form_data(plan, parents_present=None), follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("opp:plan", args=[plan.plan_id])
    assert "De evaluatie is vastgelegd" in page
    assert MSG_NOT_COUNTED in page and "Evalueer het OPP in schooljaar 2026-2027 alsnog met de ouders." in page
    assert "alert-warning" in page
    evaluation = Evaluation.objects.get(plan=plan.plan)
    assert evaluation.counts_as_yearly is False

    detail = client_a.get(reverse("evaluations:detail", args=[evaluation.pk])).content.decode()
    assert "Geen uitnodiging vastgelegd" in detail
    assert "Telt niet als de jaarlijkse evaluatie met de ouders (R-EVAL-1)" in detail


def test_saving_with_the_parents_gives_no_warning(plan, client_a):
    response = client_a.post(reverse("evaluations:record", args=[plan.plan_id]), form_data(plan), follow=True)
    page = response.content.decode()
    assert "De evaluatie is vastgelegd" in page and "alert-warning" not in page and "telt niet" not in page


def test_invited_and_not_come_is_saved_with_a_warning_and_shown_on_the_detail_page_and_pdf(plan, client_a):
    response = client_a.post(reverse("evaluations:record", args=[plan.plan_id]), form_data(
        plan, parents_present=None, parents_invited_on="03-03-2027", parents_absence_reason=REASON), follow=True)
    page = response.content.decode()
    assert ("Deze evaluatie telt als de jaarlijkse evaluatie, maar de ouders waren er niet bij "
            "(uitgenodigd op 3 maart 2027).") in page
    evaluation = Evaluation.objects.get(plan=plan.plan)
    assert evaluation.yearly_how is YearlyHow.INVITED_NOT_CAME

    detail = client_a.get(reverse("evaluations:detail", args=[evaluation.pk])).content.decode()
    assert f"Ouders uitgenodigd op 3 maart 2027; niet gekomen: <span class=\"prewrap\">{REASON}</span>" in detail
    assert "Telt als de jaarlijkse evaluatie: de ouders waren uitgenodigd maar niet gekomen" in detail

    pdf_text = flat(text_of(evaluation_pdf.render_evaluation_pdf(evaluation_pdf.load(evaluation.pk))))
    assert flat(f"Ouders uitgenodigd op 3 maart 2027; niet gekomen: {REASON}") in pdf_text
    assert flat("Telt als de jaarlijkse evaluatie: de ouders waren uitgenodigd maar niet gekomen") in pdf_text


def test_an_invitation_after_the_evaluation_keeps_what_was_typed(plan, client_a):
    response = client_a.post(reverse("evaluations:record", args=[plan.plan_id]), form_data(
        plan, parents_present=None, parents_invited_on="2027-03-11", parents_absence_reason=REASON))
    page = response.content.decode()
    assert response.status_code == 200
    assert "De ouders zijn uitgenodigd na de evaluatie." in page
    assert "Niet opgeslagen: verbeter de gemarkeerde velden. Uw invoer is bewaard." in page
    assert REASON in page and 'value="2027-03-11"' in page and "Getypte conclusie 4711." in page
    assert not Evaluation.objects.exists()


def test_the_form_refuses_an_empty_pupil_view_and_keeps_the_rest(plan, client_a):
    response = client_a.post(reverse("evaluations:record", args=[plan.plan_id]), form_data(plan, pupil_view="  "))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Leg de mening van de leerling vast (hoorrecht, R-CONTENT-10)." in page
    assert "Getypte conclusie 4711." in page and "Getypte notitie 2" in page
    assert not Evaluation.objects.exists()
