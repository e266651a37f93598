"""The retention job (DOMAIN.md "Retention and privacy"): what goes, and deleting it.

Per pupil who left, the categories of retention.rules that are due:

- dossier (2 years): the OPP with every version (adopted ones included), its items, consultations and
  suggestions, consent requests and answers (with the signed scans on disk), parents' reactions, returned
  versions, the archived PDFs on disk; evaluations with their progress and reactions, the commission's
  evaluations; closed disputes with their documents and dossier exports (files on disk); the R-ELIG
  decision history; outbox messages and reminders about any of these.
- plaatsing (3 years): the placement events (OPDC, observation, removal).
- inschrijving (5 years): the pupil row, its guardian links, portal invitations, guardians with no other
  pupil; a portal account (parent or adult pupil) left without a child is deactivated and stripped of
  personal data: it cannot be deleted, because audit rows point at it (AuditEvent.actor is PROTECT).

A pupil with an open dispute is held whole (disputes.services.has_open_dispute). Each pupil goes in its own
transaction with one RETENTION_DELETE audit row: a pseudonymous reference, the categories and row counts,
never a name or a date. Audit rows themselves are never touched; they outlive the pupil.

Adopted versions are frozen three times (opp.models guards, opp.models querysets, PostgreSQL triggers). This
job is the one deliberate way past them: it deletes through the models' plain base manager, and on PostgreSQL
sets `opp.retention` for its own transaction only (opp migration 0006). Nothing else may do either.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import logging
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models, transaction
from django.db.models import CharField, Exists, OuterRef, Q
from django.db.models.functions import Cast
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from audit import log as audit
from deadlines.models import Reminder
from disputes.models import Dispute, DisputeDocument, DossierExport
from disputes.services import has_open_dispute
from evaluations.models import CommissionEvaluation, Evaluation, EvaluationReaction, ItemProgress
from notifications.models import Notification, Preference
from opp.models import (
    ActionItem,
    Bekendmaking,
    ConsentAnswer,
    ConsentRequest,
    Consultation,
    FactorItem,
    Goal,
    Plan,
    PlanVersion,
    Reaction,
    ReturnedVersion,
    Suggestion,
    YieldItem,
)
from opp_portal import uploads
from portal.models import Invitation
from students.csv_import import MAX_AGE
from students.models import EligibilityDecision, Guardian, GuardianLink, ImportBatch, PlacementEvent, Student
from swv.models import AdmissionDecision, SwvRequest, SwvRequestAttachment, SwvRequestReaction

from . import rules
from .models import RetentionRun

logger = logging.getLogger(__name__)

#: Who the audit rows name as the actor: the job, not a person.
ACTOR_LABEL = "bewaartermijn (automatisch)"
#: The username a stripped portal account gets, followed by its pseudonymous reference.
ANONYMOUS_PREFIX = "verwijderd-"

DELETE = "delete"
ANONYMISE = "anonymise"
HELD = "held"


# --- Settings and pseudonyms ----------------------------------------------------------------------------------


def terms_from_settings() -> rules.Terms:
    try:
        return rules.Terms(dossier=settings.OPP_RETENTION_FILE_YEARS, plaatsing=settings.OPP_RETENTION_PLACEMENT_YEARS,
                           inschrijving=settings.OPP_RETENTION_ENROLMENT_YEARS)
    except ValueError as exc:
        raise ImproperlyConfigured(str(exc)) from exc


def import_days() -> int:
    """Import files (students.ImportBatch): the rows themselves (file name, who, when, counts) go this many days
    after the upload. Their content, a copy of the school's pupil register, goes as soon as it can no longer
    be applied (students.csv_import.MAX_AGE, 24 hours); csv_import clears it at once on apply or discard."""
    return settings.OPP_RETENTION_IMPORT_DAYS


def pseudonym(kind: str, pk: int) -> str:
    """A stable reference that names no one: HMAC-SHA256 of "<kind>:<pk>" keyed by SECRET_KEY, 16 hex digits.

    Whoever holds the key can recompute it from a primary key (to answer "was pupil 42 deleted?"); the
    reference itself reveals nothing, and after the deletion there is no row left to look it up in.
    """
    digest = hmac.new(settings.SECRET_KEY.encode(), f"{kind}:{pk}".encode(), hashlib.sha256).hexdigest()
    return digest[:16]


def pupil_ref(pk: int) -> str:
    return pseudonym("student", pk)


# --- What goes ----------------------------------------------------------------------------------------------------


@dataclass
class Step:
    """The rows of one model that go for one category, in the order of deletion."""

    category: str
    model: type[models.Model]
    pks: list[int]
    files: list[str] = field(default_factory=list)
    kind: str = DELETE
    # PlanVersion.based_on is PROTECT: versions go one at a time, the newest first.
    one_by_one: bool = False

    @property
    def label(self) -> str:
        return self.model._meta.label_lower


def collect(student: Student, categories: tuple[str, ...]) -> list[Step]:
    """Every row that goes for `categories` of `student`, leaves first (PROTECT foreign keys allow no other
    order). Steps without rows are left out; a model reached twice is counted once."""
    steps: list[Step] = []
    seen: dict[type, set[int]] = defaultdict(set)

    def add(category, model, qs, *, file_field=None, order=("pk",), kind=DELETE, one_by_one=False):
        # file_field: the field naming a row's stored file, or a tuple of them (a request's PDF and JSON package).
        file_fields = (file_field,) if isinstance(file_field, str) else tuple(file_field or ())
        rows = []
        for row in qs.order_by(*order).values_list("pk", *file_fields):
            if row[0] not in seen[model]:
                seen[model].add(row[0])
                rows.append(row)
        if rows:
            steps.append(Step(category, model, [r[0] for r in rows], [name for r in rows for name in r[1:] if name],
                              kind=kind, one_by_one=one_by_one))

    if rules.DOSSIER in categories:
        _collect_dossier(student, add, steps)
    if rules.PLAATSING in categories:
        add(rules.PLAATSING, PlacementEvent, PlacementEvent.objects.filter(student=student))
    if rules.INSCHRIJVING in categories:
        _collect_enrolment(student, add)
    return steps


def _collect_dossier(student: Student, add, steps: list[Step]) -> None:
    c = rules.DOSSIER
    s = student
    add(c, DossierExport, DossierExport.objects.filter(dispute__plan__student=s), file_field="stored_name")
    add(c, DisputeDocument, DisputeDocument.objects.filter(dispute__plan__student=s), file_field="stored_name")
    add(c, Dispute, Dispute.objects.filter(plan__student=s))
    # The samenwerkingsverband's decisions and the requests to it (swv): before the versions and evaluations they name.
    add(c, SwvRequestReaction, SwvRequestReaction.objects.filter(request__student=s))
    add(c, SwvRequestAttachment, SwvRequestAttachment.objects.filter(request__student=s), file_field="stored_name")
    add(c, SwvRequest, SwvRequest.objects.filter(student=s), file_field=("package_name", "package_json_name"))
    add(c, AdmissionDecision, AdmissionDecision.objects.filter(student=s), file_field="stored_name")
    add(c, ItemProgress, ItemProgress.objects.filter(evaluation__plan__student=s))
    add(c, EvaluationReaction, EvaluationReaction.objects.filter(evaluation__plan__student=s))
    add(c, Evaluation, Evaluation.objects.filter(plan__student=s))
    add(c, CommissionEvaluation, CommissionEvaluation.objects.filter(plan__student=s))
    add(c, ConsentAnswer, ConsentAnswer.objects.filter(Q(request__version__plan__student=s) | Q(pupil=s)),
        file_field="scan")
    add(c, ConsentRequest, ConsentRequest.objects.filter(version__plan__student=s))
    add(c, Bekendmaking, Bekendmaking.objects.filter(Q(plan__student=s) | Q(pupil=s)))
    add(c, Reaction, Reaction.objects.filter(version__plan__student=s))
    add(c, ReturnedVersion, ReturnedVersion.objects.filter(version__plan__student=s))
    add(c, Suggestion, Suggestion.objects.filter(consultation__plan__student=s))
    add(c, Consultation, Consultation.objects.filter(plan__student=s))
    for part in (ActionItem, FactorItem, YieldItem):
        add(c, part, part.objects.filter(version__plan__student=s))
    add(c, Goal, Goal.objects.filter(plan__student=s))  # the plan's lasting goals, once no item or outcome names them
    add(c, PlanVersion, PlanVersion.objects.filter(plan__student=s), file_field="archived_pdf",
        order=("-plan_id", "-number"), one_by_one=True)
    add(c, Plan, Plan.objects.filter(student=s))
    add(c, EligibilityDecision, EligibilityDecision.objects.filter(student=s))
    # Messages and reminders name the pupil (first name, initials) and point at the rows above.
    subjects = {step.label: step.pks for step in steps} | {Student._meta.label_lower: [s.pk]}
    add(c, Notification, Notification.objects.filter(_about(subjects)))
    add(c, Reminder, Reminder.objects.filter(_about(subjects)))


def _collect_enrolment(student: Student, add) -> None:
    c = rules.INSCHRIJVING
    s = student
    # A guardian goes with the last pupil it is linked to; one who answered for (or was told of) another pupil's
    # OPP stays until that file goes (ConsentAnswer.guardian and Bekendmaking.guardian are PROTECT).
    guardians = (Guardian.objects.filter(links__student=s)
                 .exclude(Exists(GuardianLink.objects.filter(guardian=OuterRef("pk")).exclude(student=s)))
                 .exclude(Exists(ConsentAnswer.objects.filter(guardian=OuterRef("pk"))
                                 .exclude(request__version__plan__student=s)))
                 .exclude(Exists(Bekendmaking.objects.filter(guardian=OuterRef("pk")).exclude(plan__student=s))))
    guardian_ids = list(guardians.values_list("pk", flat=True))
    invitations = Invitation.objects.filter(Q(pupil=s) | Q(guardian_id__in=guardian_ids))
    add(c, Notification, Notification.objects.filter(_about({Invitation._meta.label_lower: list(
        invitations.values_list("pk", flat=True))})))
    add(c, Invitation, invitations)
    add(c, GuardianLink, GuardianLink.objects.filter(student=s))
    add(c, Guardian, Guardian.objects.filter(pk__in=guardian_ids))
    users = _accounts_left_without_child(s, guardian_ids)
    add(c, Notification, Notification.objects.filter(recipient_id__in=users))
    add(c, Preference, Preference.objects.filter(user_id__in=users))
    add(c, StaticToken, StaticToken.objects.filter(device__user_id__in=users))
    add(c, StaticDevice, StaticDevice.objects.filter(user_id__in=users))
    add(c, TOTPDevice, TOTPDevice.objects.filter(user_id__in=users))
    add(c, User, User.objects.filter(pk__in=users), kind=ANONYMISE)
    add(c, Student, Student.objects.filter(pk=s.pk))


def _accounts_left_without_child(student: Student, guardian_ids: list[int]) -> list[int]:
    """Portal accounts (the adult pupil's, the departing guardians') with no other pupil behind them.

    Staff accounts are never touched: a person can be staff and parent at once (ARCHITECTURE.md).
    """
    candidates = {student.portal_user_id} | set(
        Guardian.objects.filter(pk__in=guardian_ids, user__isnull=False).values_list("user_id", flat=True))
    candidates.discard(None)
    if not candidates:
        return []
    other_pupil = Student.objects.filter(portal_user=OuterRef("pk")).exclude(pk=student.pk)
    other_child = GuardianLink.objects.filter(guardian__user=OuterRef("pk")).exclude(student=student)
    return list(User.objects.filter(pk__in=candidates, is_staff=False, is_superuser=False, memberships__isnull=True)
                .exclude(username__startswith=ANONYMOUS_PREFIX)
                .exclude(Exists(other_pupil)).exclude(Exists(other_child))
                .order_by("pk").values_list("pk", flat=True))


def _about(subjects: dict[str, list[int]]) -> Q:
    """Outbox and reminder rows name their subject by label and id (they outlive it by design)."""
    q = Q(pk__in=[])
    for label, pks in subjects.items():
        if pks:
            q |= Q(subject_type=label, subject_id__in=[str(pk) for pk in pks])
    return q


# --- The plan: what would go ------------------------------------------------------------------------------------


@dataclass
class PupilDue:
    student_id: int
    ref: str
    school_id: int
    school_name: str
    #: category → model label → rows
    counts: dict[str, dict[str, int]]

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(c for c in rules.CATEGORIES if self.counts.get(c))

    @property
    def rows(self) -> int:
        return sum(n for per_model in self.counts.values() for n in per_model.values())


@dataclass
class Sweep:
    """What goes (a plan or a dry run) or went (a run): pupils, held pupils, errors, import files."""

    today: datetime.date
    terms: rules.Terms
    dry_run: bool = True
    pupils: list[PupilDue] = field(default_factory=list)
    held: list[PupilDue] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    imports: dict[str, int] = field(default_factory=lambda: {"blanked": 0, "deleted": 0})
    run_id: int | None = None

    def totals(self) -> dict[str, dict]:
        """Per category: how many pupils, and rows per model."""
        out = {c: {"pupils": 0, "rows": defaultdict(int)} for c in rules.CATEGORIES}
        for item in self.pupils:
            for category, per_model in item.counts.items():
                if per_model:
                    out[category]["pupils"] += 1
                for label, n in per_model.items():
                    out[category]["rows"][label] += n
        return {c: {"pupils": v["pupils"], "rows": dict(v["rows"])} for c, v in out.items()}

    def summary(self) -> dict:
        """For RetentionRun.counts: numbers and pseudonymous references only."""
        return {
            "terms": {c: self.terms.years(c) for c in rules.CATEGORIES},
            "pupils": len(self.pupils),
            "held": [item.ref for item in self.held],
            "errors": self.errors,
            "categories": self.totals(),
            "imports": self.imports,
        }


def _counts(steps: list[Step]) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for step in steps:
        per_model = counts.setdefault(step.category, {})
        per_model[step.label] = per_model.get(step.label, 0) + len(step.pks)
    return counts


def _candidates(today: datetime.date, terms: rules.Terms):
    """Pupils with something due: narrowed in the database, so that pupils already handled cost nothing."""
    cut = {c: rules.left_on_cutoff(today, terms.years(c)) for c in rules.CATEGORIES}
    student_id = Cast(OuterRef("pk"), CharField())
    has_file = (Exists(Plan.objects.filter(student=OuterRef("pk")))
                | Exists(EligibilityDecision.objects.filter(student=OuterRef("pk")))
                | Exists(Notification.objects.filter(subject_type="students.student", subject_id=student_id))
                | Exists(Reminder.objects.filter(subject_type="students.student", subject_id=student_id)))
    has_placement = Exists(PlacementEvent.objects.filter(student=OuterRef("pk")))
    return (Student.objects.filter(left_on__isnull=False)
            .filter(Q(left_on__lte=cut[rules.INSCHRIJVING])
                    | (Q(left_on__lte=cut[rules.PLAATSING]) & has_placement)
                    | (Q(left_on__lte=cut[rules.DOSSIER]) & has_file))
            .select_related("school").order_by("school__name", "pk"))


def plan(today: datetime.date | None = None, *, terms: rules.Terms | None = None) -> Sweep:
    """What would go on `today`: per pupil the categories and rows per model; pupils held by a dispute apart."""
    today = today or timezone.localdate()
    terms = terms or terms_from_settings()
    sweep = Sweep(today=today, terms=terms)
    for student in _candidates(today, terms):
        steps = collect(student, rules.due_categories(student.left_on, today, terms))
        if not steps:
            continue
        item = PupilDue(student.pk, pupil_ref(student.pk), student.school_id, student.school.name, _counts(steps))
        (sweep.held if has_open_dispute(student) else sweep.pupils).append(item)
    sweep.imports = {key: qs.count() for key, qs in _import_querysets(timezone.now()).items()}
    return sweep


# --- The run: deleting ----------------------------------------------------------------------------------------


@contextmanager
def _past_frozen_guards():
    """On PostgreSQL, let this transaction delete adopted versions and their items (opp migration 0006).

    SET LOCAL ends with the transaction; and it is switched off again at once, so that a wider transaction
    (a test, a shell) cannot pass the triggers after this pupil. On an error the rollback undoes it.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL opp.retention = 'on'")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL opp.retention = 'off'")


