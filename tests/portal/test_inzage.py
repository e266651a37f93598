"""Inzage (issue 10 item 8; DOMAIN "Retention and privacy": parents have the right of access to their child's
file): one ZIP with gegevens.json, the PDFs and LEESMIJ.txt, for the parent with gezag or the adult pupil in the
portal, and for the school on a formal request.

Cast (tests.factories.portal_world): Sanne Jansen (moeder ``ouder_a`` with gezag, vader with gezag on paper,
stepfather ``stief_a`` without gezag; a consultation with the staff-only note INTERN-7731), Bram Bakker
(``ouder_b``) and the adult vso pupil Lotte Horizon (``leerling_c``; her moeder ``ouder_c`` is not informed,
R-TIME-4). Time stands still on 28 november 2026.
"""

import datetime
import hashlib
import io
import json
import re
import zipfile
import zoneinfo
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from audit.models import AuditEvent
from disputes.models import Dispute
from evaluations import pdf as evaluation_pdf
from evaluations import services as evaluation_services
from evaluations.models import CommissionEvaluation, Evaluation, EvaluationReaction, ItemProgress
from opp import adoption
from opp import consent_services as cs
from opp import content as opp_content
from opp.models import ConsentAnswer, ConsentRequest, Consultation, PlanVersion, Reaction, Suggestion
from portal import inzage
from tests.auth import login
from tests.conftest import PASSWORD
from tests.factories import (
    PlanFactory,
    PlanVersionFactory,
    StudentFactory,
    complete_version,
    consent_given,
    evaluation_data,
    fresh,
    parent_of,
    progress_for,
    ter_vaststelling,
)
from tests.pdfs import blank_pdf

AMS = zoneinfo.ZoneInfo("Europe/Amsterdam")
NOW = datetime.datetime(2026, 11, 28, 10, 0, tzinfo=AMS)
INTERNAL = "INTERN-7731"
COMMISSION_REPORT = "RAPPORTAGE-AAN-BESTUUR-5521"
IP = "203.0.113.77"
SERVER_MADE = re.compile(r"^(LEESMIJ\.txt|gegevens\.json|overzicht\.pdf|opp-\d+-versie-\d+\.pdf|evaluatie-\d{4}-\d{2}-\d{2}(-\d+)?\.pdf)$")
TOP_KEYS = {"toelichting", "gemaakt_op", "opgevraagd_via", "leerling", "ouders_met_gezag", "opps", "geschillen", "bestanden"}


pytestmark = pytest.mark.clock(NOW)


@pytest.fixture
def adopted(world, personas):
    """Sanne's version 1 set by the board the real way: consent (the mother in the portal from IP, the father on
    paper), submission, adoption with the PDF archived; then a reaction the school answered and an evaluation."""
    version = world.version_a
    reaction = cs.reaction_add(user=world.ouder_a, version=version, author_name="Mirjam Jansen",
                               text="Fijn plan. Groet, Zoë’s moeder")
    cs.reaction_respond(actor=personas.begeleider_a, reaction=reaction, response="Dank u, we houden u op de hoogte.")
    world.req_a = _consent_with_ip(version, personas)
    ter_vaststelling(version, by=personas.begeleider_a)
    adoption.adopt(actor=personas.bestuurder_a, version=fresh(version), password=PASSWORD)
    world.version_a = fresh(version)
    world.archived = (Path(django_settings.PRIVATE_MEDIA_ROOT) / world.version_a.archived_pdf).read_bytes()
    world.evaluation = evaluation_services.evaluation_record(
        actor=personas.begeleider_a, plan=world.version_a.plan, data=evaluation_data(NOW.date()),
        progress=progress_for(world.version_a))
    evaluation_services.reaction_add(user=world.ouder_a, evaluation=world.evaluation, author_name="Mirjam Jansen",
                                     text="Eens met de conclusie.")
    return world


def _consent_with_ip(version, personas):
    """Ask consent and let the mother answer in the portal from a known address before ter_vaststelling's own
    round; the request and answer stay on record (the later round decides)."""
    req = cs.request_send(actor=personas.begeleider_a, version=version)
    mother = next(p for p in req.parties if p["name"] == "Mirjam Jansen")
    cs.answer_in_portal(user=mother_user(version), request=req, party_kind="guardian", party_id=mother["id"],
                        answer="nee", explanation="Eerst nog een gesprek graag.", ip=IP)
    return req


