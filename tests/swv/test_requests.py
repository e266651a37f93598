"""A request to the SWV end to end (swv.requests and its pages): the state machine, who is told and may react
(R-TIME-4), the email without plan content, the hand-in audit, the decision turning into a TLV, who reaches what."""

import datetime
import json

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from evaluations import services as evaluation_services
from notifications.models import Notification
from swv import requests as swv_requests
from swv.models import AdmissionDecision, SwvRequest
from tests.factories import (
    PlanFactory,
    PlanVersionFactory,
    StudentFactory,
    UserFactory,
    adopted_plan,
    evaluation_data,
    parent_of,
    progress_for,
)

D = datetime.date
S = SwvRequest.State
pytestmark = pytest.mark.usefixtures("clock")  # 25 September 2026

#: Text that lives only in the plan and the request: it may reach the portal and the package, never an email.
SECRET_VIEW = "Ik wil niet naar een andere school XK-4471"


@pytest.fixture
def rq(swv_world):
    """Lotte (vso, A2) with an adopted OPP carrying a distinctive pupil view, an evaluation, her mother
    (gezag, portal account), her father (gezag, no account) and a stepfather (no gezag, portal account)."""
    w = swv_world
    plan = PlanFactory(student=w.pupil, created_by=w.begeleider)
    version = PlanVersionFactory(plan=plan, with_actions=2, with_factors=2, uitstroom_profiel="vmbo_kb",
                                 leerling_mening=SECRET_VIEW, adopted=True)
    evaluation = evaluation_services.evaluation_record(actor=w.begeleider, plan=version.plan,
                                                       data=evaluation_data(D(2026, 9, 25)),
                                                       progress=progress_for(version))
    w.version, w.evaluation = version, evaluation
    w.moeder = parent_of(w.pupil, name="Anja Horizonbeek", username="moeder_lotte")
    w.vader = parent_of(w.pupil, name="Kees Horizonbeek", email="kees@example.nl")
    w.stief = parent_of(w.pupil, name="Rob Stief", username="stief_lotte", has_gezag=False)
    return w


def _compose(w, **kw):
    values = {"actor": w.begeleider, "student": w.pupil, "kind": "tlv", "samenwerkingsverband": w.swv,
              "version": w.version, "evaluation": w.evaluation, "note": "Graag een TLV categorie midden."}
    return swv_requests.compose(**(values | kw))


def as_(user) -> Client:
    """A client of its own per user: the pages below interleave the school's and the parents' requests."""
    client = Client()
    client.force_login(user)
    return client


def _fresh(req):
    return SwvRequest.objects.get(pk=req.pk)


# --- The state machine ------------------------------------------------------------------------------------------------


def test_the_transition_table():
    assert swv_requests.allowed("inform", S.CONCEPT) and not swv_requests.allowed("inform", S.BIJ_OUDERS)
    assert swv_requests.allowed("react", S.BIJ_OUDERS)
    assert not any(swv_requests.allowed("react", s) for s in S.values if s != S.BIJ_OUDERS)
    assert not swv_requests.allowed("hand_in", S.BIJ_OUDERS) and swv_requests.allowed("hand_in", S.KLAAR)
    assert not any(swv_requests.allowed("withdraw", s) for s in (S.TOEGEKEND, S.AFGEWEZEN, S.INGETROKKEN))
    assert not any(swv_requests.allowed(a, S.INGETROKKEN) for a in swv_requests.TRANSITIONS)


