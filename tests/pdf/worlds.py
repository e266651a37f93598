"""One world for the PDF layout tests: every PDF kind of the portal, for one pupil, filled either realistically
or with the longest content each field allows (CharFields at their max_length, TextFields 5,000 characters in
paragraphs, a 120-character word and a long URL in every long text).

`build(org, by, ...)` writes the rows (inside the caller's transaction, on the caller's frozen clock, uploads under
PRIVATE_MEDIA_ROOT); `render_all(world)` renders every kind and returns {kind: pdf bytes}. The kinds:

- version: the OPP version (opp.pdf.render_version_pdf), adopted, with consultations and consent;
- evaluation: the staff's copy of the evaluation (evaluations.pdf), vso, so with the commission's evaluation;
- dossier-cover, dossier-findings, dossier-image, dossier-missing: the dispute dossier's own pages;
- letter: the board's response letter (disputes.letter);
- inzage: the parents' inzage overview (portal.inzage).
"""

from __future__ import annotations

import base64
import datetime
import io
import itertools
import re
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.template.loader import render_to_string
from django.utils import timezone, translation
from PIL import Image

from disputes import dossier, letter
from disputes.models import Dispute
from evaluations import pdf as evaluation_pdf
from evaluations.models import CommissionEvaluation, Evaluation, EvaluationReaction, ItemProgress
from opp import consent_services as cs
from opp import content as opp_content
from opp import pdf as opp_pdf
from opp import selectors
from opp.models import ActionItem, Consultation, FactorItem, PlanVersion, Reaction, Suggestion, YieldItem
from portal import inzage
from tests.factories import PlacementEventFactory, PlanFactory, StudentFactory, parent_of

KINDS = ("version", "evaluation", "dossier-cover", "dossier-findings", "dossier-image", "dossier-missing", "letter",
         "inzage")

#: The longest word the layouts must wrap (a pasted code, a German compound, a row of underscores ...).
LONG_WORD = ("Leesbegeleidingsondersteuningstraject" * 4)[:120]
assert len(LONG_WORD) == 120
LONG_URL = ("https://www.onderwijsconsulenten.nl/documenten/verslagen/2026/leerling-dossier/"
            "onderzoeksverslag-orthopedagoog-begrijpend-lezen-en-rekenen-v3.pdf?download=1&versie=definitief")

_WORDS = ("de leerling leest dagelijks samen met een klasgenoot en oefent woorden uit de methode; thuis lezen de "
          "ouders elke avond een kwartier voor en bespreken wat er gebeurde. De leerkracht bewaakt de voortgang "
          "met korte toetsen, noteert wat opvalt en stemt de aanpak af met de intern begeleider en de ouders. "
          "Rekenen gaat op groepsniveau, maar bij verhaaltjessommen raakt zij de draad kwijt, vooral in een "
          "drukke klas of na de pauze wanneer de concentratie terugloopt.").split()


def _words(seed: int):
    return itertools.islice(itertools.cycle(_WORDS), seed % len(_WORDS), None)


def line(n: int, seed: int = 0, *, long_word: bool = True) -> str:
    """Exactly n characters of one paragraph (a CharField at its max_length); from 130 characters on it holds
    LONG_WORD (from 260 also LONG_URL)."""
    parts: list[str] = []
    if long_word and n >= 260:
        parts += [LONG_URL]
    if long_word and n >= 130:
        parts += [LONG_WORD]
    text = " ".join(parts)
    for word in _words(seed):
        if len(text) + 1 + len(word) > n:
            break
        text = f"{text} {word}" if text else word
    return (text + " " + "x" * n)[:n] if len(text) < n - 1 else text.ljust(n, ".")[:n]


def paragraphs(n: int = 5000, seed: int = 0) -> str:
    """About n characters (a TextField's 5,000) in paragraphs, with LONG_WORD and LONG_URL in the first."""
    out: list[str] = [f"Zie {LONG_URL} en {LONG_WORD}."]
    words = _words(seed)
    size = len(out[0])
    while size < n:
        para = " ".join(next(words) for _ in range(60)).capitalize()
        out.append(para)
        size += len(para) + 2
    return "\n\n".join(out)[:n].rstrip()


