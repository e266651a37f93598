"""Bekendmaking per party (issue 15, points 6 and 4b): who must be told (R-GPO-7, R-TIME-4), the day each party was
told and its own last day at the GPO (R-GPO-2), the school's record of a letter, the letter itself, what the parent
sees, a withdrawal notice without the GPO route (R-GPO-6, GPO 108928), disputes, retention and the data migration.

Cast (tests.factories.portal_world): Sanne Jansen (school A; moeder ``ouder_a`` with gezag and a portal account,
vader Pieter with gezag but no account, stepfather ``stief_a`` without gezag) and the adult vso pupil Lotte Horizon
(``leerling_c``, consents alone; her moeder ``ouder_c`` is not informed). The board adopts Sanne's version 1 on
1 March 2027; the father is told on paper on 15 March 2027, so his last day is 26 April 2027 and hers 12 April.
"""

import datetime
import io
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from audit.models import AuditEvent
from notifications.models import Notification
from opp import adoption, bekendmaking, rules, selectors
from opp import services as opp_services
from opp.consent import GuardianFact, Party
from opp.models import Bekendmaking
from tests.conftest import PASSWORD
from tests.factories import (
    StudentFactory,
    UserFactory,
    fresh,
    parent_of,
    ter_vaststelling,
)

AMS = zoneinfo.ZoneInfo("Europe/Amsterdam")
D = datetime.date
ADOPTED = D(2027, 3, 1)
PAPER = D(2027, 3, 15)
NOW = datetime.datetime(2027, 3, 1, 10, 0, tzinfo=AMS)


pytestmark = pytest.mark.clock(NOW)


@pytest.fixture
def adopted(world, personas):
    """Sanne's version 1, adopted by the board on 1 March 2027 (the mother is told in the portal that day)."""
    version = ter_vaststelling(world.version_a, by=personas.begeleider_a)
    adoption.adopt(actor=personas.bestuurder_a, version=version, password=PASSWORD)
    world.version_a = fresh(version)
    return world


@pytest.fixture
def on_paper(adopted, personas, clock):
    """Two weeks later the school hands the father the letter and records it."""
    clock.move_to(datetime.datetime(2027, 3, 15, 11, 0, tzinfo=AMS))
    adopted.paper_row = record(personas.begeleider_a, adopted.version_a, ("guardian", adopted.vader.pk))
    return adopted


def record(actor, subject, party, channel="brief", day=PAPER):
    return bekendmaking.bekendmaking_record(actor=actor, version_or_plan=subject, party=party, channel=channel,
                                            made_known_on=day)


def statuses(subject) -> dict:
    return {s.party.name: s for s in bekendmaking.overview(subject)["parties"]}


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def pdf_text(content: bytes) -> str:
    """The PDF's text without whitespace (pypdf does not always keep the spaces between words)."""
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return "".join(text.split())


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def squeeze(text: str) -> str:
    return "".join(text.split())


# --- Who must be told (pure: R-GPO-7, R-TIME-4) -------------------------------------------------------------------

GUARDIANS = [GuardianFact(1, "Moeder", True), GuardianFact(2, "Vader", True), GuardianFact(3, "Stiefvader", False)]


def test_every_guardian_with_gezag_must_be_told_r_gpo_7():
    parties = rules.parties_to_tell(pupil_id=9, pupil_name="Sanne", handelingsbekwaam=False, consent_party="",
                                    parents_informed=False, guardians=GUARDIANS)
    assert parties == (Party("guardian", 1, "Moeder"), Party("guardian", 2, "Vader"))


@pytest.mark.parametrize("consent_party, informed, parents_told", [
    ("leerling", False, False), ("", False, False), ("leerling", True, True), ("leerling_en_ouders", False, True)])
def test_an_adult_pupil_is_told_and_his_parents_only_with_his_permission_r_time_4(consent_party, informed,
                                                                                   parents_told):
    parties = rules.parties_to_tell(pupil_id=9, pupil_name="Lotte", handelingsbekwaam=True, consent_party=consent_party,
                                    parents_informed=informed, guardians=GUARDIANS)
    expected = [Party("pupil", 9, "Lotte")] + ([Party("guardian", 1, "Moeder"), Party("guardian", 2, "Vader")]
                                               if parents_told else [])
    assert list(parties) == expected
    assert rules.parents_are_told(handelingsbekwaam=True, consent_party=consent_party,
                                  parents_informed=informed) is parents_told


