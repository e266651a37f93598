"""The world of the authorization sweep (tests/test_authz_sweep.py): one of everything a URL kwarg can point at,
all of school A (board A), plus a vso pupil of school A2 for the commission's pages.

Every pupil and guardian of school A carries the surname MARK_A, the vso pupil of school A2 MARK_A2: a page
that renders either to someone who may not see that school's pupils is a leak, whatever its status code.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from types import SimpleNamespace

from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import Membership, Role
from audit.models import AuditEvent
from notifications.models import Notification
from opp_portal import uploads

from .factories import (
    SCAN_PDF,
    ConsultationFactory,
    PlacementEventFactory,
    PlanFactory,
    PlanVersionFactory,
    StudentFactory,
    UserFactory,
    member,
    parent_of,
)

MARK_A = "Zwanenburg"
MARK_A2 = "Horizonbeek"
#: Group 6 of school A: the leerkracht of group 5 (leerkracht_a) never sees this pupil (need to know).
MARK_A6 = "Zessenbosch"
D = datetime.date
PDF = SCAN_PDF
CSV = ("leerlingnummer;voornaam;achternaam;geboortedatum;onderwijssoort;inschrijfdatum\n"
       f"990001;Sem;{MARK_A};14-03-2016;bao;20-08-2022\n").encode()


#: The stored files hold PDF: the archive's and the dossier's recorded hashes match it (they are checked when read).
PDF_HASH = hashlib.sha256(PDF).hexdigest()


def _stored(folder: str) -> str:
    return uploads.store(SimpleUploadedFile("bestand.pdf", PDF, content_type="application/pdf"), folder=folder).name


def build(org, personas) -> SimpleNamespace:
    """The objects, by the names the sweep's kwarg table uses."""
    from disputes import services as dispute_services
    from disputes.models import Dispute, DossierExport, SchoolDocument
    from evaluations.models import CommissionEvaluation, Evaluation
    from opp import consent_services
    from opp import services as opp_services
    from opp.models import Reaction
    from portal import services as portal_services
    from students import csv_import

    by = personas.begeleider_a
    w = SimpleNamespace(school_a=org.school_a)

    # Fenna: the pupil most routes point at. Moeder has a portal account; vader has none and was invited.
    w.fenna = StudentFactory(school=org.school_a, first_name="Fenna", last_name=MARK_A, opp_required=True,
                             support_level="extra")
    w.moeder = parent_of(w.fenna, name=f"Marit {MARK_A}", username="moeder_fenna")
    w.moeder_fenna = w.moeder.user
    w.moeder_fenna.last_name = MARK_A  # a parent's account is pupil data too (the admin must not list it)
    w.moeder_fenna.save(update_fields=["last_name"])
    w.vader = parent_of(w.fenna, name=f"Joost {MARK_A}", email="joost@example.nl")
    w.vader_link = w.vader.links.get()
    w.placement = PlacementEventFactory(student=w.fenna)
    w.invitation = portal_services.invite(actor=by, email="joost@example.nl", guardian=w.vader, child=w.fenna)
    mail = Notification.objects.filter(kind="invitation").latest("pk")
    w.token = re.search(r"/portaal/uitnodiging/([^/\s]+)/", mail.body_text).group(1)

    # Her plan: version 1 adopted (with its archived PDF), version 2 a revision in overleg, then consent asked.
    plan = PlanFactory(student=w.fenna, created_by=by)
    w.plan = plan
    w.v1 = PlanVersionFactory(plan=plan, with_actions=2, with_factors=2, uitstroom_profiel="vmbo_kb",
                              archived_pdf=_stored("archief"), archived_pdf_hash=PDF_HASH, made_known_on=D(2026, 10, 1),
                              adopted=True)
    w.v2 = PlanVersionFactory(plan=plan, based_on=w.v1, state="in_overleg", with_actions=2, uitstroom_profiel="vmbo_kb")
    w.consultation = ConsultationFactory(plan=plan, version=w.v2, summary=f"Overleg met {MARK_A}")
    w.consent_request = consent_services.request_send(actor=by, version=w.v2)
    w.consent_answer = consent_services.answer_on_paper(
        actor=by, request=w.consent_request, party_kind="guardian", party_id=w.vader.pk, answer="ja", explanation="",
        signed_on=timezone.localdate(), scan_upload=SimpleUploadedFile("scan.pdf", PDF, content_type="application/pdf"))
    w.reaction = Reaction.objects.create(version=w.v2, author=w.moeder.user, author_name=w.moeder.name,
                                         text="Kan het lezen vaker?")
    w.evaluation = Evaluation.objects.create(plan=plan, version=w.v1, school_year="2026-2027", held_on=D(2026, 10, 8),
                                             conclusion="Goede voortgang.", decision="voortzetten", created_by=by)
    # A measurement of her first goal (opp.measurements): the goal's page, and the measurement to correct or delete.
    w.goal = w.v1.actions.order_by("position").first().plan_goal
    w.measurement = apps.get_model("opp", "Measurement").objects.create(
        goal=w.goal, measured_on=D(2026, 10, 1), instrument="vrij", value="6 van 10", recorded_by=by)

    # The other states: Daan's version 1 is in overleg, Jesse's is a concept.
    w.daan = StudentFactory(school=org.school_a, first_name="Daan", last_name=MARK_A, opp_required=True)
    parent_of(w.daan, name=f"Ria {MARK_A}")
    w.in_overleg = PlanVersionFactory(plan=PlanFactory(student=w.daan, created_by=by), state="in_overleg", with_actions=1)
    w.jesse = StudentFactory(school=org.school_a, first_name="Jesse", last_name=MARK_A, opp_required=True)
    w.concept = PlanVersionFactory(plan=PlanFactory(student=w.jesse, created_by=by), with_actions=1)
    # Noor's plan is adopted and nothing is open (a revision could start); Sem has no plan yet (one could start).
    w.noor = StudentFactory(school=org.school_a, first_name="Noor", last_name=MARK_A, opp_required=True)
    w.noor_plan = PlanVersionFactory(plan=PlanFactory(student=w.noor, created_by=by), with_actions=1,
                                     uitstroom_profiel="vmbo_kb", adopted=True).plan
    w.sem = StudentFactory(school=org.school_a, first_name="Sem", last_name=MARK_A, opp_required=True,
                           support_level="extra")
    # Tim's adopted plan was withdrawn; his mother has no portal account, so the school records her notice.
    w.tim = StudentFactory(school=org.school_a, first_name="Tim", last_name=MARK_A, opp_required=True)
    w.tim_moeder = parent_of(w.tim, name=f"Ilse {MARK_A}")
    tim_plan = PlanVersionFactory(plan=PlanFactory(student=w.tim, created_by=by), with_actions=1,
                                  uitstroom_profiel="vmbo_kb", adopted=True).plan
    w.withdrawn_plan = opp_services.plan_withdraw(actor=personas.bestuurder_a, plan=tim_plan, reason="Verhuisd.",
                                                  on_date=timezone.localdate())

    # A GPO dispute about version 1, with a document and a finished dossier; the school's SOP.
    w.dispute = Dispute.objects.create(plan=plan, version=w.v1, subject="vaststelling", made_known_on=D(2026, 10, 1),
                                       filed_on=D(2026, 10, 5), response="volgt", created_by=personas.geschillen_a)
    w.document = dispute_services.add_document(actor=personas.geschillen_a, dispute=w.dispute, title="Verweerschrift",
                                               upload=SimpleUploadedFile("v.pdf", PDF, content_type="application/pdf"))
    w.export = DossierExport.objects.create(dispute=w.dispute, requested_by=personas.geschillen_a, state="klaar",
                                            progress=100, stored_name=_stored("dossiers"), sha256=PDF_HASH)
    w.school_document = SchoolDocument.objects.create(school=org.school_a, kind="sop", stored_name=_stored("scholen"),
                                                      size=len(PDF), sha256="0" * 64, uploaded_by=personas.geschillen_a)

    # Fenna's admission decision (swv), with its document.
    from swv.models import AdmissionDecision

    w.tlv = AdmissionDecision.objects.create(
        student=w.fenna, kind="tlv", samenwerkingsverband=org.school_a.samenwerkingsverband, decision_number="TLV-1",
        decided_on=D(2026, 7, 1), onderwijssoort="sbo", starts_on=D(2026, 8, 1), ends_on=D(2028, 7, 31),
        stored_name=_stored("toelaatbaarheid"), content_type="application/pdf", size=len(PDF), sha256=PDF_HASH,
        recorded_by=by)

    # School A's SWV's request lead time (swv.admin: the beheer site).
    from swv.models import LeadTime

    w.lead_time = LeadTime.objects.create(samenwerkingsverband=org.school_a.samenwerkingsverband, rule="vaste_datum",
                                          day=15, month=4)

    # Fenna's request to the SWV (swv.requests): told to the parents and "klaar", with its package kept (stand-in
    # bytes: the sweep is about who gets in), so that the downloads and every next step have something to act on.
    from swv.models import SwvRequest

    w.swv_request = SwvRequest.objects.create(
        student=w.fenna, kind="arrangement", state="klaar", samenwerkingsverband=org.school_a.samenwerkingsverband,
        created_by=by, parents_informed_at=timezone.now(), package_name=_stored("swv-aanvragen"),
        package_json_name=_stored("swv-aanvragen"), package_sha256=PDF_HASH, package_made_at=timezone.now())

    # A pending CSV import of school A.
    w.batch, _plan = csv_import.batch_create(actor=by, school=org.school_a, filename="leerlingen.csv", raw=CSV)
    assert w.batch is not None, _plan.problems

    # School A2 (vso): Lotte, with an adopted plan and the commission's evaluation.
    begeleider_a2 = Membership.objects.filter(role=Role.BEGELEIDER, school=org.school_a2).first()
    w.begeleider_a2 = begeleider_a2.user if begeleider_a2 else member(Role.BEGELEIDER, school=org.school_a2,
                                                                       username="begeleider_a2")
    w.lotte = StudentFactory(school=org.school_a2, first_name="Lotte", last_name=MARK_A2, onderwijssoort="vso",
                             opp_required=True)
    w.lotte_plan = PlanVersionFactory(plan=PlanFactory(student=w.lotte, created_by=w.begeleider_a2), with_actions=1,
                                      uitstroom_profiel="arbeid", adopted=True).plan
    w.commission_evaluation = CommissionEvaluation.objects.create(
        plan=w.lotte_plan, school_year="2026-2027", held_on=D(2026, 10, 8), evaluation="Loopt goed.",
        report="Geen bijzonderheden.", advice="geen", created_by=personas.commissie_a2)

    # The parent of another pupil of school A: Bram's father, with a portal account.
    w.bram = StudentFactory(school=org.school_a, first_name="Bram", last_name="Bakker")
    w.ouder_bram = parent_of(w.bram, name="Bert Bakker", username="ouder_bram").user
    # The leerkracht of group 5 at school A: every pupil of school A above is in group 5; Wout, in group 6 of the
    # same school with an adopted plan and an evaluation, is not theirs (need to know: 404 like another school).
    from students.models import Student

    Student.objects.filter(school=org.school_a).update(group_name="5")
    Membership.objects.filter(user=personas.leerkracht_a).update(groups=["5"])
    w.wout = StudentFactory(school=org.school_a, first_name="Wout", last_name=MARK_A6, group_name="6",
                            opp_required=True)
    w.wout_version = PlanVersionFactory(plan=PlanFactory(student=w.wout, created_by=by), with_actions=1,
                                        uitstroom_profiel="vmbo_kb", adopted=True)
    w.wout_evaluation = Evaluation.objects.create(
        plan=w.wout_version.plan, version=w.wout_version, school_year="2026-2027", held_on=D(2026, 10, 8),
        conclusion=f"Wout {MARK_A6} gaat vooruit.", decision="voortzetten", created_by=by)
    w.leerkracht = personas.leerkracht_a
    w.leerkracht_membership = Membership.objects.get(user=personas.leerkracht_a)
    w.audit_row = AuditEvent.objects.filter(school=org.school_a).latest("pk")
    # The goal bank (opp.bank): a text of board A; board B's bestuurder manages only board B's bank.
    w.bank_text = apps.get_model("opp", "BankText").objects.create(
        board=org.board_a, kind="doel", area="rekenen", title="Tafels", text="Kent de tafels van [tafels].")
    # Four eyes (issue 16): a new colleague of school A waits for the schoolleider's approval; another new
    # colleague has an activation link.
    from accounts.models import User
    from security import activation, approvals
    from security.models import ApprovalRequest

    newcomer = UserFactory(username="nieuwe_collega_a", managed_by=org.board_a)
    waiting = approvals.request_membership(actor=personas.beheerder_a, membership=Membership(
        user=newcomer, role=Role.LEERKRACHT, school=org.school_a))
    w.approval = ApprovalRequest.objects.get(membership=waiting)
    staff = activation.create_staff_account(actor=personas.beheerder_a, user=User(
        username="nog_te_activeren", first_name="Nog", last_name="Niet", email="nieuw@school.example"))
    mail = Notification.objects.filter(kind="invitation", recipient=staff).latest("pk")
    w.activation_token = re.search(r"/account/activeren/([^/\s]+)/", mail.body_text).group(1)
    if apps.is_installed("retention"):
        w.retention_run = apps.get_model("retention", "RetentionRun").objects.create(run_date=D(2026, 10, 1))
    return w
