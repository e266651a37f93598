"""Demo data of the goal bank (opp.bank): a modest bank of original Dutch texts — written for this demo, not taken
from any commercial goal library — most on the bank of Stichting Primair en Speciaal, some of one school only (the
sbo school's own texts, the bao school's own), two of Stichting Noord (invisible to the other board). The begeleider
of OBS De Bron is granted managing the school's bank by its schoolleider. Idempotent: running it again adds nothing.

The texts hold [blokhaken] where the user must fill in this pupil's level, period or situation: a standard text is a
starting point (R-CONTENT-4), and the editor warns about a handelingsdeel of unchanged texts."""

from __future__ import annotations

from accounts.models import Board, Membership, Role, School, User

from . import bank
from .models import BankText

K = BankText.Kind
A = BankText.Area

#: (kind, area, onderwijssoort or "" for all, title, text)
BOARD_TEXTS = [
    (K.DOEL, A.TECHNISCH_LEZEN, "", "AVI-niveau halen",
     "Aan het eind van [periode] leest [naam] een tekst op AVI-niveau [niveau] op beheersingsniveau: vlot en met "
     "hoogstens [aantal] fouten."),
    (K.DOEL, A.TECHNISCH_LEZEN, "", "Woorden per minuut (DMT)",
     "[Naam] leest op de DMT-kaart [kaart] in één minuut [aantal] woorden goed (nu [beginwaarde])."),
    (K.AANPAK, A.TECHNISCH_LEZEN, "", "Herhaald hardop lezen",
     "Vier keer per week tien minuten herhaald lezen van een korte tekst op instructieniveau, met een maatje of de "
     "leerkracht; na elke keer zegt [naam] zelf of het vlotter ging."),
    (K.AANPAK, A.TECHNISCH_LEZEN, "", "Voorlezen en meelezen thuis",
     "Thuis leest [naam] dagelijks een kwartier mee met een ouder uit een boek dat [naam] zelf kiest; school geeft "
     "de ouders een korte uitleg over samen lezen."),
    (K.DOEL, A.BEGRIJPEND_LEZEN, "", "Hoofdzaak van een alinea",
     "[Naam] kan na het lezen van een informatieve tekst op [niveau] bij [aantal] van de [aantal] alinea's in eigen "
     "woorden zeggen waar de alinea over gaat."),
    (K.AANPAK, A.BEGRIJPEND_LEZEN, "", "Voordoen met hardop denken",
     "De leerkracht doet twee keer per week een leesstrategie voor door hardop te denken (voorspellen, vragen stellen, "
     "samenvatten); daarna oefent [naam] dezelfde strategie in een klein groepje."),
    (K.DOEL, A.SPELLING, "", "Categoriewoorden foutloos",
     "[Naam] schrijft in een dictee van twintig woorden met [categorie] er minstens [aantal] goed."),
    (K.AANPAK, A.SPELLING, "", "Dagelijkse spellingroutine",
     "Elke dag vijf minuten: woordbeeld bekijken, afdekken, opschrijven, controleren. [Naam] houdt zelf bij welke "
     "woorden al goed gaan."),
    (K.DOEL, A.REKENEN, "", "Tafels automatiseren",
     "[Naam] kent de tafels van [tafels] uit het hoofd: binnen drie seconden het goede antwoord bij [aantal] van de "
     "[aantal] sommen."),
    (K.DOEL, A.REKENEN, "", "Rekenen tot honderd",
     "[Naam] lost optel- en aftreksommen tot 100 met tientaloverschrijding op met de rijgmethode, [aantal] van de "
     "tien goed."),
    (K.AANPAK, A.REKENEN, "", "Handelend rekenen",
     "Verlengde instructie in de kleine groep, drie keer per week twintig minuten, eerst met materiaal (MAB, "
     "kralenketting), dan met een tekening, dan alleen met getallen."),
    (K.AANPAK, A.REKENEN, "", "Rekenspelletjes voor thuis",
     "[Naam] krijgt elke week een rekenspel mee dat thuis in tien minuten gespeeld kan worden; op maandag vertelt "
     "[naam] hoe het ging."),
    (K.DOEL, A.TAAL, "", "Nieuwe woorden gebruiken",
     "[Naam] gebruikt [aantal] woorden uit het thema van [periode] goed in een eigen zin."),
    (K.AANPAK, A.TAAL, "", "Woordenschat in vier stappen",
     "Nieuwe woorden voorbewerken, semantiseren, consolideren en controleren: twee keer per week in de kleine groep, "
     "met een woordmuur in de klas."),
    (K.DOEL, A.SOCIAAL_EMOTIONEEL, "", "Hulp vragen",
     "[Naam] vraagt in [situatie] zelf om hulp als het niet lukt, in plaats van te stoppen met werken: [aantal] keer "
     "per week gezien door de leerkracht."),
    (K.DOEL, A.SOCIAAL_EMOTIONEEL, "", "Gevoelens benoemen",
     "[Naam] kan bij een conflict met een klasgenoot zeggen wat hij of zij voelt en wat hij of zij nodig heeft."),
    (K.AANPAK, A.SOCIAAL_EMOTIONEEL, "", "Dagelijks check-in-moment",
     "Elke ochtend een korte check-in met een vaste volwassene: hoe gaat het, wat komt er vandaag, wat is lastig?"),
    (K.DOEL, A.WERKHOUDING, "", "Zelfstandig starten",
     "[Naam] begint bij zelfstandig werken binnen [aantal] minuten aan de taak, zonder extra uitleg, bij [aantal] van "
     "de tien taken."),
    (K.DOEL, A.WERKHOUDING, "", "Taak afmaken",
     "[Naam] maakt een taak van [duur] minuten af met een dagtaakkaart als geheugensteun."),
    (K.AANPAK, A.WERKHOUDING, "", "Taak in stappen met timer",
     "De taak wordt in kleine stappen op een kaartje gezet; [naam] zet per stap een time-timer en vinkt af wat klaar is."),
    (K.DOEL, A.GEDRAG, "", "Regels op het plein",
     "[Naam] houdt zich in de pauze aan de afspraken van het plein: hoogstens [aantal] keer per week een time-out."),
    (K.AANPAK, A.GEDRAG, "", "Positieve bekrachtiging",
     "De leerkracht benoemt gewenst gedrag direct en concreet; [naam] spaart per dagdeel voor een zelfgekozen beloning."),
    (K.DOEL, A.COMMUNICATIE, "", "Zich laten horen in de kring",
     "[Naam] vertelt in de kring [aantal] keer per week iets uit eigen beweging."),
    (K.AANPAK, A.COMMUNICATIE, "", "Pictogrammen bij instructie",
     "Bij elke instructie staan de stappen ook als pictogram op het bord, zodat [naam] kan nakijken wat er gevraagd is."),
    (K.DOEL, A.MOTORIEK, "", "Leesbaar schrijven",
     "[Naam] schrijft een zin van vijf woorden overschrijfbaar leesbaar binnen [duur] minuten."),
    (K.AANPAK, A.MOTORIEK, "", "Fijne motoriek oefenen",
     "Drie keer per week tien minuten oefenen met knippen, rijgen en natekenen; de schrijfhouding wordt met een "
     "driehoekig potlood en een schuin schrijfblad ondersteund."),
    (K.FACTOR, A.WERKHOUDING, "", "Motivatie bij eigen keuze",
     "Is gemotiveerd als hij of zij mag kiezen uit twee taken en weet hoe lang het werk duurt."),
    (K.FACTOR, A.SOCIAAL_EMOTIONEEL, "", "Vaste vertrouwenspersoon",
     "Heeft een goede band met [wie]; bij spanning helpt een kort gesprek met deze persoon."),
    (K.FACTOR, A.SOCIAAL_EMOTIONEEL, "", "Spanning bij veranderingen",
     "Raakt gespannen bij onverwachte veranderingen in het dagprogramma; dat is te zien aan [gedrag]."),
    (K.FACTOR, A.OVERIG, "", "Betrokken ouders",
     "De ouders zijn betrokken en oefenen thuis mee; zij willen graag weten wat er in de klas gebeurt."),
    (K.FACTOR, A.TECHNISCH_LEZEN, "", "Leesplezier ontbreekt",
     "Leest liever niet; verhalen over [onderwerp] helpen om toch te beginnen."),
    (K.DOEL, A.ARBEID, "vso", "Opdracht op de stageplek",
     "[Naam] voert op de stageplek een opdracht van [duur] minuten zelfstandig uit volgens de werkkaart, beoordeeld "
     "door de praktijkbegeleider."),
    (K.AANPAK, A.ARBEID, "vso", "Werkkaart met foto's",
     "Een werkkaart met foto's van elke stap; de stagebegeleider bespreekt elke week met [naam] wat goed ging."),
    (K.DOEL, A.ZELFREDZAAMHEID, "", "Zelf de dag plannen",
     "[Naam] zet met de dagplanner zelf de spullen klaar voor de volgende les, [aantal] van de vijf dagen."),
]

