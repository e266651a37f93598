"""opp_portal.charts: server-rendered SVG charts (shape, accessible name, escaping, palette contrast, WeasyPrint)."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import pytest
from pypdf import PdfReader

from opp.pdf import html_to_pdf
from opp_portal import charts

SVG = "{http://www.w3.org/2000/svg}"


def _tree(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))  # well-formed XML, or this raises


def _segments(root: ET.Element) -> list[ET.Element]:
    return [e for e in root.iter(f"{SVG}rect") if e.get("class") == "chart-segment"]


def _bars(**kwargs):
    args = {
        "chart_id": "t", "title": "Zes-wekentermijn per school", "desc": "Per school de leerlingen.",
        "categories": ["De Linde", "<b>&amp; \"Oost\""],
        "series": [charts.Series("op schema", [3, 0]), charts.Series("te laat", [2, 5]),
                   charts.Series("vastgesteld", [0, 1])],
    }
    return charts.stacked_bars(**(args | kwargs))


def test_a_chart_is_an_image_named_by_its_title_and_description():
    root = _tree(_bars())
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    assert root.get("aria-labelledby") == "t-title t-desc"
    assert root.find(f"{SVG}title").get("id") == "t-title"
    assert root.find(f"{SVG}title").text == "Zes-wekentermijn per school"
    assert root.find(f"{SVG}desc").get("id") == "t-desc"
    assert root.find(f"{SVG}desc").text == "Per school de leerlingen."


def test_one_bar_per_category_whose_segments_add_up_to_its_counts():
    root = _tree(_bars())
    segments = _segments(root)
    # Zero values draw nothing: 3+2 for the first school, 5+1 for the second.
    assert [(s.get("data-series"), s.get("data-value")) for s in segments] == [
        ("0", "3"), ("1", "2"), ("1", "5"), ("2", "1")]
    bars: dict[str, list[ET.Element]] = {}
    for s in segments:
        bars.setdefault(s.get("y"), []).append(s)
    assert len(bars) == 2  # one row per school
    totals = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "chart-total"]
    assert totals == ["5", "6"]
    # The widths are to scale: the longest bar (6) spans the plot, 5 of 6 for the first, segments side by side.
    first, second = bars.values()
    w = [float(s.get("width")) for s in first + second]
    assert w[0] / w[1] == pytest.approx(3 / 2, rel=1e-2) and (w[0] + w[1]) / (w[2] + w[3]) == pytest.approx(5 / 6, rel=1e-2)
    assert float(first[1].get("x")) == pytest.approx(float(first[0].get("x")) + w[0], abs=0.1)


def test_every_text_is_escaped():
    markup = str(_bars(title="A <script>alert(1)</script>", categories=["<b>&", "x"],
                       series=[charts.Series("<i>reeks</i>", [1, 2])]))
    assert "<b>" not in markup and "<script" not in markup and "<i>" not in markup
    root = _tree(markup)
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "<b>&" in texts and "<i>reeks</i>" in texts
    assert root.find(f"{SVG}title").text == "A <script>alert(1)</script>"


def test_no_inline_style_or_script_for_the_csp():
    for markup in (_bars(), charts.stacked_columns(chart_id="k", title="t", desc="d", categories=["jan\n2026"],
                                                   series=[charts.Series("a", [1])])):
        assert "style" not in str(markup) and "<script" not in str(markup)
        assert not re.search(r"\son[a-z]+=", str(markup)) and "href" not in str(markup)


def test_ids_are_unique_per_chart_and_safe():
    a, b = str(_bars(chart_id="grafiek-a")), str(_bars(chart_id='x" onload="1'))
    assert 'id="grafiek-a-p0"' in a and 'fill="url(#grafiek-a-p0)"' in a
    assert 'onload="' not in b and 'id="x--onload--1-title"' in b


def test_columns_stack_per_category_with_the_total_above():
    root = _tree(charts.stacked_columns(
        chart_id="m", title="Per maand", desc="d", categories=["nov\n2026", "dec\n2026", "jan\n2027"],
        series=[charts.Series("binnen zes weken", [4, 0, 1]), charts.Series("later", [2, 0, 0])]))
    segments = _segments(root)
    assert [(s.get("data-series"), s.get("data-value")) for s in segments] == [("0", "4"), ("1", "2"), ("0", "1")]
    # Stacked: the second part sits on top of the first, to scale.
    low, high = segments[0], segments[1]
    assert float(high.get("y")) + float(high.get("height")) == pytest.approx(float(low.get("y")), abs=0.1)
    assert float(low.get("height")) / float(high.get("height")) == pytest.approx(2, rel=1e-2)
    assert [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "chart-total"] == ["6", "0", "1"]
    assert {"nov", "dec", "jan", "2026", "2027"} <= {t.text for t in root.iter(f"{SVG}text")}


def test_empty_and_bad_input():
    root = _tree(_bars(series=[charts.Series("a", [0, 0])]))
    assert _segments(root) == []  # nothing to draw, still a valid, named chart
    with pytest.raises(ValueError):
        _bars(series=[charts.Series("a", [1])])  # one value for two categories
    with pytest.raises(ValueError):
        _bars(series=[charts.Series("a", [1, -1])])
    with pytest.raises(ValueError):
        _bars(series=[charts.Series("a", [1, 1], colour="#ffff00")])  # not of the palette: contrast unchecked


@pytest.mark.parametrize("colour", charts.PALETTE)
def test_the_palette_meets_wcag_aa(colour):
    # Graphics need 3:1 against the background (1.4.11); the white numbers on the bars 4.5:1 (1.4.3).
    assert charts.contrast_ratio(colour, charts.BACKGROUND) >= 4.5
    assert charts.contrast_ratio("#ffffff", colour) >= 4.5
    assert charts.contrast_ratio(charts.TEXT, charts.BACKGROUND) >= 4.5


def test_contrast_ratio_is_wcags():
    assert charts.contrast_ratio("#000000", "#ffffff") == pytest.approx(21)
    assert charts.contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


def test_weasyprint_draws_the_chart_into_the_pdf():
    """The same SVG as on the page, inline, through the project's PDF helper (opp.pdf.html_to_pdf)."""
    chart = _bars(categories=["Grafiekschool", "Tweede school"])
    pdf = html_to_pdf(f'<!doctype html><html lang="nl"><body><h1>Overzicht</h1>{chart}</body></html>')
    reader = PdfReader(io.BytesIO(pdf))
    text = reader.pages[0].extract_text()
    assert "Overzicht" in text and "Grafiekschool" in text and "vastgesteld" in text
    content = reader.pages[0].get_contents().get_data().decode("latin-1")
    assert content.count(" re") >= 4  # the bars' rectangles are drawn (and the patterns' tiles)
