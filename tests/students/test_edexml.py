"""EDEXML import of pupils: the CSV import's dry run → apply, read from Edustandaard's XML (2.0 and 2.1).

The files below are written from the public EDEXML 2.0/2.1 structure (EDEX/school/xsdversie, groepen with groep and
samengestelde_groep, leerlingen/leerling@key). The BSN is never stored (R-CONTENT-9); hostile XML is refused.
"""

import datetime
import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from accounts.models import Role
from audit.models import AuditEvent
from students import csv_import, edexml
from students.csv_import import FileRejected
from students.models import ImportBatch, Student
from tests.factories import SchoolFactory, StudentFactory, member

EXAMPLE = Path(settings.BASE_DIR) / "docs" / "voorbeeld-edexml.xml"
BSN = "918273645"


def pupil(key="5001", *, roepnaam="Noor", achternaam="Visser", voorvoegsel="", geboortedatum="2017-03-14",
          instroomdatum="2021-03-15", jaargroep="5", groep="G5", extra=""):
    parts = [f'<leerling key="{key}">', f"<achternaam>{achternaam}</achternaam>"]
    if voorvoegsel:
        parts.append(f"<voorvoegsel>{voorvoegsel}</voorvoegsel>")
    if roepnaam:
        parts.append(f"<roepnaam>{roepnaam}</roepnaam>")
    if geboortedatum:
        parts.append(f"<geboortedatum>{geboortedatum}</geboortedatum>")
    if jaargroep:
        parts.append(f"<jaargroep>{jaargroep}</jaargroep>")
    if groep:
        parts.append(f'<groep key="{groep}"/>')
    parts.append(extra)
    if instroomdatum:
        parts.append(f"<instroomdatum>{instroomdatum}</instroomdatum>")
    return "\n".join(parts) + "\n</leerling>"


def edex(*pupils, brin="01AA", version="2.1", groepen=None, vestigingen="", prolog='<?xml version="1.0" encoding="UTF-8"?>'):
    groepen = groepen if groepen is not None else (
        '<groep key="G5"><naam>5b</naam><jaargroep>5</jaargroep></groep>'
        '<samengestelde_groep key="SG1"><naam>Plusklas</naam></samengestelde_groep>')
    version_xml = f"<xsdversie>{version}</xsdversie>" if version else ""
    return (f"{prolog}\n<EDEX>\n<school><schooljaar>2026-2027</schooljaar><brincode>{brin}</brincode>{version_xml}</school>\n"
            f"{vestigingen}<groepen>{groepen}</groepen>\n<leerlingen>\n" + "\n".join(pupils or (pupil(),))
            + "\n</leerlingen>\n</EDEX>\n").encode()


def upload(client, school, data, name="export.xml"):
    return client.post(reverse("students:import_upload"),
                       {"school": school.pk, "file": SimpleUploadedFile(name, data, content_type="text/xml")})


def everything_stored() -> str:
    """Every row of every table, as text: the BSN must appear nowhere (batches, audit rows, pupils)."""
    rows = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - table names from the schema itself
            # Text cells only: a timestamp's microseconds or an id may hold any digits by chance.
            rows.extend(repr([c for c in r if isinstance(c, str)]) for r in cursor.fetchall())
    return "\n".join(rows)


def holds(stored: str, digits: str) -> bool:
    """`digits` stand in `stored` as a value of their own, not inside a hash, key or token that has them by chance."""
    return re.search(rf"(?<![0-9A-Za-z]){re.escape(digits)}(?![0-9A-Za-z])", stored) is not None