def test_illegal_steps_are_refused(rq):
    w = rq
    req = _compose(w)
    assert req.state == S.CONCEPT and req.created_by == w.begeleider
    with pytest.raises(ValidationError):
        swv_requests.react(user=w.moeder.user, request=req, text="Te vroeg")  # not told yet
    with pytest.raises(ValidationError):
        swv_requests.mark_ready(actor=w.begeleider, request=req)
    with pytest.raises(ValidationError):
        swv_requests.hand_in(actor=w.begeleider, request=req, handed_in_on=D(2026, 9, 25), channel="kindkans")
    with pytest.raises(ValidationError):
        swv_requests.decide(actor=w.begeleider, request=req, outcome=S.AFGEWEZEN, decided_on=D(2026, 9, 25))
    with pytest.raises(ValidationError):
        swv_requests.export_package(actor=w.begeleider, request=req, what="pdf")
    req = swv_requests.inform_parents(actor=w.begeleider, request=req)
    assert req.state == S.BIJ_OUDERS and req.parents_informed_at is not None
    with pytest.raises(ValidationError):
        swv_requests.inform_parents(actor=w.begeleider, request=req)
    with pytest.raises(ValidationError):
        swv_requests.hand_in(actor=w.begeleider, request=req, handed_in_on=D(2026, 9, 25), channel="kindkans")
    with pytest.raises(ValidationError) as err:
        swv_requests.withdraw(actor=w.begeleider, request=req, reason="  ")
    assert "reason" in err.value.message_dict
    req = swv_requests.withdraw(actor=w.begeleider, request=req, reason="De ouders kiezen een andere school.")
    assert req.state == S.INGETROKKEN and req.withdrawn_reason
    for step in (lambda: swv_requests.withdraw(actor=w.begeleider, request=req, reason="nog eens"),
                 lambda: swv_requests.mark_ready(actor=w.begeleider, request=req),
                 lambda: swv_requests.react(user=w.moeder.user, request=req, text="Later")):
        with pytest.raises(ValidationError):
            step()
    assert _fresh(req).state == S.INGETROKKEN
    row = AuditEvent.objects.filter(object_type="swv.swvrequest", action="transition").order_by("pk").last()
    assert row.details == {"from": S.BIJ_OUDERS, "to": S.INGETROKKEN}


def test_only_the_schools_staff_compose(rq, personas):
    from django.core.exceptions import PermissionDenied

    for outsider in (rq.sbo_begeleider, personas.bestuurder_a):
        with pytest.raises(PermissionDenied):
            _compose(rq, actor=outsider)
    assert not SwvRequest.objects.exists()


def test_an_extension_needs_a_tlv_and_names_it(rq):
    with pytest.raises(ValidationError) as err:
        _compose(rq, kind="verlenging")
    assert "kind" in err.value.message_dict
    tlv = AdmissionDecision.objects.create(
        student=rq.pupil, kind="tlv", samenwerkingsverband=rq.swv, decision_number="TLV-1", decided_on=D(2024, 7, 1),
        onderwijssoort="vso", category="laag", starts_on=D(2024, 8, 1), ends_on=D(2027, 7, 31), recorded_by=rq.begeleider)
    assert _compose(rq, kind="verlenging").extends == tlv


# --- The parties and the email ----------------------------------------------------------------------------------------


def test_the_guardians_with_gezag_are_told_without_plan_content(rq):
    req = _compose(rq)
    swv_requests.inform_parents(actor=rq.begeleider, request=req)
    sent = list(Notification.objects.filter(kind="swv_request"))
    # The mother (gezag, account) only: the father has no account, the stepfather no gezag.
    assert [n.recipient for n in sent] == [rq.moeder.user]
    mail = sent[0]
    assert mail.subject_type == "swv.swvrequest" and mail.subject_id == str(req.pk)
    whole = " ".join((mail.subject_line, mail.body_text, mail.body_html))
    goal = rq.version.actions.order_by("position").first().goal
    for secret in (SECRET_VIEW, goal, "Graag een TLV categorie midden", "Vindt het lezen in het groepje fijn"):
        assert secret not in whole
    assert "/portaal/" in mail.body_text and "Lotte" in mail.subject_line
    row = AuditEvent.objects.get(object_type="swv.swvrequest", action="transition")
    assert row.details["to"] == S.BIJ_OUDERS
    assert sorted(row.details["parties"]) == sorted([f"guardian:{rq.moeder.pk}", f"guardian:{rq.vader.pk}"])


