"""Goals that last (opp.models.Goal, R-CONTENT-4): each version's handelingsdeel item points to a goal of the plan,
and that link survives a plain save, an autosave, a reorder and a revision (R-SET-5), while a goal id posted by the
browser is never trusted. The data migration gives every existing item its goal."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from evaluations import services as evaluation_services
from opp import content as opp_content
from opp import services
from opp.models import ActionItem, FrozenVersionError, Goal, PlanVersion
from tests.factories import (
    ActionItemFactory,
    PlanFactory,
    PlanVersionFactory,
    StudentFactory,
    UserFactory,
    adopted_plan,
    evaluation_data,
    progress_for,
)
from tests.opp.test_editor import _EditorForm, action_fields, autosave_url, editor_url, page_form

pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def version(personas, org):
    pupil = StudentFactory(school=org.school_a, opp_required=True, support_level="extra")
    return services.plan_start(actor=personas.begeleider_a, student=pupil).versions.get()


def action(n, **changes):
    return {"goal": f"Doel {n}", "approach": f"Aanpak {n}", "who": "Leerkracht", "frequency": "Wekelijks",
            "evaluation_moment": "Na 10 weken", "evaluation_criterion": f"Criterium {n}", **changes}


def save_items(actor, version, items, revision=None):
    version.refresh_from_db()
    rev = version.section_revisions.get("handelingsdeel", 0) if revision is None else revision
    return services.version_save_section(actor=actor, version=version, section="handelingsdeel", revision=rev,
                                         items=items)


def goals_of(version):
    """[(goal text, goal id)] in the version's order."""
    return list(ActionItem.objects.filter(version=version).order_by("position").values_list("goal", "plan_goal_id"))


def base(revision, total, initial):
    return {"section": "handelingsdeel", "handelingsdeel-revision": str(revision), "handelingsdeel-TOTAL_FORMS": str(total),
            "handelingsdeel-INITIAL_FORMS": str(initial), "handelingsdeel-MIN_NUM_FORMS": "0",
            "handelingsdeel-MAX_NUM_FORMS": "50"}


# --- the service -------------------------------------------------------------------------------------------------


def test_a_new_row_gets_a_new_goal_of_the_plan_and_a_saved_row_keeps_it(personas, version):
    save_items(personas.begeleider_a, version, [action(1), action(2)])
    (t1, g1), (t2, g2) = goals_of(version)
    assert g1 != g2 and set(Goal.objects.filter(pk__in=[g1, g2]).values_list("plan_id", flat=True)) == {version.plan_id}
    # Reworded and reordered, with the ids the editor carries: each text keeps its goal; a third row is new.
    save_items(personas.begeleider_a, version, [action(2, goal="Doel 2 anders", plan_goal=g2),
                                                action(1, plan_goal=g1), action(3)])
    assert goals_of(version)[:2] == [("Doel 2 anders", g2), ("Doel 1", g1)]
    g3 = goals_of(version)[2][1]
    assert g3 not in (g1, g2) and Goal.objects.filter(plan=version.plan).count() == 3


def test_a_goal_id_of_another_plan_is_refused_and_nothing_is_saved(personas, version, org):
    save_items(personas.begeleider_a, version, [action(1)])
    before = goals_of(version)
    other = PlanVersionFactory(plan=PlanFactory(student=StudentFactory(school=org.school_a)), with_actions=1)
    foreign = other.actions.get().plan_goal_id
    with pytest.raises(ValidationError, match="niet bij dit OPP hoort"):
        save_items(personas.begeleider_a, version, [action(1, goal="Gewijzigd", plan_goal=foreign)])
    with pytest.raises(ValidationError, match="niet bij dit OPP hoort"):
        save_items(personas.begeleider_a, version, [action(1, plan_goal=999_999)])
    assert goals_of(version) == before and other.actions.get().plan_goal_id == foreign


def test_one_goal_in_two_rows_is_refused(personas, version):
    save_items(personas.begeleider_a, version, [action(1)])
    goal = goals_of(version)[0][1]
    with pytest.raises(ValidationError, match="hetzelfde doel"):
        save_items(personas.begeleider_a, version, [action(1, plan_goal=goal), action(2, plan_goal=goal)])
    assert goals_of(version) == [("Doel 1", goal)]


