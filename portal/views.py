"""The parent portal: own children only, plain language, readable on a phone."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef, Prefetch, prefetch_related_objects
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from audit import log as audit
from evaluations import charts as evaluation_charts
from evaluations import services as evaluation_services
from evaluations.forms import EvaluationReactionForm
from evaluations.models import Evaluation, EvaluationReaction, ItemProgress
from opp import bekendmaking, consent_services, goal_charts
from opp import sections as S
from opp import selectors as opp_selectors
from opp.models import ConsentRequest, Plan
from opp.rules import gpo_last_day, gpo_term_open
from opp_portal.forms import ServiceErrors
from ratelimits import limits

from . import access, glossary, inzage, selectors, services
from .forms import AcceptForm, ConsentForm, ReactionForm, split_name
from .models import Invitation, token_hash

SESSION_KEY = "portal_invitation_id"


def _no_referrer(response):
    # "strict-origin", not "no-referrer": the path (which held the token) never leaves the page, but browsers
    # still send the Origin header with the page's own POST forms. Under "no-referrer" they send
    # "Origin: null", and Django's CSRF check refuses the exchange and the account form.
    response["Referrer-Policy"] = "strict-origin"
    response["Cache-Control"] = "no-store"
    return response


@login_required
def home(request):
    students = list(access.portal_students(request.user))
    latest = selectors.latest_plans(students)
    rows = []
    for s in students:
        plan = latest.get(s.pk)
        # An ended or withdrawn plan is no current OPP (R-SET-5): the row says it ended, and when.
        ended = plan if plan is not None and selectors.plan_ended(plan) else None
        visible = selectors.visible_versions(plan) if plan and not ended else []
        rows.append({"student": s, "plan": plan, "ended": ended, "version": visible[-1] if visible else None})
    return render(request, "portal/home.html", {"rows": rows, "audience": selectors.audience(request.user, students)})


@login_required
def child(request, pk):
    student = access.student_for_portal(request.user, pk)
    plans = selectors.child_page_plans(student)
    current_plan = plans[0] if plans else None
    if current_plan is not None:
        # Read once, with their progress per item: the evaluations below.
        prefetch_related_objects([current_plan], Prefetch("evaluations", queryset=_plan_evaluations()))
    guardians = selectors.guardians_of_user(request.user, student)
    guardian_ids = {g.pk for g in guardians}
    visible = selectors.visible_versions(current_plan) if current_plan else []
    # The version shown, with its content: the consent status and the sections below read it.
    version = opp_selectors.with_content(visible[-1]) if visible else None
    adopted = [v for p in plans for v in p.versions.all() if v.state in ("vastgesteld", "vervangen")]
    consultations = list(current_plan.consultations.all()) if current_plan else []
    consent_panel = None
    ended = current_plan is not None and selectors.plan_ended(current_plan)
    # What the page shows is audited in one INSERT before it renders: the version (or the pupil) and the evaluations.
    audit_rows = [audit.event(request.user, audit.Action.VIEW, version if version is not None else student)]
    if version is not None and not ended:
        status = consent_services.status(version)
        latest = status["latest"]
        mine = (consent_services.parties_of_user(request.user, latest, guardian_ids=guardian_ids, pupil=student)
                if latest else [])
        answered = {("guardian" if a.guardian_id else "pupil", a.guardian_id or a.pupil_id) for a in status["answers"]}
        open_parties = [p for p in mine if (p["kind"], p["id"]) not in answered]
        consent_panel = {"status": status, "latest": latest, "open_parties": open_parties,
                         "form": ConsentForm(parties=open_parties, user=request.user) if open_parties and latest
                         and latest.state == ConsentRequest.State.OPEN and not status["stale"] else None}
    inzage_as = inzage.party_of(request.user, student, guardians=guardians)
    gpo = _decision_notice(request.user, student, current_plan, party=inzage_as, guardian_ids=guardian_ids)
    disputes = selectors.disputes_for_parents(student, plans=plans)
    # The measurements both kinds of chart below read (the evaluations' and the version's goals): one query.
    measured = _chart_measurements(current_plan, version, timezone.localdate())
    evaluations = _evaluations_of(request.user, current_plan, audit_rows=audit_rows, measured=measured)
    audit.record_many(audit_rows)
    return render(request, "portal/child.html", {
        "disputes": disputes,
        # Every request to the samenwerkingsverband the parents were told of (the one query this section costs).
        "swv_requests": list(access.swv_requests_of_child(student)
                             .select_related("samenwerkingsverband").order_by("-created_at", "-pk")),
        "student": student, "plan": current_plan, "version": version, "adopted": adopted, "gpo": gpo,
        "ended": ended, "audience": selectors.audience(request.user, [student]),
        "today": timezone.localdate(),
        "consultations": consultations, "consent": consent_panel,
        "reactions": list(version.reactions.all()) if version else [],
        "reaction_form": ReactionForm(), **_version_context(version, measured=measured),
        "evaluations": evaluations,
        "inzage_as": inzage_as,
        **_glossary_context(gpo=bool(disputes or (gpo and not gpo.get("ended") and not gpo.get("withdrawn"))
                                     or (consent_panel and consent_panel["status"]["refused"]))),
    })


def _glossary_context(*, gpo: bool = False) -> dict:
    """The plain-language explanations of the words on a parent's page (portal.glossary) and the GPO's address."""
    return {"glossary": glossary.for_page(gpo=gpo), "terms": glossary.BY_KEY, "gpo_url": glossary.GPO_URL}


def _decision_notice(user, student, plan, *, party: str | None, guardian_ids: set[int] | None = None) -> dict | None:
    """The board's decision on the current plan as this parent (or adult pupil) was told of it: the day THEY
    were told and, for an adoption, THEIR last day at the GPO (R-GPO-2, R-GPO-7) — another parent's date is
    not theirs. A withdrawal names no GPO route (R-GPO-6, GPO 108928) but where parents can go instead.
    `guardian_ids`: the user's guardian rows (portal.selectors.guardians_of_user), when the caller has them."""
    if plan is None:
        return None
    if plan.state == Plan.State.BEEINDIGD:
        # R-SET-5: ended after an evaluation. Not a decision on the content: no GPO deadline to show (R-GPO-6/7).
        return {"ended": True, "on": plan.ended_on}
    if plan.state == Plan.State.INGETROKKEN:
        rows = bekendmaking.rows_of_user(user, student, plan, guardian_ids=guardian_ids)
        swv = student.school.samenwerkingsverband
        return {"withdrawn": True, "on": plan.ended_on, "reason": plan.end_reason,
                "known": min((r.made_known_on for r in rows), default=None), "swv_name": swv.name if swv else ""}
    adopted = [v for v in plan.versions.all() if v.state in ("vastgesteld", "vervangen") and v.adopted_at]
    if not adopted:
        return None
    version = max(adopted, key=lambda v: v.adopted_at)
    # Nobody told of this version yet (selectors.child_page_plans marks it): no rows of this user's either.
    told = getattr(version, selectors.HAS_BEKENDMAKING, True)
    known = min((r.made_known_on for r in bekendmaking.rows_of_user(user, student, version, guardian_ids=guardian_ids)),
                default=None) if told else None
    return {"withdrawn": False, "adopted_on": timezone.localdate(version.adopted_at), "known": known,
            "version_pk": version.pk,
            "last_day": gpo_last_day(known) if known else None,
            "term_open": gpo_term_open(known, timezone.localdate()) if known else None,
            "is_party": party is not None}  # party: inzage.party_of(user, student)


