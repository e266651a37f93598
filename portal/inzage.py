"""Inzage: everything the portal holds on a pupil, as one ZIP (DOMAIN "Retention and privacy":
parents have the right of access to their child's file).

The ZIP is the parents' copy: `gegevens.json` (the data, structured, with a Dutch `toelichting`), `overzicht.pdf`
(the same data as a readable Dutch document), a PDF of every
OPP version the portal lets the parents see and of every evaluation (the parents' copy, without the commission's
report to the board), and `LEESMIJ.txt`. The staff's "inzageverzoek" export produces the same file.

What goes in is what the portal shows — on its pages or in the PDFs it serves — and nothing that is for staff
only: no internal consultation notes (never even loaded), no commission evaluations, no IP addresses, accounts,
scans or staff users behind an answer, no returned-version reasons, no eligibility working. Every file name in
the ZIP is made here; no text a user typed reaches a name.

Reads are batched: the number of queries does not grow with the number of plans, versions, consultations or
evaluations. The one exception is a version without an archived PDF (a version not yet adopted: at most one
per plan), whose PDF is rendered as the portal renders it.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass

from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import dateformat, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from disputes import rules as dispute_rules
from disputes.models import Dispute
from evaluations import pdf as evaluation_pdf
from evaluations.models import Evaluation, EvaluationReaction, ItemProgress
from opp import content as opp_content
from opp import measures
from opp import pdf as opp_pdf
from opp import sections as S
from opp import selectors as opp_selectors
from opp.models import (
    FROZEN_STATES,
    ActionItem,
    Bekendmaking,
    ConsentAnswer,
    ConsentRequest,
    Consultation,
    Goal,
    Measurement,
    PlanVersion,
    Reaction,
    Suggestion,
)
from opp.rules import gpo_last_day
from opp_portal import files
from students.eligibility import COMMISSION_SOORTEN
from students.models import GuardianLink, Student

from .selectors import GEZAG, PORTAL_STATES

JSON_NAME = "gegevens.json"
README_NAME = "LEESMIJ.txt"
#: The same content as gegevens.json, for people: a PDF in plain Dutch (templates/pdf/inzage_overzicht.html).
OVERVIEW_NAME = "overzicht.pdf"
OVERVIEW_TEMPLATE = "pdf/inzage_overzicht.html"
#: Kept in memory up to this size, then spooled to a temporary file.
SPOOL_BYTES = 16 * 1024 * 1024

VIA_PORTAL = "portaal"
VIA_SCHOOL = "school"


@dataclass
class InzageExport:
    file: tempfile.SpooledTemporaryFile
    filename: str
    files: int


# --- Who may ask --------------------------------------------------------------------------------------


def party_of(user, student: Student, *, guardians: list | None = None) -> str | None:
    """'leerling' for the adult pupil themself, 'ouder' for a guardian with gezag, else None.

    The caller has already reached `student` through portal.selectors.student_for_portal (own child only,
    R-TIME-4 applied). A guardian without gezag reads the portal but is not the child's legal
    representative, so cannot exercise the right of access on the child's behalf. `guardians`: the user's guardian
    rows as portal.selectors.guardians_of_user(user, student) gives them, when the caller has them; else one query.
    """
    if student.portal_user_id is not None and student.portal_user_id == user.pk:
        return "leerling"
    if guardians is not None:
        gezag = any(getattr(g, GEZAG) for g in guardians)
    else:
        gezag = GuardianLink.objects.filter(student=student, guardian__user=user, has_gezag=True).exists()
    return "ouder" if gezag else None


# --- Building the ZIP ---------------------------------------------------------------------------------


def build_inzage_zip(student: Student, *, requested_via: str) -> InzageExport:
    """The parents' copy of `student`'s file as a ZIP in a spooled temporary file, rewound, ready to stream.

    `requested_via` is VIA_PORTAL (the parent or adult pupil) or VIA_SCHOOL (a formal request handled by
    staff); it is only recorded in gegevens.json: the content is the same.
    """
    with translation.override("nl"):
        return _build(student, requested_via=requested_via)


def _build(student: Student, *, requested_via: str) -> InzageExport:
    now = timezone.localtime()
    loaded = _load(student)
    files: list[tuple[str, bytes, dict]] = []  # (name, bytes, description for the file list)
    names: set[str] = set()

    def add(name: str, content: bytes, kind: str) -> dict:
        name = _unique(name, names)
        digest = hashlib.sha256(content).hexdigest()
        files.append((name, content, {"naam": name, "soort": kind, "sha256": digest}))
        return {"bestand": name, "sha256": digest}

    plans_data = []
    for index, plan in enumerate(loaded.plans, start=1):
        numbers = _goal_numbers(plan)
        versions_data = []
        for version in plan.inzage_versions:
            content, source = _version_pdf(version)
            pdf_ref = add(f"opp-{index}-versie-{version.number}.pdf", content, "OPP-versie")
            versions_data.append(_version_data(version, loaded.applicable, pdf_ref | {"bron": source}, numbers))
        evaluations_data = []
        for evaluation in plan.inzage_evaluations:
            content = opp_pdf.html_to_pdf(_evaluation_html(evaluation, student))
            pdf_ref = add(f"evaluatie-{evaluation.held_on.isoformat()}.pdf", content, "evaluatie")
            evaluations_data.append(_evaluation_data(evaluation, pdf_ref))
        plans_data.append({
            "nummer": index,
            "status": _choice(plan.state, plan.get_state_display()),
            "gestart_op": _date(timezone.localtime(plan.created_at).date()),
            "einddatum": _date(plan.ended_on),
            "reden_einde": plan.end_reason or None,
            "intrekking_bekendgemaakt_op": _date(plan.made_known_on),
            "intrekking_bekendgemaakt_aan": [_bekendmaking_data(b) for b in plan.inzage_withdrawal_notices],
            "versies": versions_data,
            "overleggen": [_consultation_data(c) for c in plan.inzage_consultations],
            "evaluaties": evaluations_data,
            "doelen": [_goal_data(goal) for goal in _goals(plan)],
        })

    data = {
        "toelichting": {key: str(text) for key, text in TOELICHTING.items()},
        "gemaakt_op": now.isoformat(),
        "opgevraagd_via": requested_via,
        "leerling": _student_data(student),
        "ouders_met_gezag": [{"naam": link.guardian.name, "relatie": _choice(link.relation, link.get_relation_display())}
                             for link in loaded.guardians],
        "opps": plans_data,
        "geschillen": [_dispute_data(d) for d in loaded.disputes],
        "bestanden": [meta for _name, _content, meta in files],
    }
    payload = json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
    readme = _readme(student, now, [meta for _name, _content, meta in files]).encode("utf-8")
    overview = opp_pdf.html_to_pdf(_overview_html(student, loaded, now, [meta for _n, _c, meta in files]))

    spooled = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - FileResponse closes it
    stamp = now.timetuple()[:6]
    with zipfile.ZipFile(spooled, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in [(README_NAME, readme), (OVERVIEW_NAME, overview), (JSON_NAME, payload)] + [
                (n, c) for n, c, _m in files]:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    spooled.seek(0)
    return InzageExport(file=spooled, filename=download_name(student, now.date()), files=len(files) + 3)


def download_name(student: Student, day: datetime.date) -> str:
    """`inzage-SJ-2026-11-28.zip`: the pupil's initials only (a download name ends up in mail and file shares)."""
    ascii_initials = unicodedata.normalize("NFKD", student.initials).encode("ascii", "ignore").decode()
    initials = re.sub(r"[^A-Za-z0-9]", "", ascii_initials)
    return f"inzage-{initials}-{day.isoformat()}.zip" if initials else f"inzage-{day.isoformat()}.zip"


