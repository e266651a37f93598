"""compliance.py: every finding, table-driven over Snapshot inputs. Pure (no database)."""

import dataclasses
import datetime
import re
from pathlib import Path

import pytest

from opp import compliance as C
from opp.compliance import ConsultationFact, PlacementFact, Snapshot
from opp.hashing import LDGM_FIELDS, SCALAR_FIELDS
from students import history
from students.history import PlanFact

TODAY = datetime.date(2026, 11, 28)
ACTION = {"goal": "Leest AVI E4", "approach": "Duolezen", "who": "Leerkracht", "frequency": "Dagelijks",
          "evaluation_moment": "Na 12 weken", "evaluation_criterion": "AVI E4 behaald"}
FACTORS = ({"kind": "belemmerend", "domain": "kind", "text": "Snel afgeleid"},
           {"kind": "bevorderend", "domain": "omgeving", "text": "Betrokken ouders"})
AGREED = (ConsultationFact(held_on=datetime.date(2026, 10, 1), agreement="ja"),)

UITSTROOM = {"bao": "vmbo_kb", "sbo": "pro", "vo": "mbo_2", "pro": "arbeid", "so": "havo", "vso": "mbo_1"}


def complete(soort="bao", *, opdc=False, adopted_on=None, **changes) -> Snapshot:
    """A snapshot with every section that applies to `soort` filled in and one agreed meeting. `adopted_on`: the
    pupil's current plan was first adopted that day; placements then rest on it from that day (students.history)."""
    if opdc and adopted_on is None:
        adopted_on = datetime.date(2026, 10, 20)
    scalars = {f: None for f in SCALAR_FIELDS} | {f: "" for f in SCALAR_FIELDS if f not in (
        "doelen_nodig", "onderwijstijd_nodig", "opdc_programma", "commissie_advies_on", "for_swv_arrangement")}
    scalars |= {"uitstroom_profiel": UITSTROOM[soort], "uitstroom_onderbouwing": "Past bij het leerrendement.",
                "onderwijstijd_nodig": False, "leerling_mening": "Wil beter lezen.",
                "leerling_weging": "Meegenomen in doel 1.", "leerling_uitleg": "Besproken met de leerling.",
                "for_swv_arrangement": False}
    if soort in ("bao", "vo", "pro"):
        scalars["programma_afwijking"] = "Geen afwijking"
    if soort in ("bao", "sbo", "so", "vso"):
        scalars["doelen_nodig"] = False
    if soort in ("bao", "sbo"):
        scalars["rapporten_weging"] = "Het rapport van de orthopedagoog is gevolgd."
    if soort in ("so", "vso"):
        scalars |= {"commissie_advies_on": datetime.date(2026, 10, 15), "commissie_advies": "Positief advies."}
    if soort in ("sbo", "so", "vso"):  # the Landelijk Doelgroepenmodel (opp.ldgm, practice)
        scalars |= {"ldgm_leerroute": "5", "ldgm_bestemming": "vmbo_bb", "ldgm_onderbouwing": "Past bij de leerlijnen.",
                    "ldgm_besloten_on": datetime.date(2026, 10, 1), "ldgm_stappen": {}}
    placements = ()
    if opdc:
        scalars |= {"opdc_vraag": "Terugkeer naar de klas", "opdc_duur": "12 weken", "opdc_programma": False}
        placements = (PlacementFact(kind="opdc", start_on=datetime.date(2026, 11, 1)),)
    snap = Snapshot(
        onderwijssoort=soort, state="concept", scalars=scalars, factors=FACTORS, actions=(dict(ACTION),),
        yields=({"subject": "rekenen", "expectation": "1F eind groep 8"},) if soort in ("bao", "sbo") else (),
        consultations=AGREED, placements=placements, extra_need=True,
        in_force=adopted_on is not None, due_on=None, today=TODAY,
    )
    scalar_changes = changes.pop("scalars", {})
    snap = dataclasses.replace(snap, scalars={**snap.scalars, **scalar_changes}, **changes)
    plans = (PlanFact(started_on=datetime.date(2026, 9, 1), state="actief", adopted_on=adopted_on),) if adopted_on else ()
    return dataclasses.replace(snap, placements=tuple(
        dataclasses.replace(p, rests_on_opp=history.rests_on_opp(plans, p.start_on)) for p in snap.placements))