def test_without_a_party_the_parents_cannot_be_told(swv_world):
    adopted_plan(swv_world.pupil, by=swv_world.begeleider)
    req = swv_requests.compose(actor=swv_world.begeleider, student=swv_world.pupil, kind="tlv",
                               samenwerkingsverband=swv_world.swv)
    with pytest.raises(ValidationError):
        swv_requests.inform_parents(actor=swv_world.begeleider, request=req)
    assert _fresh(req).state == S.CONCEPT


def test_an_adult_pupil_is_told_instead_of_the_parents(swv_world):
    """R-TIME-4: the adult, handelingsbekwame pupil who decides alone is the party; the parents neither hear of the
    request nor see it in the portal."""
    w = swv_world
    adult = StudentFactory(school=w.school, first_name="Mila", last_name="Zelfstandig", onderwijssoort="vso",
                           date_of_birth=D(2006, 3, 1), handelingsbekwaam=True, consent_party="leerling",
                           parents_informed=False, portal_user=UserFactory(username="mila", email="mila@example.nl"))
    mother = parent_of(adult, name="Moeder Zelfstandig", username="moeder_mila")
    req = swv_requests.compose(actor=w.begeleider, student=adult, kind="arrangement", samenwerkingsverband=w.swv)
    assert [p["kind"] for p in swv_requests.parties(adult)] == ["pupil"]
    swv_requests.inform_parents(actor=w.begeleider, request=req)
    assert [n.recipient for n in Notification.objects.filter(kind="swv_request")] == [adult.portal_user]
    assert "Beste Mila" in Notification.objects.get(kind="swv_request").body_text
    with pytest.raises(ValidationError):
        swv_requests.react(user=mother.user, request=req, text="Ik ben de moeder")
    swv_requests.react(user=adult.portal_user, request=req, text="Ik wil dit zelf graag.")
    assert req.reactions.get().author_name == adult.full_name
    # In the portal: the pupil reads and reacts, the mother does not reach it.
    assert as_(mother.user).get(reverse("portal:swv_request", args=[req.pk])).status_code == 404
    page = as_(adult.portal_user).get(reverse("portal:swv_request", args=[req.pk]))
    assert page.status_code == 200 and "Ik wil dit zelf graag." in page.content.decode()


def test_only_a_party_reacts_and_only_while_bij_ouders(rq):
    req = swv_requests.inform_parents(actor=rq.begeleider, request=_compose(rq))
    with pytest.raises(ValidationError):
        swv_requests.react(user=rq.stief.user, request=req, text="Ik ben geen partij")
    with pytest.raises(ValidationError) as err:
        swv_requests.react(user=rq.moeder.user, request=req, text="   ")
    assert "text" in err.value.message_dict
    reaction = swv_requests.react(user=rq.moeder.user, request=req, text="Wij steunen de aanvraag.")
    assert (reaction.author, reaction.author_name) == (rq.moeder.user, "Anja Horizonbeek")
    assert AuditEvent.objects.filter(object_type="swv.swvrequestreaction", action="create").count() == 1


# --- The pages, end to end -------------------------------------------------------------------------------------------


