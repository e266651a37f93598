"""Staff screens for the OPP. Short views: scoped accessor (opp.access) → form → service → redirect."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import Cap
from audit import log as audit
from opp_portal.forms import ServiceErrors, apply_errors, message_of

from . import (
    access,
    bank,
    bekendmaking_views,
    compliance,
    consent_services,
    content,
    contributions,
    selectors,
    services,
)
from . import sections as S
from .forms import (
    ITEM_FORMS,
    SCALAR_FORMS,
    ConsultationForm,
    SuggestionFormSet,
    WithdrawForm,
    ordered_forms,
    ordered_items,
)
from .goal_charts import plan_page_context as goal_charts_context
from .measurements import plan_page_goals
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
    # Loaded once, with the pupil's other plans, with what the stepper reads (opp.selectors.plan_page_next_step uses
    # it as it is), the goals and their charts, and the pupil's progress over the plans this user reads.
    plan = selectors.load_plan_page(access.plan_for_user(request.user, pk), request.user)
    versions = sorted(plan.versions.all(), key=lambda v: -v.number)
    consultations = selectors.consultations_of(plan)
    reactions = list(Reaction.objects.filter(version__plan=plan).select_related("version").order_by("-created_at"))
    audit.record(request.user, audit.Action.VIEW, plan)
    has_adopted = any(v.state == VersionState.VASTGESTELD for v in versions)
    rights = access.plan_rights(request.user, plan, versions=versions)
    return render(request, "opp/plan_detail.html", {
        "plan": plan, "student": plan.student, "versions": versions, "consultations": consultations,
        "reactions": reactions, **rights, "has_adopted": has_adopted,
        "goal_rows": plan_page_goals(plan),
        **goal_charts_context(request.user, plan),  # the goals' charts and the pupil's progress
        "bekendmaking": bekendmaking_views.block(request.user, plan) if plan.state == "ingetrokken" else None,
        **_evaluation_context(request.user, plan, can_edit=rights["can_edit"], has_adopted=has_adopted),
    })


def _evaluation_context(user, plan, *, can_edit: bool, has_adopted: bool) -> dict:
    """The plan page's "Evaluaties" sections. The evaluations app stands above the plans and contributes
    them (evaluations.selectors.plan_page_context, registered in EvaluationsConfig.ready())."""
    return contributions.plan_context(user, plan, can_edit=can_edit, has_adopted=has_adopted)


def _section_form(version: PlanVersion, student, key: str, data=None):
    """The editor's form (or formset, for the item sections) of one section, on what is stored now; bound to `data`
    when given."""
    if key in SCALAR_FORMS:
        initial = {f: getattr(version, f) for f in services.SECTION_SCALARS[key]}
        initial = {k: ({True: "true", False: "false"}.get(v, v) if k.endswith(("_nodig", "_programma")) else v)
                   for k, v in initial.items()}
        initial["revision"] = version.section_revisions.get(key, 0)
        return SCALAR_FORMS[key](data, student=student, prefix=key, initial=initial)
    if data is not None:
        # Posted rows stand on their own, not on what is stored now: with the stored rows as `initial`, a row the
        # script added and autosaved before would count as "unchanged extra row" and be dropped on the next save.
        return ITEM_FORMS[key](data, prefix=key)
    initial = [row | {"ORDER": i} for i, row in enumerate(_stored_items(version, key), 1)]
    return ITEM_FORMS[key](prefix=key, initial=initial)


def _section_forms(version: PlanVersion, student, data=None, bound=frozenset()) -> dict:
    """Every section's form; the sections in `bound` show what the user posted, the others what is stored."""
    return {key: _section_form(version, student, key, data if key in bound else None) for key in SECTION_KEYS}


def _posted_sections(post) -> set[str]:
    """The sections whose fields the editor's form posted: each editable section carries its revision."""
    return {key for key in SECTION_KEYS if f"{key}-revision" in post}


