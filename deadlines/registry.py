"""The registry of deadline kinds. Each kind says which subjects are due, from which date.

The date arithmetic is pure (students.deadlines, deadlines.steps, opp_portal.schoolyear); the kinds below only
fetch the candidate subjects with indexed queries. Later features register their kinds with `register()`.
Deadlines stand above the apps whose subjects they watch and import them; those apps know nothing of deadlines.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import access
from disputes.models import Dispute
from disputes.rules import DEFENCE_DAYS, RESPONSE_DAYS, RULING_DAYS
from evaluations.selectors import (
    commission_evaluated_plan_ids,
    evaluated_plan_ids,
    first_set_dates,
    is_due_this_year,
)
from opp.consent_services import party_users
from opp.models import ConsentRequest, Plan
from opp_portal.schoolyear import school_year, school_year_label
from students.eligibility import COMMISSION_SOORTEN
from students.models import Student
from swv import rules as swv_rules
from swv.models import AdmissionDecision, SwvRequest
from swv.selectors import leads_for

from .steps import StepConfig, config_from_settings


@dataclass(frozen=True)
class DueItem:
    kind: str
    subject_type: str
    subject_id: int
    school_id: int
    due_on: datetime.date
    period: str
    initials: str  # what an email may name (ARCHITECTURE.md): initials, and the school
    url: str
    state: str = ""  # e.g. "geen_instemming" (consent issue)
    #: The pupil, for a subject that is not the pupil itself but belongs to one (a consent request): "Mijn taken"
    #: shows that pupil's next step without looking it up again.
    student_id: int | None = None


@dataclass
class Kind:
    key: str
    label: str
    items: Callable[[datetime.date, Iterable[int] | None], Iterable[DueItem]]
    default_steps: StepConfig = field(default_factory=StepConfig)
    # Roles reminded at every step (escalation adds more).
    remind_roles: tuple[str, ...] = ("begeleider",)
    # Instead of roles: a function (items, step-by-item) → {subject_id: [users]} for kinds whose
    # recipients are not staff (a consent request reminds the parents first).
    recipients: Callable | None = None
    # Kinds that concern more than the pupil's school staff (disputes): "Mijn taken" shows them only at
    # schools where the user holds this capability.
    view_cap: str | None = None
    # (today) → the earliest due date any item of this kind can have today, for kinds whose items share one date (the
    # school year's end): "Mijn taken" skips the kind's queries while that date lies beyond its horizon, as every
    # item would fall outside it (most of the school year for the evaluations).
    earliest_due: Callable[[datetime.date], datetime.date] | None = None

    @property
    def steps(self) -> StepConfig:
        raw = settings.OPP_REMINDER_STEPS.get(self.key)
        return config_from_settings(raw) if raw else self.default_steps


REGISTRY: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    REGISTRY[kind.key] = kind
    return kind


_PK_MARK = 987654321


def url_of(name: str) -> Callable[[int], str]:
    """reverse(name, args=[pk]) for many integer pks: the pattern is reversed once, each URL is a format. A sweep
    of 100,000 pupils builds 65,000 item URLs; a reverse() each took about a fifth of its time (bench/pages.py)."""
    head, tail = reverse(name, args=[_PK_MARK]).split(str(_PK_MARK), 1)
    return lambda pk: f"{head}{int(pk)}{tail}"


def initials(first: str, last: str) -> str:
    parts = [first[:1]] + [p[:1] for p in last.split() if p[:1].isupper()]
    return ".".join(p.upper() for p in parts if p) + "."


# --- OPP vaststellen: start + 42 days until a version is adopted (R-TIME-1) ------------------------


def opp_setting_items(today: datetime.date, school_ids: Iterable[int] | None = None, *,
                      horizon_days: int | None = None) -> Iterable[DueItem]:
    horizon = horizon_days if horizon_days is not None else max(REGISTRY["opp_vaststellen"].steps.before or (0,))
    # "Geen instemming": the latest consent request of the pupil's open version was refused. The item
    # then asks for a new consultation instead of escalating (ARCHITECTURE.md "Consent parties").
    refused = ConsentRequest.objects.filter(
        version__plan__student=OuterRef("pk"), version__plan__state="actief",
        version__state__in=["concept", "in_overleg"], state=ConsentRequest.State.GEWEIGERD,
    ).exclude(version__consent_requests__requested_at__gt=F("requested_at"))
    qs = (Student.objects.filter(opp_required=True, opp_due_on__isnull=False,
                                 opp_due_on__lte=today + datetime.timedelta(days=horizon))
          .filter(Q(left_on__isnull=True) | Q(left_on__gt=today))
          # The stored standing (students.history): a term runs while the current plan is not in force.
          .filter(opp_in_force=False)
          .annotate(refused=Exists(refused))
          .order_by())  # the sweep needs no order; Student's default (by name) cost a sort of every due pupil
    rows = qs.values_list("pk", "school_id", "opp_due_on", "first_name", "last_name", "refused")
    if school_ids is not None:
        # A few schools ("Mijn taken"): one plain fetch; a server-side cursor (WITH HOLD) costs more round trips.
        rows = list(rows.filter(school_id__in=list(school_ids)))
    else:  # the sweep: every due pupil of the database, in chunks
        rows = rows.iterator(chunk_size=2000)
    url = url_of("students:detail")
    for pk, school_id, due_on, first, last, was_refused in rows:
        yield DueItem("opp_vaststellen", "students.student", pk, school_id, due_on, due_on.isoformat(),
                      initials(first, last), url(pk),
                      state="geen_instemming" if was_refused else "")


register(Kind("opp_vaststellen", _("OPP vaststellen (zes weken)"), opp_setting_items))


# --- Evaluatie: once per school year for an adopted plan (R-EVAL-1) -----------------------------------


#: Reads the kinds of one task list share (deadlines.selectors.tasks_for runs its kinds `with shared_reads()`): the
#: evaluation and the commission kinds read the same candidate plans. Outside it (the sweep) each kind reads its own.
_shared: contextvars.ContextVar[dict | None] = contextvars.ContextVar("deadline_kinds_shared_reads", default=None)


@contextlib.contextmanager
def shared_reads():
    token = _shared.set({})
    try:
        yield
    finally:
        _shared.reset(token)


def _evaluation_candidates(today: datetime.date, school_ids, *, vso_only: bool = False):
    """Running plans with an adopted version of present pupils, due for evaluation this school year (R-EVAL-1):
    (plan, school, first name, last name, onderwijssoort); `vso_only`: of the (v)so only (the commission)."""
    shared = _shared.get()
    key = ("evaluation_candidates", today, None if school_ids is None else tuple(school_ids))
    if shared is not None and key in shared:
        rows = shared[key]
    else:
        qs = Plan.objects.filter(state=Plan.State.ACTIEF, versions__state="vastgesteld").filter(
            Q(student__left_on__isnull=True) | Q(student__left_on__gt=today)).order_by()
        if vso_only and shared is None:
            qs = qs.filter(student__onderwijssoort__in=COMMISSION_SOORTEN)
        if school_ids is not None:
            qs = qs.filter(student__school_id__in=list(school_ids))
        rows = list(qs.values_list("pk", "student__school_id", "student__first_name", "student__last_name",
                                   "student__onderwijssoort"))
        if rows:
            first = first_set_dates([r[0] for r in rows])
            # R-EVAL-1: a plan first set on or after 1 May (configurable) is first due the next school year.
            rows = [r for r in rows if is_due_this_year(first.get(r[0]), today)]
        if shared is not None:
            shared[key] = rows
    return [r for r in rows if r[4] in COMMISSION_SOORTEN] if vso_only else rows


def evaluation_items(today: datetime.date, school_ids: Iterable[int] | None = None) -> Iterable[DueItem]:
    year_start, year_end = school_year(today)
    rows = _evaluation_candidates(today, school_ids)
    done = evaluated_plan_ids([r[0] for r in rows], year_start, year_end) if rows else set()
    url = url_of("opp:plan")
    for pk, school_id, first, last, _soort in rows:
        if pk in done:
            continue
        yield DueItem("evaluatie", "opp.plan", pk, school_id, year_end, school_year_label(today),
                      initials(first, last), url(pk))


#: Reminders from 1 April (121 days before 31 July), escalation to the schoolleider from 1 July. On 1 August
#: a new school year begins and with it a new deadline, so there is no escalation after the due date.
EVALUATION_STEPS = StepConfig(before=(121, 30, 14, 7), escalate=((-30, "schoolleider"),))


def school_year_end(today: datetime.date) -> datetime.date:
    """The due date of every evaluation item (evaluation_items, commission_items): the school year's last day."""
    return school_year(today)[1]


