"""Demo OPPs in every state the OPP feature reaches, with consultation logs that trip and pass the checks.

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
from students import services as student_services
from students.models import Student

from . import adoption, bekendmaking, consent_services, services
from .models import ConsentRequest, Plan, VersionState

UITSTROOM = {
    "D001": ("vmbo_kb", "Sanne leest op AVI E4 en rekent op eind groep 4-niveau; haar tempo is stabiel maar laag. "
                        "Met ondersteuning verwachten we uitstroom naar vmbo kaderberoepsgerichte leerweg."),
    "D003": ("vwo", "Lina scoort ver boven het gemiddelde; met een passend verrijkingsaanbod verwachten we vwo."),
    "K001": ("vmbo_bb", "Adam ontwikkelt zich in de lijn van zijn capaciteiten (TIQ 82); vmbo basis met lwoo is haalbaar."),
    "K002": ("vmbo_kb", "Tess maakt sinds haar plaatsing goede vorderingen; vmbo kader is haalbaar met ondersteuning."),
    "K003": ("vmbo_bb", "Ruben leest en rekent op het niveau van eind groep 5 en groeit gestaag; vmbo basis met lwoo "
                        "is haalbaar als de ondersteuning bij plannen doorloopt."),
    "H001": ("arbeid_begeleid", "Milan werkt gemotiveerd op zijn stageplek in de groenvoorziening; met een jobcoach "
                                "is arbeid met begeleiding haalbaar."),
}

FACTORS = [
    {"kind": "belemmerend", "domain": "kind", "text": "Snel afgeleid bij instructie in de grote groep."},
    {"kind": "belemmerend", "domain": "omgeving", "text": "Onrustige thuissituatie na een verhuizing."},
    {"kind": "bevorderend", "domain": "kind", "text": "Gemotiveerd als zij haar vooruitgang zichtbaar ziet."},
    {"kind": "bevorderend", "domain": "omgeving", "text": "Betrokken ouders die thuis dagelijks samen lezen."},
]

ACTIONS = [
    {"goal": "Eind dit schooljaar leest {name} op AVI M5-niveau.",
     "approach": "Dagelijks 20 minuten RALFI-lezen in een groepje van drie, met herhaald lezen.",
     "who": "Remedial teacher (mw. De Groot)", "frequency": "5 × per week, 20 minuten, 16 weken",
     "evaluation_moment": "Na 8 weken en na 16 weken", "evaluation_criterion": "AVI-toets: minimaal M5, DMT +10 woorden"},
    {"goal": "{name} werkt 15 minuten zelfstandig aan een taak.",
     "approach": "Taakkaart met pictogrammen en een time-timer; complimenten op inzet.",
     "who": "Leerkracht groep 5", "frequency": "Dagelijks tijdens zelfstandig werken",
     "evaluation_moment": "In de groepsbespreking van maart", "evaluation_criterion": "Observatie: 4 van 5 dagen 15 minuten taakgericht"},
]


def demo_content(number: str, name: str = "de leerling") -> dict[str, dict]:
    profiel, onderbouwing = UITSTROOM.get(number, ("", ""))
    return _named(name, {
        "uitstroom": {"uitstroom_profiel": profiel, "uitstroom_onderbouwing": onderbouwing},
        "programma": {"programma_afwijking": "Geen afwijking: {name} volgt het programma van de groep met verlengde "
                                             "instructie en minder verwerkingsstof bij rekenen."},
        "doelen": {"doelen_nodig": False, "vervangende_doelen": ""},
        "onderwijstijd": {"onderwijstijd_nodig": False, "onderwijstijd_aanbod": "", "onderwijstijd_toetsing": "",
                          "onderwijstijd_begeleiding": "", "onderwijstijd_duur": ""},
        "rapporten": {"rapporten_weging": "Het psychologisch onderzoek van mei (WISC-V) bevestigt een zwakke verwerkingssnelheid; "
                                          "daarom is gekozen voor korte, herhaalde instructiemomenten."},
        "hoorrecht": {"leerling_mening": "{name} wil graag ‘net zo snel lezen als de anderen’ en vindt het groepje fijn.",
                      "leerling_weging": "De wens om in een klein groepje te werken is overgenomen.",
                      "leerling_uitleg": "De intern begeleider heeft het plan met {name} besproken aan de hand van de taakkaart."},
    })


def _named(name: str, value):
    """The demo texts with the pupil's first name filled in."""
    if isinstance(value, str):
        return value.replace("{name}", name)
    if isinstance(value, dict):
        return {k: _named(name, v) for k, v in value.items()}
    if isinstance(value, list):
        return [_named(name, v) for v in value]
    return value


