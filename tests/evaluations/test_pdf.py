"""An evaluation as a PDF (issue 8, part 6): what is in it, what it never fetches, who gets it.

The views are called as functions (RequestFactory, the user set on the request), so these tests do not
depend on the URL wiring. The PDFs are opened with pypdf and read as text; text in narrow table cells may
be hyphenated or wrapped, so comparisons drop whitespace and hyphens on both sides (`flat`).
"""

import datetime
import io
import re
import socket
import zoneinfo

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.test import RequestFactory
from pypdf import PdfReader

from accounts.models import Role
from audit.models import AuditEvent
from evaluations import pdf, pdf_views
from evaluations.models import CommissionEvaluation, Evaluation, EvaluationReaction, ItemProgress
from opp import pdf as opp_pdf
from opp.models import ActionItem, Plan, PlanVersion
from portal import pdf_views as portal_pdf_views
from tests.factories import PlanFactory, StudentFactory, UserFactory, member, parent_of

TZ = zoneinfo.ZoneInfo("Europe/Amsterdam")
ADOPTED_AT = datetime.datetime(2026, 11, 28, 14, 30, tzinfo=TZ)
HELD_ON = datetime.date(2027, 3, 15)
HOSTILE = ('<img src="file:///etc/passwd">', "http://169.254.169.254/")


def pages_of(data: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages]


def text_of(data: bytes) -> str:
    return "\n".join(pages_of(data))


def flat(text: str) -> str:
    return re.sub(r"[\s\-\u00ad\u2010]", "", text)


def adopted_version(student, *, by, adopter, goals):
    """A plan of `student` with version 1 adopted on ADOPTED_AT: items added to the concept, then frozen."""
    plan = Plan.objects.create(student=student, created_by=by)
    version = PlanVersion.objects.create(plan=plan, number=1, created_by=by)
    for n, (goal, criterion) in enumerate(goals, start=1):
        ActionItem.objects.create(version=version, position=n, goal=goal, approach="Dagelijks oefenen",
                                  who="Leerkracht", frequency="Dagelijks", evaluation_moment="Na 12 weken",
                                  evaluation_criterion=criterion)
    PlanVersion.objects.filter(pk=version.pk).update(state="vastgesteld", adopted_at=ADOPTED_AT, adopted_by=adopter,
                                                     adopted_hash="a" * 64)
    return PlanVersion.objects.get(pk=version.pk)


def evaluate(version, *, by, progress, **fields):
    values = {"school_year": "2026-2027", "held_on": HELD_ON, "parents_present": True, "pupil_present": False,
              "others_present": "", "pupil_view": "", "conclusion": "Het gaat goed.", "decision": "voortzetten"}
    values.update(fields)
    evaluation = Evaluation.objects.create(plan=version.plan, version=version, created_by=by, **values)
    for action, (state, note) in zip(version.actions.order_by("position"), progress, strict=True):
        ItemProgress.objects.create(evaluation=evaluation, action=action, progress=state, note=note)
    return pdf.load(evaluation.pk)


@pytest.fixture
def sanne(org, personas):
    """Sanne Jansen (school A, bao): version 1 adopted, evaluated on 15 March 2027 with her mother present;
    the plan continues; her mother reacted in the portal."""
    student = StudentFactory(school=org.school_a, first_name="Sanne", last_name="Jansen", opp_required=True,
                             support_level="extra")
    moeder = parent_of(student, name="Mirjam Jansen", username="ouder_a")
    version = adopted_version(student, by=personas.begeleider_a, adopter=personas.bestuurder_a, goals=[
        ("Sanne leest AVI E5 vloeiend", "AVI-toets E5 behaald"),
        ("Sanne vraagt zelf om hulp bij rekenen", "Drie keer per week zelf hulp gevraagd"),
    ])
    evaluation = evaluate(
        version, by=personas.begeleider_a,
        progress=[("behaald", "AVI E5 gehaald in februari."), ("deels", "Lukt in de kleine groep, nog niet in de klas.")],
        pupil_present=True, others_present="Intern begeleider, leerkracht groep 5",
        pupil_view="Sanne vindt lezen nu leuker en wil doorgaan met duolezen.",
        conclusion="De leesdoelen zijn behaald; het rekendoel loopt door.")
    EvaluationReaction.objects.create(evaluation=evaluation, author=moeder.user, author_name="Mirjam Jansen",
                                      text="Wij zijn blij met de vooruitgang.")
    return evaluation