def words_of(text: str) -> list[str]:
    """The words a reader must find back in the PDF (what a layout could cut off)."""
    return [w for w in re.split(r"\s+", text) if w]


@dataclass
class World:
    version: PlanVersion
    evaluation: Evaluation
    dispute: Dispute
    student: object
    long_texts: dict[str, list[str]] = field(default_factory=dict)  # kind → texts that must all be in its PDF


def _filler(maximal: bool):
    """text(kind, n, seed): realistic text, or the longest the field allows."""
    def text(realistic: str, n: int | None, seed: int) -> str:
        if not maximal:
            return realistic
        return line(n, seed) if n else paragraphs(5000, seed)
    return text


def build(org, by, adopter, *, maximal: bool, today: datetime.date) -> World:
    """The pupil Fatima-Zahra van den Heuvel-Ouaali (vso, school A2) with her OPP: version 1 adopted after an
    overleg and consent, an evaluation, an ended dispute with the board's response; the parents reacted."""
    t = _filler(maximal)
    school = org.school_a2
    student = StudentFactory(school=school, first_name="Fatima-Zahra", last_name="van den Heuvel-Ouaali",
                             date_of_birth=datetime.date(2011, 5, 4), opp_required=True, support_level="extra",
                             extra_support_description="Ambulante begeleiding cluster 4")
    PlacementEventFactory(student=student, kind="opdc", start_on=today - datetime.timedelta(days=200))
    moeder = parent_of(student, name=t("Mirjam van den Heuvel", 200, 2), username="ouder_layout")
    parent_of(student, name=t("Yassin Ouaali", 200, 3))
    plan = PlanFactory(student=student, created_by=by)
    version = PlanVersion.objects.create(plan=plan, number=1, created_by=by, state="in_overleg",
                                         uitstroom_profiel="vervolgonderwijs")
    texts = {
        "uitstroom_onderbouwing": t("Zij volgt de lessen op vmbo-niveau; de verwachting is haalbaar.", None, 4),
        "programma_afwijking": t("Extra instructie in de verlengde instructiegroep.", None, 5),
        "rapporten_weging": t("Het onderzoek van de orthopedagoog is meegewogen.", None, 6),
        "leerling_mening": t("Ze wil graag meer tijd voor toetsen.", None, 7),
        "leerling_weging": t("Haar wens is overgenomen in doel 1.", None, 8),
        "leerling_uitleg": t("De mentor heeft het plan met haar doorgelopen.", None, 9),
        "opdc_vraag": t("Wat helpt haar om terug te keren in de klas?", None, 10),
        "opdc_duur": t("12 weken", 200, 11),
        "commissie_advies": t("De commissie voor de begeleiding adviseert positief.", None, 12),
    }
    PlanVersion.objects.filter(pk=version.pk).update(commissie_advies_on=today - datetime.timedelta(days=40),
                                                     doelen_nodig=False, onderwijstijd_nodig=False, **texts)
    factors = [t("Raakt snel afgeleid bij drukte in de klas.", None, 13),
               t("Ouders lezen thuis dagelijks met haar.", None, 14)]
    for n, text in enumerate(factors, start=1):
        FactorItem.objects.create(version=version, position=n, kind="belemmerend" if n == 1 else "bevorderend",
                                  domain="kind" if n == 1 else "omgeving", text=text)
    YieldItem.objects.create(version=version, position=1, subject="begrijpend_lezen",
                             expectation=t("Eind klas 2: referentieniveau 1F.", None, 15))
    action_texts = []
    for n in (1, 2):
        values = {"goal": t(f"Doel {n}: leest teksten op niveau 1F vloeiend", None, 16 + n),
                  "approach": t("Dagelijks 15 minuten duolezen met een klasgenoot", None, 18 + n),
                  "who": t("Mentor en remedial teacher", 300, 20 + n),
                  "frequency": t("Dagelijks, 12 weken", 300, 22 + n),
                  "evaluation_moment": t("Na 12 weken", 300, 24 + n),
                  "evaluation_criterion": t("Toets begrijpend lezen op niveau 1F behaald", None, 26 + n)}
        ActionItem.objects.create(version=version, position=n, **values)
        action_texts += list(values.values())
    consultation = Consultation.objects.create(
        plan=plan, version=version, held_on=today - datetime.timedelta(days=30), agreement="deels",
        staff_present=t("Mentor, intern begeleider", 300, 30), others_present=t("Ambulant begeleider", 300, 31),
        summary=t("Besproken: extra leestijd en rust in de klas.", None, 32), internal_note="INTERN-LAYOUT",
        created_by=by)
    suggestion = Suggestion.objects.create(consultation=consultation, position=1,
                                           text=t("Kan zij een leesmaatje krijgen?", None, 33),
                                           response=t("Ja, een klasgenoot leest met haar.", None, 34),
                                           outcome="overgenomen")
    version = selectors.load_version(version.pk)
    request = cs.request_send(actor=by, version=version)
    explanation = t("Wij stemmen in, met de opmerking dat het leesmaatje wisselt.", None, 35)
    cs.answer_in_portal(user=moeder.user, request=request, party_kind="guardian", party_id=moeder.pk, answer="ja",
                        explanation=explanation, ip=None)
    version.refresh_from_db()
    adopted_at = timezone.now() - datetime.timedelta(days=20)
    fresh = PlanVersion.objects.get(pk=version.pk)
    PlanVersion.objects.filter(pk=version.pk).update(state="vastgesteld", adopted_at=adopted_at, adopted_by=adopter,
                                                     adopted_hash=opp_content.version_hash(fresh))
    version = selectors.load_version(version.pk)
    reaction = Reaction.objects.create(version=version, author=moeder.user, author_name=moeder.name,
                                       text=t("Wij zijn blij met het plan.", None, 36),
                                       response=t("Dank voor uw reactie.", None, 37),
                                       responded_at=timezone.now())

    evaluation = Evaluation.objects.create(
        plan=plan, version=version, created_by=by, school_year="2026-2027", held_on=today - datetime.timedelta(days=2),
        parents_present=False, parents_invited_on=today - datetime.timedelta(days=20),
        parents_absence_reason=t("Ziek.", None, 40), pupil_present=True,
        others_present=t("Mentor, ambulant begeleider", 300, 41),
        pupil_view=t("Ze vindt lezen nu leuker.", None, 42), conclusion=t("Het leesdoel is behaald.", None, 43),
        decision="voortzetten")
    notes = []
    for n, action in enumerate(version.actions.order_by("position"), start=1):
        note = t("Gehaald in februari." if n == 1 else "Lukt in de kleine groep.", None, 44 + n)
        ItemProgress.objects.create(evaluation=evaluation, action=action, progress="behaald" if n == 1 else "deels",
                                    note=note)
        notes.append(note)
    evaluation_reaction = EvaluationReaction.objects.create(evaluation=evaluation, author=moeder.user,
                                                            author_name=moeder.name,
                                                            text=t("Wij zijn blij met de vooruitgang.", None, 48))
    commission = CommissionEvaluation.objects.create(
        plan=plan, school_year="2026-2027", held_on=today - datetime.timedelta(days=10),
        evaluation=t("De commissie ziet goede vorderingen.", None, 49), report=t("Doelen grotendeels behaald.", None, 50),
        advice="geen", advice_text=t("Geen wijziging nodig.", None, 51), created_by=by)

    dispute = Dispute.objects.create(
        plan=plan, version=version, subject="vaststelling", subject_other=t("", 300, 52) if maximal else "",
        reference=t("GPO-2026-0815", 40, 53), made_known_on=today - datetime.timedelta(days=19),
        filed_on=today - datetime.timedelta(days=10), late_reasons=t("Ziekte in het gezin.", None, 54),
        received_on=today - datetime.timedelta(days=8), hearing_on=today - datetime.timedelta(days=5),
        advice="deels_gegrond", advice_on=today - datetime.timedelta(days=3),
        advice_recommendations=t("Betrek de ouders eerder bij het plan.", None, 55),
        response="deels", response_reasons=t("Het bestuur volgt het advies voor het overleg.", None, 56),
        response_sent_parents_on=today, state="reactie_verzonden", created_by=by)

    evaluation = evaluation_pdf.load(evaluation.pk)
    long_texts = {
        # programma_afwijking and rapporten_weging are no sections of a vso OPP: not shown, not checked.
        "version": [*(v for k, v in texts.items() if k not in ("programma_afwijking", "rapporten_weging")), *factors, *action_texts, consultation.staff_present, consultation.others_present,
                    consultation.summary, suggestion.text, suggestion.response, explanation],
        "evaluation": [evaluation.parents_absence_reason, evaluation.others_present, evaluation.pupil_view,
                       evaluation.conclusion, *notes, evaluation_reaction.text, commission.evaluation,
                       commission.report, commission.advice_text],
        "dossier-cover": [dispute.reference, dispute.late_reasons] + ([dispute.subject_other] if maximal else []),
        "letter": [dispute.advice_recommendations, dispute.response_reasons, dispute.reference],
        "inzage": [reaction.text, reaction.response, consultation.summary, texts["leerling_mening"]],
    }
    return World(version=version, evaluation=evaluation, dispute=dispute, student=student, long_texts=long_texts)