CONSULTATIONS = {
    # Two rounds: first without agreement, then with (passes R-CONSENT-2).
    "D001": [
        dict(days_ago=30, agreement="nee", staff="Ingrid Bakker (ib), leerkracht groep 5",
             summary="Eerste bespreking van het concept. Ouders willen meer ondersteuning bij rekenen.",
             suggestions=[("Extra rekenhulp op school", "We starten na de kerst met een rekengroepje.", "deels")]),
        dict(days_ago=12, agreement="ja", staff="Ingrid Bakker (ib)",
             summary="Aangepast concept besproken; ouders zijn het eens met het plan.",
             suggestions=[("Thuis met dezelfde leesteksten oefenen", "Ouders krijgen de teksten wekelijks mee.", "overgenomen")]),
    ],
    # A single meeting without agreement: blocks adoption (GPO 107087, 107619).
    "D003": [
        dict(days_ago=7, agreement="nee", staff="Ingrid Bakker (ib)",
             summary="Ouders vinden twee dagdelen plusklas te weinig.",
             suggestions=[("Vier dagdelen plusklas", "Het samenwerkingsverband biedt maximaal twee dagdelen.", "niet")]),
    ],
    "H001": [
        dict(days_ago=9, agreement="ja", staff="Zeynep Çelik (zc), stagebegeleider", pupil=True,
             summary="Milan heeft het plan zelf besproken; zijn vader was met zijn toestemming aanwezig.", suggestions=[]),
    ],
}


@transaction.atomic
def seed_plans(today: datetime.date | None = None) -> None:
    today = today or timezone.localdate()
    pupils = {s.pupil_number: s for s in Student.objects.filter(school__brin__in=["11AA", "11BB", "11CC"])}
    staff = {u.username: u for u in User.objects.filter(username__in=["ib.debron", "ib.kompas", "zc.horizon", "directeur.debron"])}
    actor_for = {"11AA": staff["ib.debron"], "11BB": staff["ib.kompas"], "11CC": staff["zc.horizon"]}

    def start(number: str) -> Plan | None:
        student = pupils[number]
        if student.plans.exists():
            return None
        return services.plan_start(actor=actor_for[student.school.brin], student=student)

    def fill(plan: Plan, number: str, keys: list[str], with_items: bool = True) -> None:
        actor = actor_for[plan.student.school.brin]
        version = plan.versions.get()
        first = plan.student.first_name
        for key in keys:
            data = demo_content(number, first)[key]
            version = services.version_save_section(actor=actor, version=version, section=key,
                                                    revision=version.section_revisions.get(key, 0), data=data)
        if with_items:
            for key, items in (("factoren", FACTORS), ("handelingsdeel", _named(first, ACTIONS))):
                version = services.version_save_section(actor=actor, version=version, section=key,
                                                        revision=version.section_revisions.get(key, 0), items=items)

    def consult(plan: Plan, number: str) -> None:
        actor = actor_for[plan.student.school.brin]
        version = plan.versions.get()
        for c in CONSULTATIONS.get(number, []):
            services.consultation_record(actor=actor, plan=plan, data={
                "version": version, "held_on": today - datetime.timedelta(days=c["days_ago"]), "parents_present": True,
                "pupil_present": c.get("pupil", False), "staff_present": c["staff"], "others_present": "",
                "agreement": c["agreement"], "summary": c["summary"], "internal_note": "",
            }, suggestions=[{"text": t, "response": r, "outcome": o} for t, r, o in c["suggestions"]])

    # Sanne (bao): complete, in overleg, two rounds of consultation — only consent is still missing.
    if plan := start("D001"):
        fill(plan, "D001", ["uitstroom", "programma", "doelen", "onderwijstijd", "rapporten", "hoorrecht"])
        services.version_to_overleg(actor=staff["ib.debron"], version=plan.versions.get())
        consult(plan, "D001")
    # Lina (bao, gifted in an SWV provision): drawn up for an SWV arrangement, single meeting without agreement.
    if plan := start("D003"):
        fill(plan, "D003", ["uitstroom", "programma", "doelen", "onderwijstijd", "hoorrecht"])
        version = plan.versions.get()
        services.version_save_section(actor=staff["ib.debron"], version=version, section="algemeen",
                                      revision=version.section_revisions.get("algemeen", 0),
                                      data={"for_swv_arrangement": True})
        services.version_to_overleg(actor=staff["ib.debron"], version=plan.versions.get())
        consult(plan, "D003")
    # Finn (bao, overdue): a concept that has just been started.
    if plan := start("D004"):
        fill(plan, "D004", ["uitstroom"], with_items=False)
    # Adam (sbo): concept with most sections filled.
    if plan := start("K001"):
        fill(plan, "K001", ["uitstroom", "doelen", "onderwijstijd", "hoorrecht"])
    # Milan (vso, adult): in overleg, but the commission's advice (R-TIME-3) is still missing.
    if plan := start("H001"):
        fill(plan, "H001", ["uitstroom", "doelen", "onderwijstijd", "hoorrecht"])
        services.version_to_overleg(actor=staff["zc.horizon"], version=plan.versions.get())
        consult(plan, "H001")
    # Julia (bao, removal procedure): her OPP was withdrawn by the schoolleider.
    if plan := start("D007"):
        fill(plan, "D007", ["uitstroom"], with_items=False)
        services.plan_withdraw(actor=staff["directeur.debron"], plan=plan, on_date=today,
                               reason="Het OPP wordt ingetrokken omdat de ondersteuningsbehoefte opnieuw in kaart wordt "
                                      "gebracht met het samenwerkingsverband; een nieuw OPP volgt.")


