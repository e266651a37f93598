"""Demo OPPs in every state the OPP feature reaches, with consultation logs that trip and pass the checks.

Every step is played on its own day (`on_day`): a plan is started after the need arose, discussed after it was
written, consent is asked after the meetings and answered after the request, adoption follows consent. The
texts are per pupil (PUPIL_TEXTS): no pupil's plan is a copy of another's, and each fits the pupil's age, school
type and gender. The stories that span two school years (Adam, Milan, Lotte) are played by evaluations.demo,
which owns the school-year arithmetic.

Idempotent: a pupil that already has a plan is left as it is, so re-running seed_demo changes nothing.
"""

from __future__ import annotations

import contextlib
import datetime
from unittest import mock

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from accounts.models import School, User
from opp_portal.schoolyear import school_year
from students import services as student_services
from students.models import Student

from . import adoption, bekendmaking, consent_services, ldgm, services
from .models import ConsentRequest, Plan

D = datetime.date

#: Per pupil number: gender ("v"/"m", for the pronouns the texts use) and the texts of each section. Written per
#: pupil, for the pupil's age and school type: "programma" (afwijking van het programma) only in regular bao
#: (R-CONTENT-5), never in sbo or vso.
PUPIL_TEXTS: dict[str, dict] = {
    "D001": {  # Sanne Jansen, bao groep 5
        "gender": "v",
        "uitstroom": ("vmbo_kb", "Sanne leest op AVI E4 en rekent op het niveau van eind groep 4; haar tempo is stabiel "
                                 "maar laag. Met ondersteuning verwachten we uitstroom naar vmbo kaderberoepsgerichte "
                                 "leerweg."),
        "programma": "Geen afwijking: Sanne volgt het programma van groep 5 met verlengde instructie en minder "
                     "verwerkingsstof bij rekenen.",
        "rapporten": "Het psychologisch onderzoek (WISC-V) bevestigt een zwakke verwerkingssnelheid; daarom is gekozen "
                     "voor korte, herhaalde instructiemomenten.",
        "hoorrecht": ("Sanne wil graag ‘net zo snel lezen als de anderen’ en vindt het leesgroepje fijn.",
                      "Haar wens om in een klein groepje te werken is overgenomen.",
                      "De intern begeleider heeft het plan met Sanne besproken aan de hand van haar taakkaart."),
        "factoren": [("belemmerend", "kind", "Sanne is snel afgeleid bij instructie in de grote groep."),
                     ("belemmerend", "omgeving", "Onrustige thuissituatie na een verhuizing in de zomer."),
                     ("bevorderend", "kind", "Sanne is gemotiveerd als zij haar vooruitgang zichtbaar ziet."),
                     ("bevorderend", "omgeving", "Betrokken ouders die thuis dagelijks samen met haar lezen.")],
        "acties": [
            dict(goal="Aan het eind van dit schooljaar leest Sanne op AVI M5-niveau.",
                 approach="Dagelijks 20 minuten RALFI-lezen in een groepje van drie, met herhaald lezen.",
                 who="Remedial teacher (mw. De Groot)", frequency="5 × per week, 20 minuten, 16 weken",
                 evaluation_moment="Na 8 weken en na 16 weken",
                 evaluation_criterion="AVI-toets: minimaal M5; DMT 10 woorden meer dan bij de start"),
            dict(goal="Sanne werkt 15 minuten zelfstandig aan een taak.",
                 approach="Taakkaart met pictogrammen en een time-timer op haar tafel; complimenten op inzet.",
                 who="Leerkracht groep 5", frequency="Dagelijks tijdens zelfstandig werken",
                 evaluation_moment="In de groepsbespreking van maart",
                 evaluation_criterion="Observatie: 4 van 5 dagen 15 minuten taakgericht"),
        ],
    },
    "D003": {  # Lina Amrani, bao groep 7, hoogbegaafd
        "gender": "v",
        "uitstroom": ("vwo", "Lina scoort ver boven het gemiddelde (TIQ 138); met een passend verrijkingsaanbod "
                             "verwachten we uitstroom naar het vwo."),
        "programma": "Lina volgt een compact programma: de herhalingsstof bij rekenen en spelling vervalt; de tijd "
                     "die dat oplevert gaat naar de plusklas en een eigen onderzoeksproject.",
        "hoorrecht": ("Lina zegt dat zij zich in de klas verveelt en dat de plusklas ‘de leukste dag van de week’ is.",
                      "Haar wens om meer tijd in de plusklas door te brengen is besproken; het samenwerkingsverband "
                      "biedt twee dagdelen.",
                      "De leerkracht heeft het plan met Lina doorgenomen tijdens een kindgesprek."),
        "factoren": [("belemmerend", "kind", "Lina haakt af bij herhaling en stelt werk uit als het te makkelijk is."),
                     ("belemmerend", "omgeving", "In de eigen groep is weinig uitdagend materiaal voor haar niveau."),
                     ("bevorderend", "kind", "Nieuwsgierig; Lina werkt lang geconcentreerd aan een eigen vraag."),
                     ("bevorderend", "omgeving", "De plusklas van het samenwerkingsverband sluit aan bij haar niveau.")],
        "acties": [
            dict(goal="Lina plant een onderzoeksproject van zes weken zelf en rondt het af met een presentatie.",
                 approach="Weekplanner met tussendoelen; wekelijks een coachgesprek over haar planning.",
                 who="Leerkracht groep 7 en plusklasdocent", frequency="Wekelijks 15 minuten coaching, 12 weken",
                 evaluation_moment="Na elk project (twee keer)",
                 evaluation_criterion="Project op tijd af; planning zelf bijgesteld bij tegenslag"),
            dict(goal="Lina vraagt hulp wanneer een opdracht echt moeilijk wordt, in plaats van op te geven.",
                 approach="Uitdagende opdrachten uit ‘Pittige plustaken’ en nabespreken van fouten als leerkans.",
                 who="Leerkracht groep 7", frequency="Drie keer per week tijdens de verwerking",
                 evaluation_moment="In de groepsbespreking van februari",
                 evaluation_criterion="Observatie: Lina stelt minstens twee hulpvragen per week"),
        ],
    },
    "D004": {  # Finn Bakker, bao groep 6
        "gender": "m",
        "uitstroom": ("vmbo_gl_tl", "Finn haalt voldoende resultaten als hij zijn werk af krijgt; door zijn "
                                    "werkhouding blijft hij achter. Vmbo gemengde/theoretische leerweg is haalbaar."),
    },
    "D007": {  # Julia Peters, bao groep 8
        "gender": "v",
        "uitstroom": ("vmbo_kb", "Julia rekent en leest op het niveau van eind groep 6; door de incidenten in de klas "
                                 "mist zij veel instructie. Vmbo kader is haalbaar als haar gedrag stabiliseert."),
    },
    "K001": {  # Adam El Baz, sbo middenbouw
        "gender": "m",
        "ldgm": ("5", "vmbo_bb", "Adam leert met extra instructietijd op het niveau van leerroute 5; zijn werkhouding "
                 "groeit. We verwachten dat hij na het sbo naar vmbo basis met lwoo gaat."),
        "uitstroom": ("vmbo_bb", "Adam ontwikkelt zich in de lijn van zijn capaciteiten (TIQ 82); vmbo basis met lwoo "
                                 "is haalbaar."),
        "rapporten": "Het onderzoek van de schoolpsycholoog (WISC-V, TIQ 82) en het verslag van de vorige basisschool "
                     "laten een zwak werkgeheugen zien; daarom krijgt Adam de instructie in kleine stappen.",
        "hoorrecht": ("Adam vindt het fijn dat de klas kleiner is dan op zijn vorige school; hij wil beter leren lezen.",
                      "Zijn wens om met een maatje te lezen is in de aanpak opgenomen.",
                      "De leerkracht heeft het plan met Adam besproken met de plaatjes van zijn weektaak."),
        "factoren": [("belemmerend", "kind", "Adam onthoudt meerstappige opdrachten moeilijk."),
                     ("belemmerend", "omgeving", "Thuis wordt vooral Arabisch gesproken; Nederlandse boeken zijn er weinig."),
                     ("bevorderend", "kind", "Adam is behulpzaam en werkt graag samen met een klasgenoot."),
                     ("bevorderend", "omgeving", "Zijn vader komt naar elk gesprek en haalt boeken bij de bibliotheek.")],
        "acties": [
            dict(goal="Adam leest aan het eind van het schooljaar op AVI E4-niveau.",
                 approach="Duolezen met een maatje uit de bovenbouw en dagelijks flitsen van klankgroepen.",
                 who="Leerkracht middenbouw en onderwijsassistent", frequency="4 × per week 15 minuten, heel het schooljaar",
                 evaluation_moment="Bij de toetsweken van januari en juni",
                 evaluation_criterion="AVI E4 beheersing; DMT kaart 2 minimaal 45 woorden"),
            dict(goal="Adam voert een opdracht van drie stappen zelfstandig uit.",
                 approach="Stappenplan met plaatjes op zijn tafel; de leerkracht laat hem de opdracht eerst navertellen.",
                 who="Leerkracht middenbouw", frequency="Bij elke verwerkingsopdracht",
                 evaluation_moment="Na 10 weken",
                 evaluation_criterion="Observatie: 8 van 10 opdrachten zonder extra uitleg gestart"),
        ],
    },
    "K002": {  # Tess Vos, sbo bovenbouw
        "gender": "v",
        "ldgm": ("6", "vmbo_kb", "De toetsen en de observaties sinds haar plaatsing passen bij leerroute 6: Tess kan vmbo "
                 "kader halen als de ondersteuning bij rekenen doorloopt."),
        "uitstroom": ("vmbo_kb", "Tess maakt sinds haar plaatsing goede vorderingen; vmbo kader is haalbaar met "
                                 "ondersteuning bij rekenen."),
        "rapporten": "Het dyscalculieonderzoek van het expertisecentrum en het onderwijskundig rapport van de vorige "
                     "school: rekenen blijft achter door faalangst, niet door een gebrek aan inzicht.",
        "hoorrecht": ("Tess zegt dat zij bij toetsen ‘helemaal leeg’ gaat en liever alleen in een rustig hoekje werkt.",
                      "Toetsen maakt Tess voortaan in de stilteruimte, met een rekenkaart erbij.",
                      "De intern begeleider heeft het plan met Tess en haar moeder samen doorgelopen."),
        "factoren": [("belemmerend", "kind", "Tess raakt bij tijdsdruk in paniek en levert dan niets in."),
                     ("belemmerend", "omgeving", "Op haar vorige school is zij vaak buiten de klas aan het werk gezet."),
                     ("bevorderend", "kind", "Tess is creatief en legt rekensommen graag uit met tekeningen."),
                     ("bevorderend", "omgeving", "Een vaste leerkracht bij wie zij zich veilig voelt.")],
        "acties": [
            dict(goal="Tess beheerst de tafels van 1 tot en met 10 zonder tijdsdruk.",
                 approach="Rekenspelletjes met de tafels en een eigen tafelkaart; geen getimede toetsen.",
                 who="Leerkracht bovenbouw 1", frequency="Dagelijks 10 minuten, 12 weken",
                 evaluation_moment="Na 6 en na 12 weken",
                 evaluation_criterion="9 van 10 tafelsommen goed in een gewone verwerkingsopdracht"),
            dict(goal="Tess maakt een toets af zonder de klas te verlaten.",
                 approach="Vooraf oefenen met een proeftoets en een vast ontspanningsrondje in de stilteruimte.",
                 who="Leerkracht en schoolmaatschappelijk werker", frequency="Bij elke toets, heel het schooljaar",
                 evaluation_moment="In de groepsbespreking van het voorjaar",
                 evaluation_criterion="Drie toetsen op rij volledig gemaakt"),
        ],
    },
    "K003": {  # Ruben de Jong, sbo bovenbouw
        "gender": "m",
        "ldgm": ("5", "vmbo_bb", "Ruben groeit gestaag op de leerlijnen van leerroute 5; met hulp bij plannen is vmbo "
                 "basis met lwoo de verwachte bestemming."),
        "uitstroom": ("vmbo_bb", "Ruben leest en rekent op het niveau van eind groep 5 en groeit gestaag; vmbo basis met "
                                 "lwoo is haalbaar als de ondersteuning bij plannen doorloopt."),
        "rapporten": "Het ADHD-onderzoek van de kinderpsychiater en de observatie door de ambulant begeleider: Ruben "
                     "heeft structuur van buitenaf nodig om aan zijn werk te beginnen.",
        "hoorrecht": ("Ruben wil graag ‘zelf weten wat ik moet doen’ en wil de weektaak zelf afvinken op het bord.",
                      "Zijn idee van een afvinkbord is overgenomen in de aanpak.",
                      "Het plan is met Ruben besproken tijdens het gesprek met zijn ouders."),
        "factoren": [("belemmerend", "kind", "Ruben begint moeilijk aan een taak en raakt zijn spullen kwijt."),
                     ("belemmerend", "omgeving", "Wisselende invallers in de groep vorig jaar."),
                     ("bevorderend", "kind", "Ruben is sportief en werkt goed na een korte bewegingspauze."),
                     ("bevorderend", "omgeving", "Beide ouders gebruiken thuis hetzelfde dagschema als de school.")],
        "acties": [
            dict(goal="Ruben start binnen twee minuten na de instructie met zijn werk.",
                 approach="Afvinkbord met de weektaak; de leerkracht checkt na de instructie kort bij hem in.",
                 who="Leerkracht bovenbouw 1", frequency="Dagelijks, 16 weken",
                 evaluation_moment="Na 8 en na 16 weken",
                 evaluation_criterion="Observatie: 4 van 5 dagen op tijd gestart"),
            dict(goal="Ruben rekent aan het eind van het schooljaar op het niveau van midden groep 6.",
                 approach="Rekenen in het niveaugroepje met concreet materiaal en een bewegingspauze halverwege.",
                 who="Onderwijsassistent", frequency="3 × per week 30 minuten",
                 evaluation_moment="Bij de methodeonafhankelijke toets in juni",
                 evaluation_criterion="Functioneringsniveau M6 op de rekentoets"),
        ],
    },
    "H001": {  # Milan Kok, vso arbeid, adult
        "gender": "m",
        "ldgm": ("4", "arbeid_begeleid", "Milan volgt leerroute 4 (arbeid). Op zijn stage werkt hij steeds zelfstandiger; met een "
                 "jobcoach is werk bij een hoveniersbedrijf haalbaar."),
        "uitstroom": ("arbeid_begeleid", "Milan werkt gemotiveerd op zijn stageplek in de groenvoorziening; met een "
                                         "jobcoach is arbeid met begeleiding haalbaar."),
        "hoorrecht": ("Milan wil na school bij het hoveniersbedrijf van zijn stage blijven werken.",
                      "Zijn wens om meer dagen op de stage te werken is overgenomen: vier dagdelen.",
                      "Milan heeft het plan zelf gelezen en besproken met de zorgcoördinator."),
        "factoren": [("belemmerend", "kind", "Milan raakt van slag als een afspraak op het werk ineens verandert."),
                     ("belemmerend", "omgeving", "Het reizen naar de stageplek kost hem met het openbaar vervoer veel tijd."),
                     ("bevorderend", "kind", "Milan is betrouwbaar en werkt nauwkeurig met gereedschap."),
                     ("bevorderend", "omgeving", "Het stagebedrijf wil hem na zijn schooltijd in dienst nemen.")],
        "acties": [
            dict(goal="Milan werkt vier dagdelen per week zelfstandig op zijn stageplek.",
                 approach="De jobcoach bouwt de begeleiding af van dagelijks naar wekelijks.",
                 who="Stagebegeleider en jobcoach", frequency="Wekelijks overleg, 20 weken",
                 evaluation_moment="Na 10 en na 20 weken",
                 evaluation_criterion="Beoordeling stagebedrijf: voldoende op zelfstandigheid"),
            dict(goal="Milan reist zelfstandig met de bus naar zijn stage.",
                 approach="Reistraining: eerst samen, dan met een telefoonafspraak, dan alleen.",
                 who="Reistrainer van de school", frequency="Drie weken lang elke stagedag",
                 evaluation_moment="Na de reistraining",
                 evaluation_criterion="Tien stagedagen op rij zelfstandig en op tijd aangekomen"),
        ],
    },
    "A001": {  # Lotte de Vries, bao (groep 5 when her first OPP was written)
        "gender": "v",
        "uitstroom": ("havo", "Lottes taalachterstand loopt snel in; haar begrip en woordenschat passen bij havo."),
        "programma": "Geen afwijking: Lotte volgt het programma van groep 5; bij taal krijgt zij voorinstructie van "
                     "de woorden van de week.",
        "rapporten": "Het verslag van de logopedist (taalontwikkelingsstoornis, CELF-5) en het advies van het "
                     "audiologisch centrum: korte zinnen en visuele ondersteuning bij instructie.",
        "hoorrecht": ("Lotte zegt dat zij het spannend vindt om in de kring te praten, maar dat het bij de logopedist "
                      "goed gaat.",
                      "Lotte mag in de kring eerst met een maatje oefenen voordat zij iets vertelt.",
                      "De intern begeleider heeft het plan met Lotte besproken met tekeningen erbij."),
        "factoren": [("belemmerend", "kind", "Lotte vindt woorden moeilijk en zegt dan liever niets."),
                     ("belemmerend", "omgeving", "In een drukke klas verstaat zij de instructie slecht."),
                     ("bevorderend", "kind", "Lotte is doorzetter en oefent thuis trouw haar woordkaartjes."),
                     ("bevorderend", "omgeving", "Logopedie op school, in overleg met de leerkracht.")],
        "acties": [
            dict(goal="Lotte kent de 200 woorden van de woordenschatlijst van groep 5.",
                 approach="Voorinstructie van de woorden van de week met plaatjes; thuis oefenen met kaartjes.",
                 who="Leerkracht groep 5 en ouder", frequency="Wekelijks 3 × 10 minuten, heel het schooljaar",
                 evaluation_moment="In januari en juni",
                 evaluation_criterion="Woordenschattoets: 180 van 200 woorden gekend"),
            dict(goal="Lotte vertelt in de kring een kort verhaal van vijf zinnen.",
                 approach="Oefenen met een maatje en de logopedist; een vertelkaart met vijf plaatjes.",
                 who="Logopedist en leerkracht", frequency="Wekelijks 30 minuten logopedie, 20 weken",
                 evaluation_moment="Na 10 en na 20 weken",
                 evaluation_criterion="Observatie: verhaal van vijf zinnen zonder hulp verteld"),
        ],
    },
}


