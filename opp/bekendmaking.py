"""Bekendmaking per party (R-GPO-2, R-GPO-6, R-GPO-7, R-TIME-4).

A vaststelling (of a version) or an intrekking (of a plan) is made known to each party on its own day: through
the portal on the day itself (written by opp.adoption), or later by letter, e-mail or in person (recorded by
the school here). The GPO's six weeks run per party from that day (opp.rules.gpo_last_day); a withdrawal opens
no GPO route at all (R-GPO-6, GPO 108928), so its rows carry no last day.

Who must be told is one rule (opp.rules.parties_to_tell) for the portal notices and for the school's record.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import access
from accounts.access import Cap
from accounts.models import User
from audit import log as audit
from opp_portal import dates
from opp_portal.loaded import loaded
from students.models import Student

from . import rules
from .consent import GuardianFact, Party
from .models import FROZEN_STATES, Bekendmaking, Plan, PlanVersion

Act = Bekendmaking.Act
Channel = Bekendmaking.Channel
#: What the school records by hand; the portal rows are the system's own (written at the decision).
MANUAL_CHANNELS = (Channel.BRIEF, Channel.EMAIL, Channel.PERSOONLIJK)
_KEY_PREFIX = {"guardian": "ouder", "pupil": "leerling"}


# --- Parties ------------------------------------------------------------------------------------------------


def parties_for(student: Student, *, links=None) -> tuple[Party, ...]:
    """Everyone to whom a decision on `student`'s OPP must be made known (R-GPO-7, R-TIME-4)."""
    if links is None:
        links = student.guardian_links.select_related("guardian")
    links = sorted(links, key=lambda link: (link.guardian.name, link.guardian_id))
    return rules.parties_to_tell(
        pupil_id=student.pk, pupil_name=student.full_name, handelingsbekwaam=student.handelingsbekwaam,
        consent_party=student.consent_party or "leerling", parents_informed=student.parents_informed,
        guardians=[GuardianFact(link.guardian_id, link.guardian.name, link.has_gezag) for link in links])


def portal_parties(student: Student) -> list[tuple[Party, User]]:
    """The parties that are told through the portal: those with an active portal account."""
    links = list(student.guardian_links.select_related("guardian__user"))
    accounts = {link.guardian_id: link.guardian.user for link in links}
    told = []
    for party in parties_for(student, links=links):
        user = student.portal_user if party.kind == "pupil" else accounts.get(party.id)
        if user is not None and user.is_active:
            told.append((party, user))
    return told


def party_key(kind: str, pk: int) -> str:
    """"ouder-12" / "leerling-5": how a party is named in a URL and a form."""
    return f"{_KEY_PREFIX[kind]}-{pk}"


def parse_party_key(value: str) -> tuple[str, int] | None:
    prefix, _sep, number = (value or "").partition("-")
    kind = {v: k for k, v in _KEY_PREFIX.items()}.get(prefix)
    if kind is None or not number.isdigit() or len(number) > 12:
        return None
    return kind, int(number)


# --- The subject: a version's vaststelling or a plan's intrekking --------------------------------------------


def _subject(version_or_plan: PlanVersion | Plan) -> tuple[Plan, PlanVersion | None, str]:
    if isinstance(version_or_plan, PlanVersion):
        return version_or_plan.plan, version_or_plan, Act.VASTSTELLING
    return version_or_plan, None, Act.INTREKKING


def decided_on(version_or_plan: PlanVersion | Plan) -> datetime.date | None:
    """The day of the decision: the adoption, or the withdrawal (which may be dated back). None before it."""
    plan, version, act = _subject(version_or_plan)
    if act == Act.VASTSTELLING:
        return timezone.localdate(version.adopted_at) if version.state in FROZEN_STATES and version.adopted_at else None
    return plan.ended_on if plan.state == Plan.State.INGETROKKEN else None


def _rows(plan: Plan, version: PlanVersion | None, act: str):
    rows = Bekendmaking.objects.filter(plan=plan, act=act).select_related("recorded_by")
    return rows.filter(version=version) if version is not None else rows.filter(version__isnull=True)


