"""Hostile input to every form never gets a 500 (issue 10 item 10).

The walk: every URL pattern of tests/test_url_sweep.py is either a page in PAGES (opened with real objects of a
small world, as a persona who may use it), a POST endpoint that some page's form posts to (POST_TARGETS), or in
NO_FORMS with the reason. Every <form method="post"> on those pages is parsed (stdlib html.parser) and sent (and
the search and filter forms, method="get", too):

* by hypothesis: per field the shown value, nothing, one or more hostile values (random text, 10k strings, NUL and
  control characters, RTL overrides, emoji, combining marks, HTML/script, SQL, impossible dates, huge and negative
  numbers), plus unknown extra fields, and random bytes under hostile names for file inputs;
* deterministically (ROUNDS): the nastiest values in every field at once, on top of a validly filled form, so a
  regression fails every run; and below, one test per 500 the fuzzing found, pinned to its fix.

The view may refuse (200 with errors, 302, 400, 403, 404, 405, 409, 410, 413, 429) but never raise: Django's test
client re-raises a view's exception. Every POST runs in a savepoint that is rolled back (and the client's cookies
restored), so each one meets the same world. PostgreSQL refuses NUL in text; SQLite does not, so a query wrapper
refuses it here too. Authorization is tests/test_authz_sweep.py's business: this file is about input only.
"""

from __future__ import annotations

import copy
import datetime
import os
import secrets
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from types import SimpleNamespace
from urllib.parse import urljoin, urlsplit

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client, override_settings
from django.urls import Resolver404, resolve, reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from tests.auth import login
from tests.conftest import PASSWORD
from tests.pdfs import MINIMAL_PDF
from tests.test_url_sweep import ROUTES

AMS = zoneinfo.ZoneInfo("Europe/Amsterdam")
NOW = datetime.datetime(2026, 10, 15, 10, 0, tzinfo=AMS)
ALLOWED = {200, 302, 400, 403, 404, 405, 409, 410, 413, 429}
PDF = MINIMAL_PDF  # a real PDF: the upload check parses every PDF (issue 16)
CSV = (b"leerlingnummer;voornaam;achternaam;geboortedatum;onderwijssoort;inschrijfdatum\r\n"
       b"7001;Noor;Visser;14-03-2016;bao;20-08-2022\r\n")

# --- Hostile values ---------------------------------------------------------------------------------------

NASTY_TEXT = [
    "", " ", "\x00", "a\x00b", "".join(chr(i) for i in range(1, 32)) + "\x7f",
    "x" * 10_000, "é" * 10_000, "😀" * 2_600,
    "\u202eevil\u202c.pdf", "👩‍👩‍👧‍👦🏳️‍🌈", "e\u0301\u0302\u0303\u0304" * 50, "\ufeff\u200b\u2066", "\uffff\U0010ffff",
    "<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "{{ 7|add:7 }}{% debug %}", "%(name)s %s {0}",
    "' OR 1=1 --", "1; DROP TABLE students_student; --", "../../../../etc/passwd", "\\\\server\\share",
    "javascript:alert(1)", "//evil.example/", "https://evil.example/%0d%0aSet-Cookie:x=1",
]
NASTY_DATES = ["2026-02-30", "0000-00-00", "31-12-99999", "9999-12-31", "0001-01-01", "1-1-1", "31-12-0000",
               "01-01-10000", "2026-13-01", "29-02-2025", "-2026-01-01", "2026-1-1T00:00", "31/12/99"]
NASTY_NUMBERS = ["-1", "0", "1.5", "1e309", "NaN", "-Infinity", "9223372036854775808", "-9223372036854775809",
                 "99999999999999999999999999999999", "²", "١٢٣", "0x10", "+7", " 3 ", "1_000"]
NASTY = NASTY_TEXT + NASTY_DATES + NASTY_NUMBERS
EXTRA_NAMES = ["id", "pk", "school", "is_superuser", "state", "csrfmiddlewaretoken", "form-TOTAL_FORMS",
               "next", "section", "action", "__proto__", "x" * 300]
FILE_NAMES = ["../../etc/passwd.pdf", "scan.pdf.exe", "\u202efdp.exe", "leerlingen.csv", "a" * 300 + ".pdf",
              "CON", "naam met spatie.jpg"]
HOSTILE_FILES = [b"", b"MZ\x90\x00" + b"\x00" * 100, b"<html><script>alert(1)</script></html>" + PDF,
                 b"%PDF-1.4\n<< /S /JavaScript /JS (x) >>\n%%EOF", b"PK\x03\x04" + b"\x00" * 50, b"\x00" * 2048, PDF, CSV]


@dataclass(frozen=True)
class Round:
    """One deterministic POST per form, on top of a form filled in validly (`filled`): text fields get `text`,
    date inputs `date`, numeric fields `number`, file inputs `file` (None: keep the valid value, so the other
    hostile values can get past the form to the service); choices (select, radio, checkbox, hidden section or
    management fields) are replaced by `text` only when `choices` is set."""

    name: str
    text: str | None
    date: str | None = None
    number: str | None = None
    file: tuple[str, bytes] | None = None
    choices: bool = False


ROUNDS = [
    Round("nul", "Sanne\x00Jansen", file=("../../etc/passwd.pdf", b"")),
    Round("10k", "x" * 10_000, number="9223372036854775808", file=("scan.pdf.exe", HOSTILE_FILES[1])),
    Round("control", "".join(chr(i) for i in range(1, 32)) + "\x7f", "2026-02-30", "-9223372036854775809",
          ("\u202efdp.exe", HOSTILE_FILES[2]), choices=True),
    Round("unicode", "\u202eevil\u202c 👩‍👩‍👧‍👦🏳️‍🌈 " + "e\u0301\u0302" * 40 + " \ufeff\u200b\u2066 \uffff\U0010ffff" + "😀" * 2_600,
          file=("a" * 300 + ".pdf", PDF)),
    Round("html", '<script>alert(1)</script>"><img src=x onerror=alert(1)>{{ 7|add:7 }}{% debug %}%(name)s %s {0}',
          "0000-00-00", "²", ("leerlingen.csv", CSV)),
    Round("sql", "' OR 1=1 --; DROP TABLE students_student; -- ../../../../etc/passwd \\\\server\\share "
          "javascript:alert(1) //evil.example/ https://evil.example/%0d%0aSet-Cookie:x=1", number="1e309",
          file=("CON", HOSTILE_FILES[4])),
    Round("empty", "", "", "", choices=True),
    Round("year-9999", None, "9999-12-31", "abc", ("x.pdf", HOSTILE_FILES[3])),
    Round("year-1", None, "0001-01-01", "-1"),
    Round("bad-years", None, "31-12-99999", "١٢٣"),
]