def codes(snap):
    return {f.code for f in C.findings(snap)}


def by_code(snap, code):
    found = [f for f in C.findings(snap) if f.code == code]
    assert len(found) == 1, f"expected exactly one {code}, got {[f.code for f in C.findings(snap)]}"
    return found[0]


@pytest.mark.parametrize("soort", ["bao", "sbo", "vo", "pro", "so", "vso"])
@pytest.mark.parametrize("opdc", [False, True])
def test_a_complete_snapshot_has_no_findings(soort, opdc):
    assert C.findings(complete(soort, opdc=opdc)) == []


def test_a_fully_complete_bao_snapshot_has_no_blocking_findings():
    found = C.findings(complete("bao"))
    assert not C.has_blocking(found)
    assert found == []


# --- Mandatory section empty --------------------------------------------------------------------------

EMPTY = {
    "uitstroom": {"scalars": {"uitstroom_profiel": "", "uitstroom_onderbouwing": ""}},
    "factoren": {"factors": ()},
    "handelingsdeel": {"actions": ()},
    "programma": {"scalars": {"programma_afwijking": "  "}},
    "doelen": {"scalars": {"doelen_nodig": None}},
    "onderwijstijd": {"scalars": {"onderwijstijd_nodig": None}},
    "leerrendement": {"yields": ()},
    "rapporten": {"scalars": {"rapporten_weging": ""}},
    "hoorrecht": {"scalars": {"leerling_mening": "", "leerling_weging": "", "leerling_uitleg": ""}},
    "opdc": {"scalars": {"opdc_vraag": "", "opdc_duur": "", "opdc_programma": None}},
}

MANDATORY = [
    # (soort, section, severity, rule)
    ("bao", "uitstroom", C.BLOCKING, "R-CONTENT-1"),
    ("bao", "factoren", C.BLOCKING, "R-CONTENT-3"),
    ("bao", "handelingsdeel", C.BLOCKING, "R-CONTENT-4"),
    ("bao", "programma", C.BLOCKING, "R-CONTENT-5"),
    ("bao", "doelen", C.BLOCKING, "R-CONTENT-6"),
    ("bao", "onderwijstijd", C.BLOCKING, "R-CONTENT-7"),
    ("bao", "leerrendement", C.WARNING, "R-CONTENT-10"),
    ("bao", "rapporten", C.WARNING, "R-CONTENT-10"),
    ("bao", "hoorrecht", C.BLOCKING, "R-CONTENT-10"),
    ("sbo", "leerrendement", C.WARNING, "R-CONTENT-10"),
    ("sbo", "doelen", C.BLOCKING, "R-CONTENT-6"),
    ("vo", "programma", C.BLOCKING, "R-CONTENT-5"),
    ("pro", "programma", C.BLOCKING, "R-CONTENT-5"),
    ("vso", "uitstroom", C.BLOCKING, "R-CONTENT-1"),
    ("vso", "hoorrecht", C.BLOCKING, "R-CONTENT-10"),
    ("so", "doelen", C.BLOCKING, "R-CONTENT-6"),
]


@pytest.mark.parametrize(("soort", "section", "severity", "rule"), MANDATORY)
def test_an_empty_mandatory_section_is_a_finding(soort, section, severity, rule):
    f = by_code(complete(soort, **EMPTY[section]), f"section_incomplete:{section}")
    assert f.severity == severity
    assert f.rule == rule
    assert f.section == section
    assert f.gpo == ()
    assert "is niet (volledig) ingevuld" in f.message


def test_an_empty_opdc_section_blocks_when_the_pupil_has_an_opdc_placement():
    f = by_code(complete("vo", opdc=True, **EMPTY["opdc"]), "section_incomplete:opdc")
    assert f.blocking and f.rule == "R-SET-4" and "Plaatsing in een OPDC" in f.message