def _stored_items(version: PlanVersion, key: str) -> list[dict]:
    """The stored rows of an item section as the editor's formset holds them (with the lasting goal of a
    handelingsdeel row, opp.models.Goal)."""
    _model, related, fields = services.ITEM_SECTIONS[key]
    with_goal = services.GOAL_KEY in ITEM_FORMS[key].form.base_fields
    return [{f: getattr(item, f) for f in fields} | ({services.GOAL_KEY: item.plan_goal_id} if with_goal else {})
            | bank.provenance_row(related, item)  # where a text came from the goal bank (hidden fields)
            for item in getattr(version, related).all()]


def _differs(version: PlanVersion, key: str, form) -> bool:
    """Whether a bound section form holds other text than is stored: typed and not (yet) saved. An item section
    compares its rows in the user's order, so rows moved back or a hidden deleted row do not count."""
    if key in ITEM_FORMS:
        return not form.is_valid() or ordered_items(form) != _stored_items(version, key)
    return any(name != "revision" for name in form.changed_data)


def _unsaved(version: PlanVersion, student, post, keys) -> list[str]:
    """The sections among `keys` whose posted text differs from what is stored now, in the editor's order."""
    return [key for key in SECTION_KEYS
            if key in keys and _differs(version, key, _section_form(version, student, key, post))]


def _title(section: str) -> str:
    return str(S.SECTIONS[section].title) if section in S.SECTIONS else _("Algemeen")


def _revision(value) -> int:
    """A posted revision (the section's lock token); one that is no number never matches, so the save is stale."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


@login_required
def version_editor(request, pk):
    """The version page. Its sections are ONE form: every section posts its text and the pressed button names the
    section to save (`section`, or `clear` for emptying a section that does not apply). Only that section is saved
    (one service call, one audit row); text typed in the other sections and not saved comes back on the page
    instead of being thrown away. static/js/editor.js adds autosave on top (`version_autosave`)."""
    version = selectors.load_editor_version(access.version_for_user(request.user, pk))
    student = version.plan.student
    rights = access.version_rights(request.user, version)  # reads the plan's prefetched versions
    if request.method != "POST":
        audit.record(request.user, audit.Action.VIEW, version)
        return _editor_page(request, version, rights, _section_forms(version, student))
    if "bank_insert" in request.POST:  # a goal-bank text as a starting point; nothing is saved (opp.bank)
        return _bank_insert(request, version, student, rights)
    clear = request.POST.get("clear", "")
    section = access.choice_or_404(clear or request.POST.get("section", ""), SECTION_KEYS, school_id=student.school_id)
    posted = _posted_sections(request.POST) | ({section} if not clear else set())
    others = posted - {section}
    form = None
    if access.may_save_section(request.user, version, section, rights):  # 403 for read-only roles
        form = _section_form(version, student, section, request.POST)
        outcome = _save_section(request, version, section, form, clear=bool(clear))
    else:
        messages.error(request, services.MSG_NOT_EDITABLE % {"state": version.get_state_display()})
        outcome = "lost"
    version = selectors.load_editor_version(version.pk)  # what is stored now, beside the user's text
    kept = _unsaved(version, student, request.POST, others)  # typed elsewhere on the page, not saved
    if outcome == "saved":
        messages.success(request, _("Onderdeel ‘%(title)s’ is opgeslagen.") % {"title": _title(section)})
        if not kept:
            return redirect(f"{request.path}#sectie-{section}")
        messages.warning(request, _("Nog niet opgeslagen: uw tekst in %(titles)s staat hieronder nog. Sla die onderdelen "
                                    "ook op.") % {"titles": ", ".join(f"‘{_title(k)}’" for k in kept)})
        return _editor_page(request, version, rights, _section_forms(version, student, request.POST, kept),
                            data=request.POST, bound=kept, unsaved=kept)
    if outcome == "lost":
        # The version moved on while the user typed (or was never open to them): say so, and give their text back.
        lost = ([] if clear else [section]) + [k for k in kept if k != section]
        return _editor_page(request, version, rights, _section_forms(version, student),
                            lost_input=_posted_text(request.POST, lost))
    bound = {section, *kept} if not clear else set(kept)
    if outcome == "stale":
        # Keep the user's text, now based on the stored revision: saving again is a deliberate overwrite.
        data = request.POST.copy()
        data[f"{section}-revision"] = str(version.section_revisions.get(section, 0))
        forms = _section_forms(version, student, data, bound)
        if not clear:
            forms[section].is_valid()
        return _editor_page(request, version, rights, forms, data=data, bound=bound, stale=section, unsaved=kept)
    messages.error(request, _("Niet opgeslagen: verbeter de gemarkeerde velden. Uw invoer is bewaard."))
    forms = _section_forms(version, student, request.POST, bound)
    if form is not None and not clear:
        forms[section] = form  # with its errors
    return _editor_page(request, version, rights, forms, data=request.POST, bound=bound, unsaved=kept)


def _bank_insert(request, version: PlanVersion, student, rights: access.VersionRights):
    """The editor's goal-bank buttons (templates/opp/_bank_picker.html): insert the chosen text into the posted form as
    a starting point the user must make their own (opp.bank.insert_into), or only search the bank (`zoeken`). Nothing
    is saved; every section's typed text comes back as posted, as when another section is saved."""
    choice = access.choice_or_404(request.POST.get("bank_insert", ""), (*bank.INSERT_TARGETS, "zoeken"),
                                  school_id=student.school_id)
    data = request.POST
    section = bank.INSERT_TARGETS[choice][0] if choice != "zoeken" else "handelingsdeel"
    # Searching and inserting are part of writing the plan: 403 for read-only roles, as saving a section is.
    may_write = access.may_save_section(request.user, version, section, rights)
    # The page shows the whole version again: a read of the plan like the editor's GET.
    audit.record(request.user, audit.Action.VIEW, version, details={"page": "bank_insert"})
    if choice != "zoeken":
        text = bank.readable_texts(student).filter(pk=max(_revision(data.get(f"bank-{choice}")), 0), kind=choice).first()
        if not may_write:
            messages.error(request, services.MSG_NOT_EDITABLE % {"state": version.get_state_display()})
        elif text is None:
            messages.error(request, _("Kies eerst een tekst uit de tekstbank."))
        else:
            row = _revision(data.get("bank-aanpak-onderdeel")) if choice == "aanpak" else None
            try:
                data, _index = bank.insert_into(data, text=text, row=row)
            except ValueError:
                messages.error(request, _("Kies het onderdeel waarin de aanpak moet komen."))
            else:
                messages.info(request, _("De tekst ‘%(title)s’ uit de tekstbank is ingevoegd. Het is een begin: maak hem "
                                         "specifiek voor deze leerling en sla op.") % {"title": text.title})
    posted = _posted_sections(data)
    kept = _unsaved(version, student, data, posted)
    return _editor_page(request, version, rights, _section_forms(version, student, data, posted), data=data,
                        bound=posted, unsaved=kept, bank_query=data.get("bank-q", ""))


