"""A model's default ordering (Meta.ordering) names columns of its own table.

Ordering by a relation ("plan", "version") orders by the related model's own ordering: Django joins the related
table (and, for PlanVersion → Plan, the next one too) into every query of the model that keeps its default order —
every prefetch of a version's items joined opp_planversion and opp_plan only to sort them. Each join costs compiling
on every query and work in PostgreSQL. Within one parent (how the app reads items, versions and measurements) the
order is the same; across parents it is by the parent's id.
"""

import inspect
import pathlib

import pytest
from django.apps import apps
from django.db import models

from opp.models import ActionItem, PlanVersion

#: Orderings that follow a relation on purpose: the order is the related row's, and the join is worth it.
JOINS_ON_PURPOSE = {
    ("evaluations.ItemProgress", "action__position"),  # an evaluation's progress in the order of the plan's items
    ("accounts.Membership", "user__username"),  # the admin and the beheer list: by user name
}
ROOT = pathlib.Path(__file__).resolve().parents[2]


def _ours(model) -> bool:
    """A model of this project (its module is a file of the repository, not of a library in the venv)."""
    path = pathlib.Path(inspect.getfile(model)).resolve()
    return path.is_relative_to(ROOT) and ".venv" not in path.parts


def _joins(model) -> list[str]:
    found = []
    for term in model._meta.ordering:
        if not isinstance(term, str):
            continue
        name = term.lstrip("-")
        if name == "pk" or name == "?":
            continue
        if "__" in name:
            found.append(name)
            continue
        field = model._meta.get_field(name)
        if isinstance(field, models.ForeignKey) and name != field.attname:
            found.append(name)
    return [name for name in found if (model._meta.label, name) not in JOINS_ON_PURPOSE]


@pytest.mark.parametrize("model", [m for m in apps.get_models() if _ours(m)], ids=lambda m: m._meta.label)
def test_default_ordering_does_not_join(model):
    assert _joins(model) == []


def test_an_items_query_reads_one_table():
    assert " JOIN " not in str(ActionItem.objects.filter(version_id=1).query)
    assert " JOIN " not in str(PlanVersion.objects.filter(plan_id=1).query)