def adopt_lotte(w):
    """Lotte's version 1 set (as PlanVersionFactory(adopted=True) sets one: no consent round, no archived PDF)."""

    version = PlanVersion.objects.prefetch_related("factors", "actions", "yields").get(pk=w.version_c.pk)
    at = NOW - datetime.timedelta(days=60)
    PlanVersion.objects.filter(pk=version.pk).update(
        state="vastgesteld", adopted_at=at, adopted_by=w.begeleider_a2, adopted_hash=opp_content.version_hash(version))
    return fresh(version)


def mother_user(version):
    return version.plan.student.guardian_links.get(guardian__name="Mirjam Jansen").guardian.user


def client_for(user) -> Client:
    return login(Client(), user)


def post_portal(user, student):
    return client_for(user).post(reverse("portal:inzage", args=[student.pk]))


def post_staff(user, student):
    return client_for(user).post(reverse("students:inzage", args=[student.pk]))


def zip_of(response) -> zipfile.ZipFile:
    assert response.status_code == 200
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def gegevens(archive: zipfile.ZipFile) -> dict:
    return json.loads(archive.read("gegevens.json").decode("utf-8"))


def all_text(archive: zipfile.ZipFile) -> str:
    """Every file of the ZIP as text: the JSON and LEESMIJ as they are, each PDF's extracted text."""
    parts = []
    for name in archive.namelist():
        raw = archive.read(name)
        if name.endswith(".pdf"):
            parts.append("\n".join(page.extract_text() for page in PdfReader(io.BytesIO(raw)).pages))
        else:
            parts.append(raw.decode("utf-8"))
    return "\n".join(parts)


def inzage_events():
    return list(AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT, object_type="students.student"))


# --- The parent's download ------------------------------------------------------------------------------------


