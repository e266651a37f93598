"""The package of a request to the SWV (swv.package): the PDF holds the cover, the OPP, the evaluation and the parents'
view; without uploaded PDFs it is PDF/A-2a, with one it is tagged but no PDF/A; the JSON matches its schema."""

import datetime
import io
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from jsonschema import Draft202012Validator
from pypdf import PdfReader

from evaluations import services as evaluation_services
from swv import package
from swv import requests as swv_requests
from tests.factories import (
    SCAN_PDF,
    PlanFactory,
    PlanVersionFactory,
    evaluation_data,
    parent_of,
    progress_for,
)
from tests.pdf.archival import problems, read

from .conftest import pdf

D = datetime.date
pytestmark = pytest.mark.usefixtures("clock")  # 25 September 2026
SCHEMA = json.loads((Path(settings.BASE_DIR) / "swv" / "package_schema.json").read_text(encoding="utf-8"))
PUPIL_VIEW = "Ik wil graag op deze school blijven"
EVALUATION_PUPIL_VIEW = "Het lezen in het groepje gaat goed, zegt Lotte"


@pytest.fixture
def made(swv_world):
    """A request about Lotte with the adopted OPP, the evaluation and her mother's reaction, bij de ouders."""
    w = swv_world
    plan = PlanFactory(student=w.pupil, created_by=w.begeleider)
    version = PlanVersionFactory(plan=plan, with_actions=2, with_factors=2, uitstroom_profiel="vmbo_kb",
                                 leerling_mening=PUPIL_VIEW, adopted=True)
    evaluation = evaluation_services.evaluation_record(actor=w.begeleider, plan=plan, data=evaluation_data(
        D(2026, 9, 25), conclusion="Goede voortgang bij begrijpend lezen.", pupil_view=EVALUATION_PUPIL_VIEW),
        progress=progress_for(version))
    mother = parent_of(w.pupil, name="Anja Horizonbeek", username="moeder_lotte")

    def build(*, reaction=True, attachment=None, **kw):
        req = swv_requests.compose(actor=w.begeleider, student=w.pupil, kind="tlv", samenwerkingsverband=w.swv,
                                   version=version, evaluation=evaluation, **kw)
        if attachment is not None:
            swv_requests.add_attachment(actor=w.begeleider, request=req, title="Verslag psycholoog", upload=attachment)
        swv_requests.inform_parents(actor=w.begeleider, request=req)
        if reaction:
            swv_requests.react(user=mother.user, request=req, text="Wij steunen deze aanvraag van harte.")
        return req, package.build(req)

    w.version, w.build = version, build
    return w