# --- Reading -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["2.0", "2.1"])
def test_both_versions_apply_and_map_the_fields(org, personas, version):
    data = edex(pupil("5001", voorvoegsel="van den", achternaam="Berg", roepnaam="Mees"), version=version)
    batch, plan = csv_import.batch_create(actor=personas.begeleider_a, school=org.school_a, filename="e.xml", raw=data)
    assert batch is not None, [str(p) for p in plan.problems]
    csv_import.batch_apply(batch=batch, actor=personas.begeleider_a)
    mees = Student.objects.get(school=org.school_a, pupil_number="5001")
    assert (mees.first_name, mees.last_name, mees.group_name, mees.onderwijssoort) == ("Mees", "van den Berg", "5b", "bao")
    assert (mees.date_of_birth, mees.enrolled_on) == (datetime.date(2017, 3, 14), datetime.date(2021, 3, 15))
    assert f"EDEXML {version}-bestand van BRIN-code 01AA met 1 leerling." in plan.notes


def test_voornamen_when_no_roepnaam_and_composite_group_when_no_own_group(org):
    other = pupil("5002", roepnaam="", groep="", extra='<samengestelde_groepen><samengestelde_groep key="SG1"/>'
                  "</samengestelde_groepen>").replace("<achternaam>", "<voornamen>Elif Nur</voornamen><achternaam>")
    # voornamen comes after achternaam in the schema's order; the reader does not depend on the order
    plan = csv_import.plan_import(school=org.school_a, text=edex(other).decode())
    assert plan.ok, [str(p) for p in plan.problems]
    row = plan.rows[0]
    assert (row.data["first_name"], row.data["group_name"]) == ("Elif Nur", "Plusklas")
    assert any("samengestelde groep" in n for n in plan.notes)


def test_vestigingen_are_noted_in_the_dry_run(org):
    vestigingen = ('<vestigingen><vestiging key="HL"><naam>Hoofdlocatie</naam></vestiging>'
                   '<vestiging key="DW"><naam>De Wilg</naam></vestiging></vestigingen>')
    data = edex(pupil("1", extra='<vestiging key="HL"/>'), pupil("2", extra='<vestiging key="DW"/>'),
                pupil("3", extra='<vestiging key="DW"/>'), vestigingen=vestigingen)
    plan = csv_import.plan_import(school=org.school_a, text=data.decode())
    assert plan.ok
    assert "Vestigingen: De Wilg: 2 leerlingen; Hoofdlocatie: 1 leerling." in " ".join(plan.notes)


def test_soort_from_jaargroep_when_the_school_offers_several(db):
    school = SchoolFactory(brin="03CC", onderwijssoorten=["so", "vso"])
    plan = csv_import.plan_import(school=school, text=edex(
        pupil("1", jaargroep="S", groep=""), pupil("2", jaargroep="V", groep="", geboortedatum="2010-01-01"),
        pupil("3", jaargroep="C", groep=""), brin="03CC").decode())
    assert [r.data.get("onderwijssoort") for r in plan.rows[:2]] == ["so", "vso"]
    assert plan.rows[2].action == csv_import.RowAction.ERROR
    assert "Leerling 3: uit jaargroep ‘C’ volgt niet welke onderwijssoort" in plan.rows[2].problems[0].message


@pytest.mark.parametrize(("missing", "message"), [
    ({"geboortedatum": ""}, "Leerling 5001: de geboortedatum ontbreekt"),
    ({"instroomdatum": ""}, "Leerling 5001: de instroomdatum ontbreekt"),
])
def test_missing_birth_or_enrolment_date_is_a_row_error_naming_the_key(org, personas, missing, message):
    data = edex(pupil("4000"), pupil("5001", **missing))
    batch, plan = csv_import.batch_create(actor=personas.begeleider_a, school=org.school_a, filename="e.xml", raw=data)
    assert batch is None and not plan.ok
    [problem] = plan.problems
    assert problem.message.startswith(message)
    assert str(problem).startswith("leerling 5001 (regel ")
    assert not Student.objects.exists() and not ImportBatch.objects.exists()


def test_problem_lines_are_those_of_the_file(org):
    text = edex(pupil("1"), pupil("2", geboortedatum="2017-02-30")).decode()
    plan = csv_import.plan_import(school=org.school_a, text=text)
    [problem] = plan.problems
    assert text.splitlines()[problem.line - 1] == '<leerling key="2">'
    assert "bestaat niet als datum" in problem.message  # the CSV import's own date rule