def test_the_goal_link_is_not_part_of_the_consent_hash(personas, version):
    """R-CONSENT-5: consent covers the text; the same text on a new goal is the same handelingsdeel."""
    save_items(personas.begeleider_a, version, [action(1)])
    before = opp_content.handelingsdeel_hash(PlanVersion.objects.get(pk=version.pk))
    save_items(personas.begeleider_a, version, [action(1)])  # no id posted: a new goal, same text
    assert opp_content.handelingsdeel_hash(PlanVersion.objects.get(pk=version.pk)) == before


# --- revision ----------------------------------------------------------------------------------------------------


def test_a_revision_keeps_the_goals_ends_a_removed_one_and_adds_a_new_one(personas, org):
    plan = PlanFactory(student=StudentFactory(school=org.school_a, opp_required=True, support_level="extra"))
    adopted = PlanVersionFactory(plan=plan, adopted=True, with_actions=2)
    old = goals_of(adopted)
    revision = services.revision_start(actor=personas.begeleider_a, plan=plan)
    assert goals_of(revision) == old  # the copy words the same goals (R-SET-5: a revision is a new version)
    (t1, g1), (t2, g2) = old
    save_items(personas.begeleider_a, revision, [{**action(1, goal="Eigen woorden"), "plan_goal": g2}, action(9)])
    (_a, kept), (_b, new) = goals_of(revision)
    assert kept == g2 and new not in (g1, g2)
    # Goal 1 ended for the revision: it has no item there, but it stays, and the adopted version still points to it.
    assert Goal.objects.filter(pk=g1).exists() and not revision.actions.filter(plan_goal_id=g1).exists()
    assert goals_of(adopted) == old
    assert list(Goal.objects.get(pk=g2).items.order_by("version__number").values_list("version_id", flat=True)) == [
        adopted.pk, revision.pk]


def test_an_adopted_versions_items_still_refuse_a_new_goal_link(personas, org):
    """R-SET-5: the goal link is part of the frozen item like its text."""
    plan = PlanFactory(student=StudentFactory(school=org.school_a))
    adopted = PlanVersionFactory(plan=plan, adopted=True, with_actions=1)
    other = Goal.objects.create(plan=plan)
    item = adopted.actions.get()
    with pytest.raises(FrozenVersionError):
        ActionItem.objects.filter(pk=item.pk).update(plan_goal=other)
    item.plan_goal = other
    with pytest.raises(FrozenVersionError):
        item.save()
    with pytest.raises(FrozenVersionError):
        ActionItemFactory(version=adopted, position=5)
    assert adopted.actions.get().plan_goal_id != other.pk and not Goal.objects.filter(plan=plan).exclude(
        items__isnull=False).exclude(pk=other.pk).exists()


# --- the editor: plain save, autosave, reorder -------------------------------------------------------------------


def test_a_plain_save_of_the_page_keeps_each_rows_goal(client, personas, version):
    save_items(personas.begeleider_a, version, [action(1), action(2)])
    before = goals_of(version)
    client.force_login(personas.begeleider_a)
    data = page_form(client, version)
    assert data["handelingsdeel-0-plan_goal"] == str(before[0][1])  # the hidden field carries the goal
    data["handelingsdeel-0-goal"] = "Doel 1, scherper"
    data["handelingsdeel-0-ORDER"], data["handelingsdeel-1-ORDER"] = "2", "1"  # reordered without the script
    response = client.post(editor_url(version), {**data, "section": "handelingsdeel"})
    assert response.status_code == 302
    assert goals_of(version) == [("Doel 2", before[1][1]), ("Doel 1, scherper", before[0][1])]


def test_autosave_fills_in_a_new_rows_goal_and_the_next_autosave_keeps_it(client, personas, version):
    client.force_login(personas.begeleider_a)
    first = client.post(autosave_url(version), {**base(0, 2, 0), **action_fields(0, 1), **action_fields(1, 2)})
    assert first.status_code == 200
    (_t1, g1), (_t2, g2) = goals_of(version)
    assert first.json()["fields"] == {"handelingsdeel-0-plan_goal": g1, "handelingsdeel-1-plan_goal": g2}
    # The script put the ids in the rows; the user moves row 1 up and rewords it: both keep their goal.
    moved = {**base(1, 2, 0), **action_fields(0, 1), **action_fields(1, 2), "handelingsdeel-0-plan_goal": str(g1),
             "handelingsdeel-1-plan_goal": str(g2), "handelingsdeel-1-goal": "Doel 2 herschreven",
             "handelingsdeel-0-ORDER": "2", "handelingsdeel-1-ORDER": "1"}
    second = client.post(autosave_url(version), moved)
    assert second.status_code == 200
    assert goals_of(version) == [("Doel 2 herschreven", g2), ("Doel 1", g1)]
    assert second.json()["fields"] == {"handelingsdeel-1-plan_goal": g2, "handelingsdeel-0-plan_goal": g1}
    assert Goal.objects.filter(plan=version.plan).count() == 2


