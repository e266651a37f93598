"""Staff screens for the OPP. Short views: scoped accessor → form → service → redirect."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import access
from accounts.access import Cap
from audit import log as audit
from students.views import _apply_errors

from . import bekendmaking_views, compliance, selectors, services, transitions
from . import sections as S
from .forms import ITEM_FORMS, SCALAR_FORMS, ConsultationForm, SuggestionFormSet, WithdrawForm, ordered_items
from .models import Consultation, Plan, PlanVersion, Reaction, VersionState


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@login_required
@require_POST
def plan_start(request, student_pk):
    student = access.student_for_user(request.user, student_pk)
    access.require_cap(request.user, Cap.PLAN_EDIT, student.school)
    try:
        plan = services.plan_start(actor=request.user, student=student)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect("students:detail", pk=student.pk)
    except IntegrityError:
        messages.error(request, _("Deze leerling heeft al een lopend OPP."))
        return redirect("students:detail", pk=student.pk)
    messages.success(request, _("Het OPP is gestart. Vul de onderdelen in."))
    return redirect("opp:version", pk=plan.versions.get().pk)


@login_required
def plan_detail(request, pk):
    plan = access.plan_for_user(request.user, pk)
    versions = list(plan.versions.order_by("-number"))
    consultations = list(plan.consultations.prefetch_related("suggestions").select_related("version"))
    reactions = list(Reaction.objects.filter(version__plan=plan).select_related("version").order_by("-created_at"))
    audit.record(request.user, audit.Action.VIEW, plan)
    school = plan.student.school
    has_adopted = any(v.state == VersionState.VASTGESTELD for v in versions)
    can_edit = access.has_cap(request.user, Cap.PLAN_EDIT, school)
    can = transitions.allowed(request.user, plan, versions=versions)
    return render(request, "opp/plan_detail.html", {
        "plan": plan, "student": plan.student, "versions": versions, "consultations": consultations,
        "reactions": reactions,
        "can_edit": can_edit, "can": can,
        "can_view_pupil": access.has_cap(request.user, Cap.PUPIL_VIEW, school),
        "has_adopted": has_adopted,
        "bekendmaking": bekendmaking_views.block(request.user, plan) if plan.state == "ingetrokken" else None,
        **_evaluation_context(request.user, plan, can_edit=can_edit, has_adopted=has_adopted),
    })


def _evaluation_context(user, plan, *, can_edit: bool, has_adopted: bool) -> dict:
    """The plan page's "Evaluaties" sections (issue 8): the history along the versions, this school year's
    status (R-EVAL-1) and, for (v)so, the commission's evaluations (R-EVAL-3)."""
    from evaluations.selectors import status_for

    status = status_for(plan, timezone.localdate())
    vso = status["vso"]
    return {
        "evaluations": list(plan.evaluations.select_related("version")),
        "evaluation_status": status,
        "can_record_evaluation": can_edit and transitions.state_allows(
            transitions.Action.RECORD_EVALUATION, plan_state=plan.state, has_adopted=has_adopted),
        "commission_evaluations": list(plan.commission_evaluations.all()) if vso else [],
        "can_record_commission": vso and access.has_cap(user, Cap.COMMISSION_EDIT, plan.student.school),
    }


def _section_forms(version: PlanVersion, student, bound_section=None, bound_data=None):
    revisions = version.section_revisions
    result = {}
    for key, form_class in SCALAR_FORMS.items():
        initial = {f: getattr(version, f) for f in services.SECTION_SCALARS[key]}
        initial = {k: ({True: "true", False: "false"}.get(v, v) if k.endswith(("_nodig", "_programma")) else v)
                   for k, v in initial.items()}
        initial["revision"] = revisions.get(key, 0)
        if key == bound_section:
            result[key] = form_class(bound_data, student=student, prefix=key, initial=initial)
        else:
            result[key] = form_class(student=student, prefix=key, initial=initial)
    for key, formset_class in ITEM_FORMS.items():
        _model, related, fields = services.ITEM_SECTIONS[key]
        initial = [{f: getattr(item, f) for f in fields} | {"ORDER": i} for i, item in enumerate(getattr(version, related).all(), 1)]
        if key == bound_section:
            result[key] = formset_class(bound_data, prefix=key, initial=initial)
        else:
            result[key] = formset_class(prefix=key, initial=initial)
    return result