def test_a_parent_with_gezag_downloads_one_zip_with_the_data_the_pdfs_and_a_readme(adopted):
    response = post_portal(adopted.ouder_a, adopted.sanne)
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == 'attachment; filename="inzage-SJ-2026-11-28.zip"'
    assert "no-store" in response["Cache-Control"]
    archive = zip_of(response)
    names = archive.namelist()
    assert sorted(names) == ["LEESMIJ.txt", "evaluatie-2026-11-28.pdf", "gegevens.json", "opp-1-versie-1.pdf",
                             "overzicht.pdf"]
    assert all(SERVER_MADE.match(n) for n in names)

    raw = archive.read("gegevens.json")
    assert "Zoë’s moeder".encode() in raw  # UTF-8, not \u-escaped
    data = json.loads(raw.decode("utf-8"))
    assert set(data) == TOP_KEYS
    assert "ouderportaal" in data["toelichting"]["algemeen"]
    assert data["opgevraagd_via"] == "portaal"
    assert data["gemaakt_op"] == "2026-11-28T10:00:00+01:00"

    pupil = data["leerling"]
    sanne = adopted.sanne
    assert (pupil["voornaam"], pupil["achternaam"], pupil["geboortedatum"]) == ("Sanne", "Jansen", sanne.date_of_birth.isoformat())
    assert pupil["school"] == {"naam": "School A", "brin": "01AA"}
    assert pupil["onderwijssoort"] == {"code": "bao", "omschrijving": "Basisonderwijs (bao)"}
    assert pupil["ingeschreven_op"] == "2026-09-01" and pupil["uiterste_datum_vaststelling_opp"] == "2026-10-13"
    assert pupil["ondersteuning"]["niveau"]["code"] == "extra"
    # Guardians with gezag only; the stepfather without gezag is not one of them.
    assert [g["naam"] for g in data["ouders_met_gezag"]] == ["Mirjam Jansen", "Pieter Jansen"]

    [plan] = data["opps"]
    [version] = plan["versies"]
    v = adopted.version_a
    assert version["nummer"] == 1 and version["status"]["code"] == "vastgesteld"
    assert version["vastgesteld_op"] == "2026-11-28T10:00:00+01:00" and version["bekendgemaakt_op"] == "2026-11-28"
    # Per party (issue 15): the mother was told in the portal on the day itself, with her own last day (R-GPO-2);
    # the father has no account and is not on record as told yet.
    assert version["bekendgemaakt_aan"] == [{"partij": "Mirjam Jansen", "hoe": {"code": "portaal", "omschrijving":
                                             "Portaal (bericht)"}, "bekendgemaakt_op": "2026-11-28",
                                             "uiterste_datum_geschil": "2027-01-09"}]
    assert version["hash_bij_vaststelling"] == v.adopted_hash == version["versiehash"]
    assert version["hash_gearchiveerde_pdf"] == v.archived_pdf_hash
    assert version["pdf"] == {"bestand": "opp-1-versie-1.pdf", "sha256": v.archived_pdf_hash, "bron": "archief"}
    assert [a["doel"] for a in version["inhoud"]["handelingsdeel"]] == list(v.actions.values_list("goal", flat=True))
    assert set(version["inhoud"]) >= {"uitstroom", "factoren", "handelingsdeel", "hoorrecht"}
    assert version["reacties"] == [{"naam": "Mirjam Jansen", "geplaatst_op": "2026-11-28T10:00:00+01:00",
                                    "reactie": "Fijn plan. Groet, Zoë’s moeder",
                                    "antwoord_school": "Dank u, we houden u op de hoogte.",
                                    "beantwoord_op": "2026-11-28T10:00:00+01:00"}]
    # Both consent rounds with their answers: party, answer, date, channel — and the mother's own explanation.
    first, second = version["instemming"]
    assert first["status"]["code"] == "geweigerd"
    assert [(a["partij"], a["antwoord"]["code"], a["kanaal"]["code"], a["toelichting"]) for a in first["antwoorden"]] == [
        ("Mirjam Jansen", "nee", "portaal", "Eerst nog een gesprek graag.")]
    assert second["status"]["code"] == "gegeven"
    assert second["hash_handelingsdeel"] == second_request(v).handelingsdeel_hash
    assert {(a["partij"], a["kanaal"]["code"]) for a in second["antwoorden"]} == {("Mirjam Jansen", "portaal"),
                                                                                ("Pieter Jansen", "papier")}
    assert next(a for a in second["antwoorden"] if a["kanaal"]["code"] == "papier")["ondertekend_op"] == "2026-11-28"

    assert [(c["datum"], c["overeenstemming"]["code"], c["verslag"]) for c in plan["overleggen"]] == [
        ("2026-09-20", "deels", "Besproken: extra leestijd."), ("2026-09-20", "ja", "Overeenstemming over het plan.")]
    [evaluation] = plan["evaluaties"]
    assert (evaluation["datum"], evaluation["schooljaar"], evaluation["besluit"]["code"]) == ("2026-11-28", "2026-2027", "voortzetten")
    assert evaluation["conclusie"] == "Goede voortgang; het plan loopt door."
    assert [p["voortgang"]["code"] for p in evaluation["voortgang"]] == ["behaald", "behaald"]
    assert [r["reactie"] for r in evaluation["reacties"]] == ["Eens met de conclusie."]
    assert data["bestanden"] == [
        {"naam": "opp-1-versie-1.pdf", "soort": "OPP-versie", "sha256": v.archived_pdf_hash},
        {"naam": "evaluatie-2026-11-28.pdf", "soort": "evaluatie",
         "sha256": hashlib.sha256(archive.read("evaluatie-2026-11-28.pdf")).hexdigest()}]

    readme = archive.read("LEESMIJ.txt").decode("utf-8")
    assert "Sanne Jansen" in readme and "gegevens.json" in readme and v.archived_pdf_hash in readme
    assert "Interne werkaantekeningen" in readme


def second_request(version):
    return ConsentRequest.objects.filter(version=version).order_by("-requested_at", "-pk").first()


def test_an_adopted_version_in_the_zip_is_the_archived_pdf_byte_for_byte(adopted):
    archive = zip_of(post_portal(adopted.ouder_a, adopted.sanne))
    pdf = archive.read("opp-1-versie-1.pdf")
    assert pdf.startswith(b"%PDF")
    assert pdf == adopted.archived
    assert hashlib.sha256(pdf).hexdigest() == adopted.version_a.archived_pdf_hash