def demo_content(number: str) -> dict[str, dict]:
    """The section data of pupil `number`'s demo plan, ready for services.version_save_section."""
    texts = PUPIL_TEXTS.get(number, {})
    profiel, onderbouwing = texts.get("uitstroom", ("", ""))
    mening, weging, uitleg = texts.get("hoorrecht", ("", "", ""))
    return {
        "uitstroom": {"uitstroom_profiel": profiel, "uitstroom_onderbouwing": onderbouwing},
        "programma": {"programma_afwijking": texts.get("programma", "")},
        "doelen": {"doelen_nodig": False, "vervangende_doelen": ""},
        "onderwijstijd": {"onderwijstijd_nodig": False, "onderwijstijd_aanbod": "", "onderwijstijd_toetsing": "",
                          "onderwijstijd_begeleiding": "", "onderwijstijd_duur": ""},
        "rapporten": {"rapporten_weging": texts.get("rapporten", "")},
        "hoorrecht": {"leerling_mening": mening, "leerling_weging": weging, "leerling_uitleg": uitleg},
    }


#: The reading goals measured with AVI (opp.measures): pupil → (goal's position, baseline level, target level).
AVI_GOALS = {"D001": (1, "E4", "M5"), "K001": (1, "M4", "E4")}


def end_of_school_year(day: D) -> D:
    """1 July of the school year (1 August – 31 July) `day` is in; the next one from July on."""
    end = D(day.year + 1 if day.month >= 8 else day.year, 7, 1)
    return end if end > day else D(end.year + 1, 7, 1)