@login_required
def version_editor(request, pk):
    version = access.version_for_user(request.user, pk)
    version = selectors.load_version(version.pk)
    plan, student = version.plan, version.plan.student
    school = student.school
    can = transitions.allowed(request.user, plan, version)
    can_edit = can.edit
    can_advise = (access.has_cap(request.user, Cap.COMMISSION_EDIT, school) and plan.state == "actief"
                  and (version.is_editable or version.state == "instemming_gevraagd"))
    bound_section, stale, lost_input = None, None, None
    if request.method == "POST":
        section = request.POST.get("section", "")
        if section not in SCALAR_FORMS and section not in ITEM_FORMS:
            raise Http404
        if not (can_edit or (section == "commissie" and can_advise)):
            access.require_cap(request.user, Cap.PLAN_EDIT, school)  # 403 for read-only roles
            messages.error(request, services.MSG_NOT_EDITABLE % {"state": version.get_state_display()})
            lost_input = _posted_text(request.POST, section)
        bound_section = section
        forms = _section_forms(version, student, section, request.POST)
        form = forms[section]
        if lost_input is not None:
            form = None
        revision = request.POST.get(f"{section}-revision") if section in ITEM_FORMS else None
        if form is not None and form.is_valid():
            try:
                if section in ITEM_FORMS:
                    services.version_save_section(actor=request.user, version=version, section=section,
                                                  revision=int(revision or -1), items=ordered_items(form))
                else:
                    data = dict(form.cleaned_data)
                    revision = data.pop("revision")
                    if request.POST.get("clear") == "1":
                        data = {k: (None if k.endswith(("_nodig", "_programma", "_on")) else "") for k in data}
                    services.version_save_section(actor=request.user, version=version, section=section,
                                                  revision=revision, data=data)
            except ValidationError as exc:
                if getattr(exc, "code", None) == "stale":
                    stale = section
                    messages.error(request, _error_text(exc))
                elif getattr(exc, "code", None) == "not_editable":
                    # The version moved on while the user typed: say so, and give their text back.
                    messages.error(request, _error_text(exc))
                    lost_input = _posted_text(request.POST, section)
                elif section in ITEM_FORMS:
                    messages.error(request, _error_text(exc))
                else:
                    _apply_errors(form, exc)
            else:
                messages.success(request, _("Onderdeel ‘%(title)s’ is opgeslagen.") % {
                    "title": S.SECTIONS[section].title if section in S.SECTIONS else _("Algemeen")})
                return redirect(f"{request.path}#sectie-{section}")
        version = selectors.load_version(version.pk)  # show what is stored now beside the user's text
        if lost_input is not None:
            forms = _section_forms(version, student)
        elif stale:
            # Keep the user's text, now based on the stored revision: saving again is a deliberate overwrite.
            data = request.POST.copy()
            data[f"{section}-revision"] = str(version.section_revisions.get(section, 0))
            forms = _section_forms(version, student, section, data)
            forms[section].is_valid()
        elif lost_input is None:
            messages.error(request, _("Niet opgeslagen: verbeter de gemarkeerde velden. Uw invoer is bewaard."))
    else:
        forms = _section_forms(version, student)
        audit.record(request.user, audit.Action.VIEW, version)

    today = timezone.localdate()
    snap = selectors.snapshot(version, today=today)
    found = compliance.findings(snap)
    applicable = snap.applicable
    extra = [k for k in S.ORDER if k not in applicable and compliance.section_filled(k, snap)]
    sections = [{
        "key": key, "meta": S.SECTIONS[key], "form": forms[key], "is_formset": key in ITEM_FORMS,
        "complete": compliance.section_complete(key, snap), "applies": key in applicable,
        "revision": version.section_revisions.get(key, 0), "stale": stale == key,
        "revision_value": (request.POST.get(f"{key}-revision", "") if bound_section == key and stale != key
                           else version.section_revisions.get(key, 0)),
        "editable": can_edit or (key == "commissie" and can_advise),
        "findings": [f for f in found if f.section == key],
    } for key in applicable + extra]
    adopted = selectors.adopted_version(plan)
    from . import consent_services

    consent = consent_services.status(version) if not version.is_frozen else None
    return render(request, "opp/version_editor.html", {
        "consent": consent, "can": can,
        "can_manage": access.has_cap(request.user, Cap.PLAN_EDIT, school) and plan.state == Plan.State.ACTIEF,
        "version": version, "plan": plan, "student": student, "sections": sections, "findings": found,
        "blocking": compliance.has_blocking(found), "general_form": forms["algemeen"],
        "can_edit": can_edit, "content": selectors.version_content(version), "adopted": adopted,
        "uitstroom_label": S.uitstroom_label(version.uitstroom_profiel or ""),
        "other_versions": plan.versions.exclude(pk=version.pk).order_by("-number"),
        "bound_section": bound_section, "lost_input": lost_input,
        "bekendmaking": bekendmaking_views.block(request.user, version) if version.is_frozen else None,
    })


