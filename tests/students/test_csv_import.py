"""CSV import of pupils (issue 3, part 5): dry run, all-or-nothing apply, idempotence, bad input, access, audit."""

import csv
import datetime
import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from audit.models import AuditEvent
from students import csv_import, services
from students.csv_import import FileRejected, ImportRefused, RowAction
from students.models import ImportBatch, Student
from tests.factories import SchoolFactory, StudentFactory, member

EXAMPLE = Path(settings.BASE_DIR) / "docs" / "voorbeeld-leerlingen.csv"
EXAMPLE_BAO = Path(settings.BASE_DIR) / "docs" / "voorbeeld-leerlingen-bao.csv"
REQUIRED = ["leerlingnummer", "voornaam", "achternaam", "geboortedatum", "onderwijssoort", "inschrijfdatum"]


def pupil_row(number="1001", **cells):
    row = {"leerlingnummer": number, "voornaam": "Sem", "achternaam": "Jansen", "geboortedatum": "14-03-2016",
           "onderwijssoort": "bao", "inschrijfdatum": "20-08-2020"}
    row.update(cells)
    return row


def make_csv(rows, *, columns=None, delimiter=";", encoding="utf-8"):
    columns = columns or list(dict.fromkeys(k for r in rows for k in r))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(columns)
    for r in rows:
        writer.writerow([r.get(c, "") for c in columns])
    return out.getvalue().encode(encoding)


def upload(client, school, data, name="leerlingen.csv"):
    return client.post(reverse("students:import_upload"),
                       {"school": school.pk, "file": SimpleUploadedFile(name, data, content_type="text/csv")})


def stored_batch(school, user, data):
    batch, plan = csv_import.batch_create(actor=user, school=school, filename="l.csv", raw=data)
    assert batch is not None, [str(p) for p in plan.problems]
    return batch


def text_of(response):
    return response.content.decode().replace("\xa0", " ")  # filesizeformat separates number and unit with a no-break space


def nothing_written():
    return Student.objects.count() == 0 and ImportBatch.objects.count() == 0 and not AuditEvent.objects.filter(
        action__in=["create", "update", "import"]).exists()


# --- Reading the file -------------------------------------------------------------------------------


@pytest.mark.parametrize(("delimiter", "encoding"), [
    pytest.param(";", "utf-8", id="semicolon-utf8"),
    pytest.param(",", "utf-8", id="comma-utf8"),
    pytest.param(";", "utf-8-sig", id="utf8-with-bom"),
    pytest.param(";", "cp1252", id="windows-1252"),
    pytest.param(",", "cp1252", id="comma-windows-1252"),
])
def test_happy_path_each_delimiter_and_encoding(org, personas, delimiter, encoding):
    data = make_csv([
        pupil_row("1001", voornaam="Noëlle", achternaam="Çelik", groep="5b"),
        pupil_row("1002", voornaam="Daan", achternaam="de Vries, jr.", ondersteuning="extra",
                  omschrijving_extra_ondersteuning="Eén-op-één begeleiding; rekenen", bekostiging="swv", dyslexie="ja"),
    ], delimiter=delimiter, encoding=encoding)
    batch = stored_batch(org.school_a, personas.begeleider_a, data)
    assert batch.delimiter == delimiter
    assert batch.encoding == encoding if encoding != "utf-8-sig" else batch.encoding == "utf-8-sig"

    plan = csv_import.batch_apply(batch=batch, actor=personas.begeleider_a)

    assert plan.counts == {"rows": 2, "created": 2, "updated": 0, "unchanged": 0, "errors": 0}
    noelle = Student.objects.get(school=org.school_a, pupil_number="1001")
    assert (noelle.first_name, noelle.last_name, noelle.group_name) == ("Noëlle", "Çelik", "5b")
    assert noelle.date_of_birth == datetime.date(2016, 3, 14)
    daan = Student.objects.get(pupil_number="1002")
    assert daan.last_name == "de Vries, jr."
    assert (daan.support_level, daan.extra_support_funding, daan.dyslexie) == ("extra", "swv", True)
    assert daan.extra_support_description == "Eén-op-één begeleiding; rekenen"
    assert daan.opp_required  # eligibility recomputed by the service: extra support in bao (R-ELIG-1)


