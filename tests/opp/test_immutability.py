"""R-SET-5: an adopted version never changes — in the services, the models/querysets and (PostgreSQL) the database.

Every test starts from a factory-made adopted version with items and tries one more write path.
"""

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from opp import content as opp_content
from opp import selectors, services
from opp.models import ActionItem, FactorItem, FrozenVersionError, PlanVersion, YieldItem
from tests.factories import ActionItemFactory, PlanFactory, PlanVersionFactory, StudentFactory
from tests.services import require_postgres


@pytest.fixture
def adopted(org):
    plan = PlanFactory(student=StudentFactory(school=org.school_a, opp_required=True, support_level="extra"))
    return PlanVersionFactory(plan=plan, adopted=True, with_actions=2, with_factors=2, with_yields=1,
                              uitstroom_profiel="vmbo_kb", uitstroom_onderbouwing="Vastgestelde onderbouwing")


def unchanged(version):
    """The stored content still hashes to what was adopted."""
    return opp_content.version_hash(selectors.load_version(version.pk)) == version.adopted_hash


def test_factory_makes_a_real_adopted_version(adopted):
    stored = PlanVersion.objects.get(pk=adopted.pk)
    assert stored.state == "vastgesteld" and stored.is_frozen
    assert stored.adopted_at is not None and stored.adopted_by == adopted.plan.created_by
    assert len(stored.adopted_hash) == 64 and unchanged(adopted)
    assert (stored.actions.count(), stored.factors.count(), stored.yields.count()) == (2, 2, 1)


# --- Model and queryset layer -------------------------------------------------------------------------------


def test_instance_save_of_a_changed_field_is_refused(adopted):
    v = PlanVersion.objects.get(pk=adopted.pk)
    v.uitstroom_onderbouwing = "Stiekem aangepast"
    with pytest.raises(FrozenVersionError):
        v.save()
    with pytest.raises(FrozenVersionError):
        v.save(update_fields=["uitstroom_onderbouwing"])
    assert unchanged(adopted)


def test_instance_save_with_nothing_changed_is_refused_too(adopted):
    with pytest.raises(FrozenVersionError):
        PlanVersion.objects.get(pk=adopted.pk).save()


def test_version_delete_is_refused(adopted):
    with pytest.raises(FrozenVersionError):
        PlanVersion.objects.get(pk=adopted.pk).delete()
    with pytest.raises(FrozenVersionError):
        PlanVersion.objects.filter(pk=adopted.pk).delete()
    assert PlanVersion.objects.filter(pk=adopted.pk).exists()


@pytest.mark.parametrize("changes", [
    {"uitstroom_onderbouwing": "x"},
    {"state": "vervangen", "uitstroom_onderbouwing": "x"},
    {"adopted_hash": "0" * 64},
    {"section_revisions": {"uitstroom": 9}},
])
def test_queryset_update_of_content_is_refused(adopted, changes):
    with pytest.raises(FrozenVersionError):
        PlanVersion.objects.filter(pk=adopted.pk).update(**changes)
    assert unchanged(adopted)
    assert PlanVersion.objects.get(pk=adopted.pk).state == "vastgesteld"


def test_queryset_update_over_a_mix_of_versions_is_refused(adopted):
    concept = PlanVersionFactory(plan=adopted.plan)
    with pytest.raises(FrozenVersionError):
        PlanVersion.objects.filter(plan=adopted.plan).update(programma_afwijking="Alles tegelijk")
    assert PlanVersion.objects.get(pk=concept.pk).programma_afwijking == ""


@pytest.mark.parametrize("state", ["concept", "in_overleg", "ter_vaststelling"])
def test_queryset_update_may_not_unfreeze_an_adopted_version(adopted, state):
    # Back to an editable state would open the content again: only vastgesteld → vervangen is allowed.
    with pytest.raises(FrozenVersionError):
        PlanVersion.objects.filter(pk=adopted.pk).update(state=state)
    assert PlanVersion.objects.get(pk=adopted.pk).state == "vastgesteld"


def test_queryset_update_may_not_revive_a_superseded_version(adopted):
    PlanVersion.objects.filter(pk=adopted.pk).update(state="vervangen", superseded_at=timezone.now())
    with pytest.raises(FrozenVersionError):
        PlanVersion.objects.filter(pk=adopted.pk).update(state="vastgesteld")
    assert PlanVersion.objects.get(pk=adopted.pk).state == "vervangen"