@pytest.fixture
def lotte(org, personas):
    """Lotte Horizon (school A2, vso): evaluated and the plan ended; the commission evaluated this school
    year (shown) and last school year (not shown)."""
    commissie = personas.commissie_a2
    begeleider = member(Role.BEGELEIDER, school=org.school_a2, username="begeleider_a2")
    student = StudentFactory(school=org.school_a2, first_name="Lotte", last_name="Horizon", opp_required=True,
                             support_level="extra")
    version = adopted_version(student, by=begeleider, adopter=personas.bestuurder_a,
                              goals=[("Lotte plant haar stage zelfstandig", "Stageplanning zonder hulp")])
    Plan.objects.filter(pk=version.plan_id).update(state="beeindigd", ended_on=HELD_ON,
                                                   end_reason="Geen extra ondersteuning meer nodig.")
    CommissionEvaluation.objects.create(plan=version.plan, school_year="2026-2027", held_on=datetime.date(2027, 2, 1),
                                        evaluation="De commissie ziet goede vorderingen.",
                                        report="Verslag: doelen grotendeels behaald.", advice="terugplaatsing_vo",
                                        advice_text="Terugplaatsing naar het regulier onderwijs is haalbaar.",
                                        created_by=commissie)
    CommissionEvaluation.objects.create(plan=version.plan, school_year="2025-2026", held_on=datetime.date(2026, 3, 1),
                                        evaluation="Oude evaluatie van vorig schooljaar.", report="Oud verslag.",
                                        advice="geen", created_by=commissie)
    return evaluate(version, by=begeleider, progress=[("behaald", "")], decision="beeindigen",
                    end_reason="Lotte heeft geen extra ondersteuning meer nodig.",
                    conclusion="Alle doelen zijn behaald.")


# --- Content --------------------------------------------------------------------------------------------------


def test_the_pdf_has_the_title_the_pupil_the_items_the_views_the_decision_and_the_reactions(sanne):
    data = pdf.render_evaluation_pdf(sanne)
    assert data.startswith(b"%PDF")
    pages = pages_of(data)
    body = flat("\n".join(pages))
    for expected in (
        "Evaluatie van het ontwikkelingsperspectief", "Sanne Jansen", "School A (01AA)", "Basisonderwijs (bao)",
        "Schooljaar", "2026-2027", "15 maart 2027", "Versie 1, vastgesteld op 28 november 2026",
        # who took part
        "Ouders/verzorgers aanwezig", "Leerling aanwezig", "Intern begeleider, leerkracht groep 5",
        # the handelingsdeel: goal, progress and note per item
        "Doel", "Voortgang", "Toelichting",
        "Sanne leest AVI E5 vloeiend", "Behaald", "AVI E5 gehaald in februari.",
        "Sanne vraagt zelf om hulp bij rekenen", "Deels behaald", "Lukt in de kleine groep, nog niet in de klas.",
        # hoorrecht, conclusion, decision, reaction
        "De mening van de leerling (hoorrecht)", "Sanne vindt lezen nu leuker en wil doorgaan met duolezen.",
        "De leesdoelen zijn behaald; het rekendoel loopt door.", "Besluit", "Voortzetten",
        "Reactie van de ouders", "Mirjam Jansen", "Wij zijn blij met de vooruitgang.",
    ):
        assert flat(expected) in body, expected
    assert flat("Reden van beëindigen") not in body
    assert "commissie" not in body.lower()  # bao: no commission section
    # Running header and footer on every page: the pupil, the date, page x of y, the version's hash.
    for n, page in enumerate(pages, start=1):
        assert f"pagina {n} van {len(pages)}" in page
        assert flat("Evaluatie 15 maart 2027") in flat(page)
        assert "a" * 64 in flat(page)


