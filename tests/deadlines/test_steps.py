"""deadlines.steps.due_step: which reminder is due on a given day (issue 5, part 3). Pure: no database.

Default for the six-week deadline: 14 and 7 days before, on the day, then weekly while overdue;
the schoolleider joins from 7 days overdue, the board's bestuurder from 21.
"""

import datetime

import pytest

from deadlines import registry
from deadlines.steps import Step, StepConfig, config_from_settings, due_step

D = datetime.date
DUE = D(2026, 10, 14)
DEFAULT = StepConfig()
BEGELEIDER_ONLY = ()
SCHOOLLEIDER = ("schoolleider",)
BOTH = ("schoolleider", "bestuurder")


def on(offset: int) -> datetime.date:
    return DUE + datetime.timedelta(days=offset)


@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        pytest.param(-15, None, id="before-the-first-step-nothing"),
        pytest.param(-14, Step("-14", on(-14), BEGELEIDER_ONLY), id="14-days-before"),
        pytest.param(-8, Step("-14", on(-14), BEGELEIDER_ONLY), id="still-the-14-day-step"),
        pytest.param(-7, Step("-7", on(-7), BEGELEIDER_ONLY), id="7-days-before"),
        pytest.param(-1, Step("-7", on(-7), BEGELEIDER_ONLY), id="day-before-still-the-7-day-step"),
        pytest.param(0, Step("0", DUE, BEGELEIDER_ONLY), id="on-the-day"),
        pytest.param(6, Step("0", DUE, BEGELEIDER_ONLY), id="6-days-late-no-new-step"),
        pytest.param(7, Step("+7", on(7), SCHOOLLEIDER), id="1-week-late-escalates-to-schoolleider"),
        pytest.param(13, Step("+7", on(7), SCHOOLLEIDER), id="13-days-late-same-week"),
        pytest.param(14, Step("+14", on(14), SCHOOLLEIDER), id="2-weeks-late"),
        pytest.param(20, Step("+14", on(14), SCHOOLLEIDER), id="20-days-late-same-week"),
        pytest.param(21, Step("+21", on(21), BOTH), id="3-weeks-late-escalates-to-bestuurder"),
        pytest.param(28, Step("+28", on(28), BOTH), id="4-weeks-late-weekly-repeat"),
    ],
)
def test_due_step_with_the_default_config(offset, expected):
    assert due_step(DUE, on(offset), DEFAULT) == expected


def test_every_day_of_a_long_overdue_deadline_maps_to_one_of_the_expected_steps():
    names = {due_step(DUE, on(offset), DEFAULT).name for offset in range(-14, 71)}
    assert names == {"-14", "-7", "0", "+7", "+14", "+21", "+28", "+35", "+42", "+49", "+56", "+63", "+70"}


def test_a_sweep_that_skipped_three_days_gets_only_the_latest_step():
    # Ran on day 6 overdue (step "0"); days 7, 8 and 9 were missed; day 10 brings "+7" only.
    assert due_step(DUE, on(6), DEFAULT).name == "0"
    assert due_step(DUE, on(10), DEFAULT) == Step("+7", on(7), SCHOOLLEIDER)
    # Three steps inside the missed days: still one step back, the latest, never a list of three.
    dense = StepConfig(before=(3, 2, 1))
    assert due_step(DUE, on(-4), dense) is None
    assert due_step(DUE, DUE, dense) == Step("0", DUE, ())
    assert due_step(DUE, on(-1), dense) == Step("-1", on(-1), ())


def test_without_the_step_on_the_day_the_last_before_step_holds_until_a_week_late():
    config = StepConfig(on_the_day=False)
    assert due_step(DUE, DUE, config) == Step("-7", on(-7), ())
    assert due_step(DUE, on(7), config).name == "+7"


def test_an_escalation_from_day_zero_applies_on_the_day():
    # The evaluatie kind escalates to the schoolleider on the due date itself.
    config = registry.REGISTRY["evaluatie"].default_steps
    assert due_step(DUE, DUE, config) == Step("0", DUE, SCHOOLLEIDER)
    assert due_step(DUE, on(-121), config) == Step("-121", on(-121), ())
    assert due_step(DUE, on(-122), config) is None


def test_steps_come_from_settings_when_configured(settings):
    kind = registry.REGISTRY["opp_vaststellen"]
    assert kind.steps == DEFAULT  # no setting: the sane default
    settings.OPP_REMINDER_STEPS = {
        "opp_vaststellen": {"before": [21, 3], "on_the_day": False, "escalate": [[14, "bestuurder"]]},
    }
    config = kind.steps
    assert config == StepConfig(before=(21, 3), on_the_day=False, weekly_overdue=True, escalate=((14, "bestuurder"),))
    assert due_step(DUE, on(-21), config) == Step("-21", on(-21), ())
    assert due_step(DUE, on(-14), config) == Step("-21", on(-21), ())  # the default's 14-day step is gone
    assert due_step(DUE, on(-3), config) == Step("-3", on(-3), ())
    assert due_step(DUE, DUE, config) == Step("-3", on(-3), ())  # no step on the day
    assert due_step(DUE, on(7), config) == Step("+7", on(7), ())  # no schoolleider in this config
    assert due_step(DUE, on(14), config) == Step("+14", on(14), ("bestuurder",))


def test_a_setting_for_another_kind_leaves_this_one_alone(settings):
    settings.OPP_REMINDER_STEPS = {"evaluatie": {"before": [60]}}
    assert registry.REGISTRY["opp_vaststellen"].steps == DEFAULT
    assert registry.REGISTRY["evaluatie"].steps.before == (60,)


def test_config_from_an_empty_setting_is_the_default():
    assert config_from_settings(None) == DEFAULT
    assert config_from_settings({}) == DEFAULT
