"""The audit log of a school and a board (issue 10 item 6; DOMAIN "Retention and privacy": every read and write
logged — who, what, when, never the content).

- who may read the log (schoolleider: own school; bestuurder: the board's schools), its filters, pages, CSV;
- the pupil page's "who viewed this file";
- refusals (403 and the 404 of another school's object) each leave one DENIED row;
- every page that shows pupil data leaves a VIEW (or EXPORT) row naming the object;
- no row and no log record holds OPP content (a marker string written everywhere a user can type).
"""

import csv
import datetime
import hashlib
import json
import logging
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property

from audit import log as audit
from audit.middleware import RefusalAuditMiddleware
from audit.models import AuditEvent
from tests.auth import login
from tests.conftest import PASSWORD
from tests.factories import (
    SCAN_PDF,
    ConsultationFactory,
    PlacementEventFactory,
    StudentFactory,
    UserFactory,
    adopted_plan,
    evaluation_data,
    parent_of,
    progress_for,
    ter_vaststelling,
    version_for_consent,
)

LOG = reverse("audit_log")
A = audit.Action
AMS = ZoneInfo("Europe/Amsterdam")


@pytest.fixture(autouse=True)
def _private_media(private):
    """Every test here stores files: each in its own folder (the `private` fixture of tests/conftest.py)."""


def _name(user, first, last):
    user.first_name, user.last_name = first, last
    user.save()
    return user


@pytest.fixture
def three_schools(org, personas):
    """One VIEW row in each school, by people with recognisable names."""
    _name(personas.begeleider_a, "Anna", "Alfa")
    _name(personas.commissie_a2, "Carla", "Commissie")
    _name(personas.begeleider_b, "Bert", "Bravo")
    pupils = SimpleNamespace(a=StudentFactory(school=org.school_a), a2=StudentFactory(school=org.school_a2),
                             b=StudentFactory(school=org.school_b))
    audit.record(personas.begeleider_a, A.VIEW, pupils.a)
    audit.record(personas.commissie_a2, A.VIEW, pupils.a2)
    audit.record(personas.begeleider_b, A.VIEW, pupils.b)
    return pupils


def _table(response) -> str:
    html = response.content.decode()
    return html[html.index("<table"):html.index("</table>")]


def _shown(response) -> list[tuple[str, str]]:
    return [(r["event"].object_type, r["event"].object_id) for r in response.context["rows"]]


# --- Who may read the log -----------------------------------------------------------------------------


def test_schoolleider_sees_the_rows_of_their_own_school_only(client, personas, three_schools):
    response = login(client, personas.schoolleider_a).get(LOG)
    assert response.status_code == 200
    table = _table(response)
    assert "Anna Alfa" in table
    assert "Carla Commissie" not in table  # school A2 belongs to the same board, not to this schoolleider
    assert "Bert Bravo" not in table


def test_bestuurder_sees_every_school_of_the_board_and_no_other_board(client, personas, three_schools):
    table = _table(login(client, personas.bestuurder_a).get(LOG))
    assert "Anna Alfa" in table and "Carla Commissie" in table
    assert "Bert Bravo" not in table


def test_bestuurder_of_board_b_does_not_see_board_a(client, personas, three_schools):
    table = _table(login(client, personas.bestuurder_b).get(LOG))
    assert "Bert Bravo" in table
    assert "Anna Alfa" not in table and "Carla Commissie" not in table


@pytest.mark.parametrize("persona", ["leerkracht_a", "begeleider_a", "commissie_a2", "geschillen_a", "beheerder_a",
                                     "outsider"])
def test_others_get_403(client, personas, three_schools, persona):
    response = login(client, getattr(personas, persona)).get(LOG)
    assert response.status_code == 403
    assert "<table" not in response.content.decode()


def test_a_parent_gets_403(client, org, personas):
    pupil = StudentFactory(school=org.school_a)
    parent = parent_of(pupil, username="ouder_log")
    assert login(client, parent.user).get(LOG).status_code == 403


def test_anonymous_goes_to_the_login_page(client, three_schools):
    response = client.get(LOG)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_navigation_shows_logboek_only_with_the_right(client, personas):
    start = reverse("staff_start")
    assert f'href="{LOG}"' in login(client, personas.schoolleider_a).get(start).content.decode()
    assert f'href="{LOG}"' in login(client, personas.bestuurder_a).get(start).content.decode()
    assert f'href="{LOG}"' not in login(client, personas.leerkracht_a).get(start).content.decode()


def test_reading_the_log_is_itself_logged_with_filter_names_only(client, personas, three_schools):
    login(client, personas.schoolleider_a).get(LOG, {"persoon": "alfa", "leerling": three_schools.a.pupil_number})
    row = AuditEvent.objects.filter(actor=personas.schoolleider_a, action=A.VIEW).get()
    assert row.object_type == "audit.auditevent"
    assert row.school == personas.schoolleider_a.memberships.get().school
    assert row.details["filters"] == ["persoon", "leerling"]
    assert "alfa" not in json.dumps(row.details) and three_schools.a.pupil_number not in json.dumps(row.details)