@pytest.mark.parametrize(("soort", "changes", "section"), [
    # An uitstroom choice from another onderwijssoort's list is not a valid profile.
    ("bao", {"scalars": {"uitstroom_profiel": "mbo_2"}}, "uitstroom"),
    ("bao", {"scalars": {"uitstroom_onderbouwing": "   "}}, "uitstroom"),
    # Factors need both a hindering and a promoting one.
    ("bao", {"factors": FACTORS[:1]}, "factoren"),
    ("bao", {"factors": ({"kind": "belemmerend", "domain": "kind", "text": "x"},
                         {"kind": "bevorderend", "domain": "kind", "text": " "})}, "factoren"),
    # Every field of every handelingsdeel item.
    ("bao", {"actions": ({**ACTION, "evaluation_criterion": ""},)}, "handelingsdeel"),
    ("bao", {"actions": (ACTION, {**ACTION, "who": " "})}, "handelingsdeel"),
    # "Yes, replacement goals are needed" without the goals.
    ("sbo", {"scalars": {"doelen_nodig": True, "vervangende_doelen": ""}}, "doelen"),
    # "Yes, the teaching time differs" without all four arrangements.
    ("vo", {"scalars": {"onderwijstijd_nodig": True, "onderwijstijd_aanbod": "Thuisonderwijs",
                        "onderwijstijd_toetsing": "Digitaal", "onderwijstijd_begeleiding": "Mentor"}}, "onderwijstijd"),
    ("bao", {"scalars": {"leerling_uitleg": ""}}, "hoorrecht"),
])
def test_a_partly_filled_section_is_incomplete(soort, changes, section):
    assert f"section_incomplete:{section}" in codes(complete(soort, **changes))


@pytest.mark.parametrize(("soort", "changes"), [
    ("sbo", {"scalars": {"doelen_nodig": True, "vervangende_doelen": "Eigen leerlijn rekenen"}}),
    ("vo", {"scalars": {"onderwijstijd_nodig": True, "onderwijstijd_aanbod": "Thuisonderwijs",
                        "onderwijstijd_toetsing": "Digitaal", "onderwijstijd_begeleiding": "Mentor",
                        "onderwijstijd_duur": "Tot de kerstvakantie"}}),
])
def test_a_section_answered_yes_with_its_details_is_complete(soort, changes):
    assert C.findings(complete(soort, **changes)) == []


# --- A filled section that does not apply ----------------------------------------------------------------

NOT_APPLICABLE = [
    # (soort, changes, section, rule)
    ("sbo", {"scalars": {"programma_afwijking": "Eigen programma"}}, "programma", "R-CONTENT-5"),
    ("so", {"scalars": {"programma_afwijking": "Eigen programma"}}, "programma", "R-CONTENT-5"),
    ("bao", {"scalars": {"commissie_advies": "Advies: plaatsen"}}, "commissie", "R-TIME-3"),
    ("vo", {"scalars": {"vervangende_doelen": "Eigen leerlijn"}}, "doelen", "R-CONTENT-6"),
    ("pro", {"scalars": {"doelen_nodig": True}}, "doelen", "R-CONTENT-6"),
    ("vo", {"yields": ({"subject": "rekenen", "expectation": "2F"},)}, "leerrendement", "R-CONTENT-10"),
    ("vso", {"scalars": {"rapporten_weging": "Rapport gevolgd"}}, "rapporten", "R-CONTENT-10"),
    ("bao", {"scalars": {"opdc_vraag": "Terugkeer"}}, "opdc", "R-SET-4"),
]


@pytest.mark.parametrize(("soort", "changes", "section", "rule"), NOT_APPLICABLE)
def test_a_filled_section_that_does_not_apply_blocks(soort, changes, section, rule):
    f = by_code(complete(soort, **changes), f"section_not_applicable:{section}")
    assert f.blocking
    assert f.rule == rule
    assert f.gpo == ()
    assert "hoort niet bij een OPP in" in f.message and soort in f.message and "Maak het leeg" in f.message


# --- Consultation (R-TIME-2, R-CONSENT-2) -----------------------------------------------------------------

MEETING = datetime.date(2026, 10, 1)
LATER = datetime.date(2026, 10, 29)

CONSULTATIONS = [
    # (consultations, expected code or None)
    ((), "no_consultation"),
    ((ConsultationFact(MEETING, "ja", parents_present=False),), "no_consultation"),
    ((ConsultationFact(MEETING, "nee"),), "single_meeting_without_agreement"),
    ((ConsultationFact(MEETING, "deels"),), "single_meeting_without_agreement"),
    ((ConsultationFact(MEETING, "nee"), ConsultationFact(LATER, "ja", parents_present=False)),
     "single_meeting_without_agreement"),
    ((ConsultationFact(MEETING, "ja"),), None),
    ((ConsultationFact(MEETING, "nee"), ConsultationFact(LATER, "ja")), None),
    ((ConsultationFact(MEETING, "deels"), ConsultationFact(LATER, "deels")), None),
]


