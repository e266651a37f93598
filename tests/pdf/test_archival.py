"""Every PDF kind is tagged PDF/A-2a (opp.pdfa), checked from the file with pikepdf (tests/pdf/archival.py):
the PDF/A identification in the XMP, an sRGB output intent, every font embedded, a structure tree with headings
(and tables with header cells where the kind has tables), /Lang nl-NL, the title in the window, the school as
author, the version hash as a custom XMP property. The checks are shown to fail on WeasyPrint's plain output.

The dossier as a whole is not PDF/A (the uploads go in as they are): tests/disputes/test_dossier.py checks that
its own pages are tagged.
"""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest
import time_machine
import weasyprint
from django.test import override_settings

from accounts.models import Role
from opp import content as opp_content
from opp import pdfa
from tests.conftest import CLOCK_ANCHOR
from tests.factories import BoardFactory, SchoolFactory, member
from tests.pdf import archival, worlds

#: What each kind's <title> holds (at least), and the structure elements it must have besides /Document.
EXPECTED = {
    "version": ("OPP Fatima-Zahra van den Heuvel-Ouaali – versie 1", ("/H1", "/H2", "/Table", "/TH", "/TD")),
    "evaluation": ("Evaluatie", ("/H1", "/H2", "/Table", "/TH")),
    "dossier-cover": ("Dossier geschil", ("/H1",)),
    "dossier-findings": ("Toetsing", ("/H1",)),
    "dossier-image": ("Verslag orthopedagoog", ("/Figure",)),
    "dossier-missing": ("Ondersteuningsplan", ("/H1",)),
    "letter": ("Reactie", ("/P",)),
    "inzage": ("Inzage", ("/H1", "/Table", "/TH")),
}

_CACHE: dict = {}


@pytest.fixture
def rendered(db, tmp_path_factory):
    """({kind: pdf bytes}, world, the WeasyPrint log lines at ERROR): rendered once per module (per xdist worker)."""
    if not _CACHE:
        errors = []

        class Collect(logging.Handler):
            def emit(self, record):
                errors.append(record.getMessage())

        handler = Collect(level=logging.ERROR)
        logging.getLogger("weasyprint").addHandler(handler)
        try:
            with (time_machine.travel(CLOCK_ANCHOR, tick=False),
                  override_settings(PRIVATE_MEDIA_ROOT=tmp_path_factory.mktemp("private"))):
                board = BoardFactory(name="Stichting Archief")
                school = SchoolFactory(board=board, name="School A2 (vso)", brin="09ZY", onderwijssoorten=["vso"],
                                       cluster=4)
                by = member(Role.BEGELEIDER, school=school, username="archief_begeleider")
                adopter = member(Role.BESTUURDER, board=board, username="archief_bestuurder")
                world = worlds.build(SimpleNamespace(school_a2=school), by, adopter, maximal=False,
                                     today=CLOCK_ANCHOR.date())
                out = worlds.render_all(world)
                version_hash = world.version.adopted_hash or opp_content.version_hash(world.version)
        finally:
            logging.getLogger("weasyprint").removeHandler(handler)
        _CACHE["rendered"] = (out, version_hash, errors)
    return _CACHE["rendered"]


@pytest.mark.parametrize("kind", worlds.KINDS)
def test_every_kind_is_tagged_pdfa_2a(rendered, kind):
    out, _hash, _errors = rendered
    title, kinds = EXPECTED[kind]
    assert archival.problems(out[kind], title=title, kinds=kinds) == []


@pytest.mark.parametrize("kind", worlds.KINDS)
def test_the_school_is_the_author_and_the_dates_are_set(rendered, kind):
    out, _hash, _errors = rendered
    facts = archival.read(out[kind])
    assert facts["author"], kind
    assert facts["xmp_creator"] == [facts["author"]]
    assert facts["created"].startswith(CLOCK_ANCHOR.date().isoformat()), facts["created"]


def test_the_opp_and_the_evaluation_carry_the_version_hash(rendered):
    out, version_hash, _errors = rendered
    for kind, document_kind in (("version", "opp"), ("evaluation", "evaluatie")):
        assert archival.read(out[kind])["properties"] == {"versionHash": version_hash, "documentKind": document_kind}


def test_every_page_of_every_kind_is_in_the_structure_tree(rendered):
    out, _hash, _errors = rendered
    for kind, data in out.items():
        assert all(archival.read(data)["pages_tagged"]), kind


def test_nothing_is_left_without_a_text_alternative(rendered):
    """WeasyPrint logs an error for an image or chart without alt text (an <svg> needs a <title>)."""
    _out, _hash, errors = rendered
    assert [e for e in errors if "alt description" in e] == []


def test_the_check_fails_on_plain_weasyprint_output():
    html = "<html lang='nl'><head><title>Ontwikkelingsperspectief</title></head><body><h1>OPP</h1></body></html>"
    found = archival.problems(weasyprint.HTML(string=html).write_pdf(), title="Ontwikkelingsperspectief")
    assert any("PDF/A identification" in p for p in found)
    assert any("output intent" in p for p in found)
    assert any("structure tree" in p for p in found)
    assert any("/Lang" in p for p in found)
    assert any("DisplayDocTitle" in p for p in found)


def test_the_xmp_extension_schema_describes_every_portal_property():
    """PDF/A allows a custom XMP property only when a pdfaExtension schema in the same packet describes it."""
    rdf = (b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
           b'<rdf:Description rdf:about=""/></rdf:RDF>')
    xml = pdfa.extend_rdf(rdf, lang="nl-NL", properties={"versionHash": "ab" * 32}).decode()
    assert "<opp:versionHash>" + "ab" * 32 in xml
    assert "<pdfaProperty:name>versionHash</pdfaProperty:name>" in xml
    assert f"<pdfaSchema:namespaceURI>{pdfa.NS_OPP}</pdfaSchema:namespaceURI>" in xml
    assert "<rdf:li>nl-NL</rdf:li>" in xml


def test_dutch_is_tagged_as_the_dutch_of_the_netherlands():
    assert pdfa.lang_tag("nl") == "nl-NL" and pdfa.lang_tag(None) == "nl-NL" and pdfa.lang_tag("ar") == "ar"