#: Texts of one school only (brin → texts): SBO Het Kompas keeps its own sbo texts, OBS De Bron one of its own.
SCHOOL_TEXTS = {
    "11BB": [
        (K.DOEL, A.REKENEN, "sbo", "Leerlijn rekenen sbo volgen",
         "[Naam] werkt op de leerlijn rekenen aan [doel] en beheerst dat aan het eind van [periode], gemeten met de "
         "methodetoets (nu [beginwaarde])."),
        (K.AANPAK, A.WERKHOUDING, "sbo", "Werkplek met prikkelarme hoek",
         "[Naam] werkt bij zelfstandig werken aan een vaste plek in de prikkelarme hoek, met een koptelefoon als dat "
         "helpt."),
        (K.FACTOR, A.GEDRAG, "sbo", "Kleine groep werkt",
         "In de kleine groep van het sbo komt [naam] tot werken; in grotere groepen is er meer onrust."),
    ],
    "11AA": [
        (K.AANPAK, A.TECHNISCH_LEZEN, "bao", "Leesgroep in groep 5 en 6",
         "[Naam] doet vier keer per week mee met de leesgroep van groep 5 en 6 onder leiding van de onderwijsassistent."),
    ],
}

NOORD_TEXTS = [
    (K.DOEL, A.REKENEN, "", "Klokkijken",
     "[Naam] leest hele en halve uren op de analoge klok goed af, [aantal] van de tien keer."),
    (K.AANPAK, A.SPELLING, "", "Spellen met klankgebaren",
     "Bij het spellen van lastige woorden gebruikt [naam] de klankgebaren uit de methode; de leerkracht doet ze voor."),
]


