"""The words a parent (or the adult pupil) meets in the portal, explained in plain Dutch (taalniveau B1).

One catalogue: the portal's pages render it as a <dl> in a <details> element (templates/portal/_glossary.html) and
beside the term where it matters most (the consent summary, the GPO notice). The staff's screens and the PDF keep
their own wording. The terms come from DOMAIN.md's glossary and the OPP's sections (R-CONTENT).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

#: The disputes commission's own site (R-GPO-7: parents can file online, free of charge). A plain link, no CDN.
GPO_URL = "https://www.onderwijsgeschillen.nl/"


@dataclass(frozen=True)
class Term:
    key: str
    term: str
    explanation: str


TERMS: tuple[Term, ...] = (
    Term("handelingsdeel", _("Handelingsdeel"),
         _("Het deel van het OPP waarin staat welke extra hulp uw kind krijgt: de doelen, wat de school daarvoor "
           "doet, wie dat doet en hoe vaak. Met dit deel moet u instemmen voordat het OPP wordt vastgesteld.")),
    Term("uitstroomprofiel", _("Uitstroomprofiel"),
         _("Naar welke school, opleiding of welk soort werk of dagbesteding uw kind na deze school waarschijnlijk "
           "gaat. De school legt ook uit waarom zij dat verwacht.")),
    Term("leerroute", _("Leerroute (doelgroepenmodel)"),
         _("Scholen voor speciaal (basis)onderwijs werken met het landelijk doelgroepenmodel. Daarin staan zeven "
           "leerroutes: van een route die leidt naar dagbesteding tot een route naar havo of vwo. De leerroute "
           "zegt welk tempo en welke leerdoelen bij uw kind passen, en naar welke plek na school het OPP toewerkt.")),
    Term("meting", _("Meting"),
         _("Een toets of observatie waarmee de school kijkt hoe ver uw kind is met een doel. In het OPP staat bij "
           "een doel waar uw kind begon (de beginsituatie) en waar het naartoe werkt (het doel). Elke meting laat "
           "zien hoe ver uw kind op die weg is.")),
    Term("avi", _("AVI"),
         _("Een manier om te meten hoe goed een kind leest. Het niveau loopt van AVI Start tot AVI Plus. "
           "M staat voor het midden van een schooljaar, E voor het eind. AVI M5 is het niveau van half groep 5.")),
    Term("dmt", _("DMT"),
         _("Drie-Minuten-Toets: een korte leestoets. Het kind leest losse woorden voor; de toets meet hoeveel "
           "woorden het in één minuut goed leest.")),
    Term("tiq", _("TIQ"),
         _("Totaal IQ: de uitkomst van een intelligentieonderzoek door een psycholoog of orthopedagoog. Het is "
           "één getal; het onderzoeksverslag zegt meer over wat uw kind goed kan en wat moeilijk is.")),
    Term("kerndoelen", _("Kerndoelen"),
         _("De doelen die de overheid vastlegt voor wat alle leerlingen op school leren. Kan een kind die niet "
           "halen, dan staan in het OPP andere doelen die wel passen.")),
    Term("vaststellen", _("Vaststellen"),
         _("Het schoolbestuur keurt het OPP officieel goed. Pas daarna geldt het. Dat mag pas nadat de school met "
           "u heeft overlegd en u heeft ingestemd met het handelingsdeel.")),
    Term("gpo", _("GPO (Geschillencommissie passend onderwijs)"),
         _("Een onafhankelijke commissie. Bent u het niet eens met het OPP, dan kunt u uw bezwaar daar voorleggen. "
           "Dat kan online, het is gratis en u heeft geen advocaat nodig. De commissie geeft het schoolbestuur een "
           "advies.")),
)

BY_KEY: dict[str, Term] = {t.key: t for t in TERMS}


def term(key: str) -> Term:
    return BY_KEY[key]


def for_page(*, gpo: bool) -> tuple[Term, ...]:
    """The word list of one page. The GPO is explained only where the page names the route to it (R-GPO-7: after a
    decision was made known, a refusal or a dispute) — not as a hint on every page before there is anything to
    dispute."""
    return tuple(t for t in TERMS if gpo or t.key != "gpo")