def _execute(steps: list[Step], ref: str) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for step in steps:
        per_model = counts.setdefault(step.category, {})
        if step.kind == ANONYMISE:
            for user in User.objects.filter(pk__in=step.pks):
                _anonymise(user, ref)
            per_model[step.label] = per_model.get(step.label, 0) + len(step.pks)
            continue
        # The base manager's plain QuerySet: the default manager of opp's models (FrozenGuardQuerySet) refuses
        # frozen versions, and the model's delete() is bypassed as well. This job is the one deliberate way.
        base = step.model._base_manager
        batches = [base.filter(pk=pk) for pk in step.pks] if step.one_by_one else [base.filter(pk__in=step.pks)]
        for qs in batches:
            _total, deleted = qs.delete()
            for label, n in deleted.items():
                if n:
                    per_model[label.lower()] = per_model.get(label.lower(), 0) + n
    return {c: v for c, v in counts.items() if v}


def _anonymise(user: User, ref: str) -> None:
    """Deactivate a portal account and strip its personal data; the row stays for the audit rows' sake.
    Deactivating ends its sessions (security.signals)."""
    user.username = ANONYMOUS_PREFIX + pseudonym("user", user.pk)
    user.email = ""
    user.first_name = ""
    user.last_name = ""
    user.is_active = False
    user.set_unusable_password()
    user.save()
    audit.record(None, audit.Action.RETENTION_DELETE, user, actor_label=ACTOR_LABEL,
                 details={"account": "anonymised", "ref": ref})