# --- The world ---------------------------------------------------------------------------------------------


def build_org_and_personas():
    """tests/conftest.py's org and the personas this file uses (the fixtures there are per test; this world
    is built once per module)."""
    from accounts.models import Role
    from tests.factories import BoardFactory, SchoolFactory, member

    board_a = BoardFactory(name="Stichting A")
    school_a = SchoolFactory(board=board_a, name="School A", brin="01AA", onderwijssoorten=["bao"])
    school_a2 = SchoolFactory(board=board_a, name="School A2 (vso)", brin="01AB", onderwijssoorten=["vso"], cluster=4)
    org = SimpleNamespace(board_a=board_a, school_a=school_a, school_a2=school_a2)
    personas = SimpleNamespace(
        begeleider_a=member(Role.BEGELEIDER, school=school_a, username="begeleider_a"),
        schoolleider_a=member(Role.SCHOOLLEIDER, school=school_a, username="schoolleider_a"),
        commissie_a2=member(Role.COMMISSIE, school=school_a2, username="commissie_a2"),
        bestuurder_a=member(Role.BESTUURDER, board=board_a, username="bestuurder_a"),
        geschillen_a=member(Role.GESCHILLEN, board=board_a, username="geschillen_a"),
        beheerder_a=member(Role.BEHEERDER, board=board_a, username="beheerder_a"),
    )
    return org, personas


def build_world() -> SimpleNamespace:
    """Every object a form needs, of school A (bao) and A2 (vso), board A; made through the services where
    the state matters. Today is 15 October 2026."""
    from disputes import services as dispute_services
    from disputes.models import DossierExport
    from evaluations import services as evaluation_services
    from opp import consent_services as cs
    from opp import services as opp_services
    from portal.models import Invitation, token_hash
    from students import csv_import
    from tests.disputes.world import adopted_version
    from tests.factories import (
        PlacementEventFactory,
        StudentFactory,
        UserFactory,
        complete_version,
        consent_given,
        evaluation_data,
        parent_of,
        portal_world,
        progress_for,
        ter_vaststelling,
        version_for_consent,
    )

    org, personas = build_org_and_personas()
    w = portal_world(org, personas)
    w.superuser = UserFactory(username="technisch_beheer", is_superuser=True, is_staff=True)
    # Sanne: a parent's reaction, then consent asked (moeder in the portal, vader on paper); a placement.
    w.reaction = cs.reaction_add(user=w.ouder_a, version=w.version_a, author_name="Mirjam Jansen", text="Graag meer leestijd.")
    w.request = cs.request_send(actor=personas.begeleider_a, version=w.version_a)
    w.vader_link = w.sanne.guardian_links.get(guardian=w.vader)
    w.placement = PlacementEventFactory(student=w.sanne)
    # Finn: a concept version (to overleg). Mees: needs an OPP and has none (start).
    w.finn = StudentFactory(school=org.school_a, first_name="Finn", opp_required=True, support_level="extra")
    w.version_f = version_for_consent(w.finn, by=personas.begeleider_a, state="concept")
    w.mees = StudentFactory(school=org.school_a, first_name="Mees", opp_required=True, support_level="extra")
    # Tess: waits for the board.
    w.tess = StudentFactory(school=org.school_a, first_name="Tess", opp_required=True, support_level="extra")
    parent_of(w.tess, name="Ouder Tess", username="ouder_t")
    w.version_t = ter_vaststelling(version_for_consent(w.tess, by=personas.begeleider_a), by=personas.begeleider_a)
    # Bram: consent asked, nobody answered yet and no reaction to answer first: the stepper offers a reminder.
    w.bram = StudentFactory(school=org.school_a, first_name="Bram", opp_required=True, support_level="extra")
    parent_of(w.bram, name="Ouder Bram", username="ouder_bram")
    w.request_b = cs.request_send(actor=personas.begeleider_a, version=version_for_consent(w.bram, by=personas.begeleider_a))
    # Roos: complete, with consent: ready to be submitted.
    w.roos = StudentFactory(school=org.school_a, first_name="Roos", opp_required=True, support_level="extra")
    parent_of(w.roos, name="Ouder Roos")
    w.version_r = version_for_consent(w.roos, by=personas.begeleider_a)
    complete_version(w.version_r, by=personas.begeleider_a)
    consent_given(w.version_r, by=personas.begeleider_a)
    # Daan: adopted and made known, evaluated once, in dispute; his father uses the portal.
    w.daan = StudentFactory(school=org.school_a, first_name="Daan", opp_required=True, support_level="extra")
    w.ouder_d = parent_of(w.daan, name="Dirk de Vries", username="ouder_d").user
    w.version_d = adopted_version(w.daan, by=personas.begeleider_a)
    w.plan_d = w.version_d.plan
    parent_of(w.daan, name="Mira de Vries")  # gezag, no account: her bekendmaking is recorded by hand (issue 15)
    # Julia: her OPP was adopted and then withdrawn; her mother, without an account, is still to be told.
    w.julia = StudentFactory(school=org.school_a, first_name="Julia", opp_required=True, support_level="extra")
    parent_of(w.julia, name="Ouder Julia")
    julia_plan = adopted_version(w.julia, by=personas.begeleider_a).plan
    w.plan_j = opp_services.plan_withdraw(actor=personas.bestuurder_a, plan=julia_plan, reason="Verhuisd.",
                                          on_date=NOW.date())
    w.evaluation = evaluation_services.evaluation_record(
        actor=personas.begeleider_a, plan=w.plan_d, data=evaluation_data(NOW.date()),
        progress=progress_for(w.version_d))
    w.dispute = dispute_services.register(actor=personas.geschillen_a, plan=w.plan_d, version=w.version_d,
                                          subject="vaststelling", filed_on=datetime.date(2026, 10, 5))
    w.document = dispute_services.add_document(actor=personas.geschillen_a, dispute=w.dispute, title="Verweer",
                                               upload=SimpleUploadedFile("v.pdf", PDF))
    w.export = DossierExport.objects.create(dispute=w.dispute, requested_by=personas.geschillen_a, state="klaar",
                                            progress=100, stored_name=w.document.stored_name, sha256="ab" * 32)
    w.school_document = dispute_services.add_school_document(actor=personas.geschillen_a, school=org.school_a,
                                                             kind="sop", upload=SimpleUploadedFile("sop.pdf", PDF))
    # Noor (vso): adopted, with a commission evaluation.
    w.noor = StudentFactory(school=org.school_a2, first_name="Noor", opp_required=True, support_level="extra")
    w.version_n = adopted_version(w.noor, by=w.begeleider_a2)
    w.commission = evaluation_services.commission_record(actor=personas.commissie_a2, plan=w.version_n.plan, data={
        "held_on": NOW.date(), "evaluation": "Loopt goed.", "report": "Verslag.", "advice": "geen",
        "advice_text": ""})
    w.batch, _plan = csv_import.batch_create(actor=personas.begeleider_a, school=org.school_a, filename="l.csv", raw=CSV)
    w.invite_token = secrets.token_urlsafe(32)
    Invitation.objects.create(token_hash=token_hash(w.invite_token), email="pieter@example.nl", guardian=w.vader,
                              created_by=personas.begeleider_a, expires_at=NOW + datetime.timedelta(days=7))
    # Four eyes and activation (issue 16): a new colleague of school A waits for the schoolleider; another one
    # has an activation link.
    from accounts.models import Membership, Role, User
    from notifications.models import Notification
    from security import activation, approvals

    approvals.request_membership(actor=personas.beheerder_a, membership=Membership(
        user=UserFactory(username="nieuwe_collega", managed_by=org.board_a), role=Role.LEERKRACHT, school=org.school_a))
    staff = activation.create_staff_account(actor=personas.beheerder_a, user=User(
        username="nog_te_activeren", first_name="Nog", last_name="Niet", email="nieuw@school.example"))
    mail = Notification.objects.filter(kind="invitation", recipient=staff).latest("pk")
    w.activation_token = mail.body_text.split("/account/activeren/")[1].split("/")[0]
    # The goal bank (opp.bank): a text of board A to change, to put out of use and to insert in the editor.
    from opp.models import BankText

    w.bank_text = BankText.objects.create(board=org.board_a, kind="doel", area="rekenen", title="Tafels",
                                          text="Kent de tafels van [tafels].")
    # A measurement of Daan's first goal (opp.measurements): the goal's page with its form, and the one to correct it.
    from opp.models import Measurement

    w.measurement = Measurement.objects.create(
        goal_id=w.version_d.actions.order_by("position").first().plan_goal_id, measured_on=NOW.date(),
        instrument="vrij", value="6 van 10", recorded_by=personas.begeleider_a)
    # The samenwerkingsverband (swv): Daan's TLV without its document, and his requests in four states (the compose
    # form, the attachment and "inform the parents" forms, "ready", hand-in and the SWV's decision; the parents react).
    from swv.models import AdmissionDecision, SwvRequest

    swv = w.daan.school.samenwerkingsverband
    w.tlv = AdmissionDecision.objects.create(
        student=w.daan, kind="tlv", samenwerkingsverband=swv, decision_number="TLV-7", decided_on=NOW.date(),
        onderwijssoort=w.daan.onderwijssoort, starts_on=NOW.date(), ends_on=NOW.date() + datetime.timedelta(days=700),
        recorded_by=personas.begeleider_a)
    requests = {}
    for state in ("concept", "bij_ouders", "klaar", "ingediend"):
        requests[state] = SwvRequest.objects.create(
            student=w.daan, kind="arrangement", state=state, samenwerkingsverband=swv, version=w.version_d,
            created_by=personas.begeleider_a, parents_informed_at=None if state == "concept" else NOW,
            handed_in_at=NOW if state == "ingediend" else None)
    w.swv_requests = requests
    from swv.models import LeadTime

    w.lead_time = LeadTime.objects.create(samenwerkingsverband=swv, rule="weken", weeks=12)  # the beheer site's
    w.users = {name: getattr(personas, name) for name in vars(personas)}
    w.users.update(ouder_a=w.ouder_a, ouder_d=w.ouder_d, begeleider_a2=w.begeleider_a2, superuser=w.superuser)
    return w