def test_the_gpo_term_is_six_weeks_from_the_day_the_party_was_told_r_gpo_2():
    assert rules.GPO_TERM_DAYS == 42
    assert rules.gpo_last_day(ADOPTED) == D(2027, 4, 12)
    assert rules.gpo_last_day(PAPER) == D(2027, 4, 26)


# --- Rows at the decision --------------------------------------------------------------------------------------------


def test_portal_parties_get_a_row_at_adoption_and_the_others_are_pending_r_gpo_7(adopted):
    [row] = Bekendmaking.objects.all()
    assert (row.act, row.version, row.plan, row.guardian, row.pupil) == (
        "vaststelling", adopted.version_a, adopted.version_a.plan, adopted.moeder, None)
    assert (row.channel, row.made_known_on, row.recorded_by, row.party_name) == ("portaal", ADOPTED, None,
                                                                                "Mirjam Jansen")
    found = bekendmaking.overview(adopted.version_a)
    assert found["since"] == ADOPTED
    # The father (gezag, no account) must still be told; the stepfather (no gezag) is no party.
    assert [s.party.name for s in found["parties"]] == ["Mirjam Jansen", "Pieter Jansen"]
    assert [s.party.name for s in found["pending"]] == ["Pieter Jansen"]
    assert statuses(adopted.version_a)["Mirjam Jansen"].last_day == D(2027, 4, 12)
    # The mail names the same last day as her row.
    mail = Notification.objects.get(kind="bekendmaking", recipient=adopted.ouder_a)
    assert "tot en met 12 april 2027" in mail.body_text


def test_the_adult_pupil_is_the_only_party_when_she_consents_alone_r_time_4(world, personas):
    version = ter_vaststelling(world.version_c, by=world.begeleider_a2)
    adoption.adopt(actor=personas.bestuurder_a, version=version, password=PASSWORD)
    [row] = Bekendmaking.objects.all()
    assert (row.pupil, row.guardian, row.channel, row.made_known_on) == (world.lotte, None, "portaal", ADOPTED)
    version = fresh(version)
    assert [s.party for s in bekendmaking.overview(version)["parties"]] == [Party("pupil", world.lotte.pk, "Lotte Horizon")]
    with pytest.raises(ValidationError) as exc:
        record(world.begeleider_a2, version, ("guardian", world.moeder_c.pk), day=ADOPTED)
    assert "Kies een ouder met gezag of de meerderjarige leerling" in " ".join(exc.value.messages)


# --- Recording a letter (R-GPO-2) ------------------------------------------------------------------------------------


def test_a_paper_bekendmaking_two_weeks_after_adoption_gets_its_own_gpo_last_day_r_gpo_2(on_paper, personas):
    row = on_paper.paper_row
    assert (row.guardian, row.channel, row.made_known_on, row.recorded_by, row.act) == (
        on_paper.vader, "brief", PAPER, personas.begeleider_a, "vaststelling")
    found = statuses(on_paper.version_a)
    assert found["Pieter Jansen"].last_day == D(2027, 4, 26)  # 15 March + six weeks
    assert found["Mirjam Jansen"].last_day == D(2027, 4, 12)  # her own term is unchanged
    assert bekendmaking.overview(on_paper.version_a)["pending"] == []
    [event] = AuditEvent.objects.filter(action="create", object_type="opp.bekendmaking")
    assert event.actor == personas.begeleider_a and event.school == on_paper.sanne.school
    assert event.details["channel"] == "brief" and event.details["made_known_on"] == "2027-03-15"
    # "First made known" stays the adoption day: nothing else moves.
    assert fresh(on_paper.version_a).made_known_on == ADOPTED