def _discard(names: list[str]) -> None:
    for name in names:
        try:
            uploads.discard(name)
        except OSError as exc:
            logger.warning("Retention: could not remove a stored file (%s)", type(exc).__name__)



def _delete_pupil(student_id: int, today: datetime.date, terms: rules.Terms) -> PupilDue | str | None:
    """One pupil in one transaction: decided again under a lock, deleted, audited; files go after the commit."""
    with transaction.atomic():
        student = (Student.objects.select_for_update(of=("self",)).select_related("school")
                   .filter(pk=student_id).first())
        if student is None:
            return None
        if has_open_dispute(student):
            return HELD
        steps = collect(student, rules.due_categories(student.left_on, today, terms))
        if not steps:
            return None
        ref = pupil_ref(student.pk)
        with _past_frozen_guards():
            counts = _execute(steps, ref)
        item = PupilDue(student.pk, ref, student.school_id, student.school.name, counts)
        audit.record(None, audit.Action.RETENTION_DELETE, student, school=student.school_id, actor_label=ACTOR_LABEL,
                     details={"ref": ref, "categories": list(item.categories), "counts": counts})
        files = [name for step in steps for name in step.files]
        if files:
            transaction.on_commit(lambda: _discard(files))
    return item


def run(today: datetime.date | None = None, *, dry_run: bool = False, terms: rules.Terms | None = None) -> Sweep:
    """The nightly job: delete what is due on `today` (or, with dry_run, only list it). Recorded in RetentionRun.

    A real run for a day after today would delete before the term ends: refused.
    """
    today = today or timezone.localdate()
    if not dry_run and today > timezone.localdate():
        raise ValueError("Een bewaartermijnronde voor een dag in de toekomst kan alleen als proef (dry run).")
    terms = terms or terms_from_settings()
    record = RetentionRun.objects.create(run_date=today, dry_run=dry_run)
    planned = plan(today, terms=terms)
    if dry_run:
        result = planned
    else:
        result = Sweep(today=today, terms=terms, dry_run=False, held=list(planned.held))
        for item in planned.pupils:
            try:
                done = _delete_pupil(item.student_id, today, terms)
            except Exception as exc:  # noqa: BLE001 - one pupil's failure must not stop the others
                # The type only: a message may quote a row (ProtectedError prints the objects, names included).
                logger.error("Retention: pupil %s not deleted (%s)", item.ref, type(exc).__name__)
                result.errors.append({"ref": item.ref, "error": type(exc).__name__})
                continue
            if done == HELD:
                result.held.append(item)
            elif done is not None:
                result.pupils.append(done)
        result.imports = purge_imports(timezone.now())
    result.run_id = record.pk
    RetentionRun.objects.filter(pk=record.pk).update(finished_at=timezone.now(), counts=result.summary())
    return result