def _chart_measurements(plan, version, today) -> dict | None:
    """The measurements of the goals the child page draws: the evaluations' (of `plan`, prefetched with their
    progress) and the shown version's, up to the later of their last days (each chart keeps its own window,
    opp.goal_charts.goal_view). One query; none without a measured goal; None without a plan."""
    if plan is None:
        return None
    rows = [(e, e.progress.all()) for e in plan.evaluations.all()]
    goals = evaluation_charts.measured_goals(rows)
    last_days = [day for day in (evaluation_charts.last_evaluated(rows),) if day is not None]
    if version is not None:
        goals |= {a.plan_goal_id for a in version.actions.all() if a.measure_instrument}
        last_days.append(goal_charts.version_until(version, today))
    return goal_charts.measurements_for(goals, until=max(last_days, default=None))


def _evaluations_of(user, plan, *, audit_rows: list, measured: dict | None = None) -> list[dict]:
    """The evaluations of the current plan, newest first, each with its progress per item, the reactions
    and a reaction form. Reading them is audited once, with their ids: the row goes onto `audit_rows`, which the
    caller writes (audit.record_many). `measured`: their goals' measurements, when the caller read them."""
    if plan is None:
        return []
    # Prefetched by the child page (_plan_evaluations); else read here.
    loaded = "evaluations" in getattr(plan, "_prefetched_objects_cache", {})
    evaluations = list(plan.evaluations.all() if loaded else _plan_evaluations().filter(plan=plan))
    if evaluations:
        audit_rows.append(audit.event(user, audit.Action.VIEW, plan, details={"evaluations": [e.pk for e in evaluations]}))
    # The reactions of the evaluations that have any (HAS_REACTIONS): none reacted to, no query.
    reacted = [e for e in evaluations if getattr(e, HAS_REACTIONS, True)]
    prefetch_related_objects(reacted, "reactions")
    rows = [{"evaluation": e, "progress": list(e.progress.all()),
             "reactions": list(e.reactions.all()) if e in reacted else [],
             "form": EvaluationReactionForm(auto_id=f"id_evaluatie{e.pk}_%s")} for e in evaluations]
    # Each goal's measurements since the previous evaluation, as the school sees them (evaluations.charts).
    evaluation_charts.attach([(r["evaluation"], r["progress"]) for r in rows], name=plan.student.first_name,
                             previous=evaluation_charts.previous_in(evaluations), measured=measured)
    return rows


