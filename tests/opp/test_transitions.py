"""opp.transitions: one table says which action is allowed in which state and with which capability (issue 15).
Pure over the states; then per persona on a real plan, and the buttons that follow from it."""

import pytest
from django.urls import reverse

from opp import transitions as T
from opp.models import Plan, VersionState
from opp.transitions import Action, Refusal
from tests.factories import PlanFactory, PlanVersionFactory, StudentFactory, adopted_plan

V = VersionState

CASES = [
    # (action, plan state, version state, has adopted, has open, expected refusal)
    (Action.EDIT, "actief", V.CONCEPT, False, True, None),
    (Action.EDIT, "actief", V.IN_OVERLEG, False, True, None),
    (Action.EDIT, "actief", V.INSTEMMING_GEVRAAGD, False, True, Refusal.VERSION_STATE),
    (Action.EDIT, "ingetrokken", V.CONCEPT, False, True, Refusal.PLAN_ENDED),
    (Action.TO_OVERLEG, "actief", V.CONCEPT, False, True, None),
    (Action.TO_OVERLEG, "actief", V.IN_OVERLEG, False, True, Refusal.VERSION_STATE),
    (Action.ASK_CONSENT, "actief", V.IN_OVERLEG, False, True, None),
    (Action.ASK_CONSENT, "actief", V.CONCEPT, False, True, Refusal.VERSION_STATE),
    (Action.SUBMIT, "actief", V.INSTEMMING_GEVRAAGD, False, True, None),
    (Action.SUBMIT, "actief", V.TER_VASTSTELLING, False, True, Refusal.VERSION_STATE),
    (Action.ADOPT, "actief", V.TER_VASTSTELLING, False, True, None),
    (Action.ADOPT, "beeindigd", V.TER_VASTSTELLING, False, True, Refusal.PLAN_ENDED),
    (Action.ADOPT, "actief", V.IN_OVERLEG, False, True, Refusal.VERSION_STATE),
    (Action.SEND_BACK, "actief", V.TER_VASTSTELLING, False, True, None),
    (Action.WITHDRAW, "actief", None, False, False, None),
    (Action.WITHDRAW, "ingetrokken", None, True, False, Refusal.PLAN_ENDED),
    (Action.START_REVISION, "actief", None, True, False, None),
    (Action.START_REVISION, "actief", None, True, True, Refusal.OPEN_VERSION),
    (Action.START_REVISION, "actief", None, False, True, Refusal.OPEN_VERSION),
    (Action.START_REVISION, "actief", None, False, False, Refusal.NOT_ADOPTED),
    (Action.END, "actief", None, True, True, Refusal.OPEN_VERSION),
    (Action.RECORD_EVALUATION, "actief", None, False, True, Refusal.NOT_ADOPTED),
    (Action.RECORD_EVALUATION, "actief", None, True, True, None),
    (Action.RECORD_CONSULTATION, "beeindigd", None, True, False, Refusal.PLAN_ENDED),
]


@pytest.mark.parametrize(("action", "plan_state", "version_state", "adopted", "open_", "refusal"), CASES)
def test_the_table_over_every_state(action, plan_state, version_state, adopted, open_, refusal):
    assert T.why_not(action, plan_state=plan_state, version_state=version_state, has_adopted=adopted,
                     has_open=open_) == refusal


def test_every_action_is_in_the_table_and_names_a_capability():
    assert set(T.TABLE) == set(Action)
    assert all(rule.cap for rule in T.TABLE.values())


@pytest.fixture
def adopted(org, personas):
    return adopted_plan(StudentFactory(school=org.school_a, support_level="extra"), by=personas.begeleider_a)


@pytest.mark.parametrize(("persona", "withdraw", "revise", "adopt_"), [
    ("begeleider_a", False, True, False),
    ("leerkracht_a", False, False, False),
    ("schoolleider_a", False, True, False),  # R-SET-5: withdrawing, like adopting, needs the board's mandate
    ("schoolleider_mandaat_a", True, True, False),  # adopt is a version's act: no version given here
    ("bestuurder_a", True, False, False),
    ("bestuurder_b", False, False, False),
])
def test_allowed_per_persona_on_an_adopted_plan(adopted, personas, persona, withdraw, revise, adopt_):
    can = T.allowed(getattr(personas, persona), adopted.plan)
    assert (can.withdraw, can.start_revision, can.adopt) == (withdraw, revise, adopt_)


def test_adopt_and_send_back_follow_the_mandate_on_a_version_awaiting_adoption(org, personas):
    plan = PlanFactory(student=StudentFactory(school=org.school_a, support_level="extra"), created_by=personas.begeleider_a)
    version = PlanVersionFactory(plan=plan, state=V.TER_VASTSTELLING)
    for persona, expected in (("bestuurder_a", True), ("schoolleider_mandaat_a", True), ("schoolleider_a", False),
                              ("begeleider_a", False)):
        can = T.allowed(getattr(personas, persona), plan, version)
        assert (can.adopt, can.send_back, can.edit) == (expected, expected, False), persona


def test_the_plan_page_shows_only_the_buttons_the_table_allows(client, adopted, personas):
    client.force_login(personas.schoolleider_a)
    html = client.get(reverse("opp:plan", args=[adopted.plan_id])).content.decode()
    assert reverse("opp:revision_start", args=[adopted.plan_id]) in html
    assert reverse("opp:withdraw", args=[adopted.plan_id]) not in html
    Plan.objects.filter(pk=adopted.plan_id).update(state="ingetrokken", ended_on="2026-11-01")
    client.force_login(personas.bestuurder_a)
    html = client.get(reverse("opp:plan", args=[adopted.plan_id])).content.decode()
    assert reverse("opp:revision_start", args=[adopted.plan_id]) not in html
    assert reverse("opp:withdraw", args=[adopted.plan_id]) not in html
