"""Staff screens for the OPP. Short views: scoped accessor (opp.access) → form → service → redirect."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import Cap
from audit import log as audit
from opp_portal.forms import ServiceErrors, apply_errors, message_of

from . import access, bekendmaking_views, compliance, consent_services, content, contributions, selectors, services
from . import sections as S
from .forms import ITEM_FORMS, SCALAR_FORMS, ConsultationForm, SuggestionFormSet, WithdrawForm, ordered_items
from .models import PlanVersion, Reaction, VersionState

#: The sections the editor may post (one form each; the item sections are formsets).
SECTION_KEYS = (*SCALAR_FORMS, *ITEM_FORMS)


@login_required
@require_POST
def plan_start(request, student_pk):
    student = access.student_for_new_plan(request.user, student_pk)
    with ServiceErrors(request=request) as outcome:
        try:
            plan = services.plan_start(actor=request.user, student=student)
        except IntegrityError:
            raise ValidationError(_("Deze leerling heeft al een lopend OPP.")) from None
    if not outcome.ok:
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
    has_adopted = any(v.state == VersionState.VASTGESTELD for v in versions)
    rights = access.plan_rights(request.user, plan, versions=versions)
    return render(request, "opp/plan_detail.html", {
        "plan": plan, "student": plan.student, "versions": versions, "consultations": consultations,
        "reactions": reactions, **rights, "has_adopted": has_adopted,
        "bekendmaking": bekendmaking_views.block(request.user, plan) if plan.state == "ingetrokken" else None,
        **_evaluation_context(request.user, plan, can_edit=rights["can_edit"], has_adopted=has_adopted),
    })


def _evaluation_context(user, plan, *, can_edit: bool, has_adopted: bool) -> dict:
    """The plan page's "Evaluaties" sections. The evaluations app stands above the plans and contributes
    them (evaluations.selectors.plan_page_context, registered in EvaluationsConfig.ready())."""
    return contributions.plan_context(user, plan, can_edit=can_edit, has_adopted=has_adopted)


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
    version = selectors.load_version(access.version_for_user(request.user, pk).pk)
    student = version.plan.student
    rights = access.version_rights(request.user, version)
    if request.method != "POST":
        audit.record(request.user, audit.Action.VIEW, version)
        return _editor_page(request, version, rights, _section_forms(version, student))
    section = access.choice_or_404(request.POST.get("section", ""), SECTION_KEYS, school_id=student.school_id)
    forms = None
    if access.may_save_section(request.user, version, section, rights):  # 403 for read-only roles
        forms = _section_forms(version, student, section, request.POST)
        outcome = _save_section(request, version, section, forms[section]) if forms[section].is_valid() else "invalid"
    else:
        messages.error(request, services.MSG_NOT_EDITABLE % {"state": version.get_state_display()})
        outcome = "lost"
    if outcome == "saved":
        messages.success(request, _("Onderdeel ‘%(title)s’ is opgeslagen.") % {
            "title": S.SECTIONS[section].title if section in S.SECTIONS else _("Algemeen")})
        return redirect(f"{request.path}#sectie-{section}")
    version = selectors.load_version(version.pk)  # show what is stored now beside the user's text
    if outcome == "lost":
        # The version moved on while the user typed (or was never open to them): say so, and give their text back.
        return _editor_page(request, version, rights, _section_forms(version, student), bound_section=section,
                            lost_input=_posted_text(request.POST, section))
    if outcome == "stale":
        # Keep the user's text, now based on the stored revision: saving again is a deliberate overwrite.
        data = request.POST.copy()
        data[f"{section}-revision"] = str(version.section_revisions.get(section, 0))
        forms = _section_forms(version, student, section, data)
        forms[section].is_valid()
        return _editor_page(request, version, rights, forms, bound_section=section, stale=section)
    messages.error(request, _("Niet opgeslagen: verbeter de gemarkeerde velden. Uw invoer is bewaard."))
    return _editor_page(request, version, rights, forms, bound_section=section)


def _save_section(request, version: PlanVersion, section: str, form) -> str:
    """Save one valid section form: "saved", or why not — "stale" (someone saved this section since the page was
    opened), "lost" (the version moved on) or "invalid" (the messages are on the form or the page)."""
    try:
        if section in ITEM_FORMS:
            revision = request.POST.get(f"{section}-revision")
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
        code = getattr(exc, "code", None)
        if code in ("stale", "not_editable") or section in ITEM_FORMS:
            messages.error(request, message_of(exc))
        else:
            apply_errors(form, exc)
        return {"stale": "stale", "not_editable": "lost"}.get(code, "invalid")
    return "saved"


def _editor_page(request, version: PlanVersion, rights: access.VersionRights, forms: dict, *,
                 bound_section: str | None = None, stale: str | None = None, lost_input=None):
    plan, student = version.plan, version.plan.student
    snap = selectors.snapshot(version, today=timezone.localdate())
    found = compliance.findings(snap)
    applicable = snap.applicable
    extra = [k for k in S.ORDER if k not in applicable and compliance.section_filled(k, snap)]
    sections = [{
        "key": key, "meta": S.SECTIONS[key], "form": forms[key], "is_formset": key in ITEM_FORMS,
        "complete": compliance.section_complete(key, snap), "applies": key in applicable,
        "revision": version.section_revisions.get(key, 0), "stale": stale == key,
        "revision_value": (request.POST.get(f"{key}-revision", "") if bound_section == key and stale != key
                           else version.section_revisions.get(key, 0)),
        "editable": rights.section_editable(key),
        "findings": [f for f in found if f.section == key],
    } for key in applicable + extra]
    return render(request, "opp/version_editor.html", {
        "consent": consent_services.status(version) if not version.is_frozen else None,
        "can": rights.can, "can_manage": rights.manage, "can_edit": rights.edit,
        "version": version, "plan": plan, "student": student, "sections": sections, "findings": found,
        "blocking": compliance.has_blocking(found), "general_form": forms["algemeen"],
        "content": content.version_content(version), "adopted": selectors.adopted_version(plan),
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
    with ServiceErrors(request=request) as outcome:
        services.version_to_overleg(actor=request.user, version=version)
    if outcome.ok:
        messages.success(request, _("Versie %(n)s is nu in overleg met de ouders.") % {"n": version.number})
    return redirect("opp:version", pk=version.pk)


@login_required
def version_diff(request, pk):
    version = access.version_for_user(request.user, pk)
    other_pk = request.GET.get("met")
    if other_pk is None and version.based_on_id:
        other_pk = version.based_on_id
    other = access.other_version_of(version, other_pk)
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
    with ServiceErrors(request=request) as outcome:
        try:
            version = services.revision_start(actor=request.user, plan=plan)
        except IntegrityError:
            raise ValidationError(_("Er is al een versie in bewerking; rond die eerst af.")) from None
    if not outcome.ok:
        return redirect("opp:plan", pk=plan.pk)
    messages.success(request, _("Bijstelling gestart als versie %(n)s. Voer opnieuw overleg met de ouders (R-CONSENT-7).")
                     % {"n": version.number})
    return redirect("opp:version", pk=version.pk)


@login_required
def plan_withdraw(request, pk):
    plan = access.plan_for_user(request.user, pk, cap=Cap.PLAN_WITHDRAW)
    form = WithdrawForm(request.POST or None, initial={"on_date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        with ServiceErrors(form) as outcome:
            services.plan_withdraw(actor=request.user, plan=plan, reason=form.cleaned_data["reason"],
                                   on_date=form.cleaned_data["on_date"])
        if outcome.ok:
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
        with ServiceErrors(form) as outcome:
            if consultation:
                services.consultation_update(actor=request.user, consultation=consultation, data=data, suggestions=suggestions)
            else:
                services.consultation_record(actor=request.user, plan=plan, data=data, suggestions=suggestions)
        if outcome.ok:
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
    consultation = access.consultation_for(plan, consultation_pk)
    if request.method == "GET":
        audit.record(request.user, audit.Action.VIEW, consultation, school=plan.student.school_id)
    return _consultation_view(request, plan, consultation)