@pytest.mark.parametrize(("data", "message"), [
    pytest.param(edex(brin="02BB"), "Dit bestand is van de school met BRIN-code 02BB, maar u importeert voor de school "
                 "met BRIN-code 01AA.", id="wrong-brin"),
    pytest.param(edex(version="1.03"), "Dit is EDEXML versie 1.03; het portaal leest alleen EDEXML 2.0 en 2.1.",
                 id="unknown-version"),
    pytest.param(edex(version=""), "In dit EDEXML-bestand staat geen versie", id="no-version"),
    pytest.param(b'<?xml version="1.0"?>\n<leerlingen><leerling key="1"/></leerlingen>', "het hoofdelement heet "
                 "‘leerlingen’", id="not-edex"),
    pytest.param(edex().replace(b"</leerlingen>", b"</leerling>"), "Het bestand is geen geldige XML (regel",
                 id="malformed"),
    pytest.param(b'<?xml version="1.0"?>\n<EDEX><school><xsdversie>2.1</xsdversie><brincode>01AA</brincode></school>'
                 b"<leerlingen/></EDEX>", "bevat geen leerlingen", id="no-pupils"),
    pytest.param(b'<?xml version="1.0"?>\n<!DOCTYPE EDEX [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<EDEX>'
                 b"<school><brincode>&xxe;</brincode></school></EDEX>", "DTD, entiteiten", id="xxe"),
    pytest.param(b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">'
                 b']>\n<EDEX>&lol2;</EDEX>', "DTD, entiteiten", id="billion-laughs"),
])
def test_refused_files_with_a_message_and_nothing_written(org, personas, data, message):
    with pytest.raises(FileRejected) as refused:
        csv_import.batch_create(actor=personas.begeleider_a, school=org.school_a, filename="e.xml", raw=data)
    assert message in " ".join(refused.value.messages)
    assert not Student.objects.exists() and not ImportBatch.objects.exists()


def test_a_pupil_with_a_bad_group_reference_is_a_row_error(org):
    plan = csv_import.plan_import(school=org.school_a, text=edex(pupil("7", groep="NOPE")).decode())
    assert "Leerling 7: groep ‘NOPE’ staat niet bij de groepen in het bestand." in [p.message for p in plan.problems]


# --- Data minimisation (R-CONTENT-9) ----------------------------------------------------------------------


def test_bsn_and_unneeded_fields_are_dropped_and_never_stored(org, personas, login):
    extra = (f"<geslacht>2</geslacht><land>MA</land><land_vader>MA</land_vader><bsn>{BSN}</bsn>"
             "<gewicht_nieuw>0,3</gewicht_nieuw><postcodenl>6971VB</postcodenl>")
    data = edex(pupil("5001", extra=extra), pupil("5002", extra="<bsn_ondwnr-4>9876</bsn_ondwnr-4>"))
    client = login(personas.begeleider_a)
    response = upload(client, org.school_a, data)
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response.url == reverse("students:import_preview", args=[batch.pk])
    assert BSN not in batch.content and "9876" not in batch.content and "MA" not in batch.content
    body = client.get(response.url).content.decode()
    assert "bsn, bsn_ondwnr-4" in body and "niet overgenomen en wordt nergens opgeslagen (R-CONTENT-9)" in body
    assert "gewicht_nieuw, land, land_vader, postcodenl" in body
    assert BSN not in everything_stored()

    response = client.post(reverse("students:import_apply", args=[batch.pk]), follow=True)
    assert "2 regels: 2 nieuw" in response.content.decode()
    assert Student.objects.filter(school=org.school_a).count() == 2
    assert AuditEvent.objects.filter(action="import").count() == 1
    stored = everything_stored()
    assert BSN not in stored and not holds(stored, "9876")


# --- Through the same paths as the CSV ----------------------------------------------------------------------