def test_an_ended_vso_plan_shows_the_reason_and_this_years_commission_evaluations(lotte):
    body = flat(text_of(pdf.render_evaluation_pdf(lotte)))
    for expected in ("Lotte Horizon", "Voortgezet speciaal onderwijs", "Beëindigen",
                     "Reden van beëindigen", "Lotte heeft geen extra ondersteuning meer nodig.",
                     "Het OPP is beëindigd op 15 maart 2027.",
                     "Evaluatie door de commissie (schooljaar 2026-2027)", "Evaluatie van 1 februari 2027",
                     "De commissie ziet goede vorderingen.", "Verslag aan het bestuur",
                     "Verslag: doelen grotendeels behaald.", "Terugplaatsing naar het regulier voortgezet onderwijs (vo)",
                     "Terugplaatsing naar het regulier onderwijs is haalbaar.",
                     "Er is (nog) geen reactie gegeven."):
        assert flat(expected) in body, expected
    assert flat("Oude evaluatie van vorig schooljaar.") not in body


def test_the_parents_copy_leaves_out_the_commissions_report_to_the_board(lotte):
    body = flat(text_of(pdf.render_evaluation_pdf(lotte, for_staff=False)))
    assert flat("Lotte heeft geen extra ondersteuning meer nodig.") in body
    assert flat("Verslag: doelen grotendeels behaald.") not in body
    assert flat("Verslag aan het bestuur") not in body


# --- Nothing is fetched -----------------------------------------------------------------------------------------


@pytest.fixture
def no_network(monkeypatch):
    """Every attempt to open a connection is recorded and fails."""
    attempts = []

    def refuse(self_or_address, *args, **kwargs):
        attempts.append(args[0] if args else self_or_address)
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    return attempts


@pytest.fixture
def fetch_spy(monkeypatch):
    asked = []

    class SpyFetcher(opp_pdf.SafeFetcher):
        def fetch(self, url, headers=None):
            asked.append(url)
            return super().fetch(url, headers)

    monkeypatch.setattr(opp_pdf, "SafeFetcher", SpyFetcher)
    return asked


def test_the_pdf_goes_through_the_opp_safe_fetcher(sanne, fetch_spy, no_network):
    """Control: the render uses opp.pdf's fetcher — raw markup injected into the template would reach it."""
    html = pdf.render_html(sanne).replace("</body>", '<img src="http://169.254.169.254/"></body>')
    assert opp_pdf.html_to_pdf(html).startswith(b"%PDF")
    assert "http://169.254.169.254/" in fetch_spy
    assert no_network == []