@pytest.mark.parametrize(("consultations", "expected"), CONSULTATIONS,
                         ids=["none", "parents-absent", "one-nee", "one-deels", "one-with-parents-plus-one-without",
                              "one-ja", "two-later-ja", "two-rounds"])
def test_consultation_findings(consultations, expected):
    found = codes(complete(consultations=consultations))
    consultation_codes = found & {"no_consultation", "single_meeting_without_agreement"}
    assert consultation_codes == ({expected} if expected else set())


def test_no_consultation_blocks_under_r_time_2():
    f = by_code(complete(consultations=()), "no_consultation")
    assert f.blocking and f.rule == "R-TIME-2" and f.gpo == ()
    assert "nog geen overleg met de ouders" in f.message


def test_a_single_meeting_without_agreement_blocks_citing_107087_and_107619():
    f = by_code(complete(consultations=(ConsultationFact(MEETING, "nee"),)), "single_meeting_without_agreement")
    assert f.blocking
    assert f.rule == "R-CONSENT-2"
    assert f.gpo == ("107087", "107619")
    assert "maar één overleg" in f.message and "geen overeenstemming" in f.message


# --- Commission advice ((v)so, R-TIME-3) -----------------------------------------------------------------


@pytest.mark.parametrize("soort", ["so", "vso"])
@pytest.mark.parametrize("scalars", [
    {"commissie_advies_on": None, "commissie_advies": ""},
    {"commissie_advies_on": datetime.date(2026, 10, 15), "commissie_advies": ""},
    {"commissie_advies_on": None, "commissie_advies": "Positief"},
], ids=["nothing", "date-only", "text-only"])
def test_vso_without_commission_advice_blocks(soort, scalars):
    snap = complete(soort, scalars=scalars)
    f = by_code(snap, "no_commission_advice")
    assert f.blocking and f.rule == "R-TIME-3" and f.gpo == () and f.section == "commissie"
    assert "advies van de commissie" in f.message
    # The section itself is reported once, under R-TIME-3, not twice.
    assert "section_incomplete:commissie" not in codes(snap)


@pytest.mark.parametrize("soort", ["bao", "sbo", "vo", "pro"])
def test_no_commission_advice_needed_outside_vso(soort):
    assert "no_commission_advice" not in codes(complete(soort))


# --- Placements and removal (R-TIME-5) -------------------------------------------------------------------

START = datetime.date(2026, 11, 2)
REMOVAL_GPO = ("109401", "108702", "108252", "107649")

PLACEMENTS = [
    # (kind, adopted_on, extra_need, expected gpo or None)
    ("opdc", None, True, ("109370",)),
    ("opdc", START + datetime.timedelta(days=1), True, ("109370",)),
    ("opdc", START - datetime.timedelta(days=30), True, None),
    ("observatie", None, True, ("109137",)),
    ("observatie", START - datetime.timedelta(days=1), True, None),
    ("verwijdering", None, True, REMOVAL_GPO),
    ("verwijdering", START + datetime.timedelta(days=7), True, REMOVAL_GPO),
    ("verwijdering", START - datetime.timedelta(days=60), True, None),
    ("verwijdering", None, False, None),  # no extra support need: R-TIME-5 does not ask for an OPP
]


@pytest.mark.parametrize(("kind", "adopted_on", "extra_need", "gpo"), PLACEMENTS)
def test_placement_or_removal_needs_an_opp_adopted_before_its_start(kind, adopted_on, extra_need, gpo):
    snap = complete("vo", placements=(PlacementFact(kind, START, investigation_recorded=True),),
                    adopted_on=adopted_on, extra_need=extra_need,
                    scalars={"opdc_vraag": "Vraag", "opdc_duur": "8 weken", "opdc_programma": True} if kind == "opdc" else {})
    found = [f for f in C.findings(snap) if f.code.startswith("placement_without_opp")]
    if gpo is None:
        assert found == []
        return
    assert len(found) == 1
    f = found[0]
    assert f.code == f"placement_without_opp:{kind}"
    assert f.severity == C.WARNING and f.rule == "R-TIME-5" and f.gpo == gpo
    assert "2 november 2026" in f.message and "zonder vastgesteld OPP" in f.message


