"""Every PDF the portal makes is tagged PDF/A-2a: one choice, written once, with the metadata an archive reads.

Why PDF/A-2a:
- **PDF/A** because the pupil's file is kept for years (R-RET-1, longer under a dispute) and must open the same way
  then: every font embedded, colours tied to an sRGB output intent, nothing loaded from outside, XMP metadata.
- **level a** ("accessible") because parents and staff read these with screen readers: a structure tree with
  headings, lists and tables with header cells, a reading order, /Lang, and the title shown in the window.
- **part 2, not 3**: PDF/A-3 differs only in allowing arbitrary embedded files. The portal embeds none, and the
  Dutch archives' preferred-formats lists accept PDF/A-1 and -2 without question and PDF/A-3 only with the
  embedded files judged separately; part 2 promises an archivist there is nothing else inside.
WeasyPrint 70 writes the identification, output intent and structure tree for `pdf/a-2a`; this module adds what
it does not: the language as nl-NL, the document's author and dates, dc:language, and the portal's own
properties (the version hash) in a custom XMP schema that PDF/A requires to be described by a pdfaExtension schema.

A template declares its portal properties with `<meta name="opp-version-hash" content="…">` (names in PROPERTIES);
html_to_pdf reads them from the rendered document, so no caller passes metadata by hand.
"""

from __future__ import annotations

import datetime
import types
from xml.etree.ElementTree import Element, SubElement, register_namespace, tostring

from defusedxml.ElementTree import fromstring

#: The one PDF variant: see the module docstring.
VARIANT = "pdf/a-2a"
PART, CONFORMANCE = "2", "A"

#: BCP 47 tags for /Lang and dc:language: a bare "nl" is the Dutch of the Netherlands.
LANG_TAGS = {"nl": "nl-NL", "en": "en-GB"}

NS_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
NS_DC = "http://purl.org/dc/elements/1.1/"
NS_OPP = "https://opp-portal.nl/ns/pdf/1.0/"
NS_EXT = "http://www.aiim.org/pdfa/ns/extension/"
NS_SCHEMA = "http://www.aiim.org/pdfa/ns/schema#"
NS_PROPERTY = "http://www.aiim.org/pdfa/ns/property#"
for _prefix, _uri in (("opp", NS_OPP), ("pdfaExtension", NS_EXT), ("pdfaSchema", NS_SCHEMA),
                      ("pdfaProperty", NS_PROPERTY)):
    register_namespace(_prefix, _uri)

#: <meta name> in a PDF template → (XMP property in the opp: namespace, its description for the extension schema).
PROPERTIES = {
    "opp-version-hash": ("versionHash", "SHA-256 of the OPP version's content (opp.content.version_hash)"),
    "opp-document-kind": ("documentKind", "What the document is: opp, evaluatie, inzage"),
}


def lang_tag(lang: str | None) -> str:
    lang = (lang or "nl").strip()
    return LANG_TAGS.get(lang.lower(), lang)


def w3c_datetime(moment: datetime.datetime) -> str:
    """2026-12-05T14:05:00+01:00: what WeasyPrint turns into the Info dictionary's dates and XMP's."""
    return moment.replace(microsecond=0).isoformat()


def prepare(metadata, *, now: datetime.datetime) -> None:
    """Complete WeasyPrint's DocumentMetadata in place before write_pdf: language, dates, portal properties."""
    metadata.lang = lang_tag(metadata.lang)
    metadata.created = metadata.created or w3c_datetime(now)
    metadata.modified = metadata.modified or metadata.created
    metadata.generator = metadata.generator or "OPP-portaal"
    properties = {PROPERTIES[name][0]: value for name, value in metadata.custom.items()
                  if name in PROPERTIES and value}
    # Not into the Info dictionary as well: PDF/A wants every Info entry mirrored in the XMP under a known name.
    metadata.custom = {}
    original = metadata.generate_rdf_metadata

    def generate_rdf_metadata(self, variant, version, conformance):
        return extend_rdf(original(variant, version, conformance), lang=metadata.lang, properties=properties)

    metadata.generate_rdf_metadata = types.MethodType(generate_rdf_metadata, metadata)


def _description(rdf: Element) -> Element:
    element = SubElement(rdf, f"{{{NS_RDF}}}Description")
    element.set(f"{{{NS_RDF}}}about", "")
    return element


def extend_rdf(rdf_bytes: bytes, *, lang: str, properties: dict[str, str]) -> bytes:
    """WeasyPrint's rdf:RDF plus dc:language, the opp: properties and the extension schema that describes them.
    (Parsed with defusedxml although WeasyPrint wrote it: the title in it is text a user typed.)"""
    rdf = fromstring(rdf_bytes)
    bag = SubElement(SubElement(_description(rdf), f"{{{NS_DC}}}language"), f"{{{NS_RDF}}}Bag")
    SubElement(bag, f"{{{NS_RDF}}}li").text = lang
    if properties:
        holder = _description(rdf)
        for name, value in properties.items():
            SubElement(holder, f"{{{NS_OPP}}}{name}").text = value
        schemas = SubElement(SubElement(_description(rdf), f"{{{NS_EXT}}}schemas"), f"{{{NS_RDF}}}Bag")
        schema = SubElement(schemas, f"{{{NS_RDF}}}li")
        schema.set(f"{{{NS_RDF}}}parseType", "Resource")
        SubElement(schema, f"{{{NS_SCHEMA}}}schema").text = "OPP-portaal"
        SubElement(schema, f"{{{NS_SCHEMA}}}namespaceURI").text = NS_OPP
        SubElement(schema, f"{{{NS_SCHEMA}}}prefix").text = "opp"
        seq = SubElement(SubElement(schema, f"{{{NS_SCHEMA}}}property"), f"{{{NS_RDF}}}Seq")
        described = {xmp_name: text for xmp_name, text in PROPERTIES.values()}
        for name in properties:
            item = SubElement(seq, f"{{{NS_RDF}}}li")
            item.set(f"{{{NS_RDF}}}parseType", "Resource")
            SubElement(item, f"{{{NS_PROPERTY}}}name").text = name
            SubElement(item, f"{{{NS_PROPERTY}}}valueType").text = "Text"
            SubElement(item, f"{{{NS_PROPERTY}}}category").text = "external"
            SubElement(item, f"{{{NS_PROPERTY}}}description").text = described[name]
    return tostring(rdf, encoding="utf-8")