def _ensure(*, owner: bank.Owner, texts, actor: User | None) -> None:
    for kind, area, soort, title, text in texts:
        exists = BankText.objects.filter(owner.filter(), kind=kind, title=title).exists()
        if not exists:
            BankText.objects.create(board=owner.board, school=owner.school, kind=kind, area=area, onderwijssoort=soort,
                                    title=title, text=text, created_by=actor)


def seed_bank() -> None:
    boards = {b.name: b for b in Board.objects.filter(name__in=["Stichting Primair en Speciaal", "Stichting Noord"])}
    schools = {s.brin: s for s in School.objects.filter(brin__in=SCHOOL_TEXTS)}
    users = {u.username: u for u in User.objects.filter(username__in=["bestuurder", "bestuurder.noord",
                                                                      "directeur.debron", "ib.kompas", "ib.debron"])}
    if board := boards.get("Stichting Primair en Speciaal"):
        _ensure(owner=bank.Owner(board=board), texts=BOARD_TEXTS, actor=users.get("bestuurder"))
    if board := boards.get("Stichting Noord"):
        _ensure(owner=bank.Owner(board=board), texts=NOORD_TEXTS, actor=users.get("bestuurder.noord"))
    for brin, texts in SCHOOL_TEXTS.items():
        if school := schools.get(brin):
            author = users.get("ib.kompas" if brin == "11BB" else "directeur.debron")
            _ensure(owner=bank.Owner(school=school), texts=texts, actor=author)
    # The schoolleider of OBS De Bron lets its intern begeleider keep the school's bank too (audited as any grant).
    leader, ib = users.get("directeur.debron"), users.get("ib.debron")
    if leader and ib:
        membership = Membership.objects.approved().filter(user=ib, role=Role.BEGELEIDER, school__brin="11AA").first()
        if membership is not None and not membership.textbank_grant:
            bank.grant_set(actor=leader, membership=membership, granted=True)
