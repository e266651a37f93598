"""The custom admin at /beheer/: beheerders manage their own board's accounts and schools, nothing else."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import Membership, Role, School, User
from audit import log as audit
from audit.models import AuditEvent

ADMIN_INDEX = reverse("admin:index")
ADMIN_LOGIN = reverse("admin:login")
#: What a beheerder may find in the admin. Pupil data (students, plans, ...) must never appear here.
# LeadTime: an SWV's request lead time (swv.admin), beside the SWVs themselves; no pupil data.
ALLOWED_ADMIN_MODELS = {"Board", "Samenwerkingsverband", "LeadTime", "School", "Membership", "User"}


@pytest.fixture
def beheerder(personas, client):
    client.force_login(personas.beheerder_a)
    return client


def _admin_models(response):
    return {m["object_name"] for app in response.context["app_list"] for m in app["models"]}


# --- Who gets in --------------------------------------------------------------------------------


def test_beheerder_opens_admin_and_sees_only_account_models(beheerder):
    response = beheerder.get(ADMIN_INDEX)
    assert response.status_code == 200
    assert "OPP-portaal – beheer" in response.content.decode()
    models = _admin_models(response)
    assert models, "the beheerder sees no models at all"
    assert models <= ALLOWED_ADMIN_MODELS, f"beheerder sees {models - ALLOWED_ADMIN_MODELS} in the admin"
    assert "AuditEvent" not in models


def test_superuser_admin_has_no_pupil_data(client, superuser):
    client.force_login(superuser)
    models = _admin_models(client.get(ADMIN_INDEX))
    assert models <= ALLOWED_ADMIN_MODELS | {"AuditEvent"}, models


@pytest.mark.parametrize("name", ["begeleider_a", "leerkracht_a", "schoolleider_mandaat_a", "bestuurder_a", "geschillen_a", "outsider"])
def test_other_roles_get_no_admin_access(client, personas, org, name):
    client.force_login(getattr(personas, name))
    for url in (
        ADMIN_INDEX,
        reverse("admin:accounts_school_changelist"),
        reverse("admin:accounts_school_change", args=[org.school_a.pk]),
        reverse("admin:accounts_membership_add"),
        reverse("admin:accounts_user_changelist"),
    ):
        response = client.get(url)
        assert response.status_code in (302, 403), url
        if response.status_code == 302:
            assert response["Location"].startswith(ADMIN_LOGIN), url
    # A POST is refused as well, and changes nothing.
    before = Membership.objects.count()
    client.post(reverse("admin:accounts_membership_add"), {"user": personas.outsider.pk, "role": Role.BEGELEIDER, "school": org.school_a.pk})
    assert Membership.objects.count() == before


def test_inactive_beheerder_gets_no_admin_access(client, personas):
    user = personas.beheerder_a
    user.is_active = False
    user.save()
    client.force_login(user)
    response = client.get(ADMIN_INDEX)
    assert response.status_code == 302


# --- Scoped to the beheerder's board ------------------------------------------------------------


def test_beheerder_sees_own_boards_schools_only(beheerder, org):
    response = beheerder.get(reverse("admin:accounts_school_changelist"))
    assert response.status_code == 200
    html = response.content.decode()
    assert org.school_a.name in html and org.school_a2.name in html
    assert org.school_b.name not in html
    assert set(response.context["cl"].queryset) == {org.school_a, org.school_a2}


def test_beheerder_cannot_open_a_school_of_another_board(beheerder, org):
    for url in (
        reverse("admin:accounts_school_change", args=[org.school_b.pk]),
        reverse("admin:accounts_school_delete", args=[org.school_b.pk]),
        reverse("admin:accounts_school_history", args=[org.school_b.pk]),
    ):
        response = beheerder.get(url)
        # 403 (delete is for the superuser only) is as good: nothing about the school is shown.
        assert response.status_code in (302, 403, 404), url
        if response.status_code == 302:
            assert response["Location"] == ADMIN_INDEX
        assert org.school_b.brin not in response.content.decode()


def test_beheerder_cannot_move_a_school_to_another_board(beheerder, org):
    url = reverse("admin:accounts_school_change", args=[org.school_a.pk])
    response = beheerder.post(url, {
        "board": org.board_b.pk, "brin": org.school_a.brin, "name": org.school_a.name, "onderwijssoorten": ["bao"],
    })
    assert response.status_code == 200  # form shown again with an error
    assert "board" in response.context["adminform"].form.errors
    org.school_a.refresh_from_db()
    assert org.school_a.board == org.board_a


def test_beheerder_creates_a_school_for_own_board_and_it_is_audited(beheerder, personas, org):
    response = beheerder.post(reverse("admin:accounts_school_add"), {
        "board": org.board_a.pk, "brin": "03cc", "name": "Nieuwe school", "onderwijssoorten": ["so"], "cluster": "3",
    })
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else None
    school = School.objects.get(brin="03CC")
    assert (school.board, school.cluster, school.onderwijssoorten) == (org.board_a, 3, ["so"])
    row = AuditEvent.objects.get(object_type="accounts.school", object_id=str(school.pk))
    assert (row.actor, row.action) == (personas.beheerder_a, audit.Action.CREATE)


def test_beheerder_user_list_holds_own_board_staff_only(beheerder, personas):
    response = beheerder.get(reverse("admin:accounts_user_changelist"))
    listed = set(response.context["cl"].queryset.values_list("username", flat=True))
    assert "begeleider_a" in listed and "bestuurder_a" in listed and "commissie_a2" in listed
    assert "begeleider_b" not in listed and "bestuurder_b" not in listed
    response = beheerder.get(reverse("admin:accounts_user_change", args=[personas.begeleider_b.pk]))
    assert response.status_code in (302, 404)


# --- A beheerder cannot give themselves a role --------------------------------------------------


def test_beheerder_cannot_create_a_membership_for_own_account(beheerder, personas, org):
    before = Membership.objects.count()
    response = beheerder.post(reverse("admin:accounts_membership_add"), {
        "user": personas.beheerder_a.pk, "role": Role.SCHOOLLEIDER, "school": org.school_a.pk, "adoption_mandate": "on",
    })
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors, "the form accepted a role for the beheerder's own account"
    assert Membership.objects.count() == before
    assert not Membership.objects.filter(user=personas.beheerder_a, role=Role.SCHOOLLEIDER).exists()


def test_beheerder_may_not_pick_themselves_in_the_membership_form(beheerder, personas):
    response = beheerder.get(reverse("admin:accounts_membership_add"))
    users = response.context["adminform"].form.fields["user"].queryset
    assert personas.begeleider_a in users
    assert personas.beheerder_a not in users
    assert personas.begeleider_b not in users  # another board's staff


def test_membership_form_refuses_own_account_with_dutch_message(personas, org):
    """The form-level guard, for when the user field's queryset is ever widened."""
    from security.admin import MembershipForm

    MembershipForm.request_user = personas.beheerder_a
    try:
        form = MembershipForm(data={"user": personas.beheerder_a.pk, "role": Role.GESCHILLEN, "board": org.board_a.pk})
        assert not form.is_valid()
        assert form.non_field_errors() == ["U kunt uw eigen account geen rol geven of een rol van uzelf wijzigen."]
    finally:
        del MembershipForm.request_user


