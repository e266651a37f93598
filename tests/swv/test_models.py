"""The models' own checks: clean() repeats swv.rules, the database refuses what must never be stored."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from swv.models import AdmissionDecision, LeadTime

D = datetime.date


def test_lead_time_clean_and_constraint(swv_world):
    LeadTime(samenwerkingsverband=swv_world.swv, rule="vaste_datum", day=15, month=4).full_clean()
    LeadTime(samenwerkingsverband=swv_world.swv, rule="weken", weeks=12).full_clean()
    with pytest.raises(ValidationError) as err:
        LeadTime(samenwerkingsverband=swv_world.swv, rule="vaste_datum", day=30, month=2).full_clean()
    assert "day" in err.value.message_dict
    with pytest.raises(ValidationError):
        LeadTime(samenwerkingsverband=swv_world.swv, rule="weken", weeks=None).full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        LeadTime.objects.create(samenwerkingsverband=swv_world.swv, rule="weken", weeks=None)
    lead = LeadTime.objects.create(samenwerkingsverband=swv_world.swv, rule="vaste_datum", day=15, month=4)
    assert swv_world.swv.tlv_lead_time == lead
    assert "aanvraag vóór 15 april" in str(lead)


def _decision(swv_world, **fields):
    values = {"student": swv_world.pupil, "kind": "tlv", "samenwerkingsverband": swv_world.swv,
              "decision_number": "TLV-2026-001", "decided_on": D(2026, 7, 1), "onderwijssoort": "vso",
              "category": "midden", "starts_on": D(2026, 8, 1), "ends_on": D(2028, 7, 31),
              "recorded_by": swv_world.begeleider}
    return AdmissionDecision(**(values | fields))


def test_decision_clean(swv_world):
    _decision(swv_world).full_clean()
    _decision(swv_world, ends_on=None).full_clean()  # onbepaald
    with pytest.raises(ValidationError) as err:
        _decision(swv_world, category="").full_clean()
    assert "category" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        _decision(swv_world, onderwijssoort="sbo", category="laag").full_clean()
    assert "category" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        _decision(swv_world, kind="cvo").full_clean()
    assert "samenwerkingsverband" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        _decision(swv_world, ends_on=D(2026, 1, 1)).full_clean()
    assert "ends_on" in err.value.message_dict


@pytest.mark.parametrize("fields", [
    {"onderwijssoort": "sbo", "category": "laag"},  # sbo has no category
    {"kind": "cvo"},  # a CvO decision comes from no SWV
    {"samenwerkingsverband": None},  # a TLV does
    {"ends_on": D(2026, 1, 1)},  # ends before it starts
])
def test_the_database_refuses_impossible_decisions(swv_world, fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        _decision(swv_world, **fields).save()


def test_withdrawn_needs_a_reason_in_the_database(swv_world):
    from django.utils import timezone

    with pytest.raises(IntegrityError), transaction.atomic():
        _decision(swv_world, withdrawn_at=timezone.now()).save()
