"""opp.pdf writes each object of the PDF once (opp.pdf._serialize_once): pydyf would build and Flate-compress every
content stream, font and structure element twice, the second time only to hash them into the file identifier that
PDF/A requires. The file must come out the same, byte for byte, and still pass the archival checks.
"""

from __future__ import annotations

import collections

import pydyf
import pytest

from opp import pdf
from tests.pdf import archival

HTML = """<!DOCTYPE html><html lang="nl"><head><meta charset="utf-8"><title>Eén keer geschreven</title>
<meta name="author" content="School A"><style>@page { size: A4; @bottom-right { content: counter(page) } }
table { width: 100%; table-layout: fixed; border-collapse: collapse; } th, td { border: .5pt solid #888; }</style>
</head><body><h1>Kop</h1>{body}</body></html>"""


def _html(pages: int = 3) -> str:
    rows = "".join(f"<tr><th scope='row'>Rij {n}</th><td>{'Tekst die over de regel loopt. ' * 12}</td></tr>"
                   for n in range(40 * pages))
    return HTML.replace("{body}", f"<h2>Tabel</h2><table><thead><tr><th scope='col'>Wat</th><th scope='col'>Tekst"
                                  f"</th></tr></thead><tbody>{rows}</tbody></table><p>Einde.</p>")


def _without(monkeypatch) -> None:
    monkeypatch.setattr(pdf, "_serialize_once", lambda _pdf: None)


@pytest.mark.parametrize("archival_variant", [True, False], ids=["pdfa", "tagged"])
def test_the_file_is_the_same_byte_for_byte(clock, monkeypatch, archival_variant):
    # A fresh document for each write: write_document completes the document's metadata in place.
    once = pdf.write_document(pdf.render_document(_html(), archival=archival_variant), archival=archival_variant)
    _without(monkeypatch)
    twice = pdf.write_document(pdf.render_document(_html(), archival=archival_variant), archival=archival_variant)
    assert twice == once
    if archival_variant:
        assert archival.problems(once, title="Eén keer geschreven", kinds=("/H1", "/H2", "/Table", "/TH")) == []


def test_a_callers_finisher_still_runs_first(clock):
    seen = []

    def finisher(_document, written):
        # Still pydyf's own objects when the caller's finisher sees them: it may change them.
        seen.append(any(isinstance(obj, pydyf.Stream) for obj in written.objects))
        written.catalog.pop("Outlines", None)

    data = pdf.write_document(pdf.render_document(_html(1), archival=False), archival=False, finisher=finisher)
    assert seen == [True]
    assert b"/Outlines" not in data


def _stream_builds(monkeypatch) -> collections.Counter:
    """How often each stream WeasyPrint made was serialized (pydyf's own object and xref streams left out)."""
    builds: collections.Counter = collections.Counter()
    original = pydyf.Stream.data

    def counted(self):
        if self.extra.get("Type") not in ("/ObjStm", "/XRef"):
            builds[id(self)] += 1
        return original.fget(self)

    monkeypatch.setattr(pydyf.Stream, "data", property(counted))
    return builds


def test_every_stream_is_built_and_compressed_once(clock, monkeypatch):
    document = pdf.render_document(_html())
    builds = _stream_builds(monkeypatch)
    pdf.write_document(document)
    assert builds and set(builds.values()) == {1}


def test_without_it_pydyf_builds_each_stream_twice(clock, monkeypatch):
    """The reason for _serialize_once, checked against the installed pydyf: when this fails, pydyf stopped doing it."""
    document = pdf.render_document(_html())
    _without(monkeypatch)
    builds = _stream_builds(monkeypatch)
    pdf.write_document(document)
    assert set(builds.values()) == {2}
