"""Layouts that hold: every PDF kind rendered once with realistic and once with the longest content (tests/pdf/worlds.py).

- nothing is lost: every word of every long input is in the PDF's text (whitespace and hyphenation dropped);
- nothing runs past its box: every run of text lies inside the page's printable width (its start from the PDF, its
  width measured with the embedded font's own file), and no two runs on one line overlap (a cell's text running
  into the next cell);
- every page's header names the pupil and the document, its footer says "pagina X van Y" with the right X and Y;
- one date style ("5 december 2026"): no 05-12-2026 or 2026-12-05 in any PDF;
- no near-empty last page: the last page holds at least LAST_PAGE_LINES lines of body text, or the document has
  one page (the closing blocks — the Vaststelling, a letter's closing and signature — are kept whole for this).

The worlds are built once per module in one transaction that is rolled back (the renders take 0.3–1.5 s each).
"""

from __future__ import annotations

import datetime
import io
import re
from functools import cache
from pathlib import Path
from types import SimpleNamespace

import pytest
import time_machine
from django.test import override_settings
from PIL import ImageFont
from pypdf import PdfReader

from accounts.models import Role
from tests.conftest import CLOCK_ANCHOR
from tests.factories import BoardFactory, SchoolFactory, member
from tests.pdf import worlds

PUPIL = "Fatima-Zahra van den Heuvel-Ouaali"
#: What each kind's running header says next to the pupil's name.
HEADLINE = {"version": "OPP · Versie 1 · Vastgesteld", "evaluation": "OPP versie 1",
            "dossier-cover": "Verweerdossier geschil", "dossier-findings": "Toetsing OPP versie 1",
            "dossier-image": "Verweerdossier geschil", "dossier-missing": "Verweerdossier geschil",
            "letter": "Geschil", "inzage": "Inzage: overzicht van de gegevens"}