@pytest.mark.parametrize("case, field, message", [
    ("before_adoption", "made_known_on", "De bekendmaking kan niet vóór de vaststelling liggen (1 maart 2027)."),
    ("in_the_future", "made_known_on", "Deze datum ligt in de toekomst."),
    ("no_date", "made_known_on", "Vul de datum in waarop het besluit bekend is gemaakt."),
    ("stepfather_without_gezag", "party", "Kies een ouder met gezag of de meerderjarige leerling"),
    ("parent_of_another_pupil", "party", "Kies een ouder met gezag of de meerderjarige leerling"),
    ("already_told_in_the_portal", "party", "De bekendmaking aan Mirjam Jansen is al vastgelegd: portaal (bericht), "
                                            "op 1 maart 2027."),
    ("portal_by_hand", "channel", "Een bericht in het portaal legt het systeem zelf vast."),
])
def test_a_wrong_bekendmaking_is_refused_with_a_dutch_message(adopted, personas, clock, case, field, message):
    clock.move_to(datetime.datetime(2027, 3, 15, 11, 0, tzinfo=AMS))
    party, channel, day = ("guardian", adopted.vader.pk), "brief", PAPER
    if case == "before_adoption":
        day = D(2027, 2, 28)
    elif case == "in_the_future":
        day = D(2027, 3, 16)
    elif case == "no_date":
        day = None
    elif case == "stepfather_without_gezag":
        party = ("guardian", adopted.stief.pk)
    elif case == "parent_of_another_pupil":
        party = ("guardian", adopted.vader_b.pk)
    elif case == "already_told_in_the_portal":
        party = ("guardian", adopted.moeder.pk)
    elif case == "portal_by_hand":
        channel = "portaal"
    with pytest.raises(ValidationError) as exc:
        record(personas.begeleider_a, adopted.version_a, party, channel=channel, day=day)
    assert message in " ".join(exc.value.message_dict[field])
    assert Bekendmaking.objects.count() == 1  # only the mother's portal row
    assert not AuditEvent.objects.filter(object_type="opp.bekendmaking").exists()


@pytest.mark.parametrize("who", ["leerkracht_a", "bestuurder_a", "begeleider_b", "outsider"])
def test_only_staff_who_edit_plans_at_that_school_record_a_bekendmaking(adopted, personas, who):
    with pytest.raises(PermissionDenied):
        record(getattr(personas, who), adopted.version_a, ("guardian", adopted.vader.pk), day=ADOPTED)
    assert Bekendmaking.objects.count() == 1


def test_a_version_that_is_not_adopted_has_nothing_to_make_known(world, personas):
    assert bekendmaking.overview(world.version_a) is None
    with pytest.raises(ValidationError) as exc:
        record(personas.begeleider_a, world.version_a, ("guardian", world.vader.pk), day=ADOPTED)
    assert "Deze versie is niet vastgesteld" in " ".join(exc.value.messages)


# --- The staff screens -----------------------------------------------------------------------------------------------


def test_the_version_page_shows_each_partys_channel_date_and_gpo_last_day(on_paper, personas):
    page = as_user(personas.begeleider_a).get(reverse("opp:version", args=[on_paper.version_a.pk])).content.decode()
    assert 'id="bekendmaking"' in page
    assert "Portaal (bericht)" in page and "geschil bij de GPO uiterlijk 12 april 2027" in page
    assert "Brief (papier)" in page and "15 maart 2027" in page and "geschil bij de GPO uiterlijk 26 april 2027" in page
    assert "nog niet bekendgemaakt" not in page
    letter = reverse("opp:bekendmaking_letter", args=[on_paper.version_a.pk, f"ouder-{on_paper.vader.pk}"])
    assert letter in page
    # The leerkracht reads the plan but neither records nor prints the letter.
    page = as_user(personas.leerkracht_a).get(reverse("opp:version", args=[on_paper.version_a.pk])).content.decode()
    assert "geschil bij de GPO uiterlijk 26 april 2027" in page and letter not in page
    assert reverse("opp:bekendmaking_record", args=[on_paper.version_a.pk]) not in page


def test_recording_a_letter_through_the_page(adopted, personas, clock):
    clock.move_to(datetime.datetime(2027, 3, 15, 11, 0, tzinfo=AMS))
    client = as_user(personas.begeleider_a)
    url = reverse("opp:version", args=[adopted.version_a.pk])
    page = client.get(url).content.decode()
    assert "nog niet bekendgemaakt" in page and "Bekendmaking vastleggen" in page
    response = client.post(reverse("opp:bekendmaking_record", args=[adopted.version_a.pk]), {
        "party": f"ouder-{adopted.vader.pk}", "channel": "brief", "made_known_on": "15-03-2027"})
    assert response.status_code == 302 and response["Location"] == url + "#bekendmaking"
    page = client.get(url).content.decode()
    assert "De bekendmaking aan Pieter Jansen op 15 maart 2027 is vastgelegd." in page
    assert "geschil bij de GPO uiterlijk 26 april 2027" in page