# --- What a row shows -----------------------------------------------------------------------------------


def test_row_shows_amsterdam_time_full_name_action_dutch_object_type_and_address(client, org, personas):
    pupil = StudentFactory(school=org.school_a)
    _name(personas.leerkracht_a, "Lotte", "Leerkracht")
    token = audit.set_request_ip("203.0.113.9")
    try:
        with time_machine.travel(datetime.datetime(2026, 7, 1, 10, 0, tzinfo=datetime.UTC), tick=False):
            audit.record(personas.leerkracht_a, A.VIEW, pupil)
    finally:
        audit.reset_request_ip(token)
    table = _table(login(client, personas.schoolleider_a).get(LOG))
    assert "1 juli 2026 12:00:00" in table  # 10:00 UTC is 12:00 summer time in Amsterdam
    assert "Lotte Leerkracht" in table
    assert "bekeken" in table
    assert "leerling" in table
    assert f"<td>{pupil.pk}</td>" in table
    assert "203.0.113.9" in table


def test_a_row_without_an_account_shows_the_label(client, org, personas):
    audit.record(None, A.UPDATE, school=org.school_a, actor_label="ouder@example.nl")
    assert "ouder@example.nl" in _table(login(client, personas.schoolleider_a).get(LOG))


def test_rows_without_a_school_are_not_in_a_schools_log_and_the_page_says_so(client, org, personas):
    audit.record(personas.begeleider_a, A.LOGIN)
    response = login(client, personas.schoolleider_a).get(LOG)
    assert response.context["page"].paginator.count == 0
    assert "Alleen regels die bij de school horen staan hier" in response.content.decode()


# --- Filters --------------------------------------------------------------------------------------------


def test_filter_on_dates_in_amsterdam_days(client, org, personas):
    pupil = StudentFactory(school=org.school_a)
    for when in ["2026-03-01T22:30:00+00:00",  # 1 March 23:30 in Amsterdam
                 "2026-03-01T23:30:00+00:00",  # 2 March 00:30 in Amsterdam
                 "2026-03-05T12:00:00+00:00"]:
        with time_machine.travel(datetime.datetime.fromisoformat(when), tick=False):
            audit.record(personas.begeleider_a, A.VIEW, pupil)
    login(client, personas.schoolleider_a)
    assert client.get(LOG, {"van": "2026-03-02"}).context["page"].paginator.count == 2
    assert client.get(LOG, {"tot": "2026-03-01"}).context["page"].paginator.count == 1
    assert client.get(LOG, {"van": "02-03-2026", "tot": "2026-03-04"}).context["page"].paginator.count == 1


def test_filter_on_action_and_person(client, org, personas):
    pupil = StudentFactory(school=org.school_a)
    audit.record(personas.begeleider_a, A.VIEW, pupil)
    audit.record(personas.begeleider_a, A.UPDATE, pupil)
    audit.record(personas.leerkracht_a, A.VIEW, pupil)
    login(client, personas.schoolleider_a)
    rows = client.get(LOG, {"handeling": "update"}).context["rows"]
    assert [(r["event"].actor, r["event"].action) for r in rows] == [(personas.begeleider_a, "update")]
    rows = client.get(LOG, {"persoon": "KRACHT"}).context["rows"]
    assert [r["event"].actor for r in rows] == [personas.leerkracht_a]


def test_filter_on_school_for_a_bestuurder(client, personas, three_schools, org):
    response = login(client, personas.bestuurder_a).get(LOG, {"school": org.school_a2.pk})
    table = _table(response)
    assert "Carla Commissie" in table and "Anna Alfa" not in table
    assert 'name="school"' in response.content.decode()


def test_school_filter_is_not_offered_with_one_school_and_cannot_reach_another(client, personas, three_schools, org):
    response = login(client, personas.schoolleider_a).get(LOG, {"school": org.school_b.pk})
    assert 'name="school"' not in response.content.decode()
    assert "Bert Bravo" not in _table(response)


