"""The editor's SMART hints (opp.smart) and its "Doel overnemen" link (opp.copy_forward).

`{% smart_hints form %}` renders the hints under one handelingsdeel row from what the row holds now: the stored item
after loading, or what the user posted when the page comes back after a save. `{% smart_hints_config %}` gives
static/js/smart_hints.js the same rules as JSON, so that the script repeats them while the user types.
"""

from __future__ import annotations

from django import template
from django.utils.html import json_script

from opp import copy_forward, measures, smart

register = template.Library()

CONFIG_ID = "smart-hints-config"


def _value(form, name: str):
    return form[name].value() if name in form.fields else None


def _text(form, name: str) -> str:
    value = _value(form, name)
    return value if isinstance(value, str) else ""


def row_hints(form, pupil_name: str) -> list[smart.Hint]:
    """The hints of one editor row (a handelingsdeel form, bound or not)."""
    measure = measures.Measure(instrument=_text(form, "measure_instrument"), target=_text(form, "measure_target"),
                               target_on=_value(form, "measure_target_on") or None)
    return smart.hints(_text(form, "goal"), measure, pupil_name=pupil_name,
                       bank_original=_text(form, "goal_bank_original"))


@register.inclusion_tag("opp/_smart_hints.html", takes_context=True)
def smart_hints(context, form):
    student = context.get("student")
    return {"form": form, "goal_id": _value(form, "plan_goal") or "", "intro": smart.INTRO,
            "hints": row_hints(form, getattr(student, "first_name", ""))}


@register.simple_tag(takes_context=True)
def smart_hints_config(context):
    student = context.get("student")
    return json_script(smart.client_config(getattr(student, "first_name", "")), CONFIG_ID)


@register.simple_tag
def copy_forward_available(version) -> bool:
    """Whether the pupil has an earlier goal to start from (the editor's link to the copy-forward page)."""
    return copy_forward.has_sources(version)
