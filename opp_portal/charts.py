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

import datetime
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from opp_portal import dates

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


def safe_id(chart_id: str) -> str:
    """The id a chart gets for `chart_id` (and its <title>/<desc> ids start with): for a page's headings beside it."""
    return _id(chart_id)


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


def _open(cid: str, title: str, desc: str, width: float, height: float, series: Sequence[Series],
          kind: str = "") -> str:
    defs = "".join(_pattern(f"{cid}-p{i}", pattern, colour) for i, (colour, pattern) in enumerate(_styles(series)))
    w, h = _fmt(width), _fmt(height)
    classes = f"chart {kind}" if kind else "chart"
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="{classes}" id="{cid}" role="img" '
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


# --- Per goal and per pupil: a goal's measurements against its target, every goal's share of the way -------------


@dataclass(frozen=True)
class Chart:
    """A chart with everything a page needs beside the picture: the accessible name (its <title>), and the table
    alternative with the same numbers — `caption`, `headers` and `rows` (each row's first cell is its row header,
    <th scope="row">). Renders as its SVG in a template (`{{ chart }}`)."""

    chart_id: str
    svg: SafeString
    name: str
    desc: str
    caption: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def __html__(self) -> str:
        return str(self.svg)

    def __str__(self) -> str:
        return str(self.svg)


@dataclass(frozen=True)
class Point:
    """One value on a goal's line: its day, its place on the scale (a number, or the rank of a level in the
    `levels` given to goal_line) and how it is named ("AVI E4", "45 woorden (DMT)")."""

    on: datetime.date
    value: float
    label: str


#: Colours of the goal chart: the measurements, the baseline, the target (palette colours, ≥ 4.5:1 on white).
LINE, BASE, GOAL = BLUE, PURPLE, GREEN