# A minimal, valid one-page PDF standing in for a signed paper consent form in the demo.
DEMO_SCAN = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
             b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


@transaction.atomic
def seed_consent(today: datetime.date | None = None) -> None:
    """Consent demo: a pending request (ouder.jansen), one given on paper beside it (two guardians),
    a parent who consented in the portal (ouder.elbaz), and an adult pupil consenting himself."""
    today = today or timezone.localdate()
    pupils = {s.pupil_number: s for s in Student.objects.filter(school__brin__in=["11AA", "11BB", "11CC"])}
    users = {u.username: u for u in User.objects.filter(username__in=[
        "ib.debron", "ib.kompas", "zc.horizon", "ouder.jansen", "ouder.elbaz", "leerling.horizon"])}

    # Sanne: request sent; her father signed on paper, her mother (ouder.jansen) still has to answer.
    sanne_version = pupils["D001"].plans.get(state="actief").versions.get()
    if not ConsentRequest.objects.filter(version__plan__student=pupils["D001"]).exists():
        req = consent_services.request_send(actor=users["ib.debron"], version=sanne_version)
        father = next(p for p in req.parties if p["name"] == "Peter Jansen")
        consent_services.answer_on_paper(
            actor=users["ib.debron"], request=req, party_kind="guardian", party_id=father["id"], answer="ja",
            explanation="", signed_on=today, scan_upload=SimpleUploadedFile("toestemming.pdf", DEMO_SCAN, "application/pdf"))
        consent_services.reaction_add(user=users["ouder.jansen"], version=sanne_version, author_name="Mirjam Jansen",
                                      text="Kan de remedial teacher ons ook laten weten welke boekjes Sanne thuis kan lezen?")
        reaction = sanne_version.reactions.first()
        consent_services.reaction_respond(actor=users["ib.debron"], reaction=reaction,
                                          response="Ja, mevrouw De Groot geeft elke vrijdag een leeslijstje mee.")

    # Adam (sbo): complete the concept, consult twice, ask and let ouder.elbaz consent in the portal.
    adam_plan = pupils["K001"].plans.filter(state="actief").first()
    if adam_plan and not ConsentRequest.objects.filter(version__plan=adam_plan).exists():
        version = adam_plan.versions.get()
        actor = users["ib.kompas"]
        for key, items in (("factoren", FACTORS), ("handelingsdeel", _named("Adam", ACTIONS))):
            version = services.version_save_section(actor=actor, version=version, section=key,
                                                    revision=version.section_revisions.get(key, 0), items=items)
        version = services.version_save_section(actor=actor, version=version, section="rapporten",
                                                revision=version.section_revisions.get("rapporten", 0),
                                                data=demo_content("K001", "Adam")["rapporten"])
        services.version_to_overleg(actor=actor, version=version)
        for days, agreement in ((21, "deels"), (8, "ja")):
            services.consultation_record(actor=actor, plan=adam_plan, data={
                "version": version, "held_on": today - datetime.timedelta(days=days), "parents_present": True,
                "pupil_present": False, "staff_present": "Karim Ouali (ib)", "others_present": "",
                "agreement": agreement, "summary": "Bespreking van het OPP met vader.", "internal_note": ""},
                suggestions=[])
        req = consent_services.request_send(actor=actor, version=version)
        guardian = req.parties[0]
        consent_services.answer_in_portal(user=users["ouder.elbaz"], request=req, party_kind=guardian["kind"],
                                          party_id=guardian["id"], answer="ja", explanation="", ip="127.0.0.1")

    # Milan (vso, 18+, handelingsbekwaam): consents in his own name; his parents are not informed.
    milan = pupils["H001"]
    if not milan.consent_party:
        student_services.student_update(actor=users["zc.horizon"], student=milan,
                                        data={"consent_party": "leerling", "parents_informed": False})
    milan_plan = milan.plans.filter(state="actief").first()
    if milan_plan and not ConsentRequest.objects.filter(version__plan=milan_plan).exists():
        version = milan_plan.versions.get()
        version = services.version_save_section(actor=users["zc.horizon"], version=version, section="handelingsdeel",
                                                revision=version.section_revisions.get("handelingsdeel", 0), items=[
            {"goal": "Milan werkt vier dagdelen per week zelfstandig op zijn stageplek.",
             "approach": "Jobcoach bouwt de begeleiding af van dagelijks naar wekelijks.",
             "who": "Stagebegeleider en jobcoach", "frequency": "Wekelijks overleg, 20 weken",
             "evaluation_moment": "Na 10 en na 20 weken", "evaluation_criterion": "Beoordeling stagebedrijf: voldoende"}])
        req = consent_services.request_send(actor=users["zc.horizon"], version=version)
        consent_services.answer_in_portal(user=users["leerling.horizon"], request=req, party_kind="pupil",
                                          party_id=milan.pk, answer="ja", explanation="Ik wil graag naar werk toe.",
                                          ip="127.0.0.1")