def _unique(name: str, taken: set[str]) -> str:
    stem, dot, ext = name.rpartition(".")
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{stem}-{n}{dot}{ext}"
    taken.add(candidate)
    return candidate


# --- Loading (a fixed number of queries) --------------------------------------------------------------


@dataclass
class _Loaded:
    plans: list
    guardians: list
    disputes: list
    applicable: list[str]


def _load(student: Student) -> _Loaded:
    versions = (
        PlanVersion.objects.filter(state__in=PORTAL_STATES)
        .select_related("based_on", "adopted_by")
        .prefetch_related(
            "factors", "actions", "yields",
            Prefetch("consent_requests", queryset=ConsentRequest.objects.order_by("requested_at", "pk").prefetch_related(
                Prefetch("answers", queryset=ConsentAnswer.objects.order_by("answered_at", "pk")))),
            Prefetch("reactions", queryset=Reaction.objects.order_by("created_at", "pk")),
            Prefetch("bekendmakingen", queryset=Bekendmaking.objects.order_by("made_known_on", "pk"),
                     to_attr="inzage_notices"),
        )
        .order_by("number")
    )
    # internal_note is for staff only: it is not even read (as in opp.pdf).
    consultations = (Consultation.objects.defer("internal_note").select_related("version")
                     .prefetch_related(Prefetch("suggestions", queryset=Suggestion.objects.order_by("position", "pk")))
                     .order_by("held_on", "pk"))
    evaluations = (
        Evaluation.objects.select_related("version")
        .prefetch_related(
            Prefetch("version__actions", queryset=ActionItem.objects.order_by("position", "pk")),
            "version__factors", "version__yields",
            Prefetch("progress", queryset=ItemProgress.objects.order_by("action__position", "pk")),
            Prefetch("reactions", queryset=EvaluationReaction.objects.order_by("created_at", "pk")),
        )
        .order_by("held_on", "pk")
    )
    plans = list(student.plans.order_by("created_at", "pk").prefetch_related(
        Prefetch("versions", queryset=versions, to_attr="inzage_versions"),
        Prefetch("consultations", queryset=consultations, to_attr="inzage_consultations"),
        Prefetch("evaluations", queryset=evaluations, to_attr="inzage_evaluations"),
        Prefetch("bekendmakingen", queryset=Bekendmaking.objects.filter(act=Bekendmaking.Act.INTREKKING)
                 .order_by("made_known_on", "pk"), to_attr="inzage_withdrawal_notices"),
        # The lasting goals with their measurements (pupil data, recorded by staff: R-CONTENT-4), two queries.
        Prefetch("goals", queryset=Goal.objects.order_by("pk").prefetch_related(
            Prefetch("measurements", queryset=Measurement.objects.order_by("measured_on", "pk"))),
            to_attr="inzage_goals"),
    ))
    # A plan the parents have not been shown yet (only a concept) is not in the portal, so not here.
    plans = [p for p in plans if p.inzage_versions]
    guardians = list(student.guardian_links.filter(has_gezag=True).select_related("guardian").order_by("guardian__name", "pk"))
    disputes = list(Dispute.objects.filter(plan__student=student).order_by("filed_on", "pk"))
    has_opdc = student.placement_events.filter(kind="opdc").exists()
    applicable = S.applicable_sections(student.onderwijssoort, has_opdc=has_opdc)
    return _Loaded(plans=plans, guardians=guardians, disputes=disputes, applicable=applicable)