def _first_reading_test(day: D) -> D:
    """The school year's first AVI test (about 15 September), when it was before the plan was written on `day`: the
    baseline the plan starts from, and the first point of the goal's chart."""
    test = school_year(day)[0].replace(day=15, month=9)
    return test if test <= day else day


def demo_items(number: str, day: D | None = None) -> dict[str, list[dict]]:
    """The pupil's factors and handelingsdeel (R-CONTENT-4), as the item sections take them. Written on `day`,
    a reading goal of AVI_GOALS gets its AVI measure: the level at the school year's first reading test, the target by
    the end of the school year."""
    texts = PUPIL_TEXTS.get(number, {})
    actions = [dict(a) for a in texts.get("acties", [])]
    if day is not None and number in AVI_GOALS:
        position, baseline, target = AVI_GOALS[number]
        actions[position - 1].update(measure_instrument="avi", measure_baseline=baseline,
                                     measure_baseline_on=_first_reading_test(day),
                                     measure_target=target, measure_target_on=end_of_school_year(day),
                                     measure_direction="hoger")
    return {
        "factoren": [{"kind": k, "domain": d, "text": t} for k, d, t in texts.get("factoren", [])],
        "handelingsdeel": actions,
    }


@contextlib.contextmanager
def clock_at(moment: datetime.datetime):
    """The services take "today" from the clock. A demo story that happened weeks ago (an adoption, then a letter
    two weeks later) is played on a clock set back to that day: demo seeding only, never the application."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def on_day(day: D, hour: int = 10):
    """clock_at on `day` at `hour` o'clock in Amsterdam, but never later than now: a story of today seeded in the
    morning is not stamped in the afternoon."""
    moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))
    return clock_at(min(moment, timezone.now()))


#: The steps of the doelgroepenmodel (opp.ldgm.STEPS) set when a plan is written, days before the writing day.
LDGM_STEPS_AT_WRITING = {"instroomprofiel": 2, "leerroute": 1, "bestemming": 1, "opp": 0}


def ldgm_content(number: str, day: D) -> dict | None:
    """Pupil `number`'s Landelijk Doelgroepenmodel (opp.ldgm) as written on `day`: leerroute, bestemming and rationale
    from PUPIL_TEXTS, decided the day before, the first steps done in the days before; None for a pupil without one."""
    texts = PUPIL_TEXTS.get(number, {})
    if "ldgm" not in texts:
        return None
    route, bestemming, onderbouwing = texts["ldgm"]
    return {"ldgm_leerroute": route, "ldgm_bestemming": bestemming, "ldgm_onderbouwing": onderbouwing,
            "ldgm_besloten_on": day - datetime.timedelta(days=1),
            "ldgm_stappen": {k: (day - datetime.timedelta(days=n)).isoformat() for k, n in LDGM_STEPS_AT_WRITING.items()}}


def write_plan(*, actor: User, student: Student, number: str, sections: list[str], day: D,
               with_items: bool = True) -> tuple[Plan, object]:
    """Start the plan on `day` and write its sections (and factors and handelingsdeel) that same day."""
    content, items = demo_content(number), demo_items(number, day)
    with on_day(day, 9):
        plan = services.plan_start(actor=actor, student=student)
        version = plan.versions.get()
        for key in sections:
            version = services.version_save_section(actor=actor, version=version, section=key,
                                                    revision=version.section_revisions.get(key, 0), data=content[key])
        doelgroepenmodel = ldgm_content(number, day) if ldgm.applies(student.onderwijssoort) else None
        if doelgroepenmodel:  # sbo/so/vso: the doelgroepenmodel is part of the plan from its first version
            version = services.version_save_section(actor=actor, version=version, section="ldgm",
                                                    revision=version.section_revisions.get("ldgm", 0),
                                                    data=doelgroepenmodel)
        if with_items:
            for key in ("factoren", "handelingsdeel"):
                version = services.version_save_section(actor=actor, version=version, section=key,
                                                        revision=version.section_revisions.get(key, 0), items=items[key])
    return plan, version


def to_overleg(*, actor: User, version, day: D):
    with on_day(day, 11):
        return services.version_to_overleg(actor=actor, version=version)


def consult(*, actor: User, plan: Plan, version, day: D, agreement: str, staff: str, summary: str,
            others: str = "", pupil_present: bool = False, suggestions=()) -> None:
    """A consultation held on `day` (never before the version it is about: callers write the version first)."""
    with on_day(day, 15):
        services.consultation_record(actor=actor, plan=plan, data={
            "version": version, "held_on": day, "parents_present": True, "pupil_present": pupil_present,
            "staff_present": staff, "others_present": others, "agreement": agreement, "summary": summary,
            "internal_note": ""}, suggestions=[{"text": t, "response": r, "outcome": o} for t, r, o in suggestions])


def ask_consent(*, actor: User, version, day: D):
    with on_day(day, 12):
        return consent_services.request_send(actor=actor, version=version)


def paper_answer(*, actor: User, request, party: dict, day: D, answer: str = "ja") -> None:
    with on_day(day, 14):
        consent_services.answer_on_paper(
            actor=actor, request=request, party_kind=party["kind"], party_id=party["id"], answer=answer,
            explanation="", signed_on=day, scan_upload=SimpleUploadedFile("instemming.pdf", DEMO_SCAN, "application/pdf"))


def portal_answer(*, user: User, request, party: dict, day: D, explanation: str = "") -> None:
    with on_day(day, 20):
        consent_services.answer_in_portal(user=user, request=request, party_kind=party["kind"], party_id=party["id"],
                                          answer="ja", explanation=explanation, ip="127.0.0.1")


def submit_and_adopt(*, actor: User, board: User | None, version, submitted_on: D, adopted_on: D | None = None):
    """Offer the version for adoption; the board adopts it on `adopted_on` (None: it stays in the queue)."""
    with on_day(submitted_on, 16):
        adoption.submit(actor=actor, version=version)
    if board is None or adopted_on is None:
        return version
    with on_day(adopted_on, 10):
        return adoption.adopt_confirmed(actor=board, version=version)


# A minimal, valid one-page PDF standing in for a signed paper consent form in the demo.
DEMO_SCAN = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
             b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def _ago(today: D):
    return lambda days: today - datetime.timedelta(days=days)


@transaction.atomic
def seed_plans(today: D | None = None) -> None:
    """The plans of this school year's six-week terms, each step on its own day before today."""
    today = today or timezone.localdate()
    ago = _ago(today)
    pupils = {s.pupil_number: s for s in Student.objects.filter(school__brin__in=["11AA", "11BB", "11CC"])}
    staff = {u.username: u for u in User.objects.filter(username__in=["ib.debron", "directeur.debron"])}
    ib = staff["ib.debron"]

    def fresh(number: str) -> Student | None:
        student = pupils.get(number)
        return student if student is not None and not student.plans.exists() else None

    # Sanne (bao, need 40 days ago): complete, in overleg, two rounds of consultation (the first without
    # agreement, R-CONSENT-2) — consent is asked in seed_consent.
    if sanne := fresh("D001"):
        plan, version = write_plan(actor=ib, student=sanne, number="D001", day=ago(38),
                                   sections=["uitstroom", "programma", "doelen", "onderwijstijd", "rapporten", "hoorrecht"])
        version = to_overleg(actor=ib, version=version, day=ago(33))
        consult(actor=ib, plan=plan, version=version, day=ago(30), agreement="nee",
                staff="Ingrid Bakker (ib), leerkracht groep 5",
                summary="Eerste bespreking van het concept. De ouders van Sanne willen meer ondersteuning bij rekenen.",
                suggestions=[("Extra rekenhulp op school", "We starten na de herfstvakantie met een rekengroepje.",
                              "deels")])
        consult(actor=ib, plan=plan, version=version, day=ago(12), agreement="ja", staff="Ingrid Bakker (ib)",
                summary="Aangepast concept besproken; de ouders van Sanne zijn het eens met het plan.",
                suggestions=[("Thuis met dezelfde leesteksten oefenen", "Sanne krijgt de teksten wekelijks mee.",
                              "overgenomen")])
    # Lina (bao, gifted in an SWV provision, need 20 days ago): drawn up for an SWV arrangement, a single meeting
    # without agreement: adoption is blocked (GPO 107087, 107619).
    if lina := fresh("D003"):
        plan, version = write_plan(actor=ib, student=lina, number="D003", day=ago(18),
                                   sections=["uitstroom", "programma", "doelen", "onderwijstijd", "hoorrecht"])
        with on_day(ago(18), 10):
            version = services.version_save_section(actor=ib, version=version, section="algemeen",
                                                    revision=version.section_revisions.get("algemeen", 0),
                                                    data={"for_swv_arrangement": True})
        version = to_overleg(actor=ib, version=version, day=ago(11))
        consult(actor=ib, plan=plan, version=version, day=ago(7), agreement="nee", staff="Ingrid Bakker (ib)",
                summary="De ouders van Lina vinden twee dagdelen plusklas te weinig.",
                suggestions=[("Vier dagdelen plusklas", "Het samenwerkingsverband biedt maximaal twee dagdelen.",
                              "niet")])
    # Finn (bao, overdue: need 60 days ago): a concept started only three weeks ago.
    if finn := fresh("D004"):
        write_plan(actor=ib, student=finn, number="D004", day=ago(21), sections=["uitstroom"], with_items=False)
    # Julia (bao, removal procedure): her concept OPP was withdrawn by the schoolleider three days ago. Recorded
    # now (not on a clock set back): the pupil's standing, refreshed on every seed, then stays as it is.
    if julia := fresh("D007"):
        plan, _version = write_plan(actor=ib, student=julia, number="D007", day=ago(75), sections=["uitstroom"],
                                    with_items=False)
        services.plan_withdraw(actor=staff["directeur.debron"], plan=plan, on_date=ago(3),
                               reason="Het OPP wordt ingetrokken omdat de ondersteuningsbehoefte opnieuw in kaart "
                                      "wordt gebracht met het samenwerkingsverband; een nieuw OPP volgt.")