# --- Which page shows which forms, as whom -------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    name: str
    persona: str  # a key of world.users, "anonymous", or "<user>!unverified" (password passed, second factor not)
    kwargs: Callable[[SimpleNamespace], dict] = lambda w: {}
    query: str = ""
    prepare: Callable[[Client, SimpleNamespace], None] | None = None


def _copy_forward_source(client, w):
    """Finn had an OPP before (ended): a set reading goal whose target his last measurement reached, and one without
    a measure, so that the copy-forward page shows both of its forms (opp.copy_forward)."""
    from opp.models import Measurement, PlanVersion
    from tests.factories import ActionItemFactory, PlanFactory, PlanVersionFactory

    if getattr(w, "finn_old_plan", None) is not None:
        return
    by = w.users["begeleider_a"]
    w.finn_old_plan = PlanFactory(student=w.finn, created_by=by, state="beeindigd", ended_on=datetime.date(2026, 7, 1),
                                  end_reason="Doel behaald.")
    old = PlanVersionFactory(plan=w.finn_old_plan, uitstroom_profiel="vmbo_kb")
    reading = ActionItemFactory(version=old, position=1, measure_instrument="avi", measure_baseline="M4",
                                measure_baseline_on=datetime.date(2025, 9, 1), measure_target="E4",
                                measure_target_on=datetime.date(2026, 6, 30), measure_direction="hoger")
    ActionItemFactory(version=old, position=2)
    PlanVersion.objects.filter(pk=old.pk).update(state="vastgesteld", adopted_at=NOW - datetime.timedelta(days=400),
                                                 adopted_by=by, adopted_hash="0" * 64)
    Measurement.objects.create(goal_id=reading.plan_goal_id, measured_on=datetime.date(2026, 6, 20), instrument="avi",
                               value="E4", recorded_by=by)


def _exchange(client, w):
    client.post(reverse("portal:invitation_exchange"), {"token": w.invite_token})


def _activate(client, w):
    client.post(reverse("activation_exchange"), {"token": w.activation_token})