def _service_save(user, version: PlanVersion, section: str, form, post, *, clear: bool = False) -> None:
    """Hand one section to the service (opp.services.version_save_section, which checks the right, the state and the
    revision and writes the audit row); its ValidationError propagates. `clear` empties the section."""
    if section in ITEM_FORMS:
        revision = _revision(post.get(f"{section}-clear-revision" if clear else f"{section}-revision"))
        services.version_save_section(actor=user, version=version, section=section, revision=revision,
                                      items=[] if clear else ordered_items(form))
        return
    if clear:
        revision = _revision(post.get(f"{section}-clear-revision"))
        data = {k: (None if k.endswith(("_nodig", "_programma", "_on")) else "") for k in services.SECTION_SCALARS[section]}
    else:
        data = dict(form.cleaned_data)
        revision = data.pop("revision")
    services.version_save_section(actor=user, version=version, section=section, revision=revision, data=data)


def _save_section(request, version: PlanVersion, section: str, form, *, clear: bool = False) -> str:
    """Save one section form: "saved", or why not — "stale" (someone saved this section since the page was
    opened), "lost" (the version moved on) or "invalid" (the messages are on the form or the page)."""
    if not clear and not form.is_valid():
        return "invalid"
    try:
        _service_save(request.user, version, section, form, request.POST, clear=clear)
    except ValidationError as exc:
        code = getattr(exc, "code", None)
        if code in ("stale", "not_editable") or section in ITEM_FORMS or clear:
            messages.error(request, message_of(exc))
        else:
            apply_errors(form, exc)
        return {"stale": "stale", "not_editable": "lost"}.get(code, "invalid")
    return "saved"