MM = 72 / 25.4
#: The page's side margins per kind (templates/pdf/base.html; the dispute parts set their own).
SIDE_MARGIN = {kind: (18 if kind.startswith("dossier") or kind == "letter" else 16) * MM for kind in worlds.KINDS}
VERTICAL_MARGIN = {kind: (20 if kind.startswith("dossier") or kind == "letter" else 22) * MM for kind in worlds.KINDS}
TOLERANCE = 1.5  # points
LAST_PAGE_LINES = 3
DATE_PATTERNS = (re.compile(r"\b\d{1,2}-\d{1,2}-\d{2,4}\b"), re.compile(r"\b\d{4}-\d{2}-\d{2}\b"),
                 re.compile(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b"))
FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".fonts")


def flat(text: str) -> str:
    return re.sub(r"[\s\-\u00ad\u2010]", "", text)


_CACHE: dict = {}


@pytest.fixture
def rendered(db, tmp_path_factory):
    """({("real" | "max", kind): pdf bytes}, {"real" | "max": long texts per kind}): built and rendered by the first
    test of the module (per xdist worker) inside its rolled-back `db` transaction, then kept as bytes."""
    if not _CACHE:
        out, texts = {}, {}
        with (time_machine.travel(CLOCK_ANCHOR, tick=False),
              override_settings(PRIVATE_MEDIA_ROOT=tmp_path_factory.mktemp("private"))):
            board = BoardFactory(name="Stichting Lange Namen")
            school = SchoolFactory(board=board, name="School A2 (vso)", brin="09ZZ", onderwijssoorten=["vso"],
                                   cluster=4)
            by = member(Role.BEGELEIDER, school=school, username="layout_begeleider")
            adopter = member(Role.BESTUURDER, board=board, username="layout_bestuurder")
            for name, maximal in (("real", False), ("max", True)):
                world = worlds.build(SimpleNamespace(school_a2=school), by, adopter, maximal=maximal,
                                     today=CLOCK_ANCHOR.date())
                for kind, data in worlds.render_all(world).items():
                    out[(name, kind)] = data
                texts[name] = world.long_texts
        _CACHE["rendered"] = (out, texts)
    return _CACHE["rendered"]


CASES = [(name, kind) for name in ("real", "max") for kind in worlds.KINDS]


def pages(data: bytes):
    return PdfReader(io.BytesIO(data)).pages


@cache
def _font_file(base_font: str) -> str | None:
    """The TrueType file of an embedded font: /ABCDEF+DejaVu-Sans-Bold-Semi-Condensed → DejaVuSansCondensed-Bold.ttf."""
    tokens = base_font.lstrip("/").split("+")[-1].split("-")
    style = "".join(t for t in tokens if t in ("Bold", "Oblique", "Italic"))
    condensed = "Condensed" if "Condensed" in tokens else ""
    family = "".join(t for t in tokens if t not in ("Bold", "Oblique", "Italic", "Semi", "Condensed", "Book"))
    wanted = f"{family}{condensed}" + (f"-{style}" if style else "") + ".ttf"
    for folder in FONT_DIRS:
        if folder.is_dir():
            for found in folder.rglob(wanted):
                return str(found)
    return None


def _width(text: str, base_font: str, size: float) -> float:
    path = _font_file(base_font or "")
    if path is None:
        return 0.55 * size * len(text)  # DejaVu's average advance: a fair estimate where the font file is missing
    return ImageFont.truetype(path, max(1, round(size * 10))).getlength(text) / 10


def runs_of(page) -> list[tuple[str, float, float, float]]:
    """(text, left, right, top) of every run of text, in points from the page's top left."""
    runs = []

    def visit(text, cm, tm, font_dict, font_size):
        if not text.strip():
            return
        scale = abs(cm[0]) or 1
        left = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        size = font_size * abs(tm[0]) * scale
        base = str(font_dict.get("/BaseFont", "")) if font_dict else ""
        stripped = text.rstrip()
        runs.append((stripped, left, left + _width(stripped, base, size), float(page.mediabox.height) - y))

    page.extract_text(visitor_text=visit)
    return runs


# --- Nothing lost, nothing past its box ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["real", "max"])
def test_every_word_of_every_long_text_is_in_its_pdf(rendered, name):
    out, texts = rendered
    for kind, inputs in texts[name].items():
        body = flat("".join(page.extract_text() or "" for page in pages(out[(name, kind)])))
        missing = [word for text in inputs for word in worlds.words_of(text) if flat(word) not in body]
        assert not missing, f"{name} {kind}: {len(missing)} words lost, e.g. {missing[:5]}"


@pytest.mark.parametrize(("name", "kind"), CASES)
def test_no_text_runs_past_the_page_or_into_its_neighbour(rendered, name, kind):
    out, _texts = rendered
    for number, page in enumerate(pages(out[(name, kind)]), start=1):
        width = float(page.mediabox.width)
        left_edge, right_edge = SIDE_MARGIN[kind] - TOLERANCE, width - SIDE_MARGIN[kind] + TOLERANCE
        runs = runs_of(page)
        outside = [r for r in runs if r[1] < left_edge or r[2] > right_edge or not 0 <= r[3] <= float(page.mediabox.height)]
        assert not outside, f"{name} {kind} page {number}: past the printable width: {outside[:3]}"
        by_line: dict[int, list] = {}
        for run in runs:
            by_line.setdefault(round(run[3]), []).append(run)
        for line in by_line.values():
            line.sort(key=lambda r: r[1])
            for a, b in zip(line, line[1:], strict=False):
                assert a[2] <= b[1] + TOLERANCE, f"{name} {kind} page {number}: {a[0]!r} runs into {b[0]!r}"


# --- Header, footer, dates, last page ---------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "kind"), CASES)
def test_every_page_names_the_pupil_and_the_document_and_counts_the_pages(rendered, name, kind):
    out, _texts = rendered
    all_pages = pages(out[(name, kind)])
    for number, page in enumerate(all_pages, start=1):
        text = page.extract_text() or ""
        assert flat(PUPIL) in flat(text), f"{name} {kind} page {number}: no pupil's name"
        assert flat(HEADLINE[kind]) in flat(text), f"{name} {kind} page {number}: no {HEADLINE[kind]!r}"
        assert f"pagina {number} van {len(all_pages)}" in text, f"{name} {kind} page {number}"


@pytest.mark.parametrize(("name", "kind"), CASES)
def test_one_date_style_everywhere(rendered, name, kind):
    out, _texts = rendered
    text = "\n".join(page.extract_text() or "" for page in pages(out[(name, kind)]))
    for pattern in DATE_PATTERNS:
        assert not pattern.search(text), f"{name} {kind}: {pattern.search(text).group(0)}"
    assert re.search(r"\b\d{1,2} (januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|"
                     r"december) 20\d\d\b", text) or kind in ("dossier-image", "dossier-missing"), kind


def body_lines(page, kind) -> int:
    height = float(page.mediabox.height)
    top, bottom = VERTICAL_MARGIN[kind] - TOLERANCE, height - VERTICAL_MARGIN[kind] + TOLERANCE
    return len({round(r[3]) for r in runs_of(page) if top <= r[3] <= bottom})


@pytest.mark.parametrize(("name", "kind"), CASES)
def test_the_last_page_is_not_near_empty(rendered, name, kind):
    out, _texts = rendered
    all_pages = pages(out[(name, kind)])
    if len(all_pages) > 1:
        assert body_lines(all_pages[-1], kind) >= LAST_PAGE_LINES, f"{name} {kind}: near-empty last page"


def test_the_vaststelling_stays_whole_on_one_page(rendered):
    out, _texts = rendered
    for name in ("real", "max"):
        texts = [flat(page.extract_text() or "") for page in pages(out[(name, "version")])]
        heading = [n for n, text in enumerate(texts) if "Vaststelling" in text and "Vastgestelddoor" in text]
        assert heading, f"{name}: the Vaststelling heading and its box are not on one page"


def test_the_checks_see_what_they_look_for():
    """Controls: a date in the old style is found; a run past the edge and two overlapping runs are found."""
    assert DATE_PATTERNS[0].search("op 05-12-2026") and not DATE_PATTERNS[0].search("schooljaar 2026-2027")
    assert DATE_PATTERNS[1].search("2026-12-05") and not DATE_PATTERNS[1].search("GPO-2026-0815")
    assert _width("W" * 10, "/X+DejaVu-Sans", 10) > _width("i" * 10, "/X+DejaVu-Sans", 10)
    assert flat("lees-\nbegeleiding") == "leesbegeleiding"
    assert datetime.date(2026, 12, 5).strftime("%d-%m-%Y") == "05-12-2026"