# --- PDFs -----------------------------------------------------------------------------------------------


def _archived_bytes(version: PlanVersion) -> bytes | None:
    """The PDF archived at adoption, checked against archived_pdf_hash (files.Damaged when it is gone or differs: the
    parents never get a silently different copy), or None when the version was never archived."""
    if not version.archived_pdf:
        return None
    return files.read_verified(version.archived_pdf, version.archived_pdf_hash)


def _version_pdf(version: PlanVersion) -> tuple[bytes, str]:
    """An adopted version: the archived original, so that its hash can be checked. Otherwise rendered now,
    exactly as the portal's PDF download renders it."""
    if version.state in FROZEN_STATES:
        archived = _archived_bytes(version)
        if archived is not None:
            return archived, "archief"
    return opp_pdf.render_version_pdf(version), "opnieuw_gemaakt"


def _evaluation_html(evaluation: Evaluation, student: Student) -> str:
    """The parents' copy of the evaluation PDF (evaluations.pdf.context_for with for_staff=False), built from
    the prefetched rows instead of a query per evaluation. tests/portal/test_inzage.py holds the two equal."""
    version = evaluation.version
    progress = {p.action_id: p for p in evaluation.progress.all()}
    context = {
        "evaluation": evaluation,
        "plan": evaluation.plan,
        "student": student,
        "school": student.school,
        "version": version,
        "version_hash": version.adopted_hash or opp_content.version_hash(version),
        "items": [{"action": a, "progress": progress.get(a.pk)} for a in version.actions.all()],
        "reactions": list(evaluation.reactions.all()),
        "ended": evaluation.decision == Evaluation.Decision.BEEINDIGEN,
        "vso": student.onderwijssoort in COMMISSION_SOORTEN,
        "commission_evaluations": [],  # the commission reports to the board: not in the parents' copy
        "printed_on": timezone.localdate(),
        "with_pupil_view": True,
    }
    return render_to_string(evaluation_pdf.TEMPLATE, context)


