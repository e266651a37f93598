"""The parent portal (issue 6): own children only, no staff notes, reacting, explicit consent, audit.

Cast (tests.factories.portal_world): Sanne Jansen (moeder ``ouder_a``, vader without account, stepfather
``stief_a`` without gezag), Bram Bakker (``ouder_b``) and the adult vso pupil Lotte Horizon (``leerling_c``;
her moeder ``ouder_c`` is not informed).
"""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from audit.models import AuditEvent
from notifications.models import Notification
from opp import consent_services as cs
from opp.models import ConsentAnswer, ConsentRequest, PlanVersion, Reaction
from portal import urls as portal_urls
from students.models import Student
from tests.conftest import PASSWORD
from tests.factories import parent_of

INTERNAL = "INTERN-7731"
GPO = ("Geschillencommissie passend onderwijs", "kosteloos", "geen advocaat")
SCRIPT = "<script>alert('x')</script><b>vet</b>"
WRONG_PASSWORD = "Het wachtwoord klopt niet"


@pytest.fixture
def asked(world, personas):
    """Consent asked for Sanne's and Bram's handelingsdeel."""
    world.req_a = cs.request_send(actor=personas.begeleider_a, version=world.version_a)
    world.req_b = cs.request_send(actor=personas.begeleider_a, version=world.version_b)
    return world


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def html_of(response) -> str:
    return response.content.decode()


def goal_of(version) -> str:
    return version.actions.order_by("position").first().goal


def consent_post(client, req, party, answer="ja", password=PASSWORD, **extra):
    kind = "pupil" if party.__class__.__name__ == "Student" else "guardian"
    return client.post(reverse("portal:answer", args=[req.pk]),
                       {"party": f"{kind}:{party.pk}", "answer": answer, "explanation": "", "password": password},
                       **extra)


# --- Every portal URL of another pupil is a 404 ---------------------------------------------------------------

PER_PUPIL = ["child", "version", "react", "answer", "version_pdf", "evaluation_react", "evaluation_pdf", "inzage",
             "dispute_letter", "bekendmaking_letter"]
#: Own-family URLs that answer 403 in this world, and why (another test covers their 200).
NOT_YET = {"bekendmaking_letter": "version 1 is in overleg, so no party was told yet; "
                                  "tests/portal/test_bekendmaking_letter.py downloads a told party's letter"}


def evaluation_of(version):
    """An evaluation row of the version's plan (issue 8's portal URLs), made directly: the sweep needs a pk."""
    import datetime

    from evaluations.models import Evaluation

    return Evaluation.objects.get_or_create(
        plan=version.plan, version=version, defaults={
            "school_year": "2026-2027", "held_on": datetime.date(2026, 10, 1), "conclusion": "Het gaat goed.",
            "decision": "voortzetten", "created_by": version.created_by})[0]


def closed_dispute_of(version):
    """A closed dispute about the version's plan with the board's response recorded (the response letter exists)."""
    import datetime

    from disputes.models import Dispute

    d = datetime.date(2026, 10, 1)
    return Dispute.objects.get_or_create(
        plan=version.plan, version=version, defaults={
            "subject": "vaststelling", "state": "gesloten", "filed_on": d, "advice": "ongegrond", "advice_on": d,
            "response": "volgt", "response_sent_parents_on": d, "response_sent_commission_on": d, "closed_on": d,
            "created_by": version.created_by})[0]


def portal_requests(w, family):
    """name → (method, url, data) for one family's pupil: Sanne ("a") or Bram ("b")."""
    student, version, req, party = {
        "a": (w.sanne, w.version_a, w.req_a, w.moeder), "b": (w.bram, w.version_b, w.req_b, w.vader_b)}[family]
    evaluation = evaluation_of(version)
    return {
        "evaluation_react": ("POST", reverse("portal:evaluation_react", args=[evaluation.pk]), {"text": "Ingebroken reactie"}),
        "evaluation_pdf": ("GET", reverse("portal:evaluation_pdf", args=[evaluation.pk]), None),
        "dispute_letter": ("GET", reverse("portal:dispute_letter", args=[closed_dispute_of(version).pk]), None),
        "child": ("GET", reverse("portal:child", args=[student.pk]), None),
        "inzage": ("POST", reverse("portal:inzage", args=[student.pk]), {}),
        "version": ("GET", reverse("portal:version", args=[version.pk]), None),
        "version_pdf": ("GET", reverse("portal:version_pdf", args=[version.pk]), None),
        "bekendmaking_letter": ("GET", reverse("portal:bekendmaking_letter", args=[version.pk]), None),
        "react": ("POST", reverse("portal:react", args=[version.pk]), {"text": "Ingebroken reactie"}),
        "answer": ("POST", reverse("portal:answer", args=[req.pk]),
                   {"party": f"guardian:{party.pk}", "answer": "nee", "password": PASSWORD}),
    }


