"""The OPP editor as one working surface: the page is one form (text typed in one section survives saving another),
and the autosave endpoint behind static/js/editor.js (one audited save per call, the section's revision as the
optimistic lock, JSON answers with Dutch messages, 4xx for refusals)."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from audit.models import AuditEvent
from opp import services
from opp.models import PlanVersion
from tests.factories import StudentFactory, member

pytestmark = pytest.mark.usefixtures("clock")

STALE = "Iemand anders heeft dit onderdeel intussen opgeslagen"


@pytest.fixture
def pupil(org):
    return StudentFactory(school=org.school_a, first_name="Bram", last_name="Beta", opp_required=True, support_level="extra")


@pytest.fixture
def version(personas, pupil):
    return services.plan_start(actor=personas.begeleider_a, student=pupil).versions.get()


def editor_url(version):
    return reverse("opp:version", args=[version.pk])


def autosave_url(version):
    return reverse("opp:version_autosave", args=[version.pk])


class _EditorForm(HTMLParser):
    """What a browser without JavaScript posts from the editor's one form: every field, as shown (no buttons)."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, str] = {}
        self.in_form = self.in_template = False
        self.textarea = self.select = None
        self.select_first = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("id") == "editor-form":
            self.in_form = True
        if not self.in_form:
            return
        if tag == "template":
            self.in_template = True
        if self.in_template or not a.get("name"):
            if tag == "option" and self.select is not None:
                self._option(a)
            return
        if tag == "input" and a.get("type") not in ("submit", "button"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.data[a["name"]] = a.get("value", "on" if a.get("type") == "checkbox" else "")
        elif tag == "textarea":
            self.textarea = a["name"]
            self.data[self.textarea] = ""
        elif tag == "select":
            self.select, self.select_first = a["name"], None

    def _option(self, a):
        if self.select_first is None:
            self.select_first = a.get("value", "")
            self.data.setdefault(self.select, self.select_first)
        if "selected" in a:
            self.data[self.select] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "template":
            self.in_template = False
        elif tag == "textarea":
            self.textarea = None
        elif tag == "select":
            self.select = None
        elif tag == "form" and self.in_form:
            self.in_form = False

    def handle_data(self, data):
        if self.textarea and self.in_form:
            self.data[self.textarea] += data.lstrip("\n") if not self.data[self.textarea] else data


def page_form(client, version) -> dict[str, str]:
    response = client.get(editor_url(version))
    assert response.status_code == 200
    parser = _EditorForm()
    parser.feed(response.content.decode())
    assert parser.data, "the editor has no form"
    return parser.data


def action_fields(i, n):
    return {f"handelingsdeel-{i}-goal": f"Doel {n}", f"handelingsdeel-{i}-approach": f"Aanpak {n}",
            f"handelingsdeel-{i}-who": "Leerkracht", f"handelingsdeel-{i}-frequency": "Wekelijks",
            f"handelingsdeel-{i}-evaluation_moment": "Na 10 weken", f"handelingsdeel-{i}-evaluation_criterion": f"Criterium {n}"}


# --- Bug: saving one section threw away the text typed in another ---------------------------------------------------


def test_the_page_is_one_form_with_a_save_button_per_section(client, personas, version):
    client.force_login(personas.begeleider_a)
    html = client.get(editor_url(version)).content.decode()
    assert html.count('id="editor-form"') == 1
    assert re.findall(r'<button [^>]*name="section" value="(\w+)"', html) == [
        "algemeen", "uitstroom", "factoren", "handelingsdeel", "programma", "doelen", "onderwijstijd", "leerrendement",
        "rapporten", "hoorrecht"]
    # No forms inside the editor's form (a nested form would cut it short).
    inner = html.split('id="editor-form"', 1)[1].split("</form>", 1)[0]
    assert "<form" not in inner


def test_saving_one_section_keeps_the_text_typed_in_another(client, personas, version):
    """Regression: the browser posts the whole page; saving ‘hoorrecht’ used to redirect and lose ‘programma’."""
    client.force_login(personas.begeleider_a)
    data = page_form(client, version)
    data.update({"hoorrecht-leerling_mening": "Wil meer tijd voor lezen", "programma-programma_afwijking": "Typed B"})
    response = client.post(editor_url(version), {**data, "section": "hoorrecht"})
    assert response.status_code == 200  # not a redirect: the page comes back with the unsaved text
    html = response.content.decode()
    assert "Onderdeel ‘De mening van de leerling (hoorrecht)’ is opgeslagen." in html
    assert "Nog niet opgeslagen: uw tekst in ‘Afwijking van het onderwijsprogramma’ staat hieronder nog." in html
    assert re.search(r'<textarea name="programma-programma_afwijking"[^>]*>\s*Typed B</textarea>', html)
    version.refresh_from_db()
    assert version.leerling_mening == "Wil meer tijd voor lezen" and version.programma_afwijking == ""
    assert version.section_revisions == {"hoorrecht": 1}
    # Saving the other section from that page keeps the first one too.
    parser = _EditorForm()
    parser.feed(html)
    again = client.post(editor_url(version), {**parser.data, "section": "programma"})
    assert again.status_code == 302 and again["Location"] == editor_url(version) + "#sectie-programma"
    version.refresh_from_db()
    assert (version.leerling_mening, version.programma_afwijking) == ("Wil meer tijd voor lezen", "Typed B")


def test_saving_a_section_with_nothing_typed_elsewhere_redirects_to_its_anchor(client, personas, version):
    client.force_login(personas.begeleider_a)
    data = page_form(client, version)
    data["rapporten-rapporten_weging"] = "Rapport meegewogen"
    response = client.post(editor_url(version), {**data, "section": "rapporten"})
    assert response.status_code == 302 and response["Location"] == editor_url(version) + "#sectie-rapporten"
    assert PlanVersion.objects.get(pk=version.pk).rapporten_weging == "Rapport meegewogen"


def test_item_rows_typed_but_not_saved_come_back_when_another_section_is_saved(client, personas, version):
    client.force_login(personas.begeleider_a)
    data = page_form(client, version)
    data.update(action_fields(0, 1))
    data["uitstroom-uitstroom_onderbouwing"] = "Leest op AVI M5"
    response = client.post(editor_url(version), {**data, "section": "uitstroom"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Doel 1" in html and "Criterium 1" in html and "‘Handelingsdeel’" in html
    assert not version.actions.exists()
    assert PlanVersion.objects.get(pk=version.pk).uitstroom_onderbouwing == "Leest op AVI M5"
    # Each save is audited on its own section only.
    updates = AuditEvent.objects.filter(action="update", object_id=str(version.pk))
    assert [e.details["section"] for e in updates] == ["uitstroom"]


def test_a_stale_save_keeps_the_text_of_the_other_sections_too(client, personas, version):
    other = Client()
    other.force_login(personas.schoolleider_a)
    client.force_login(personas.begeleider_a)
    data = page_form(client, version)
    other.post(editor_url(version), {"section": "hoorrecht", "hoorrecht-revision": "0", "hoorrecht-leerling_mening": "Van de ander"})
    data.update({"hoorrecht-leerling_mening": "Van mij", "programma-programma_afwijking": "Ook van mij"})
    response = client.post(editor_url(version), {**data, "section": "hoorrecht"})
    html = response.content.decode()
    assert response.status_code == 200 and STALE in html
    assert "Van de ander" in html and "Van mij" in html and "Ook van mij" in html
    version.refresh_from_db()
    assert (version.leerling_mening, version.programma_afwijking) == ("Van de ander", "")


def test_an_invalid_save_keeps_the_text_of_the_other_sections_too(client, personas, version):
    client.force_login(personas.begeleider_a)
    data = page_form(client, version)
    data.update(action_fields(0, 1))
    data["handelingsdeel-0-who"] = ""
    data["rapporten-rapporten_weging"] = "Niet kwijtraken"
    response = client.post(editor_url(version), {**data, "section": "handelingsdeel"})
    html = response.content.decode()
    assert response.status_code == 200 and "Niet opgeslagen: verbeter de gemarkeerde velden" in html
    assert "Doel 1" in html and "Niet kwijtraken" in html
    assert not version.actions.exists() and PlanVersion.objects.get(pk=version.pk).rapporten_weging == ""


def test_text_of_every_section_comes_back_when_the_version_moved_on(client, personas, version):
    client.force_login(personas.begeleider_a)
    data = page_form(client, version)
    PlanVersion.objects.filter(pk=version.pk).update(state="instemming_gevraagd")
    data.update({"hoorrecht-leerling_mening": "Eerste tekst", "programma-programma_afwijking": "Tweede tekst"})
    html = client.post(editor_url(version), {**data, "section": "hoorrecht"}).content.decode()
    assert "kan niet meer worden gewijzigd" in html
    lost = html.split('id="h-lost"', 1)[1].split("</section>", 1)[0]
    assert "Eerste tekst" in lost and "Tweede tekst" in lost


def test_a_new_factor_row_left_alone_does_not_block_saving_the_others(client, personas, version):
    """The empty extra row posts its selects' first choices; that is not a change, so it is skipped."""
    client.force_login(personas.begeleider_a)
    data = page_form(client, version)
    data.update({"factoren-0-kind": "bevorderend", "factoren-0-domain": "omgeving", "factoren-0-text": "Betrokken ouders"})
    assert client.post(editor_url(version), {**data, "section": "factoren"}).status_code == 302
    data = page_form(client, version)  # now one factor and a new, empty row with its selects on the first choice
    assert data["factoren-TOTAL_FORMS"] == "2" and data["factoren-1-kind"] == "belemmerend"
    data["factoren-0-text"] = "Zeer betrokken ouders"
    response = client.post(editor_url(version), {**data, "section": "factoren"})
    assert response.status_code == 302
    assert list(version.factors.values_list("text", flat=True)) == ["Zeer betrokken ouders"]


def test_emptying_a_section_that_does_not_apply(client, org):
    """The vso pupil's version carries a programme text (from before a change of school type): it can be emptied,
    and an item section too."""
    editor = member(Role.BEGELEIDER, school=org.school_a2, username="begeleider_a2")
    pupil = StudentFactory(school=org.school_a2, opp_required=True)
    version = services.plan_start(actor=editor, student=pupil).versions.get()
    PlanVersion.objects.filter(pk=version.pk).update(programma_afwijking="Oude tekst")
    version.yields.create(position=1, subject="rekenen", expectation="1F")
    c = Client()
    c.force_login(editor)
    data = page_form(c, version)
    assert "programma-clear-revision" in data and "leerrendement-clear-revision" in data
    data["hoorrecht-leerling_mening"] = "Typed"
    response = c.post(editor_url(version), {**data, "clear": "programma"})
    assert response.status_code == 200 and "Typed" in response.content.decode()  # the unsaved text came back
    response = c.post(editor_url(version), {**page_form(c, version), "clear": "leerrendement"})
    assert response.status_code == 302
    version.refresh_from_db()
    assert version.programma_afwijking == "" and not version.yields.exists() and version.leerling_mening == ""


# --- Autosave endpoint ---------------------------------------------------------------------------------------------


def autosave(client, version, section, revision=0, **fields):
    data = {"section": section, f"{section}-revision": str(revision), **{f"{section}-{k}": v for k, v in fields.items()}}
    return client.post(autosave_url(version), data)


def updates_of(version):
    return AuditEvent.objects.filter(action="update", object_type="opp.planversion", object_id=str(version.pk))


def test_autosave_saves_one_section_with_one_audit_row_and_answers_json(client, personas, version):
    client.force_login(personas.begeleider_a)
    response = autosave(client, version, "hoorrecht", leerling_mening="Wil meer uitleg")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    body = response.json()
    assert body["revision"] == 1 and body["errors"] == [] and body["saved_at"]
    assert re.fullmatch(r"Opgeslagen om \d\d:\d\d", body["message"])
    version.refresh_from_db()
    assert version.leerling_mening == "Wil meer uitleg" and version.section_revisions == {"hoorrecht": 1}
    assert [e.details for e in updates_of(version)] == [{"section": "hoorrecht", "fields": ["leerling_mening"]}]
    # The next pause with more text: one more row, on the new revision.
    assert autosave(client, version, "hoorrecht", 1, leerling_mening="Wil meer uitleg bij rekenen").json()["revision"] == 2
    assert updates_of(version).count() == 2


def test_autosave_without_changes_writes_nothing(client, personas, version):
    client.force_login(personas.begeleider_a)
    autosave(client, version, "programma", programma_afwijking="Geen afwijking")
    response = autosave(client, version, "programma", 1, programma_afwijking="Geen afwijking")
    assert response.status_code == 200 and response.json()["revision"] == 1 and response.json()["saved_at"] is None
    assert updates_of(version).count() == 1


def test_autosave_of_a_stale_section_is_refused_in_dutch_and_changes_nothing(client, personas, version):
    other = Client()
    other.force_login(personas.schoolleider_a)
    client.force_login(personas.begeleider_a)
    assert autosave(other, version, "hoorrecht", leerling_mening="Van de schoolleider").status_code == 200
    response = autosave(client, version, "hoorrecht", 0, leerling_mening="Van de begeleider")
    assert response.status_code == 409
    body = response.json()
    assert body["message"].startswith("Niet opgeslagen — iemand anders heeft dit onderdeel intussen opgeslagen.")
    assert "Uw tekst staat er nog" in body["message"] and body["saved_at"] is None and body["revision"] == 1
    version.refresh_from_db()
    assert version.leerling_mening == "Van de schoolleider" and updates_of(version).count() == 1
    # A forged revision is refused as bad input, never a 500.
    assert autosave(client, version, "hoorrecht", "abc", leerling_mening="x").status_code == 400


def test_autosave_with_invalid_input_names_the_fields(client, personas, version):
    client.force_login(personas.begeleider_a)
    data = {"section": "handelingsdeel", "handelingsdeel-revision": "0", "handelingsdeel-TOTAL_FORMS": "1",
            "handelingsdeel-INITIAL_FORMS": "0", "handelingsdeel-MIN_NUM_FORMS": "0",
            "handelingsdeel-MAX_NUM_FORMS": "50", **action_fields(0, 1), "handelingsdeel-0-who": ""}
    response = client.post(autosave_url(version), data)
    assert response.status_code == 400
    body = response.json()
    assert body["message"].startswith("Niet opgeslagen — verbeter de gemarkeerde velden.")
    assert {"name": "handelingsdeel-0-who", "text": "Onderdeel 1, wie: Dit veld is verplicht."} in body["errors"]
    response = autosave(client, version, "hoorrecht", leerling_weging="x" * 20_001)
    assert response.status_code == 400 and "te lang" in json.dumps(response.json(), ensure_ascii=False)
    assert not version.actions.exists() and updates_of(version).count() == 0


def test_autosave_keeps_the_order_of_moved_rows(client, personas, version):
    """The handelingsdeel's goals (R-CONTENT-4) moved and removed by the script: the order given is the order saved."""
    client.force_login(personas.begeleider_a)
    base = {"section": "handelingsdeel", "handelingsdeel-MIN_NUM_FORMS": "0", "handelingsdeel-MAX_NUM_FORMS": "50"}
    first = {**base, "handelingsdeel-revision": "0", "handelingsdeel-TOTAL_FORMS": "2", "handelingsdeel-INITIAL_FORMS": "0",
             **action_fields(0, 1), **action_fields(1, 2)}
    assert client.post(autosave_url(version), first).status_code == 200
    # Moved: row 1 now first; row 0 removed from view and marked deleted by the script; a new row added.
    moved = {**base, "handelingsdeel-revision": "1", "handelingsdeel-TOTAL_FORMS": "3", "handelingsdeel-INITIAL_FORMS": "2",
             **action_fields(0, 1), **action_fields(1, 2), **action_fields(2, 3), "handelingsdeel-0-ORDER": "2",
             "handelingsdeel-1-ORDER": "1", "handelingsdeel-2-ORDER": "3"}
    assert client.post(autosave_url(version), moved).json()["revision"] == 2
    assert list(version.actions.values_list("position", "goal")) == [(1, "Doel 2"), (2, "Doel 1"), (3, "Doel 3")]
    removed = {**moved, "handelingsdeel-revision": "2", "handelingsdeel-0-DELETE": "on"}
    assert client.post(autosave_url(version), removed).status_code == 200
    assert list(version.actions.values_list("goal", flat=True)) == ["Doel 2", "Doel 3"]
    assert updates_of(version).count() == 3


def test_autosave_on_a_version_that_moved_on_is_refused(client, personas, version):
    client.force_login(personas.begeleider_a)
    PlanVersion.objects.filter(pk=version.pk).update(state="instemming_gevraagd")
    response = autosave(client, version, "programma", programma_afwijking="Te laat")
    assert response.status_code == 409 and "kan niet meer worden gewijzigd" in response.json()["message"]
    assert PlanVersion.objects.get(pk=version.pk).programma_afwijking == ""


@pytest.mark.parametrize(("persona", "status"), [("leerkracht_a", 403), ("bestuurder_a", 403), ("begeleider_b", 404),
                                                 ("outsider", 404)])
def test_autosave_follows_the_access_rules_of_the_page(client, personas, version, persona, status):
    client.force_login(getattr(personas, persona))
    assert autosave(client, version, "programma", programma_afwijking="Niet van mij").status_code == status
    assert PlanVersion.objects.get(pk=version.pk).programma_afwijking == "" and updates_of(version).count() == 0


def test_autosave_refuses_an_unknown_section_a_get_and_the_anonymous(client, personas, version):
    assert autosave(client, version, "programma", programma_afwijking="x").status_code == 302  # to the login page
    client.force_login(personas.begeleider_a)
    assert autosave(client, version, "geheim", programma_afwijking="x").status_code == 404
    assert client.get(autosave_url(version)).status_code == 405


def test_autosave_needs_the_csrf_token(personas, version):
    c = Client(enforce_csrf_checks=True)
    c.force_login(personas.begeleider_a)
    assert autosave(c, version, "programma", programma_afwijking="Zonder token").status_code == 403
    assert PlanVersion.objects.get(pk=version.pk).programma_afwijking == ""
    c.get(editor_url(version))
    token = c.cookies["csrftoken"].value
    response = c.post(autosave_url(version), {"section": "programma", "programma-revision": "0",
                                              "programma-programma_afwijking": "Met token"}, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200
    assert PlanVersion.objects.get(pk=version.pk).programma_afwijking == "Met token"


def test_autosave_queries_are_bounded(client, personas, version, django_assert_max_num_queries):
    client.force_login(personas.begeleider_a)
    autosave(client, version, "hoorrecht", leerling_mening="Eerste")  # warm up session and caches
    with django_assert_max_num_queries(30):
        assert autosave(client, version, "hoorrecht", 1, leerling_mening="Tweede").status_code == 200


def test_the_editor_loads_its_script_and_has_a_status_per_section(client, personas, version):
    client.force_login(personas.begeleider_a)
    html = client.get(editor_url(version)).content.decode()
    assert '<script src="/static/js/editor.js"></script>' in html or re.search(r'<script src="[^"]*editor[^"]*\.js"', html)
    assert f'data-autosave-url="{autosave_url(version)}"' in html
    for key in ["algemeen", "uitstroom", "handelingsdeel", "hoorrecht"]:
        assert f'id="sectie-{key}"' in html
        assert f'<p class="small mb-0 save-status" id="status-{key}" aria-live="polite"></p>' in html
    assert '<template id="nieuw-handelingsdeel">' in html and "handelingsdeel-__prefix__-goal" in html
    assert " style=" not in html.split('id="editor-form"', 1)[1]  # strict CSP: no inline styles for the script to copy


def test_read_only_roles_get_no_editor_form_and_no_script(client, personas, version):
    client.force_login(personas.leerkracht_a)
    html = client.get(editor_url(version)).content.decode()
    assert 'id="editor-form"' not in html and "editor.js" not in html
    assert 'id="sectie-hoorrecht"' in html