def _overview_html(student: Student, loaded: _Loaded, now: datetime.datetime, files: list[dict]) -> str:
    """The human-readable overview: what gegevens.json holds, as a Dutch document (dates as "28 november 2026").
    Built from the same loaded rows, so it shows exactly what the portal shows and nothing for staff only."""
    plans = []
    for index, plan in enumerate(loaded.plans, start=1):
        versions = [{"version": v, "adopted": v.state in FROZEN_STATES,
                     "sections": _readable_sections(v, loaded.applicable),
                     "consents": [{"request": r, "answers": list(r.answers.all())} for r in v.consent_requests.all()],
                     "reactions": list(v.reactions.all())}
                    for v in plan.inzage_versions]
        evaluations = []
        for e in plan.inzage_evaluations:
            progress = {p.action_id: p for p in e.progress.all()}
            evaluations.append({"evaluation": e, "reactions": list(e.reactions.all()),
                                "items": [{"action": a, "progress": progress.get(a.pk)} for a in e.version.actions.all()]})
        plans.append({"number": index, "plan": plan, "started_on": timezone.localtime(plan.created_at).date(),
                      "versions": versions, "consultations": plan.inzage_consultations, "evaluations": evaluations,
                      "goals": [g for g in _goals(plan) if g.measurements_shown]})
    return render_to_string(OVERVIEW_TEMPLATE, {
        "student": student, "school": student.school, "made_at": now, "guardians": loaded.guardians,
        "consent_party": _consent_party(student), "plans": plans,
        "disputes": [{"dispute": d, "state": dispute_rules.PARENT_STATE[d.state]} for d in loaded.disputes],
        "files": files, "json_name": JSON_NAME,
    })


def _readable(value) -> str:
    if isinstance(value, bool):
        return _("ja") if value else _("nee")
    if isinstance(value, datetime.date):
        return dateformat.format(value, "j F Y")
    return "" if value is None else str(value)


def _readable_sections(version: PlanVersion, applicable: list[str]) -> list[dict]:
    """The sections the portal shows (R-CONTENT) as title + labelled rows or items, in their order."""
    result = []
    for key in applicable:
        section = {"key": key, "title": S.SECTIONS[key].title, "rows": [], "factors": [], "actions": []}
        if key == "uitstroom":
            section["rows"] = [(_("Uitstroomprofiel"), version.uitstroom_label),
                               (_("Onderbouwing"), version.uitstroom_onderbouwing)]
        elif key == "factoren":
            section["factors"] = list(version.factors.all())
        elif key == "handelingsdeel":
            section["actions"] = list(version.actions.all())
        elif key == "leerrendement":
            section["rows"] = [(y.get_subject_label(), y.expectation) for y in version.yields.all()]
        else:
            section["rows"] = [(str(PlanVersion._meta.get_field(name).verbose_name).capitalize(),
                                _readable(getattr(version, name))) for name in opp_selectors.SECTION_FIELDS.get(key, ())]
        result.append(section)
    return result


# --- The data -------------------------------------------------------------------------------------------


def _date(value: datetime.date | None) -> str | None:
    return value.isoformat() if value else None


