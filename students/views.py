"""Staff screens for the pupil register. Short views: accessor → form → service → redirect."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from audit import log as audit
from audit import selectors as audit_selectors
from opp_portal.forms import ServiceErrors

from . import access, deadlines, eligibility, history, page_parts, pupil_csv, selectors, services
from .forms import GuardianForm, PlacementForm, StudentForm

PAGE_SIZE = 25


def _list_filters(request, schools) -> tuple[dict, object]:
    """The pupil list's filters from the query string (the list and its CSV export read the same ones)."""
    params = {
        # PostgreSQL refuses NUL in a query parameter (a 500): a search for it finds what the rest finds.
        "q": request.GET.get("q", "").replace("\x00", "").strip()[:100],
        "group": request.GET.get("groep", "").replace("\x00", "")[:30],
        "opp": request.GET.get("opp", ""),
        "status": request.GET.get("termijn", ""),
        "opp_status": request.GET.get("oppstatus", "")[:30],
        "show_left": request.GET.get("vertrokken", "") == "1",
        "sort": request.GET.get("sorteer", "naam"),
    }
    school = None
    school_id = request.GET.get("school", "")
    if school_id:
        school = next((s for s in schools if str(s.pk) == school_id), None)
    return params, school


@login_required
def student_list(request):
    schools = access.register_schools(request.user)
    today = timezone.localdate()
    params, school = _list_filters(request, schools)
    qs = selectors.list_page_columns(selectors.student_list(request.user, school=school, today=today, **params))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("pagina"))
    rows = [
        {"student": s, "deadline": selectors.deadline_view(s, today), "opp_status": selectors.opp_status_label(s)}
        for s in page.object_list
    ]
    query = request.GET.copy()
    query.pop("pagina", None)
    return render(request, "students/student_list.html", {
        "page": page, "rows": rows, "schools": schools, "school": school, "params": params,
        "with_school": len(schools) > 1,
        "groups": selectors.groups_for(request.user), "status_choices": deadlines.STATUS_LABELS.items(),
        "opp_status_choices": selectors.opp_status_labels().items(),
        "querystring": query.urlencode(), "today": today,
        "schools_without_groups": access.schools_without_groups(request.user),
        **access.register_rights(request.user, schools),
    })


@login_required
@require_GET
def student_export(request):
    """The (filtered, sorted) pupil list as CSV for the school's own overviews: only the pupils the user may see,
    audited as an export of pupil data (one row per school in the file, with the count and the filters)."""
    schools = access.register_schools(request.user)
    today = timezone.localdate()
    params, school = _list_filters(request, schools)
    qs = selectors.student_list(request.user, school=school, today=today, **params)
    filters = {k: v for k, v in {**params, "school": school.pk if school else ""}.items() if v not in ("", False)}
    for school_id, count in selectors.count_by_school(qs).items():
        audit.record(request.user, audit.Action.EXPORT, school=school_id,
                     details={"export": "leerlingenlijst", "count": count, "filters": filters})
    response = StreamingHttpResponse(pupil_csv.rows(qs, today=today, with_school=len(schools) > 1),
                                     content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="leerlingen-{today.isoformat()}.csv"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def student_detail(request, pk):
    # The pupil's rows are read once for the whole page: its guardians and placements here, its plans by the plans
    # app (below); the parts of the page (history, stepper, timeline, panels) read them from `student`.
    student = selectors.with_page_rows(access.student_for_user(request.user, pk))
    today = timezone.localdate()
    links = list(student.guardian_links.all())
    placements = list(student.placement_events.all())
    decisions = list(student.eligibility_decisions.all()[:20])
    audit.record(request.user, audit.Action.VIEW, student)
    facts = services.facts_for(student)
    decision = eligibility.decide(facts)
    # The OPP history, from the plans app (it registers itself in OppConfig.ready(): pupils stand below plans):
    # "history", "plans", "current_plan", "open_version" and the open version's "findings".
    plan_part = selectors.pupil_page_plans(student, today, user=request.user)
    alerts = eligibility.placement_alerts(facts, rests_on_opp=plan_part["history"].rests_on_opp)
    timeline = _timeline(student, placements, decisions)
    rights = access.student_rights(request.user, student)
    return render(request, "students/student_detail.html", {
        "student": student, "links": links, "placements": placements, "decision": decision,
        "deadline": selectors.deadline_view(student, today), "alerts": alerts, "timeline": timeline, **plan_part,
        **rights, "today": today,
        # Who read this file, for those who may read the school's audit log (one query).
        "viewers": audit_selectors.recent_views_of(student) if rights["can_see_viewers"] else None,
        "page_parts": page_parts.parts(student, request.user),  # panels the apps above register
    })


def _timeline(student, placements, decisions):
    # students.history builds it (each decision change once) with the events the apps above register.
    return history.timeline(student, placements, [
        {"on": timezone.localtime(d.decided_at).date(), "required": d.required,
         "reason": "; ".join(r["text"] for r in d.reasons[:1])} for d in decisions])


@login_required
def student_create(request):
    schools = access.require_pupil_editor(request.user)
    form = StudentForm(request.POST or None, schools=schools)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "school"}
        with ServiceErrors(form) as outcome:
            student = services.student_create(actor=request.user, school=form.cleaned_data["school"], data=data)
        if outcome.ok:
            messages.success(request, _("Leerling %(name)s is ingeschreven.") % {"name": student.full_name})
            return redirect("students:detail", pk=student.pk)
    return render(request, "students/student_form.html", {"form": form, "student": None})