def test_beheerder_gives_a_role_to_a_colleague_and_it_is_audited(beheerder, personas, org):
    response = beheerder.post(reverse("admin:accounts_membership_add"), {
        "user": personas.leerkracht_a.pk, "role": Role.BEGELEIDER, "school": org.school_a2.pk,
    })
    assert response.status_code == 302
    m = Membership.objects.get(user=personas.leerkracht_a, role=Role.BEGELEIDER)
    assert m.school == org.school_a2
    row = AuditEvent.objects.get(object_type="accounts.membership", object_id=str(m.pk))
    assert (row.actor, row.action, row.school) == (personas.beheerder_a, audit.Action.CREATE, org.school_a2)


def test_beheerder_cannot_give_a_role_at_another_boards_school(beheerder, personas, org):
    response = beheerder.post(reverse("admin:accounts_membership_add"), {
        "user": personas.leerkracht_a.pk, "role": Role.BEGELEIDER, "school": org.school_b.pk,
    })
    assert response.status_code == 200
    assert "school" in response.context["adminform"].form.errors
    assert not Membership.objects.filter(school=org.school_b, user=personas.leerkracht_a).exists()


def test_beheerder_cannot_change_or_delete_own_membership(beheerder, personas, org):
    own = Membership.objects.get(user=personas.beheerder_a)
    change_url = reverse("admin:accounts_membership_change", args=[own.pk])
    response = beheerder.post(change_url, {"user": personas.beheerder_a.pk, "role": Role.BEHEERDER, "board": org.board_b.pk})
    assert response.status_code == 403
    delete_url = reverse("admin:accounts_membership_delete", args=[own.pk])
    assert beheerder.get(delete_url).status_code == 403
    assert beheerder.post(delete_url, {"post": "yes"}).status_code == 403
    own.refresh_from_db()
    assert own.board == org.board_a
    # Nor through the changelist's bulk delete.
    beheerder.post(reverse("admin:accounts_membership_changelist"),
                   {"action": "delete_selected", "_selected_action": [own.pk], "post": "yes"})
    assert Membership.objects.filter(pk=own.pk).exists()