PAGES = [
    Page("login", "anonymous"),
    Page("opp:las_export", "begeleider_a", lambda w: {"school_pk": w.sanne.school_id}),
    Page("staff_start", "begeleider_a"),
    Page("audit_log", "schoolleider_a"),
    Page("notification_preferences", "begeleider_a"),
    Page("otp_verify", "begeleider_a!unverified"),
    Page("otp_setup", "begeleider_a"),
    Page("account_security", "ouder_a"),
    Page("password_change", "begeleider_a"),
    Page("students:list", "begeleider_a"),
    Page("students:create", "begeleider_a"),
    Page("students:detail", "begeleider_a", lambda w: {"pk": w.sanne.pk}),
    Page("students:detail", "begeleider_a", lambda w: {"pk": w.mees.pk}),
    Page("students:edit", "begeleider_a", lambda w: {"pk": w.sanne.pk}),
    Page("students:guardian_add", "begeleider_a", lambda w: {"pk": w.sanne.pk}),
    Page("students:guardian_edit", "begeleider_a", lambda w: {"pk": w.sanne.pk, "link_pk": w.vader_link.pk}),
    Page("students:placement_add", "begeleider_a", lambda w: {"pk": w.sanne.pk}),
    Page("students:placement_edit", "begeleider_a", lambda w: {"pk": w.sanne.pk, "event_pk": w.placement.pk}),
    Page("students:invite_guardian", "begeleider_a", lambda w: {"pk": w.sanne.pk, "link_pk": w.vader_link.pk}),
    Page("students:invite_pupil", "begeleider_a2", lambda w: {"pk": w.lotte.pk}),
    Page("students:import_upload", "begeleider_a"),
    Page("students:import_preview", "begeleider_a", lambda w: {"pk": w.batch.pk}),
    Page("opp:plan", "begeleider_a", lambda w: {"pk": w.version_a.plan_id}),
    Page("opp:plan", "begeleider_a", lambda w: {"pk": w.plan_d.pk}),
    Page("opp:plan", "begeleider_a", lambda w: {"pk": w.request_b.version.plan_id}),
    Page("opp:withdraw", "bestuurder_a", lambda w: {"pk": w.plan_d.pk}),
    Page("opp:consultation_add", "begeleider_a", lambda w: {"pk": w.version_a.plan_id}),
    Page("opp:consultation_edit", "begeleider_a", lambda w: {"pk": w.version_a.plan_id, "consultation_pk": w.consultation.pk}),
    Page("opp:version", "begeleider_a", lambda w: {"pk": w.version_b.pk}),
    Page("opp:version", "begeleider_a", lambda w: {"pk": w.version_f.pk}),
    Page("opp:version", "begeleider_a", lambda w: {"pk": w.version_a.pk}),
    Page("opp:version", "begeleider_a", lambda w: {"pk": w.version_d.pk}),
    Page("opp:plan", "begeleider_a", lambda w: {"pk": w.plan_j.pk}),
    Page("opp:version", "commissie_a2", lambda w: {"pk": w.version_c.pk}),
    Page("opp:diff", "begeleider_a", lambda w: {"pk": w.version_b.pk}, query="?met={version_b.pk}"),
    Page("opp:copy_forward", "begeleider_a", lambda w: {"pk": w.version_f.pk}, prepare=_copy_forward_source),
    Page("opp:consent_paper", "begeleider_a", lambda w: {"pk": w.request.pk}),
    Page("opp:adoption_queue", "bestuurder_a"),
    Page("opp:adoption_review", "bestuurder_a", lambda w: {"pk": w.version_t.pk}),
    Page("opp:verify", "begeleider_a"),
    Page("opp:measurements", "begeleider_a", lambda w: {"pk": w.measurement.goal_id}),
    Page("opp:measurement_edit", "begeleider_a", lambda w: {"pk": w.measurement.pk}),
    Page("evaluations:record", "begeleider_a", lambda w: {"pk": w.plan_d.pk}),
    Page("evaluations:detail", "begeleider_a", lambda w: {"pk": w.evaluation.pk}),
    Page("evaluations:commission_record", "commissie_a2", lambda w: {"pk": w.version_n.plan_id}),
    Page("evaluations:commission_detail", "commissie_a2", lambda w: {"pk": w.commission.pk}),
    Page("disputes:list", "geschillen_a"),
    Page("disputes:register", "geschillen_a"),
    Page("disputes:detail", "geschillen_a", lambda w: {"pk": w.dispute.pk}),
    Page("disputes:export_status", "geschillen_a", lambda w: {"pk": w.dispute.pk, "export_pk": w.export.pk}),
    Page("disputes:school_documents", "geschillen_a", lambda w: {"school_pk": w.sanne.school_id}),
    Page("portal:home", "ouder_a"),
    Page("portal:child", "ouder_a", lambda w: {"pk": w.sanne.pk}),
    Page("portal:child", "ouder_d", lambda w: {"pk": w.daan.pk}),
    Page("portal:version", "ouder_a", lambda w: {"pk": w.version_a.pk}),
    Page("portal:invitation_landing", "anonymous", lambda w: {"token": w.invite_token}),
    Page("portal:invitation_account", "anonymous", prepare=_exchange),
    Page("approvals", "schoolleider_a"),
    Page("opp:bank_list", "bestuurder_a"),
    Page("opp:bank_add", "bestuurder_a"),
    Page("opp:bank_edit", "bestuurder_a", lambda w: {"pk": w.bank_text.pk}),
    Page("opp:bank_import", "schoolleider_a"),
    Page("opp:bank_grants", "schoolleider_a"),
    Page("activation_landing", "anonymous", lambda w: {"token": w.activation_token}),
    Page("activation_password", "anonymous", prepare=_activate),
    Page("swv:pupil", "begeleider_a", lambda w: {"pk": w.daan.pk}),
    Page("swv:record", "begeleider_a", lambda w: {"pk": w.daan.pk}),
    Page("swv:withdraw", "begeleider_a", lambda w: {"pk": w.tlv.pk}),
    Page("swv:upload", "begeleider_a", lambda w: {"pk": w.tlv.pk}),
    Page("swv:overview_school", "schoolleider_a"),
    Page("swv:overview_board", "bestuurder_a"),
    Page("swv:request_list", "begeleider_a", lambda w: {"pk": w.daan.pk}),
    Page("swv:request_compose", "begeleider_a", lambda w: {"pk": w.daan.pk}),
    Page("swv:request_detail", "begeleider_a", lambda w: {"pk": w.swv_requests["concept"].pk}),
    Page("swv:request_detail", "begeleider_a", lambda w: {"pk": w.swv_requests["bij_ouders"].pk}),
    Page("swv:request_hand_in", "begeleider_a", lambda w: {"pk": w.swv_requests["klaar"].pk}),
    Page("swv:request_decide", "begeleider_a", lambda w: {"pk": w.swv_requests["ingediend"].pk}),
    Page("swv:request_withdraw", "begeleider_a", lambda w: {"pk": w.swv_requests["concept"].pk}),
    Page("portal:swv_requests", "ouder_d", lambda w: {"pk": w.daan.pk}),
    Page("portal:swv_request", "ouder_d", lambda w: {"pk": w.swv_requests["bij_ouders"].pk}),
]
#: Endpoints that only take a POST: some page above must show a form for each.
POST_TARGETS = {
    "logout", "set_language", "otp_backup_codes", "otp_remove",
    "students:guardian_remove", "students:import_apply", "students:import_discard",
    "opp:start", "opp:revision_start", "opp:to_overleg", "opp:consent_request", "opp:consent_withdraw", "opp:consent_remind",
    "opp:reaction_respond", "opp:submit", "opp:bekendmaking_record", "opp:withdrawal_notice_record",
    "disputes:dates", "disputes:advice", "disputes:response", "disputes:close", "disputes:upload", "disputes:export",
    "portal:react", "portal:answer", "portal:evaluation_react", "portal:invitation_exchange",
    "students:inzage", "portal:inzage", "students:invitation_remind",
    "admin:logout", "approval_decide", "activation_exchange",
    "opp:bank_toggle", "opp:bank_grant",
    "opp:measurement_delete",
    "swv:request_attach", "swv:request_inform", "swv:request_ready",
}
#: POST endpoints that no page of this world shows a form for, posted to directly (with only extra fields).
#: opp:submit: the version editor shows its button only while the version is editable *and* consent covers it,
#: i.e. for carried-over consent; after a fresh consent the version is "instemming gevraagd" and not editable.
SYNTHETIC = [Page("opp:submit", "begeleider_a", lambda w: {"pk": w.version_r.pk})]
#: url name -> why no form is posted from or to it.
NO_FORMS = {
    "home": "redirects to the start page for who you are",
    "health": "liveness probe, plain text",
    "opp:consent_scan": "download (tests/test_uploads.py)",
    "opp:version_pdf": "PDF download", "opp:archived_pdf": "PDF download",
    "opp:version_autosave": "JSON for static/js/editor.js; posts the editor's own fields (tests/opp/test_editor.py)",
    "opp:bekendmaking_letter": "PDF download", "opp:withdrawal_notice_letter": "PDF download",
    "evaluations:pdf": "PDF download", "portal:version_pdf": "PDF download", "portal:evaluation_pdf": "PDF download",
    "portal:dispute_letter": "PDF download", "portal:bekendmaking_letter": "PDF download",
    "swv:document": "download", "swv:request_pdf": "PDF download", "swv:request_json": "JSON download",
    "opp:las_export_csv": "CSV download without parameters (tests/opp/test_las_export.py)",
    "sso_start": "redirect to the identity provider; 404 unless OIDC_ISSUER is set (tests/security/test_sso_login.py)",
    "sso_callback": "the provider's redirect back; 404 unless OIDC_ISSUER is set (tests/security/test_sso_login.py)",
    "sso_logged_out": "a form to the provider only after an SSO session (tests/security/test_sso_login.py)",
    "opp:bank_export": "CSV download; its GET filters are the bank list's (tests/opp/test_bank.py)",
    "students:export": "CSV download; its GET filters are the pupil list's (tests/students/test_pupil_list.py)",
    "disputes:document": "download", "disputes:letter": "PDF download", "disputes:export_download": "download",
    "disputes:school_document": "download",
    "admin:index": "links only", "admin:password_change_done": "message only", "admin:jsi18n": "JavaScript",
    "admin:autocomplete": "JSON for autocomplete widgets", "admin:view_on_site": "redirect",
    "admin:app_list": "links only",
    "admin:auth_user_password_change": "refused to everyone (issue 16): nobody sets another account's password",
}