def test_headers_ignore_case_spaces_and_order(org):
    text = ("Inschrijf Datum;ONDERWIJSSOORT;Geboorte_datum;Achternaam;Voornaam;Leerling-nummer;Datum ondersteuningsbehoefte\n"
            "20-08-2020;BAO;1-2-2016;Jansen;Sem;1001;2021-03-04\n")
    plan = csv_import.plan_import(school=org.school_a, text=text)
    assert plan.ok
    assert plan.rows[0].data["support_need_on"] == datetime.date(2021, 3, 4)
    assert plan.rows[0].data["onderwijssoort"] == "bao"


@pytest.mark.parametrize(("value", "expected"), [
    ("01-08-2019", datetime.date(2019, 8, 1)), ("1-8-2019", datetime.date(2019, 8, 1)),
    ("01/08/2019", datetime.date(2019, 8, 1)), ("2019-08-01", datetime.date(2019, 8, 1)),
])
def test_date_formats(value, expected):
    assert csv_import.parse_date(value) == expected


@pytest.mark.parametrize(("value", "message"), [
    ("32-01-2019", "bestaat niet als datum"), ("29-02-2019", "bestaat niet als datum"),
    ("01-08-19", "jaartal met vier cijfers"), ("1 augustus 2019", "is geen geldige datum"),
    ("2019/08/01", "is geen geldige datum"), ("01-08/2019", "is geen geldige datum"),
])
def test_malformed_dates_are_explained(value, message):
    with pytest.raises(ValueError, match=message):
        csv_import.parse_date(value)


def test_every_problem_of_every_row_with_line_and_column(org):
    text = "\r\n".join([
        "leerlingnummer;voornaam;achternaam;geboortedatum;onderwijssoort;inschrijfdatum;dyslexie",
        "1001;Sem;Jansen;14-03-2016;bao;20-08-2020;ja",
        '1002;Mila;"de Boer";31-02-2016;xyz;20-08-2020;misschien',
        "",  # blank lines are skipped but still counted
        "1003;;Bakker;01-01-2099;bao;01-01-2098;nee",
        "1001;Sem;Jansen;14-03-2016;bao;2016-03-01;",
    ])
    plan = csv_import.plan_import(school=org.school_a, text=text)
    found = {(p.line, p.column, p.message) for p in plan.problems}
    assert found == {
        (3, "geboortedatum", "‘31-02-2016’ bestaat niet als datum."),
        (3, "onderwijssoort", "Onbekende onderwijssoort ‘xyz’: kies uit bao, sbo, so, vso, vo of pro."),
        (3, "dyslexie", "‘misschien’: vul ja of nee in (ook goed: 1/0, waar/onwaar, x of leeg)."),
        (5, "voornaam", "Deze kolom is verplicht, maar de cel is leeg."),
        (5, "geboortedatum", "De geboortedatum ligt in de toekomst."),
        (5, "inschrijfdatum", "De inschrijving moet na de geboortedatum liggen."),
        (6, "leerlingnummer", "Leerlingnummer 1001 staat ook op regel 2; elk leerlingnummer mag maar één keer in het bestand staan."),
        (6, "inschrijfdatum", "De inschrijving moet na de geboortedatum liggen."),
    }
    assert [r.action for r in plan.rows] == [RowAction.CREATE, RowAction.ERROR, RowAction.ERROR, RowAction.ERROR]
    assert plan.counts["errors"] == 3


def test_same_rules_as_the_form_lengths_and_support(org):
    text = make_csv([
        pupil_row("1001", voornaam="X" * 101),
        pupil_row("1002", ondersteuning="extra"),
        pupil_row("1003", bekostiging="swv"),
        pupil_row("1004", handelingsbekwaam="ja"),
        pupil_row("1005", bestemming="Verhuisd"),
    ]).decode()
    found = {(p.line, p.column) for p in csv_import.plan_import(school=org.school_a, text=text).problems}
    assert found == {(2, "voornaam"), (3, "omschrijving_extra_ondersteuning"), (4, "bekostiging"),
                     (5, "handelingsbekwaam"), (6, "uitschrijfdatum")}