def _editor_page(request, version: PlanVersion, rights: access.VersionRights, forms: dict, *, data=None,
                 bound=frozenset(), stale: str | None = None, unsaved=(), lost_input=None, bank_query: str = ""):
    plan, student = version.plan, version.plan.student
    today = timezone.localdate()
    consent = consent_services.status(version) if not version.is_frozen else None
    snap = selectors.snapshot(version, today=today, consent_status=consent)
    found = compliance.findings(snap)
    versions = list(plan.versions.all())  # prefetched by load_editor_version, as the plan's other parts
    if consent and consent["covering"] is not None:
        # The page names the version the consent was given on: one of these.
        consent["covering"].version = next(v for v in versions if v.pk == consent["covering"].version_id)
    applicable = snap.applicable
    extra = [k for k in S.ORDER if k not in applicable and compliance.section_filled(k, snap)]
    sections = [{
        "key": key, "meta": S.SECTIONS[key], "form": forms[key], "is_formset": key in ITEM_FORMS,
        "complete": compliance.section_complete(key, snap), "applies": key in applicable,
        "revision": version.section_revisions.get(key, 0), "stale": stale == key, "unsaved": key in unsaved,
        "revision_value": (data.get(f"{key}-revision", "") if data is not None and key in bound
                           else version.section_revisions.get(key, 0)),
        "editable": rights.section_editable(key),
        "findings": [f for f in found if f.section == key],
    } for key in applicable + extra]
    # The stepper (opp/_stepper.html) from what the page read already: the plan's parts and the snapshot's evaluation
    # facts (the snapshot holds them exactly when the stepper reads them: an active plan with an adopted version).
    step = selectors.next_step_for_plan(request.user, plan, today, evaluation=snap.extra.get("evaluation"),
                                        blocking=compliance.content_blocking(found), preloaded=True)
    return render(request, "opp/version_editor.html", {
        "consent": consent, "next_step": step,
        "can": rights.can, "can_manage": rights.manage, "can_edit": rights.edit,
        "version": version, "plan": plan, "student": student, "sections": sections, "findings": found,
        "has_editor_form": rights.edit or any(s["editable"] for s in sections),
        "blocking": compliance.has_blocking(found), "general_form": forms["algemeen"],
        "general_unsaved": "algemeen" in unsaved,
        "content": content.version_content(version),
        "adopted": next((v for v in versions if v.state == VersionState.VASTGESTELD), None),
        "other_versions": sorted((v for v in versions if v.pk != version.pk), key=lambda v: -v.number),
        "lost_input": lost_input,
        "bank": bank.picker(student, query=bank_query) if rights.edit else None, "bank_query": bank_query,
        "bekendmaking": bekendmaking_views.block(request.user, version) if version.is_frozen else None,
        # The same buttons under every item row (some 40): rendered once.
        "item_tools": render_to_string("opp/_item_tools.html"),
    })


_NOT_TEXT = ("revision", "TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS", "ORDER", "DELETE",
             "plan_goal", "bank_text", "bank_original")


def _posted_text(post, sections) -> list[dict]:
    """What the user typed in sections that could not be saved, per section, to hand back to them verbatim."""
    result = []
    for section in sections:
        prefix = f"{section}-"
        values = [value for key, value in post.items()
                  if key.startswith(prefix) and value.strip() and not key.endswith(_NOT_TEXT)]
        if values:
            result.append({"title": _title(section), "values": values})
    return result


# --- Autosave (static/js/editor.js) ------------------------------------------------------------------------------


def _form_errors(form) -> list[dict]:
    """A form's or formset's errors for the script: the field's name (to mark it) and a Dutch sentence."""
    errors = []
    forms = form.forms if hasattr(form, "forms") else [form]
    for number, f in enumerate(forms, 1):
        for name, messages_ in f.errors.items():
            field = f.fields.get(name)
            label = str(field.label) if field is not None and field.label else ""
            if hasattr(form, "forms"):
                label = _("Onderdeel %(n)s, %(label)s") % {"n": number, "label": label.lower()} if label else \
                    _("Onderdeel %(n)s") % {"n": number}
            for message in messages_:
                errors.append({"name": f.add_prefix(name) if name in f.fields else "",
                               "text": f"{label}: {message}" if label else str(message)})
    if hasattr(form, "non_form_errors"):
        errors += [{"name": "", "text": str(m)} for m in form.non_form_errors()]
    return errors