def _loaded_rows(plan: Plan, version: PlanVersion | None, act: str):
    """_rows() from the plan's bekendmakingen when the page loaded them (opp.selectors._adopted_parts, with who
    recorded each, in the model's order like _rows), else one query."""
    if not loaded(plan, "bekendmakingen"):
        return _rows(plan, version, act)
    version_id = version.pk if version is not None else None
    return [r for r in plan.bekendmakingen.all() if r.act == act and r.version_id == version_id]


def _party_fields(kind: str, pk: int) -> dict:
    return {"guardian_id": pk, "pupil_id": None} if kind == "guardian" else {"guardian_id": None, "pupil_id": pk}


# --- Writes ---------------------------------------------------------------------------------------------------


def record_portal(*, version_or_plan: PlanVersion | Plan, on: datetime.date) -> list[User]:
    """At the decision, inside its transaction: a "portaal" row dated `on` for every party told through the
    portal. Returns their accounts, for the notice. Idempotent: a party already on record keeps its row."""
    plan, version, act = _subject(version_or_plan)
    told = portal_parties(plan.student)
    for party, _user in told:
        Bekendmaking.objects.get_or_create(
            plan=plan, act=act, version=version, **_party_fields(party.kind, party.id),
            defaults={"party_name": party.name[:200], "channel": Channel.PORTAAL, "made_known_on": on})
    return [user for _party, user in told]


@transaction.atomic
def bekendmaking_record(*, actor: User, version_or_plan: PlanVersion | Plan, party: Party | tuple[str, int],
                        channel: str, made_known_on: datetime.date | None) -> Bekendmaking:
    """The school records that `party` was told of the vaststelling (a version) or the intrekking (a plan) on
    `made_known_on`, by letter, e-mail or in person. From that day the party's six weeks run (R-GPO-2)."""
    plan, version, act = _subject(version_or_plan)
    # One at a time per plan: two colleagues recording the same letter get one row and one clear refusal.
    plan = Plan.objects.select_for_update(of=("self",)).select_related("student__school").get(pk=plan.pk)
    if version is not None:
        version = PlanVersion.objects.get(pk=version.pk)
    student = plan.student
    access.require_cap(actor, Cap.PLAN_EDIT, student.school)
    since = decided_on(version if version is not None else plan)
    if since is None:
        raise ValidationError(_("Deze versie is niet vastgesteld: er is nog niets bekend te maken.")
                              if version is not None else _("Dit OPP is niet ingetrokken."))
    kind, pk = (party.kind, party.id) if isinstance(party, Party) else party
    errors: dict[str, str] = {}
    known = next((p for p in parties_for(student) if (p.kind, p.id) == (kind, pk)), None)
    if known is None:
        errors["party"] = _("Kies een ouder met gezag of de meerderjarige leerling aan wie het besluit bekend moet "
                            "worden gemaakt.")
    elif (existing := _rows(plan, version, act).filter(**_party_fields(kind, pk)).first()) is not None:
        errors["party"] = _("De bekendmaking aan %(name)s is al vastgelegd: %(channel)s, op %(d)s.") % {
            "name": existing.party_name, "channel": existing.get_channel_display().lower(),
            "d": dates.formatted(existing.made_known_on)}
    if channel not in MANUAL_CHANNELS:
        errors["channel"] = _("Kies hoe het besluit bekend is gemaakt: per brief, per e-mail of persoonlijk. Een "
                              "bericht in het portaal legt het systeem zelf vast.")
    if made_known_on is None:
        errors["made_known_on"] = _("Vul de datum in waarop het besluit bekend is gemaakt.")
    elif made_known_on > timezone.localdate():
        errors["made_known_on"] = _("Deze datum ligt in de toekomst. Leg de bekendmaking vast als de brief is "
                                    "verstuurd of het gesprek is gevoerd.")
    elif made_known_on < since:
        errors["made_known_on"] = (
            _("De bekendmaking kan niet vóór de vaststelling liggen (%(d)s).") if version is not None
            else _("De bekendmaking kan niet vóór de intrekking liggen (%(d)s).")) % {"d": dates.formatted(since)}
    if errors:
        raise ValidationError(errors)
    row = Bekendmaking(plan=plan, act=act, version=version, **_party_fields(kind, pk), party_name=known.name[:200],
                       channel=channel, made_known_on=made_known_on, recorded_by=actor)
    row.full_clean()
    row.save()
    audit.record(actor, audit.Action.CREATE, row, school=student.school_id, details={
        "act": act, "channel": channel, "party": f"{kind}:{pk}", "made_known_on": made_known_on.isoformat(),
        "version": version.pk if version is not None else None, "plan": plan.pk})
    return row