@pytest.fixture
def pupil_history(org, personas):
    """Rows about pupil P-777 (the pupil, its plan, version, consultation and a since-deleted guardian link) and
    a row about another pupil."""
    from students import services as student_services

    pupil = StudentFactory(school=org.school_a, pupil_number="P-777")
    other = StudentFactory(school=org.school_a, pupil_number="P-888")
    version = adopted_plan(pupil, by=personas.begeleider_a)
    consultation = ConsultationFactory(plan=version.plan, version=version)
    parent_of(pupil, name="Ouder van P")
    link = pupil.guardian_links.get()
    link_pk = str(link.pk)
    audit.record(personas.leerkracht_a, A.VIEW, pupil)
    audit.record(personas.begeleider_a, A.VIEW, version.plan)
    audit.record(personas.begeleider_a, A.VIEW, version)
    audit.record(personas.begeleider_a, A.UPDATE, consultation, details={"fields": ["summary"]})
    student_services.guardian_unlink(actor=personas.begeleider_a, link=link)
    audit.record(personas.leerkracht_a, A.VIEW, other)
    return SimpleNamespace(pupil=pupil, other=other, version=version, consultation=consultation, link_pk=link_pk)


def test_filter_on_pupil_number_finds_the_pupil_and_its_objects(client, personas, pupil_history):
    h = pupil_history
    response = login(client, personas.schoolleider_a).get(LOG, {"leerling": "P-777"})
    assert set(_shown(response)) == {
        ("students.student", str(h.pupil.pk)), ("opp.plan", str(h.version.plan_id)),
        ("opp.planversion", str(h.version.pk)), ("opp.consultation", str(h.consultation.pk)),
        ("students.guardianlink", h.link_pk),
    }


def test_filter_on_pupil_id_from_the_pupil_page_link(client, personas, pupil_history):
    response = login(client, personas.schoolleider_a).get(LOG, {"leerling_id": pupil_history.pupil.pk})
    assert ("students.student", str(pupil_history.other.pk)) not in _shown(response)
    assert len(_shown(response)) == 5
    html = response.content.decode()
    assert "Gefilterd op de leerling met leerlingnummer P-777" in html
    assert "Dit filter wissen" in html


def test_pupil_of_another_school_is_not_found_and_the_rest_is_still_shown(client, org, personas, pupil_history):
    StudentFactory(school=org.school_b, pupil_number="B-123")
    response = login(client, personas.schoolleider_a).get(LOG, {"leerling": "B-123"})
    assert response.status_code == 200
    assert "Er is geen leerling met dit leerlingnummer" in response.content.decode()
    assert ("students.student", str(pupil_history.other.pk)) in _shown(response)


@pytest.mark.parametrize("params, field, message", [
    ({"van": "2026-13-45"}, "van", "Vul een geldige datum in"),
    ({"tot": "gisteren"}, "tot", "Vul een geldige datum in"),
    ({"van": "0001-01-01"}, "van", "Kies een datum tussen 2000 en 2100"),
    ({"tot": "9999-12-31"}, "tot", "Kies een datum tussen 2000 en 2100"),
    ({"van": "2026-03-05", "tot": "2026-03-01"}, "tot", "De einddatum ligt vóór de begindatum"),
    ({"handeling": "hack"}, "handeling", "Selecteer een geldige keuze"),
    ({"leerling_id": "abc"}, "leerling_id", "Onbekende leerling"),
    ({"persoon": "a\x00b"}, "persoon", "Null-tekens zijn niet toegestaan"),
])
def test_bad_filter_input_gets_a_dutch_message_and_the_rest_still_applies(client, org, personas, params, field,
                                                                            message):
    pupil = StudentFactory(school=org.school_a)
    audit.record(personas.begeleider_a, A.VIEW, pupil)
    audit.record(personas.begeleider_a, A.UPDATE, pupil)
    response = login(client, personas.schoolleider_a).get(LOG, {**params, "handeling": params.get("handeling", "view")})
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert message in response.content.decode()
    shown = [r["event"].action for r in response.context["rows"]]
    assert shown == (["update", "view"] if field == "handeling" else ["view"])


# --- Pages and query count ------------------------------------------------------------------------------


def _rows_for(school, n):
    """n reads of one pupil by staff accounts (labelled by their username, as staff are; a portal account would be
    a pseudonym)."""
    pupil = StudentFactory(school=school)
    for i in range(n):
        reader = UserFactory(username=f"lezer{school.pk}_{AuditEvent.objects.count()}_{i}")
        audit.record(reader, A.VIEW, pupil, actor_label=reader.username)


def test_pages_of_50_newest_first(client, org, personas):
    _rows_for(org.school_a, 120)
    login(client, personas.schoolleider_a)
    only_readers = {"persoon": "lezer"}  # leaves out the rows of the schoolleider's own log readings
    first = client.get(LOG, only_readers)
    assert len(first.context["rows"]) == 50
    ids = [r["event"].pk for r in first.context["rows"]]
    assert ids == sorted(ids, reverse=True)
    html = first.content.decode()
    assert "Pagina 1 van 3" in html and "persoon=lezer&amp;pagina=2" in html  # the filter stays on the next page
    last = client.get(LOG, {**only_readers, "pagina": 3})
    assert len(last.context["rows"]) == 20
    assert client.get(LOG, {"pagina": "x"}).status_code == 200