def test_the_sweep_covers_every_per_pupil_portal_url():
    names = {p.name for p in portal_urls.urlpatterns if "<int:pk>" in str(p.pattern)}
    assert names == set(PER_PUPIL)


@pytest.mark.parametrize("name", PER_PUPIL)
@pytest.mark.parametrize(("intruder", "family"), [
    ("ouder_b", "a"), ("ouder_a", "b"), ("ouder_c", "a"), ("leerling_c", "b"),
])
def test_a_parent_gets_404_on_every_url_of_another_pupil(asked, name, intruder, family):
    method, url, data = portal_requests(asked, family)[name]
    client = as_user(getattr(asked, intruder))
    response = client.post(url, data) if method == "POST" else client.get(url)
    assert response.status_code == 404
    assert "Sanne" not in html_of(response) and "Bram" not in html_of(response)
    assert not Reaction.objects.exists()
    assert not ConsentAnswer.objects.exists()
    from evaluations.models import EvaluationReaction

    assert not EvaluationReaction.objects.exists()


@pytest.mark.parametrize("name", PER_PUPIL)
def test_own_family_reaches_the_same_urls(asked, name):
    method, url, data = portal_requests(asked, "a")[name]
    client = as_user(asked.ouder_a)
    response = client.post(url, data) if method == "POST" else client.get(url)
    assert response.status_code in ((403,) if name in NOT_YET else (200, 302))


def test_a_parent_sees_only_their_own_children(asked):
    client = as_user(asked.ouder_a)
    home = html_of(client.get(reverse("portal:home")))
    assert "Sanne Jansen" in home
    assert "Bram" not in home and "Lotte" not in home

    child = html_of(client.get(reverse("portal:child", args=[asked.sanne.pk])))
    assert "Sanne Jansen" in child and goal_of(asked.version_a) in child
    assert goal_of(asked.version_b) not in child

    version = client.get(reverse("portal:version", args=[asked.version_a.pk]))
    assert version.status_code == 200 and goal_of(asked.version_a) in html_of(version)


def test_a_parent_at_two_schools_sees_both_children_and_nothing_else(asked, org):
    # The same person is two guardian rows (one per school) with one portal account.
    lotte_mother = asked.moeder_c
    second = parent_of(asked.bram, name="Carla Horizon")
    second.user = lotte_mother.user
    second.save()
    home = html_of(as_user(asked.ouder_c).get(reverse("portal:home")))
    assert "Bram Bakker" in home
    assert "Lotte" not in home and "Sanne" not in home  # Lotte consents alone and did not inform her parents


# --- Staff URLs are closed to portal users -------------------------------------------------------------------


def staff_urls(w):
    return {
        "students:list": reverse("students:list"),
        "students:detail": reverse("students:detail", args=[w.sanne.pk]),
        "opp:plan": reverse("opp:plan", args=[w.version_a.plan_id]),
        "opp:version": reverse("opp:version", args=[w.version_a.pk]),
        "opp:consent_paper": reverse("opp:consent_paper", args=[w.req_a.pk]),
        "staff_start": reverse("staff_start"),
    }


@pytest.mark.parametrize("name", ["students:list", "students:detail", "opp:plan", "opp:version", "opp:consent_paper",
                                  "staff_start"])
@pytest.mark.parametrize("who", ["ouder_a", "leerling_c", "stief_a"])
def test_staff_urls_are_closed_to_portal_users(asked, name, who):
    response = as_user(getattr(asked, who)).get(staff_urls(asked)[name])
    assert response.status_code in (302, 403, 404)
    if response.status_code == 302:
        assert response["Location"] in (reverse("home"), reverse("portal:home"))
    assert "Sanne" not in html_of(response) and INTERNAL not in html_of(response)