def test_every_pdf_opens_and_the_evaluation_is_the_parents_copy(adopted):
    archive = zip_of(post_portal(adopted.ouder_a, adopted.sanne))
    for name in ("opp-1-versie-1.pdf", "evaluatie-2026-11-28.pdf"):
        raw = archive.read(name)
        assert raw.startswith(b"%PDF")
        assert "Sanne Jansen" in PdfReader(io.BytesIO(raw)).pages[0].extract_text()
    text = all_text(archive)
    assert "Goede voortgang; het plan loopt door." in text


def test_a_version_not_yet_adopted_is_rendered_as_the_portal_renders_it_and_a_concept_is_left_out(world, personas):
    # Sanne's version 1 is in overleg: the portal shows it, so it is in the ZIP, rendered now.
    archive = zip_of(post_portal(world.ouder_a, world.sanne))
    [version] = gegevens(archive)["opps"][0]["versies"]
    assert version["status"]["code"] == "in_overleg" and version["pdf"]["bron"] == "opnieuw_gemaakt"
    assert version["vastgesteld_op"] is None and version["hash_gearchiveerde_pdf"] is None
    assert archive.read("opp-1-versie-1.pdf").startswith(b"%PDF")
    assert "CONCEPT" in all_text(archive)  # the portal's PDF of a version not yet set carries the watermark

    # Bram's only version is back to concept: the portal shows no OPP, and neither does the ZIP.
    PlanVersion.objects.filter(pk=world.version_b.pk).update(state="concept")
    data = gegevens(zip_of(post_portal(world.ouder_b, world.bram)))
    assert data["opps"] == [] and data["bestanden"] == []
    assert [g["naam"] for g in data["ouders_met_gezag"]] == ["Bert Bakker"]


def test_a_revision_in_concept_is_not_in_the_zip(adopted, personas):
    PlanVersionFactory(plan=adopted.version_a.plan, state="concept", based_on=adopted.version_a, with_actions=1)
    data = gegevens(zip_of(post_portal(adopted.ouder_a, adopted.sanne)))
    assert [v["nummer"] for v in data["opps"][0]["versies"]] == [1]


def test_the_disputes_show_what_the_portal_shows(adopted, personas):
    Dispute.objects.create(plan=adopted.version_a.plan, version=adopted.version_a, subject="vaststelling",
                           filed_on=datetime.date(2026, 11, 28), hearing_on=datetime.date(2027, 1, 20),
                           late_reasons="INTERN-REDENEN-9", created_by=personas.geschillen_a)
    archive = zip_of(post_portal(adopted.ouder_a, adopted.sanne))
    assert gegevens(archive)["geschillen"] == [{
        "onderwerp": {"code": "vaststelling", "omschrijving": "Vaststelling van het OPP"},
        "ingediend_op": "2026-11-28",
        "status": "Het geschil is ingediend bij de Geschillencommissie passend onderwijs.",
        "zitting_op": "2027-01-20", "advies_commissie_op": None, "reactie_bestuur_verzonden_op": None,
        "afgerond": False}]
    assert "INTERN-REDENEN-9" not in all_text(archive)


# --- Nothing for staff only -------------------------------------------------------------------------------------


def test_no_staff_only_data_is_in_the_zip(adopted, personas):
    assert INTERNAL in fresh(adopted.consultation).internal_note
    archive = zip_of(post_portal(adopted.ouder_a, adopted.sanne))
    text = all_text(archive)
    assert INTERNAL not in text and "thuissituatie" not in text
    assert IP not in text  # the address an answer came from
    raw = archive.read("gegevens.json").decode("utf-8")
    for key in ('"ip', "internal_note", "interne_notitie", "scan", "wachtwoord", "password"):
        assert key not in raw
    assert adopted.vader.email not in text and "pieter@example.nl" not in text  # the other parent's contact details
    assert "Karel de Boer" not in text  # a guardian without gezag is not listed