def test_too_many_rows_is_refused():
    text = "leerlingnummer;voornaam;achternaam;geboortedatum;onderwijssoort;inschrijfdatum\n" + (
        "1;a;b;01-01-2016;bao;01-01-2020\n" * (csv_import.MAX_ROWS + 1))
    with pytest.raises(FileRejected, match="meer dan 20.000 leerlingen"):
        csv_import.parse(text)


def test_too_many_cells_and_broken_quotes(org):
    plan = csv_import.plan_import(school=org.school_a, text=make_csv([pupil_row()]).decode() + "1002;a;b;c;d;e;f;g\r\n")
    assert [(p.line, p.column) for p in plan.problems] == [(3, "")]
    assert "7 kolommen" not in plan.problems[0].message and "8 waarden" in plan.problems[0].message
    with pytest.raises(FileRejected, match="Regel 3 is geen geldige CSV"):
        csv_import.parse(make_csv([pupil_row()]).decode() + '1002;"Sem"x;b;c;d;e\r\n')


# --- Bad input through the upload page: a Dutch message, nothing written -------------------------------


BAD_FILES = [
    pytest.param(make_csv([pupil_row(geboortedatum="2016-13-01")]), "‘2016-13-01’ bestaat niet als datum.", id="malformed-date"),
    pytest.param(make_csv([pupil_row(geboortedatum="14-03-2099", inschrijfdatum="01-09-2100")]),
                 "De geboortedatum ligt in de toekomst.", id="future-birth-date"),
    pytest.param(make_csv([pupil_row(inschrijfdatum="01-01-2015")]), "De inschrijving moet na de geboortedatum liggen.",
                 id="enrolment-before-birth"),
    pytest.param(make_csv([pupil_row("7"), pupil_row("8"), pupil_row("7")]), "Leerlingnummer 7 staat ook op regel 2",
                 id="duplicate-in-file"),
    pytest.param(make_csv([{k: v for k, v in pupil_row().items() if k != "geboortedatum"}]),
                 "De verplichte kolom geboortedatum ontbreekt in de kopregel.", id="missing-column"),
    pytest.param(make_csv([pupil_row(onderwijssoort="havo")]), "Onbekende onderwijssoort ‘havo’", id="unknown-soort"),
    pytest.param(make_csv([pupil_row(onderwijssoort="vso")]),
                 "Deze school biedt Voortgezet speciaal onderwijs (vso) niet aan.", id="soort-not-offered"),
    pytest.param(make_csv([pupil_row(bsn="123456782")]), "Onbekende kolom ‘bsn’ in de kopregel.", id="unknown-column"),
    pytest.param(b"", "Het bestand is leeg.", id="empty"),
    pytest.param(b"\xef\xbb\xbf\r\n\r\n", "Het bestand is leeg.", id="only-bom-and-newlines"),
    pytest.param(make_csv([], columns=REQUIRED), "Het bestand heeft alleen een kopregel en geen leerlingen.", id="header-only"),
    pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "Dit is geen tekstbestand", id="binary"),
    pytest.param(b"PK\x03\x04\x14\x00\x06\x00" + b"x" * 100, "Dit is een Excel-bestand", id="xlsx"),
    pytest.param(b"leerlingnummer\tvoornaam\n1\ta\n", "gescheiden door tabs", id="tabs"),
    pytest.param(b"leerlingnummer;voornaam\r\n\x01\x02\x03\x04\x05\x06;x\r\n", "Dit is geen tekstbestand", id="control-chars"),
    pytest.param(make_csv([pupil_row()], encoding="utf-16"), "opgeslagen als UTF-16", id="utf-16"),
    pytest.param(make_csv([pupil_row("1", voornaam="Noëlle")]) + make_csv([pupil_row("2", voornaam="Zoë")], encoding="cp1252"),
                 "deels UTF-8 en deels een andere tekenset (voor het eerst op regel 4)", id="mixed-encodings"),
]


@pytest.mark.parametrize(("data", "message"), BAD_FILES)
def test_bad_input_gets_a_dutch_message_and_nothing_is_written(login, org, personas, data, message):
    response = upload(login(personas.begeleider_a), org.school_a, data)
    assert response.status_code == 200
    assert message in text_of(response)
    assert nothing_written()