def test_hostile_text_renders_as_text_and_nothing_is_fetched(sanne, fetch_spy, no_network, caplog):
    hostile = "\n".join(HOSTILE)
    Evaluation.objects.filter(pk=sanne.pk).update(conclusion=hostile, pupil_view=hostile)
    ItemProgress.objects.filter(evaluation=sanne).update(note=HOSTILE[0])
    EvaluationReaction.objects.filter(evaluation=sanne).update(text=hostile)
    evaluation = pdf.load(sanne.pk)

    html = pdf.render_html(evaluation)
    assert HOSTILE[0] not in html
    assert "&lt;img src=&quot;file:///etc/passwd&quot;&gt;" in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(file:|http://169)""", html)

    data = pdf.render_evaluation_pdf(evaluation)
    assert not PdfReader(io.BytesIO(data)).attachments
    body = flat(text_of(data))
    assert body.count(flat(HOSTILE[0])) >= 5  # conclusion, hoorrecht, reaction, two notes
    assert body.count(flat(HOSTILE[1])) >= 3
    assert not [url for url in fetch_spy if "169.254" in url or "passwd" in url or url.startswith("http")]
    assert no_network == []
    assert "passwd" not in caplog.text and "169.254" not in caplog.text


# --- The views --------------------------------------------------------------------------------------------------


def get(view, user, pk, method="get"):
    request = getattr(RequestFactory(), method)(f"/x/{pk}/pdf/")
    request.user = user
    return view(request, pk)


def assert_pdf_download(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert response["Content-Disposition"] == 'attachment; filename="evaluatie-SJ-2027-03-15.pdf"'
    assert "Sanne" not in response["Content-Disposition"] and "Jansen" not in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"].split(", ")
    assert response["X-Content-Type-Options"] == "nosniff"


def exports(user, evaluation):
    return AuditEvent.objects.filter(actor=user, action="export", object_type="evaluations.evaluation",
                                     object_id=str(evaluation.pk), details={"format": "pdf"},
                                     school_id=evaluation.plan.student.school_id).count()


@pytest.mark.parametrize("persona", ["begeleider_a", "leerkracht_a", "schoolleider_a", "bestuurder_a"])
def test_staff_of_the_pupils_school_download_it_and_the_export_is_audited(sanne, personas, persona):
    user = getattr(personas, persona)
    response = get(pdf_views.evaluation_pdf, user, sanne.pk)
    assert_pdf_download(response)
    assert flat("Sanne Jansen") in flat(text_of(response.content))
    assert exports(user, sanne) == 1


@pytest.mark.parametrize("persona", ["begeleider_b", "bestuurder_b", "commissie_a2", "beheerder_a", "outsider"])
def test_staff_outside_reach_get_404_and_nothing_is_audited(sanne, personas, persona):
    with pytest.raises(Http404):
        get(pdf_views.evaluation_pdf, getattr(personas, persona), sanne.pk)
    assert not AuditEvent.objects.filter(action="export").exists()


def test_an_unknown_evaluation_is_404(sanne, personas):
    with pytest.raises(Http404):
        get(pdf_views.evaluation_pdf, personas.begeleider_a, sanne.pk + 1000)
    with pytest.raises(Http404):
        get(portal_pdf_views.portal_evaluation_pdf, sanne.plan.student.guardian_links.first().guardian.user, sanne.pk + 1000)


def test_the_commission_of_a_vso_school_downloads_its_own_pupils_evaluation(lotte, personas):
    response = get(pdf_views.evaluation_pdf, personas.commissie_a2, lotte.pk)
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="evaluatie-LH-2027-03-15.pdf"'


def test_the_pupils_parent_downloads_it_from_the_portal(sanne):
    parent = sanne.plan.student.guardian_links.get().guardian.user
    response = get(portal_pdf_views.portal_evaluation_pdf, parent, sanne.pk)
    assert_pdf_download(response)
    assert flat("Wij zijn blij met de vooruitgang.") in flat(text_of(response.content))
    assert exports(parent, sanne) == 1


def test_another_parent_and_staff_get_404_from_the_portal(sanne, personas):
    other_child = StudentFactory(school=sanne.plan.student.school, first_name="Bram", last_name="Bakker")
    other_parent = parent_of(other_child, name="Bert Bakker", username="ouder_b").user
    for user in (other_parent, UserFactory(username="vreemde"), personas.begeleider_a):
        with pytest.raises(Http404):
            get(portal_pdf_views.portal_evaluation_pdf, user, sanne.pk)
    assert not AuditEvent.objects.filter(action="export").exists()


def test_a_parent_cannot_use_the_staff_view(sanne):
    parent = sanne.plan.student.guardian_links.get().guardian.user
    with pytest.raises(Http404):
        get(pdf_views.evaluation_pdf, parent, sanne.pk)


def test_anonymous_goes_to_login_and_post_is_not_allowed(sanne, personas):
    for view in (pdf_views.evaluation_pdf, portal_pdf_views.portal_evaluation_pdf):
        response = get(view, AnonymousUser(), sanne.pk)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert get(pdf_views.evaluation_pdf, personas.begeleider_a, sanne.pk, method="post").status_code == 405
    parent = sanne.plan.student.guardian_links.get().guardian.user
    assert get(portal_pdf_views.portal_evaluation_pdf, parent, sanne.pk, method="post").status_code == 405
    assert not AuditEvent.objects.filter(action="export").exists()


def test_filename_has_initials_only():
    student = StudentFactory.build(first_name="Özlem", last_name="van der Çelik")
    evaluation = Evaluation(held_on=HELD_ON, plan=PlanFactory.build(student=student))
    assert pdf_views.pdf_filename(evaluation) == "evaluatie-OC-2027-03-15.pdf"


def test_the_wired_urls_serve_the_same_views_if_present(sanne):
    """When the URL owner has wired evaluations:pdf and portal:evaluation_pdf, they reach these views."""
    from django.urls import NoReverseMatch, resolve, reverse

    for name, view in (("evaluations:pdf", pdf_views.evaluation_pdf),
                       ("portal:evaluation_pdf", portal_pdf_views.portal_evaluation_pdf)):
        try:
            url = reverse(name, args=[sanne.pk])
        except NoReverseMatch:
            continue
        assert resolve(url).func is view