@pytest.mark.parametrize("data, message", [
    ({"made_known_on": "2027-03-20"}, "Deze datum ligt in de toekomst."),
    ({"made_known_on": "31-02-2027"}, "Vul een geldige datum in (dd-mm-jjjj)."),
    ({"made_known_on": "2027-02-01"}, "De bekendmaking kan niet vóór de vaststelling liggen (1 maart 2027)."),
    ({"party": "ouder-999999"}, "Kies een ouder met gezag of de meerderjarige leerling"),
    ({"channel": "fax"}, "Selecteer een geldige keuze."),
])
def test_bad_input_on_the_page_gets_a_dutch_message_and_keeps_what_was_typed(adopted, personas, clock, data, message):
    clock.move_to(datetime.datetime(2027, 3, 15, 11, 0, tzinfo=AMS))
    posted = {"party": f"ouder-{adopted.vader.pk}", "channel": "email", "made_known_on": "2027-03-10", **data}
    response = as_user(personas.begeleider_a).post(reverse("opp:bekendmaking_record", args=[adopted.version_a.pk]),
                                                   posted)
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page.replace("&#x27;", "'")
    assert "De bekendmaking is niet vastgelegd." in page
    assert f'value="{posted["made_known_on"]}"' in page  # what was typed, as typed
    assert f'value="ouder-{adopted.vader.pk}" selected' in page or posted["party"] != f"ouder-{adopted.vader.pk}"
    assert Bekendmaking.objects.count() == 1


def test_the_record_url_refuses_readers_and_hides_from_outsiders(adopted, personas):
    url = reverse("opp:bekendmaking_record", args=[adopted.version_a.pk])
    data = {"party": f"ouder-{adopted.vader.pk}", "channel": "brief", "made_known_on": "2027-03-01"}
    assert as_user(personas.leerkracht_a).post(url, data).status_code == 403
    assert as_user(personas.begeleider_b).post(url, data).status_code == 404
    assert as_user(adopted.ouder_a).post(url, data).status_code == 404
    assert as_user(personas.begeleider_a).get(url).status_code == 405
    assert Bekendmaking.objects.count() == 1


# --- The letter (R-GPO-7) --------------------------------------------------------------------------------------------


def test_the_letter_before_and_after_it_was_handed_over_r_gpo_7(adopted, personas, clock):
    client = as_user(personas.begeleider_a)
    url = reverse("opp:bekendmaking_letter", args=[adopted.version_a.pk, f"ouder-{adopted.vader.pk}"])

    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert f"ouder-{adopted.vader.pk}.pdf" in response["Content-Disposition"]
    text = pdf_text(body(response))
    for expected in ("Bekendmaking van het OPP", "Aan Pieter Jansen", "op 1 maart 2027", "School A",
                     "Geschillencommissie passend onderwijs", "onderwijsgeschillen.nl", "kosteloos", "geen advocaat",
                     "uiterlijk zes weken na ontvangst van deze brief"):
        assert squeeze(expected) in text, expected

    clock.move_to(datetime.datetime(2027, 3, 15, 11, 0, tzinfo=AMS))
    record(personas.begeleider_a, adopted.version_a, ("guardian", adopted.vader.pk))
    response = as_user(personas.begeleider_a).get(url)  # a new session: the first one has timed out by now
    assert response.status_code == 200
    text = pdf_text(body(response))
    assert squeeze("uiterlijk op 26 april 2027") in text and squeeze("op 15 maart 2027 aan u bekend") in text
    assert squeeze("zes weken na ontvangst") not in text
    events = AuditEvent.objects.filter(action="export", object_type="opp.planversion",
                                       object_id=str(adopted.version_a.pk))
    assert [e.details["recorded"] for e in events.order_by("pk")] == [False, True]
    assert {e.details["party"] for e in events} == {f"guardian:{adopted.vader.pk}"}


def test_the_letter_is_for_parties_and_senders_only(adopted, personas):
    def url(key):
        return reverse("opp:bekendmaking_letter", args=[adopted.version_a.pk, key])

    client = as_user(personas.begeleider_a)
    for key in (f"ouder-{adopted.stief.pk}", f"ouder-{adopted.vader_b.pk}", "ouder-x", "iemand-1", f"leerling-{adopted.sanne.pk}"):
        assert client.get(url(key)).status_code == 404, key
    assert as_user(personas.leerkracht_a).get(url(f"ouder-{adopted.vader.pk}")).status_code == 403
    assert as_user(personas.begeleider_b).get(url(f"ouder-{adopted.vader.pk}")).status_code == 404
    assert as_user(adopted.ouder_a).get(url(f"ouder-{adopted.moeder.pk}")).status_code == 404


