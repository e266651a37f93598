"""seed_demo lives over two school years (the school year runs 1 August – 31 July, opp_portal.schoolyear).

Seeded at three anchors — December, June and the first day of a school year — the demo must tell a story that
could have happened: every step after the one it depends on and none in the future (R-TIME-2, R-CONSENT-2/7,
R-SET-5, R-EVAL-1, R-GPO-2), plans adopted last school year and evaluated this one, a revision open, a dispute
that took weeks, guardians for every pupil with a plan, sbo/vso pupils on extra support (R-ELIG-1), and texts
written per pupil: no handelingsdeel copied across pupils, pronouns that fit the pupil.
"""

from __future__ import annotations

import datetime
import io
import re
import zoneinfo
from collections import defaultdict
from itertools import combinations

import pytest
from django.core.management import call_command
from django.utils import timezone

from disputes.models import Dispute
from evaluations.models import Evaluation
from opp.demo import PUPIL_TEXTS
from opp.models import FROZEN_STATES, Bekendmaking, ConsentAnswer, ConsentRequest, Consultation, Plan, PlanVersion
from opp_portal.schoolyear import school_year
from portal.models import Invitation
from students.models import EligibilityDecision, GuardianLink, Student

AMS = zoneinfo.ZoneInfo("Europe/Amsterdam")
DECEMBER = datetime.datetime(2026, 12, 5, 10, 0, tzinfo=AMS)
JUNE = datetime.datetime(2027, 6, 30, 10, 0, tzinfo=AMS)
FIRST_OF_AUGUST = datetime.datetime(2026, 8, 1, 10, 0, tzinfo=AMS)

ANCHORS = [pytest.param(at, marks=pytest.mark.clock(at), id=at.strftime("%d-%m-%Y"))
           for at in (DECEMBER, JUNE, FIRST_OF_AUGUST)]


