"""The printable letter "Bekendmaking van het OPP" for one party (R-GPO-2, R-GPO-6, R-GPO-7).

One autoescaped template, rendered through opp.pdf.html_to_pdf (its SafeFetcher reaches nothing but data: and
the project's static files). The letter the school prints, sends and archives is Dutch, whatever the UI language.
A parent can also have their own copy in the language they chose for the portal (`language`, opp_portal.languages):
the same letter, its fixed texts translated, right to left for Arabic; names and the school's words as written.

The letter can be printed before it is sent: until the school records the day it was handed over or sent, it
says "uiterlijk zes weken na ontvangst van deze brief"; once recorded, the exact last day for this party. A
letter about a withdrawal names no GPO route (a request about a withdrawn OPP is niet-ontvankelijk, GPO 108928)
but the school's complaints procedure, the onderwijsconsulenten and the SWV's ouder- en jeugdsteunpunt.
"""

from __future__ import annotations

import re
import unicodedata

from django.template.loader import render_to_string
from django.utils import timezone, translation

from opp_portal import languages

from . import pdf
from .bekendmaking import PartyStatus, decided_on
from .models import Plan, PlanVersion

TEMPLATE = "opp/pdf/bekendmaking.html"


def context_for(version_or_plan: PlanVersion | Plan, status: PartyStatus) -> dict:
    version = version_or_plan if isinstance(version_or_plan, PlanVersion) else None
    plan = version.plan if version is not None else version_or_plan
    student = plan.student
    swv = student.school.samenwerkingsverband
    return {
        "version": version, "plan": plan, "student": student, "school": student.school, "board": student.school.board,
        "withdrawn": version is None, "decided_on": decided_on(version_or_plan),
        "party": status.party, "for_pupil": status.is_pupil, "row": status.row, "last_day": status.last_day,
        "letter_on": status.row.made_known_on if status.row else timezone.localdate(),
        "swv_name": swv.name if swv else "",
    }


def render_html(version_or_plan: PlanVersion | Plan, status: PartyStatus, *, language: str = languages.DEFAULT) -> str:
    lang = languages.get(language)
    with translation.override(lang.code):
        return render_to_string(TEMPLATE, context_for(version_or_plan, status) | {"letter_language": lang})


def render_letter(version_or_plan: PlanVersion | Plan, status: PartyStatus, *, language: str = languages.DEFAULT) -> bytes:
    """The letter as PDF: Dutch (the school's), or a parent's copy in their language."""
    return pdf.html_to_pdf(render_html(version_or_plan, status, language=language))


def letter_filename(version_or_plan: PlanVersion | Plan, status: PartyStatus) -> str:
    """`bekendmaking-opp-SJ-v1-ouder-12.pdf`: the pupil's initials only, as every download name."""
    version = version_or_plan if isinstance(version_or_plan, PlanVersion) else None
    student = (version.plan if version is not None else version_or_plan).student
    initials = re.sub(r"[^A-Za-z0-9]", "", unicodedata.normalize("NFKD", student.initials)
                      .encode("ascii", "ignore").decode())
    stem = f"bekendmaking-opp-{initials}-v{version.number}" if version is not None else f"intrekking-opp-{initials}"
    return f"{stem}-{status.key}.pdf"