def test_row_errors_are_listed_with_line_column_and_no_import_button(login, org, personas):
    data = make_csv([pupil_row("1"), pupil_row("2", geboortedatum="14-3-16")])
    body = upload(login(personas.begeleider_a), org.school_a, data).content.decode()
    assert '<th scope="row">3</th><td>geboortedatum</td><td>‘14-3-16’: schrijf het jaartal met vier cijfers' in body
    assert "1 regel heeft een fout. Er wordt niets geïmporteerd" in body
    assert "Importeren</button>" not in body
    assert nothing_written()


def test_a_20_mb_upload_is_refused_with_a_message_not_a_crash(login, org, personas):
    data = b"leerlingnummer;voornaam\r\n" + b"1;" + b"a" * (20 * 1024 * 1024)
    response = upload(login(personas.begeleider_a), org.school_a, data)
    assert response.status_code == 200
    assert "Het bestand is 20,0 MB groot; het maximum is 5,0 MB." in text_of(response)
    assert nothing_written()


def test_size_limit_comes_from_settings(login, org, personas, settings):
    settings.OPP_IMPORT_MAX_BYTES = 100
    response = upload(login(personas.begeleider_a), org.school_a, make_csv([pupil_row(), pupil_row("2")]))
    assert "het maximum is 100 bytes" in text_of(response)
    assert nothing_written()


def test_school_outside_reach_cannot_be_chosen(login, org, personas):
    response = upload(login(personas.begeleider_a), org.school_b, make_csv([pupil_row()]))
    assert response.status_code == 200
    assert "Selecteer een geldige keuze" in response.content.decode()
    assert nothing_written()


def test_single_school_is_preselected(login, personas, org):
    body = login(personas.begeleider_a).get(reverse("students:import_upload")).content.decode()
    assert f'<option value="{org.school_a.pk}" selected>School A</option>' in body
    assert "---------" not in body


# --- Web journey, idempotence, all or nothing ---------------------------------------------------------


def test_upload_preview_apply(login, org, personas):
    existing = StudentFactory(school=org.school_a, pupil_number="1002", first_name="Mila", last_name="de Boer",
                              date_of_birth=datetime.date(2015, 6, 1), enrolled_on=datetime.date(2019, 8, 19), group_name="6a")
    client = login(personas.begeleider_a)
    data = make_csv([
        pupil_row("1001"),
        pupil_row("1002", voornaam="Mila", achternaam="de Boer", geboortedatum="01-06-2015", inschrijfdatum="19-08-2019",
                  groep="7a", dyslexie="x"),
    ])
    response = upload(client, org.school_a, data)
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response.url == reverse("students:import_preview", args=[batch.pk])

    body = client.get(response.url).content.decode()
    assert "<caption>Nieuwe en bij te werken leerlingen" in body
    assert "Sem Jansen" in body and "groep, dyslexie" in body
    assert "Importeren</button>" in body
    assert Student.objects.count() == 1  # the dry run wrote nothing

    response = client.post(reverse("students:import_apply", args=[batch.pk]), follow=True)
    assert "De import is uitgevoerd: 2 regels: 1 nieuw, 1 bijgewerkt, 0 ongewijzigd." in response.content.decode()
    existing.refresh_from_db()
    assert (existing.group_name, existing.dyslexie) == ("7a", True)
    assert Student.objects.filter(school=org.school_a, pupil_number="1001", first_name="Sem").exists()
    batch.refresh_from_db()
    assert batch.state == ImportBatch.State.APPLIED and batch.content == ""
    assert batch.counts == {"rows": 2, "created": 1, "updated": 1, "unchanged": 0, "errors": 0}
    update = AuditEvent.objects.get(action="update", object_id=str(existing.pk))
    assert update.details == {"fields": ["dyslexie", "group_name"]}


def test_existing_pupil_number_is_an_update_not_an_error(org, personas):
    StudentFactory(school=org.school_a, pupil_number="1001", first_name="Sem", last_name="Jansen",
                   date_of_birth=datetime.date(2016, 3, 14), enrolled_on=datetime.date(2020, 8, 20), group_name="4a")
    StudentFactory(school=org.school_b, pupil_number="1002")  # another school's number does not count
    plan = csv_import.plan_import(school=org.school_a, text=make_csv([pupil_row("1001", groep="5a"), pupil_row("1002")]).decode())
    assert plan.ok
    assert [(r.action, r.changed_columns) for r in plan.rows] == [(RowAction.UPDATE, ["groep"]), (RowAction.CREATE, [])]