def test_superseding_is_allowed_but_not_with_a_content_change(adopted):
    v = PlanVersion.objects.get(pk=adopted.pk)
    v.state = "vervangen"
    v.superseded_at = timezone.now()
    v.uitstroom_onderbouwing = "Meegesmokkeld"
    with pytest.raises(FrozenVersionError):
        v.save(update_fields=["state", "superseded_at", "uitstroom_onderbouwing"])
    with pytest.raises(FrozenVersionError):
        v.save()  # a full save writes every field
    v = PlanVersion.objects.get(pk=adopted.pk)
    v.state = "vervangen"
    v.superseded_at = timezone.now()
    v.save(update_fields=["state", "superseded_at"])
    stored = PlanVersion.objects.get(pk=adopted.pk)
    assert stored.state == "vervangen" and stored.superseded_at is not None
    assert unchanged(adopted)
    # Once superseded it is frozen for good: no way back, no further change.
    stored.state = "vastgesteld"
    with pytest.raises(FrozenVersionError):
        stored.save(update_fields=["state"])


def test_superseding_through_a_queryset_update_is_allowed(adopted):
    assert PlanVersion.objects.filter(pk=adopted.pk).update(state="vervangen", superseded_at=timezone.now()) == 1
    assert PlanVersion.objects.get(pk=adopted.pk).state == "vervangen"


@pytest.mark.parametrize("model", [ActionItem, FactorItem, YieldItem])
def test_item_save_and_delete_are_refused(adopted, model):
    item = model.objects.filter(version=adopted).first()
    field = {"ActionItem": "goal", "FactorItem": "text", "YieldItem": "expectation"}[model.__name__]
    setattr(item, field, "Gewijzigd")
    with pytest.raises(FrozenVersionError):
        item.save()
    with pytest.raises(FrozenVersionError):
        model.objects.get(pk=item.pk).delete()
    assert unchanged(adopted)


def test_adding_an_item_is_refused(adopted):
    with pytest.raises(FrozenVersionError):
        ActionItemFactory(version=adopted, position=3)
    assert adopted.actions.count() == 2


def test_bulk_create_of_items_is_refused(adopted):
    with pytest.raises(FrozenVersionError):
        ActionItem.objects.bulk_create([ActionItem(version=adopted, position=9, goal="g", approach="a", who="w",
                                                   frequency="f", evaluation_moment="m", evaluation_criterion="c")])
    assert adopted.actions.count() == 2 and unchanged(adopted)


def test_moving_an_item_out_of_the_adopted_version_is_refused(adopted):
    concept = PlanVersionFactory(plan=adopted.plan)
    item = ActionItem.objects.filter(version=adopted).first()
    item.version = concept
    with pytest.raises(FrozenVersionError):
        item.save()
    with pytest.raises(FrozenVersionError):
        ActionItem.objects.filter(version=adopted).update(version=concept)
    assert adopted.actions.count() == 2 and unchanged(adopted)


@pytest.mark.parametrize("related", ["actions", "factors", "yields"])
def test_queryset_delete_and_update_of_items_are_refused(adopted, related):
    with pytest.raises(FrozenVersionError):
        getattr(adopted, related).all().delete()
    model = getattr(adopted, related).model
    with pytest.raises(FrozenVersionError):
        model.objects.filter(version=adopted).delete()
    with pytest.raises(FrozenVersionError):
        model.objects.filter(version=adopted).update(position=99)
    assert unchanged(adopted)


def test_items_of_a_concept_stay_editable(adopted):
    concept = PlanVersionFactory(plan=adopted.plan, with_actions=1)
    item = concept.actions.get()
    item.goal = "Mag nog"
    item.save()
    concept.actions.all().delete()
    assert not concept.actions.exists()


# --- Service layer ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("section", ["uitstroom", "programma", "commissie"])
def test_version_save_section_is_refused(personas, adopted, section):
    with pytest.raises(ValidationError) as exc:
        services.version_save_section(actor=personas.begeleider_a, version=adopted, section=section, revision=0,
                                      data={"uitstroom_onderbouwing": "x", "programma_afwijking": "x", "commissie_advies": "x"})
    assert "kan niet meer worden gewijzigd" in exc.value.messages[0]
    assert unchanged(adopted)


def test_version_save_section_of_items_is_refused(personas, adopted):
    with pytest.raises(ValidationError) as exc:
        services.version_save_section(actor=personas.begeleider_a, version=adopted, section="handelingsdeel",
                                      revision=0, items=[])
    assert "kan niet meer worden gewijzigd" in exc.value.messages[0]
    assert adopted.actions.count() == 2