# --- Reads ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PartyStatus:
    """One party of a decision: its bekendmaking (or none yet) and, for a vaststelling, its last day at the GPO."""

    party: Party
    row: Bekendmaking | None
    must_be_told: bool  # False: a row of someone who is no longer a party (kept as it was recorded)
    act: str

    @property
    def key(self) -> str:
        return party_key(self.party.kind, self.party.id)

    @property
    def is_pupil(self) -> bool:
        return self.party.kind == "pupil"

    @property
    def last_day(self) -> datetime.date | None:
        if self.row is None or self.act != Act.VASTSTELLING:
            return None
        return rules.gpo_last_day(self.row.made_known_on)


def overview(version_or_plan: PlanVersion | Plan) -> dict | None:
    """Per party that must be told: its row (channel, date, GPO last day) or nothing yet. None before the decision."""
    plan, version, act = _subject(version_or_plan)
    since = decided_on(version_or_plan)
    if since is None:
        return None
    by_party = {(r.party_kind, r.party_id): r for r in _loaded_rows(plan, version, act)}
    links = plan.student.guardian_links.all() if loaded(plan.student, "guardian_links") else None
    statuses = [PartyStatus(p, by_party.pop((p.kind, p.id), None), True, act)
                for p in parties_for(plan.student, links=links)]
    # A guardian unlinked (or whose gezag ended) after being told stays on record as told.
    statuses += [PartyStatus(Party(r.party_kind, r.party_id, r.party_name), r, False, act) for r in by_party.values()]
    return {"act": act, "since": since, "parties": statuses, "withdrawal": act == Act.INTREKKING,
            "pending": [s for s in statuses if s.row is None and s.must_be_told]}


def status_for(version_or_plan: PlanVersion | Plan, key: str) -> PartyStatus | None:
    """One party of the decision by its key ("ouder-12"), or None when it is not one of them."""
    found = overview(version_or_plan)
    return next((s for s in found["parties"] if s.key == key), None) if found else None


def rows_of_user(user: User, student: Student, version_or_plan: PlanVersion | Plan, *,
                 guardian_ids: set[int] | None = None) -> list[Bekendmaking]:
    """The rows of the parties this portal user is: their own, never another parent's. `guardian_ids`: the ids of the
    user's guardian rows, when the caller has them (the rows' guardians are then not read)."""
    plan, version, act = _subject(version_or_plan)
    rows = _rows(plan, version, act)
    if guardian_ids is None:
        rows = rows.select_related("guardian")

    def own_guardian(r) -> bool:
        return r.guardian_id in guardian_ids if guardian_ids is not None else r.guardian.user_id == user.pk

    return [r for r in rows
            if (r.pupil_id is not None and r.pupil_id == student.pk and student.portal_user_id == user.pk)
            or (r.guardian_id is not None and own_guardian(r))]


def latest_made_known_on(version_or_plan: PlanVersion | Plan) -> datetime.date | None:
    """The last day on which any party was told (so the last of the parties' GPO terms starts from it)."""
    plan, version, act = _subject(version_or_plan)
    return max(_rows(plan, version, act).values_list("made_known_on", flat=True), default=None)


def first_made_known_on(version_or_plan: PlanVersion | Plan) -> datetime.date | None:
    plan, version, act = _subject(version_or_plan)
    return min(_rows(plan, version, act).values_list("made_known_on", flat=True), default=None)
