"""One page setup for every PDF: templates/pdf/base.html holds @page, the type, the tables, the common boxes and the
running header and footer; every template under templates/**/pdf/ extends it (directly or through a template that
does) and adds only its own rules, in {% block extra_style %} (or sets measures in {% block tokens %})."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import tinycss2
from django.conf import settings
from django.template import engines
from django.template.loader import render_to_string
from django.template.loader_tags import ExtendsNode

TEMPLATES = Path(settings.BASE_DIR) / "templates"
BASE = "pdf/base.html"


def pdf_templates() -> list[str]:
    """Every template in a pdf/ folder, as a template name."""
    return sorted(p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*.html")
                  if "pdf" in p.relative_to(TEMPLATES).parts[:-1])


CHILDREN = [name for name in pdf_templates() if name != BASE]


def parent_of(name: str) -> str | None:
    """The template `name` extends, or None."""
    nodelist = engines["django"].get_template(name).template.nodelist
    extends = nodelist.get_nodes_by_type(ExtendsNode)
    return extends[0].parent_name.var if extends else None


def chain_of(name: str) -> list[str]:
    chain = [name]
    while (parent := parent_of(chain[-1])) is not None and parent not in chain:
        chain.append(parent)
    return chain


def stylesheet_of(name: str) -> str:
    """The CSS a document gets (rendered without a context: the stylesheet holds no variable)."""
    html = render_to_string(name, {})
    styles = re.findall(r"<style>(.*?)</style>", html, flags=re.S)
    assert len(styles) == 1, f"{name}: {len(styles)} <style> elements"
    return styles[0]


def selectors(css: str) -> list[str]:
    """The selector (or at-rule) of every rule, whitespace-normalised, in order."""
    rules = tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
    out = []
    for rule in rules:
        assert rule.type != "error", rule
        prelude = tinycss2.serialize(rule.prelude)
        out.append(" ".join(("@" + rule.at_keyword + " " if rule.type == "at-rule" else "") .split() + prelude.split()))
    return out


def test_the_pdf_templates_are_found():
    assert BASE in pdf_templates()
    for name in ("opp/pdf/version.html", "opp/pdf/bekendmaking.html", "evaluations/pdf/evaluation.html",
                 "disputes/pdf/base.html", "disputes/pdf/cover.html", "disputes/pdf/letter.html"):
        assert name in CHILDREN


@pytest.mark.parametrize("name", CHILDREN)
def test_every_pdf_template_extends_the_pdf_base(name):
    assert chain_of(name)[-1] == BASE, f"{name} extends {' → '.join(chain_of(name)[1:]) or 'nothing'}, not {BASE}"


def test_the_check_sees_a_template_that_does_not_extend_the_base():
    assert chain_of("base.html")[-1] != BASE  # the browser base: a control for the test above
    assert chain_of("disputes/pdf/letter.html") == ["disputes/pdf/letter.html", "disputes/pdf/base.html",
                                                    "pdf/bundle.html", BASE]


@pytest.mark.parametrize("name", CHILDREN)
def test_only_the_base_holds_the_document_and_its_style_element(name):
    source = (TEMPLATES / name).read_text(encoding="utf-8")
    assert source.startswith("{% extends "), name
    code = re.sub(r"{% comment %}.*?{% endcomment %}", "", source, flags=re.S)
    own = re.findall(r"<!DOCTYPE|<(?:html|head|body|style)\b|@page", code, flags=re.I)
    assert not own, f"{name} has its own {own}: they belong in {BASE}"


def test_the_base_holds_the_shared_page_setup():
    found = selectors(stylesheet_of(BASE))
    for selector in ("@page", "html", "body", "h1", "h2", "p", "table", "th, td", "thead", ".muted", ".prewrap",
                     ".notice", ".s-pupil", ".s-vhash"):
        assert selector in found, selector


@pytest.mark.parametrize("name", CHILDREN)
def test_no_rule_of_the_base_is_repeated(name):
    """Each document's stylesheet names every selector once: its own rules add to the base, never repeat one."""
    found = selectors(stylesheet_of(name))
    base = selectors(stylesheet_of(BASE))
    assert found[: len(base)] == base  # the base's rules come first, unchanged
    repeated = sorted({s for s in found if found.count(s) > 1})
    assert not repeated, f"{name} repeats {repeated}"


def test_the_duplicate_check_would_see_a_repeated_rule():
    assert selectors("h1 { color: red }\n@page { size: A4 }\nth,  td { x: 1 }") == ["h1", "@page", "th, td"]


def test_the_root_takes_language_and_direction_from_blocks_a_letter_can_override():
    """The contract with a right-to-left letter (templates/opp/pdf/bekendmaking.html): lang and dir are blocks."""
    assert re.search(r'<html lang="nl" dir="ltr">', render_to_string(BASE, {}))
    child = engines["django"].from_string(
        '{% extends "pdf/base.html" %}{% block lang %}ar{% endblock %}{% block dir %}rtl{% endblock %}')
    assert '<html lang="ar" dir="rtl">' in child.render({})


def test_the_base_uses_logical_sides_and_keeps_hashes_left_to_right():
    css = stylesheet_of(BASE)
    assert "text-align: left" not in css and "text-align: right" not in css
    assert re.search(r"th, td \{[^}]*text-align: start", css)
    assert re.search(r"\.hash \{[^}]*direction: ltr", css)
    # The running strings take their label from data-label, so a cell never repeats its own label.
    assert "string-set: vhash attr(data-label) content()" in css


@pytest.mark.parametrize("name", [n for n in CHILDREN if n != "opp/pdf/bekendmaking.html"])
def test_no_pdf_template_formats_a_date_in_numbers(name):
    """One date style in the PDFs: "5 december 2026" (|date:"j F Y"), never 05-12-2026."""
    source = (TEMPLATES / name).read_text(encoding="utf-8")
    assert not re.search(r'date:"[dj]-[mn]-[Yy]"|SHORT_DATE_FORMAT|\|date\s*}}', source), name