# --- Database constraints -----------------------------------------------------------------------------------


def test_two_active_plans_for_one_pupil_violate_a_constraint(org):
    pupil = StudentFactory(school=org.school_a)
    PlanFactory(student=pupil)
    with pytest.raises(IntegrityError), transaction.atomic():
        PlanFactory(student=pupil)


def test_an_ended_plan_needs_an_end_date(org):
    with pytest.raises(IntegrityError), transaction.atomic():
        PlanFactory(student=StudentFactory(school=org.school_a), state="ingetrokken")


def test_two_open_versions_per_plan_violate_a_constraint(adopted):
    PlanVersionFactory(plan=adopted.plan)
    with pytest.raises(IntegrityError), transaction.atomic():
        PlanVersionFactory(plan=adopted.plan, state="in_overleg")


def test_two_adopted_versions_per_plan_violate_a_constraint(adopted):
    with pytest.raises(IntegrityError), transaction.atomic():
        PlanVersionFactory(plan=adopted.plan, adopted=True)
    assert adopted.plan.versions.filter(state="vastgesteld").count() == 1


def test_an_adopted_version_needs_an_adopter(adopted):
    concept = PlanVersionFactory(plan=adopted.plan)
    PlanVersion.objects.filter(pk=adopted.pk).update(state="vervangen", superseded_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        PlanVersion.objects.filter(pk=concept.pk).update(state="vastgesteld")


def test_version_numbers_are_unique_per_plan(adopted):
    with pytest.raises(IntegrityError), transaction.atomic():
        PlanVersionFactory(plan=adopted.plan, number=adopted.number)


# --- PostgreSQL triggers: raw SQL ---------------------------------------------------------------------------


def raw(sql, params):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


@pytest.mark.services
@pytest.mark.parametrize("sql", [
    "UPDATE opp_planversion SET uitstroom_onderbouwing = 'x' WHERE id = %s",
    "UPDATE opp_planversion SET state = 'concept' WHERE id = %s",
    "UPDATE opp_planversion SET state = 'vervangen', programma_afwijking = 'x' WHERE id = %s",
    "DELETE FROM opp_planversion WHERE id = %s",
    "DELETE FROM opp_actionitem WHERE version_id = %s",
    "UPDATE opp_actionitem SET goal = 'x' WHERE version_id = %s",
    "UPDATE opp_factoritem SET text = 'x' WHERE version_id = %s",
    "DELETE FROM opp_yielditem WHERE version_id = %s",
    "INSERT INTO opp_actionitem (version_id, position, goal, approach, who, frequency, evaluation_moment, "
    "evaluation_criterion) VALUES (%s, 9, 'g', 'a', 'w', 'f', 'm', 'c')",
], ids=["update-content", "unfreeze", "supersede-with-content", "delete-version", "delete-items", "update-item",
        "update-factor", "delete-yield", "insert-item"])
def test_postgres_trigger_refuses_raw_sql(adopted, sql):
    require_postgres()
    with pytest.raises(DatabaseError) as exc:
        raw(sql, [adopted.pk])
    assert "adopted" in str(exc.value)
    assert unchanged(adopted)
    assert PlanVersion.objects.get(pk=adopted.pk).state == "vastgesteld"


@pytest.mark.services
def test_postgres_trigger_refuses_moving_an_item_to_a_concept(adopted):
    require_postgres()
    concept = PlanVersionFactory(plan=adopted.plan)
    with pytest.raises(DatabaseError):
        raw("UPDATE opp_actionitem SET version_id = %s WHERE version_id = %s", [concept.pk, adopted.pk])
    assert adopted.actions.count() == 2


@pytest.mark.services
def test_postgres_trigger_allows_superseding_and_concept_edits(adopted):
    require_postgres()
    concept = PlanVersionFactory(plan=adopted.plan, with_actions=1)
    assert raw("UPDATE opp_planversion SET programma_afwijking = 'mag' WHERE id = %s", [concept.pk]) == 1
    assert raw("DELETE FROM opp_actionitem WHERE version_id = %s", [concept.pk]) == 1
    assert raw("UPDATE opp_planversion SET state = 'vervangen', superseded_at = now(), updated_at = now() "
               "WHERE id = %s", [adopted.pk]) == 1
    assert PlanVersion.objects.get(pk=adopted.pk).state == "vervangen" and unchanged(adopted)
    with pytest.raises(DatabaseError):
        raw("UPDATE opp_planversion SET state = 'vastgesteld' WHERE id = %s", [adopted.pk])