def _text(data: bytes) -> str:
    return re.sub(r"\s+", " ", " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages))


def test_the_pdf_holds_cover_opp_evaluation_and_the_parents_view_as_pdfa(made):
    req, result = made.build()
    text = _text(result.pdf)
    assert "Aanvraag bij het samenwerkingsverband" in text and made.swv.name in text  # the cover
    assert "Zienswijze van de ouders" in text and "Wij steunen deze aanvraag van harte." in text
    assert "Inhoud" in text and "OPP versie 1" in text
    assert "Handelingsdeel" in text and PUPIL_VIEW in text  # the OPP, with the pupil's view
    assert "Goede voortgang bij begrijpend lezen." in text  # the evaluation
    assert EVALUATION_PUPIL_VIEW in text  # shared: the pupil's words in the evaluation go along
    assert result.pdfa and result.pages == len(PdfReader(io.BytesIO(result.pdf)).pages)
    assert problems(result.pdf, title=package.title_of(req), archival=True) == []


def test_the_contents_number_the_parts_after_the_cover(made):
    _req, result = made.build(reaction=False)
    reader = PdfReader(io.BytesIO(result.pdf))
    cover = reader.pages[0].extract_text()
    assert "De ouders hebben geen reactie gegeven." in cover
    start = int(re.search(r"OPP versie 1\s+(\d+)", cover).group(1))
    assert start == 2 and made.pupil.full_name in reader.pages[start - 1].extract_text()
    evaluation_start = int(re.search(r"Evaluatie van 25 september 2026\s+(\d+)", cover).group(1))
    assert evaluation_start > start
    assert "Evaluatie van het ontwikkelingsperspectief" in reader.pages[evaluation_start - 1].extract_text()
    assert "Evaluatie van het ontwikkelingsperspectief" not in reader.pages[evaluation_start - 2].extract_text()


def test_not_shared_means_not_in_the_package(made):
    _req, result = made.build(share_factors=False, share_pupil_view=False)
    text = _text(result.pdf)
    assert PUPIL_VIEW not in text
    assert EVALUATION_PUPIL_VIEW not in text  # her words in the evaluation stay home too
    assert "Belemmerende en bevorderende factoren" not in text.split("Inhoud", 1)[1]
    assert "Niet: de belemmerende en bevorderende factoren" in text
    data = json.loads(result.json)
    assert data["opp_version"]["factors"] is None and data["opp_version"]["pupil_view"] is None
    assert data["shared"] == {"opp": True, "factors": False, "pupil_view": False, "evaluation": True}
    assert validate(data, SCHEMA) == []


def test_an_uploaded_pdf_makes_it_tagged_but_not_pdfa(made, private):
    req, result = made.build(attachment=pdf("verslag.pdf", SCAN_PDF))
    assert not result.pdfa
    facts = read(result.pdf)
    assert facts["pdfa"] != "2A"
    assert problems(result.pdf, title=package.title_of(req), archival=False) == []
    assert "Bijlage: Verslag psycholoog" in _text(result.pdf)
    assert "geen PDF/A" in PdfReader(io.BytesIO(result.pdf)).pages[0].extract_text().replace("\n", " ")
    own = PdfReader(io.BytesIO(SCAN_PDF))
    assert len(PdfReader(io.BytesIO(result.pdf)).pages) == result.pages and result.pages > len(own.pages)
    data = json.loads(result.json)
    assert data["attachments"][0]["title"] == "Verslag psycholoog" and data["pdf"]["pdfa"] is False
    assert validate(data, SCHEMA) == []


def test_the_json_matches_its_schema(made):
    req, result = made.build()
    data = json.loads(result.json)
    assert validate(data, SCHEMA) == []
    assert data["pdf"]["sha256"] == result.sha256 and data["request"]["kind"] == "tlv"
    assert data["opp_version"]["pupil_view"]["view"] == PUPIL_VIEW
    assert [r["text"] for r in data["parents_view"]] == ["Wij steunen deze aanvraag van harte."]
    assert data["samenwerkingsverband"]["name"] == made.swv.name
    # The validator below sees a broken document.
    broken = dict(data, request=dict(data["request"], kind="subsidie"))
    del broken["pdf"]
    errors = validate(broken, SCHEMA)
    assert any(e.startswith("request.kind:") for e in errors) and any("'pdf' is a required property" in e for e in errors)


def test_the_schema_documentation_names_every_field():
    doc = (Path(settings.BASE_DIR) / "docs" / "swv-package.md").read_text(encoding="utf-8")
    for name in _field_names(SCHEMA, SCHEMA):
        assert f"`{name}`" in doc, name


# --- The schema: checked by jsonschema (Draft 2020-12, with formats) ------------------------------------------------


def validate(value, schema) -> list[str]:
    """Every error of `value` against `schema`, as "path: message" (an empty list: valid)."""
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    return [f"{'.'.join(str(p) for p in e.absolute_path)}: {e.message}" for e in validator.iter_errors(value)]


def _resolve(node, root):
    while "$ref" in node:
        node = root["$defs"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def _field_names(node, root) -> set[str]:
    node = _resolve(node, root)
    names = set()
    for option in node.get("anyOf", []):
        names |= _field_names(option, root)
    for key, child in node.get("properties", {}).items():
        names.add(key)
        names |= _field_names(child, root)
    if "items" in node:
        names |= _field_names(node["items"], root)
    return names