def test_web_upload_of_the_example_and_import_page_explains_both_formats(login, personas):
    school = SchoolFactory(brin="11AA", onderwijssoorten=["bao"])
    user = member(Role.BEGELEIDER, school=school, username="ib_11aa")
    client = login(user)
    page = client.get(reverse("students:import_upload")).content.decode()
    assert "U kunt een CSV-bestand of een EDEXML-bestand uit uw leerlingadministratie uploaden" in page
    response = upload(client, school, EXAMPLE.read_bytes(), name="voorbeeld-edexml.xml")
    assert response.status_code == 302, response.content.decode()[:2000]
    body = client.get(response.url).content.decode()
    assert "Vestigingen: Dependance De Wilg: 2 leerlingen; Hoofdlocatie Bronstraat: 2 leerlingen." in body
    # the stored copy is minimised, yet each pupil keeps the line of the uploaded file
    assert '<th scope="row">40</th><td>4101</td>' in body and '<th scope="row">81</th><td>4104</td>' in body
    assert "123456782" not in ImportBatch.objects.get().content


def test_command_dry_run_apply_and_idempotent(org, personas, tmp_path):
    StudentFactory(school=org.school_a, pupil_number="5002", first_name="Oud", last_name="Naam",
                   date_of_birth=datetime.date(2016, 1, 1), enrolled_on=datetime.date(2020, 8, 20))
    path = tmp_path / "export.xml"
    path.write_bytes(edex(pupil("5001", extra=f"<bsn>{BSN}</bsn>"), pupil("5002", roepnaam="Sem", achternaam="Bos",
                                                                        geboortedatum="2016-01-01",
                                                                        instroomdatum="2020-08-20")))
    out = io.StringIO()
    call_command("import_students", "01AA", str(path), stdout=out)
    assert "Proefimport voor School A: 2 regels: 1 nieuw, 1 bijgewerkt, 0 ongewijzigd." in out.getvalue()
    assert "niet overgenomen en wordt nergens opgeslagen" in out.getvalue() and BSN not in out.getvalue()
    assert Student.objects.count() == 1 and not ImportBatch.objects.exists()

    call_command("import_students", "01AA", str(path), "--apply", "--as", personas.begeleider_a.username, stdout=out)
    assert "Geïmporteerd in School A: 2 regels: 1 nieuw, 1 bijgewerkt" in out.getvalue()
    sem = Student.objects.get(pupil_number="5002")
    assert (sem.first_name, sem.last_name) == ("Sem", "Bos")
    snapshot = list(Student.objects.order_by("pk").values())
    events = AuditEvent.objects.count()

    out = io.StringIO()
    call_command("import_students", "01AA", str(path), "--apply", "--as", personas.begeleider_a.username, stdout=out)
    assert "2 regels: 0 nieuw, 0 bijgewerkt, 2 ongewijzigd." in out.getvalue()
    assert list(Student.objects.order_by("pk").values()) == snapshot
    assert AuditEvent.objects.count() == events + 2  # the second batch's create and import rows: no pupil changed
    assert BSN not in everything_stored()


def test_command_refuses_wrong_brin_naming_both(org, personas, tmp_path):
    path = tmp_path / "export.xml"
    path.write_bytes(edex(brin="02BB"))
    with pytest.raises(CommandError, match="BRIN-code 02BB, maar u importeert voor de school met BRIN-code 01AA"):
        call_command("import_students", "01AA", str(path), stdout=io.StringIO())


def test_size_limit_applies(org, personas, settings):
    settings.OPP_IMPORT_MAX_BYTES = 2000
    data = edex(*(pupil(str(n)) for n in range(20)))
    with pytest.raises(FileRejected, match="het maximum is"):
        csv_import.batch_create(actor=personas.begeleider_a, school=org.school_a, filename="e.xml", raw=data)


def test_looks_like_is_by_content():
    assert edexml.looks_like("\ufeff\n  <?xml version='1.0'?><EDEX/>")
    assert not edexml.looks_like("leerlingnummer;voornaam\n1;<b>\n")