@transaction.atomic
def seed_consent(today: D | None = None) -> None:
    """Consent demo: Sanne's request ten days ago, her father signed on paper, her mother (ouder.jansen) still has
    to answer, and asked a question the school answered."""
    today = today or timezone.localdate()
    ago = _ago(today)
    users = {u.username: u for u in User.objects.filter(username__in=["ib.debron", "ouder.jansen"])}
    sanne = Student.objects.filter(school__brin="11AA", pupil_number="D001").first()
    plan = sanne.plans.filter(state="actief").first() if sanne else None
    if plan is None or ConsentRequest.objects.filter(version__plan=plan).exists():
        return
    version = plan.versions.get()
    req = ask_consent(actor=users["ib.debron"], version=version, day=ago(10))
    father = next(p for p in req.parties if p["name"] == "Peter Jansen")
    paper_answer(actor=users["ib.debron"], request=req, party=father, day=ago(8))
    with on_day(ago(6), 21):
        reaction = consent_services.reaction_add(
            user=users["ouder.jansen"], version=version, author_name="Mirjam Jansen",
            text="Kan de remedial teacher ons ook laten weten welke boekjes Sanne thuis kan lezen?")
    with on_day(ago(5), 9):
        reaction = reaction or version.reactions.first()
        consent_services.reaction_respond(actor=users["ib.debron"], reaction=reaction,
                                          response="Ja, mevrouw De Groot geeft Sanne elke vrijdag een leeslijstje mee.")