def test_the_whole_request_through_the_pages(rq, personas):
    w = rq
    staff = as_(w.begeleider)
    page = staff.get(reverse("swv:request_compose", args=[w.pupil.pk]))
    assert page.status_code == 200
    initial = page.context["form"].initial
    assert (initial["version"], initial["evaluation"], initial["samenwerkingsverband"]) == (
        w.version.pk, w.evaluation.pk, w.swv.pk)
    response = staff.post(reverse("swv:request_compose", args=[w.pupil.pk]), {
        "kind": "tlv", "samenwerkingsverband": w.swv.pk, "version": w.version.pk, "evaluation": w.evaluation.pk,
        "share_factors": "on", "share_pupil_view": "on", "note": "Graag een TLV."})
    req = SwvRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("swv:request_detail", args=[req.pk])
    preview = staff.get(reverse("swv:request_detail", args=[req.pk])).content.decode()
    assert "Het OPP, versie 1" in preview and "De mening van de leerling (hoorrecht)" in preview
    assert "Anja Horizonbeek" in preview  # who will be told

    # The parents: nothing in the portal before they are told.
    mother = as_(w.moeder.user)
    assert mother.get(reverse("portal:swv_request", args=[req.pk])).status_code == 404
    assert staff.post(reverse("swv:request_inform", args=[req.pk])).status_code == 302
    listing = mother.get(reverse("portal:swv_requests", args=[w.pupil.pk]))
    assert listing.status_code == 200 and reverse("portal:swv_request", args=[req.pk]) in listing.content.decode()
    page = mother.get(reverse("portal:swv_request", args=[req.pk])).content.decode()
    assert "De evaluatie van 25 september 2026" in page and "Reactie versturen" in page
    mother.post(reverse("portal:swv_request", args=[req.pk]), {"text": "Wij zijn het eens met de aanvraag."})
    assert req.reactions.get().text == "Wij zijn het eens met de aanvraag."
    # The stepfather (no gezag) reads but cannot react.
    stief = as_(w.stief.user)
    page = stief.get(reverse("portal:swv_request", args=[req.pk])).content.decode()
    assert "Wij zijn het eens" in page and "Reactie versturen" not in page
    stief.post(reverse("portal:swv_request", args=[req.pk]), {"text": "Toch"})
    assert req.reactions.count() == 1
    # Staff see the reaction, then mark it klaar: the package is made once.
    assert "Wij zijn het eens met de aanvraag." in staff.get(reverse("swv:request_detail", args=[req.pk])).content.decode()
    assert staff.post(reverse("swv:request_ready", args=[req.pk])).status_code == 302
    req.refresh_from_db()
    assert req.state == S.KLAAR and len(req.package_sha256) == 64 and req.package_pdfa
    mother.post(reverse("portal:swv_request", args=[req.pk]), {"text": "Te laat"})
    assert req.reactions.count() == 1

    # Downloads: the same PDF every time, each audited with the request and the SWV.
    first = staff.get(reverse("swv:request_pdf", args=[req.pk]))
    second = staff.get(reverse("swv:request_pdf", args=[req.pk]))
    assert first.status_code == 200 and first["Content-Type"] == "application/pdf"
    assert first.content == second.content and first.content.startswith(b"%PDF")
    data = json.loads(staff.get(reverse("swv:request_json", args=[req.pk])).content)
    assert data["pdf"]["sha256"] == req.package_sha256
    assert [r["text"] for r in data["parents_view"]] == ["Wij zijn het eens met de aanvraag."]
    exports = AuditEvent.objects.filter(object_type="swv.swvrequest", action="export")
    assert exports.count() == 3
    assert {e.details["file"] for e in exports} == {"pdf", "json"}
    assert all(e.details["samenwerkingsverband"] == w.swv.pk and e.details["request"] == req.pk for e in exports)
    # The bestuurder reads the request and downloads; changes nothing.
    board = as_(personas.bestuurder_a)
    assert board.get(reverse("swv:request_detail", args=[req.pk])).status_code == 200
    assert board.post(reverse("swv:request_hand_in", args=[req.pk]), {}).status_code == 403

    # Hand-in: a future date is refused; then recorded with the channel.
    staff.post(reverse("swv:request_hand_in", args=[req.pk]),
               {"handed_in_on": "2026-09-30", "channel": "kindkans", "channel_detail": ""})
    assert _fresh(req).state == S.KLAAR
    staff.post(reverse("swv:request_hand_in", args=[req.pk]),
               {"handed_in_on": "2026-09-25", "channel": "kindkans", "channel_detail": "dossier KK-1234"})
    req.refresh_from_db()
    assert (req.state, req.channel, req.handed_in_by) == (S.INGEDIEND, "kindkans", w.begeleider)
    row = AuditEvent.objects.get(object_type="swv.swvrequest", action="transition", details__to=S.INGEDIEND)
    assert row.details["channel"] == "kindkans" and row.details["channel_detail"] == "dossier KK-1234"
    assert row.details["samenwerkingsverband"] == w.swv.pk and row.details["handed_in_on"] == "2026-09-25"
    assert row.school_id == w.school.pk
    # The mother sees it ingediend (all states are shown).
    assert "Ingediend bij het samenwerkingsverband" in mother.get(
        reverse("portal:swv_requests", args=[w.pupil.pk])).content.decode()

    # The SWV grants: a TLV is recorded from the request (category required for vso, swv.rules).
    response = staff.post(reverse("swv:request_decide", args=[req.pk]), {
        "outcome": "toegekend", "decided_on": "2026-09-25", "note": "", "decision_number": "TLV-2026-77",
        "onderwijssoort": "vso", "category": "", "starts_on": "2026-10-01", "ends_on": "2028-07-31"})
    assert response.status_code == 200 and not AdmissionDecision.objects.exists()
    staff.post(reverse("swv:request_decide", args=[req.pk]), {
        "outcome": "toegekend", "decided_on": "2026-09-25", "note": "Toegekend tot einde schooljaar 2028.",
        "decision_number": "TLV-2026-77", "onderwijssoort": "vso", "category": "hoog", "starts_on": "2026-10-01",
        "ends_on": "2028-07-31"})
    req.refresh_from_db()
    decision = AdmissionDecision.objects.get()
    assert (req.state, req.decided_on) == (S.TOEGEKEND, D(2026, 9, 25))
    assert (decision.request, decision.samenwerkingsverband, decision.category, decision.decision_number,
            decision.based_on_version) == (req, w.swv, "hoog", "TLV-2026-77", w.version)
    assert staff.post(reverse("swv:request_withdraw", args=[req.pk]), {"reason": "Te laat"}).status_code == 200
    assert _fresh(req).state == S.TOEGEKEND