def test_autosave_with_a_forged_goal_id_is_refused_in_dutch(client, personas, version, org):
    client.force_login(personas.begeleider_a)
    foreign = PlanVersionFactory(plan=PlanFactory(student=StudentFactory(school=org.school_b)), with_actions=1)
    data = {**base(0, 1, 0), **action_fields(0, 1),
            "handelingsdeel-0-plan_goal": str(foreign.actions.get().plan_goal_id)}
    response = client.post(autosave_url(version), data)
    assert response.status_code == 400
    assert "niet bij dit OPP hoort" in response.json()["message"]
    assert not version.actions.exists()
    # Not a number at all: the form says so, nothing is saved either.
    response = client.post(autosave_url(version), {**data, "handelingsdeel-0-plan_goal": "1 OR 1=1"})
    assert response.status_code == 400 and not version.actions.exists()


def test_a_plain_save_with_a_forged_goal_id_keeps_the_typed_text(client, personas, version, org):
    client.force_login(personas.begeleider_a)
    foreign = PlanVersionFactory(plan=PlanFactory(student=StudentFactory(school=org.school_b)), with_actions=1)
    data = page_form(client, version)
    data.update({**action_fields(0, 1), "handelingsdeel-0-goal": "Mijn getypte doel",
                 "handelingsdeel-0-plan_goal": str(foreign.actions.get().plan_goal_id)})
    response = client.post(editor_url(version), {**data, "section": "handelingsdeel"})
    html = response.content.decode()
    assert response.status_code == 200 and "niet bij dit OPP hoort" in html and "Mijn getypte doel" in html
    assert not version.actions.exists()


def test_the_editor_rows_hidden_goal_field_is_not_shown_as_lost_text(client, personas, version):
    save_items(personas.begeleider_a, version, [action(1)])
    client.force_login(personas.begeleider_a)
    parser = _EditorForm()
    parser.feed(client.get(editor_url(version)).content.decode())
    assert parser.data["handelingsdeel-0-plan_goal"] == str(goals_of(version)[0][1])
    assert parser.data.get("handelingsdeel-1-plan_goal") == ""  # the empty extra row: a new goal when filled


# --- the data migration ------------------------------------------------------------------------------------------

BEFORE = [("opp", "0009_bekendmaking_from_made_known")]


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_every_item_a_goal_and_links_a_revision_to_the_revised_goals(org):
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    pupil = StudentFactory(school=org.school_a)
    other_pupil = StudentFactory(school=org.school_a)
    user = UserFactory(username="ib_migratie")
    try:
        executor.migrate(BEFORE)
        old = MigrationExecutor(connection).loader.project_state(BEFORE).apps
        Plan, Version, Item = (old.get_model("opp", n) for n in ("Plan", "PlanVersion", "ActionItem"))
        plan = Plan.objects.create(student_id=pupil.pk, created_by_id=user.pk, state="actief")
        adopted = {"adopted_at": timezone.now(), "adopted_by_id": user.pk}
        lone = Version.objects.create(plan=Plan.objects.create(student_id=other_pupil.pk, created_by_id=user.pk,
                                                               state="actief"), number=1, created_by_id=user.pk)

        def item(version, position, goal):
            return Item.objects.create(version=version, position=position, goal=goal, approach="a", who="w",
                                       frequency="f", evaluation_moment="m", evaluation_criterion="c").pk

        # Each version is written as a concept and then adopted, as in the portal (one open version per plan; on
        # PostgreSQL a trigger refuses items added to an adopted version).
        v1 = Version.objects.create(plan=plan, number=1, created_by_id=user.pk)
        a1, b1 = item(v1, 1, "Leest AVI E4"), item(v1, 2, "Werkt 10 minuten zelfstandig")
        Version.objects.filter(pk=v1.pk).update(state="vervangen", **adopted)
        v2 = Version.objects.create(plan=plan, number=2, created_by_id=user.pk, based_on=v1)
        # v2: goal 1 unchanged (CRLF/space differences do not count), goal 2 reworded, a third new.
        a2, b2, c2 = item(v2, 1, "Leest AVI E4 \r\n"), item(v2, 2, "Werkt 15 minuten zelfstandig"), item(v2, 3, "Rekent")
        Version.objects.filter(pk=v2.pk).update(state="vastgesteld", **adopted)
        v3 = Version.objects.create(plan=plan, number=3, created_by_id=user.pk, state="concept", based_on=v2)
        # v3: the rows moved: same text at another position is a new goal (the rule: same position and text).
        a3, c3 = item(v3, 1, "Leest AVI E4"), item(v3, 2, "Rekent")
        solo = item(lone, 1, "Leest AVI E4")

        MigrationExecutor(connection).migrate(latest)

        goal = dict(ActionItem.objects.values_list("pk", "plan_goal_id"))
        assert None not in goal.values() and len(goal) == 8
        assert goal[a1] == goal[a2] == goal[a3]
        assert len({goal[b1], goal[b2], goal[c2], goal[c3], goal[a1]}) == 5
        assert Goal.objects.get(pk=goal[solo]).plan_id == lone.plan_id and goal[solo] != goal[a1]
        assert set(Goal.objects.filter(pk__in=[goal[k] for k in (a1, b1, b2, c2, c3)]).values_list("plan_id", flat=True)) \
            == {plan.pk}
        # The adopted version's items kept their content (their hashes): only the link was filled.
        assert list(ActionItem.objects.filter(version_id=v2.pk).values_list("goal", flat=True)) == [
            "Leest AVI E4 \r\n", "Werkt 15 minuten zelfstandig", "Rekent"]
        with pytest.raises(FrozenVersionError):
            ActionItem.objects.filter(version_id=v2.pk).update(goal="x")
    finally:
        MigrationExecutor(connection).migrate(latest)