def test_a_staff_member_who_is_also_a_parent_does_not_mix_the_two(asked, personas):
    # begeleider_b works at school B and is Sanne's aunt with a portal link at school A.
    guardian = parent_of(asked.sanne, name="Tante Jansen", has_gezag=False)
    guardian.user = personas.begeleider_b
    guardian.save()
    client = as_user(personas.begeleider_b)
    assert client.get(reverse("portal:child", args=[asked.sanne.pk])).status_code == 200
    assert client.get(reverse("students:detail", args=[asked.sanne.pk])).status_code == 404
    assert client.get(reverse("opp:plan", args=[asked.version_a.plan_id])).status_code == 404


# --- What parents see and do not see -----------------------------------------------------------------------------


def test_a_concept_version_is_never_shown_to_parents(world, personas):
    PlanVersion.objects.filter(pk=world.version_b.pk).update(state="concept")
    client = as_user(world.ouder_b)
    assert client.get(reverse("portal:version", args=[world.version_b.pk])).status_code == 404
    child = html_of(client.get(reverse("portal:child", args=[world.bram.pk])))
    assert "Er is nog geen OPP dat u kunt bekijken" in child
    assert goal_of(world.version_b) not in child
    assert client.post(reverse("portal:react", args=[world.version_b.pk]), {"text": "Alvast"}).status_code == 404
    assert not Reaction.objects.exists()


def test_the_staff_only_note_never_reaches_the_portal(asked, personas):
    staff_html = html_of(as_user(personas.begeleider_a).get(reverse("opp:plan", args=[asked.version_a.plan_id])))
    assert INTERNAL in staff_html  # the marker is real: staff see it
    client = as_user(asked.ouder_a)
    for url in (reverse("portal:home"), reverse("portal:child", args=[asked.sanne.pk]),
                reverse("portal:version", args=[asked.version_a.pk])):
        html = html_of(client.get(url))
        assert INTERNAL not in html and "thuissituatie" not in html
    child = html_of(client.get(reverse("portal:child", args=[asked.sanne.pk])))
    assert "Besproken: extra leestijd." in child  # the summary is for the parents


# --- A guardian without gezag ----------------------------------------------------------------------------------


def test_a_guardian_without_gezag_reads_and_reacts_but_cannot_consent(asked):
    client = as_user(asked.stief_a)
    child = client.get(reverse("portal:child", args=[asked.sanne.pk]))
    html = html_of(child)
    assert child.status_code == 200 and goal_of(asked.version_a) in html
    assert reverse("portal:answer", args=[asked.req_a.pk]) not in html and 'name="password"' not in html
    assert reverse("portal:react", args=[asked.version_a.pk]) in html

    response = client.post(reverse("portal:react", args=[asked.version_a.pk]), {"text": "Ik lees graag mee."})
    assert response.status_code == 302
    assert Reaction.objects.get().author == asked.stief_a

    for party in (asked.stief, asked.moeder):  # himself (no gezag) or forging the mother's id
        response = consent_post(client, asked.req_a, party)
        assert response.status_code == 404 or "nog niet vastgelegd" in html_of(response)
    assert not ConsentAnswer.objects.exists()
    assert ConsentRequest.objects.get(pk=asked.req_a.pk).state == "open"


# --- The adult pupil who consents alone (R-TIME-4) ------------------------------------------------------------


def test_an_adult_pupil_consents_alone_and_her_parents_see_nothing(world, personas):
    req = cs.request_send(actor=world.begeleider_a2, version=world.version_c)
    assert [(p["kind"], p["id"]) for p in req.parties] == [("pupil", world.lotte.pk)]

    mother = as_user(world.ouder_c)
    assert "Lotte" not in html_of(mother.get(reverse("portal:home")))
    assert mother.get(reverse("portal:child", args=[world.lotte.pk])).status_code == 404
    assert mother.get(reverse("portal:version", args=[world.version_c.pk])).status_code == 404
    assert consent_post(mother, req, world.moeder_c).status_code == 404

    lotte = as_user(world.leerling_c)
    assert "Lotte Horizon" in html_of(lotte.get(reverse("portal:home")))
    page = html_of(lotte.get(reverse("portal:child", args=[world.lotte.pk])))
    assert reverse("portal:answer", args=[req.pk]) in page and "Lotte Horizon" in page
    response = consent_post(lotte, req, world.lotte, REMOTE_ADDR="192.0.2.44")
    assert response.status_code == 302
    row = ConsentAnswer.objects.get()
    assert (row.pupil, row.guardian, row.user, row.channel) == (world.lotte, None, world.leerling_c, "portaal")
    assert ConsentRequest.objects.get(pk=req.pk).state == "gegeven"
    assert "Er is ingestemd met het handelingsdeel" in html_of(lotte.get(reverse("portal:child", args=[world.lotte.pk])))