register(Kind("evaluatie", _("Jaarlijkse evaluatie van het OPP"), evaluation_items, default_steps=EVALUATION_STEPS,
              earliest_due=school_year_end))


def commission_items(today: datetime.date, school_ids: Iterable[int] | None = None) -> Iterable[DueItem]:
    year_start, year_end = school_year(today)
    rows = _evaluation_candidates(today, school_ids, vso_only=True)
    done = commission_evaluated_plan_ids([r[0] for r in rows], year_start, year_end) if rows else set()
    url = url_of("opp:plan")
    for pk, school_id, first, last, _soort in rows:
        if pk in done:
            continue
        yield DueItem("commissie_evaluatie", "opp.plan", pk, school_id, year_end, school_year_label(today),
                      initials(first, last), url(pk))


register(Kind("commissie_evaluatie", _("Jaarlijkse evaluatie door de commissie ((v)so)"), commission_items,
              default_steps=EVALUATION_STEPS, remind_roles=("commissie",), earliest_due=school_year_end))


# --- Instemming gevraagd: the parties after 7 days, the begeleider after 14 (R-CONSENT-4) ----------------


def consent_items(today: datetime.date, school_ids: Iterable[int] | None = None) -> Iterable[DueItem]:
    # Only the columns the items need: loading whole versions (every section text) made PostgreSQL scan all
    # plans rather than look a school's up by index (bench/pages.py).
    qs = ConsentRequest.objects.filter(state=ConsentRequest.State.OPEN).order_by("-requested_at", "-pk")
    if school_ids is not None:
        # By the schools' pupils' ids: joined through students.school_id, PostgreSQL estimates a school at the
        # database's average size and hashes every plan in the database (bench/pages.py, school_overview).
        pupils = list(Student.objects.filter(school_id__in=list(school_ids)).order_by().values_list("pk", flat=True))
        qs = qs.filter(version__plan__student_id__in=pupils)
    rows = qs.values_list("pk", "version_id", "requested_at", "version__plan__student__school_id",
                          "version__plan__student__first_name", "version__plan__student__last_name",
                          "version__plan__student_id")
    url = url_of("opp:version")
    for pk, version_id, requested_at, school_id, first, last, student_id in rows:
        due_on = timezone.localtime(requested_at).date() + datetime.timedelta(days=7)
        yield DueItem("instemming", "opp.consentrequest", pk, school_id, due_on, due_on.isoformat(),
                      initials(first, last), url(version_id), student_id=student_id)