def _png() -> str:
    out = io.BytesIO()
    Image.new("RGB", (1200, 800), (40, 90, 160)).save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode("ascii")


def _dossier_page(template: str, context: dict) -> bytes:
    with translation.override("nl"):
        html = render_to_string(template, context)
    return opp_pdf.html_to_pdf(html)


def dossier_parts(world: World) -> list[SimpleNamespace]:
    """The dossier's parts (titles as disputes.dossier.parts_for names them) with the first page of each, as the
    cover lists them; a part here is two pages long."""
    parts = [SimpleNamespace(title=part.title, start=0) for part in dossier.parts_for(world.dispute)]
    for n, part in enumerate(parts):
        part.start = 2 + 2 * n
    return parts


def render_all(world: World, kinds=KINDS) -> dict[str, bytes]:
    """Every PDF kind of the world, as bytes."""
    dispute, student = world.dispute, world.student
    header = {"student": student, "dispute": dispute, "version": world.version}
    out: dict[str, bytes] = {}
    for kind in kinds:
        if kind == "version":
            out[kind] = opp_pdf.render_version_pdf(selectors.load_version(world.version.pk))
        elif kind == "evaluation":
            out[kind] = evaluation_pdf.render_evaluation_pdf(evaluation_pdf.load(world.evaluation.pk), for_staff=True)
        elif kind == "dossier-cover":
            with translation.override("nl"):
                out[kind] = _dossier_page("disputes/pdf/cover.html", dossier.cover_context(dispute, dossier_parts(world)))
        elif kind == "dossier-findings":
            version = selectors.load_version(world.version.pk)
            out[kind] = _dossier_page("disputes/pdf/findings.html", {
                "version": version, "student": student, "printed_on": timezone.localdate(),
                "findings": selectors.findings_for(version, today=timezone.localdate())})
        elif kind == "dossier-image":
            out[kind] = _dossier_page("disputes/pdf/image.html", {**header, "title": "Verslag orthopedagoog",
                                                                  "data_uri": _png()})
        elif kind == "dossier-missing":
            out[kind] = _dossier_page("disputes/pdf/missing.html", {
                **header, "heading": "Ondersteuningsplan", "text": "Niet aanwezig: upload het ondersteuningsplan bij de school."})
        elif kind == "letter":
            out[kind] = letter.render_response_letter(dispute)
        elif kind == "inzage":
            with translation.override("nl"):
                html = inzage._overview_html(student, inzage._load(student), timezone.now(),
                                             [{"naam": "OPP-versie-1.pdf", "soort": "OPP"}])
            out[kind] = opp_pdf.html_to_pdf(html)
    return out
