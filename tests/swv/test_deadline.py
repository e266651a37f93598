"""The deadline kind "TLV verloopt" (deadlines.registry): the request for the next TLV is due at the SWV's lead time
before the end; reminders to the begeleider, a week late the schoolleider too; once per step in the daily sweep, once
in Mijn taken."""

import datetime

import pytest
from django.utils import timezone

from deadlines import registry
from deadlines.models import Reminder
from deadlines.selectors import tasks_for
from notifications.models import Notification
from swv import services
from swv.models import AdmissionDecision, LeadTime, SwvRequest
from tests.deadlines.test_sweep import at, run

D = datetime.date
KIND = "tlv_verloopt"


def tlv(swv_world, *, starts_on=D(2025, 8, 1), ends_on=D(2027, 7, 31), number="TLV-1", student=None, **extra):
    return services.record_decision(
        actor=swv_world.begeleider, student=student or swv_world.pupil, kind="tlv",
        samenwerkingsverband=swv_world.swv, decision_number=number, decided_on=starts_on - datetime.timedelta(days=30),
        onderwijssoort="vso", category="hoog", starts_on=starts_on, ends_on=ends_on, **extra)


def items(today, school_ids=None):
    return list(registry.REGISTRY[KIND].items(today, school_ids))


def reminders():
    return list(Reminder.objects.filter(kind=KIND).order_by("pk"))


@pytest.fixture
def april(swv_world):
    """The SWV wants the request in before 15 April."""
    return LeadTime.objects.create(samenwerkingsverband=swv_world.swv, rule="vaste_datum", day=15, month=4)


def test_the_kind_is_registered_once_with_its_label():
    assert list(registry.REGISTRY).count(KIND) == 1
    assert str(registry.REGISTRY[KIND].label) == "TLV verloopt"


def test_reminders_through_the_sweep_and_escalation(swv_world, april):
    with at(D(2026, 9, 1)):
        tlv(swv_world)
    begeleider, schoolleider = swv_world.begeleider, swv_world.schoolleider
    (item,) = items(D(2027, 1, 1))
    assert (item.due_on, item.period, item.subject_type, item.subject_id) == (
        D(2027, 4, 15), "2027-07-31", "students.student", swv_world.pupil.pk)
    for day in (D(2027, 2, 17), D(2027, 2, 18), D(2027, 2, 18), D(2027, 3, 18), D(2027, 4, 15), D(2027, 4, 22)):
        result = run(day, kinds=[KIND])
        assert result.errors == []
    assert [(r.step, r.due_on, r.escalated_to) for r in reminders()] == [
        ("-56", D(2027, 4, 15), ""), ("-28", D(2027, 4, 15), ""), ("0", D(2027, 4, 15), ""),
        ("+7", D(2027, 4, 15), "schoolleider")]
    mails = Notification.objects.filter(kind=f"reminder:{KIND}")
    assert set(mails.values_list("recipient", flat=True)) == {begeleider.pk, schoolleider.pk}
    assert not mails.exclude(recipient=begeleider).filter(created_at__date__lt=D(2027, 4, 22)).exists()
    # The mail names the kind and only the pupil's initials.
    body = mails.filter(recipient=begeleider).first().body_text
    assert "TLV verloopt" in body and "L.H." in body and "Horizonbeek" not in body


def test_exactly_one_item_per_pupil_for_the_latest_tlv(swv_world, april):
    with at(D(2026, 9, 1)):
        old = tlv(swv_world, starts_on=D(2023, 8, 1), ends_on=D(2025, 7, 31), number="TLV-0")
        current = tlv(swv_world)
    assert old and [i.period for i in items(D(2027, 1, 1))] == ["2027-07-31"]
    # A later TLV supersedes it; a withdrawn later one does not.
    with at(D(2027, 3, 1)):
        later = tlv(swv_world, starts_on=D(2027, 8, 1), ends_on=D(2029, 7, 31), number="TLV-2")
    assert items(D(2027, 3, 1)) == []  # the next one's request is far off
    assert [i.period for i in items(D(2029, 3, 1))] == ["2029-07-31"]
    services.withdraw_decision(actor=swv_world.begeleider, decision=later, reason="Per vergissing.")
    assert [i.period for i in items(D(2027, 3, 1))] == ["2027-07-31"]
    # An onbepaalde TLV has no end, so nothing to request.
    with at(D(2027, 3, 1)):
        tlv(swv_world, starts_on=D(2027, 8, 1), ends_on=None, number="TLV-3")
    assert items(D(2027, 3, 1)) == []
    assert current.pk