@transaction.atomic
def seed_adoption(today: D | None = None) -> None:
    """Adoption demo: Tess's OPP waits in the board's adoption queue; Ruben's was adopted sixteen days ago and
    made known to each parent on their own day (seed_bekendmaking)."""
    today = today or timezone.localdate()
    ago = _ago(today)
    users = {u.username: u for u in User.objects.filter(username__in=["ib.kompas", "bestuurder"])}
    seed_bekendmaking(today)

    tess = Student.objects.filter(school__brin="11BB", pupil_number="K002").first()
    if tess is None or tess.plans.exists():
        return
    actor = users["ib.kompas"]
    # Tess was placed 33 days ago (students.demo): OPP written in her first week, two meetings, consent on paper.
    plan, version = write_plan(actor=actor, student=tess, number="K002", day=ago(30),
                               sections=["uitstroom", "doelen", "onderwijstijd", "rapporten", "hoorrecht"])
    version = to_overleg(actor=actor, version=version, day=ago(24))
    for day, agreement, summary in (
            (ago(16), "deels", "Bespreking van het concept met de moeder van Tess; de aanpak bij toetsen wordt "
                               "aangepast."),
            (ago(6), "ja", "Het aangepaste OPP is besproken met Tess en haar moeder; zij zijn het eens.")):
        consult(actor=actor, plan=plan, version=version, day=day, agreement=agreement, staff="Karim Ouali (ib)",
                pupil_present=True, summary=summary)
    req = ask_consent(actor=actor, version=version, day=ago(5))
    for party in req.parties:
        paper_answer(actor=actor, request=req, party=party, day=ago(3))
    submit_and_adopt(actor=actor, board=None, version=version, submitted_on=ago(2))