# --- evaluations follow the goal ---------------------------------------------------------------------------------


def test_an_evaluation_outcome_names_the_lasting_goal_and_so_follows_it_into_the_revision(personas, org):
    """evaluations.ItemProgress.goal: filled from the item, so the outcome of version 1's goal is found from the
    revision's item that words the same goal."""
    pupil = StudentFactory(school=org.school_a, opp_required=True, support_level="extra")
    adopted = adopted_plan(pupil, by=personas.begeleider_a)
    evaluation = evaluation_services.evaluation_record(
        actor=personas.begeleider_a, plan=adopted.plan, data=evaluation_data(adopted.adopted_at.date()),
        progress=progress_for(adopted))
    outcomes = {p.goal_id: p.action.plan_goal_id for p in evaluation.progress.select_related("action")}
    assert outcomes and all(goal == item_goal for goal, item_goal in outcomes.items())
    revision = services.revision_start(actor=personas.begeleider_a, plan=adopted.plan)
    first = revision.actions.order_by("position").first()
    assert first.plan_goal.progress.get().evaluation == evaluation


# --- how a goal is named ---------------------------------------------------------------------------------------


def test_a_goal_is_named_by_its_wording_in_its_latest_version_and_by_its_id_without_one(personas, org,
                                                                                       django_assert_num_queries):
    plan = PlanFactory(student=StudentFactory(school=org.school_a, opp_required=True, support_level="extra"))
    adopted = PlanVersionFactory(plan=plan, adopted=True, with_actions=2)
    revision = services.revision_start(actor=personas.begeleider_a, plan=plan)
    (_t1, g1), (_t2, g2) = goals_of(revision)
    long = "Sanne leest\r\nvloeiend een tekst op AVI-niveau E4 en vertelt na afloop in eigen woorden wat er stond"
    save_items(personas.begeleider_a, revision, [action(1, goal=long, plan_goal=g1), action(2, plan_goal=g2)])
    bare = Goal.objects.create(plan=plan)

    assert str(Goal.objects.get(pk=g1)) == "Sanne leest vloeiend een tekst op AVI-niveau E4 en vertelt…"
    assert str(Goal.objects.get(pk=g2)) == "Doel 2"  # the revision's wording, not the adopted version's
    assert adopted.actions.get(plan_goal_id=g2).goal != "Doel 2"
    assert str(bare) == f"Doel {bare.pk} (OPP {plan.pk})"
    # A list of goals is named from one query (the admin, the audit log): annotated or prefetched.
    with django_assert_num_queries(1):
        names = [str(g) for g in Goal.objects.filter(plan=plan).with_wording().order_by("pk")]
    assert names == [str(Goal.objects.get(pk=g1)), "Doel 2", f"Doel {bare.pk} (OPP {plan.pk})"]
    with django_assert_num_queries(2):
        assert [str(g) for g in Goal.objects.filter(plan=plan).prefetch_related("items").order_by("pk")] == names