#: The annotation _plan_evaluations() puts on each evaluation: whether anyone reacted to it (its reactions are read
#: only then).
HAS_REACTIONS = "has_reactions"


def _plan_evaluations():
    """A plan's evaluations as the child page shows them, with their progress per item, each marked whether it has
    reactions (HAS_REACTIONS; _evaluations_of reads those)."""
    return Evaluation.objects.select_related("version").prefetch_related(
        Prefetch("progress", queryset=ItemProgress.objects.select_related("action").order_by("action__position", "action__pk")),
    ).annotate(**{HAS_REACTIONS: Exists(EvaluationReaction.objects.filter(evaluation=OuterRef("pk")))})


@login_required
@require_POST
def evaluation_react(request, pk):
    evaluation = access.evaluation_for_portal(request.user, pk)
    student = evaluation.plan.student
    form = EvaluationReactionForm(request.POST)
    if form.is_valid():
        with ServiceErrors(form) as outcome:
            evaluation_services.reaction_add(user=request.user, evaluation=evaluation,
                                             author_name=selectors.author_name(request.user, student),
                                             text=form.cleaned_data["text"])
        if outcome.ok:
            messages.success(request, _("Uw reactie op de evaluatie is naar de school gestuurd."))
            return redirect(f"{reverse('portal:child', args=[student.pk])}#evaluatie-{evaluation.pk}")
    # Keep what was typed: show the form again, filled in, with the message.
    return render(request, "evaluations/portal_reaction_retry.html",
                  {"student": student, "evaluation": evaluation, "form": form})


def _version_context(version, *, measured: dict | None = None):
    """What the portal shows of a version: its sections and the handelingsdeel's measured goals (the uitstroom
    profile's label is the version's own, PlanVersion.uitstroom_label). `version` comes with its content (factors, actions, yields) and its pupil's placements loaded;
    `measured`: its goals' measurements, when the caller read them."""
    if version is None:
        return {}
    return {"version_full": version,
            "sections": [{"key": k, "meta": S.SECTIONS[k]} for k in selectors.applicable_sections(version.plan.student)],
            # Under the handelingsdeel: per measured goal its chart and the goal in plain words (opp.goal_charts).
            "goal_views": goal_charts.for_version(version, today=timezone.localdate(), measured=measured)}


@login_required
def version_detail(request, pk):
    version = access.version_for_portal(request.user, pk)
    # Only what the page shows: the version's content and, for its sections, the pupil's placements. The compliance
    # snapshot's other reads (the pupil's plans, consultations, consent, this year's evaluation) feed findings the
    # portal does not show.
    prefetch_related_objects([version], "factors", "actions", "yields", "plan__student__placement_events")
    audit.record(request.user, audit.Action.VIEW, version)
    return render(request, "portal/version.html", {"student": version.plan.student, "version": version,
                                                   **_version_context(version), **_glossary_context()})


@login_required
@require_POST
def react(request, pk):
    version = access.version_for_portal(request.user, pk)
    student = version.plan.student
    form = ReactionForm(request.POST)
    if form.is_valid():
        with ServiceErrors(request=request) as outcome:
            consent_services.reaction_add(user=request.user, version=version,
                                          author_name=selectors.author_name(request.user, student),
                                          text=form.cleaned_data["text"])
        if outcome.ok:
            messages.success(request, _("Uw reactie is naar de school gestuurd. U ziet hier het antwoord van de school."))
            return redirect("portal:child", pk=student.pk)
    else:
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    # Keep what was typed: show the form again, filled in.
    return render(request, "portal/reaction_retry.html", {"student": student, "version": version, "form": form})