def _goal_fields(version: PlanVersion, section: str, form) -> dict:
    """After an autosave of the handelingsdeel: each saved row's hidden goal field and the lasting goal it now has
    (a new row got a new one), so the script fills them in and the next save keeps the goal."""
    if section not in ITEM_FORMS or services.GOAL_KEY not in form.form.base_fields:
        return {}
    stored = version.actions.order_by("position").values_list("plan_goal_id", flat=True)
    return {f.add_prefix(services.GOAL_KEY): goal for f, goal in zip(ordered_forms(form), stored, strict=True)}


def _autosave_answer(version: PlanVersion, section: str, *, status: int = 200, message: str = "", errors=(),
                     saved: bool = False, fields=None) -> JsonResponse:
    saved_at = timezone.localtime(version.updated_at) if saved else None
    return JsonResponse({
        "saved_at": saved_at.isoformat() if saved_at else None,
        "revision": version.section_revisions.get(section, 0),
        "fields": fields or {},
        "errors": list(errors),
        "message": message or (_("Opgeslagen om %(time)s") % {"time": saved_at.strftime("%H:%M")} if saved_at else ""),
    }, status=status)


@login_required
@require_POST
def version_autosave(request, pk):
    """One section saved by the editor's script when the user pauses or leaves it (static/js/editor.js): the same
    access checks, form, optimistic lock (the section's revision) and service as the plain save, so one audit row
    per save. JSON {saved_at, revision, errors, message}; a refusal is a 4xx with a Dutch message: 400 invalid
    input, 409 saved by someone else since (stale) or the version moved on; 403/404 as the page."""
    version = selectors.load_version(access.version_for_user(request.user, pk).pk)
    student = version.plan.student
    rights = access.version_rights(request.user, version)
    section = access.choice_or_404(request.POST.get("section", ""), SECTION_KEYS, school_id=student.school_id)
    not_saved = _("Niet opgeslagen")
    if not access.may_save_section(request.user, version, section, rights):  # 403 for read-only roles
        return _autosave_answer(version, section, status=409, message=f"{not_saved} — " + str(
            services.MSG_NOT_EDITABLE % {"state": version.get_state_display()}))
    form = _section_form(version, student, section, request.POST)
    if not form.is_valid():
        return _autosave_answer(version, section, status=400, errors=_form_errors(form), message=_(
            "Niet opgeslagen — verbeter de gemarkeerde velden. Uw tekst staat er nog."))
    if not _differs(version, section, form):
        # Nothing new since the last save (or exactly what is stored): no save and no audit row; the page gets
        # the current revision, so it is in step again.
        return _autosave_answer(version, section, message=_("Alles is opgeslagen."),
                                fields=_goal_fields(version, section, form))
    try:
        _service_save(request.user, version, section, form, request.POST)
    except ValidationError as exc:
        code = getattr(exc, "code", None)
        version = selectors.load_version(version.pk)
        if code == "stale":
            message = _("Niet opgeslagen — iemand anders heeft dit onderdeel intussen opgeslagen. Uw tekst staat er "
                        "nog. Klik op ‘Opslaan’ om uw tekst naast de opgeslagen tekst te zien en te kiezen.")
        else:
            message = f"{not_saved} — {message_of(exc)}"
        errors = []
        if hasattr(exc, "error_dict") and section not in ITEM_FORMS:
            errors = [{"name": f"{section}-{name}" if name in form.fields else "", "text": " ".join(e.messages)}
                      for name, e in ((n, ValidationError(v)) for n, v in exc.error_dict.items())]
        return _autosave_answer(version, section, status=409 if code in ("stale", "not_editable") else 400,
                                message=message, errors=errors)
    version.refresh_from_db(fields=["section_revisions", "updated_at"])
    return _autosave_answer(version, section, saved=True, fields=_goal_fields(version, section, form))


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
