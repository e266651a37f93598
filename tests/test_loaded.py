"""opp_portal.loaded: the one check whether a page's load holds a relation path."""

import pytest
from django.db.models import prefetch_related_objects

from opp.models import Plan
from opp_portal.loaded import loaded
from tests.factories import StudentFactory, version_for_consent

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(org, personas):
    student = StudentFactory(school=org.school_a, opp_required=True, support_level="extra")
    return version_for_consent(student, by=personas.begeleider_a).plan


def test_nothing_prefetched_is_not_loaded(plan):
    fresh = Plan.objects.get(pk=plan.pk)
    assert not loaded(fresh, "versions")
    assert not loaded(fresh, "versions__actions")


def test_every_step_of_the_path_must_be_prefetched_on_every_object(plan):
    fresh = Plan.objects.get(pk=plan.pk)
    prefetch_related_objects([fresh], "versions")
    assert loaded(fresh, "versions")
    assert not loaded(fresh, "versions__actions")  # a partial load is not a complete one
    prefetch_related_objects([fresh], "versions__actions")
    assert loaded(fresh, "versions__actions")
    assert loaded([fresh, fresh], "versions__actions")
    assert not loaded([fresh, Plan.objects.get(pk=plan.pk)], "versions")


def test_an_empty_relation_counts_as_loaded(plan):
    fresh = Plan.objects.get(pk=plan.pk)
    prefetch_related_objects([fresh], "consultations__suggestions")
    assert list(fresh.consultations.all()) == []
    assert loaded(fresh, "consultations__suggestions")