def test_an_arrangement_decision_stays_on_the_request(rq):
    req = _compose(rq, kind="arrangement")
    SwvRequest.objects.filter(pk=req.pk).update(state=S.INGEDIEND, handed_in_at="2026-09-20T10:00:00Z",
                                                channel="beveiligde_mail")
    req = swv_requests.decide(actor=rq.begeleider, request=_fresh(req), outcome=S.TOEGEKEND,
                              decided_on=D(2026, 9, 24), note="Arrangement lezen, 2 uur per week.")
    assert (req.state, req.decision_note) == (S.TOEGEKEND, "Arrangement lezen, 2 uur per week.")
    assert not AdmissionDecision.objects.exists()
    other = _compose(rq, kind="tlv")
    SwvRequest.objects.filter(pk=other.pk).update(state=S.INGEDIEND, handed_in_at="2026-09-20T10:00:00Z",
                                                  channel="kindkans")
    other = swv_requests.decide(actor=rq.begeleider, request=_fresh(other), outcome=S.AFGEWEZEN,
                                decided_on=D(2026, 9, 24), note="Eerst een arrangement proberen.")
    assert (other.state, other.decided_on) == (S.AFGEWEZEN, D(2026, 9, 24)) and not AdmissionDecision.objects.exists()


def test_other_schools_and_other_parents_do_not_reach_a_request(rq, personas):
    req = swv_requests.inform_parents(actor=rq.begeleider, request=_compose(rq))
    for user in (rq.sbo_begeleider, personas.begeleider_b, personas.bestuurder_b):
        client = as_(user)
        for name in ("swv:request_detail", "swv:request_pdf", "swv:request_withdraw"):
            assert client.get(reverse(name, args=[req.pk])).status_code == 404, (user, name)
        assert client.get(reverse("swv:request_list", args=[rq.pupil.pk])).status_code == 404
    other_parent = parent_of(StudentFactory(school=rq.school), name="Ander", username="ouder_ander")
    client = as_(other_parent.user)
    assert client.get(reverse("portal:swv_request", args=[req.pk])).status_code == 404
    assert client.get(reverse("portal:swv_requests", args=[rq.pupil.pk])).status_code == 404
    # A school's staff member who only reads (the bestuurder of the board) is refused every write.
    board = as_(personas.bestuurder_a)
    assert board.post(reverse("swv:request_inform", args=[req.pk])).status_code == 403
    assert board.get(reverse("swv:request_compose", args=[rq.pupil.pk])).status_code == 403
