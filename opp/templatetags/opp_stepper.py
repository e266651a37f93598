"""{% opp_stepper %}: the plan's road and its one next step (opp.next_step), for the user who reads the page.

The pupil page gets the facts from opp.selectors.pupil_page (its provider, no user there); the plan page gets the
whole next step in its context (OppConfig.ready() registers it with opp.contributions); the version page asks here.
"""

from __future__ import annotations

from django import template
from django.utils import timezone

from opp import compliance, next_step, selectors

register = template.Library()


@register.inclusion_tag("opp/_stepper.html", takes_context=True)
def opp_stepper(context, plan=None, findings=None, on_version_page=False):
    """`findings`: the compliance findings of the page's version, when it has them (a content gap comes first).
    `on_version_page`: the version page has its own buttons for these steps; the stepper then names the step
    and leaves the button to the page, so that the page keeps one button per action."""
    request = context.get("request")
    user = getattr(request, "user", None)
    found = context.get("next_step")
    if found is None and context.get("next_step_facts") is not None:
        facts = context["next_step_facts"]
        student = context.get("student")
        # A pupil without a running plan who needs none: no road to show.
        if facts.plan_id or facts.opp_required:
            found = next_step.decide(facts, selectors.next_step_can(user, context.get("next_step_plan"), student))
    elif found is None and plan is not None and user is not None:
        blocking = compliance.content_blocking(findings) if findings is not None else None
        found = selectors.next_step_for_plan(user, plan, timezone.localdate(), blocking=blocking)
    own = VERSION_PAGE_ACTIONS if on_version_page else ()
    return {"next_step": found, "csrf_token": context.get("csrf_token"), "request": request,
            "button_elsewhere": bool(found and found.action and found.action.key in own)}


#: The steps whose button the version page shows itself (its header and its consent section).
VERSION_PAGE_ACTIONS = ("to_overleg", "ask_consent", "submit")
