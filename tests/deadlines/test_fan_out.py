"""The sweep can write reminder rows alone and leave the messages to fan_out() (the Celery task does).
Exactly once still holds; escalations go into the recipient's daily digest; long overdue items slow down."""

import datetime

import pytest
from django.conf import settings
from django.core import mail
from django.template.loader import render_to_string
from django.test.signals import template_rendered
from django.utils import translation

from accounts.models import Role, User
from deadlines import registry, services
from deadlines.models import Reminder
from deadlines.steps import Step, StepConfig, due_step
from notifications.models import Notification
from notifications.services import SharedRenderingError, drain, enqueue_many
from tests.factories import SchoolFactory, member

from .test_sweep import DUE, mails_for, run


def test_sweep_without_notify_writes_reminders_only_and_fan_out_sends_them_once(pupil, personas):
    result = run(DUE, notify=False)
    assert [r["step"] for r in result.created] == ["0"]
    assert not mails_for(pupil).exists()
    reminder = Reminder.objects.get(subject_id=str(pupil.pk))
    assert reminder.notified_at is None and reminder.initials.startswith("F.")

    first = services.fan_out(today=DUE)
    again = services.fan_out(today=DUE)
    assert first["reminders"] == 1 and first["notifications"] == 1
    assert again == {"reminders": 0, "notifications": 0, "errors": []}
    assert [m.to_email for m in mails_for(pupil)] == [personas.begeleider_a.email]
    assert "13 oktober 2026" in mails_for(pupil).get().body_text


def test_a_claimed_reminder_is_not_fanned_out_by_a_second_worker(pupil):
    run(DUE, notify=False)
    reminder = Reminder.objects.get(subject_id=str(pupil.pk))
    # Another worker claimed it a moment ago (its transaction committed): nothing left for us.
    Reminder.objects.filter(pk=reminder.pk).update(notified_at=reminder.created_at, notify_token="other")
    assert services.fan_out(today=DUE)["notifications"] == 0
    assert not mails_for(pupil).exists()


def test_escalations_reach_the_board_in_its_daily_digest_not_as_separate_mails(pupil, personas):
    late = DUE + datetime.timedelta(days=21)
    run(late)
    by_email = {m.to_email: m for m in mails_for(pupil)}
    assert by_email[personas.begeleider_a.email].digest is False
    assert by_email[personas.bestuurder_a.email].digest is True
    assert by_email[personas.schoolleider_a.email].digest is True
    assert Notification.objects.filter(digest=True, state="pending").count() >= 2


def test_long_overdue_items_are_reminded_every_four_weeks_after_twelve_weeks():
    config = StepConfig()
    due = datetime.date(2026, 1, 5)
    names = {due_step(due, due + datetime.timedelta(days=n), config).name for n in range(84, 84 + 56)}
    assert names == {"+84", "+112"}
    assert due_step(due, due + datetime.timedelta(days=83), config).name == "+77"


# --- One rendering per message shape, byte for byte what rendering each message alone gives -----------------

TODAY = datetime.date(2026, 11, 2)


def rendered_alone(n, r, school_name):
    """What the fan-out wrote before messages shared their rendering: each message rendered on its own with the
    real recipient and item (today's enqueue()), the same post-processing."""
    kind = registry.REGISTRY[r.kind]
    escalate = tuple(x for x in r.escalated_to.split(",") if x)
    context = {"site_url": settings.OPP_SITE_URL.rstrip("/"), "recipient": n.recipient, "kind": kind,
               "item": registry.DueItem(r.kind, r.subject_type, int(r.subject_id), r.school_id, r.due_on, r.period,
                                        r.initials, r.url, r.item_state),
               "step": Step(r.step, r.due_on, escalate), "school_name": school_name,
               "days": (r.due_on - TODAY).days, "overdue": (TODAY - r.due_on).days, "escalated": bool(escalate),
               "refused": r.item_state == "geen_instemming"}
    with translation.override("nl"):
        text = render_to_string("notifications/email/reminder.txt", context).strip()
        html = "" if n.digest else render_to_string("notifications/email/reminder.html", context)
    subject_line, _sep, body = text.partition("\n")
    return subject_line.strip()[:200], body.strip(), html


@pytest.fixture
def awkward(org):
    """Staff and a school whose names the templates must escape, and a begeleider known only by username."""
    school = SchoolFactory(board=org.board_a, name='Basisschool "De Brug" & <Zon>', brin="03CC", onderwijssoorten=["bao"])
    people = []
    for role, first, last in ((Role.BEGELEIDER, "Zoë", "O'Brien & <Co>"), (Role.BEGELEIDER, "", ""),
                              (Role.SCHOOLLEIDER, 'Jan "JJ"', "Çelik"), (Role.COMMISSIE, "Anne-Fleur", "Ø")):
        user = member(role, school=school)
        User.objects.filter(pk=user.pk).update(first_name=first, last_name=last)
        people.append(user)
    member(Role.BESTUURDER, board=org.board_a)
    return school


