"""The retention tests' cast: a pupil who left with a file in every part of the portal.

Roos Verhoef (school A) left on 15 March 2024. Her OPP has two adopted versions (v1 superseded by v2, both with
items and an archived PDF on disk), a consultation with a suggestion, a consent request answered on paper with
a signed scan on disk, a parent's reaction, a returned version, an evaluation with progress and a reaction,
a commission evaluation, a closed dispute with a document and a dossier export (both on disk), the R-ELIG
history, an OPDC placement, messages and reminders about her, and a portal invitation for her mother, who has
a portal account. With the default terms (2 / 3 / 5 years, DOMAIN.md "Retention and privacy"):

- file (dossier):      due on 15 March 2026
- placement:           due on 15 March 2027
- enrolment:           due on 15 March 2029
"""

from __future__ import annotations

import datetime
import itertools
import secrets
import zoneinfo
from types import SimpleNamespace

import time_machine
from django.utils import timezone

from audit import log as audit
from deadlines.models import Reminder
from disputes.models import Dispute, DisputeDocument, DossierExport
from evaluations.models import CommissionEvaluation, Evaluation, EvaluationReaction, ItemProgress
from notifications.models import Notification
from opp.models import ConsentAnswer, ConsentRequest, PlanVersion, Reaction, ReturnedVersion, Suggestion
from opp_portal import files
from portal.models import Invitation
from students.models import EligibilityDecision
from tests.factories import (
    ConsultationFactory,
    PlacementEventFactory,
    PlanFactory,
    PlanVersionFactory,
    StudentFactory,
    parent_of,
)
from tests.pdfs import MINIMAL_PDF

D = datetime.date
AMS = zoneinfo.ZoneInfo("Europe/Amsterdam")
LEFT_ON = D(2024, 3, 15)
FILE_DUE = D(2026, 3, 15)
PLACEMENT_DUE = D(2027, 3, 15)
ENROLMENT_DUE = D(2029, 3, 15)
PDF = MINIMAL_PDF  # a real PDF: the upload check parses every PDF (issue 16)
DAY = datetime.timedelta(days=1)

_numbers = itertools.count(1)


def frozen(day: datetime.date, hour: int = 2):
    """The nightly run's hour, Amsterdam time."""
    return time_machine.travel(datetime.datetime(day.year, day.month, day.day, hour, 30, tzinfo=AMS), tick=False)


def stored(folder: str) -> str:
    """A file in the private storage (on disk or in the S3 test server), as uploads.store would write it; its name."""
    return files.save(f"{folder}/2024/{secrets.token_hex(8)}.pdf", PDF)


def on_disk(name: str) -> bool:
    """Is the file still in the private storage (disk or object store)?"""
    return files.exists(name)