def admin_pages() -> list[Page]:
    """The admin's pages for every registered model, with its first object: opened by the beheerder, or by the
    technical superuser where the beheerder may not (delete, the audit log)."""
    from security.admin import admin_site

    pages = [Page("admin:login", "anonymous"), Page("admin:password_change", "beheerder_a")]
    for model in admin_site._registry:
        stem = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        pages += [Page(f"{stem}_add", "admin"), Page(f"{stem}_changelist", "admin")]
        pages += [Page(f"{stem}_{action}", "admin", lambda w, m=model: {"object_id": _first_pk(m)})
                  for action in ("change", "delete", "history")]
    return pages


def _first_pk(model) -> str:
    obj = model._default_manager.order_by("pk").first()
    return str(obj.pk) if obj is not None else "0"


ALL_PAGES = PAGES + admin_pages()

# --- Parsing forms --------------------------------------------------------------------------------------


@dataclass
class Field:
    name: str
    kind: str  # input type, "textarea" or "select"
    values: list[str] = field(default_factory=list)  # what a browser would send untouched
    options: list[str] = field(default_factory=list)


@dataclass
class Form:
    page: str
    persona: str
    action: str
    target: str
    multipart: bool
    fields: dict[str, Field] = field(default_factory=dict)
    buttons: list[tuple[str, str]] = field(default_factory=list)
    method: str = "post"

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.target} (from {self.page} as {self.persona}; fields {sorted(self.fields)})"

    def key(self):
        return self.method, self.target, frozenset(self.fields), tuple(self.buttons)