def reminder(school, kind, n, *, due_in, step, escalate="", state="", initials="A.B.", url=None):
    due = TODAY + datetime.timedelta(days=due_in)
    return Reminder.objects.create(
        subject_type="students.student" if kind == "opp_vaststellen" else "opp.plan", subject_id=str(n), kind=kind,
        period=due.isoformat(), step=step, due_on=due, school=school, escalated_to=escalate, sweep_token="t",
        initials=initials, url=url or f"/leerlingen/{n}/?tab=opp&x=1", item_state=state)


def test_shared_rendering_is_byte_identical_to_rendering_each_message_alone(org, personas, awkward):
    school_a = org.school_a
    made = []
    for i, (school, initials) in enumerate([(awkward, "Z.O."), (awkward, "<b>&'"), (school_a, "F.V."),
                                            (school_a, "M.d.J.")]):
        base = 100 * (i + 1)
        made += [
            reminder(school, "opp_vaststellen", base + 1, due_in=14, step="-14", initials=initials),
            reminder(school, "opp_vaststellen", base + 2, due_in=1, step="-7", initials=initials),
            reminder(school, "opp_vaststellen", base + 3, due_in=0, step="0", initials=initials),
            reminder(school, "opp_vaststellen", base + 4, due_in=-1, step="0", initials=initials),
            reminder(school, "opp_vaststellen", base + 5, due_in=-8, step="+7", escalate="schoolleider", initials=initials),
            reminder(school, "opp_vaststellen", base + 6, due_in=-22, step="+21", escalate="schoolleider,bestuurder",
                     initials=initials),
            reminder(school, "opp_vaststellen", base + 7, due_in=-8, step="+7", escalate="schoolleider",
                     state="geen_instemming", initials=initials),
            reminder(school, "evaluatie", base + 8, due_in=120, step="-121", initials=initials),
            reminder(school, "commissie_evaluatie", base + 9, due_in=-3, step="0", escalate="schoolleider",
                     initials=initials),
        ]
    renders = []
    template_rendered.connect(record := lambda sender, template, **kw: renders.append(template.name), weak=False)
    try:
        stats = services.fan_out(today=TODAY)
    finally:
        template_rendered.disconnect(record)
    assert stats["reminders"] == len(made)
    rows = list(Notification.objects.select_related("recipient").order_by("pk"))
    assert len(rows) == stats["notifications"] > 2 * len(made)  # several recipients per reminder
    assert any(n.digest for n in rows) and any(not n.digest for n in rows)
    by_subject = {(r.kind, r.subject_id): r for r in made}
    names = {s.pk: s.name for s in (school_a, awkward)}
    for n in rows:
        r = by_subject[(n.kind.removeprefix("reminder:"), n.subject_id)]
        assert (n.subject_line, n.body_text, n.body_html) == rendered_alone(n, r, names[r.school_id]), n
    # The escaping really happened, and the nameless begeleider is greeted by username, as before.
    assert any("O&#x27;Brien &amp; &lt;Co&gt;" in n.body_text and "O&#x27;Brien &amp; &lt;Co&gt;" in n.body_html
               for n in rows)
    assert any("&lt;b&gt;&amp;&#x27;" in n.subject_line for n in rows)
    nameless = User.objects.get(memberships__school=awkward, first_name="")
    assert any(n.body_text.startswith(f"Beste {nameless.username},") for n in rows if n.recipient == nameless)
    # One rendering per shape (kind, due date, step, escalation, state), not per message: 4 × 9 reminders over
    # 9 shapes.
    assert renders.count("notifications/email/reminder.txt") == 9 < len(rows)

    # And the emails the drain sends are exactly those texts.
    drain(limit=1000)
    sent = sorted((m.to[0], m.subject, m.body, m.alternatives[0][0]) for m in mail.outbox)
    assert sent == sorted((n.to_email, n.subject_line, n.body_text, n.body_html) for n in rows if not n.digest)


def test_a_template_that_prints_more_of_the_recipient_than_the_name_cannot_share_a_rendering(org, personas, settings,
                                                                                            tmp_path):
    (tmp_path / "notifications" / "email").mkdir(parents=True)
    (tmp_path / "notifications" / "email" / "nosy.txt").write_text("Onderwerp\n{{ recipient.email }}")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    message = dict(recipient=personas.begeleider_a, kind="x", template="nosy", context={}, shape=("x",), fill={})
    with pytest.raises(SharedRenderingError, match="'email'"):
        enqueue_many([message])
    # Rendered alone (no shape), the same template is fine.
    assert enqueue_many([{**message, "shape": None}]) == 1
    assert Notification.objects.get().body_text == personas.begeleider_a.email