def day(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date()


def _plans():
    return list(Plan.objects.select_related("student").prefetch_related("versions"))


def check_every_step_follows_the_one_it_depends_on_and_none_lies_ahead(today):
    for plan in _plans():
        student = plan.student
        assert day(plan.created_at) <= today
        assert day(plan.created_at) >= student.enrolled_on, student
        for version in plan.versions.all():
            assert day(version.created_at) >= day(plan.created_at)
            assert day(version.created_at) <= today

    for c in Consultation.objects.select_related("version", "plan__student"):
        student = c.plan.student
        assert c.held_on <= today, student
        # Never before the version it is about, nor before the plan, the pupil's arrival or the need it answers.
        assert c.held_on >= day(c.version.created_at), (student, c.held_on, c.version.created_at)
        assert c.held_on >= day(c.plan.created_at) >= student.enrolled_on
        if c.plan.state == Plan.State.ACTIEF and student.support_need_on and student.support_level == "extra" \
                and student.onderwijssoort == "bao":
            assert c.held_on >= student.support_need_on, (student, c.held_on, student.support_need_on)

    for request in ConsentRequest.objects.select_related("version"):
        asked = day(request.requested_at)
        assert asked <= today
        held = list(Consultation.objects.filter(version=request.version).values_list("held_on", flat=True))
        assert held and asked >= max(held), request  # consent after the consultation (R-CONSENT-2)
    for answer in ConsentAnswer.objects.select_related("request"):
        assert day(answer.answered_at) >= day(answer.request.requested_at)
        assert day(answer.answered_at) <= today
        if answer.signed_on:
            assert day(answer.request.requested_at) <= answer.signed_on <= day(answer.answered_at)

    adopted = PlanVersion.objects.filter(adopted_at__isnull=False)
    assert adopted.exists()
    for version in adopted:
        answers = ConsentAnswer.objects.filter(request__version=version)
        assert answers.exists(), version
        assert day(version.adopted_at) >= max(day(a.answered_at) for a in answers)  # adoption after full consent
        assert day(version.submitted_at) <= day(version.adopted_at) <= today
    for b in Bekendmaking.objects.select_related("version"):
        if b.version and b.version.adopted_at:
            assert day(b.version.adopted_at) <= b.made_known_on <= today

    for evaluation in Evaluation.objects.select_related("version"):
        assert evaluation.held_on <= today  # evaluations only in the past (or today)
        assert evaluation.held_on >= day(evaluation.version.adopted_at)

    for revision in PlanVersion.objects.filter(based_on__isnull=False).select_related("plan"):
        evaluated = revision.plan.evaluations.order_by("-held_on").first()
        assert evaluated is not None and day(revision.created_at) >= evaluated.held_on


def check_the_demo_spans_two_school_years(today):
    this_start, _ = school_year(today)
    last_start, last_end = school_year(this_start - datetime.timedelta(days=1))
    two_years = [
        e for e in Evaluation.objects.select_related("version")
        if last_start <= day(e.version.adopted_at) <= last_end and this_start <= e.held_on <= today
    ]
    assert two_years, "no plan adopted last school year and evaluated in this one"
    open_revisions = PlanVersion.objects.filter(based_on__isnull=False).exclude(state__in=FROZEN_STATES)
    assert open_revisions.exists()
    # Lotte's first plan ended after its evaluation, last school year; her need returned this year.
    lotte = Student.objects.get(pupil_number="A001")
    first = lotte.plans.get()
    assert first.state != Plan.State.ACTIEF and last_start <= first.ended_on <= last_end
    assert this_start <= lotte.support_need_on <= today


def check_disputes_take_weeks_and_their_stages_follow_each_other(today):
    disputes = list(Dispute.objects.select_related("version"))
    assert len(disputes) >= 2
    spans = []
    for d in disputes:
        stages = [d.filed_on, d.received_on, d.defence_submitted_on, d.hearing_on, d.advice_on,
                  d.response_sent_parents_on, d.closed_on]
        dated = [s for s in stages if s]
        assert dated == sorted(dated) and dated[-1] <= today, d
        assert d.filed_on >= day(d.version.adopted_at)
        spans.append((dated[-1] - d.filed_on).days)
    assert max(spans) >= 14
    assert Dispute.objects.exclude(state=Dispute.State.GESLOTEN).exists()  # one awaits the defence


def check_every_pupil_with_a_plan_has_guardians_and_sbo_vso_pupils_extra_support(today):
    for plan in _plans():
        assert GuardianLink.objects.filter(student=plan.student).exists(), plan.student
    for username, number in (("ouder.jansen", "D001"), ("ouder.elbaz", "K001"), ("ouder.devries", "A001")):
        assert GuardianLink.objects.filter(student__pupil_number=number, guardian__user__username=username).exists()
    assert Student.objects.get(pupil_number="H001").portal_user.username == "leerling.horizon"
    special = Student.objects.filter(onderwijssoort__in=["sbo", "vso"], left_on__isnull=True)
    assert special.exists()
    for student in special:
        assert student.support_level == "extra" and student.extra_support_description, student
    for student in Student.objects.filter(left_on__isnull=True):
        age = student.age_on(today)
        if student.onderwijssoort == "bao":
            assert 4 <= age <= 13, student
        if student.handelingsbekwaam:
            assert age >= 18


def _texts(version: PlanVersion) -> str:
    parts = [version.uitstroom_onderbouwing, version.programma_afwijking, version.rapporten_weging,
             version.leerling_mening, version.leerling_weging, version.leerling_uitleg]
    parts += [f.text for f in version.factors.all()]
    parts += [f"{a.goal} {a.approach}" for a in version.actions.all()]
    return " ".join(p for p in parts if p)


PRONOUNS = {"v": r"\b(hij|hem)\b", "m": r"\b(zij|haar)\b"}  # what a text about a girl / a boy must not say


def check_texts_are_written_per_pupil(today):
    handelingsdelen = {}
    names = set(Student.objects.values_list("first_name", flat=True))
    for plan in _plans():
        student = plan.student
        version = plan.versions.order_by("number").first()
        text = _texts(version)
        if not text:
            continue  # a concept just started (Roos, Thijs)
        gender = PUPIL_TEXTS[student.pupil_number]["gender"]
        assert not re.search(PRONOUNS[gender], text, re.IGNORECASE), (student, text)
        assert student.first_name in text
        assert not {n for n in names - {student.first_name} if re.search(rf"\b{n}\b", text)}, student
        items = {a.goal for a in version.actions.all()} | {a.approach for a in version.actions.all()} \
            | {f.text for f in version.factors.all()}
        if items:
            handelingsdelen[student.pupil_number] = items
    assert len(handelingsdelen) >= 6
    for (a, items_a), (b, items_b) in combinations(handelingsdelen.items(), 2):
        assert not items_a & items_b, (a, b, items_a & items_b)


@pytest.mark.parametrize("anchor", ANCHORS)
def test_the_seeded_demo_could_have_happened(clock, db, anchor):
    """One seed per anchor (seeding is the slow part), every invariant checked on it."""
    call_command("seed_demo", stdout=io.StringIO())
    today = timezone.localdate()
    assert today == anchor.date()
    check_every_step_follows_the_one_it_depends_on_and_none_lies_ahead(today)
    check_the_demo_spans_two_school_years(today)
    check_disputes_take_weeks_and_their_stages_follow_each_other(today)
    check_every_pupil_with_a_plan_has_guardians_and_sbo_vso_pupils_extra_support(today)
    check_texts_are_written_per_pupil(today)
    check_the_invitation_panel_shows_a_pending_and_an_expired_link(today)
    check_nothing_is_stamped_after_now()


def check_nothing_is_stamped_after_now():
    """Seeded in the morning, today's story may not be stamped in the afternoon: no audit row, measurement or version
    change lies after the moment of seeding."""
    from audit.models import AuditEvent
    from opp.models import Measurement

    now = timezone.now()
    assert not AuditEvent.objects.filter(at__gt=now).exists()
    assert not Measurement.objects.filter(recorded_at__gt=now).exists()
    assert not PlanVersion.objects.filter(updated_at__gt=now).exists()


def check_the_invitation_panel_shows_a_pending_and_an_expired_link(today):
    """portal.demo: one invitation still open, one expired; both sent in the past, neither accepted."""
    now = timezone.now()
    invitations = list(Invitation.objects.all())
    assert all(i.created_at <= now and i.accepted_user_id is None and i.used_at is None for i in invitations)
    assert [i.problem(now) for i in invitations if i.expires_at > now] == [None]
    assert len([i for i in invitations if i.expires_at <= now]) == 1


@pytest.mark.clock(DECEMBER)
def test_seed_demo_twice_and_a_week_later_changes_no_story(clock, db):
    call_command("seed_demo", stdout=io.StringIO())
    counts = _story_counts()
    decisions = EligibilityDecision.objects.count()
    call_command("seed_demo", stdout=io.StringIO())
    assert _story_counts() == counts
    assert EligibilityDecision.objects.count() == decisions  # the same day: not even a pupil's standing changes
    clock.move_to(DECEMBER + datetime.timedelta(days=7))
    call_command("seed_demo", stdout=io.StringIO())
    assert _story_counts() == counts


def _story_counts():
    per_model = defaultdict(int)
    for model in (Student, GuardianLink, Plan, PlanVersion, Consultation, ConsentRequest, ConsentAnswer, Evaluation,
                  Dispute, Bekendmaking, Invitation):
        per_model[model.__name__] = model.objects.count()
    return dict(per_model)