def test_the_adult_pupil_downloads_their_own_file_without_the_commissions_report(world, personas, org):
    commissie = personas.commissie_a2
    version = adopt_lotte(world)
    plan = version.plan
    evaluation = evaluation_services.evaluation_record(
        actor=world.begeleider_a2, plan=plan, progress=progress_for(version),
        data=evaluation_data(datetime.date(2026, 11, 20), pupil_present=True))
    evaluation_services.commission_record(actor=commissie, plan=plan, data={
        "held_on": datetime.date(2026, 11, 21), "evaluation": "Loopt goed.", "report": COMMISSION_REPORT,
        "advice": CommissionEvaluation.Advice.GEEN})

    response = post_portal(world.leerling_c, world.lotte)
    archive = zip_of(response)
    data = gegevens(archive)
    assert data["leerling"]["voornaam"] == "Lotte"
    assert data["leerling"]["meerderjarig_en_handelingsbekwaam"] is True
    assert data["leerling"]["instemming_door"]["code"] == "leerling"
    [plan_data] = data["opps"]
    assert [v["nummer"] for v in plan_data["versies"]] == [1] and plan_data["versies"][0]["pdf"]["bron"] == "opnieuw_gemaakt"
    assert "commissie" in plan_data["versies"][0]["inhoud"]  # vso: the section on the commission's advice
    assert COMMISSION_REPORT not in all_text(archive)
    assert f"evaluatie-{evaluation.held_on.isoformat()}.pdf" in archive.namelist()
    [event] = inzage_events()
    assert (event.actor, event.details) == (world.leerling_c, {"kind": "inzage", "files": len(archive.namelist())})


def test_the_evaluation_pdf_in_the_zip_is_the_portals_parents_copy(world, personas):
    """portal.inzage renders the evaluation from prefetched rows; it must stay what the portal's download renders."""
    version = adopt_lotte(world)
    evaluation_services.evaluation_record(actor=world.begeleider_a2, plan=version.plan, progress=progress_for(version),
                                          data=evaluation_data(datetime.date(2026, 11, 20), pupil_present=True))
    evaluation_services.commission_record(actor=personas.commissie_a2, plan=version.plan, data={
        "held_on": datetime.date(2026, 11, 21), "evaluation": "Loopt goed.", "report": COMMISSION_REPORT,
        "advice": CommissionEvaluation.Advice.GEEN})
    loaded = inzage._load(world.lotte)
    [evaluation] = [e for p in loaded.plans for e in p.inzage_evaluations]
    ours = inzage._evaluation_html(evaluation, world.lotte)
    portal = evaluation_pdf.render_html(evaluation_pdf.load(evaluation.pk), for_staff=False)
    assert ours == portal
    assert COMMISSION_REPORT not in ours


# --- Who may download ---------------------------------------------------------------------------------------------


def test_the_child_page_offers_the_download_only_to_who_may_use_it(world):
    label = "Alle gegevens downloaden (inzage)"
    url = reverse("portal:inzage", args=[world.sanne.pk])
    page = client_for(world.ouder_a).get(reverse("portal:child", args=[world.sanne.pk])).content.decode()
    assert label in page and url in page
    page = client_for(world.stief_a).get(reverse("portal:child", args=[world.sanne.pk])).content.decode()
    assert "Sanne" in page and label not in page and url not in page
    page = client_for(world.leerling_c).get(reverse("portal:child", args=[world.lotte.pk])).content.decode()
    assert label in page and "over u laat zien" in page


def test_a_parent_of_another_child_gets_a_404(world):
    assert post_portal(world.ouder_b, world.sanne).status_code == 404
    assert post_portal(world.ouder_a, world.bram).status_code == 404
    assert inzage_events() == []


def test_a_guardian_without_gezag_sees_the_child_but_may_not_download(world):
    assert post_portal(world.stief_a, world.sanne).status_code == 403
    assert inzage_events() == []


def test_the_parents_of_an_adult_pupil_who_consents_alone_get_a_404(world):
    """R-TIME-4: not informed without the pupil's permission, so not in the portal, so no inzage either."""
    assert post_portal(world.ouder_c, world.lotte).status_code == 404