def consent_recipients(item: DueItem, step) -> list:
    """Step 0 (7 days after the request) and later: the parties who have not answered yet, by their portal
    account; from 7 days after that (14 in all) also the begeleiders (escalation)."""
    req = ConsentRequest.objects.get(pk=item.subject_id)
    answered = {("guardian" if a.guardian_id else "pupil", a.guardian_id or a.pupil_id) for a in req.answers.all()}
    waiting = [p for p in req.parties if (p["kind"], p["id"]) not in answered]
    return [user for user, _party in party_users(waiting)]


register(Kind("instemming", _("Verzoek om instemming wacht op antwoord"), consent_items,
              default_steps=StepConfig(before=(), on_the_day=True, weekly_overdue=True, escalate=((7, "begeleider"),)),
              remind_roles=(), recipients=consent_recipients))


# --- Geschillen (GPO): the defence, the ruling, the board's response (R-GPO-3, R-GPO-4) --------------


def _dispute_items(kind_key: str, today: datetime.date, school_ids, flt: Q, due_field: str, days: int):
    qs = Dispute.objects.exclude(state=Dispute.State.GESLOTEN).filter(flt).order_by()
    if school_ids is not None:
        qs = qs.filter(plan__student__school_id__in=list(school_ids))
    rows = qs.values_list("pk", "plan__student__school_id", due_field, "plan__student__first_name",
                          "plan__student__last_name")
    url = url_of("disputes:detail")
    for pk, school_id, start, first, last in rows:
        due_on = start + datetime.timedelta(days=days)
        yield DueItem(kind_key, "disputes.dispute", pk, school_id, due_on, due_on.isoformat(), initials(first, last),
                      url(pk))


def defence_items(today: datetime.date, school_ids: Iterable[int] | None = None) -> Iterable[DueItem]:
    return _dispute_items("verweer", today, school_ids, Q(received_on__isnull=False, defence_submitted_on__isnull=True),
                          "received_on", DEFENCE_DAYS)


def ruling_items(today: datetime.date, school_ids: Iterable[int] | None = None) -> Iterable[DueItem]:
    return _dispute_items("advies_verwacht", today, school_ids, Q(received_on__isnull=False, advice_on__isnull=True),
                          "received_on", RULING_DAYS)


def response_items(today: datetime.date, school_ids: Iterable[int] | None = None) -> Iterable[DueItem]:
    return _dispute_items("reactie_bestuur", today, school_ids, Q(advice_on__isnull=False) & (
        Q(response_sent_parents_on__isnull=True) | Q(response_sent_commission_on__isnull=True)), "advice_on", RESPONSE_DAYS)