def test_missing_optional_column_leaves_stored_value_but_empty_cell_clears_it(org, personas):
    pupil = StudentFactory(school=org.school_a, pupil_number="1001", first_name="Sem", last_name="Jansen",
                           date_of_birth=datetime.date(2016, 3, 14), enrolled_on=datetime.date(2020, 8, 20),
                           group_name="4a", dyslexie=True)
    plan = csv_import.plan_import(school=org.school_a, text=make_csv([pupil_row("1001")]).decode())
    assert plan.rows[0].action == RowAction.UNCHANGED
    plan = csv_import.plan_import(school=org.school_a, text=make_csv([pupil_row("1001", groep="")]).decode())
    assert plan.rows[0].data == {"group_name": ""}
    pupil.refresh_from_db()
    assert pupil.group_name == "4a"


def test_reimporting_the_same_file_changes_nothing(org, personas):
    data = EXAMPLE.read_bytes()
    school = SchoolFactory(onderwijssoorten=["vso"], cluster=4)
    user = member(Role.BEGELEIDER, school=school)
    first = csv_import.batch_apply(batch=stored_batch(school, user, data), actor=user)
    assert first.counts["created"] == 8
    writes = AuditEvent.objects.filter(action__in=["create", "update"]).count()
    updated_at = dict(Student.objects.values_list("pk", "updated_at"))

    second = csv_import.batch_apply(batch=stored_batch(school, user, data), actor=user)

    assert second.counts == {"rows": 8, "created": 0, "updated": 0, "unchanged": 8, "errors": 0}
    assert Student.objects.count() == 8
    assert dict(Student.objects.values_list("pk", "updated_at")) == updated_at
    assert AuditEvent.objects.filter(action__in=["create", "update"]).count() == writes + 1  # only the second batch's upload
    assert AuditEvent.objects.filter(action="import").count() == 2


def test_example_file_covers_the_documented_cases(org):
    school = SchoolFactory(onderwijssoorten=["vso"], cluster=4)
    plan = csv_import.plan_import(school=school, text=csv_import.decode(EXAMPLE.read_bytes())[0])
    assert plan.ok, [str(p) for p in plan.problems]
    assert plan.delimiter == ";" and plan.counts["created"] == 8
    rows = [r.data for r in plan.rows]
    assert {r["support_level"] for r in rows} == {"basis", "extra"}
    assert any(r["handelingsbekwaam"] for r in rows) and any(r["left_on"] and r["destination"] for r in rows)
    assert any(r["dyslexie"] for r in rows) and any(r["hoogbegaafd"] for r in rows)
    assert "Aangepast rooster; halve dagen tot de kerstvakantie" in {r["extra_support_description"] for r in rows}


def test_the_bao_example_imports_at_a_primary_school(org):
    """Issue 18.3: the README's example held only vso pupils, so at OBS De Bron (bao) every row failed. The bao
    example imports there; the vso one still does not (the onderwijssoort must be one the school offers)."""
    school = SchoolFactory(onderwijssoorten=["bao"])
    plan = csv_import.plan_import(school=school, text=csv_import.decode(EXAMPLE_BAO.read_bytes())[0])
    assert plan.ok, [str(p) for p in plan.problems]
    assert plan.counts["created"] == 8
    rows = [r.data for r in plan.rows]
    assert {r["support_level"] for r in rows} == {"basis", "extra"}
    assert any(r["left_on"] and r["destination"] for r in rows) and any(r["dyslexie"] for r in rows)
    assert not csv_import.plan_import(school=school, text=csv_import.decode(EXAMPLE.read_bytes())[0]).ok


def test_one_bad_row_among_good_rows_imports_nothing(login, org, personas):
    rows = [pupil_row(str(n)) for n in range(1, 6)] + [pupil_row("6", geboortedatum="gisteren")]
    response = upload(login(personas.begeleider_a), org.school_a, make_csv(rows))
    assert "1 regel heeft een fout" in response.content.decode()
    assert nothing_written()