def test_an_outsider_gets_a_404_and_anonymous_goes_to_the_login(world, personas):
    assert post_portal(personas.outsider, world.sanne).status_code == 404
    response = Client().post(reverse("portal:inzage", args=[world.sanne.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_get_is_not_allowed(world, personas):
    assert client_for(world.ouder_a).get(reverse("portal:inzage", args=[world.sanne.pk])).status_code == 405
    assert client_for(personas.begeleider_a).get(reverse("students:inzage", args=[world.sanne.pk])).status_code == 405
    assert inzage_events() == []


def test_the_download_is_audited_with_counts_only(adopted):
    archive = zip_of(post_portal(adopted.ouder_a, adopted.sanne))
    [event] = inzage_events()
    assert event.actor == adopted.ouder_a and event.object_id == str(adopted.sanne.pk)
    assert event.school_id == adopted.sanne.school_id
    assert event.details == {"kind": "inzage", "files": len(archive.namelist())} == {"kind": "inzage", "files": 5}


# --- The school, on a formal request -------------------------------------------------------------------------------


def test_the_begeleider_exports_the_same_parents_copy_and_it_is_audited(adopted, personas):
    staff = zip_of(post_staff(personas.begeleider_a, adopted.sanne))
    parent = zip_of(post_portal(adopted.ouder_a, adopted.sanne))
    staff_data, parent_data = gegevens(staff), gegevens(parent)
    assert staff_data["opgevraagd_via"] == "school"
    for data in (staff_data, parent_data):
        data.pop("opgevraagd_via")
    assert staff_data == parent_data
    assert INTERNAL not in all_text(staff)
    event = AuditEvent.objects.filter(action="export", object_type="students.student", actor=personas.begeleider_a).get()
    assert event.details == {"kind": "inzage", "by": "school", "files": 5}


def test_the_schoolleider_may_export(world, personas):
    response = post_staff(personas.schoolleider_a, world.sanne)
    assert response["Content-Disposition"].startswith("attachment;")
    assert gegevens(zip_of(response))["leerling"]["voornaam"] == "Sanne"


@pytest.mark.parametrize("who", ["leerkracht_a"])
def test_a_read_only_role_gets_a_403(world, personas, who):
    assert post_staff(getattr(personas, who), world.sanne).status_code == 403
    assert inzage_events() == []


@pytest.mark.parametrize("who", ["begeleider_b", "bestuurder_a", "commissie_a2", "beheerder_a", "outsider"])
def test_staff_of_another_school_or_without_the_register_get_a_404(world, personas, who):
    assert post_staff(getattr(personas, who), world.sanne).status_code == 404
    assert inzage_events() == []


def test_a_parent_cannot_use_the_staff_export(world):
    assert post_staff(world.ouder_a, world.sanne).status_code in (302, 403, 404)
    assert inzage_events() == []


def test_the_pupil_page_has_the_export_button_for_writers_only(world, personas):
    url = reverse("students:inzage", args=[world.sanne.pk])
    page = client_for(personas.begeleider_a).get(reverse("students:detail", args=[world.sanne.pk])).content.decode()
    assert "Inzageverzoek: exporteer dossier" in page and url in page
    assert "interne notities" in page  # the help text says what is not in it
    page = client_for(personas.leerkracht_a).get(reverse("students:detail", args=[world.sanne.pk])).content.decode()
    assert "Inzageverzoek" not in page and url not in page


# --- Queries do not grow with the file -----------------------------------------------------------------------------


def _dossier(school, size: int, *, by):
    """A pupil whose plan has `size` adopted versions (archived PDFs), each with a consent round, a reaction and
    a consultation with a suggestion, and `size` evaluations with progress and a reaction; one dispute."""
    student = StudentFactory(school=school, support_level="extra", opp_required=True)
    guardian = parent_of(student, username=f"ouder_{size}")
    plan = PlanFactory(student=student, created_by=by)
    root = Path(django_settings.PRIVATE_MEDIA_ROOT)
    previous = None
    for n in range(1, size + 1):
        content = blank_pdf(pages=n)  # a distinct real PDF per version
        relative = f"archief/2026/opp-{plan.pk}-v{n}.pdf"
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_bytes(content)
        if previous is not None:
            PlanVersion.objects.filter(pk=previous.pk).update(state="vervangen", superseded_at=NOW)
        previous = PlanVersionFactory(plan=plan, with_actions=2, with_factors=1, uitstroom_profiel="vmbo_kb",
                                      based_on=previous, archived_pdf=relative,
                                      archived_pdf_hash=hashlib.sha256(content).hexdigest(),
                                      made_known_on=NOW.date(), adopted=True, adopted__at=NOW)
        request = ConsentRequest.objects.create(
            version=previous, handelingsdeel_hash="0" * 64, requested_by=by, state="gegeven",
            parties=[{"kind": "guardian", "id": guardian.pk, "name": guardian.name}])
        ConsentAnswer.objects.create(request=request, guardian=guardian, party_name=guardian.name, answer="ja",
                                     handelingsdeel_hash="0" * 64, user=guardian.user, channel="portaal", ip_address=IP)
        Reaction.objects.create(version=previous, author=guardian.user, author_name=guardian.name, text=f"Reactie {n}")
        consultation = Consultation.objects.create(plan=plan, version=previous, held_on=datetime.date(2026, 9, n),
                                                   agreement="ja", summary=f"Overleg {n}", created_by=by)
        Suggestion.objects.create(consultation=consultation, position=1, text=f"Suggestie {n}")
    for n in range(1, size + 1):
        evaluation = Evaluation.objects.create(
            plan=plan, version=previous, school_year="2026-2027", held_on=datetime.date(2026, 11, n),
            conclusion=f"Conclusie {n}", decision="voortzetten", created_by=by)
        for action in previous.actions.all():
            ItemProgress.objects.create(evaluation=evaluation, action=action, progress="behaald")
        EvaluationReaction.objects.create(evaluation=evaluation, author=guardian.user, author_name=guardian.name,
                                          text=f"Reactie op evaluatie {n}")
    Dispute.objects.create(plan=plan, version=previous, subject="vaststelling", filed_on=NOW.date(), created_by=by)
    return student


def test_the_number_of_queries_does_not_grow_with_versions_and_evaluations(clock, private, org, personas):
    small = _dossier(org.school_a, 1, by=personas.begeleider_a)
    large = _dossier(org.school_a, 3, by=personas.begeleider_a)
    counts = {}
    for student in (small, large):
        student = type(student).objects.select_related("school").get(pk=student.pk)
        with CaptureQueriesContext(connection) as queries:
            export = inzage.build_inzage_zip(student, requested_via=inzage.VIA_PORTAL)
        counts[student.pk] = len(queries)
        with export.file, zipfile.ZipFile(export.file) as archive:
            data = json.loads(archive.read("gegevens.json"))
        versions = data["opps"][0]["versies"]
        assert all(v["pdf"]["bron"] == "archief" for v in versions)
        assert len(versions) == len(data["opps"][0]["evaluaties"]) == (1 if student.pk == small.pk else 3)
    assert counts[small.pk] == counts[large.pk]


# --- The readable overview -----------------------------------------------------------------------------------------


def test_the_zip_has_a_readable_dutch_overview_next_to_the_json(adopted):
    archive = zip_of(post_portal(adopted.ouder_a, adopted.sanne))
    raw = archive.read("overzicht.pdf")
    assert raw.startswith(b"%PDF")
    text = " ".join("\n".join(page.extract_text() for page in PdfReader(io.BytesIO(raw)).pages).split())
    v = adopted.version_a
    assert "Inzage: overzicht van de gegevens" in text and "Sanne Jansen" in text
    assert "gemaakt op 28 november 2026" in text and "Vastgesteld op 28 november 2026" in text
    assert "Evaluatie van 28 november 2026" in text
    assert "2026-11-28" not in text.replace("evaluatie-2026-11-28.pdf", "")  # dates as people write them
    for goal in v.actions.values_list("goal", flat=True):
        assert " ".join(goal.split()) in text
    assert "Fijn plan. Groet, Zoë’s moeder" in text and "Mirjam Jansen" in text
    assert "Eerst nog een gesprek graag." in text
    # Nothing for staff only, and no fingerprints (those stay in gegevens.json and LEESMIJ.txt).
    assert INTERNAL not in text and IP not in text
    assert v.adopted_hash not in text.replace(" ", "") and v.archived_pdf_hash not in text.replace(" ", "")
    assert "overzicht.pdf" in archive.read("LEESMIJ.txt").decode("utf-8")


def test_the_overview_names_complete_consent_as_given(world, personas):
    """Bug 5 in one more place: the overview says what PlanVersion.status_label says, not the stored state."""
    complete_version(world.version_a, by=personas.begeleider_a)
    consent_given(world.version_a, by=personas.begeleider_a)
    raw = zip_of(post_portal(world.ouder_a, world.sanne)).read("overzicht.pdf")
    text = " ".join("\n".join(page.extract_text() for page in PdfReader(io.BytesIO(raw)).pages).split())
    assert "Versie 1 (instemming gegeven)" in text and "Versie 1 (instemming gevraagd)" not in text