@transaction.atomic
def seed_adoption(today: datetime.date | None = None) -> None:
    """Adoption demo: Adam's OPP is adopted by the board (ouder.elbaz sees the GPO notice and the PDF);
    Tess's OPP waits in the board's adoption queue."""
    today = today or timezone.localdate()
    users = {u.username: u for u in User.objects.filter(username__in=["ib.kompas", "bestuurder"])}
    adam = Student.objects.get(school__brin="11BB", pupil_number="K001")
    version = adam.plans.get(state="actief").versions.order_by("-number").first()
    if version.state == VersionState.INSTEMMING_GEVRAAGD:
        adoption.submit(actor=users["ib.kompas"], version=version)
        adoption.adopt_confirmed(actor=users["bestuurder"], version=version)

    seed_bekendmaking(today)

    tess = Student.objects.get(school__brin="11BB", pupil_number="K002")
    if tess.plans.exists():
        return
    actor = users["ib.kompas"]
    link = student_services.guardian_add(actor=actor, student=tess, data={"name": "Marieke Vos", "email": "m.vos@demo.opp-portaal.nl"},
                                         relation="ouder", has_gezag=True)
    plan, version = prepare_in_overleg(
        actor=actor, student=tess, content=demo_content("K002", "Tess"), first_name="Tess",
        sections=["uitstroom", "doelen", "onderwijstijd", "rapporten", "hoorrecht"], meetings=((16, "deels"), (6, "ja")),
        staff="Karim Ouali (ib)", pupil_present=True, summary="Bespreking van het OPP met moeder en Tess.")
    req = consent_services.request_send(actor=actor, version=version)
    consent_services.answer_on_paper(actor=actor, request=req, party_kind="guardian", party_id=link.guardian_id,
                                     answer="ja", explanation="", signed_on=today,
                                     scan_upload=SimpleUploadedFile("instemming.pdf", DEMO_SCAN, "application/pdf"))
    adoption.submit(actor=actor, version=version)