def _ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round numbers from lo to hi (about `count` of them): steps of 1, 2, 2.5 or 5 times a power of ten."""
    span = hi - lo
    raw = span / max(count - 1, 1)
    power = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    step = next((m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw), 10 * power)
    first = math.floor(lo / step) * step
    ticks, value = [], first
    while value <= hi + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    if ticks[-1] < hi:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def _months(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """The first day of every month from `start`'s month up to and including the month after `end`."""
    out, day = [], start.replace(day=1)
    stop = (end.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    while day <= stop:
        out.append(day)
        day = (day + datetime.timedelta(days=32)).replace(day=1)
    return out


def _marker(shape: str, x: float, y: float, colour: str, r: float = 4.5, inner: str = "") -> str:
    """A point's marker: the shape is the second cue beside colour (WCAG 1.4.1): circle, square or diamond."""
    common = f'fill="{colour}" stroke="{BACKGROUND}" stroke-width="1.5"'
    if shape == "square":
        tag, attrs = "rect", f'x="{_fmt(x - r)}" y="{_fmt(y - r)}" width="{_fmt(2 * r)}" height="{_fmt(2 * r)}"'
    elif shape == "diamond":
        d = r * 1.35
        tag, attrs = "path", (f'd="M{_fmt(x)},{_fmt(y - d)} L{_fmt(x + d)},{_fmt(y)} L{_fmt(x)},{_fmt(y + d)} '
                              f'L{_fmt(x - d)},{_fmt(y)} Z"')
    else:
        tag, attrs = "circle", f'cx="{_fmt(x)}" cy="{_fmt(y)}" r="{_fmt(r)}"'
    return f"<{tag} {attrs} {common}>{inner}</{tag}>" if inner else f"<{tag} {attrs} {common}/>"


def goal_line(*, chart_id: str, title: str, desc: str, points: Sequence[Point], baseline: Point | None = None,
              target: Point | None = None, levels: Sequence[str] = (), caption: str = "",
              width: int = 560, height: int = 250) -> Chart:
    """One goal over time: the baseline (a square, the line's first point), the measurements (circles joined by a
    line, in date order), the target as a dashed horizontal line with a diamond on the target date and a dotted line
    down to that date. x: dates with a tick per month (Dutch month names; the year under January and the first
    tick); y: the instrument's scale — with `levels` (e.g. opp.measures.AVI_LEVELS) the points' values are ranks in
    it and the axis names the levels around them, else numbers with round ticks.

    Returns a Chart whose table rows are (day, value, what) for the baseline, each measurement and the target."""
    cid = _id(chart_id)
    points = sorted(points, key=lambda p: p.on)
    line = ([baseline] if baseline else []) + list(points)
    everything = line + ([target] if target else [])
    labels = (gettext("Beginsituatie"), gettext("Meting"), gettext("Doel"))
    rows = tuple((dates.formatted(p.on), p.label, what) for p, what in
                 [*([(baseline, labels[0])] if baseline else []), *((p, labels[1]) for p in points),
                  *([(target, labels[2])] if target else [])])
    headers = (gettext("Datum"), gettext("Waarde"), gettext("Soort"))
    if not everything:
        raise ValueError("a goal line needs a baseline, a measurement or a target")
    for p in everything:
        if levels and not (0 <= p.value <= len(levels) - 1):
            raise ValueError(f"{p.value!r} is no rank in the {len(levels)} levels")
        if not math.isfinite(p.value):
            raise ValueError(f"{p.value!r} is no number")
    # The legend: what each mark means (shapes and dashes, not colour alone).
    legend = [(labels[1], "line", LINE), (labels[0], "square", BASE), (labels[2], "dash", GOAL)]
    parts, x = [], 0.0
    for text, kind, colour in legend:
        if kind == "line":
            parts.append(f'<path d="M{_fmt(x)},8 h22" stroke="{colour}" stroke-width="2"/>'
                         + _marker("circle", x + 11, 8, colour, 4))
        elif kind == "square":
            parts.append(_marker("square", x + 11, 8, colour, 4))
        else:
            parts.append(f'<path d="M{_fmt(x)},8 h22" stroke="{colour}" stroke-width="2" stroke-dasharray="5 3"/>'
                         + _marker("diamond", x + 11, 8, colour, 3.5))
        parts.append(f'<text x="{_fmt(x + 28)}" y="12" fill="{TEXT}">{escape(text)}</text>')
        x += 28 + _text_width(text) + 18
    # The scale.
    values = [p.value for p in everything]
    if levels:
        lo = max(0, int(math.floor(min(values, default=0))) - 1)
        hi = min(len(levels) - 1, int(math.ceil(max(values, default=0))) + 1)
        if hi == lo:
            lo, hi = max(0, lo - 1), min(len(levels) - 1, hi + 1)
        yticks = [float(v) for v in range(lo, hi + 1)]
        ytext = [levels[int(v)] for v in yticks]
    else:
        lo, hi = min(values, default=0.0), max(values, default=1.0)
        pad = (hi - lo) * 0.1 or max(abs(hi) * 0.1, 1.0)
        yticks = _ticks(lo - pad, hi + pad)
        ytext = [_num(v) for v in yticks]
    ymin, ymax = yticks[0], yticks[-1]
    if ymax == ymin:
        ymax = ymin + 1
    left = max(36.0, max(_text_width(t) for t in ytext) + 14)
    top, bottom, right = 34.0, height - 34.0, width - 12.0
    days = [p.on for p in everything]
    months = _months(min(days), max(days))
    x0, x1 = months[0].toordinal(), months[-1].toordinal()

    def px(d: datetime.date) -> float:
        return left + (d.toordinal() - x0) / max(x1 - x0, 1) * (right - left)

    def py(v: float) -> float:
        return bottom - (v - ymin) / (ymax - ymin) * (bottom - top)

    out = [_open(cid, title, desc, width, height, [], kind="chart-goal"), *parts]
    for value, text in zip(yticks, ytext, strict=True):
        y = py(value)
        out.append(f'<path d="M{_fmt(left)},{_fmt(y)} H{_fmt(right)}" stroke="#d9d9d9" stroke-width="1"/>'
                   f'<text x="{_fmt(left - 6)}" y="{_fmt(y + 4)}" text-anchor="end" fill="{TEXT}" '
                   f'font-size="11">{escape(text)}</text>')
    step = 1 if len(months) <= 13 else 2 if len(months) <= 25 else 3 if len(months) <= 37 else 6
    for i, month in enumerate(months):
        if i % step:
            continue
        x = px(month)
        out.append(f'<path d="M{_fmt(x)},{_fmt(bottom)} v4" stroke="{TEXT}" stroke-width="1"/>'
                   f'<text class="chart-month" x="{_fmt(x)}" y="{_fmt(bottom + 15)}" text-anchor="middle" '
                   f'fill="{TEXT}" font-size="11">{escape(dates.formatted(month, "b"))}</text>')
        if i == 0 or month.month == 1:
            out.append(f'<text x="{_fmt(x)}" y="{_fmt(bottom + 28)}" text-anchor="middle" fill="{TEXT}" '
                       f'font-size="11">{month.year}</text>')
    out.append(f'<path d="M{_fmt(left)},{_fmt(top - 6)} V{_fmt(bottom)} H{_fmt(right)}" fill="none" '
               f'stroke="{TEXT}" stroke-width="1"/>')
    if target:
        tx, ty = px(target.on), py(target.value)
        tip = f"{dates.formatted(target.on)}: {target.label} ({labels[2].lower()})"
        out.append(f'<g class="chart-target" data-value="{escape(target.label)}" data-date="{target.on.isoformat()}">'
                   f'<title>{escape(tip)}</title>'
                   f'<path d="M{_fmt(left)},{_fmt(ty)} H{_fmt(right)}" stroke="{GOAL}" stroke-width="2" '
                   f'stroke-dasharray="6 4"/>'
                   f'<path d="M{_fmt(tx)},{_fmt(ty)} V{_fmt(bottom)}" stroke="{GOAL}" stroke-width="1" '
                   f'stroke-dasharray="2 3"/>'
                   + _marker("diamond", tx, ty, GOAL) +
                   f'<text x="{_fmt(min(tx, right - 2))}" y="{_fmt(ty - 9)}" '
                   f'text-anchor="{"end" if tx > (left + right) / 2 else "start"}" fill="{GOAL}" '
                   f'font-weight="bold">{escape(target.label)} ({escape(dates.formatted(target.on, "j b Y"))})</text></g>')
    if len(line) > 1:
        path = " ".join(f"{'M' if i == 0 else 'L'}{_fmt(px(p.on))},{_fmt(py(p.value))}" for i, p in enumerate(line))
        out.append(f'<path class="chart-line" d="{path}" fill="none" stroke="{LINE}" stroke-width="2" '
                   f'stroke-linejoin="round"/>')
    for i, p in enumerate(line):
        is_base = baseline is not None and i == 0
        kind, colour = ("chart-baseline", BASE) if is_base else ("chart-point", LINE)
        tip = f"{dates.formatted(p.on)}: {p.label}" + (f" ({labels[0].lower()})" if is_base else "")
        out.append(f'<g class="{kind}" data-value="{escape(p.label)}" data-date="{p.on.isoformat()}">'
                   + _marker("square" if is_base else "circle", px(p.on), py(p.value), colour,
                             inner=f"<title>{escape(tip)}</title>") + "</g>")
    # The newest value in words beside its point, so the chart is read without hovering.
    if points:
        last = points[-1]
        x, y = px(last.on), py(last.value)
        anchor = "end" if x > (left + right) * 0.6 else "start"
        out.append(f'<text class="chart-latest" x="{_fmt(x + (-8 if anchor == "end" else 8))}" y="{_fmt(y + 16)}" '
                   f'text-anchor="{anchor}" fill="{LINE}" font-weight="bold">{escape(last.label)}</text>')
    out.append("</svg>")
    svg = mark_safe("".join(out))  # noqa: S308 — every text above went through escape()
    return Chart(cid, svg, title, desc, caption or title, headers, rows)


@dataclass(frozen=True)
class Progress:
    """One goal's bar: its label (the goal, shortened in the picture), its share of the way from baseline to
    target (opp.measures.share: 0 at the baseline, 1 at the target; None when nothing is measured yet) and the
    latest value in words for the table."""

    label: str
    share: float | None
    value: str = ""


@dataclass(frozen=True)
class ProgressGroup:
    """The goals of one version in one school year ("Versie 2 · schooljaar 2026-2027")."""

    label: str
    goals: Sequence[Progress]


def _percent(share: float) -> str:
    return f"{round(share * 100)}%".replace("-", "−")


def progress_bars(*, chart_id: str, title: str, desc: str, groups: Sequence[ProgressGroup], caption: str = "",
                  width: int = 640, label_width: int = 230) -> Chart:
    """Every goal's progress as a bar from 0% (the baseline) to 100% (the target), grouped (by version and school
    year, oldest first): the bar is clipped at both ends with a marker beyond (▶ past the target, ◀ went back), the
    percentage beside it, and "nog geen meting" where there is none. Table rows: (goal, group, share, value)."""
    cid = _id(chart_id)
    bar, gap, head = 16, 8, 24
    top = 26
    plot_x = label_width + 16  # room for the ◀ of a goal that went back
    plot_w = width - plot_x - 62  # room for the percentage
    height = top + sum(head + len(g.goals) * (bar + gap) for g in groups) + 6
    out = [_open(cid, title, desc, width, height, [], kind="chart-progress")]
    # The scale over the bars: 0% (the baseline), 50% and 100% (= the target); each track repeats them (its ends and
    # a dotted line in its middle), so a group's heading can run the chart's whole width.
    for share, text in ((0.0, "0%"), (0.5, "50%"), (1.0, gettext("100% = doel"))):
        anchor = "start" if share == 0 else "middle" if share < 1 else "end"
        out.append(f'<text x="{_fmt(plot_x + share * plot_w)}" y="14" text-anchor="{anchor}" fill="{TEXT}" '
                   f'font-size="11">{escape(text)}</text>')
    rows = []
    y = float(top)
    no_value = gettext("nog geen meting")
    for g, group in enumerate(groups):
        out.append(f'<text class="chart-group" x="0" y="{_fmt(y + 15)}" fill="{TEXT}" font-weight="bold">'
                   f'{escape(_fit(group.label, width))}</text>')
        y += head
        for i, goal in enumerate(group.goals):
            cy = y + bar / 2 + 4
            out.append(f'<text x="{label_width}" y="{_fmt(cy)}" text-anchor="end" fill="{TEXT}">'
                       f'{escape(_fit(goal.label, label_width - 8))}</text>')
            out.append(f'<rect x="{plot_x}" y="{_fmt(y)}" width="{_fmt(plot_w)}" height="{bar}" fill="{BACKGROUND}" '
                       f'stroke="{GREY}" stroke-width="1"/>'
                       f'<path d="M{_fmt(plot_x + plot_w / 2)},{_fmt(y)} v{bar}" stroke="{GREY}" stroke-width="0.5" '
                       f'stroke-dasharray="2 2"/>')
            share = goal.share
            shown = _percent(share) if share is not None else no_value
            rows.append((goal.label, group.label, shown, goal.value or "–"))
            tip = f"{group.label} · {goal.label}: {shown}" + (f" ({goal.value})" if goal.value else "")
            if share is None:
                out.append(f'<text class="chart-none" x="{_fmt(plot_x + 6)}" y="{_fmt(cy)}" fill="{TEXT}" '
                           f'font-style="italic" font-size="11">{escape(no_value)}<title>{escape(tip)}</title></text>')
                y += bar + gap
                continue
            w = min(max(share, 0.0), 1.0) * plot_w
            colour = GREEN if share >= 1 else BLUE
            out.append(f'<rect class="chart-bar" data-group="{g}" data-goal="{i}" data-share="{_fmt(share * 100)}" '
                       f'x="{plot_x}" y="{_fmt(y)}" width="{_fmt(w)}" height="{bar}" fill="{colour}">'
                       f'<title>{escape(tip)}</title></rect>')
            if share > 1:  # past the target: a ▶ beyond the end of the track
                end = plot_x + plot_w
                out.append(f'<path class="chart-beyond" d="M{_fmt(end + 2)},{_fmt(y)} l8,{bar / 2} l-8,{bar / 2} Z" '
                           f'fill="{GREEN}"/>')
            elif share < 0:  # went back from the baseline: a ◀ before the start
                out.append(f'<path class="chart-below" d="M{_fmt(plot_x - 2)},{_fmt(y)} l-8,{bar / 2} l8,{bar / 2} Z" '
                           f'fill="{RED}"/>')
            out.append(f'<text class="chart-share" x="{_fmt(plot_x + plot_w + 14)}" y="{_fmt(cy)}" fill="{TEXT}">'
                       f'{escape(shown)}</text>')
            y += bar + gap
    out.append("</svg>")
    svg = mark_safe("".join(out))  # noqa: S308 — every text above went through escape()
    headers = (gettext("Doel"), gettext("Versie en schooljaar"), gettext("Op weg naar het doel"),
               gettext("Laatste meting"))
    return Chart(cid, svg, title, desc, caption or title, headers, tuple(rows))


# --- Contrast (WCAG 2.1): used by the tests to hold the palette to AA ------------------------------------------


def relative_luminance(colour: str) -> float:
    r, g, b = (int(colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4))

    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)


def contrast_ratio(a: str, b: str) -> float:
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)
