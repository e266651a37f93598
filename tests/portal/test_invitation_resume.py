"""An invitation stays valid until the account exists: a parent who stops at the password form comes back through
the same emailed link and finishes. Still single use (spent when the account is made or linked), still expiring,
and the token never in an address after the landing page."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from audit.models import AuditEvent
from portal import services
from portal.models import Invitation
from students.models import Guardian
from tests.factories import StudentFactory
from tests.portal.test_invitations import (
    ACCOUNT_URL,
    NOW,
    STRONG,
    as_user,
    exchange,
    invite,
    latest_token,
    set_password,
)

pytestmark = pytest.mark.clock(NOW)


@pytest.fixture
def invited(world, personas):
    assert invite(as_user(personas.begeleider_a), world.sanne, world.vader).status_code == 302
    world.token = latest_token()
    return world


def test_a_parent_who_left_at_the_password_form_comes_back_through_the_same_link(invited, clock):
    first = Client()
    landing = first.get(reverse("portal:invitation_landing", args=[invited.token]))
    assert landing.status_code == 200
    assert exchange(first, invited.token)["Location"] == ACCOUNT_URL
    weak = set_password(first, "qwerty123456")  # refused; then the phone locks and the tab is gone
    assert weak.status_code == 200
    assert Invitation.objects.get().used_at is None

    clock.move_to(NOW + datetime.timedelta(days=2))
    later = Client()  # a new session, through the same emailed link
    assert later.get(reverse("portal:invitation_landing", args=[invited.token])).status_code == 200
    response = exchange(later, invited.token)
    assert response.status_code == 302 and response["Location"] == ACCOUNT_URL
    assert invited.token not in response["Location"]
    assert later.get(ACCOUNT_URL).status_code == 200
    done = set_password(later)
    assert done.status_code == 302 and done["Location"] == reverse("portal:home")

    user = User.objects.get(username="pieter@example.nl")
    assert Guardian.objects.get(pk=invited.vader.pk).user == user
    invitation = Invitation.objects.get()
    assert invitation.accepted_user == user and invitation.used_at == NOW + datetime.timedelta(days=2)


def test_a_weak_password_keeps_the_typed_names_but_not_the_password(invited):
    client = Client()
    exchange(client, invited.token)
    html = client.post(ACCOUNT_URL, {"first_name": "Pieter", "last_name": "Jansen-de Boer",
                                     "password1": "qwerty123456", "password2": "qwerty123456"}).content.decode()
    assert "Dit wachtwoord is te algemeen." in html
    assert 'value="Pieter"' in html and 'value="Jansen-de Boer"' in html
    assert "qwerty123456" not in html


def test_after_the_account_exists_the_link_is_spent_everywhere(invited):
    first, second = Client(), Client()
    exchange(first, invited.token)
    exchange(second, invited.token)  # a second tab (or device) also got to the form
    assert set_password(first).status_code == 302
    # The other session cannot make a second account with the same invitation.
    refused = set_password(second, "Andere-Zonnebloem-99")
    assert refused.status_code == 410 and "al gebruikt" in refused.content.decode()
    assert User.objects.filter(username="pieter@example.nl").count() == 1
    assert "al gebruikt" in exchange(Client(), invited.token).content.decode()


def test_accept_spends_the_invitation_only_once(invited):
    """Two requests racing: the second accept finds the invitation spent, even holding a stale copy of it."""
    invitation = Invitation.objects.get()
    stale = Invitation.objects.get()
    services.accept(invitation=invitation, password=STRONG)
    with pytest.raises(services.InvitationProblem) as exc:
        services.accept(invitation=stale, password=STRONG)
    assert exc.value.problem == "used"
    assert User.objects.filter(username="pieter@example.nl").count() == 1


def test_a_refused_password_does_not_spend_the_invitation(invited):
    with pytest.raises(services.ValidationError):
        services.accept(invitation=Invitation.objects.get(), password="qwerty123456")
    assert Invitation.objects.get().used_at is None


def test_an_expired_link_is_refused_also_in_a_session_that_exchanged_it_before(invited, clock):
    clock.move_to(NOW + datetime.timedelta(days=7, minutes=-30))
    client = Client()
    assert exchange(client, invited.token)["Location"] == ACCOUNT_URL
    clock.move_to(NOW + datetime.timedelta(days=7, minutes=1))  # the session still lives; the invitation not
    response = set_password(client)
    assert response.status_code == 410 and "verlopen" in response.content.decode()
    assert exchange(Client(), invited.token).status_code == 410
    assert not User.objects.filter(username="pieter@example.nl").exists()
    assert Invitation.objects.get().used_at is None


def test_the_audit_rows_name_the_exchange_and_the_acceptance(invited):
    client = Client()
    exchange(client, invited.token)
    set_password(client)
    invitation = Invitation.objects.get()
    rows = AuditEvent.objects.filter(object_type="portal.invitation", object_id=str(invitation.pk)).order_by("pk")
    details = [r.details for r in rows]
    assert {"exchanged": True} in details and {"accepted": True} in details
    assert not any(invited.token in str(r.details) for r in AuditEvent.objects.all())


def test_the_adult_pupils_invitation_speaks_of_her_own_opp(world, org):
    noor = StudentFactory(school=org.school_a2, first_name="Noor", last_name="Visser", handelingsbekwaam=True,
                          date_of_birth=datetime.date(2007, 1, 5), consent_party="leerling")
    as_user(world.begeleider_a2).post(reverse("students:invite_pupil", args=[noor.pk]), {"email": "noor@example.nl"})
    html = Client().get(reverse("portal:invitation_landing", args=[latest_token()])).content.decode()
    assert "uw eigen ontwikkelingsperspectief" in html
    assert "van uw kind" not in html and "ouderportaal" not in html


def test_a_guardians_invitation_still_speaks_of_the_child(invited):
    html = Client().get(reverse("portal:invitation_landing", args=[invited.token])).content.decode()
    assert "van uw kind" in html


def test_the_account_page_of_a_lost_session_says_to_open_the_link_again(invited):
    response = Client().get(ACCOUNT_URL)
    assert response.status_code == 410
    assert "Open de link in de e-mail opnieuw" in response.content.decode()
