"""The goal bank (opp.bank, R-CONTENT-4; GPO 109206): who manages it (Cap.TEXTBANK_MANAGE and the schoolleider's
grant), need-to-know between boards, the shared CSV (round trip, formula-safe, dry run, all or nothing, idempotent),
inserting a text in the editor as a starting point without losing typed text, provenance across saves and revisions
and outside every hash, and the warning on a handelingsdeel of unchanged bank texts."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts import access
from accounts.access import Cap
from accounts.models import Membership, Role
from audit.models import AuditEvent
from opp import bank, compliance, content, hashing, selectors, services
from opp.models import ActionItem, BankText, PlanVersion
from tests.auth import login
from tests.factories import PlanFactory, PlanVersionFactory, StudentFactory, fresh, member, refresh_standing
from tests.opp.test_editor import _EditorForm, action_fields, editor_url, page_form

pytestmark = pytest.mark.usefixtures("clock")

LIST = reverse("opp:bank_list")


@pytest.fixture
def texts(org):
    return {
        "doel": BankText.objects.create(board=org.board_a, kind="doel", area="technisch_lezen", title="AVI halen",
                                        text="De leerling leest op AVI-niveau [niveau]."),
        "aanpak": BankText.objects.create(board=org.board_a, kind="aanpak", area="technisch_lezen",
                                          title="Herhaald lezen", text="Vier keer per week herhaald lezen."),
        "factor": BankText.objects.create(school=org.school_a, kind="factor", area="overig", title="Betrokken ouders",
                                          text="De ouders oefenen thuis mee."),
        "vso": BankText.objects.create(board=org.board_a, kind="doel", area="arbeid", onderwijssoort="vso",
                                       title="Stageopdracht", text="Voert de opdracht zelfstandig uit."),
        "other_board": BankText.objects.create(board=org.board_b, kind="doel", area="rekenen", title="Klokkijken B",
                                               text="Leest de klok."),
    }


@pytest.fixture
def version(personas, org):
    pupil = StudentFactory(school=org.school_a, opp_required=True, support_level="extra")
    return services.plan_start(actor=personas.begeleider_a, student=pupil).versions.get()


# --- Capability and grants -------------------------------------------------------------------------------------------


def test_the_schoolleider_and_the_bestuurder_manage_a_bank_other_staff_only_when_granted(personas, org):
    assert access.has_cap(personas.schoolleider_a, Cap.TEXTBANK_MANAGE, org.school_a)
    assert access.textbank_scope(personas.bestuurder_a) == (frozenset({org.board_a.pk}), frozenset())
    assert access.textbank_scope(personas.schoolleider_a) == (frozenset(), frozenset({org.school_a.pk}))
    assert not access.has_cap(personas.begeleider_a, Cap.TEXTBANK_MANAGE, org.school_a)
    membership = Membership.objects.get(user=personas.begeleider_a)
    bank.grant_set(actor=personas.schoolleider_a, membership=membership, granted=True)
    user = fresh(personas.begeleider_a)
    assert access.textbank_scope(user) == (frozenset(), frozenset({org.school_a.pk}))
    assert AuditEvent.objects.filter(object_type="accounts.membership", object_id=str(membership.pk),
                                     details__textbank_grant=True).exists()


def test_only_the_schools_schoolleider_grants_and_a_granted_begeleider_does_not_pass_it_on(client, personas, org):
    membership = Membership.objects.get(user=personas.begeleider_a)
    url = reverse("opp:bank_grant", args=[membership.pk])
    login(client, personas.schoolleider_a)
    assert client.post(url, {"toestemming": "ja"}).status_code == 302
    assert Membership.objects.get(pk=membership.pk).textbank_grant
    other = member(Role.LEERKRACHT, school=org.school_a, username="lk2", groups=["5"])
    other_membership = Membership.objects.get(user=other)
    login(client, fresh(personas.begeleider_a))
    assert client.get(LIST).status_code == 200  # manages the bank now
    assert client.get(reverse("opp:bank_grants")).status_code == 403
    assert client.post(reverse("opp:bank_grant", args=[other_membership.pk]), {"toestemming": "ja"}).status_code == 404
    login(client, personas.bestuurder_b)
    assert client.post(url, {"toestemming": "nee"}).status_code in (403, 404)
    assert Membership.objects.get(pk=membership.pk).textbank_grant


def test_a_schoolleider_membership_cannot_hold_the_grant(personas):
    membership = Membership.objects.get(user=personas.schoolleider_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.filter(pk=membership.pk).update(textbank_grant=True)


# --- Need to know --------------------------------------------------------------------------------------------------


def test_another_boards_bank_is_invisible(client, personas, texts, django_assert_max_num_queries):
    login(client, personas.bestuurder_a)
    with django_assert_max_num_queries(12):
        response = client.get(LIST)
    page = response.content.decode()
    assert "AVI halen" in page and "Klokkijken B" not in page
    assert "Betrokken ouders" not in page  # a school's own text is the school's to keep
    assert client.get(reverse("opp:bank_edit", args=[texts["other_board"].pk])).status_code == 404
    login(client, personas.leerkracht_a)
    assert client.get(LIST).status_code == 403
    login(client, personas.begeleider_b)
    assert client.get(LIST).status_code == 403


def test_adding_changing_and_putting_out_of_use_is_audited_and_never_deletes(client, personas, org, texts):
    login(client, personas.bestuurder_a)
    response = client.post(reverse("opp:bank_add"), {
        "owner": f"bestuur-{org.board_a.pk}", "kind": "doel", "area": "rekenen", "onderwijssoort": "",
        "title": "Tafels", "text": "Kent de tafels van [tafels]."})
    assert response.status_code == 302
    text = BankText.objects.get(title="Tafels")
    assert text.board == org.board_a and text.created_by == personas.bestuurder_a
    client.post(reverse("opp:bank_toggle", args=[text.pk]), {"in_gebruik": "nee"})
    text.refresh_from_db()
    assert not text.active
    assert AuditEvent.objects.filter(object_type="opp.banktext", object_id=str(text.pk)).count() == 2
    # Someone else's owner is refused, with the text the user typed kept on the page.
    response = client.post(reverse("opp:bank_add"), {
        "owner": f"bestuur-{org.board_b.pk}", "kind": "doel", "area": "rekenen", "title": "Fout", "text": "Mijn tekst"})
    assert response.status_code == 200 and "Mijn tekst" in response.content.decode()
    assert not BankText.objects.filter(title="Fout").exists()


# --- CSV ---------------------------------------------------------------------------------------------------------


def test_csv_round_trip_is_formula_safe_and_importing_twice_adds_nothing(personas, org, texts):
    texts["doel"].title = "=HYPERLINK(\"x\")"
    texts["doel"].save()
    exported = bank.export_csv(bank.managed_texts(personas.bestuurder_a))
    assert exported.startswith("\ufeffsoort;gebied;onderwijssoort;korte_naam;tekst\r\n")
    assert "'=HYPERLINK" in exported
    owner_b = bank.Owner(board=org.board_b)
    plan = bank.plan_import(owner=owner_b, text=exported)
    assert plan.ok and len(plan.new) == 3
    bank.import_apply(actor=personas.bestuurder_b, owner=owner_b, text=exported)
    imported = BankText.objects.get(board=org.board_b, kind="doel", area="technisch_lezen")
    assert imported.title == "=HYPERLINK(\"x\")"  # read back as it was, not as the safe cell
    assert bank.plan_import(owner=owner_b, text=exported).duplicates == 3
    again = bank.import_apply(actor=personas.bestuurder_b, owner=owner_b, text=exported)
    assert len(again.new) == 0 and BankText.objects.filter(board=org.board_b).count() == 4


def test_import_shows_a_dry_run_with_dutch_row_errors_and_applies_all_or_nothing(client, personas, org):
    login(client, personas.bestuurder_a)
    csv_text = ("soort;gebied;onderwijssoort;korte_naam;tekst\n"
                "Doel;Technisch lezen;;Goed;Een goede tekst\n"
                "wens;rekenen;bao;Fout;Tekst\n"
                "aanpak;rekenen;mbo;;\n")
    upload = SimpleUploadedFile("bank.csv", csv_text.encode("utf-8"), content_type="text/csv")
    response = client.post(reverse("opp:bank_import"), {"owner": f"bestuur-{org.board_a.pk}", "file": upload})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Regel 3" in page and "Soort ‘wens’ is onbekend" in page and "Fout" not in page
    assert "Regel 4" in page and "de tekst ontbreekt" in page
    assert 'name="bevestigen"' not in page
    assert not BankText.objects.exists()
    with pytest.raises(ValidationError):
        bank.import_apply(actor=personas.bestuurder_a, owner=bank.Owner(board=org.board_a), text=csv_text)
    assert not BankText.objects.exists()
    good = "soort;gebied;onderwijssoort;korte_naam;tekst\nDoel;Technisch lezen;;Goed;Een goede tekst\n"
    response = client.post(reverse("opp:bank_import"), {
        "owner": f"bestuur-{org.board_a.pk}", "file": SimpleUploadedFile("b.csv", good.encode(), "text/csv")})
    assert 'name="bevestigen"' in response.content.decode()
    assert not BankText.objects.exists()  # a dry run changes nothing
    response = client.post(reverse("opp:bank_import"), {"owner": f"bestuur-{org.board_a.pk}", "csv_text": good,
                                                        "bevestigen": "1"})
    assert response.status_code == 302
    assert BankText.objects.get().title == "Goed"


def test_the_import_refuses_a_file_that_is_no_csv(client, personas, org):
    login(client, personas.bestuurder_a)
    upload = SimpleUploadedFile("bank.csv", b"%PDF-1.4 nope", content_type="text/csv")
    response = client.post(reverse("opp:bank_import"), {"owner": f"bestuur-{org.board_a.pk}", "file": upload})
    assert response.status_code == 200 and "is-invalid" in response.content.decode()


# --- Inserting in the editor ---------------------------------------------------------------------------------------


def test_the_editor_offers_the_pupils_texts_only(client, personas, version, texts):
    login(client, personas.begeleider_a)
    page = client.get(editor_url(version)).content.decode()
    assert "AVI halen" in page and "Herhaald lezen" in page and "Betrokken ouders" in page
    assert "Stageopdracht" not in page  # vso, the pupil is in bao
    assert "Klokkijken B" not in page  # another board


def test_inserting_a_goal_keeps_every_typed_text_and_saves_nothing(client, personas, version, texts):
    login(client, personas.begeleider_a)
    data = page_form(client, version)
    data["uitstroom-uitstroom_onderbouwing"] = "Nog niet opgeslagen onderbouwing"
    data.update(action_fields(0, 1))
    data.update({"bank_insert": "doel", "bank-doel": str(texts["doel"].pk)})
    response = client.post(editor_url(version), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Nog niet opgeslagen onderbouwing" in page and "Doel 1" in page
    assert "De leerling leest op AVI-niveau [niveau]." in page
    assert "ongewijzigde tekst uit de tekstbank" in page
    assert f'name="handelingsdeel-1-goal_bank_text" value="{texts["doel"].pk}"' in page
    assert not version.actions.exists()


@pytest.mark.parametrize("choice", ["zoeken", "doel"])
def test_searching_or_inserting_is_writing_refused_to_a_read_only_role_and_its_page_is_a_logged_read(
        client, personas, version, texts, choice):
    """The bank buttons post the whole editor: a leerkracht who reads the plan gets 403 like on any section save, and
    the page the begeleider gets back (the whole version) is in the audit log as a read."""
    version.plan.student.group_name = "4a"
    version.plan.student.save()
    data = {"bank_insert": choice, "bank-doel": str(texts["doel"].pk), "bank-q": "lezen"}
    login(client, personas.leerkracht_a)
    assert client.post(editor_url(version), data).status_code == 403
    login(client, personas.begeleider_a)
    before = AuditEvent.objects.count()
    assert client.post(editor_url(version), page_form(client, version) | data).status_code == 200
    assert AuditEvent.objects.filter(pk__gt=0, action="view", object_type="opp.planversion",
                                     object_id=str(version.pk), details={"page": "bank_insert"}).exists()
    assert AuditEvent.objects.count() > before


def _form_of(response) -> dict[str, str]:
    parser = _EditorForm()
    parser.feed(response.content.decode())
    return parser.data


def test_without_javascript_an_inserted_goal_is_saved_with_its_provenance(client, personas, version, texts):
    login(client, personas.begeleider_a)
    data = page_form(client, version) | {"bank_insert": "doel", "bank-doel": str(texts["doel"].pk)}
    data = _form_of(client.post(editor_url(version), data))
    row = next(k.split("-")[1] for k, v in data.items() if k.endswith("-goal") and v == texts["doel"].text)
    data.update({f"handelingsdeel-{row}-{f}": v for f, v in _row(9).items() if f != "goal"})
    data[f"handelingsdeel-{row}-goal"] = "De leerling leest eind januari op AVI E4."
    response = client.post(editor_url(version), data | {"section": "handelingsdeel"})
    assert response.status_code == 302
    item = version.actions.get()
    assert item.goal_bank_text == texts["doel"] and item.goal_bank_original == texts["doel"].text
    assert item.goal == "De leerling leest eind januari op AVI E4."
    page = client.get(editor_url(version)).content.decode()
    assert "Begonnen met een tekst uit de tekstbank en aangepast." in page


def test_an_approach_goes_below_the_chosen_items_text_and_a_factor_into_a_new_row(client, personas, version, texts):
    _save_actions(version, personas.begeleider_a, [_row(1), _row(2)])
    login(client, personas.begeleider_a)
    data = page_form(client, version) | {"bank_insert": "aanpak", "bank-aanpak": str(texts["aanpak"].pk),
                                         "bank-aanpak-onderdeel": "1"}
    data = _form_of(client.post(editor_url(version), data))
    assert data["handelingsdeel-1-approach"].replace("\r", "") == "Aanpak 2\n\n" + texts["aanpak"].text
    assert data["handelingsdeel-1-approach_bank_text"] == str(texts["aanpak"].pk)
    assert data["handelingsdeel-0-approach"] == "Aanpak 1"
    data = _form_of(client.post(editor_url(version), data | {"bank_insert": "factor",
                                                             "bank-factor": str(texts["factor"].pk)}))
    assert texts["factor"].text in [v for k, v in data.items() if k.startswith("factoren-") and k.endswith("-text")]
    assert data["handelingsdeel-1-approach_bank_text"] == str(texts["aanpak"].pk)  # the earlier insert is still there


def test_a_text_of_another_board_is_not_inserted(client, personas, version, texts):
    login(client, personas.begeleider_a)
    data = page_form(client, version) | {"bank_insert": "doel", "bank-doel": str(texts["other_board"].pk)}
    page = client.post(editor_url(version), data).content.decode()
    assert "Leest de klok." not in page and "Kies eerst een tekst uit de tekstbank." in page


def _save_actions(version, actor, items, revision=0):
    return services.version_save_section(actor=actor, version=version, section="handelingsdeel", revision=revision,
                                         items=items)


def _row(n, **extra):
    return {"goal": f"Doel {n}", "approach": f"Aanpak {n}", "who": "Leerkracht", "frequency": "Wekelijks",
            "evaluation_moment": "Na 10 weken", "evaluation_criterion": "Criterium", **extra}


def test_provenance_survives_saves_and_revisions_and_stays_out_of_every_hash(personas, org, texts):
    pupil = StudentFactory(school=org.school_a, opp_required=True, support_level="extra")
    plan = PlanFactory(student=pupil, created_by=personas.begeleider_a)
    adopted = PlanVersionFactory(plan=plan, with_actions=2, with_factors=2, uitstroom_profiel="vmbo_kb")
    before = (content.handelingsdeel_hash(adopted), content.version_hash(adopted))
    ActionItem.objects.filter(version=adopted).update(goal_bank_text=texts["doel"], goal_bank_original="Oud")
    assert (content.handelingsdeel_hash(adopted), content.version_hash(adopted)) == before
    assert "goal_bank_original" not in hashing.ACTION_FIELDS + hashing.MEASURE_FIELDS
    PlanVersion.objects.filter(pk=adopted.pk).update(state="vastgesteld", adopted_at=timezone.now(),
                                                     adopted_by=personas.begeleider_a, adopted_hash=before[1])
    refresh_standing(pupil)
    revision = services.revision_start(actor=personas.begeleider_a, plan=plan)
    assert {a.goal_bank_text_id for a in revision.actions.all()} == {texts["doel"].pk}
    # Out of use since: the items that came from it keep it on the next save.
    bank.text_set_active(actor=personas.bestuurder_a, text=texts["doel"], active=False)
    rows = [_row(1, goal_bank_text=texts["doel"].pk, goal_bank_original="Oud", plan_goal=a.plan_goal_id)
            for a in revision.actions.all()[:1]]
    _save_actions(revision, personas.begeleider_a, rows)
    assert revision.actions.get().goal_bank_original == "Oud"


def test_a_forged_bank_id_or_original_is_refused_or_replaced(personas, version, texts):
    with pytest.raises(ValidationError):
        _save_actions(version, personas.begeleider_a, [_row(1, goal_bank_text=texts["other_board"].pk)])
    with pytest.raises(ValidationError):  # an approach text as a goal's source
        _save_actions(version, personas.begeleider_a, [_row(1, goal_bank_text=texts["aanpak"].pk)])
    _save_actions(version, personas.begeleider_a, [_row(1, goal_bank_text=texts["doel"].pk,
                                                        goal_bank_original="Doel 1")])
    assert version.actions.get().goal_bank_original == texts["doel"].text  # not what the browser claimed


def test_autosave_keeps_the_provenance_of_a_row(client, personas, version, texts):
    login(client, personas.begeleider_a)
    data = {"section": "handelingsdeel", "handelingsdeel-revision": "0", "handelingsdeel-TOTAL_FORMS": "1",
            "handelingsdeel-INITIAL_FORMS": "0", **action_fields(0, 1),
            "handelingsdeel-0-goal": texts["doel"].text, "handelingsdeel-0-goal_bank_text": str(texts["doel"].pk),
            "handelingsdeel-0-goal_bank_original": texts["doel"].text}
    response = client.post(reverse("opp:version_autosave", args=[version.pk]), data)
    assert response.status_code == 200
    assert version.actions.get().goal_bank_text_id == texts["doel"].pk


# --- The unchanged-texts finding (R-CONTENT-4, GPO 109206) ------------------------------------------------------


def test_changed_is_whitespace_insensitive():
    assert not compliance.bank_text_changed("Leest  vlot.\r\n", "Leest vlot.")
    assert compliance.bank_text_changed("Leest vlot op AVI E4.", "Leest vlot.")


def test_the_finding_fires_on_only_unchanged_bank_texts_and_clears_after_an_edit(personas, version, texts):
    goal, approach = texts["doel"], texts["aanpak"]
    row = _row(1, goal=goal.text, approach=approach.text, goal_bank_text=goal.pk, goal_bank_original=goal.text,
               approach_bank_text=approach.pk, approach_bank_original=approach.text)
    _save_actions(version, personas.begeleider_a, [row])
    version = selectors.load_version(version.pk)
    found = [f for f in selectors.findings_for(version, today=version.created_at.date())
             if f.code == "bank_texts_unchanged"]
    assert found and found[0].severity == compliance.WARNING and found[0].gpo == ("109206",)
    assert found[0].rule == "R-CONTENT-4"
    _save_actions(version, personas.begeleider_a, [row | {"goal": goal.text.replace("[niveau]", "E4")}], revision=1)
    version = selectors.load_version(version.pk)
    assert not [f for f in selectors.findings_for(version, today=version.created_at.date())
                if f.code == "bank_texts_unchanged"]


def test_an_item_written_by_hand_is_the_users_own():
    bank_item = {"goal": "A", "goal_from_bank": True, "goal_bank_original": "A", "approach": "B",
                 "approach_from_bank": True, "approach_bank_original": "B"}
    assert compliance.bank_item_unchanged(bank_item)
    assert not compliance.bank_item_unchanged(bank_item | {"approach_from_bank": False})
    assert not compliance.bank_item_unchanged({"goal": "A", "approach": "B"})