# --- What the parent sees (R-GPO-2, R-GPO-7) ---------------------------------------------------------------------------


def test_each_parent_sees_the_day_they_were_told_and_their_own_last_day(on_paper):
    mother = as_user(on_paper.ouder_a).get(reverse("portal:child", args=[on_paper.sanne.pk])).content.decode()
    assert "op 1 maart 2027 aan u bekendgemaakt" in mother and "tot en met 12 april 2027" in mother
    assert "26 april 2027" not in mother and "15 maart 2027" not in mother

    # The father gets a portal account afterwards: he sees HIS day, not the adoption day or the mother's last day.
    on_paper.vader.user = UserFactory(username="vader_a")
    on_paper.vader.save()
    father = as_user(on_paper.vader.user).get(reverse("portal:child", args=[on_paper.sanne.pk])).content.decode()
    assert "op 15 maart 2027 aan u bekendgemaakt" in father and "tot en met 26 april 2027" in father
    assert "12 april 2027" not in father


def test_a_parent_not_yet_on_record_sees_the_adoption_and_the_six_weeks_without_a_date(adopted):
    adopted.vader.user = UserFactory(username="vader_a")
    adopted.vader.save()
    page = as_user(adopted.vader.user).get(reverse("portal:child", args=[adopted.sanne.pk])).content.decode()
    assert "Het bestuur heeft het OPP op 1 maart 2027 vastgesteld." in page
    assert "binnen zes weken nadat het OPP aan u bekend is gemaakt" in page
    assert "tot en met" not in page


# --- Withdrawal (R-SET-5, R-GPO-6) -------------------------------------------------------------------------------------


@pytest.fixture
def withdrawn(adopted, personas, clock):
    clock.move_to(datetime.datetime(2027, 3, 8, 10, 0, tzinfo=AMS))
    opp_services.plan_withdraw(actor=personas.bestuurder_a, plan=adopted.version_a.plan,
                               reason="Sanne heeft geen extra ondersteuning meer nodig.", on_date=D(2027, 3, 8))
    adopted.plan = fresh(adopted.version_a.plan)
    return adopted


def test_the_withdrawal_mail_does_not_send_parents_to_the_gpo_r_gpo_6(withdrawn):
    mail = Notification.objects.get(kind="intrekking", recipient=withdrawn.ouder_a)
    for text in (mail.subject_line, mail.body_text, mail.body_html):
        assert "Geschillencommissie" not in text and "onderwijsgeschillen" not in text and "tot en met" not in text
    for expected in ("gebruiken dit OPP niet meer", "redenen in het ouderportaal", "klachtenregeling",
                     "onderwijsconsulenten", "ouder- en jeugdsteunpunt van het samenwerkingsverband"):
        assert expected in mail.body_text and expected in mail.body_html, expected


def test_a_withdrawal_is_made_known_per_party_without_a_gpo_last_day(withdrawn, personas, clock):
    [row] = Bekendmaking.objects.filter(act="intrekking")
    assert (row.plan, row.version, row.guardian, row.channel, row.made_known_on) == (
        withdrawn.plan, None, withdrawn.moeder, "portaal", D(2027, 3, 8))
    clock.move_to(datetime.datetime(2027, 3, 15, 11, 0, tzinfo=AMS))
    with pytest.raises(ValidationError) as exc:
        record(personas.begeleider_a, withdrawn.plan, ("guardian", withdrawn.vader.pk), day=D(2027, 3, 7))
    assert "De bekendmaking kan niet vóór de intrekking liggen (8 maart 2027)." in exc.value.message_dict["made_known_on"]
    record(personas.begeleider_a, withdrawn.plan, ("guardian", withdrawn.vader.pk), channel="persoonlijk")
    found = statuses(withdrawn.plan)
    assert found["Pieter Jansen"].row.made_known_on == PAPER and found["Pieter Jansen"].last_day is None

    page = as_user(personas.begeleider_a).get(reverse("opp:plan", args=[withdrawn.plan.pk])).content.decode()
    assert "Bekendmaking van de intrekking" in page and "Persoonlijk overhandigd/besproken" in page
    assert "geschil bij de GPO uiterlijk" not in page