def test_a_failure_halfway_through_apply_rolls_everything_back(org, personas, monkeypatch):
    batch = stored_batch(org.school_a, personas.begeleider_a, make_csv([pupil_row(str(n)) for n in range(1, 6)]))
    real_create, calls = services.student_create, []

    def failing_create(**kwargs):
        calls.append(1)
        if len(calls) == 4:
            from django.core.exceptions import ValidationError
            raise ValidationError({"pupil_number": ["Dit leerlingnummer bestaat al op deze school."]})
        return real_create(**kwargs)

    monkeypatch.setattr(services, "student_create", failing_create)
    with pytest.raises(ImportRefused, match="regel 5 werd geweigerd"):
        csv_import.batch_apply(batch=batch, actor=personas.begeleider_a)

    assert Student.objects.count() == 0
    assert not AuditEvent.objects.filter(action__in=["create", "import"], object_type="students.student").exists()
    assert not AuditEvent.objects.filter(action="import").exists()
    batch.refresh_from_db()
    assert batch.state == ImportBatch.State.PENDING and batch.content  # can be applied after fixing the cause


def test_apply_revalidates_against_current_data(login, org, personas):
    batch = stored_batch(org.school_a, personas.begeleider_a, make_csv([pupil_row("1"), pupil_row("2")]))
    org.school_a.onderwijssoorten = ["sbo"]  # the school changed since the dry run
    org.school_a.save()
    client = login(personas.begeleider_a)
    response = client.post(reverse("students:import_apply", args=[batch.pk]), follow=True)
    body = response.content.decode()
    assert "Er is niets geïmporteerd: 2 regels hebben een fout." in body
    assert "Deze school biedt Basisonderwijs (bao) niet aan." in body  # back on the preview, with the errors
    assert Student.objects.count() == 0
    assert ImportBatch.objects.get().state == ImportBatch.State.PENDING


def test_double_apply_is_refused_and_writes_nothing_twice(login, org, personas):
    batch = stored_batch(org.school_a, personas.begeleider_a, make_csv([pupil_row("1"), pupil_row("2")]))
    client = login(personas.begeleider_a)
    url = reverse("students:import_apply", args=[batch.pk])
    client.post(url)
    response = client.post(url, follow=True)  # double click, or the back button and again
    assert response.redirect_chain[-1][0] == reverse("students:import_upload")
    assert "Deze import is al uitgevoerd op" in response.content.decode()
    assert Student.objects.count() == 2
    assert AuditEvent.objects.filter(action="import").count() == 1
    assert AuditEvent.objects.filter(action="create", object_type="students.student").count() == 2
    assert client.get(reverse("students:import_preview", args=[batch.pk])).status_code == 404


def test_a_batch_older_than_24_hours_is_not_applied(login, org, personas, time_machine):
    time_machine.move_to(datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC))
    batch = stored_batch(org.school_a, personas.begeleider_a, make_csv([pupil_row("1")]))
    time_machine.move_to(datetime.datetime(2026, 3, 3, 9, 1, tzinfo=datetime.UTC))
    client = login(personas.begeleider_a)
    body = client.get(reverse("students:import_preview", args=[batch.pk])).content.decode()
    assert "ouder dan 24 uur" in body and "Importeren</button>" not in body
    response = client.post(reverse("students:import_apply", args=[batch.pk]), follow=True)
    assert "Deze import is ouder dan 24 uur en kan niet meer worden uitgevoerd" in response.content.decode()
    assert Student.objects.count() == 0


def test_discard(login, org, personas):
    batch = stored_batch(org.school_a, personas.begeleider_a, make_csv([pupil_row("1")]))
    client = login(personas.begeleider_a)
    response = client.post(reverse("students:import_discard", args=[batch.pk]), follow=True)
    assert "De import is verworpen" in response.content.decode()
    batch.refresh_from_db()
    assert batch.state == ImportBatch.State.DISCARDED and batch.content == ""
    assert "Deze import is verworpen" in client.post(reverse("students:import_apply", args=[batch.pk]), follow=True).content.decode()
    assert Student.objects.count() == 0


# --- Access -----------------------------------------------------------------------------------------