def prepare_in_overleg(*, actor, student, content: dict, sections: list[str], first_name: str, meetings,
                       staff: str, others: str = "", pupil_present: bool = False, summary: str) -> tuple:
    """Start a plan, write its sections and items, bring it into consultation and record the meetings
    ((days ago, agreement) pairs). Shared by the demo pupils whose OPP goes on to consent and adoption."""
    today = timezone.localdate()
    plan = services.plan_start(actor=actor, student=student)
    version = plan.versions.get()
    for key in sections:
        version = services.version_save_section(actor=actor, version=version, section=key,
                                                revision=version.section_revisions.get(key, 0), data=content[key])
    for key, items in (("factoren", FACTORS), ("handelingsdeel", _named(first_name, ACTIONS))):
        version = services.version_save_section(actor=actor, version=version, section=key,
                                                revision=version.section_revisions.get(key, 0), items=items)
    services.version_to_overleg(actor=actor, version=version)
    for days, agreement in meetings:
        services.consultation_record(actor=actor, plan=plan, data={
            "version": version, "held_on": today - datetime.timedelta(days=days), "parents_present": True,
            "pupil_present": pupil_present, "staff_present": staff, "others_present": others,
            "agreement": agreement, "summary": summary, "internal_note": ""}, suggestions=[])
    return plan, version


@contextlib.contextmanager
def clock_at(moment: datetime.datetime):
    """The services take "today" from the clock. A demo story that happened weeks ago (an adoption, then a letter
    two weeks later) is played on a clock set back to that day: demo seeding only, never the application."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


@transaction.atomic
def seed_bekendmaking(today: datetime.date | None = None) -> None:
    """Bekendmaking demo: Ruben's OPP (SBO Het Kompas) was adopted sixteen days ago. Neither parent has a portal
    account: his father was told in person that day, his mother by letter two weeks later, so her six weeks for
    the GPO end two weeks after his (R-GPO-2). The version page shows both dates and both last days."""
    today = today or timezone.localdate()
    adopted_on = today - datetime.timedelta(days=16)
    users = {u.username: u for u in User.objects.filter(username__in=["ib.kompas", "bestuurder"])}
    if len(users) < 2:
        return
    actor = users["ib.kompas"]
    ruben = Student.objects.filter(school__brin="11BB", pupil_number="K003").first()
    if ruben is None or not ruben.plans.exists():
        moment = timezone.make_aware(datetime.datetime.combine(adopted_on, datetime.time(10, 0)))
        with clock_at(moment):
            if ruben is None:
                ruben = student_services.student_create(actor=actor, school=School.objects.get(brin="11BB"), data={
                    "first_name": "Ruben", "last_name": "de Jong", "date_of_birth": datetime.date(2015, 6, 14),
                    "pupil_number": "K003", "onderwijssoort": "sbo", "group_name": "Bovenbouw 1",
                    "enrolled_on": adopted_on - datetime.timedelta(days=34)})
                for name, relation in (("Erik de Jong", "ouder"), ("Linda de Jong", "ouder")):
                    student_services.guardian_add(actor=actor, student=ruben, data={"name": name}, relation=relation,
                                                  has_gezag=True)
            _plan, version = prepare_in_overleg(
                actor=actor, student=ruben, content=demo_content("K003", "Ruben"), first_name="Ruben",
                sections=["uitstroom", "doelen", "onderwijstijd", "rapporten", "hoorrecht"],
                meetings=((14, "deels"), (5, "ja")), staff="Karim Ouali (ib)", pupil_present=True,
                summary="Bespreking van het OPP met beide ouders en Ruben.")
            req = consent_services.request_send(actor=actor, version=version)
            for party in req.parties:
                consent_services.answer_on_paper(
                    actor=actor, request=req, party_kind=party["kind"], party_id=party["id"], answer="ja",
                    explanation="", signed_on=adopted_on,
                    scan_upload=SimpleUploadedFile("instemming.pdf", DEMO_SCAN, "application/pdf"))
            adoption.submit(actor=actor, version=version)
            adoption.adopt_confirmed(actor=users["bestuurder"], version=version)
    version = ruben.plans.get().versions.filter(state="vastgesteld").first()
    if version is None:
        return
    found = bekendmaking.overview(version)
    told = {s.party.name: s for s in found["parties"]}
    for name, channel, day in (("Erik de Jong", "persoonlijk", adopted_on),
                               ("Linda de Jong", "brief", adopted_on + datetime.timedelta(days=14))):
        status = told.get(name)
        if status is not None and status.row is None:
            bekendmaking.bekendmaking_record(actor=actor, version_or_plan=version, party=status.party,
                                             channel=channel, made_known_on=day)