def _moment(value: datetime.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def _choice(code: str, label) -> dict | None:
    return {"code": code, "omschrijving": str(label)} if code else None


def _plain(value):
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _student_data(student: Student) -> dict:
    return {
        "voornaam": student.first_name,
        "achternaam": student.last_name,
        "geboortedatum": _date(student.date_of_birth),
        "leerlingnummer": student.pupil_number,
        "groep_klas": student.group_name or None,
        "school": {"naam": student.school.name, "brin": student.school.brin},
        "onderwijssoort": _choice(student.onderwijssoort, student.get_onderwijssoort_display()),
        "ingeschreven_op": _date(student.enrolled_on),
        "definitief_geplaatst_op": _date(student.placed_on),
        "extra_ondersteuning_nodig_sinds": _date(student.support_need_on),
        "uitgeschreven_op": _date(student.left_on),
        "bestemming_na_uitschrijving": (
            " — ".join(filter(None, [str(student.get_destination_display()), student.destination_note]))
            if student.destination else None),
        "ondersteuning": {
            "niveau": _choice(student.support_level, student.get_support_level_display()),
            "omschrijving_extra_ondersteuning": student.extra_support_description or None,
            "bekostiging": _choice(student.extra_support_funding, student.get_extra_support_funding_display()),
            "lwoo": student.lwoo,
            "dyslexie": student.dyslexie,
            "dyscalculie": student.dyscalculie,
            "hoogbegaafd": student.hoogbegaafd,
        },
        "opp_verplicht": student.opp_required,
        "uiterste_datum_vaststelling_opp": _date(student.opp_due_on),
        "meerderjarig_en_handelingsbekwaam": student.handelingsbekwaam,
        "instemming_door": _consent_party(student),
        "ouders_mogen_worden_geinformeerd": student.parents_informed if student.handelingsbekwaam else None,
    }


def _consent_party(student: Student) -> dict | None:
    """R-TIME-4: who consents for an adult, handelingsbekwame pupil (default: the pupil in their own name)."""
    if not student.handelingsbekwaam:
        return None
    party = student.consent_party or "leerling"
    return _choice(party, dict(Student._meta.get_field("consent_party").choices)[party])


def _goal_numbers(plan) -> dict[int, int]:
    """The plan's lasting goals numbered 1, 2, … in the order they were made: how gegevens.json links a version's
    item to the goal's measurements (no database id leaves the school)."""
    return {goal.pk: n for n, goal in enumerate(plan.inzage_goals, start=1)}


def _goals(plan) -> list:
    """The plan's goals as the inzage shows them: each with its number, its wording in the latest version the
    parents were shown (`shown_wording`; None for a goal only a concept holds: its text is not shown, its
    measurements are, as pupil data) and its measurements. Goals with neither are left out."""
    wording = {}
    for version in plan.inzage_versions:
        for item in version.actions.all():
            wording[item.plan_goal_id] = item.goal
    goals = []
    for n, goal in enumerate(plan.inzage_goals, start=1):
        goal.number, goal.shown_wording = n, wording.get(goal.pk)
        goal.measurements_shown = list(goal.measurements.all())
        if goal.shown_wording is not None or goal.measurements_shown:
            goals.append(goal)
    return goals


def _measure_data(item: ActionItem) -> dict | None:
    """A goal's measure (R-CONTENT-4): part of the handelingsdeel the parents consent to (R-CONSENT-5)."""
    if not item.measure_instrument:
        return None
    return {
        "meetinstrument": _choice(item.measure_instrument, item.get_measure_instrument_display()),
        "beginwaarde": item.measure_baseline or None,
        "datum_beginsituatie": _date(item.measure_baseline_on),
        "streefwaarde": item.measure_target or None,
        "streefdatum": _date(item.measure_target_on),
        "vooruitgang_is": _choice(item.measure_direction, dict(measures.DIRECTIONS).get(item.measure_direction, "")),
        "omschrijving": item.measure_text,
    }


def _goal_data(goal) -> dict:
    """A lasting goal's measurements: date, instrument, value and the note — not who recorded them (as with the
    other rows staff record, no staff account is in the export)."""
    return {
        "doel_nummer": goal.number,
        "doel": goal.shown_wording,
        "metingen": [{"gemeten_op": _date(m.measured_on),
                      "meetinstrument": _choice(m.instrument, m.get_instrument_display()),
                      "waarde": m.value, "toelichting": m.note or None} for m in goal.measurements_shown],
    }


def _content(version: PlanVersion, applicable: list[str], numbers: dict[int, int] | None = None) -> dict:
    """The sections the portal shows for this pupil (R-CONTENT), in their order."""
    result = {}
    for key in applicable:
        if key == "uitstroom":
            result[key] = {"uitstroomprofiel": _choice(version.uitstroom_profiel, version.uitstroom_label),
                           "onderbouwing": version.uitstroom_onderbouwing}
        elif key == "factoren":
            result[key] = [{"soort": _choice(f.kind, f.get_kind_display()), "gebied": _choice(f.domain, f.get_domain_display()),
                            "factor": f.text} for f in version.factors.all()]
        elif key == "handelingsdeel":
            result[key] = [{"doel_nummer": (numbers or {}).get(a.plan_goal_id), "doel": a.goal, "aanpak": a.approach,
                            "wie": a.who, "hoe_vaak_hoe_lang": a.frequency, "evaluatiemoment": a.evaluation_moment,
                            "evaluatiecriterium": a.evaluation_criterion, "meting": _measure_data(a)}
                           for a in version.actions.all()]
        elif key == "leerrendement":
            result[key] = [{"vakgebied": _choice(y.subject, y.get_subject_label()), "verwachting": y.expectation}
                           for y in version.yields.all()]
        else:
            result[key] = {name: _plain(getattr(version, name)) for name in opp_selectors.SECTION_FIELDS.get(key, ())}
    return result


def _version_data(version: PlanVersion, applicable: list[str], pdf_ref: dict,
                  numbers: dict[int, int] | None = None) -> dict:
    adopted = version.state in FROZEN_STATES
    adopter = version.adopted_by
    return {
        "nummer": version.number,
        "status": _choice(version.state, version.get_state_display()),
        "bijstelling_van_versie": version.based_on.number if version.based_on_id else None,
        "voor_arrangement_samenwerkingsverband": version.for_swv_arrangement,
        "ter_vaststelling_aangeboden_op": _moment(version.submitted_at),
        "vastgesteld_op": _moment(version.adopted_at) if adopted else None,
        "vastgesteld_door": (adopter.get_full_name() or adopter.get_username()) if adopted and adopter else None,
        "vervangen_op": _moment(version.superseded_at),
        "bekendgemaakt_op": _date(version.made_known_on),
        # Per party: the day each was told and its own last day at the GPO (R-GPO-2).
        "bekendgemaakt_aan": [_bekendmaking_data(b, gpo=True) for b in version.inzage_notices],
        "versiehash": opp_content.version_hash(version),
        "hash_bij_vaststelling": version.adopted_hash or None,
        "hash_gearchiveerde_pdf": version.archived_pdf_hash or None,
        "pdf": pdf_ref,
        "inhoud": _content(version, applicable, numbers),
        "instemming": [_consent_data(r) for r in version.consent_requests.all()],
        "reacties": [{"naam": r.author_name, "geplaatst_op": _moment(r.created_at), "reactie": r.text,
                      "antwoord_school": r.response or None, "beantwoord_op": _moment(r.responded_at)}
                     for r in version.reactions.all()],
    }


def _bekendmaking_data(row: Bekendmaking, *, gpo: bool = False) -> dict:
    data = {"partij": row.party_name, "hoe": _choice(row.channel, row.get_channel_display()),
            "bekendgemaakt_op": _date(row.made_known_on)}
    if gpo:
        data["uiterste_datum_geschil"] = _date(gpo_last_day(row.made_known_on))
    return data


def _consent_data(request: ConsentRequest) -> dict:
    answers = list(request.answers.all())
    answered = {("guardian", a.guardian_id) if a.guardian_id else ("pupil", a.pupil_id) for a in answers}
    return {
        "gevraagd_op": _moment(request.requested_at),
        "status": _choice(request.state, request.get_state_display()),
        "afgesloten_op": _moment(request.closed_at),
        "een_ouder_met_gezag_volstaat": request.any_one_suffices,
        "hash_handelingsdeel": request.handelingsdeel_hash,
        "partijen": [p.get("name", "") for p in request.parties],
        # Who answered, what, when and how — never the account, the IP address or the scan behind it.
        "antwoorden": [{"partij": a.party_name, "antwoord": _choice(a.answer, a.get_answer_display()),
                        "toelichting": a.explanation or None, "beantwoord_op": _moment(a.answered_at),
                        "ondertekend_op": _date(a.signed_on), "kanaal": _choice(a.channel, a.get_channel_display())}
                       for a in answers],
        "nog_geen_antwoord": [p.get("name", "") for p in request.parties
                              if (p.get("kind"), p.get("id")) not in answered],
    }


def _consultation_data(c: Consultation) -> dict:
    return {
        "datum": _date(c.held_on),
        "over_versie": c.version.number if c.version_id else None,
        "overeenstemming": _choice(c.agreement, c.get_agreement_display()),
        "ouders_aanwezig": c.parents_present,
        "leerling_aanwezig": c.pupil_present,
        "aanwezig_namens_school": c.staff_present or None,
        "andere_aanwezigen": c.others_present or None,
        "verslag": c.summary or None,
        "suggesties": [{"suggestie": s.text, "reactie_school": s.response or None,
                        "uitkomst": _choice(s.outcome, s.get_outcome_display())} for s in c.suggestions.all()],
    }


def _evaluation_data(e: Evaluation, pdf_ref: dict) -> dict:
    progress = {p.action_id: p for p in e.progress.all()}
    items = []
    for action in e.version.actions.all():
        p = progress.get(action.pk)
        items.append({"doel": action.goal, "evaluatiecriterium": action.evaluation_criterion,
                      "voortgang": _choice(p.progress, p.get_progress_display()) if p else None,
                      "toelichting": (p.note or None) if p else None})
    return {
        "schooljaar": e.school_year,
        "datum": _date(e.held_on),
        "geevalueerde_versie": e.version.number,
        "ouders_aanwezig": e.parents_present,
        "leerling_aanwezig": e.pupil_present,
        "andere_aanwezigen": e.others_present or None,
        "mening_leerling": e.pupil_view or None,
        "conclusie": e.conclusion,
        "besluit": _choice(e.decision, e.get_decision_display()),
        "reden_beeindigen": e.end_reason or None,
        "voortgang": items,
        "reacties": [{"naam": r.author_name, "geplaatst_op": _moment(r.created_at), "reactie": r.text}
                     for r in e.reactions.all()],
        "pdf": pdf_ref,
    }


def _dispute_data(d: Dispute) -> dict:
    """What the portal shows of a dispute: its state and dates, never its documents or the board's own data."""
    return {
        "onderwerp": _choice(d.subject, d.get_subject_display()),
        "ingediend_op": _date(d.filed_on),
        "status": str(dispute_rules.PARENT_STATE[d.state]),
        "zitting_op": _date(d.hearing_on),
        "advies_commissie_op": _date(d.advice_on),
        "reactie_bestuur_verzonden_op": _date(d.response_sent_parents_on),
        "afgerond": d.state == Dispute.State.GESLOTEN,
    }


# --- Texts ----------------------------------------------------------------------------------------------

TOELICHTING = {
    "algemeen": _lazy(
        "Dit bestand bevat alles wat het ouderportaal over de leerling laat zien, als gegevens die een computer kan "
        "lezen. De PDF-bestanden in dezelfde ZIP zijn de documenten zelf. Datums staan als JJJJ-MM-DD, tijdstippen "
        "als ISO 8601 met tijdzone (Nederlandse tijd). Een leeg veld heeft de waarde null."),
    "gemaakt_op": _lazy("Wanneer dit bestand is gemaakt."),
    "opgevraagd_via": _lazy("'portaal': gedownload door een ouder met gezag of de meerderjarige leerling zelf; "
                        "'school': gemaakt door de school na een verzoek om inzage. De inhoud is in beide gevallen gelijk."),
    "leerling": _lazy("De gegevens van de leerling zoals de school ze heeft vastgelegd: naam, geboortedatum, "
                  "leerlingnummer, school, inschrijving, onderwijssoort en ondersteuning."),
    "ouders_met_gezag": _lazy("De ouders/verzorgers met ouderlijk gezag, zoals de school ze heeft vastgelegd."),
    "opps": _lazy("Elk ontwikkelingsperspectief (OPP) met de versies die de school aan u heeft voorgelegd (concepten niet). "
              "Per versie: status, datums, de inhoud per onderdeel, de verzoeken om instemming met de antwoorden, "
              "en de reacties met het antwoord van de school. Per OPP ook de gesprekken met de school (overleggen) "
              "en de evaluaties."),
    "hashes": _lazy("'versiehash' is een vingerafdruk (SHA-256) van de inhoud van de versie; 'hash_bij_vaststelling' is "
                "de vingerafdruk waarmee het bestuur de versie heeft vastgesteld. 'hash_gearchiveerde_pdf' is de "
                "SHA-256 van de PDF die bij de vaststelling is bewaard: de PDF van een vastgestelde versie in deze "
                "ZIP is dat bewaarde bestand ('bron': 'archief'). Een versie die (nog) niet is vastgesteld, is nu "
                "opnieuw als PDF gemaakt ('bron': 'opnieuw_gemaakt')."),
    "doelen": _lazy("Per OPP ('doelen'): elk doel van het handelingsdeel met zijn nummer ('doel_nummer', ook bij het "
                    "doel in de inhoud van elke versie) en de metingen die de school ervan heeft vastgelegd: datum, "
                    "meetinstrument, waarde en toelichting. De meting van een doel in de inhoud ('meting') noemt het "
                    "meetinstrument, de beginsituatie, het doel met zijn datum en wat als vooruitgang telt."),
    "geschillen": _lazy("Geschillen bij de Geschillencommissie passend onderwijs: onderwerp, status en datums, zoals het "
                    "portaal ze toont."),
    "bestanden": _lazy("De PDF-bestanden in deze ZIP, met hun SHA-256."),
    "niet_opgenomen": _lazy("Interne werkaantekeningen van medewerkers, het verslag van de commissie aan het bestuur en "
                        "technische gegevens (zoals IP-adressen) staan er niet in. Wilt u die ook inzien, of mist u "
                        "iets? Neem dan contact op met de school."),
}


def _readme(student: Student, now: datetime.datetime, files: list[dict]) -> str:
    lines = [
        _("Inzage in het dossier"),
        "=====================",
        "",
        _("Leerling: %(name)s") % {"name": student.full_name},
        _("School: %(school)s") % {"school": student.school.name},
        _("Gemaakt op: %(moment)s") % {"moment": now.strftime("%Y-%m-%d %H:%M")},
        "",
        _("Deze ZIP bevat alles wat het ouderportaal over de leerling laat zien:"),
        "",
        _("- %(name)s: een overzicht van alle gegevens om te lezen en te printen.") % {"name": OVERVIEW_NAME},
        _("- %(name)s: alle gegevens in één bestand (JSON, UTF-8). Het onderdeel 'toelichting' legt uit wat "
          "erin staat.") % {"name": JSON_NAME},
        _("- opp-…-versie-….pdf: elke versie van het ontwikkelingsperspectief die de school aan u heeft voorgelegd. "
          "Van een vastgestelde versie is dit de PDF die bij de vaststelling is bewaard."),
        _("- evaluatie-….pdf: elke evaluatie van het OPP (de versie voor ouders)."),
        "",
        _("Controleren of een PDF ongewijzigd is: bereken de SHA-256 van het bestand (bijvoorbeeld met "
          "'sha256sum bestand.pdf' of 'certutil -hashfile bestand.pdf SHA256') en vergelijk die met de waarde "
          "hieronder of in %(name)s.") % {"name": JSON_NAME},
        "",
        _("Interne werkaantekeningen van medewerkers staan er niet in. Wilt u die ook inzien, of mist u iets? "
          "Neem dan contact op met de school."),
        "",
        _("Dit bestand bevat persoonsgegevens, soms ook gegevens over gezondheid of ondersteuning. Bewaar het "
          "zorgvuldig en deel het alleen met wie het nodig heeft."),
        "",
        _("Bestanden:"),
    ]
    lines += [f"  {meta['naam']}  SHA-256 {meta['sha256']}" for meta in files] or ["  –"]
    return "\r\n".join(str(line) for line in lines) + "\r\n"