def test_when_the_adult_pupil_allows_it_her_parents_may_read(world):
    world.lotte.parents_informed = True
    world.lotte.save()
    mother = as_user(world.ouder_c)
    page = html_of(mother.get(reverse("portal:child", args=[world.lotte.pk])))
    assert "Lotte Horizon" in page and 'name="password"' not in page  # informed, but no consent party


# --- Reactions (R-CONSENT-1) ----------------------------------------------------------------------------------


def test_a_reaction_reaches_the_begeleider_and_the_response_reaches_the_parent(asked, personas):
    parent = as_user(asked.ouder_a)
    text = "Kan het duolezen ook thuis?"
    response = parent.post(reverse("portal:react", args=[asked.version_a.pk]), {"text": text})
    assert response.status_code == 302 and response["Location"] == reverse("portal:child", args=[asked.sanne.pk])
    staff_mail = Notification.objects.get(kind="reaction_new")
    assert staff_mail.recipient == personas.begeleider_a and text not in staff_mail.body_text

    staff = as_user(personas.begeleider_a)
    plan_url = reverse("opp:plan", args=[asked.version_a.plan_id])
    plan_html = html_of(staff.get(plan_url))
    assert text in plan_html and "Mirjam Jansen" in plan_html
    reaction = Reaction.objects.get()
    answer = "Ja, we geven een leeskaart mee naar huis."
    assert staff.post(reverse("opp:reaction_respond", args=[reaction.pk]), {"response": answer})["Location"] == plan_url

    child = html_of(parent.get(reverse("portal:child", args=[asked.sanne.pk])))
    assert text in child and answer in child
    mail = Notification.objects.get(kind="reaction_response")
    assert mail.recipient == asked.ouder_a
    assert "Sanne" in mail.subject_line + mail.body_text and "Jansen" not in mail.subject_line + mail.body_text
    assert answer not in mail.body_text


def test_another_schools_begeleider_cannot_respond(asked, personas):
    as_user(asked.ouder_a).post(reverse("portal:react", args=[asked.version_a.pk]), {"text": "Vraag"})
    reaction = Reaction.objects.get()
    response = as_user(personas.begeleider_b).post(reverse("opp:reaction_respond", args=[reaction.pk]),
                                                   {"response": "Overgenomen"})
    assert response.status_code == 404
    assert Reaction.objects.get().response == ""
    assert not Notification.objects.filter(kind="reaction_response").exists()


def test_html_in_a_reaction_is_shown_escaped(asked, personas):
    parent = as_user(asked.ouder_a)
    parent.post(reverse("portal:react", args=[asked.version_a.pk]), {"text": SCRIPT})
    for html in (html_of(parent.get(reverse("portal:child", args=[asked.sanne.pk]))),
                 html_of(as_user(personas.begeleider_a).get(reverse("opp:plan", args=[asked.version_a.plan_id])))):
        assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;&lt;b&gt;vet&lt;/b&gt;" in html
        assert "<script>alert" not in html and "<b>vet</b>" not in html


# --- Consent through the portal --------------------------------------------------------------------------------


def test_consent_needs_the_password_again(asked):
    client = as_user(asked.ouder_a)
    page = html_of(client.get(reverse("portal:child", args=[asked.sanne.pk])))
    assert 'name="password"' in page and "Ik stem in" in page and "Ik stem niet in" in page

    wrong = consent_post(client, asked.req_a, asked.moeder, password="not-my-password-1", REMOTE_ADDR="203.0.113.9")
    assert wrong.status_code == 200 and WRONG_PASSWORD in html_of(wrong)
    assert not ConsentAnswer.objects.exists()

    right = consent_post(client, asked.req_a, asked.moeder, REMOTE_ADDR="203.0.113.9")
    assert right.status_code == 302
    row = ConsentAnswer.objects.get()
    assert (row.guardian, row.user, row.ip_address, row.channel) == (asked.moeder, asked.ouder_a, "203.0.113.9", "portaal")
    follow = html_of(client.get(right["Location"]))
    assert "Uw instemming is vastgelegd" in follow
    assert 'name="password"' not in follow  # answered: no form any more