def test_the_withdrawal_letter_names_where_parents_can_go_instead_of_the_gpo(withdrawn, personas):
    url = reverse("opp:withdrawal_notice_letter", args=[withdrawn.plan.pk, f"ouder-{withdrawn.vader.pk}"])
    response = as_user(personas.begeleider_a).get(url)
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment;")
    text = pdf_text(body(response))
    for expected in ("Intrekking van het OPP", "op 8 maart 2027", "Sanne heeft geen extra ondersteuning meer nodig.",
                     "klachtenregeling", "onderwijsconsulenten", "ouder- en jeugdsteunpunt"):
        assert squeeze(expected) in text, expected
    assert "Geschillencommissie" not in text and "uiterlijk" not in text


def test_the_parent_portal_shows_a_withdrawal_without_the_gpo(withdrawn):
    page = as_user(withdrawn.ouder_a).get(reverse("portal:child", args=[withdrawn.sanne.pk])).content.decode()
    assert "Het OPP is ingetrokken" in page and "Dit besluit is op 8 maart 2027 aan u bekendgemaakt." in page
    assert "klachtenregeling" in page and "onderwijsconsulenten" in page
    assert "Geschillencommissie" not in page and "tot en met" not in page


# --- Disputes: the per-party dates (R-GPO-2) ----------------------------------------------------------------------------


def test_a_dispute_takes_the_latest_partys_date_and_may_be_filed_after_the_first(on_paper, personas, clock):
    from disputes import hints
    from disputes import services as dispute_services

    assert dispute_services.made_known_on(on_paper.version_a) == PAPER
    assert dispute_services.first_made_known_on(on_paper.version_a) == ADOPTED
    clock.move_to(datetime.datetime(2027, 4, 20, 10, 0, tzinfo=AMS))
    dispute = dispute_services.register(actor=personas.geschillen_a, plan=on_paper.version_a.plan,
                                        version=on_paper.version_a, subject="vaststelling", filed_on=D(2027, 3, 10))
    assert dispute.made_known_on == PAPER
    # Filed on 20 April: late for the mother (12 April), not for the father (26 April): no "late" hint.
    assert hints.hints(filed_on=D(2027, 4, 20), made_known_on=dispute.made_known_on, left_school_on=None,
                       plan_withdrawn=False) == []
    with pytest.raises(ValidationError) as exc:
        dispute_services.register(actor=personas.geschillen_a, plan=on_paper.version_a.plan, version=on_paper.version_a,
                                  subject="vaststelling", filed_on=D(2027, 2, 28))
    assert exc.value.message_dict["filed_on"] == ["De indiening ligt vóór de bekendmaking van het OPP."]


# --- Retention ------------------------------------------------------------------------------------------------------


def test_retention_takes_the_bekendmakingen_with_the_pupils_file(on_paper):
    from retention import rules as retention_rules
    from retention import services as retention_services

    steps = retention_services.collect(on_paper.sanne, (retention_rules.DOSSIER,))
    labels = [step.label for step in steps]
    assert "opp.bekendmaking" in labels
    assert labels.index("opp.bekendmaking") < labels.index("opp.planversion") < labels.index("opp.plan")
    [step] = [s for s in steps if s.label == "opp.bekendmaking"]
    assert sorted(step.pks) == sorted(Bekendmaking.objects.values_list("pk", flat=True))


# --- The data migration (runs on SQLite and on PostgreSQL) -------------------------------------------------------------

BEFORE = [("opp", "0007_plan_student_state_idx")]


