"""What may happen to a plan and its version, in which state, with which capability (R-SET, R-TIME-2, R-CONSENT).

One table, read by everyone: the services refuse what it refuses (each with its own Dutch message), the views
build their buttons from `allowed()` and give the templates booleans, so no template or view spells out a state
or a role. Roles map to capabilities only in accounts.access; the adoption mandate is a capability there too.

    plan:     actief ──(intrekken: PLAN_WITHDRAW)──► ingetrokken
                 └────(beëindigen, after an evaluation: PLAN_EDIT)──► beëindigd
    version:  concept ─► in overleg ─► instemming gevraagd ─► ter vaststelling ─► vastgesteld ─► vervangen
                 (edit)      (edit; ask consent; submit)          (adopt / send back)    (start revision)
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from types import SimpleNamespace

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts import access
from accounts.access import Cap

from .models import EDITABLE_STATES, Plan, PlanVersion, VersionState


class Action(enum.StrEnum):
    EDIT = "edit"  # save a section of the open version
    TO_OVERLEG = "to_overleg"
    ASK_CONSENT = "ask_consent"  # R-CONSENT-4
    SUBMIT = "submit"  # ter vaststelling aanbieden
    ADOPT = "adopt"  # vaststellen (R-SET-1)
    SEND_BACK = "send_back"
    WITHDRAW = "withdraw"  # intrekken (R-SET-5)
    START_REVISION = "start_revision"  # bijstellen (R-SET-5, R-CONSENT-7)
    END = "end"  # beëindigen, through an evaluation (R-SET-5, R-EVAL-1)
    RECORD_CONSULTATION = "record_consultation"  # OOGO (R-CONSENT-1)
    RECORD_EVALUATION = "record_evaluation"  # R-EVAL-1


@dataclass(frozen=True)
class Rule:
    cap: Cap
    #: The version states in which it applies to a version; None: an act on the plan.
    version_states: frozenset[str] | None = None
    #: The plan must have an adopted version in force.
    needs_adopted: bool = False
    #: No version of the plan may be open (concept … ter vaststelling).
    needs_no_open: bool = False


_AWAITING_CONSENT = frozenset({VersionState.IN_OVERLEG, VersionState.INSTEMMING_GEVRAAGD})

TABLE: dict[Action, Rule] = {
    Action.EDIT: Rule(Cap.PLAN_EDIT, EDITABLE_STATES),
    Action.TO_OVERLEG: Rule(Cap.PLAN_EDIT, frozenset({VersionState.CONCEPT})),
    Action.ASK_CONSENT: Rule(Cap.PLAN_EDIT, frozenset({VersionState.IN_OVERLEG})),
    Action.SUBMIT: Rule(Cap.PLAN_EDIT, _AWAITING_CONSENT),
    Action.ADOPT: Rule(Cap.PLAN_ADOPT, frozenset({VersionState.TER_VASTSTELLING})),
    Action.SEND_BACK: Rule(Cap.PLAN_ADOPT, frozenset({VersionState.TER_VASTSTELLING})),
    Action.WITHDRAW: Rule(Cap.PLAN_WITHDRAW),
    Action.START_REVISION: Rule(Cap.PLAN_EDIT, needs_adopted=True, needs_no_open=True),
    Action.END: Rule(Cap.PLAN_EDIT, needs_adopted=True, needs_no_open=True),
    Action.RECORD_CONSULTATION: Rule(Cap.PLAN_EDIT),
    Action.RECORD_EVALUATION: Rule(Cap.PLAN_EDIT, needs_adopted=True),
}


class Refusal(enum.StrEnum):
    """Why the state does not allow an action; each service words it in its own Dutch message."""

    PLAN_ENDED = "plan_ended"
    VERSION_STATE = "version_state"
    NOT_ADOPTED = "not_adopted"
    OPEN_VERSION = "open_version"


def why_not(action: Action, *, plan_state: str, version_state: str | None = None, has_adopted: bool = False,
            has_open: bool = False) -> Refusal | None:
    """Pure: None when the state of the plan (and of the version, for a version's action) allows `action`, else why
    not. Every action needs a running plan: an ended or withdrawn plan stays on record as it is (R-SET-5)."""
    rule = TABLE[action]
    if plan_state != Plan.State.ACTIEF:
        return Refusal.PLAN_ENDED
    if rule.version_states is not None and version_state not in rule.version_states:
        return Refusal.VERSION_STATE
    if rule.needs_no_open and has_open:
        return Refusal.OPEN_VERSION
    if rule.needs_adopted and not has_adopted:
        return Refusal.NOT_ADOPTED
    return None


def state_allows(action: Action, **state) -> bool:
    return why_not(action, **state) is None


#: What a refusal says when the service has no words of its own for it.
MESSAGES = {
    Refusal.PLAN_ENDED: _("Dit OPP is beëindigd of ingetrokken."),
    Refusal.VERSION_STATE: _("Dat kan niet in deze status van de versie (%(state)s)."),
    Refusal.NOT_ADOPTED: _("Dit OPP heeft nog geen vastgestelde versie."),
    Refusal.OPEN_VERSION: _("Er is al een versie in bewerking; rond die eerst af."),
}


def require_state(action: Action, plan: Plan, version: PlanVersion | None = None, *,
                  messages: dict[Refusal, str] | None = None) -> None:
    """Raise a ValidationError with the service's message (or the default one) unless the state allows `action`.
    The capability is the service's own check (access.require_cap, with the pupil's school)."""
    refusal = why_not_for(action, plan, version)
    if refusal is None:
        return
    message = str({**MESSAGES, **(messages or {})}[refusal])
    if "%(state)s" in message:
        message = message % {"state": version.get_state_display() if version else ""}
    raise ValidationError(message, code=str(refusal))


def _plan_facts(plan: Plan, versions=None) -> tuple[bool, bool]:
    """(has an adopted version, has an open version): from `versions` or prefetched ones when given (else one query)."""
    states = {v.state for v in (plan.versions.all() if versions is None else versions)}
    return VersionState.VASTGESTELD in states, bool(states & {VersionState.CONCEPT, VersionState.IN_OVERLEG,
                                                              VersionState.INSTEMMING_GEVRAAGD,
                                                              VersionState.TER_VASTSTELLING})


def why_not_for(action: Action, plan: Plan, version: PlanVersion | None = None) -> Refusal | None:
    """why_not() for stored objects (the services pass the rows they locked)."""
    rule = TABLE[action]
    has_adopted, has_open = _plan_facts(plan) if rule.needs_adopted or rule.needs_no_open else (False, False)
    return why_not(action, plan_state=plan.state, version_state=version.state if version else None,
                   has_adopted=has_adopted, has_open=has_open)


def allowed(user, plan: Plan, version: PlanVersion | None = None, *, versions=None) -> SimpleNamespace:
    """For views and templates: one boolean per action (`can.submit`, `can.start_revision`, …) — the state allows it
    and the user holds the capability at the pupil's school. Version actions are False without a version.
    `versions`: the plan's versions when the caller has them already (saves a query)."""
    school = plan.student.school
    has_adopted, has_open = _plan_facts(plan, versions)
    result = {}
    for action, rule in TABLE.items():
        if rule.version_states is not None and version is None:
            result[action.value] = False
            continue
        result[action.value] = state_allows(
            action, plan_state=plan.state, version_state=version.state if version else None,
            has_adopted=has_adopted, has_open=has_open) and access.has_cap(user, rule.cap, school)
    return SimpleNamespace(**result)