class FormParser(HTMLParser):
    """<form> elements with their inputs, textareas, selects and named submit buttons."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: Field | None = None
        self._option: dict | None = None
        self._textarea: Field | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._form = {"method": a.get("method", "get").lower(), "action": a.get("action", ""),
                          "multipart": "multipart" in a.get("enctype", ""), "fields": {}, "buttons": []}
            self.forms.append(self._form)
            return
        if self._form is None or "disabled" in a:
            return
        name = a.get("name")
        fields = self._form["fields"]
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in ("submit", "image", "button", "reset"):
                if kind == "submit":
                    self._form["buttons"].append((name, a.get("value", "")))
                return
            f = fields.setdefault(name, Field(name, kind))
            if kind in ("checkbox", "radio"):
                value = a.get("value", "on")
                f.options.append(value)
                if "checked" in a:
                    f.values.append(value)
            elif kind != "file":
                f.values = [a.get("value", "")]
        elif tag == "button" and name and a.get("type", "submit") == "submit":
            self._form["buttons"].append((name, a.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea = fields.setdefault(name, Field(name, "textarea", values=[""]))
        elif tag == "select" and name:
            self._select = fields.setdefault(name, Field(name, "select"))
            self._select.multiple = "multiple" in a
        elif tag == "option" and self._select is not None:
            self._option = {"value": a.get("value"), "text": "", "selected": "selected" in a}

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.values = [self._textarea.values[0] + data]
        if self._option is not None:
            self._option["text"] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea" and self._textarea is not None:
            if self._textarea.values[0].startswith("\n"):  # a browser drops the newline after <textarea>
                self._textarea.values = [self._textarea.values[0][1:]]
            self._textarea = None
        elif tag == "option" and self._option is not None:
            self._close_option()
        elif tag == "select" and self._select is not None:
            if self._option is not None:
                self._close_option()
            if not self._select.values and self._select.options and not getattr(self._select, "multiple", False):
                self._select.values = [self._select.options[0]]  # a browser sends the first option
            self._select = None

    def _close_option(self):
        value = self._option["value"] if self._option["value"] is not None else self._option["text"].strip()
        self._select.options.append(value)
        if self._option["selected"]:
            self._select.values.append(value)
        self._option = None


def forms_on(html: str, page_url: str, page: Page) -> list[Form]:
    parser = FormParser()
    parser.feed(html)
    found = []
    for raw in parser.forms:
        action = urljoin(page_url, raw["action"]) if raw["action"] else page_url
        if raw["method"] != "post":
            # A search or filter form: its query replaces the page's own.
            action = urlsplit(action)._replace(query="").geturl()
        path = urlsplit(action).path
        try:
            match = resolve(path)
        except Resolver404:
            raise AssertionError(f"{page.name}: a form posts to {action}, which no URL pattern serves") from None
        found.append(Form(page.name, page.persona, action, match.view_name, raw["multipart"], raw["fields"],
                          raw["buttons"], "post" if raw["method"] == "post" else "get"))
    return found


# --- Posting ----------------------------------------------------------------------------------------------------

KEEP, OMIT = "keep", "omit"
#: Forms everyone sees (in base.html): fuzzed from the first page that shows them, not from every page.
GLOBAL_TARGETS = {"logout", "set_language", "admin:logout"}


def _refuse_nul(execute, sql, params, many, context):
    """PostgreSQL refuses NUL in text (`ValueError: A string literal cannot contain NUL`); SQLite stores it."""
    rows = params if many else [params]
    for row in rows or []:
        values = row.values() if isinstance(row, dict) else (row or [])
        if any(isinstance(v, str) and "\x00" in v for v in values):
            raise ValueError("A string literal cannot contain NUL (0x00) characters.")
    return execute(sql, params, many, context)


def _summary(data: dict, files: dict) -> str:
    shown = {k: (v[0] if len(v) == 1 else v) if isinstance(v, list) else v for k, v in data.items()
             if k != "csrfmiddlewaretoken"}
    shown.update({k: (name, content[:20]) for k, (name, content) in files.items()})
    return ", ".join(f"{k}={v!r:.60}" for k, v in shown.items())


class FuzzWorld:
    def __init__(self, world):
        self.world = world
        self.clients: dict[str, Client] = {}
        self.forms: list[Form] = []
        self.pages_seen: dict[Page, int] = {}

    def client_for(self, persona: str) -> Client:
        if persona not in self.clients:
            client = Client()
            if persona != "anonymous":
                name, _sep, flag = persona.partition("!")
                login(client, self.world.users[name], verified=flag != "unverified")
            self.clients[persona] = client
        return self.clients[persona]

    def discover(self, pages):
        seen = set()
        for page in pages:
            if page.prepare:
                page.prepare(self.client_for(page.persona), self.world)
            url = reverse(page.name, kwargs=page.kwargs(self.world)) + page.query.format(**vars(self.world))
            persona = "beheerder_a" if page.persona == "admin" else page.persona
            response = self.client_for(persona).get(url)
            if page.persona == "admin" and response.status_code == 403:
                # What the beheerder may not do (delete, the audit log), the technical superuser may.
                persona = "superuser"
                response = self.client_for(persona).get(url)
            page = Page(page.name, persona, page.kwargs, page.query, page.prepare)
            self.pages_seen[page] = response.status_code
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            for form in forms_on(response.content.decode(), url, page):
                key = form.target if form.target in GLOBAL_TARGETS else form.key()
                if key not in seen:
                    seen.add(key)
                    self.forms.append(form)
        for page in SYNTHETIC:
            self.forms.append(Form(page.name, page.persona, reverse(page.name, kwargs=page.kwargs(self.world)),
                                   page.name, False))

    def post(self, form: Form, data: dict, files: dict | None = None):
        """POST in a savepoint that is rolled back, with the client's cookies restored afterwards: every POST
        meets the same world and the same session. A view's exception (re-raised by the test client) or a
        status outside ALLOWED fails with the form and the values that did it."""
        client = self.client_for(form.persona)
        files = files or {}
        payload = dict(data)
        for name, (filename, content) in files.items():
            payload[name] = SimpleUploadedFile(filename, content)
        cookies = copy.deepcopy(client.cookies)
        savepoint = transaction.savepoint()
        try:
            with connection.execute_wrapper(_refuse_nul):
                if form.method == "get":
                    response = client.get(form.action, data)
                else:
                    response = client.post(form.action, payload)
        except Exception as exc:
            raise AssertionError(f"{form.label} raised {exc!r:.300} for: {_summary(data, files)}") from exc
        finally:
            transaction.savepoint_rollback(savepoint)
            client.cookies = cookies
        assert response.status_code in ALLOWED, f"{form.label}: {response.status_code} for: {_summary(data, files)}"
        return response


def group_of(form: Form) -> str:
    return form.target.partition(":")[0] if ":" in form.target else "accounts"


def baseline(form: Form) -> dict[str, list[str]]:
    """What a browser sends for the form untouched: shown values, checked boxes, selected options, first button."""
    data = {name: list(f.values) for name, f in form.fields.items() if f.kind != "file" and f.values}
    if form.buttons:
        name, value = form.buttons[0]
        data.setdefault(name, [value])
    return data


def user_fields(form: Form) -> list[Field]:
    return [f for name, f in form.fields.items() if name != "csrfmiddlewaretoken"]


MANAGEMENT = ("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS")


def _structural(f: Field) -> bool:
    """Fields a form needs to be read at all (a formset's management form, a hidden section or token): forged
    in the rounds with `choices` and sometimes by hypothesis, kept otherwise so the other values get through."""
    return f.name.endswith(MANAGEMENT) or (f.kind == "hidden" and not _numeric(f))


def _numeric(f: Field) -> bool:
    return not f.name.endswith(MANAGEMENT) and (
        f.kind == "number" or (f.kind == "hidden" and bool(f.values) and f.values[0].lstrip("-").isdigit()))


#: What a user would type into an empty field, by input type or name.
PLAIN = {"email": "fuzz@example.nl", "date": "2026-10-15", "number": "1", "password": PASSWORD, "tel": "0612345678"}


def filled(form: Form) -> tuple[dict[str, list[str]], dict]:
    """The form filled in as a user would: empty fields typed in, the first real option chosen where none is,
    a small PDF for file inputs. Often valid, so that hostile values in one place reach the service."""
    data, files = baseline(form), {}
    for f in user_fields(form):
        if f.kind == "file":
            files[f.name] = ("scan.pdf", PDF)
        elif data.get(f.name, [""]) in ([""], []):
            options = [o for o in f.options if o]
            if f.kind in ("select", "radio") and options:
                data[f.name] = [options[0]]
            elif f.kind not in ("select", "radio", "checkbox", "hidden"):
                kind = "email" if "email" in f.name else "tel" if "phone" in f.name else f.kind
                data[f.name] = [PLAIN.get(kind, "Fuzz")]
    return data, files


def round_post(form: Form, r: Round) -> tuple[dict, dict]:
    data, files = filled(form)
    for f in user_fields(form):
        if f.kind == "file":
            if r.file is not None:
                files[f.name] = r.file
        elif f.kind == "date":
            if r.date is not None:
                data[f.name] = [r.date]
        elif _numeric(f):
            if r.number is not None:
                data[f.name] = [r.number]
        elif f.kind in ("select", "radio", "checkbox") or f.options or _structural(f):
            if r.choices:
                data[f.name] = [r.text]
        elif r.text is not None:
            data[f.name] = [r.text]
    return data, files


def assemble(form: Form, choices: dict, extra: dict, button) -> tuple[dict, dict]:
    data, files = filled(form)
    for name, choice in choices.items():
        f = form.fields[name]
        if f.kind == "file":
            if choice is None:
                files.pop(name, None)
            elif choice != KEEP:
                files[name] = choice
        elif choice == OMIT:
            data.pop(name, None)
        elif choice != KEEP:
            data[name] = choice
    if button is not None:
        data[button[0]] = [button[1]]
    for name, value in extra.items():
        data.setdefault(name, [value])
    return data, files


_chars = st.characters(exclude_categories=("Cs",))


def value_strategy(f: Field):
    pool = [st.sampled_from(NASTY), st.text(_chars, max_size=40), st.integers().map(str)]
    if f.kind == "date":
        pool.append(st.sampled_from(NASTY_DATES))
        pool.append(st.tuples(st.integers(-3, 99999), st.integers(-1, 14), st.integers(-1, 40)).map(
            lambda t: f"{t[2]:02d}-{t[1]:02d}-{t[0]}"))
    if _numeric(f):
        pool.append(st.sampled_from(NASTY_NUMBERS))
    if f.options:
        pool.append(st.sampled_from(f.options))
    return st.one_of(pool)


def field_strategy(f: Field):
    if f.kind == "file":
        return st.one_of(st.just(KEEP), st.none(), st.tuples(st.sampled_from(FILE_NAMES), st.binary(max_size=3000)),
                         st.tuples(st.sampled_from(FILE_NAMES), st.sampled_from(HOSTILE_FILES)))
    values = value_strategy(f)
    keep = [st.just(KEEP)] * (6 if _structural(f) else 1)  # mostly intact, or the rest never reaches the view
    return st.one_of(*keep, st.just(OMIT), values.map(lambda v: [v]), st.lists(values, min_size=2, max_size=3))


def form_strategy(form: Form):
    choices = st.fixed_dictionaries({f.name: field_strategy(f) for f in user_fields(form)})
    extra = st.dictionaries(st.sampled_from(EXTRA_NAMES), st.sampled_from(NASTY), max_size=3)
    button = st.sampled_from(form.buttons) if form.buttons else st.none()
    return st.tuples(choices, extra, button)


# --- Fixtures and tests ---------------------------------------------------------------------------------------

#: Examples per form: 8 keeps the file fast; `OPP_FUZZ_EXAMPLES=200 pytest tests/test_fuzz_forms.py` digs deeper.
EXAMPLES = int(os.environ.get("OPP_FUZZ_EXAMPLES", "8"))
#: One hypothesis test per app, so that a failure names the app and the two workers share the load.
GROUPS = ["accounts", "students", "opp", "evaluations", "disputes", "swv", "portal", "admin"]


@pytest.fixture(scope="module")
def fuzz(django_db_setup, django_db_blocker, tmp_path_factory):
    """The world and its forms, built once per module (per xdist worker) in a transaction that is rolled back
    at the end; each test's own `db` transaction and each POST's savepoint nest inside it."""
    with (django_db_blocker.unblock(), override_settings(PRIVATE_MEDIA_ROOT=tmp_path_factory.mktemp("private")),
          time_machine.travel(NOW, tick=False)):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            fw = FuzzWorld(build_world())
            fw.discover(ALL_PAGES)
            yield fw
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def test_every_url_pattern_is_a_page_a_post_target_or_has_no_form(fuzz, db):
    names = {r.name for r in ROUTES if r.name}
    listed = {p.name for p in ALL_PAGES} | POST_TARGETS | set(NO_FORMS)
    assert sorted(names - listed) == [], "add these URL patterns to PAGES, POST_TARGETS or NO_FORMS"
    assert sorted(listed - names) == [], "these names are no URL pattern (any more)"
    # The admin refuses adding or deleting read-only models (the audit log) to everyone, and sends a missing
    # object (a model without rows yet) back to its list.
    not_shown = {p.name: status for p, status in fuzz.pages_seen.items()
                 if status != 200 and not (p.name.startswith("admin:") and status in (302, 403))}
    assert not_shown == {}, "every page opens for its persona (fix the world or the persona)"
    synthetic = {p.name for p in SYNTHETIC}
    shown = {f.target for f in fuzz.forms if f.method == "post" and f.page not in synthetic}
    assert sorted(POST_TARGETS - shown - synthetic) == [], "no page shows a form that posts here"
    assert {group_of(f) for f in fuzz.forms} <= set(GROUPS), "a new app: add it to GROUPS"
    assert len([f for f in fuzz.forms if user_fields(f)]) >= 40, [f.label for f in fuzz.forms]


@pytest.mark.parametrize("r", ROUNDS, ids=lambda r: r.name)
def test_the_nastiest_values_in_every_field_of_every_form(fuzz, db, r):
    failures = []
    for form in fuzz.forms:
        if not user_fields(form) and r is not ROUNDS[0]:
            continue  # a form of only a button: one round of extra fields is enough
        data, files = round_post(form, r)
        if not user_fields(form):
            data.update({name: [r.text or ""] for name in EXTRA_NAMES[:3]})
        try:
            fuzz.post(form, data, files)
        except AssertionError as exc:  # every broken form, not only the first
            failures.append(str(exc))
    assert not failures, "\n\n".join(failures)


def _fuzz_one(fuzz: FuzzWorld, form: Form):
    # A form of only a button varies only in extra fields: one example will do.
    @hsettings(max_examples=EXAMPLES if user_fields(form) else 1, deadline=None, database=None,
               suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                      HealthCheck.data_too_large])
    @given(drawn=form_strategy(form))
    def run(drawn):
        choices, extra, button = drawn
        data, files = assemble(form, choices, extra, button)
        fuzz.post(form, data, files)

    run()


@pytest.mark.parametrize("group", GROUPS)
def test_hypothesis_input_to_every_form(fuzz, db, group):
    failures = []
    for form in [f for f in fuzz.forms if group_of(f) == group]:
        try:
            _fuzz_one(fuzz, form)
        except AssertionError as exc:  # hypothesis has shrunk it; report every form, not only the first
            failures.append(str(exc))
    assert not failures, "\n\n".join(failures)


# --- What the fuzzing found: each fix, pinned ----------------------------------------------------------------------


def _form(fuzz: FuzzWorld, target: str, *, method: str = "post", having: str = "") -> Form:
    return next(f for f in fuzz.forms if f.target == target and f.method == method and (not having or having in f.fields))


@pytest.mark.parametrize(("target", "field", "having"), [
    ("students:create", "date_of_birth", ""), ("students:placement_add", "start_on", ""),
    ("opp:consultation_add", "held_on", ""), ("opp:withdraw", "on_date", ""),
    ("opp:version", "commissie-commissie_advies_on", "commissie-commissie_advies_on"),
    ("opp:consent_paper", "signed_on", ""), ("evaluations:record", "held_on", ""),
    ("evaluations:commission_record", "held_on", ""), ("disputes:register", "filed_on", ""),
    ("disputes:dates", "received_on", ""),
])
@pytest.mark.parametrize("day", ["0001-01-01", "31-12-9999"])
def test_a_date_outside_1900_2100_is_a_form_error_not_an_overflow(fuzz, db, target, field, having, day):
    """Year 1 crashed placements (start - 365 days) and commission evaluations (school year 0-1)."""
    form = _form(fuzz, target, having=having)
    data, files = filled(form)
    data[field] = [day]
    response = fuzz.post(form, data, files)
    assert response.status_code in (200, 400)
    assert "Vul een datum tussen 1900 en 2100 in." in response.content.decode()


def test_the_pupil_import_refuses_a_year_after_2100_in_the_dry_run(fuzz, db):
    """Enrolled on 31-12-9999 passed the dry run; applying it overflowed the six-week deadline."""
    form = _form(fuzz, "students:import_upload")
    data, files = filled(form)
    files["file"] = ("leerlingen.csv", CSV.replace(b"20-08-2022", b"31-12-9999"))
    response = fuzz.post(form, data, files)
    assert response.status_code == 200
    assert "‘31-12-9999’: het jaartal 9999 kan niet kloppen." in response.content.decode()


def test_a_forged_selection_in_an_admin_list_is_refused(fuzz, db):
    """Django hands `_selected_action` straight to a pk lookup: '' raised a ValueError."""
    form = _form(fuzz, "admin:accounts_membership_changelist")
    data, files = filled(form)
    data.update(action=["delete_selected"], index=["0"], select_across=["0"], _selected_action=["", "abc"])
    response = fuzz.post(form, data, files)
    assert response.status_code == 302 and response["Location"] == form.action  # Django's "action failed"
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["De selectie is ongeldig; er is niets gedaan."]


def test_a_forged_form_count_builds_at_most_the_maximum_of_rows(fuzz, db):
    """TOTAL_FORMS=100000 built and rendered 1050 rows (Django's default absolute_max): seconds per request."""
    form = _form(fuzz, "opp:version", having="factoren-TOTAL_FORMS")
    data, files = filled(form)
    data["factoren-TOTAL_FORMS"] = ["100000"]
    html = fuzz.post(form, data, files).content.decode()
    assert 'name="factoren-49-text"' in html and "factoren-50-" not in html


def test_a_nul_in_the_pupil_search_finds_without_it(fuzz, db):
    """PostgreSQL refuses NUL in a query parameter; the search strips it (the wrapper here refuses it as PG does)."""
    form = _form(fuzz, "students:list", method="get")
    response = fuzz.post(form, {"q": ["San\x00ne"]})
    assert response.status_code == 200 and "Sanne" in response.content.decode()


def test_a_60000_character_search_in_every_admin_list_answers(fuzz, db):
    """Django makes a LIKE per word and search field: 60,000 characters of words made SQLite refuse the query (a
    500, issue 16). Admin searches are cut to security.admin.SEARCH_MAX_LENGTH characters."""
    searches = [f for f in fuzz.forms if f.method == "get" and f.target.startswith("admin:") and "q" in f.fields]
    assert len(searches) >= 5, [f.label for f in searches]
    for form in searches:
        for term in ("a " * 30_000, "é" * 60_000, "x\x00" * 100):
            assert fuzz.post(form, {"q": [term]}).status_code == 200, form.label


@pytest.mark.parametrize("persona", ["beheerder_a", "superuser"])
def test_the_admin_autocomplete_answers_403_for_any_field(fuzz, db, persona):
    """`field_name=memberships` (a reverse relation) was an AttributeError inside Django: a 500 (issue 16)."""
    client = fuzz.client_for(persona)
    url = reverse("admin:autocomplete")
    for field_name in ("memberships", "user", "school", "board", "", "x" * 10_000, "\x00"):
        for app_label, model_name in (("accounts", "user"), ("accounts", "membership"), ("students", "student")):
            response = client.get(url, {"app_label": app_label, "model_name": model_name, "field_name": field_name,
                                        "term": "' OR 1=1 --"})
            assert response.status_code == 403, (app_label, model_name, field_name[:20])