def test_a_request_handed_in_or_decided_ends_the_item(swv_world, april):
    with at(D(2026, 9, 1)):
        current = tlv(swv_world)
    request = SwvRequest.objects.create(student=swv_world.pupil, kind="verlenging", samenwerkingsverband=swv_world.swv,
                                        extends=current, created_by=swv_world.begeleider)
    assert len(items(D(2027, 1, 1))) == 1  # a concept hands nothing in
    SwvRequest.objects.filter(pk=request.pk).update(state="ingediend", handed_in_at=timezone.now(),
                                                    handed_in_by=swv_world.begeleider)
    assert items(D(2027, 1, 1)) == []
    # A request without `extends`, handed in after the TLV's decision, counts too; an arrangement request does not.
    SwvRequest.objects.filter(pk=request.pk).update(extends=None, kind="arrangement")
    assert len(items(D(2027, 1, 1))) == 1
    SwvRequest.objects.filter(pk=request.pk).update(kind="tlv")
    assert items(D(2027, 1, 1)) == []


def test_the_request_a_tlv_came_from_does_not_hide_its_own_expiry(swv_world, april):
    with at(D(2025, 5, 1)):
        request = SwvRequest.objects.create(
            student=swv_world.pupil, kind="tlv", samenwerkingsverband=swv_world.swv, created_by=swv_world.begeleider,
            state="toegekend", handed_in_at=timezone.now(), handed_in_by=swv_world.begeleider, decided_on=D(2025, 7, 1))
        granted = tlv(swv_world, starts_on=D(2025, 8, 1), request=request)
    # Handed in on 1 May 2025, the decision of 2 July 2025: the request is before the decision anyway; also when a
    # request is handed in on the day of its own decision it stays the request the TLV came from.
    AdmissionDecision.objects.filter(pk=granted.pk).update(decided_on=D(2025, 5, 1))
    assert len(items(D(2027, 1, 1))) == 1


def test_default_lead_time_and_who_counts(swv_world, settings):
    settings.OPP_TLV_LEAD_WEEKS = 12
    with at(D(2026, 9, 1)):
        tlv(swv_world)
    (item,) = items(D(2027, 1, 1))
    assert item.due_on == D(2027, 7, 31) - datetime.timedelta(weeks=12)
    assert items(D(2027, 1, 1), [swv_world.sbo_school.pk]) == []  # another school's list
    swv_world.pupil.left_on = D(2026, 12, 31)
    swv_world.pupil.save(update_fields=["left_on"])
    assert items(D(2027, 1, 1)) == []


def test_in_mijn_taken_once(swv_world, april, personas):
    with at(D(2026, 9, 1)):
        tlv(swv_world)
    with at(D(2027, 3, 1)):
        rows, total = tasks_for(swv_world.begeleider, D(2027, 3, 1))
        other, _n = tasks_for(personas.begeleider_b, D(2027, 3, 1))
    mine = [r for r in rows if r.kind == KIND]
    assert len(mine) == 1 and total >= 1
    assert (mine[0].kind_label, mine[0].name, mine[0].due_on) == ("TLV verloopt", "Lotte Horizonbeek", D(2027, 4, 15))
    assert mine[0].url == f"/swv/leerlingen/{swv_world.pupil.pk}/toelaatbaarheid/"
    assert not [r for r in other if r.kind == KIND]
    # Before its first reminder (56 days ahead) it is not a task yet.
    with at(D(2027, 1, 1)):
        early, _n = tasks_for(swv_world.begeleider, D(2027, 1, 1))
    assert not [r for r in early if r.kind == KIND]