@pytest.mark.parametrize(("recorded", "extra_need", "expected"), [
    (False, True, True), (True, True, False), (False, False, False),
])
def test_removal_without_recorded_investigation(recorded, extra_need, expected):
    snap = complete("vo", placements=(PlacementFact("verwijdering", START, investigation_recorded=recorded),),
                    adopted_on=START - datetime.timedelta(days=60), extra_need=extra_need)
    found = [f for f in C.findings(snap) if f.code == "removal_without_investigation"]
    if not expected:
        assert found == []
        return
    (f,) = found
    assert f.severity == C.WARNING and f.rule == "R-TIME-5" and f.gpo == ("108148", "107469")
    assert "deugdelijk onderzoek" in f.message


# --- Six-week deadline (R-TIME-1) ------------------------------------------------------------------------


@pytest.mark.parametrize(("due_on", "adopted_on", "expected"), [
    (TODAY - datetime.timedelta(days=1), None, True),
    (datetime.date(2026, 9, 30), None, True),
    (TODAY, None, False),  # the last day itself is still in time
    (TODAY + datetime.timedelta(days=10), None, False),
    (TODAY - datetime.timedelta(days=1), datetime.date(2026, 11, 1), False),  # silent once adopted
    (None, None, False),
])
def test_six_week_deadline_passed(due_on, adopted_on, expected):
    snap = complete(due_on=due_on, adopted_on=adopted_on)
    found = [f for f in C.findings(snap) if f.code == "deadline_passed"]
    assert bool(found) == expected
    if expected:
        (f,) = found
        assert f.severity == C.WARNING and f.rule == "R-TIME-1" and f.gpo == ()
        assert "zes weken" in f.message and f"{due_on.day} " in f.message and str(due_on.year) in f.message


def test_deadline_message_names_the_date_in_dutch():
    f = by_code(complete(due_on=datetime.date(2026, 9, 30)), "deadline_passed")
    assert "30 september 2026" in f.message


# --- Ordering, severity and the GPO numbers cited ---------------------------------------------------------


def test_blocking_findings_come_first():
    snap = complete(consultations=(), due_on=datetime.date(2026, 9, 30), yields=(), factors=())
    found = C.findings(snap)
    severities = [f.severity for f in found]
    assert severities == sorted(severities, key=lambda s: s != C.BLOCKING)
    assert {f.severity for f in found} == {C.BLOCKING, C.WARNING}


def _every_scenario():
    yield complete(consultations=())
    yield complete(consultations=(ConsultationFact(MEETING, "nee"),))
    yield complete("vso", scalars={"commissie_advies": "", "commissie_advies_on": None})
    for kind in ("opdc", "observatie", "verwijdering"):
        yield complete("vo", placements=(PlacementFact(kind, START),))
    yield complete(due_on=datetime.date(2026, 9, 30))
    for soort, section, _sev, _rule in MANDATORY:
        yield complete(soort, **EMPTY[section])
    for soort, changes, _section, _rule in NOT_APPLICABLE:
        yield complete(soort, **changes)


def test_only_gpo_numbers_from_domain_md_are_cited():
    domain = (Path(__file__).resolve().parents[3] / "shared" / "DOMAIN.md")
    if not domain.exists():
        domain = Path("/work/shared/DOMAIN.md")
    in_domain = set(re.findall(r"\b1\d{5}\b", domain.read_text(encoding="utf-8")))
    cited = {n for snap in _every_scenario() for f in C.findings(snap) for n in f.gpo}
    assert cited, "the scenarios must produce findings that cite GPO advice"
    assert cited <= in_domain
    # And exactly these, each where DOMAIN.md places it.
    assert cited == {"107087", "107619", "109370", "109137", "109401", "108702", "108252", "107649", "108148", "107469"}


def test_findings_without_gpo_in_domain_cite_none():
    no_gpo = {"no_consultation", "no_commission_advice", "deadline_passed"}
    found = [f for snap in _every_scenario() for f in C.findings(snap)
             if f.code in no_gpo or f.code.startswith(("section_incomplete", "section_not_applicable"))]
    assert found and all(f.gpo == () for f in found)