@pytest.fixture
def batch_a(org, personas):
    return stored_batch(org.school_a, personas.begeleider_a, make_csv([pupil_row("1")]))


def _urls(batch):
    return [("get", reverse("students:import_upload")), ("get", reverse("students:import_preview", args=[batch.pk])),
            ("post", reverse("students:import_apply", args=[batch.pk])),
            ("post", reverse("students:import_discard", args=[batch.pk]))]


def test_leerkracht_gets_403_everywhere(login, personas, batch_a):
    client = login(personas.leerkracht_a)
    assert [getattr(client, m)(u).status_code for m, u in _urls(batch_a)] == [403, 403, 403, 403]
    assert Student.objects.count() == 0


@pytest.mark.parametrize("persona", ["begeleider_b", "commissie_a2"])
def test_staff_of_another_school_gets_404_on_the_batch(login, personas, batch_a, persona):
    client = login(getattr(personas, persona))
    assert [getattr(client, m)(u).status_code for m, u in _urls(batch_a)[1:]] == [404, 404, 404]
    assert Student.objects.count() == 0 and ImportBatch.objects.get().state == ImportBatch.State.PENDING


@pytest.mark.parametrize("persona", ["bestuurder_a", "beheerder_a", "outsider"])
def test_roles_without_pupil_edit_cannot_upload(login, personas, persona):
    assert login(getattr(personas, persona)).get(reverse("students:import_upload")).status_code == 403


def test_schoolleider_may_import(login, org, personas):
    response = upload(login(personas.schoolleider_a), org.school_a, make_csv([pupil_row("1")]))
    assert response.status_code == 302


def test_anonymous_goes_to_login(client, batch_a):
    for method, url in _urls(batch_a):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and response.url.startswith("/accounts/login/?next=")


def test_apply_is_post_only(login, personas, batch_a):
    assert login(personas.begeleider_a).get(reverse("students:import_apply", args=[batch_a.pk])).status_code == 405


# --- Audit ------------------------------------------------------------------------------------------


def test_audit_rows_without_content(login, org, personas):
    client = login(personas.begeleider_a)
    upload(client, org.school_a, make_csv([pupil_row("1", voornaam="Noëlle", achternaam="Çelik")]))
    batch = ImportBatch.objects.get()
    client.get(reverse("students:import_preview", args=[batch.pk]))
    client.post(reverse("students:import_apply", args=[batch.pk]))

    events = AuditEvent.objects.filter(school=org.school_a).order_by("id")
    assert [(e.action, e.object_type) for e in events] == [
        ("create", "students.importbatch"), ("view", "students.importbatch"),
        ("create", "students.student"), ("import", "students.importbatch"),
    ]
    imported = events.get(action="import")
    assert imported.actor == personas.begeleider_a and imported.object_id == str(batch.pk)
    assert imported.details == {"counts": {"rows": 1, "created": 1, "updated": 0, "unchanged": 0, "errors": 0}}
    assert "Noëlle" not in json.dumps([e.details for e in events], ensure_ascii=False)
    assert "Çelik" not in json.dumps([e.details for e in events], ensure_ascii=False)


# --- Queries ----------------------------------------------------------------------------------------


def _queries(func):
    with CaptureQueriesContext(connection) as ctx:
        func()
    return len(ctx.captured_queries)


def test_dry_run_queries_do_not_grow_and_apply_grows_linearly(org, personas):
    user = personas.begeleider_a
    five = make_csv([pupil_row(str(n)) for n in range(5)])
    fifty = make_csv([pupil_row(str(n)) for n in range(100, 150)])
    StudentFactory.create_batch(20, school=org.school_a)  # existing pupils are fetched in one query

    dry5 = _queries(lambda: csv_import.plan_import(school=org.school_a, text=five.decode()))
    dry50 = _queries(lambda: csv_import.plan_import(school=org.school_a, text=fifty.decode()))
    assert dry5 == dry50 == 1

    b5, b50 = stored_batch(org.school_a, user, five), stored_batch(org.school_a, user, fifty)
    apply5 = _queries(lambda: csv_import.batch_apply(batch=b5, actor=user))
    apply50 = _queries(lambda: csv_import.batch_apply(batch=b50, actor=user))
    per_row = (apply50 - apply5) / 45
    # Exactly linear. Per new pupil services.student_create costs 26 queries on SQLite: its own uniqueness
    # check, full_clean (school exists, unique constraint, five check constraints each in a savepoint),
    # the insert, eligibility (placements, update, last decision, new decision) and the audit row.
    assert per_row == int(per_row) and per_row <= 26, (apply5, apply50)
    assert apply5 - 5 * per_row <= 8  # fixed: claim, existing pupils, batch update, import audit row, savepoints