# --- Import files ------------------------------------------------------------------------------------------------


def _import_querysets(now: datetime.datetime) -> dict[str, models.QuerySet]:
    deleted = ImportBatch.objects.filter(created_at__lt=now - datetime.timedelta(days=import_days()))
    pending = ImportBatch.State.PENDING
    blanked = (ImportBatch.objects.filter(Q(state=pending, created_at__lt=now - MAX_AGE)
                                          | (~Q(state=pending) & ~Q(content="")))
               .exclude(pk__in=deleted.values("pk")))
    return {"blanked": blanked, "deleted": deleted}


@transaction.atomic
def purge_imports(now: datetime.datetime | None = None) -> dict[str, int]:
    """Abandoned import files lose their content (a copy of the pupil register); old ones go altogether."""
    now = now or timezone.now()
    querysets = _import_querysets(now)
    doomed = list(querysets["deleted"].select_for_update().values_list("pk", "school_id"))
    ImportBatch.objects.filter(pk__in=[pk for pk, _s in doomed]).delete()
    blank = list(querysets["blanked"].select_for_update().values_list("pk", "school_id", "state"))
    # Conditional updates: a pending batch is blanked only while it is still too old to be applied.
    expired = [pk for pk, _s, state in blank if state == ImportBatch.State.PENDING]
    ImportBatch.objects.filter(pk__in=expired, state=ImportBatch.State.PENDING).update(
        state=ImportBatch.State.DISCARDED, content="")
    ImportBatch.objects.filter(pk__in=[pk for pk, _s, state in blank if pk not in expired]).exclude(
        state=ImportBatch.State.PENDING).update(content="")
    for rows, what in ((doomed, "deleted"), ([(pk, school) for pk, school, _st in blank], "content_blanked")):
        for pk, school_id in rows:
            audit.record(None, audit.Action.RETENTION_DELETE, ImportBatch(pk=pk, school_id=school_id), school=school_id,
                         actor_label=ACTOR_LABEL, details={"import": what})
    return {"blanked": len(blank), "deleted": len(doomed)}
