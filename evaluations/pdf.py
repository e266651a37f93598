"""An evaluation as a PDF: the same look and the same walls as the OPP PDF.

One autoescaped template (templates/evaluations/pdf/evaluation.html), rendered to PDF by opp.pdf.html_to_pdf,
so WeasyPrint asks opp.pdf.SafeFetcher for every resource: `data:` URLs and the project's static files,
nothing from the network, no other local file. Nothing here fetches or builds its own fetcher.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone, translation

from opp import content as opp_content
from opp import pdf as opp_pdf
from students.eligibility import COMMISSION_SOORTEN

from . import charts as evaluation_charts
from .models import CommissionEvaluation, Evaluation

TEMPLATE = "evaluations/pdf/evaluation.html"


def load(pk) -> Evaluation:
    """The evaluation with everything the PDF reads (raises Evaluation.DoesNotExist)."""
    return (Evaluation.objects
            .select_related("plan", "plan__student", "plan__student__school", "version", "version__adopted_by")
            .get(pk=pk))


def _item_rows(evaluation: Evaluation) -> list[dict]:
    """Every handelingsdeel item of the evaluated version, in order, with its progress (None if not given)."""
    progress = {p.action_id: p for p in evaluation.progress.all()}
    rows = [{"action": action, "progress": progress.get(action.pk)}
            for action in evaluation.version.actions.order_by("position", "pk")]
    for row in rows:
        if row["progress"] is not None:
            row["progress"].action = row["action"]  # loaded once: the goals' charts read it
    return rows


def context_for(evaluation: Evaluation, *, today=None, for_staff: bool = True, with_pupil_view: bool = True) -> dict:
    plan = evaluation.plan
    student = plan.student
    version = evaluation.version
    vso = student.onderwijssoort in COMMISSION_SOORTEN
    # The commission reports to the board: its evaluations go into the staff's copy, not the parents'.
    commission = (list(CommissionEvaluation.objects.filter(plan_id=plan.pk, school_year=evaluation.school_year)
                       .order_by("held_on", "pk")) if vso and for_staff else [])
    items = _item_rows(evaluation)
    # The goals' charts: the measurements since the previous evaluation, as on the page (evaluations.charts).
    evaluation_charts.attach([(evaluation, [row["progress"] for row in items if row["progress"]])],
                             name=student.first_name)
    return {
        "evaluation": evaluation,
        "plan": plan,
        "student": student,
        "school": student.school,
        "version": version,
        "version_hash": version.adopted_hash or opp_content.version_hash(version),
        "items": items,
        "reactions": list(evaluation.reactions.order_by("created_at", "pk")),
        "ended": evaluation.decision == Evaluation.Decision.BEEINDIGEN,
        "vso": vso,
        "commission_evaluations": commission,
        "printed_on": today or timezone.localdate(),
        "with_pupil_view": with_pupil_view,
    }


def render_html(evaluation: Evaluation, *, for_staff: bool = True, with_pupil_view: bool = True) -> str:
    """Always Dutch, whatever the UI language: an exported evaluation is a Dutch document. `with_pupil_view=False`
    leaves the pupil's own words out (a request to the SWV that the school sends without them, swv.package)."""
    with translation.override("nl"):
        return render_to_string(TEMPLATE, context_for(evaluation, for_staff=for_staff, with_pupil_view=with_pupil_view))


def render_evaluation_pdf(evaluation: Evaluation, *, base_url: str | None = None, for_staff: bool = True) -> bytes:
    return opp_pdf.html_to_pdf(render_html(evaluation, for_staff=for_staff), base_url=base_url)