@pytest.mark.django_db(transaction=True)
def test_the_data_migration_turns_each_made_known_date_into_portal_rows_per_party(org):
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    by = UserFactory(username="ib_migratie")
    sanne = StudentFactory(school=org.school_a, first_name="Sanne", last_name="Jansen")
    moeder = parent_of(sanne, name="Mirjam Jansen", username="moeder_migratie")
    vader = parent_of(sanne, name="Pieter Jansen")  # no portal account: not told through the portal
    parent_of(sanne, name="Karel de Boer", username="stief_migratie", has_gezag=False)
    lotte = StudentFactory(school=org.school_a, first_name="Lotte", last_name="Horizon", handelingsbekwaam=True,
                           consent_party="leerling", portal_user=UserFactory(username="lotte_migratie"))
    parent_of(lotte, name="Carla Horizon", username="carla_migratie")  # not informed (R-TIME-4)
    tim = StudentFactory(school=org.school_a, first_name="Tim", last_name="Visser")
    tim_moeder = parent_of(tim, name="Ilse Visser", username="ilse_migratie")
    try:
        executor.migrate(BEFORE)
        old = MigrationExecutor(connection).loader.project_state(BEFORE).apps
        Plan, PlanVersion = old.get_model("opp", "Plan"), old.get_model("opp", "PlanVersion")
        assert "bekendmaking" not in {m._meta.model_name for m in old.get_app_config("opp").get_models()}
        at = datetime.datetime(2026, 10, 1, 10, 0, tzinfo=AMS)

        def adopted(student, state="vastgesteld", number=1, plan=None, made_known_on=D(2026, 10, 1)):
            plan = plan or Plan.objects.create(student_id=student.pk, created_by_id=by.pk)
            return PlanVersion.objects.create(plan=plan, number=number, state=state, created_by_id=by.pk,
                                              adopted_at=at, adopted_by_id=by.pk, made_known_on=made_known_on)

        v1 = adopted(sanne, state="vervangen", made_known_on=D(2026, 3, 2))
        v2 = adopted(sanne, number=2, plan=v1.plan, made_known_on=D(2026, 10, 1))
        unknown = adopted(StudentFactory(school=org.school_a), made_known_on=None)
        lotte_v = adopted(lotte)
        withdrawn_plan = Plan.objects.create(student_id=tim.pk, created_by_id=by.pk, state="ingetrokken",
                                             ended_on=D(2026, 11, 2), end_reason="Verhuisd.", made_known_on=D(2026, 11, 3))

        MigrationExecutor(connection).migrate(latest)

        rows = {(r.act, r.version_id, r.plan_id, r.guardian_id, r.pupil_id, r.channel, r.made_known_on, r.recorded_by_id)
                for r in Bekendmaking.objects.all()}
        assert rows == {
            ("vaststelling", v1.pk, v1.plan_id, moeder.pk, None, "portaal", D(2026, 3, 2), None),
            ("vaststelling", v2.pk, v1.plan_id, moeder.pk, None, "portaal", D(2026, 10, 1), None),
            ("vaststelling", lotte_v.pk, lotte_v.plan_id, None, lotte.pk, "portaal", D(2026, 10, 1), None),
            ("intrekking", None, withdrawn_plan.pk, tim_moeder.pk, None, "portaal", D(2026, 11, 3), None),
        }
        assert not Bekendmaking.objects.filter(guardian=vader).exists()
        assert not Bekendmaking.objects.filter(version_id=unknown.pk).exists()
        # Nothing else changed: "first made known" is still there.
        from opp.models import PlanVersion as CurrentVersion

        assert CurrentVersion.objects.get(pk=v2.pk).made_known_on == D(2026, 10, 1)
    finally:
        MigrationExecutor(connection).migrate(latest)


def test_the_editor_of_an_adopted_version_reads_the_bekendmakingen_and_guardians_once(on_paper, personas):
    """The version page loads the plan's bekendmakingen (with who recorded them) and the pupil's guardians for the
    stepper (opp.selectors._adopted_parts); the "Bekendmaking" block answers from that load, as it would from its own
    queries."""
    version = on_paper.version_a
    loaded = selectors.load_editor_version(version.pk)
    queried = statuses(fresh(version))
    with CaptureQueriesContext(connection) as captured:
        from_load = statuses(loaded)
    assert captured.captured_queries == []
    assert {name: (s.row.pk if s.row else None, s.must_be_told, s.row.recorded_by_id if s.row else None)
            for name, s in from_load.items()} == {
        name: (s.row.pk if s.row else None, s.must_be_told, s.row.recorded_by_id if s.row else None)
        for name, s in queried.items()}
    assert from_load[on_paper.vader.name].row.recorded_by.pk == personas.begeleider_a.pk

    with CaptureQueriesContext(connection) as captured:
        page = as_user(personas.begeleider_a).get(reverse("opp:version", args=[version.pk]))
    assert page.status_code == 200 and 'id="bekendmaking"' in page.content.decode()
    tables = [q["sql"] for q in captured.captured_queries]
    assert sum('FROM "opp_bekendmaking"' in sql for sql in tables) == 1
    assert sum('FROM "students_guardianlink"' in sql for sql in tables) == 1
