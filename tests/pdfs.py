"""Real PDFs for tests, built with pypdf (issue 16 item 3): the upload check parses every PDF, so a stub such as
`%PDF-1.4 ... trailer <<>> %%EOF` (no catalog, no pages) is refused as unreadable. Use `MINIMAL_PDF` instead.

`in_object_stream` repacks a document the way PDF 1.5 writers do: every object but the streams compressed into
one object stream (/ObjStm, FlateDecode) behind a cross-reference stream, so that no name of those objects is
visible in the file's bytes (how JavaScript got past the byte scan).
"""

from __future__ import annotations

import io
import zlib

from pypdf import PdfReader, PdfWriter
from pypdf.generic import StreamObject


def blank_pdf(pages: int = 1, build=None) -> bytes:
    """A PDF of `pages` blank A4 pages; `build(writer)` may add to it before it is written."""
    writer = PdfWriter()
    for _page in range(pages):
        writer.add_blank_page(595, 842)
    if build is not None:
        build(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


MINIMAL_PDF = blank_pdf()


def _serialise(obj) -> bytes:
    out = io.BytesIO()
    obj.write_to_stream(out)
    return out.getvalue()


def in_object_stream(pdf: bytes) -> bytes:
    """The same document with its non-stream objects inside one compressed object stream."""
    reader = PdfReader(io.BytesIO(pdf))
    numbers = sorted({n for table in reader.xref.values() for n in table} | set(reader.xref_objStm))
    objects = {n: reader.get_object(n) for n in numbers if n}
    packed = [n for n, obj in objects.items() if not isinstance(obj, StreamObject)]
    plain = [n for n, obj in objects.items() if isinstance(obj, StreamObject)]
    stm_number = max(objects) + 1
    xref_number = stm_number + 1

    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}
    for n in plain:
        offsets[n] = out.tell()
        out.write(b"%d 0 obj\n" % n + _serialise(objects[n]) + b"\nendobj\n")

    header, body = [], b""
    for n in packed:
        header.append(b"%d %d" % (n, len(body)))
        body += _serialise(objects[n]) + b"\n"
    head = b" ".join(header) + b"\n"
    compressed = zlib.compress(head + body)
    offsets[stm_number] = out.tell()
    out.write(b"%d 0 obj\n<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>\nstream\n"
              % (stm_number, len(packed), len(head), len(compressed)) + compressed + b"\nendstream\nendobj\n")

    offsets[xref_number] = out.tell()
    rows = []
    for n in range(xref_number + 1):
        if n in offsets:
            rows.append(b"\x01" + offsets[n].to_bytes(4, "big") + b"\x00\x00")
        elif n in packed:
            rows.append(b"\x02" + stm_number.to_bytes(4, "big") + packed.index(n).to_bytes(2, "big"))
        else:
            rows.append(b"\x00" + b"\x00" * 4 + b"\xff\xff")
    table = zlib.compress(b"".join(rows))
    root = reader.trailer.raw_get("/Root")
    out.write(b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root %d 0 R /Filter /FlateDecode /Length %d >>\n"
              b"stream\n" % (xref_number, xref_number + 1, root.idnum, len(table)) + table + b"\nendstream\nendobj\n")
    out.write(b"startxref\n%d\n%%%%EOF\n" % offsets[xref_number])
    return out.getvalue()
