"""opp_portal.charts: server-rendered SVG charts (shape, accessible name, escaping, palette contrast, WeasyPrint)."""

from __future__ import annotations

import datetime
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


# --- Per goal (goal_line) and per pupil (progress_bars) --------------------------------------------------------

AVI = ("Start", "M3", "E3", "M4", "E4", "M5", "E5", "M6", "E6", "M7", "E7", "Plus")  # opp.measures.AVI_LEVELS' shape


def _avi(level: str) -> float:
    return float(AVI.index(level))


def _line(**kwargs) -> charts.Chart:
    d = datetime.date
    args = {
        "chart_id": "doel-7", "title": "Metingen bij het doel: lezen", "desc": "Lijngrafiek van de metingen.",
        "levels": AVI, "baseline": charts.Point(d(2026, 9, 12), _avi("M4"), "AVI M4"),
        "points": [charts.Point(d(2027, 2, 10), _avi("E4"), "AVI E4"), charts.Point(d(2026, 11, 20), _avi("M4"), "AVI M4")],
        "target": charts.Point(d(2027, 7, 1), _avi("M5"), "AVI M5"),
    }
    return charts.goal_line(**(args | kwargs))


def _groups(root: ET.Element, cls: str) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if g.get("class") == cls]


def test_a_goal_line_is_a_named_image_with_its_table_rows():
    chart = _line()
    root = _tree(chart.svg)
    assert root.get("role") == "img" and root.get("aria-labelledby") == "doel-7-title doel-7-desc"
    assert "chart-goal" in root.get("class").split()
    assert root.find(f"{SVG}title").text == chart.name == "Metingen bij het doel: lezen"
    assert root.find(f"{SVG}desc").text == chart.desc
    assert str(chart) == str(chart.svg) and chart.__html__() == str(chart.svg)  # {{ chart }} in a template
    # The table alternative: baseline, the measurements in date order, the target.
    assert chart.headers == ("Datum", "Waarde", "Soort")
    assert chart.rows == (("12 september 2026", "AVI M4", "Beginsituatie"), ("20 november 2026", "AVI M4", "Meting"),
                          ("10 februari 2027", "AVI E4", "Meting"), ("1 juli 2027", "AVI M5", "Doel"))


def test_the_line_joins_baseline_and_measurements_in_date_order_to_scale():
    root = _tree(_line().svg)
    base = _groups(root, "chart-baseline")[0]
    points = _groups(root, "chart-point")
    assert base.get("data-value") == "AVI M4" and [p.get("data-date") for p in points] == ["2026-11-20", "2027-02-10"]
    line = next(p for p in root.iter(f"{SVG}path") if p.get("class") == "chart-line")
    coords = [tuple(float(n) for n in xy.split(",")) for xy in re.findall(r"[ML]([\d.]+,[\d.]+)", line.get("d"))]
    assert len(coords) == 3 and [x for x, _ in coords] == sorted(x for x, _ in coords)  # left to right in time
    assert coords[0][1] == coords[1][1] > coords[2][1]  # M4, M4, then E4 higher up
    # Time to scale: 12 Sep → 20 Nov is 69 days, 20 Nov → 10 Feb 82 days.
    assert (coords[1][0] - coords[0][0]) / (coords[2][0] - coords[1][0]) == pytest.approx(69 / 82, rel=1e-2)


def test_avi_levels_are_the_categories_of_the_axis_around_the_values():
    root = _tree(_line().svg)
    texts = [t.text for t in root.iter(f"{SVG}text")]
    # From one level under the lowest value (M4) to one above the highest (the target M5): E3 … E5, in order.
    axis = [t for t in texts if t in AVI]
    assert axis == ["E3", "M4", "E4", "M5", "E5"]
    assert "Start" not in texts and "Plus" not in texts


def test_numbers_get_round_ticks():
    chart = charts.goal_line(chart_id="dmt", title="DMT", desc="d",
                             baseline=charts.Point(datetime.date(2026, 9, 1), 32, "32 woorden (DMT)"),
                             points=[charts.Point(datetime.date(2026, 12, 1), 38, "38 woorden (DMT)")],
                             target=charts.Point(datetime.date(2027, 7, 1), 55, "55 woorden (DMT)"))
    texts = [t.text for t in _tree(chart.svg).iter(f"{SVG}text")]
    assert {"30", "40", "50", "60"} <= set(texts)


def test_the_target_is_a_dashed_line_with_its_value_and_date():
    root = _tree(_line().svg)
    target = _groups(root, "chart-target")[0]
    assert target.get("data-value") == "AVI M5" and target.get("data-date") == "2027-07-01"
    dashed = [p for p in target.iter(f"{SVG}path") if p.get("stroke-dasharray") == "6 4"]
    assert len(dashed) == 1 and dashed[0].get("stroke") == charts.GOAL
    y0 = re.match(r"M[\d.]+,([\d.]+) H[\d.]+$", dashed[0].get("d")).group(1)  # horizontal
    assert "AVI M5 (1 jul 2027)" in "".join(target.itertext())
    # The target lies on the M5 gridline: the same height as the axis label M5.
    label = next(t for t in root.iter(f"{SVG}text") if t.text == "M5")
    assert float(label.get("y")) - 4 == pytest.approx(float(y0), abs=0.1)