@transaction.atomic
def seed_bekendmaking(today: D | None = None) -> None:
    """Bekendmaking demo: Ruben's OPP (SBO Het Kompas) was adopted sixteen days ago. Neither parent has a portal
    account: his father was told in person that day, his mother by letter two weeks later, so her six weeks for
    the GPO end two weeks after his (R-GPO-2). The version page shows both dates and both last days."""
    today = today or timezone.localdate()
    adopted_on = today - datetime.timedelta(days=16)
    before = lambda days: adopted_on - datetime.timedelta(days=days)  # noqa: E731
    users = {u.username: u for u in User.objects.filter(username__in=["ib.kompas", "bestuurder"])}
    if len(users) < 2:
        return
    actor = users["ib.kompas"]
    ruben = Student.objects.filter(school__brin="11BB", pupil_number="K003").first()
    if ruben is None:
        # Enrolled in the sbo six weeks before the adoption (an sbo pupil always has an OPP, R-ELIG-1).
        with on_day(before(42), 9):
            ruben = student_services.student_create(actor=actor, school=School.objects.get(brin="11BB"), data={
                "first_name": "Ruben", "last_name": "de Jong", "date_of_birth": D(today.year - 11, 6, 14),
                "pupil_number": "K003", "onderwijssoort": "sbo", "group_name": "Bovenbouw 1",
                "enrolled_on": before(42), "support_level": "extra", "extra_support_funding": "swv",
                "extra_support_description": "Plaatsing in het sbo met een toelaatbaarheidsverklaring: kleine groep, "
                                             "ondersteuning bij plannen en rekenen"})
            for name, relation in (("Erik de Jong", "ouder"), ("Linda de Jong", "ouder")):
                student_services.guardian_add(actor=actor, student=ruben, data={"name": name}, relation=relation,
                                              has_gezag=True)
    if not ruben.plans.exists():
        plan, version = write_plan(actor=actor, student=ruben, number="K003", day=before(38),
                                   sections=["uitstroom", "doelen", "onderwijstijd", "rapporten", "hoorrecht"])
        version = to_overleg(actor=actor, version=version, day=before(30))
        for day, agreement, summary in (
                (before(21), "deels", "Eerste bespreking met beide ouders; zij vragen om een bewegingspauze bij "
                                      "rekenen."),
                (before(9), "ja", "Aangepast OPP besproken met beide ouders en Ruben; iedereen is het eens.")):
            consult(actor=actor, plan=plan, version=version, day=day, agreement=agreement, staff="Karim Ouali (ib)",
                    pupil_present=True, summary=summary)
        req = ask_consent(actor=actor, version=version, day=before(7))
        for party in req.parties:
            paper_answer(actor=actor, request=req, party=party, day=before(4))
        submit_and_adopt(actor=actor, board=users["bestuurder"], version=version, submitted_on=before(2),
                         adopted_on=adopted_on)
    version = ruben.plans.get().versions.filter(state="vastgesteld").first()
    if version is None:
        return
    found = bekendmaking.overview(version)
    told = {s.party.name: s for s in found["parties"]}
    for name, channel, day in (("Erik de Jong", "persoonlijk", adopted_on),
                               ("Linda de Jong", "brief", adopted_on + datetime.timedelta(days=14))):
        status = told.get(name)
        if status is not None and status.row is None:
            with on_day(day, 12):
                bekendmaking.bekendmaking_record(actor=actor, version_or_plan=version, party=status.party,
                                                 channel=channel, made_known_on=day)
