"""Charts as server-rendered SVG: pure functions from plain data (labels, numbers) to safe markup.

Why hand-written rather than a library (pygal, leather, drawsvg were the candidates): the page runs under a strict
CSP (style-src 'self', no inline style, no script). pygal writes a <style> element and inline scripts into every
chart, leather styles through style attributes; both would be blocked. drawsvg is a drawing toolkit only — the
layout, legend, accessibility and escaping below would still be ours. So the SVG here uses presentation attributes
only (fill, stroke, font-size: not styles under CSP), no script, no external reference, and renders the same in the
browser and in WeasyPrint (inline <svg>, patterns included), so a chart on a page and in its PDF are one picture.

Every chart:
- is <svg role="img" aria-labelledby="<id>-title <id>-desc"> with a <title> and <desc>: its accessible name;
- is never colour alone: each series has a pattern besides its colour, a legend, and the numbers on the bars
  where they fit; the caller shows a table alternative with the same numbers beside it;
- uses one palette whose colours reach 4.5:1 against white (WCAG 2.1 AA: 3:1 for graphics, and white numbers on
  them at 4.5:1 for text), separated by white lines (1.4.11 non-text contrast against neighbours);
- escapes every text it is given (a school named "<b>&" is shown as such).

Used by the overviews (deadlines.panels); other apps may import it (ground layer of the import floors).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

#: The palette: colours of the status badges (static/css/app.css) first, so a chart and a table's badges agree.
#: Each reaches ≥ 4.5:1 against white (tests/test_charts.py computes it).
GREEN = "#1e6b3a"  # op schema
AMBER = "#8a5300"  # binnen 14 dagen
RED = "#a4262c"  # termijn verstreken / te laat
BLUE = "#1f4e79"  # vastgesteld
GREY = "#595959"
PURPLE = "#5a3e8c"
PALETTE = (BLUE, GREEN, AMBER, RED, PURPLE, GREY)
BACKGROUND = "#ffffff"
TEXT = "#212529"  # Bootstrap's body colour: 15.4:1 on white
#: Patterns, in palette order of use: the second cue beside colour (WCAG 1.4.1).
PATTERNS = ("solid", "diagonal", "dots", "horizontal", "cross", "vertical")

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
FONT_SIZE = 12
CHAR_WIDTH = 6.6  # average advance at FONT_SIZE: used to fit labels (no font metrics on the server)


@dataclass(frozen=True)
class Series:
    """One stacked part: its legend label, one value per category, and optionally its own colour/pattern."""

    label: str
    values: Sequence[float]
    colour: str | None = None
    pattern: str | None = None


def _id(chart_id: str) -> str:
    """A safe id prefix (ids are shared with the page: each chart on a page needs its own)."""
    cleaned = re.sub(r"[^A-Za-z0-9_-]", "-", chart_id)
    return cleaned if cleaned[:1].isalpha() else f"c-{cleaned}"


def _num(value: float) -> str:
    """A number as shown: integers without decimals, others with one, a decimal comma (Dutch)."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.1f}".replace(".", ",")