def test_query_count_is_the_same_at_5_and_50_rows(client, org, personas):
    login(client, personas.schoolleider_a)
    _rows_for(org.school_a, 5)
    with CaptureQueriesContext(connection) as five:
        assert len(client.get(LOG).context["rows"]) == 5
    _rows_for(org.school_a, 45)
    with CaptureQueriesContext(connection) as fifty:
        # 50 rows by 50 different people, plus the two log readings: still one page query.
        response = client.get(LOG)
    assert len(response.context["rows"]) == 50
    assert len(five) == len(fifty)


# --- CSV export ------------------------------------------------------------------------------------------


def _csv(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    return list(csv.reader(response.content.decode("utf-8-sig").splitlines(), delimiter=";"))


def test_csv_export_holds_the_filtered_rows_of_the_own_school_and_is_audited(client, personas, three_schools):
    response = login(client, personas.schoolleider_a).get(LOG, {"format": "csv", "handeling": "view"})
    lines = _csv(response)
    assert lines[0][:4] == ["Tijdstip", "Wie", "Gebruikersnaam", "Handeling"]
    assert [line[1] for line in lines[1:]] == ["Anna Alfa"]
    assert lines[1][4] == "leerling" and lines[1][5] == str(three_schools.a.pk)
    row = AuditEvent.objects.get(actor=personas.schoolleider_a, action=A.EXPORT)
    assert row.object_type == "audit.auditevent"
    assert row.details == {"filters": ["handeling"], "format": "csv", "rows": 1, "truncated": False}


def test_csv_export_is_capped_with_a_message(client, org, personas, monkeypatch):
    from audit import views as audit_views

    monkeypatch.setattr(audit_views, "EXPORT_LIMIT", 3)
    _rows_for(org.school_a, 5)
    login(client, personas.schoolleider_a)
    assert "Een export bevat ten hoogste 3 regels" in client.get(LOG).content.decode()
    lines = _csv(client.get(LOG, {"format": "csv", "handeling": "view", "persoon": "lezer"}))
    assert len(lines) == 1 + 3 + 1
    assert lines[-1][0].startswith("Let op: de export bevat alleen de nieuwste 3 regels")
    assert AuditEvent.objects.get(action=A.EXPORT).details["truncated"] is True


def test_csv_cells_cannot_become_formulas(client, org, personas):
    audit.record(None, A.UPDATE, school=org.school_a, actor_label="=HYPERLINK(\"http://x\")")
    lines = _csv(login(client, personas.schoolleider_a).get(LOG, {"format": "csv"}))
    assert lines[1][1].startswith("'=")


def test_csv_export_is_refused_to_others(client, personas, three_schools):
    assert login(client, personas.leerkracht_a).get(LOG, {"format": "csv"}).status_code == 403
    assert not AuditEvent.objects.filter(action=A.EXPORT).exists()


# --- The pupil page: who viewed this file ---------------------------------------------------------------


def _panel(html: str) -> str:
    start = html.index('id="h-viewers"')
    return html[start:html.index("</section>", start)]


def test_pupil_page_shows_the_schoolleider_who_viewed_the_file(client, org, personas):
    pupil = StudentFactory(school=org.school_a)
    other = StudentFactory(school=org.school_a)
    version = adopted_plan(pupil, by=personas.begeleider_a)
    _name(personas.leerkracht_a, "Lotte", "Leerkracht")
    _name(personas.begeleider_a, "Anna", "Alfa")
    _name(personas.begeleider_b, "Bert", "Bravo")
    login(client, personas.leerkracht_a).get(reverse("students:detail", args=[pupil.pk]))
    login(client, personas.begeleider_a).get(reverse("opp:version", args=[version.pk]))
    audit.record(personas.begeleider_b, A.VIEW, other)  # another pupil: not listed
    audit.record(personas.begeleider_a, A.UPDATE, version)  # not a read: not listed
    html = login(client, personas.schoolleider_a).get(reverse("students:detail", args=[pupil.pk])).content.decode()
    panel = _panel(html)
    assert "Lotte Leerkracht" in panel and "Anna Alfa" in panel
    assert "Bert Bravo" not in panel
    assert panel.count("<li class=\"py-1\">") == 3  # leerkracht, begeleider and this visit
    assert f'{LOG}?leerling_id={pupil.pk}' in panel


def test_pupil_page_has_no_panel_for_a_leerkracht(client, org, personas):
    pupil = StudentFactory(school=org.school_a)
    html = login(client, personas.leerkracht_a).get(reverse("students:detail", args=[pupil.pk])).content.decode()
    assert "Wie heeft dit dossier bekeken" not in html


def test_pupil_page_panel_costs_the_same_queries_for_1_and_20_views(client, org, personas):
    pupil = StudentFactory(school=org.school_a)
    url = reverse("students:detail", args=[pupil.pk])
    login(client, personas.schoolleider_a)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for i in range(25):
        audit.record(UserFactory(username=f"kijker{i}"), A.VIEW, pupil)
    with CaptureQueriesContext(connection) as many:
        html = client.get(url).content.decode()
    assert _panel(html).count("<li class=\"py-1\">") == 20
    assert len(one) == len(many)


# --- Refusals ---------------------------------------------------------------------------------------------


def test_a_403_leaves_one_denied_row_in_the_schools_log(client, org, personas):
    pupil = StudentFactory(school=org.school_a)
    response = login(client, personas.leerkracht_a).get(reverse("students:edit", args=[pupil.pk]))
    assert response.status_code == 403
    row = AuditEvent.objects.get(action=A.DENIED)
    assert row.actor == personas.leerkracht_a
    assert row.school == org.school_a
    assert row.details == {"path_name": "students:edit", "status": 403, "ids": {"pk": pupil.pk}}


def test_a_404_for_another_schools_pupil_leaves_one_denied_row_in_that_schools_log(client, org, personas):
    pupil = StudentFactory(school=org.school_a)
    _name(personas.begeleider_b, "Bert", "Bravo")
    response = login(client, personas.begeleider_b).get(reverse("students:detail", args=[pupil.pk]))
    assert response.status_code == 404
    row = AuditEvent.objects.get(action=A.DENIED)
    assert (row.actor, row.school) == (personas.begeleider_b, org.school_a)
    assert row.details == {"path_name": "students:detail", "status": 404, "ids": {"pk": pupil.pk}}
    # The schoolleider of the probed school sees it.
    table = _table(login(client, personas.schoolleider_a).get(LOG, {"handeling": "denied"}))
    assert "Bert Bravo" in table and "toegang geweigerd" in table


def test_refused_log_page_is_a_denied_row_of_the_own_school(client, org, personas):
    login(client, personas.leerkracht_a).get(LOG)
    row = AuditEvent.objects.get(action=A.DENIED)
    assert (row.school, row.details["path_name"], row.details["status"]) == (org.school_a, "audit_log", 403)


def test_a_404_of_a_plan_of_another_board_names_that_school(client, org, personas):
    version = adopted_plan(StudentFactory(school=org.school_b), by=personas.begeleider_b)
    assert login(client, personas.bestuurder_a).get(reverse("opp:plan", args=[version.plan_id])).status_code == 404
    row = AuditEvent.objects.get(action=A.DENIED)
    assert (row.school, row.details["status"]) == (org.school_b, 404)


def test_unknown_urls_and_anonymous_visitors_leave_no_denied_row(client, org, personas):
    pupil = StudentFactory(school=org.school_a)
    client.get(reverse("students:detail", args=[pupil.pk]))  # anonymous: login redirect
    login(client, personas.begeleider_a).get("/bestaat-niet/")
    assert not AuditEvent.objects.filter(action=A.DENIED).exists()


def test_code_that_records_its_own_refusal_is_not_doubled(org, personas):
    request = RequestFactory().get("/")
    request.user = personas.begeleider_a
    request.resolver_match = None

    def view(req):
        audit.record(req.user, A.DENIED, school=org.school_a, details={"reason": "eigen"})
        return middleware.process_exception(req, PermissionDenied())

    middleware = RefusalAuditMiddleware(view)
    middleware(request)
    assert AuditEvent.objects.filter(action=A.DENIED).count() == 1
    # The next request starts clean.
    RefusalAuditMiddleware(lambda req: middleware.process_exception(req, PermissionDenied()))(request)
    assert AuditEvent.objects.filter(action=A.DENIED).count() == 2


# --- Every page that shows pupil data is logged ----------------------------------------------------------


class World:
    """A pupil of school A with a parent in the portal, an adopted plan with a revision, a consultation, a
    placement, an evaluation, a commission evaluation and a dispute with a document, a letter and a dossier.
    The adopted-through-the-board pupil (archived PDF, consent on paper) is built only when a case needs it."""

    def __init__(self, org, personas):
        from disputes.models import Dispute, DisputeDocument, DossierExport
        from evaluations import services as evaluation_services
        from evaluations.models import CommissionEvaluation
        from opp import services as opp_services
        from opp_portal import uploads

        self.org, self.personas = org, personas
        by = personas.begeleider_a
        today = timezone.localdate()
        self.pupil = StudentFactory(school=org.school_a, opp_required=True, support_level="extra")
        self.parent = parent_of(self.pupil, username="ouder_w").user
        self.link = self.pupil.guardian_links.get()
        self.placement = PlacementEventFactory(student=self.pupil)
        self.v1 = adopted_plan(self.pupil, by=by)
        self.plan = self.v1.plan
        self.consultation = ConsultationFactory(plan=self.plan, version=self.v1)
        self.evaluation = evaluation_services.evaluation_record(actor=by, plan=self.plan, data=evaluation_data(today),
                                                                progress=progress_for(self.v1))
        self.commission = CommissionEvaluation.objects.create(
            plan=self.plan, school_year="2026-2027", held_on=today, evaluation="Loopt goed.", report="Verslag.",
            advice="geen", created_by=by)
        self.v2 = opp_services.revision_start(actor=by, plan=self.plan)
        self.dispute = Dispute.objects.create(
            plan=self.plan, version=self.v1, subject="vaststelling", made_known_on=datetime.date(2026, 10, 1),
            filed_on=datetime.date(2026, 12, 1), received_on=datetime.date(2026, 12, 3),
            hearing_on=datetime.date(2027, 1, 20), state="reactie_verzonden", advice="gegrond",
            advice_on=datetime.date(2027, 2, 10), advice_recommendations="Meer leestijd.", response="volgt",
            response_sent_parents_on=datetime.date(2027, 2, 20), response_sent_commission_on=datetime.date(2027, 2, 20),
            created_by=personas.geschillen_a)
        stored = uploads.store(SimpleUploadedFile("v.pdf", SCAN_PDF, content_type="application/pdf"), folder="geschillen")
        self.document = DisputeDocument.objects.create(
            dispute=self.dispute, title="Verslag", stored_name=stored.name, content_type="application/pdf",
            size=stored.size, sha256="0" * 64, uploaded_by=personas.geschillen_a)
        stored = uploads.store(SimpleUploadedFile("d.pdf", SCAN_PDF, content_type="application/pdf"), folder="dossiers")
        self.export = DossierExport.objects.create(dispute=self.dispute, requested_by=personas.geschillen_a,
                                                   state="klaar", stored_name=stored.name,
                                                   sha256=hashlib.sha256(SCAN_PDF).hexdigest())

    @cached_property
    def adopted(self):
        """Pupil 2: consent on paper (with a scan), submitted and adopted by the board (archived PDF)."""
        from opp import adoption
        from opp.models import ConsentRequest

        pupil = StudentFactory(school=self.org.school_a, opp_required=True, support_level="extra")
        parent_of(pupil, email="papier@example.nl")
        version = ter_vaststelling(version_for_consent(pupil, by=self.personas.begeleider_a),
                                   by=self.personas.begeleider_a)
        adoption.adopt(actor=self.personas.bestuurder_a, version=version, password=PASSWORD)
        version.refresh_from_db()
        request = ConsentRequest.objects.get(version=version)
        return SimpleNamespace(version=version, request=request, answer=request.answers.get())


#: (url name, who, the row's action, the URL's arguments, the object the row must name)
COVERAGE = [
    ("students:detail", "schoolleider_a", "view", lambda w: [w.pupil.pk], lambda w: w.pupil),
    ("students:edit", "begeleider_a", "view", lambda w: [w.pupil.pk], lambda w: w.pupil),
    ("students:guardian_edit", "begeleider_a", "view", lambda w: [w.pupil.pk, w.link.pk], lambda w: w.link),
    ("students:placement_edit", "begeleider_a", "view", lambda w: [w.pupil.pk, w.placement.pk], lambda w: w.placement),
    ("opp:plan", "leerkracht_a", "view", lambda w: [w.plan.pk], lambda w: w.plan),
    ("opp:version", "leerkracht_a", "view", lambda w: [w.v1.pk], lambda w: w.v1),
    ("opp:diff", "leerkracht_a", "view", lambda w: [w.v2.pk], lambda w: w.v2),
    ("opp:consultation_edit", "begeleider_a", "view", lambda w: [w.plan.pk, w.consultation.pk],
     lambda w: w.consultation),
    ("opp:version_pdf", "leerkracht_a", "export", lambda w: [w.v1.pk], lambda w: w.v1),
    ("opp:consent_paper", "begeleider_a", "view", lambda w: [w.adopted.request.pk], lambda w: w.adopted.request),
    ("opp:consent_scan", "begeleider_a", "export", lambda w: [w.adopted.answer.pk], lambda w: w.adopted.answer),
    ("opp:archived_pdf", "leerkracht_a", "export", lambda w: [w.adopted.version.pk], lambda w: w.adopted.version),
    ("opp:adoption_review", "bestuurder_a", "view", lambda w: [w.adopted.version.pk], lambda w: w.adopted.version),
    ("evaluations:record", "begeleider_a", "view", lambda w: [w.plan.pk], lambda w: w.v1),
    ("evaluations:detail", "leerkracht_a", "view", lambda w: [w.evaluation.pk], lambda w: w.evaluation),
    ("evaluations:pdf", "leerkracht_a", "export", lambda w: [w.evaluation.pk], lambda w: w.evaluation),
    ("evaluations:commission_detail", "schoolleider_a", "view", lambda w: [w.commission.pk], lambda w: w.commission),
    ("disputes:detail", "geschillen_a", "view", lambda w: [w.dispute.pk], lambda w: w.dispute),
    ("disputes:document", "geschillen_a", "export", lambda w: [w.dispute.pk, w.document.pk], lambda w: w.document),
    ("disputes:letter", "geschillen_a", "export", lambda w: [w.dispute.pk], lambda w: w.dispute),
    ("disputes:export_download", "geschillen_a", "export", lambda w: [w.dispute.pk, w.export.pk],
     lambda w: w.dispute),
    ("portal:child", "parent", "view", lambda w: [w.pupil.pk], lambda w: w.v1),
    ("portal:version", "parent", "view", lambda w: [w.v1.pk], lambda w: w.v1),
    ("portal:version_pdf", "parent", "export", lambda w: [w.v1.pk], lambda w: w.v1),
    ("portal:evaluation_pdf", "parent", "export", lambda w: [w.evaluation.pk], lambda w: w.evaluation),
]


@pytest.mark.parametrize("url_name, who, action, args, expected", COVERAGE, ids=[c[0] for c in COVERAGE])
def test_every_page_with_pupil_data_logs_its_read(client, org, personas, url_name, who, action, args, expected):
    world = World(org, personas)
    user = world.parent if who == "parent" else getattr(personas, who)
    url, obj = reverse(url_name, args=args(world)), expected(world)
    last = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    response = login(client, user).get(url)
    assert response.status_code == 200, url_name
    rows = AuditEvent.objects.filter(pk__gt=last)
    assert rows.filter(actor=user, action=action, object_type=obj._meta.label_lower, object_id=str(obj.pk),
                       school=org.school_a).exists(), list(rows.values_list("action", "object_type", "object_id"))


# --- No OPP content in the log ------------------------------------------------------------------------------

MARKER = "ZEBRA-7319-MARKER"


def _marker_data(section: str, version) -> dict:
    """Every field of a scalar section: the marker in each text, a valid value in the others."""
    from opp import sections as S
    from opp import services as opp_services
    from opp.models import PlanVersion

    data = {}
    for name in opp_services.SECTION_SCALARS[section]:
        field = PlanVersion._meta.get_field(name)
        kind = field.get_internal_type()
        if name == "uitstroom_profiel":
            data[name] = S.uitstroom_choices(version.plan.student.onderwijssoort)[0][0]
        elif kind in ("BooleanField", "NullBooleanField"):
            data[name] = True
        elif kind == "DateField":
            data[name] = timezone.localdate()
        elif field.choices:
            data[name] = field.choices[0][0]
        elif kind == "JSONField":
            data[name] = field.get_default()
        else:
            assert field.max_length is None or field.max_length >= len(MARKER), name
            data[name] = f"{MARKER} {name}"
    return data


def test_no_audit_row_and_no_log_record_holds_opp_content(client, org, personas, caplog):
    """Write the marker into every free-text field a user fills in along the main paths — the version's sections
    and items, a consultation with suggestions, consent answers, parents' reactions and the school's response,
    the adoption, an evaluation with progress notes and a reaction to it, and the withdrawal — and read the
    pages back. Then neither the audit rows nor any log record (captured at DEBUG) contains it."""
    from evaluations import services as evaluation_services
    from evaluations.models import Evaluation
    from opp import adoption
    from opp import consent_services as cs
    from opp import services as opp_services
    from opp.models import Reaction
    from students.models import Guardian

    caplog.set_level(logging.DEBUG)
    by, board = personas.begeleider_a, personas.bestuurder_a
    pupil = StudentFactory(school=org.school_a, opp_required=True, support_level="extra")
    parent = parent_of(pupil, username="ouder_m").user
    parent_of(pupil, email="papier_m@example.nl")
    plan = opp_services.plan_start(actor=by, student=pupil)
    version = plan.versions.get()

    # The version: every scalar section, then the three lists of items.
    # The doelgroepenmodel is refused for a bao plan (opp.ldgm.applies); its text is checked in test_ldgm.py.
    for section in [s for s in opp_services.SECTION_SCALARS if s != "ldgm"]:
        version = opp_services.version_save_section(
            actor=by, version=version, section=section, revision=version.section_revisions.get(section, 0),
            data=_marker_data(section, version))
    items = {
        "factoren": [{"kind": "belemmerend", "domain": "kind", "text": f"{MARKER} factor 1"},
                     {"kind": "bevorderend", "domain": "omgeving", "text": f"{MARKER} factor 2"}],
        "handelingsdeel": [{f: f"{MARKER} {f}" for f in ("goal", "approach", "who", "frequency", "evaluation_moment",
                                                         "evaluation_criterion")}],
        "leerrendement": [{"subject": "begrijpend_lezen", "expectation": f"{MARKER} verwachting"}],
    }
    for section, rows in items.items():
        version = opp_services.version_save_section(actor=by, version=version, section=section,
                                                    revision=version.section_revisions.get(section, 0), items=rows)
    # OPDC and commission sections do not belong to a bao plan: emptied again (a blocking finding otherwise).
    for section in ("opdc", "commissie"):
        version = opp_services.version_save_section(
            actor=by, version=version, section=section, revision=version.section_revisions[section],
            data={k: ("" if isinstance(v, str) else None) for k, v in _marker_data(section, version).items()})
    opp_services.version_to_overleg(actor=by, version=version)

    # Consultation (OOGO) with the parents' suggestions, then changed.
    consultation_data = {"version": version, "held_on": timezone.localdate(), "parents_present": True,
                         "pupil_present": False, "staff_present": f"{MARKER} staf", "others_present": f"{MARKER} anderen",
                         "agreement": "ja", "summary": f"{MARKER} samenvatting", "internal_note": f"{MARKER} intern"}
    suggestions = [{"text": f"{MARKER} suggestie", "response": f"{MARKER} antwoord", "outcome": "overgenomen"}]
    consultation = opp_services.consultation_record(actor=by, plan=plan, data=consultation_data, suggestions=suggestions)
    opp_services.consultation_update(actor=by, consultation=consultation,
                                     data={**consultation_data, "summary": f"{MARKER} samenvatting 2"},
                                     suggestions=suggestions)

    # Parents react in the portal (view); the school answers (view).
    login(client, parent)
    assert client.post(reverse("portal:react", args=[version.pk]), {"text": f"{MARKER} reactie"}).status_code == 302
    reaction = Reaction.objects.get(version=version)
    login(client, by)
    assert client.post(reverse("opp:reaction_respond", args=[reaction.pk]),
                       {"response": f"{MARKER} schoolreactie"}).status_code == 302

    # Consent: in the portal and on paper, each with an explanation.
    request = cs.request_send(actor=by, version=version)
    for party in request.parties:
        if Guardian.objects.get(pk=party["id"]).user == parent:
            cs.answer_in_portal(user=parent, request=request, party_kind="guardian", party_id=party["id"],
                                answer="ja", explanation=f"{MARKER} toelichting portaal", ip=None)
        else:
            cs.answer_on_paper(actor=by, request=request, party_kind=party["kind"], party_id=party["id"], answer="ja",
                               explanation=f"{MARKER} toelichting papier", signed_on=timezone.localdate(),
                               scan_upload=SimpleUploadedFile("s.pdf", SCAN_PDF, content_type="application/pdf"))

    # Submit and adopt (renders and archives the PDF).
    adoption.submit(actor=by, version=version)
    adoption.adopt(actor=board, version=version, password=PASSWORD)

    # Evaluation with progress notes; the parent reacts to it in the portal (view).
    version.refresh_from_db()
    evaluation = evaluation_services.evaluation_record(
        actor=by, plan=plan, progress=progress_for(version, note=f"{MARKER} voortgang"),
        data=evaluation_data(timezone.localdate(), others_present=f"{MARKER} aanwezig",
                             pupil_view=f"{MARKER} mening", conclusion=f"{MARKER} conclusie"))
    login(client, parent)
    assert client.post(reverse("portal:evaluation_react", args=[evaluation.pk]),
                       {"text": f"{MARKER} evaluatiereactie"}).status_code == 302

    # Reading it all back, then withdrawing with reasons.
    login(client, by)
    client.get(reverse("students:detail", args=[pupil.pk]))
    for url in [reverse("opp:plan", args=[plan.pk]),
                reverse("opp:version", args=[version.pk]), reverse("evaluations:detail", args=[evaluation.pk])]:
        assert MARKER in client.get(url).content.decode()  # the content is there, for those who may read it
    login(client, parent)
    assert MARKER in client.get(reverse("portal:child", args=[pupil.pk])).content.decode()
    plan.refresh_from_db()
    opp_services.plan_withdraw(actor=personas.schoolleider_mandaat_a, plan=plan, reason=f"{MARKER} reden",
                               on_date=timezone.localdate())

    # The marker really went in everywhere (a test that wrote nothing could not fail).
    assert Evaluation.objects.get(pk=evaluation.pk).conclusion.startswith(MARKER)
    rows = list(AuditEvent.objects.all())
    assert len(rows) > 25
    for row in rows:
        assert MARKER not in json.dumps(row.details, ensure_ascii=False), (row.action, row.object_type, row.details)
        assert MARKER not in row.actor_label and MARKER not in row.object_id
    assert caplog.records, "nothing was logged at all: the capture is not working"
    for record in caplog.records:
        assert MARKER not in record.getMessage(), record.name