def test_a_forged_party_in_the_portal_form_records_nothing(asked):
    client = as_user(asked.ouder_a)
    response = consent_post(client, asked.req_a, asked.vader)  # the father has no account; the mother tries his id
    assert response.status_code == 404 or "nog niet vastgelegd" in html_of(response)
    assert not ConsentAnswer.objects.exists()


def test_double_submit_from_two_tabs_records_one_answer(asked):
    client = as_user(asked.ouder_a)
    assert consent_post(client, asked.req_a, asked.moeder, "ja").status_code == 302
    second = consent_post(client, asked.req_a, asked.moeder, "nee", follow=True)
    assert "al beantwoord" in html_of(second)
    assert ConsentAnswer.objects.get().answer == "ja"


def test_every_read_and_every_consent_is_audited(asked):
    client = as_user(asked.ouder_a)

    def views():
        return AuditEvent.objects.filter(actor=asked.ouder_a, action="view", object_type="opp.planversion",
                                         object_id=str(asked.version_a.pk)).count()

    client.get(reverse("portal:child", args=[asked.sanne.pk]))
    assert views() == 1
    client.get(reverse("portal:version", args=[asked.version_a.pk]))
    client.get(reverse("portal:child", args=[asked.sanne.pk]))
    assert views() == 3

    consent_post(client, asked.req_a, asked.moeder, REMOTE_ADDR="203.0.113.9")
    row = ConsentAnswer.objects.get()
    event = AuditEvent.objects.get(actor=asked.ouder_a, action="create", object_type="opp.consentanswer")
    assert event.object_id == str(row.pk) and event.school == asked.sanne.school
    assert event.details == {"answer": "ja", "channel": "portaal"}  # facts only, never what was typed


def test_after_a_refusal_the_portal_points_to_the_gpo(asked):
    client = as_user(asked.ouder_a)
    before = html_of(client.get(reverse("portal:child", args=[asked.sanne.pk])))
    assert not any(text in before for text in GPO)

    consent_post(client, asked.req_a, asked.moeder, "nee")
    after = html_of(client.get(reverse("portal:child", args=[asked.sanne.pk])))
    assert "geen instemming gegeven" in after
    for text in GPO:
        assert text in after
    # The other parent sees the same: the way to the GPO is open to the parents, not only to who refused.
    asked.vader.user = User.objects.create_user("pieter@example.nl", password=PASSWORD)
    asked.vader.save()
    other = html_of(as_user(asked.vader.user).get(reverse("portal:child", args=[asked.sanne.pk])))
    assert all(text in other for text in GPO)


def test_a_reaction_from_an_adult_pupil_is_signed_with_her_name(world, personas):
    client = as_user(world.leerling_c)
    client.post(reverse("portal:react", args=[world.version_c.pk]), {"text": "Ik wil stage lopen."})
    assert Reaction.objects.get().author_name == "Lotte Horizon"
    assert Notification.objects.get(kind="reaction_new").recipient == world.begeleider_a2


def test_the_portal_speaks_to_the_adult_pupil_about_their_own_opp(world):
    """Issue 18.6: the adult pupil read "Mijn kinderen … het OPP van uw kind"."""
    pupil_home = as_user(world.leerling_c).get(reverse("portal:home")).content.decode()
    assert "Mijn OPP" in pupil_home and "uw ontwikkelingsperspectief" in pupil_home
    assert "Mijn kinderen" not in pupil_home and "van uw kind" not in pupil_home
    child_page = as_user(world.leerling_c).get(reverse("portal:child", args=[world.lotte.pk])).content.decode()
    assert "Mijn kinderen" not in child_page
    parent_home = as_user(world.ouder_a).get(reverse("portal:home")).content.decode()
    assert "Mijn kinderen" in parent_home and "van uw kind" in parent_home


def test_an_adult_pupil_who_is_also_a_parent_reads_both(world):
    Student.objects.filter(pk=world.lotte.pk).update(portal_user=world.ouder_a)
    html = as_user(world.ouder_a).get(reverse("portal:home")).content.decode()
    assert "Mijn OPP en mijn kinderen" in html
