"""Parents read first, then decide: the plan, then "Waar stemt u mee in?", then the consent form; the words
explained in plain Dutch (portal.glossary); no version hashes or "Namens" on their screens; the GPO as a link; the
board's response letter of a closed dispute for the parties; and an ended plan that says it ended (R-SET-5)."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from opp import consent_services as cs
from opp.models import Plan
from portal import glossary
from tests.factories import StudentFactory, adopted_plan, parent_of

pytestmark = pytest.mark.clock(datetime.datetime(2026, 10, 20, 10, 0, tzinfo=datetime.UTC))


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(client, student) -> str:
    response = client.get(reverse("portal:child", args=[student.pk]))
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def asked(world, personas):
    world.req_a = cs.request_send(actor=personas.begeleider_a, version=world.version_a)
    return world


# --- Read first, then decide -----------------------------------------------------------------------------------


def test_the_plan_comes_first_then_the_summary_then_the_consent_form(asked):
    html = page(as_user(asked.ouder_a), asked.sanne)
    plan_at = html.index('id="h-version"')
    summary_at = html.index('id="h-summary"')
    form_at = html.index(f'action="{reverse("portal:answer", args=[asked.req_a.pk])}"')
    assert plan_at < summary_at < form_at
    # The summary names every goal of the handelingsdeel, in the plan's order.
    summary = html[summary_at:form_at]
    goals = [a.goal for a in asked.version_a.actions.order_by("position")]
    assert goals and all(goal in summary for goal in goals)
    assert summary.index(goals[0]) < summary.index(goals[-1])
    assert "Waar stemt u mee in?" in summary


def test_no_hashes_and_no_namens_on_the_parents_screen(asked):
    html = page(as_user(asked.ouder_a), asked.sanne)
    asked.req_a.refresh_from_db()
    assert asked.req_a.handelingsdeel_hash and asked.req_a.handelingsdeel_hash not in html
    assert "Namens" not in html
    assert "Wie geeft dit antwoord?" in html


def test_the_glossary_explains_every_term_in_plain_words(asked):
    html = page(as_user(asked.ouder_a), asked.sanne)
    assert "<details" in html and "<dl" in html
    for key in ("handelingsdeel", "uitstroomprofiel", "avi", "dmt", "tiq", "kerndoelen", "vaststellen"):
        assert f'id="woord-{key}"' in html
        assert str(glossary.term(key).explanation) in html
    version_page = as_user(asked.ouder_a).get(reverse("portal:version", args=[asked.version_a.pk])).content.decode()
    assert 'id="woord-handelingsdeel"' in version_page


def test_the_gpo_is_explained_and_linked_once_the_route_to_it_is_open(asked):
    client = as_user(asked.ouder_a)
    assert 'id="woord-gpo"' not in page(client, asked.sanne)  # nothing to dispute yet
    from tests.portal.test_portal_views import consent_post

    consent_post(client, asked.req_a, asked.moeder, "nee")
    html = page(client, asked.sanne)
    assert 'id="woord-gpo"' in html
    assert f'<a href="{glossary.GPO_URL}">onderwijsgeschillen.nl</a>' in html
    assert "cdn" not in glossary.GPO_URL


# --- The board's response letter -------------------------------------------------------------------------------


@pytest.fixture
def closed(asked):
    from tests.portal.test_portal_views import closed_dispute_of

    asked.dispute = closed_dispute_of(asked.version_a)
    return asked


def test_a_party_downloads_the_boards_letter_and_it_is_audited(closed):
    client = as_user(closed.ouder_a)
    url = reverse("portal:dispute_letter", args=[closed.dispute.pk])
    assert f'href="{url}"' in page(client, closed.sanne)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response).startswith(b"%PDF")
    event = AuditEvent.objects.get(actor=closed.ouder_a, action="export", object_type="disputes.dispute")
    assert event.object_id == str(closed.dispute.pk) and event.details["file"] == "reactiebrief"


def test_a_guardian_without_gezag_gets_no_letter(closed):
    client = as_user(closed.stief_a)
    url = reverse("portal:dispute_letter", args=[closed.dispute.pk])
    assert f'href="{url}"' not in page(client, closed.sanne)
    assert client.get(url).status_code == 403
    assert not AuditEvent.objects.filter(action="export", object_type="disputes.dispute").exists()


def test_an_open_dispute_has_no_letter_yet(closed):
    from disputes.models import Dispute

    Dispute.objects.filter(pk=closed.dispute.pk).update(state="reactie_verzonden")
    client = as_user(closed.ouder_a)
    url = reverse("portal:dispute_letter", args=[closed.dispute.pk])
    assert f'href="{url}"' not in page(client, closed.sanne)
    assert client.get(url).status_code == 404


def test_another_parent_cannot_reach_the_letter(closed):
    assert as_user(closed.ouder_b).get(reverse("portal:dispute_letter", args=[closed.dispute.pk])).status_code == 404


# --- An ended plan (R-SET-5) -------------------------------------------------------------------------------------


@pytest.fixture
def devries(world, org, personas):
    """A pupil whose OPP was adopted and later ended after an evaluation (the demo's ouder.devries)."""
    pupil = StudentFactory(school=org.school_a, first_name="Daan", last_name="de Vries")
    parent = parent_of(pupil, name="Eva de Vries", username="ouder_devries")
    version = adopted_plan(pupil, by=personas.begeleider_a,
                           at=datetime.datetime(2025, 11, 3, 10, 0, tzinfo=datetime.UTC))
    return pupil, parent.user, version.plan


def test_an_ended_plan_says_it_ended_and_when_without_a_gpo_deadline(devries):
    pupil, user, plan = devries
    client = as_user(user)
    before = page(client, pupil)
    assert "Het OPP is vastgesteld" in before and "Geschillencommissie" in before  # the banner this test is about

    Plan.objects.filter(pk=plan.pk).update(state="beeindigd", ended_on=datetime.date(2026, 7, 10),
                                           end_reason="Doelen behaald.")
    html = page(client, pupil)
    assert "Het OPP is beëindigd" in html and "10 juli 2026" in html
    assert "Het OPP is vastgesteld" not in html
    assert "Geschillencommissie" not in html and "tot en met" not in html
    assert "Reactie versturen" not in html.split('id="h-evaluaties"')[0]

    home = as_user(user).get(reverse("portal:home")).content.decode()
    assert "Er is geen lopend OPP. Het OPP is op 10 juli 2026 beëindigd." in home
    assert "OPP versie 1: vastgesteld" not in home


def test_a_withdrawn_plan_is_not_the_current_opp_on_the_home_page(devries):
    pupil, user, plan = devries
    Plan.objects.filter(pk=plan.pk).update(state="ingetrokken", ended_on=datetime.date(2026, 7, 10))
    home = as_user(user).get(reverse("portal:home")).content.decode()
    assert "Het OPP is op 10 juli 2026 ingetrokken." in home
    html = page(as_user(user), pupil)
    assert "Het OPP is ingetrokken" in html and "tot en met" not in html