@login_required
@require_POST
def answer(request, pk):
    consent_request = access.consent_request_for_portal(request.user, pk)
    student = consent_request.version.plan.student
    parties = consent_services.parties_of_user(request.user, consent_request)
    form = ConsentForm(request.POST, parties=parties, user=request.user)
    if form.is_valid():
        kind, party_id = form.party_key()
        with ServiceErrors(request=request) as outcome:
            consent_services.answer_in_portal(
                user=request.user, request=consent_request, party_kind=kind, party_id=party_id,
                answer=form.cleaned_data["answer"], explanation=form.cleaned_data["explanation"],
                ip=audit.client_ip(request))
        if not outcome.ok:
            return redirect("portal:child", pk=student.pk)
        if form.cleaned_data["answer"] == "ja":
            messages.success(request, _("Uw instemming is vastgelegd. Dank u wel."))
        else:
            messages.success(request, _("Uw antwoord ‘ik stem niet in’ is vastgelegd. De school neemt contact met u op "
                                        "voor een nieuw overleg."))
        return redirect("portal:child", pk=student.pk)
    return render(request, "portal/consent_retry.html", {"student": student, "form": form, "request_obj": consent_request})


# --- Invitations ---------------------------------------------------------------------------------------
# Public pages: every request counts against the client address (OPP_RATELIMIT_INVITATION), and the account
# form's POSTs also against the invited email (OPP_RATELIMIT_INVITATION_EMAIL): for an existing account that
# form checks its password, which must not become a way around the login lockout.
_per_address = limits.per_address("invitation", "OPP_RATELIMIT_INVITATION")


@never_cache
@_per_address
def invitation_landing(request, token):
    """The emailed link. Nothing is exchanged by a GET (mail scanners follow links); the page POSTs the
    token and the next address is clean. No external resources here, and no path leaves it in a Referer."""
    invitation = Invitation.objects.filter(token_hash=token_hash(token)).first()
    return _no_referrer(render(request, "portal/invitation_landing.html",
                               {"token": token, "audience": selectors.invitation_audience(invitation)}))


@never_cache
@_per_address
@require_POST
def invitation_exchange(request):
    try:
        invitation = services.exchange(request.POST.get("token", ""))
    except services.InvitationProblem as exc:
        return _no_referrer(render(request, "portal/invitation_problem.html", {"problem": exc.problem}, status=410))
    request.session[SESSION_KEY] = invitation.pk
    return redirect("portal:invitation_account")


@never_cache
@_per_address
def invitation_account(request):
    # Only the invitation's id is in the session, never the token. It is not spent until the account exists
    # (services.accept): a parent who leaves here comes back through the same emailed link and continues.
    try:
        invitation = services.open_invitation(request.session.get(SESSION_KEY))
    except services.InvitationProblem as exc:
        request.session.pop(SESSION_KEY, None)
        return _no_referrer(render(request, "portal/invitation_problem.html", {"problem": exc.problem}, status=410))
    if request.method == "POST":
        refused = limits.check_email(request, group="invitation", setting="OPP_RATELIMIT_INVITATION_EMAIL",
                                     email=invitation.email)
        if refused is not None:
            return refused
    existing = services.existing_user_for(invitation) is not None
    # The name the school has on record (portal.forms.split_name) is filled in; the parent may correct it.
    form = AcceptForm(request.POST or None, existing=existing, initial=split_name(invitation.name))
    if request.method == "POST" and form.is_valid():
        try:
            # A password the validators refuse comes as a bare ValidationError: it belongs to the password field.
            with ServiceErrors(form, field="password1") as outcome:
                user = services.accept(invitation=invitation, password=form.cleaned_data["password1"],
                                       first_name=form.cleaned_data.get("first_name", ""),
                                       last_name=form.cleaned_data.get("last_name", ""))
        except services.InvitationProblem as exc:
            return _no_referrer(render(request, "portal/invitation_problem.html", {"problem": exc.problem}, status=410))
        if outcome.ok:
            request.session.pop(SESSION_KEY, None)
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welkom in het ouderportaal."))
            return redirect("portal:home")
    return _no_referrer(render(request, "portal/invitation_account.html",
                               {"form": form, "existing": existing, "email": invitation.email,
                                "audience": selectors.invitation_audience(invitation)}))