def _posted_text(post, section: str) -> list[tuple[str, str]]:
    """What the user typed in a section that could not be saved, to hand back to them verbatim."""
    prefix = f"{section}-"
    return [(key[len(prefix):], value) for key, value in post.items()
            if key.startswith(prefix) and value.strip() and not key.endswith(("revision", "TOTAL_FORMS", "INITIAL_FORMS",
                                                                              "MIN_NUM_FORMS", "MAX_NUM_FORMS", "ORDER"))]


@login_required
@require_POST
def version_to_overleg(request, pk):
    version = access.version_for_user(request.user, pk, cap=Cap.PLAN_EDIT)
    try:
        services.version_to_overleg(actor=request.user, version=version)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("Versie %(n)s is nu in overleg met de ouders.") % {"n": version.number})
    return redirect("opp:version", pk=version.pk)


@login_required
def version_diff(request, pk):
    version = access.version_for_user(request.user, pk)
    other_pk = request.GET.get("met")
    if other_pk is None and version.based_on_id:
        other_pk = version.based_on_id
    try:
        other = version.plan.versions.get(pk=other_pk)
    except (PlanVersion.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    old, new = sorted([selectors.load_version(other.pk), selectors.load_version(version.pk)], key=lambda v: v.number)
    audit.record(request.user, audit.Action.VIEW, version, details={"diff_with": other.pk})
    return render(request, "opp/version_diff.html", {
        "version": version, "old": old, "new": new, "plan": version.plan, "student": version.plan.student,
        "sections": selectors.diff(old, new),
    })


@login_required
@require_POST
def revision_start(request, pk):
    plan = access.plan_for_user(request.user, pk, cap=Cap.PLAN_EDIT)
    try:
        version = services.revision_start(actor=request.user, plan=plan)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect("opp:plan", pk=plan.pk)
    except IntegrityError:
        messages.error(request, _("Er is al een versie in bewerking; rond die eerst af."))
        return redirect("opp:plan", pk=plan.pk)
    messages.success(request, _("Bijstelling gestart als versie %(n)s. Voer opnieuw overleg met de ouders (R-CONSENT-7).")
                     % {"n": version.number})
    return redirect("opp:version", pk=version.pk)


@login_required
def plan_withdraw(request, pk):
    plan = access.plan_for_user(request.user, pk, cap=Cap.PLAN_WITHDRAW)
    form = WithdrawForm(request.POST or None, initial={"on_date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_withdraw(actor=request.user, plan=plan, reason=form.cleaned_data["reason"],
                                   on_date=form.cleaned_data["on_date"])
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Het OPP is ingetrokken."))
            return redirect("opp:plan", pk=plan.pk)
    return render(request, "opp/plan_withdraw.html", {"form": form, "plan": plan, "student": plan.student})


def _consultation_view(request, plan, consultation=None):
    initial_suggestions = [
        {"text": s.text, "response": s.response, "outcome": s.outcome} for s in consultation.suggestions.all()
    ] if consultation else []
    form = ConsultationForm(request.POST or None, instance=consultation, plan=plan,
                            initial={} if consultation else {"version": selectors.open_version(plan)})
    formset = SuggestionFormSet(request.POST or None, prefix="suggesties", initial=initial_suggestions)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        suggestions = [f.cleaned_data for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        data = {k: form.cleaned_data[k] for k in services.CONSULTATION_FIELDS}
        try:
            if consultation:
                services.consultation_update(actor=request.user, consultation=consultation, data=data, suggestions=suggestions)
            else:
                services.consultation_record(actor=request.user, plan=plan, data=data, suggestions=suggestions)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Het overleg is vastgelegd."))
            return redirect("opp:plan", pk=plan.pk)
    return render(request, "opp/consultation_form.html", {
        "form": form, "formset": formset, "plan": plan, "student": plan.student, "consultation": consultation})


@login_required
def consultation_add(request, pk):
    plan = access.plan_for_user(request.user, pk, cap=Cap.PLAN_EDIT)
    return _consultation_view(request, plan)


@login_required
def consultation_edit(request, pk, consultation_pk):
    plan = access.plan_for_user(request.user, pk, cap=Cap.PLAN_EDIT)
    try:
        consultation = plan.consultations.get(pk=consultation_pk)
    except (Consultation.DoesNotExist, ValueError):
        raise Http404 from None
    if request.method == "GET":
        audit.record(request.user, audit.Action.VIEW, consultation, school=plan.student.school_id)
    return _consultation_view(request, plan, consultation)