def left_pupil(org, personas, *, left_on=LEFT_ON, school=None, first_name="Roos", last_name="Verhoef",
               mother="Hanneke Verhoef", dispute_state="gesloten"):
    """Roos and her whole file (see the module docstring). `dispute_state` other than gesloten: an open dispute."""
    n = next(_numbers)
    by = personas.begeleider_a
    school = school or org.school_a
    pupil = StudentFactory(school=school, first_name=first_name, last_name=last_name, date_of_birth=D(2012, 5, 1),
                           enrolled_on=D(2018, 8, 20), left_on=left_on, support_level="extra", opp_required=True,
                           extra_support_description="Leesondersteuning")
    guardian = parent_of(pupil, name=mother, username=f"ouder_retentie_{n}")
    decision = EligibilityDecision.objects.create(student=pupil, required=True, reasons=[{"rule": "R-ELIG-1"}])
    placement = PlacementEventFactory(student=pupil, start_on=D(2019, 1, 9))

    plan = PlanFactory(student=pupil, created_by=by)
    v1 = PlanVersionFactory(plan=plan, with_actions=2, with_factors=2, with_yields=1, uitstroom_profiel="vmbo_kb",
                            archived_pdf=stored("archief"), adopted=True)
    PlanVersion.objects.filter(pk=v1.pk).update(state="vervangen", superseded_at=timezone.now())
    v2 = PlanVersionFactory(plan=plan, based_on=v1, with_actions=1, with_factors=1, uitstroom_profiel="vmbo_kb",
                            archived_pdf=stored("archief"), adopted=True)
    consultation = ConsultationFactory(plan=plan, version=v2, internal_note="Vertrouwelijk: thuissituatie")
    Suggestion.objects.create(consultation=consultation, position=1, text="Meer leestijd")
    request = ConsentRequest.objects.create(
        version=v2, handelingsdeel_hash="0" * 64, state="gegeven", requested_by=by,
        parties=[{"kind": "guardian", "id": guardian.pk, "name": guardian.name}])
    scan = stored("instemming")
    ConsentAnswer.objects.create(request=request, guardian=guardian, party_name=guardian.name, answer="ja",
                                 handelingsdeel_hash="0" * 64, channel="papier", recorded_by=by, signed_on=D(2023, 1, 9),
                                 scan=scan, scan_content_type="application/pdf")
    Reaction.objects.create(version=v2, author=guardian.user, author_name=guardian.name, text="Fijn plan.")
    ReturnedVersion.objects.create(version=v1, returned_by=personas.bestuurder_a, reason="Onderbouwing ontbreekt.")
    evaluation = Evaluation.objects.create(plan=plan, version=v2, school_year="2022-2023", held_on=D(2023, 3, 1),
                                           conclusion="Goede voortgang.", decision="voortzetten", created_by=by)
    ItemProgress.objects.create(evaluation=evaluation, action=v2.actions.get(), progress="behaald")
    EvaluationReaction.objects.create(evaluation=evaluation, author=guardian.user, author_name=guardian.name,
                                      text="Eens.")
    CommissionEvaluation.objects.create(plan=plan, school_year="2022-2023", held_on=D(2023, 4, 1), evaluation="Goed.",
                                        report="Verslag.", advice="geen", created_by=by)
    closed = dispute_state == "gesloten"
    dispute = Dispute.objects.create(
        plan=plan, version=v2, subject="vaststelling", filed_on=D(2023, 2, 1), state=dispute_state,
        created_by=personas.geschillen_a, response_sent_parents_on=D(2023, 5, 1) if closed else None,
        response_sent_commission_on=D(2023, 5, 1) if closed else None, closed_on=D(2023, 5, 2) if closed else None)
    document = DisputeDocument.objects.create(dispute=dispute, title="Brief van de ouders", stored_name=stored("geschillen"),
                                              content_type="application/pdf", size=len(PDF), sha256="0" * 64,
                                              uploaded_by=personas.geschillen_a)
    export = DossierExport.objects.create(dispute=dispute, state="klaar", stored_name=stored("dossiers"),
                                          requested_by=personas.geschillen_a)
    invitation = Invitation.objects.create(token_hash=secrets.token_hex(32), email=guardian.email, guardian=guardian,
                                           created_by=by, expires_at=timezone.now())
    messages = [
        _message(guardian.user, "bekendmaking", v2, f"Het OPP van {first_name} is vastgesteld."),
        _message(guardian.user, "invitation", invitation, f"Uitnodiging voor het portaal ({first_name})."),
        _message(by, "reminder:opp_vaststellen", pupil, "Herinnering R.V."),
    ]
    reminder = Reminder.objects.create(subject_type="students.student", subject_id=str(pupil.pk), kind="opp_vaststellen",
                                       period="2019-02-20", step="0", due_on=D(2019, 2, 20), school=school,
                                       sweep_token="t", initials="R.V.")
    # History in the audit log, by staff and by the mother: it must outlive the pupil untouched.
    audit.record(by, audit.Action.VIEW, pupil)
    audit.record(guardian.user, audit.Action.VIEW, plan)
    files = [v1.archived_pdf, v2.archived_pdf, scan, document.stored_name, export.stored_name]
    return SimpleNamespace(pupil=pupil, guardian=guardian, user=guardian.user, decision=decision, placement=placement,
                           plan=plan, v1=v1, v2=v2, consultation=consultation, request=request, evaluation=evaluation,
                           dispute=dispute, invitation=invitation, messages=messages, reminder=reminder, files=files,
                           names=[first_name, last_name, mother, guardian.email, guardian.user.username,
                                  pupil.date_of_birth.isoformat()])


def _message(recipient, kind, subject, body):
    return Notification.objects.create(recipient=recipient, to_email=recipient.email, kind=kind,
                                       subject_type=subject._meta.label_lower, subject_id=str(subject.pk),
                                       subject_line=body[:60], body_text=body, state="sent")