def dispute_recipients(item: DueItem, step) -> list:
    """The board's geschillen role and bestuurder: the sweep's role lookup knows only school roles."""
    return access.dispute_handlers_of(item.school_id)


_DISPUTE_KIND = {"remind_roles": ("geschillen",), "recipients": dispute_recipients, "view_cap": "dispute.edit"}
register(Kind("verweer", _("Verweer indienen bij de Geschillencommissie"), defence_items,
              default_steps=StepConfig(before=(7,), escalate=()), **_DISPUTE_KIND))
register(Kind("advies_verwacht", _("Advies van de Geschillencommissie verwacht"), ruling_items,
              default_steps=StepConfig(before=(), escalate=()), **_DISPUTE_KIND))
# From the day the advice arrives (14 days before the due date) until both sending dates are recorded, weekly.
register(Kind("reactie_bestuur", _("Reactie van het bestuur op het advies verzenden"), response_items,
              default_steps=StepConfig(before=(14, 7), escalate=()), **_DISPUTE_KIND))


# --- TLV verloopt: the request for a new TLV or an extension is due at the SWV (swv.rules.request_due_on) ----------

#: Requests that take care of a TLV's end: handed in at the SWV, or already decided by it.
TLV_REQUEST_KINDS = (SwvRequest.Kind.TLV, SwvRequest.Kind.VERLENGING)
TLV_REQUEST_DONE = (SwvRequest.State.INGEDIEND, SwvRequest.State.TOEGEKEND, SwvRequest.State.AFGEWEZEN)
#: The longest lead time an SWV can state: a fixed day-month lies within a year before the end, weeks at most 52.
_MAX_LEAD_DAYS = 366


def tlv_items(today: datetime.date, school_ids: Iterable[int] | None = None, *,
              horizon_days: int | None = None) -> Iterable[DueItem]:
    """The pupil's TLV with the latest end, not withdrawn and not onbepaald, of a pupil still enrolled, for which no
    request of kind tlv/verlenging was handed in or decided since (one that names it as extended, or one handed in
    on or after its decision date — not the request it came from). Due: the SWV's lead time before the end."""
    horizon = horizon_days if horizon_days is not None else max(REGISTRY["tlv_verloopt"].steps.before or (0,))
    tlvs = AdmissionDecision.objects.filter(kind=swv_rules.KIND_TLV, withdrawn_at__isnull=True)
    qs = (tlvs.filter(ends_on__isnull=False,
                      ends_on__lte=today + datetime.timedelta(days=horizon + _MAX_LEAD_DAYS))
          .filter(Q(student__left_on__isnull=True) | Q(student__left_on__gt=today))
          .order_by())
    if school_ids is not None:
        qs = qs.filter(student__school_id__in=list(school_ids))
        # A few schools ("Mijn taken"): most have no TLV near its end at all. The plain query that says so costs a
        # fraction of building the one below with its two EXISTS (3–4 ms of Python for an empty answer).
        if not qs.exists():
            return
    later = tlvs.filter(student=OuterRef("student")).exclude(pk=OuterRef("pk")).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gt=OuterRef("ends_on"))
        | Q(ends_on=OuterRef("ends_on"), pk__gt=OuterRef("pk")))
    handled = SwvRequest.objects.filter(
        student=OuterRef("student"), kind__in=TLV_REQUEST_KINDS, state__in=TLV_REQUEST_DONE,
    ).filter(Q(extends=OuterRef("pk")) | Q(extends__isnull=True, handed_in_at__date__gte=OuterRef("decided_on"))
             ).exclude(admission_decisions=OuterRef("pk"))
    qs = qs.exclude(Exists(later)).exclude(Exists(handled))
    rows = list(qs.values_list("student_id", "student__school_id", "ends_on", "samenwerkingsverband_id",
                               "student__first_name", "student__last_name"))
    leads = leads_for(r[3] for r in rows)
    url = url_of("swv:pupil")
    for student_id, school_id, ends_on, swv_id, first, last in rows:
        due_on = swv_rules.request_due_on(ends_on, leads[swv_id])
        # The period is the TLV's end: a corrected TLV with the same end keeps its reminders.
        yield DueItem("tlv_verloopt", "students.student", student_id, school_id, due_on, ends_on.isoformat(),
                      initials(first, last), url(student_id))


#: From eight weeks before the request is due; a week late, the schoolleider too (as the six-week term).
TLV_STEPS = StepConfig(before=(56, 28, 14, 7), escalate=((7, "schoolleider"),))

register(Kind("tlv_verloopt", _("TLV verloopt"), tlv_items, default_steps=TLV_STEPS))
