"""The commission's advice fits the pupil (R-EVAL-3): a vso pupil is never offered "terugplaatsing naar het
basisonderwijs" — the return from the vso is to regular secondary education (vo); from the so to the bao or sbo.
One rule (evaluations.rules.advice_fits / advice_choices), used by the form and the service; a posted advice that
does not fit is refused with a Dutch message and nothing is saved."""

import datetime
import importlib

import pytest
from django.apps import apps as global_apps
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from evaluations import rules, services
from evaluations.forms import CommissionEvaluationForm
from evaluations.models import CommissionEvaluation
from tests.auth import login
from tests.factories import PlanVersionFactory, StudentFactory, member

NOW = datetime.datetime(2027, 3, 15, 10, 0, tzinfo=datetime.UTC)
pytestmark = [pytest.mark.clock(NOW), pytest.mark.usefixtures("clock")]
CHOICES = CommissionEvaluation.Advice.choices
BASIS = "Terugplaatsing naar het regulier of speciaal basisonderwijs"
VO = "Terugplaatsing naar het regulier voortgezet onderwijs (vo)"


def _offered(soort):
    return [value for value, _label in rules.advice_choices(soort, CHOICES)]


def test_rule_vso_returns_to_the_vo_never_to_the_basisonderwijs():
    assert _offered("vso") == ["geen", "bijstelling", "terugplaatsing_vo"]
    assert rules.advice_fits("terugplaatsing_vo", "vso") and not rules.advice_fits("terugplaatsing", "vso")


def test_rule_so_returns_to_the_bao_or_sbo():
    assert _offered("so") == ["geen", "bijstelling", "terugplaatsing"]
    assert not rules.advice_fits("terugplaatsing_vo", "so")


@pytest.mark.parametrize("soort", ["bao", "sbo", "vo", "pro"])
def test_rule_no_terugplaatsing_outside_the_so_and_vso(soort):
    assert _offered(soort) == ["geen", "bijstelling"]


def test_the_labels_name_the_destination():
    labels = dict(CHOICES)
    assert str(labels["terugplaatsing"]) == BASIS and str(labels["terugplaatsing_vo"]) == VO


@pytest.mark.parametrize(("soort", "shown", "hidden"), [("vso", VO, BASIS), ("so", BASIS, VO)])
def test_the_form_offers_only_fitting_choices(soort, shown, hidden):
    form = CommissionEvaluationForm(soort=soort)
    rendered = str(form["advice"])
    assert shown in rendered and hidden not in rendered
    bound = CommissionEvaluationForm({"held_on": "12-03-2027", "evaluation": "e", "report": "r",
                                      "advice": "terugplaatsing" if soort == "vso" else "terugplaatsing_vo"},
                                     soort=soort)
    assert not bound.is_valid() and "advice" in bound.errors


@pytest.fixture
def vso_plan(org):
    by = member(Role.BEGELEIDER, school=org.school_a2, username="begeleider_a2_advies")
    vera = StudentFactory(school=org.school_a2, first_name="Vera", last_name="Vos", opp_required=True,
                          support_level="extra", onderwijssoort="vso")
    return PlanVersionFactory(plan__student=vera, plan__created_by=by, adopted=True, with_actions=1).plan


def test_the_commission_page_for_a_vso_pupil_offers_the_return_to_the_vo(client: Client, vso_plan, personas):
    login(client, personas.commissie_a2)
    url = reverse("evaluations:commission_record", args=[vso_plan.pk])
    page = client.get(url).content.decode()
    assert VO in page and "basisonderwijs" not in page

    refused = client.post(url, {"held_on": "2027-03-12", "evaluation": "Getypte evaluatie.", "report": "Verslag.",
                                "advice": "terugplaatsing"})
    assert refused.status_code == 200 and "Getypte evaluatie." in refused.content.decode()
    assert not CommissionEvaluation.objects.exists()

    response = client.post(url, {"held_on": "2027-03-12", "evaluation": "Goed.", "report": "Verslag.",
                                 "advice": "terugplaatsing_vo"})
    assert response.status_code == 302
    row = CommissionEvaluation.objects.get()
    detail = client.get(reverse("evaluations:commission_detail", args=[row.pk])).content.decode()
    assert VO in detail and "basisonderwijs" not in detail


def test_the_service_refuses_a_return_to_the_basisonderwijs_for_a_vso_pupil(vso_plan, personas):
    """Posted past the form: the service holds the same rule."""
    with pytest.raises(ValidationError) as refused:
        services.commission_record(actor=personas.commissie_a2, plan=vso_plan, data={
            "held_on": datetime.date(2027, 3, 12), "evaluation": "Goed.", "report": "Verslag.",
            "advice": "terugplaatsing", "advice_text": ""})
    message = " ".join(refused.value.message_dict["advice"])
    assert "past niet bij een leerling in het vso" in message and "regulier voortgezet onderwijs" in message
    assert not CommissionEvaluation.objects.exists()


def test_the_migration_moves_a_vso_pupils_old_advice_to_the_vo(vso_plan, personas):
    row = CommissionEvaluation.objects.create(plan=vso_plan, school_year="2026-2027", held_on=datetime.date(2027, 3, 1),
                                              evaluation="e", report="r", advice="terugplaatsing",
                                              created_by=personas.commissie_a2)
    migration = importlib.import_module("evaluations.migrations.0003_commission_advice_per_onderwijssoort")
    migration.vso_to_vo(global_apps, None)
    row.refresh_from_db()
    assert row.advice == "terugplaatsing_vo"
