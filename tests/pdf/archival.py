"""What a PDF/A-2a archive and a screen reader need, read back with pikepdf (veraPDF is not available here).

`problems(data)` lists every missing piece in Dutch-free, test-friendly words; an empty list means the file
carries the PDF/A-2a identification, an output intent, embedded fonts, a structure tree with the expected
element kinds, /Lang, a title shown in the window and the portal's own XMP properties.
"""

from __future__ import annotations

import io

import pikepdf

from opp import pdfa

OPP = f"{{{pdfa.NS_OPP}}}"


def _fonts(pdf: pikepdf.Pdf):
    """Every font dictionary a page (or a form XObject on it) uses."""
    seen = set()

    def walk(resources):
        if resources is None:
            return
        fonts = resources.get("/Font")
        if fonts is not None:
            for _name, font in fonts.items():
                key = font.objgen
                if key not in seen:
                    seen.add(key)
                    yield font
        xobjects = resources.get("/XObject")
        if xobjects is not None:
            for _name, xobject in xobjects.items():
                if xobject.get("/Subtype") == "/Form" and xobject.objgen not in seen:
                    seen.add(xobject.objgen)
                    yield from walk(xobject.get("/Resources"))

    for page in pdf.pages:
        yield from walk(page.obj.get("/Resources"))


def _embedded(font) -> bool:
    if font.get("/Subtype") == "/Type3":
        return True  # glyphs drawn by the PDF itself
    if font.get("/Subtype") == "/Type0":
        font = font["/DescendantFonts"][0]
    descriptor = font.get("/FontDescriptor")
    return descriptor is not None and any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))


def structure_kinds(pdf: pikepdf.Pdf) -> set[str]:
    kinds: set[str] = set()
    root = pdf.Root.get("/StructTreeRoot")
    if root is None:
        return kinds
    stack = [root.get("/K")]
    while stack:
        node = stack.pop()
        if node is None:
            continue
        if isinstance(node, pikepdf.Array):
            stack.extend(node)
        elif isinstance(node, pikepdf.Dictionary):
            if "/S" in node:
                kinds.add(str(node["/S"]))
            stack.append(node.get("/K"))
    return kinds


def read(data: bytes) -> dict:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        meta = pdf.open_metadata()
        info = pdf.docinfo
        intents = pdf.Root.get("/OutputIntents")
        viewer = pdf.Root.get("/ViewerPreferences")
        mark = pdf.Root.get("/MarkInfo")
        return {
            "pdfa": meta.pdfa_status,  # "2A" for PDF/A-2a
            "title": str(info.get("/Title", "")),
            "xmp_title": str(meta.get("dc:title", "")),
            "author": str(info.get("/Author", "")),
            "xmp_creator": list(meta.get("dc:creator", []) or []),
            "xmp_language": sorted(meta.get("dc:language", []) or []),
            "created": str(meta.get("xmp:CreateDate", "")),
            "properties": {key[len(OPP):]: str(value) for key, value in meta.items() if key.startswith(OPP)},
            "lang": str(pdf.Root.get("/Lang", "")),
            "display_title": bool(viewer is not None and viewer.get("/DisplayDocTitle")),
            "marked": bool(mark is not None and mark.get("/Marked")),
            "output_intent": bool(intents is not None and len(intents) > 0
                                  and intents[0].get("/S") == "/GTS_PDFA1" and "/DestOutputProfile" in intents[0]),
            "fonts": [(str(f.get("/BaseFont", "?")), _embedded(f)) for f in _fonts(pdf)],
            "kinds": structure_kinds(pdf),
            "pages_tagged": [("/StructParents" in page.obj) for page in pdf.pages],
            "pages": len(pdf.pages),
        }


def problems(data: bytes, *, title: str, lang: str = "nl-NL", kinds=("/H1",), archival: bool = True,
             properties: dict | None = None) -> list[str]:
    facts = read(data)
    out = []
    if archival and facts["pdfa"] != "2A":
        out.append(f"PDF/A identification {facts['pdfa']!r}, not 2A")
    if archival and not facts["output_intent"]:
        out.append("no sRGB output intent")
    unembedded = [name for name, embedded in facts["fonts"] if not embedded]
    if not facts["fonts"]:
        out.append("no fonts at all")
    if unembedded:
        out.append(f"fonts not embedded: {unembedded}")
    if title not in facts["title"]:
        out.append(f"title {facts['title']!r} lacks {title!r}")
    if archival and facts["xmp_title"] != facts["title"]:
        out.append(f"XMP title {facts['xmp_title']!r} differs from {facts['title']!r}")
    if facts["lang"] != lang:
        out.append(f"/Lang {facts['lang']!r}, not {lang!r}")
    if archival and facts["xmp_language"] != [lang]:
        out.append(f"dc:language {facts['xmp_language']!r}")
    if not facts["display_title"]:
        out.append("the window does not show the title (DisplayDocTitle)")
    if not facts["marked"]:
        out.append("not marked as tagged (MarkInfo)")
    missing = [k for k in ("/Document", *kinds) if k not in facts["kinds"]]
    if missing:
        out.append(f"structure tree lacks {missing} (has {sorted(facts['kinds'])})")
    for key, value in (properties or {}).items():
        if facts["properties"].get(key) != value:
            out.append(f"opp:{key} is {facts['properties'].get(key)!r}, not {value!r}")
    return out