def test_beheerder_can_delete_a_colleagues_membership(beheerder, personas):
    other = Membership.objects.get(user=personas.leerkracht_a)
    response = beheerder.post(reverse("admin:accounts_membership_delete", args=[other.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=other.pk).exists()
    assert AuditEvent.objects.filter(action=audit.Action.DELETE, object_type="accounts.membership").count() == 1


# --- The user form ------------------------------------------------------------------------------


def test_user_change_form_for_beheerder_has_no_superuser_or_staff_fields(beheerder, personas):
    response = beheerder.get(reverse("admin:accounts_user_change", args=[personas.begeleider_a.pk]))
    assert response.status_code == 200
    form = response.context["adminform"].form
    for field in ("is_superuser", "is_staff", "groups", "user_permissions"):
        assert field not in form.fields
        assert f'name="{field}"' not in response.content.decode()


def test_beheerder_cannot_make_anybody_superuser_by_posting_the_field(beheerder, personas):
    target = personas.begeleider_a
    url = reverse("admin:accounts_user_change", args=[target.pk])
    page = beheerder.get(url)
    data = _form_post_data(page)
    data.update({"is_superuser": "on", "is_staff": "on", "first_name": "Gewijzigd"})
    response = beheerder.post(url, data)
    assert response.status_code == 302, _errors(response)
    target.refresh_from_db()
    assert target.first_name == "Gewijzigd"  # the change itself went through ...
    assert not target.is_superuser and not target.is_staff  # ... the smuggled fields did not


def test_superuser_sees_the_technical_fields(client, superuser, personas):
    client.force_login(superuser)
    response = client.get(reverse("admin:accounts_user_change", args=[personas.begeleider_a.pk]))
    assert "is_superuser" in response.context["adminform"].form.fields


def test_beheerder_cannot_reach_a_superuser_account(beheerder, superuser):
    response = beheerder.get(reverse("admin:accounts_user_change", args=[superuser.pk]))
    assert response.status_code in (302, 404)
    assert superuser.username not in response.content.decode()


def test_beheerder_creates_an_account_without_a_role(beheerder):
    response = beheerder.post(reverse("admin:accounts_user_add"), {
        "username": "nieuwe.collega", "first_name": "Nieuwe", "last_name": "Collega", "email": "n@example.nl",
        "password1": "Lang-Genoeg-Wachtwoord-2026", "password2": "Lang-Genoeg-Wachtwoord-2026", "usable_password": "true",
        "memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0",
    })
    assert response.status_code == 302, _errors(response)
    user = User.objects.get(username="nieuwe.collega")
    assert not user.is_superuser and not user.is_staff
    assert not user.memberships.exists()
    # A posted password is ignored: the account sets its own through the activation link (issue 16).
    assert not user.has_usable_password() and not user.check_password("Lang-Genoeg-Wachtwoord-2026")


# --- The audit log in the admin -----------------------------------------------------------------


@pytest.fixture
def audit_row(personas, org):
    return audit.record(personas.begeleider_a, audit.Action.VIEW, org.school_a)


def test_audit_admin_is_read_only_even_for_a_superuser(client, superuser, audit_row):
    client.force_login(superuser)
    assert client.get(reverse("admin:audit_auditevent_changelist")).status_code == 200
    assert client.get(reverse("admin:audit_auditevent_add")).status_code == 403
    assert client.post(reverse("admin:audit_auditevent_add"), {"action": "view"}).status_code == 403
    change_url = reverse("admin:audit_auditevent_change", args=[audit_row.pk])
    assert client.get(change_url).status_code == 200  # shown read-only
    assert client.post(change_url, {"action": "delete", "actor_label": "x"}).status_code == 403
    delete_url = reverse("admin:audit_auditevent_delete", args=[audit_row.pk])
    assert client.get(delete_url).status_code == 403
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    client.post(reverse("admin:audit_auditevent_changelist"),
                {"action": "delete_selected", "_selected_action": [audit_row.pk], "post": "yes"})
    row = AuditEvent.objects.get(pk=audit_row.pk)
    assert (row.action, row.actor_label) == ("view", "begeleider_a")
    assert AuditEvent.objects.filter(action=audit.Action.CREATE, object_type="audit.auditevent").count() == 0


@pytest.mark.parametrize("value", ["9223372036854775808", "-9223372036854775809", "1" * 60])
def test_a_filter_on_an_id_too_large_for_the_database_is_an_invalid_lookup_not_a_500(client, superuser, audit_row,
                                                                                      value):
    client.force_login(superuser)
    url = reverse("admin:audit_auditevent_changelist")
    response = client.get(url, {"q": "x", "school": value})
    assert response.status_code == 302 and response["Location"] == f"{url}?e=1"
    assert client.get(url, {"school": str(audit_row.school_id or 1)}).status_code == 200


def test_audit_admin_add_button_is_absent(client, superuser, audit_row):
    client.force_login(superuser)
    html = client.get(reverse("admin:audit_auditevent_changelist")).content.decode()
    assert reverse("admin:audit_auditevent_add") not in html


def test_beheerder_cannot_view_the_audit_log(beheerder, audit_row):
    assert beheerder.get(reverse("admin:audit_auditevent_changelist")).status_code == 403
    assert beheerder.get(reverse("admin:audit_auditevent_change", args=[audit_row.pk])).status_code == 403


def _form_post_data(response):
    """The values a browser would send back for the admin change form on the page (and its inlines)."""
    data = {}
    adminform = response.context["adminform"]
    for name, field in adminform.form.fields.items():
        value = adminform.form.initial.get(name, field.initial)
        if value is None or name == "password":
            continue
        if isinstance(value, bool):
            if value:
                data[name] = "on"
            continue
        data[name] = value
    for formset in response.context["inline_admin_formsets"]:
        fs = formset.formset
        for key, value in fs.management_form.initial.items():
            data[f"{fs.prefix}-{key}"] = value
        for i, form in enumerate(fs.forms):
            for name in form.fields:
                value = form.initial.get(name)
                if value is not None:
                    data[f"{fs.prefix}-{i}-{name}"] = getattr(value, "pk", value)
    return data


def _errors(response):
    if response.context and "adminform" in response.context:
        return response.context["adminform"].form.errors, [f.formset.errors for f in response.context.get("inline_admin_formsets", [])]
    return response.status_code


def test_beheerder_does_not_see_parents_and_pupils_of_any_board(client, db):
    call_command("seed_demo", stdout=io.StringIO())
    # The demo accounts have a phone: a session that passed the second factor (issue 16 item 5).
    from tests.auth import login

    login(client, User.objects.get(username="beheerder"))
    response = client.get(reverse("admin:accounts_user_changelist"))
    listed = set(response.context["cl"].queryset.values_list("username", flat=True))
    assert "ib.debron" in listed  # own board's staff
    assert "ib.anker" not in listed  # other board's staff
    # A parent at the other board's school, and an adult pupil: not account-management business.
    assert "ouder.devries" not in listed
    assert "leerling.horizon" not in listed


# --- Hostile input to the admin never gets a 500 (issue 16, point 4) -------------------------------------------


@pytest.mark.parametrize("field_name", ["memberships", "user", "school", "password", "", "x" * 300])
@pytest.mark.parametrize("who", ["beheerder", "superuser"])
def test_the_autocomplete_endpoint_refuses_every_field_nobody_declared(client, personas, superuser, who, field_name):
    """`field_name=memberships` (a reverse relation) raised AttributeError inside Django: a 500."""
    client.force_login(personas.beheerder_a if who == "beheerder" else superuser)
    url = reverse("admin:autocomplete")
    for app_label, model_name in (("accounts", "user"), ("accounts", "membership"), ("students", "student"), ("", "")):
        response = client.get(url, {"app_label": app_label, "model_name": model_name, "field_name": field_name,
                                    "term": "a"})
        assert response.status_code == 403, (app_label, model_name, field_name)
    assert client.post(url, {"app_label": "accounts", "model_name": "user", "field_name": "memberships"}).status_code == 405


def test_the_autocomplete_endpoint_sends_strangers_to_the_login(client, personas):
    client.force_login(personas.begeleider_a)
    response = client.get(reverse("admin:autocomplete"), {"app_label": "accounts", "model_name": "user",
                                                          "field_name": "memberships"})
    assert response.status_code == 302 and response["Location"].startswith(ADMIN_LOGIN)


CHANGELISTS = ["accounts_board", "accounts_samenwerkingsverband", "accounts_school", "accounts_membership",
               "accounts_user", "audit_auditevent"]


@pytest.mark.parametrize("changelist", CHANGELISTS)
@pytest.mark.parametrize("term", ["a " * 30_000, "x" * 60_000, "Begeleider\x00A", "' OR 1=1 --"])
def test_a_huge_or_hostile_search_in_every_admin_list_answers(client, superuser, audit_row, changelist, term):
    """60,000 characters of words made SQLite give up ("Expression tree is too large"): searches are capped."""
    client.force_login(superuser)
    response = client.get(reverse(f"admin:{changelist}_changelist"), {"q": term})
    assert response.status_code == 200


def test_the_search_uses_the_first_hundred_characters(beheerder, personas):
    from security.admin import SEARCH_MAX_LENGTH

    assert SEARCH_MAX_LENGTH == 100
    url = reverse("admin:accounts_user_changelist")
    found = set(beheerder.get(url, {"q": "begeleider_a" + " " * 200 + "niet-gevonden"}).context["cl"].queryset)
    assert personas.begeleider_a in found


# --- The user list: each account's roles and schools; the admin in Dutch ---------------------------------


USERS = reverse("admin:accounts_user_changelist")


def test_the_user_list_shows_each_accounts_roles_and_schools(beheerder, personas, org):
    from tests.factories import MembershipFactory  # noqa: PLC0415 - only these tests need it

    page = beheerder.get(USERS).content.decode()
    assert "Rollen en scholen" in page
    ib = personas.begeleider_a
    MembershipFactory(user=ib, role=Role.LEERKRACHT, school=org.school_a2, approved_at=None)
    page = beheerder.get(USERS).content.decode()
    row = page[page.index(f">{ib.username}<"):]
    row = row[:row.index("</tr>")]
    assert f"Intern begeleider / zorgcoördinator — {org.school_a.name}" in row
    assert f"Leerkracht / mentor — {org.school_a2.name} (wacht op goedkeuring)" in row


def test_the_user_list_costs_the_same_queries_at_3_and_13_accounts(beheerder, org, django_assert_max_num_queries):
    from django.db import connection  # noqa: PLC0415
    from django.test.utils import CaptureQueriesContext  # noqa: PLC0415

    from tests.factories import member  # noqa: PLC0415

    for i in range(3):
        member(Role.BEGELEIDER, school=org.school_a, username=f"ib.lijst.{i}")
    with CaptureQueriesContext(connection) as few:
        assert beheerder.get(USERS).status_code == 200
    for i in range(10):
        member(Role.LEERKRACHT, school=org.school_a2, username=f"lk.lijst.{i}")
    with CaptureQueriesContext(connection) as many:
        assert beheerder.get(USERS).status_code == 200
    assert len(many) == len(few)


def test_the_admin_speaks_dutch_to_a_beheerder(beheerder):
    page = beheerder.get(ADMIN_INDEX, HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert '<html lang="nl"' in page
    assert "OPP-portaal – beheer" in page and "Accounts, scholen en rollen" in page
    assert "Accounts en organisaties" in page and "Gebruikers" in page and "Scholen" in page
    assert "Site administration" not in page and "Log out" not in page
    users = beheerder.get(USERS).content.decode()
    assert "Gebruiker selecteren om te wijzigen" in users or "Selecteer gebruiker om te wijzigen" in users