# --- Management command -----------------------------------------------------------------------------


@pytest.fixture
def vso(org):
    return org.school_a2, member(Role.BEGELEIDER, school=org.school_a2, username="begeleider_a2")


def test_command_dry_run_writes_nothing(vso):
    school, _user = vso
    out, err = io.StringIO(), io.StringIO()
    call_command("import_students", school.brin, str(EXAMPLE), stdout=out, stderr=err)
    assert "Proefimport voor School A2 (vso): 8 regels: 8 nieuw, 0 bijgewerkt, 0 ongewijzigd." in out.getvalue()
    assert "regel 2\tleerlingnummer 20231001\tnieuw" in out.getvalue()
    assert "Noëlle" not in out.getvalue()  # names stay out of terminal output and logs
    assert Student.objects.count() == 0 and ImportBatch.objects.count() == 0


def test_command_apply(vso):
    school, user = vso
    out = io.StringIO()
    call_command("import_students", school.brin.lower(), str(EXAMPLE), "--apply", "--as", user.username, stdout=out)
    assert "Geïmporteerd in School A2 (vso): 8 regels: 8 nieuw" in out.getvalue()
    assert Student.objects.filter(school=school).count() == 8
    assert AuditEvent.objects.get(action="import").actor == user
    adult = Student.objects.get(pupil_number="20200412")
    assert adult.handelingsbekwaam and adult.age_on(datetime.date.today()) >= 18
    left = Student.objects.get(pupil_number="20190230")
    assert left.left_on == datetime.date(2026, 7, 10) and left.destination == "mbo_2"
    assert left.destination_note == "MBO niveau 2 (ROC Rivierenland)"  # the sentence is kept (students.destinations)
    call_command("import_students", school.brin, str(EXAMPLE), "--apply", "--as", user.username, stdout=out)
    assert "8 regels: 0 nieuw, 0 bijgewerkt, 8 ongewijzigd." in out.getvalue()


def test_command_errors_exit_non_zero(vso, personas, tmp_path):
    school, user = vso
    bad = tmp_path / "fout.csv"
    bad.write_bytes(make_csv([pupil_row("1", onderwijssoort="vso"), pupil_row("2", onderwijssoort="vso", geboortedatum="x")]))
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 regel\\(s\\) met fouten; er is niets geïmporteerd."):
        call_command("import_students", school.brin, str(bad), "--apply", "--as", user.username, stderr=err, stdout=io.StringIO())
    assert "fout: regel 3, kolom geboortedatum: ‘x’ is geen geldige datum." in err.getvalue()
    assert Student.objects.count() == 0

    cases = [
        (["99ZZ", str(EXAMPLE)], "Er is geen school met BRIN-code 99ZZ."),
        ([school.brin, str(EXAMPLE), "--apply"], "Geef met --as de gebruikersnaam op"),
        ([school.brin, str(EXAMPLE), "--apply", "--as", "niemand"], "Er is geen actieve gebruiker ‘niemand’."),
        ([school.brin, str(EXAMPLE), "--apply", "--as", personas.begeleider_a.username], "mag geen leerlingen van School A2"),
        ([school.brin, str(tmp_path / "weg.csv")], "kan niet worden gelezen"),
    ]
    for args, message in cases:
        with pytest.raises(CommandError, match=message.replace("(", "\\(").replace(")", "\\)")):
            call_command("import_students", *args, stdout=io.StringIO(), stderr=io.StringIO())
    empty = tmp_path / "leeg.csv"
    empty.write_bytes(b"")
    with pytest.raises(CommandError, match="Het bestand is leeg."):
        call_command("import_students", school.brin, str(empty), stdout=io.StringIO())
    assert Student.objects.count() == 0 and ImportBatch.objects.count() == 0