@login_required
def student_edit(request, pk):
    student = access.student_for_user(request.user, pk, write=True)
    form = StudentForm(request.POST or None, instance=student, schools=access.editable_schools(request.user))
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "school"}
        with ServiceErrors(form) as outcome:
            services.student_update(actor=request.user, student=student, data=data)
        if outcome.ok:
            messages.success(request, _("De gegevens zijn opgeslagen."))
            return redirect("students:detail", pk=student.pk)
    else:
        audit.record(request.user, audit.Action.VIEW, student, details={"page": "edit"})
    return render(request, "students/student_form.html", {"form": form, "student": student})


@login_required
def guardian_add(request, pk):
    student = access.student_for_user(request.user, pk, write=True)
    form = GuardianForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        with ServiceErrors(form) as outcome:
            services.guardian_add(actor=request.user, student=student, data=d, relation=d["relation"], has_gezag=d["has_gezag"])
        if outcome.ok:
            messages.success(request, _("Ouder/verzorger toegevoegd."))
            return redirect("students:detail", pk=student.pk)
    return render(request, "students/guardian_form.html", {"form": form, "student": student, "link": None})


@login_required
def guardian_edit(request, pk, link_pk):
    student = access.student_for_user(request.user, pk, write=True)
    link = access.guardian_link_for(student, link_pk)
    initial = {"name": link.guardian.name, "email": link.guardian.email, "phone": link.guardian.phone,
               "relation": link.relation, "has_gezag": link.has_gezag}
    form = GuardianForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        with ServiceErrors(form) as outcome:
            services.guardian_update(actor=request.user, link=link, data=d, relation=d["relation"], has_gezag=d["has_gezag"])
        if outcome.ok:
            messages.success(request, _("De gegevens van de ouder/verzorger zijn opgeslagen."))
            return redirect("students:detail", pk=student.pk)
    if request.method == "GET":
        audit.record(request.user, audit.Action.VIEW, link, school=student.school_id)
    return render(request, "students/guardian_form.html", {"form": form, "student": student, "link": link})


@login_required
@require_POST
def guardian_remove(request, pk, link_pk):
    student = access.student_for_user(request.user, pk, write=True)
    link = access.guardian_link_for(student, link_pk)
    services.guardian_unlink(actor=request.user, link=link)
    messages.success(request, _("De koppeling met de ouder/verzorger is verwijderd."))
    return redirect("students:detail", pk=student.pk)


@login_required
def placement_add(request, pk):
    student = access.student_for_user(request.user, pk, write=True)
    form = PlacementForm(request.POST or None, initial={"kind": request.GET.get("soort", "")})
    if request.method == "POST" and form.is_valid():
        with ServiceErrors(form) as outcome:
            services.placement_record(actor=request.user, student=student, data=form.cleaned_data)
        if outcome.ok:
            messages.success(request, _("De plaatsingsgebeurtenis is vastgelegd."))
            return redirect("students:detail", pk=student.pk)
    return render(request, "students/placement_form.html", {"form": form, "student": student, "event": None})


@login_required
def placement_edit(request, pk, event_pk):
    student = access.student_for_user(request.user, pk, write=True)
    event = access.placement_for(student, event_pk)
    form = PlacementForm(request.POST or None, instance=event)
    if request.method == "POST" and form.is_valid():
        # The form changed `event` in place while validating: the service compares against a fresh copy.
        with ServiceErrors(form) as outcome:
            services.placement_update(actor=request.user, event=access.placement_for(student, event.pk),
                                      data=form.cleaned_data)
        if outcome.ok:
            messages.success(request, _("De plaatsingsgebeurtenis is bijgewerkt."))
            return redirect("students:detail", pk=student.pk)
    if request.method == "GET":
        audit.record(request.user, audit.Action.VIEW, event, school=student.school_id)
    return render(request, "students/placement_form.html", {"form": form, "student": student, "event": event})