def test_months_are_dutch_and_the_year_is_under_the_first_and_january():
    texts = [t.text for t in _tree(_line().svg).iter(f"{SVG}text")]
    months = [t.text for t in _tree(_line().svg).iter(f"{SVG}text") if t.get("class") == "chart-month"]
    assert months[:6] == ["sep", "okt", "nov", "dec", "jan", "feb"] and "mrt" in months and "mei" in months
    assert texts.count("2026") == 1 and texts.count("2027") == 1


def test_goal_charts_have_no_style_script_or_link_and_escape_their_labels():
    hostile = '<script>alert(1)</script>&"'
    line = charts.goal_line(chart_id='x" onload="1', title=hostile, desc=hostile,
                            points=[charts.Point(datetime.date(2027, 1, 1), 2, hostile)],
                            baseline=charts.Point(datetime.date(2026, 9, 1), 1, hostile),
                            target=charts.Point(datetime.date(2027, 7, 1), 5, hostile))
    bars = charts.progress_bars(chart_id="p", title=hostile, desc=hostile, groups=[
        charts.ProgressGroup(hostile, [charts.Progress(hostile, 0.4, hostile)])])
    for chart in (line, bars):
        markup = str(chart)
        assert "<script" not in markup and "style" not in markup and "href" not in markup
        assert not re.search(r"\son[a-z]+=", markup)
        root = _tree(markup)  # well-formed: every label escaped
        assert root.find(f"{SVG}title").text == hostile
        assert any(hostile in "".join(e.itertext()) for e in root.iter())
    assert bars.rows == ((hostile, hostile, "40%", hostile),)


def test_bad_goal_lines_are_refused():
    with pytest.raises(ValueError):
        charts.goal_line(chart_id="x", title="t", desc="d", points=[])  # nothing to draw
    with pytest.raises(ValueError):  # a rank outside the levels
        charts.goal_line(chart_id="x", title="t", desc="d", levels=AVI,
                         points=[charts.Point(datetime.date(2027, 1, 1), 12, "?")])


def test_progress_bars_clip_at_both_ends_with_a_marker_beyond():
    chart = charts.progress_bars(chart_id="voortgang", title="Voortgang", desc="d", groups=[
        charts.ProgressGroup("Versie 1 · schooljaar 2025-2026", [charts.Progress("Lezen", 0.5, "AVI E4"),
                                                                 charts.Progress("Rekenen", None)]),
        charts.ProgressGroup("Versie 2 · schooljaar 2026-2027", [charts.Progress("Lezen", 1.3, "AVI M6"),
                                                                 charts.Progress("Sociaal", -0.25, "2")]),
    ])
    root = _tree(chart.svg)
    assert "chart-progress" in root.get("class").split() and root.get("role") == "img"
    bars = [b for b in root.iter(f"{SVG}rect") if b.get("class") == "chart-bar"]
    assert [(b.get("data-group"), b.get("data-share")) for b in bars] == [("0", "50"), ("1", "130"), ("1", "-25")]
    full = float(bars[0].get("width")) * 2
    assert float(bars[1].get("width")) == pytest.approx(full, abs=0.2)  # clipped at the target …
    assert float(bars[2].get("width")) == 0  # … and at the baseline
    classes = [p.get("class") for p in root.iter(f"{SVG}path")]
    assert classes.count("chart-beyond") == 1 and classes.count("chart-below") == 1
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert {"50%", "130%", "−25%", "nog geen meting", "Versie 2 · schooljaar 2026-2027"} <= set(texts)
    assert chart.rows == (("Lezen", "Versie 1 · schooljaar 2025-2026", "50%", "AVI E4"),
                          ("Rekenen", "Versie 1 · schooljaar 2025-2026", "nog geen meting", "–"),
                          ("Lezen", "Versie 2 · schooljaar 2026-2027", "130%", "AVI M6"),
                          ("Sociaal", "Versie 2 · schooljaar 2026-2027", "−25%", "2"))


def test_weasyprint_draws_the_goal_line_into_the_pdf():
    pdf = html_to_pdf(f'<!doctype html><html lang="nl"><body><h1>Doel</h1>{_line()}</body></html>')
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    text = page.extract_text()
    assert "AVI M5 (1 jul 2027)" in text and "Beginsituatie" in text and "E3" in text
    content = page.get_contents().get_data().decode("latin-1")
    assert re.search(r"[\d.]+ [\d.]+ l\b", content)  # the line and the dashes as vector paths