def test_later_features_can_register_a_check():
    def extra(snap):
        if snap.extra.get("consent_asked") is False:
            yield C.Finding("consent_not_asked", C.BLOCKING, "Instemming is niet expliciet gevraagd.", "R-CONSENT-4",
                            ("109493",))

    C.REGISTRY.append(extra)
    try:
        assert "consent_not_asked" in codes(complete(extra={"consent_asked": False}))
        assert "consent_not_asked" not in codes(complete())
    finally:
        C.REGISTRY.remove(extra)


# --- A revision (bijstelling) needs a round of its own (R-CONSENT-7, R-CONTENT-10, R-TIME-3) ----------------------

REVISION = C.RevisionFact(started_on=datetime.date(2027, 3, 1), previous_adopted_on=datetime.date(2026, 10, 20),
                          version_id=7)


@pytest.mark.parametrize(("consultations", "blocked"), [
    pytest.param(AGREED, True, id="only-the-first-versions-meeting"),
    pytest.param(AGREED + (ConsultationFact(datetime.date(2027, 3, 8), "ja"),), False, id="met-since-it-started"),
    pytest.param(AGREED + (ConsultationFact(datetime.date(2027, 2, 20), "ja", version_id=7),), False,
                 id="met-about-this-version"),
    pytest.param(AGREED + (ConsultationFact(datetime.date(2027, 3, 8), "ja", parents_present=False),), True,
                 id="since-but-without-parents"),
])
def test_R_CONSENT_7_a_revision_needs_its_own_consultation(consultations, blocked):
    found = [f for f in C.findings(complete(revision=REVISION, consultations=consultations))
             if f.code.startswith("no_consultation")]
    if not blocked:
        assert found == []
        return
    (f,) = found
    assert (f.code, f.severity, f.rule, f.gpo) == ("no_consultation_revision", C.BLOCKING, "R-CONSENT-7", ("107087",))
    assert "bijstelling" in f.message


def test_R_CONSENT_2_a_single_meeting_about_the_revision_without_agreement_is_not_enough():
    snap = complete(revision=REVISION, consultations=AGREED + (ConsultationFact(datetime.date(2027, 3, 8), "nee"),))
    assert by_code(snap, "single_meeting_without_agreement").rule == "R-CONSENT-2"


def test_R_CONTENT_10_the_pupils_view_is_asked_anew_for_a_revision():
    snap = complete(revision=REVISION, consultations=AGREED + (ConsultationFact(datetime.date(2027, 3, 8), "ja"),),
                    scalars={"leerling_mening": "", "leerling_weging": "", "leerling_uitleg": ""})
    f = by_code(snap, "section_incomplete:hoorrecht")
    assert f.blocking and f.rule == "R-CONTENT-10" and "niet overgenomen uit de vorige versie" in f.message


@pytest.mark.parametrize(("advised_on", "blocked"), [
    (datetime.date(2026, 10, 15), True),  # the advice on the first version
    (datetime.date(2027, 3, 5), False),
])
def test_R_TIME_3_the_commission_advises_on_the_revision_itself(advised_on, blocked):
    snap = complete("vso", revision=REVISION, consultations=AGREED + (ConsultationFact(datetime.date(2027, 3, 8), "ja"),),
                    scalars={"commissie_advies_on": advised_on})
    found = [f for f in C.findings(snap) if f.code == "commission_advice_predates_revision"]
    assert bool(found) == blocked
    if blocked:
        assert found[0].rule == "R-TIME-3" and found[0].blocking and "15 oktober 2026" in found[0].message


def test_the_catalogue_declares_every_hashed_field_once():
    """Sections as one catalogue (opp.sections): every hashed scalar sits in exactly one section or is general."""
    from opp import sections as S

    declared = [f for sec in S.SECTIONS.values() for f in sec.fields] + list(S.GENERAL_FIELDS)
    assert sorted(declared) == sorted(SCALAR_FIELDS + LDGM_FIELDS) and len(declared) == len(set(declared))
    assert {k for k, sec in S.SECTIONS.items() if sec.renewed_per_version} == {"hoorrecht", "commissie"}
    assert [k for k, sec in S.SECTIONS.items() if sec.handelingsdeel] == ["handelingsdeel"]
