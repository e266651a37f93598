"""Invitations you can follow: the invite form fills in the name the school has on record, the pupil page shows per
guardian "uitgenodigd op … / nog niet geaccepteerd" or "account actief sinds …", and a pending invitation gets a
"Herinnering sturen" button (a fresh link; the old one stops working; rate-limited; audited)."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from notifications.models import Notification
from portal import pupil_panel
from portal.models import Invitation
from tests.factories import parent_of
from tests.portal.test_invitations import (
    ACCOUNT_URL,
    NOW,
    as_user,
    exchange,
    invite,
    invite_url,
    latest_token,
    set_password,
)

pytestmark = pytest.mark.clock(NOW)


def detail(client, student) -> str:
    response = client.get(reverse("students:detail", args=[student.pk]))
    assert response.status_code == 200
    return response.content.decode()


def panel_of(html: str) -> str:
    start = html.index('id="portaal-uitnodigingen"')
    return html[start:html.index("</section>", start)]


def remind_url(student, invitation):
    return reverse("students:invitation_remind", args=[student.pk, invitation.pk])


@pytest.fixture
def invited(world, personas):
    assert invite(as_user(personas.begeleider_a), world.sanne, world.vader).status_code == 302
    world.token = latest_token()
    world.invitation = Invitation.objects.get()
    return world


# --- The name, filled in ------------------------------------------------------------------------------------------


def test_the_invite_form_fills_in_the_guardians_name_and_address(world, personas):
    world.vader.email = "pieter.jansen@example.nl"
    world.vader.save()
    html = as_user(personas.begeleider_a).get(invite_url(world.sanne, world.vader)).content.decode()
    assert 'name="name"' in html and 'value="Pieter Jansen"' in html
    assert 'value="pieter.jansen@example.nl"' in html


def test_the_name_on_the_invitation_fills_in_the_account_form(world, personas):
    as_user(personas.begeleider_a).post(invite_url(world.sanne, world.vader),
                                        {"name": "Pieter de Jansen", "email": "pieter@example.nl"})
    assert Invitation.objects.get().name == "Pieter de Jansen"
    client = Client()
    exchange(client, latest_token())
    html = client.get(ACCOUNT_URL).content.decode()
    assert 'value="Pieter"' in html and 'value="de Jansen"' in html


# --- The pupil page ------------------------------------------------------------------------------------------------


def test_the_pupil_page_shows_not_invited_then_pending_then_active(world, personas, clock):
    client = as_user(personas.begeleider_a)
    panel = panel_of(detail(client, world.sanne))
    assert "Pieter Jansen" in panel and "nog niet uitgenodigd" in panel

    invite(client, world.sanne, world.vader)
    panel = panel_of(detail(client, world.sanne))
    assert "uitgenodigd op 25 september 2026" in panel and "nog niet geaccepteerd" in panel
    invitation = Invitation.objects.get()
    assert f'action="{remind_url(world.sanne, invitation)}"' in panel and "Herinnering sturen" in panel

    clock.move_to(NOW + datetime.timedelta(days=3))
    parent = Client()
    exchange(parent, latest_token())
    set_password(parent)
    panel = panel_of(detail(as_user(personas.begeleider_a), world.sanne))  # a new day, a new staff session
    assert "account actief sinds 28 september 2026" in panel
    assert "Herinnering sturen" not in panel.split("Pieter Jansen")[1].split("</li>")[0]


def test_a_leerkracht_sees_the_state_but_no_reminder_button(invited, personas):
    panel = panel_of(detail(as_user(personas.leerkracht_a), invited.sanne))
    assert "nog niet geaccepteerd" in panel and "Herinnering sturen" not in panel


def test_the_panel_takes_the_same_queries_for_one_or_five_guardians(invited, personas, django_assert_max_num_queries):
    for n in range(4):
        parent_of(invited.sanne, name=f"Extra Ouder {n}", email=f"extra{n}@example.nl")
    with django_assert_max_num_queries(3):
        rows = pupil_panel.parts(invited.sanne, personas.begeleider_a)[0][1]["rows"]
    assert len(rows) == 7  # moeder, vader, stiefvader and four more


# --- The reminder --------------------------------------------------------------------------------------------------


def test_a_reminder_sends_a_fresh_link_and_the_old_one_stops(invited, personas):
    old = invited.token
    response = as_user(personas.begeleider_a).post(remind_url(invited.sanne, invited.invitation))
    assert response.status_code == 302
    assert response["Location"] == reverse("students:detail", args=[invited.sanne.pk]) + "#portaal-uitnodigingen"
    assert Notification.objects.filter(kind="invitation").count() == 2
    new = latest_token()
    assert new != old
    assert "ingetrokken" in exchange(Client(), old).content.decode()
    assert exchange(Client(), new)["Location"] == ACCOUNT_URL

    newer = Invitation.objects.get(revoked_at__isnull=True)
    assert newer.email == invited.invitation.email and newer.expires_at == NOW + datetime.timedelta(days=7)
    event = AuditEvent.objects.get(actor=personas.begeleider_a, action="create", object_id=str(newer.pk),
                                   object_type="portal.invitation")
    assert event.details == {"for": "guardian", "reminder": True, "replaces": invited.invitation.pk}
    assert old not in str(event.details) and new not in str(event.details)


def test_no_reminder_after_the_account_exists(invited, personas):
    parent = Client()
    exchange(parent, invited.token)
    set_password(parent)
    client = as_user(personas.begeleider_a)
    response = client.post(remind_url(invited.sanne, invited.invitation), follow=True)
    assert "Deze uitnodiging is al geaccepteerd" in response.content.decode()
    assert Notification.objects.filter(kind="invitation").count() == 1


def test_who_may_send_a_reminder(invited, personas, world):
    url = remind_url(invited.sanne, invited.invitation)
    assert as_user(personas.leerkracht_a).post(url).status_code == 403
    assert as_user(personas.begeleider_b).post(url).status_code == 404
    # An invitation of Sanne's vader, through another pupil's address: 404.
    assert as_user(personas.begeleider_a).post(remind_url(world.bram, invited.invitation)).status_code == 404
    assert as_user(personas.begeleider_a).get(url).status_code == 405
    assert Notification.objects.filter(kind="invitation").count() == 1


def test_reminders_are_limited_per_invited_address(invited, personas, settings):
    settings.OPP_RATELIMIT_INVITATION_EMAIL = "2/15m"
    client = as_user(personas.begeleider_a)
    for _n in range(2):
        pending = Invitation.objects.get(revoked_at__isnull=True)
        assert client.post(remind_url(invited.sanne, pending)).status_code == 302
    pending = Invitation.objects.get(revoked_at__isnull=True)
    refused = client.post(remind_url(invited.sanne, pending))
    assert refused.status_code == 429
    assert Notification.objects.filter(kind="invitation").count() == 3