def _fmt(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _fit(text: str, width: float, size: int = FONT_SIZE) -> str:
    """The text cut with an ellipsis to about `width` pixels."""
    per = CHAR_WIDTH * size / FONT_SIZE
    room = max(1, int(width // per))
    return text if len(text) <= room else text[: max(1, room - 1)].rstrip() + "…"


def _text_width(text: str, size: int = FONT_SIZE) -> float:
    return len(text) * CHAR_WIDTH * size / FONT_SIZE


def _pattern(pid: str, kind: str, colour: str) -> str:
    """A <pattern>: the colour, with dark lines or dots over it (they only darken: white numbers stay legible)."""
    ink = 'stroke="#000000" stroke-opacity="0.45" stroke-width="1.5"'
    marks = {
        "solid": "",
        "diagonal": f'<path d="M-2,2 l4,-4 M0,8 l8,-8 M6,10 l4,-4" {ink}/>',
        "horizontal": f'<path d="M0,4 h8" {ink}/>',
        "vertical": f'<path d="M4,0 v8" {ink}/>',
        "cross": f'<path d="M0,4 h8 M4,0 v8" {ink}/>',
        "dots": '<circle cx="4" cy="4" r="1.6" fill="#000000" fill-opacity="0.45"/>',
    }[kind]
    return (f'<pattern id="{pid}" patternUnits="userSpaceOnUse" width="8" height="8">'
            f'<rect width="8" height="8" fill="{colour}"/>{marks}</pattern>')


def _styles(series: Sequence[Series]) -> list[tuple[str, str]]:
    """(colour, pattern) per series: the given ones, else the palette's in order."""
    out = []
    for i, s in enumerate(series):
        colour = s.colour or PALETTE[i % len(PALETTE)]
        pattern = s.pattern or PATTERNS[i % len(PATTERNS)]
        if colour not in PALETTE or pattern not in PATTERNS:
            raise ValueError(f"{colour}/{pattern}: use a colour of charts.PALETTE and a pattern of charts.PATTERNS")
        out.append((colour, pattern))
    return out


def _legend(cid: str, series: Sequence[Series], width: float, y: float) -> tuple[list[str], float]:
    """The legend rows from `y`: swatch + label, wrapping at `width`. Returns (parts, height)."""
    parts, x, row = [], 0.0, 0
    for i, s in enumerate(series):
        w = 14 + 6 + _text_width(s.label) + 18
        if x and x + w > width:
            x, row = 0.0, row + 1
        top = y + row * 20
        parts.append(f'<rect x="{_fmt(x)}" y="{_fmt(top)}" width="14" height="14" fill="url(#{cid}-p{i})" '
                     f'stroke="{TEXT}" stroke-width="0.5"/>'
                     f'<text x="{_fmt(x + 20)}" y="{_fmt(top + 11)}" fill="{TEXT}">{escape(s.label)}</text>')
        x += w
    return parts, (row + 1) * 20 if series else 0


def _check(categories: Sequence[str], series: Sequence[Series]) -> None:
    for s in series:
        if len(s.values) != len(categories):
            raise ValueError(f"series {s.label!r} has {len(s.values)} values for {len(categories)} categories")
        if any(v < 0 for v in s.values):
            raise ValueError(f"series {s.label!r}: stacked bars take no negative values")


def _open(cid: str, title: str, desc: str, width: float, height: float, series: Sequence[Series]) -> str:
    defs = "".join(_pattern(f"{cid}-p{i}", pattern, colour) for i, (colour, pattern) in enumerate(_styles(series)))
    w, h = _fmt(width), _fmt(height)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{cid}" role="img" '
            f'aria-labelledby="{cid}-title {cid}-desc" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
            f'font-family="{escape(FONT)}" font-size="{FONT_SIZE}">'
            f'<title id="{cid}-title">{escape(title)}</title><desc id="{cid}-desc">{escape(desc)}</desc>'
            f'<defs>{defs}</defs><rect width="{w}" height="{h}" fill="{BACKGROUND}"/>')


def stacked_bars(*, chart_id: str, title: str, desc: str, categories: Sequence[str], series: Sequence[Series],
                 width: int = 640, label_width: int = 180) -> SafeString:
    """Horizontal stacked bars: one bar per category (e.g. a school), one segment per series, the total at its end.

    `title` is the accessible name, `desc` says in words what the chart shows (and where its table is)."""
    _check(categories, series)
    cid = _id(chart_id)
    bar, gap = 22, 10
    legend, legend_h = _legend(cid, series, width, 0)
    top = legend_h + 8
    plot_x = label_width + 8
    plot_w = width - plot_x - 48  # room for the total
    totals = [sum(s.values[i] for s in series) for i in range(len(categories))]
    peak = max(totals, default=0) or 1
    height = top + len(categories) * (bar + gap) + 4
    out = [_open(cid, title, desc, width, height, series), *legend]
    for row, name in enumerate(categories):
        y = top + row * (bar + gap)
        out.append(f'<text x="{label_width}" y="{_fmt(y + bar / 2 + 4)}" text-anchor="end" fill="{TEXT}">'
                   f'{escape(_fit(name, label_width))}</text>')
        x = float(plot_x)
        for i, s in enumerate(series):
            value = s.values[row]
            if not value:
                continue
            w = value / peak * plot_w
            out.append(f'<rect class="chart-segment" data-series="{i}" data-value="{_num(value)}" x="{_fmt(x)}" '
                       f'y="{_fmt(y)}" width="{_fmt(w)}" height="{bar}" fill="url(#{cid}-p{i})" '
                       f'stroke="{BACKGROUND}" stroke-width="1">'
                       f'<title>{escape(name)}: {escape(s.label)} {_num(value)}</title></rect>')
            if w >= _text_width(_num(value)) + 8:
                out.append(f'<text x="{_fmt(x + w / 2)}" y="{_fmt(y + bar / 2 + 4)}" text-anchor="middle" '
                           f'fill="#ffffff" font-weight="bold">{_num(value)}</text>')
            x += w
        out.append(f'<text class="chart-total" x="{_fmt(x + 6)}" y="{_fmt(y + bar / 2 + 4)}" fill="{TEXT}">'
                   f'{_num(totals[row])}</text>')
    # The axis: a line where every bar starts (3:1 and more against white).
    out.append(f'<path d="M{plot_x},{top - 4} V{_fmt(height - 4)}" stroke="{TEXT}" stroke-width="1"/>')
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 — every text above went through escape()


def stacked_columns(*, chart_id: str, title: str, desc: str, categories: Sequence[str], series: Sequence[Series],
                    width: int = 640, height: int = 240) -> SafeString:
    """Vertical stacked columns: one column per category (e.g. a month, left to right in time), the total above.

    A category label may hold a line break ("\\n") for a second line under the column (e.g. the year)."""
    _check(categories, series)
    cid = _id(chart_id)
    legend, legend_h = _legend(cid, series, width, 0)
    top = legend_h + 22  # room for the totals above the highest column
    bottom = height - 32  # two lines of labels under the columns
    plot_x, plot_w = 32, width - 40
    n = max(len(categories), 1)
    slot = plot_w / n
    col = min(48.0, slot * 0.7)
    totals = [sum(s.values[i] for s in series) for i in range(len(categories))]
    peak = max(totals, default=0) or 1
    scale = (bottom - top) / peak
    out = [_open(cid, title, desc, width, height, series), *legend]
    # Scale: 0 and the peak, as text at the left, with a light grid line at the peak.
    out.append(f'<text x="{plot_x - 6}" y="{_fmt(bottom + 4)}" text-anchor="end" fill="{TEXT}">0</text>'
               f'<text x="{plot_x - 6}" y="{_fmt(top + 4)}" text-anchor="end" fill="{TEXT}">{_num(peak)}</text>'
               f'<path d="M{plot_x},{_fmt(top)} H{_fmt(plot_x + plot_w)}" stroke="{GREY}" stroke-width="0.5" '
               f'stroke-dasharray="3 3"/>')
    for c, name in enumerate(categories):
        cx = plot_x + slot * c + slot / 2
        x = cx - col / 2
        y = float(bottom)
        for i, s in enumerate(series):
            value = s.values[c]
            if not value:
                continue
            h = value * scale
            y -= h
            out.append(f'<rect class="chart-segment" data-series="{i}" data-value="{_num(value)}" x="{_fmt(x)}" '
                       f'y="{_fmt(y)}" width="{_fmt(col)}" height="{_fmt(h)}" fill="url(#{cid}-p{i})" '
                       f'stroke="{BACKGROUND}" stroke-width="1">'
                       f'<title>{escape(name.replace(chr(10), " "))}: {escape(s.label)} {_num(value)}</title></rect>')
            if h >= FONT_SIZE + 4 and col >= _text_width(_num(value)) + 4:
                out.append(f'<text x="{_fmt(cx)}" y="{_fmt(y + h / 2 + 4)}" text-anchor="middle" fill="#ffffff" '
                           f'font-weight="bold">{_num(value)}</text>')
        out.append(f'<text class="chart-total" x="{_fmt(cx)}" y="{_fmt(y - 5)}" text-anchor="middle" '
                   f'fill="{TEXT}">{_num(totals[c])}</text>')
        for line, part in enumerate(name.split("\n")[:2]):
            out.append(f'<text x="{_fmt(cx)}" y="{_fmt(bottom + 14 + line * 13)}" text-anchor="middle" '
                       f'fill="{TEXT}" font-size="11">{escape(_fit(part, slot, 11))}</text>')
    out.append(f'<path d="M{plot_x},{_fmt(bottom)} H{_fmt(plot_x + plot_w)}" stroke="{TEXT}" stroke-width="1"/>')
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 — every text above went through escape()


# --- Contrast (WCAG 2.1): used by the tests to hold the palette to AA ------------------------------------------


def relative_luminance(colour: str) -> float:
    r, g, b = (int(colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4))

    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)


def contrast_ratio(a: str, b: str) -> float:
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)
