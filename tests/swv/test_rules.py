"""swv.rules: who needs which admission decision, what fits, validity, the lead time and the finding. Fixed dates."""

import datetime
from types import SimpleNamespace

import pytest
from django.utils import translation

from swv import rules

D = datetime.date


@pytest.fixture(autouse=True)
def dutch():
    with translation.override("nl"):
        yield


def decision(starts_on, ends_on=None, *, kind="tlv", soort="sbo", withdrawn=False, decided_on=None, pk=1):
    return SimpleNamespace(kind=kind, onderwijssoort=soort, starts_on=starts_on, ends_on=ends_on, pk=pk,
                           decided_on=decided_on or starts_on, withdrawn_at=D(2026, 1, 1) if withdrawn else None)


def pupil(soort="sbo", cluster=None, left_on=None):
    return SimpleNamespace(onderwijssoort=soort, school=SimpleNamespace(cluster=cluster), left_on=left_on)


@pytest.mark.parametrize(("soort", "cluster", "kind"), [
    ("sbo", None, "tlv"), ("pro", None, "tlv"), ("so", 3, "tlv"), ("vso", 4, "tlv"),
    ("so", 1, "cvo"), ("vso", 2, "cvo"), ("bao", None, None), ("vo", None, None),
])
def test_which_pupils_need_which_decision(soort, cluster, kind):
    assert rules.required_kind(soort, cluster) == kind


def test_categories_only_for_so_and_vso():
    assert rules.category_error("so", "midden") is None
    assert rules.category_error("vso", "hoog") is None
    assert "laag, midden of hoog" in rules.category_error("vso", "")
    assert rules.category_error("sbo", "") is None
    assert "geen categorie" in rules.category_error("sbo", "laag")
    assert "geen categorie" in rules.category_error("pro", "hoog")


def test_decision_errors():
    ok = {"kind": "tlv", "swv_id": 1, "number": "TLV-1", "onderwijssoort": "vso", "category": "laag",
          "starts_on": D(2026, 8, 1), "ends_on": D(2027, 7, 31)}
    assert rules.decision_errors(**ok) == {}
    assert set(rules.decision_errors(**(ok | {"swv_id": None, "number": " "}))) == {"samenwerkingsverband",
                                                                                   "decision_number"}
    assert set(rules.decision_errors(**(ok | {"ends_on": D(2026, 7, 1)}))) == {"ends_on"}
    assert rules.decision_errors(**(ok | {"ends_on": None})) == {}  # onbepaald
    cvo = ok | {"kind": "cvo", "swv_id": None, "number": "", "category": ""}
    assert rules.decision_errors(**cvo) == {}
    assert set(rules.decision_errors(**(cvo | {"swv_id": 3}))) == {"samenwerkingsverband"}
    assert set(rules.decision_errors(**(cvo | {"onderwijssoort": "sbo"}))) == {"onderwijssoort"}


def test_the_decision_must_fit_the_pupils_school():
    # A TLV for vso on a pupil of an sbo school is refused.
    assert set(rules.fit_errors(kind="tlv", onderwijssoort="vso", school_soorten=["sbo"], cluster=None)) == {
        "onderwijssoort"}
    assert rules.fit_errors(kind="tlv", onderwijssoort="sbo", school_soorten=["sbo"], cluster=None) == {}
    assert set(rules.fit_errors(kind="tlv", onderwijssoort="bao", school_soorten=["bao"], cluster=None)) == {
        "onderwijssoort"}
    # Cluster 1–2: the commissie van onderzoek; cluster 3–4: the TLV.
    assert set(rules.fit_errors(kind="tlv", onderwijssoort="so", school_soorten=["so"], cluster=2)) == {"kind"}
    assert rules.fit_errors(kind="cvo", onderwijssoort="so", school_soorten=["so"], cluster=2) == {}
    assert set(rules.fit_errors(kind="cvo", onderwijssoort="vso", school_soorten=["vso"], cluster=4)) == {"kind"}


def test_valid_on_and_current():
    old = decision(D(2023, 8, 1), D(2025, 7, 31), pk=1)
    now = decision(D(2025, 8, 1), D(2027, 7, 31), pk=2)
    open_ended = decision(D(2025, 8, 1), None, pk=3)
    withdrawn = decision(D(2025, 8, 1), D(2030, 7, 31), withdrawn=True, pk=4)
    assert rules.valid_on(now, D(2025, 8, 1)) and rules.valid_on(now, D(2027, 7, 31))
    assert not rules.valid_on(now, D(2027, 8, 1)) and not rules.valid_on(now, D(2025, 7, 31))
    assert not rules.valid_on(withdrawn, D(2026, 1, 1))
    assert rules.valid_on(open_ended, D(2090, 1, 1))
    assert rules.current([old, now, withdrawn], D(2026, 1, 1)) is now
    assert rules.current([old, now, open_ended], D(2026, 1, 1)) is open_ended  # onbepaald ends last
    assert rules.current([old, now], D(2024, 1, 1)) is old
    assert rules.current([old, now], D(2028, 1, 1)) is None


def test_request_due_on_a_fixed_date():
    april = rules.Lead(rule=rules.LEAD_FIXED_DATE, day=15, month=4)
    assert rules.request_due_on(D(2027, 7, 31), april) == D(2027, 4, 15)
    assert rules.request_due_on(D(2027, 4, 10), april) == D(2026, 4, 15)
    assert rules.request_due_on(D(2027, 4, 15), april) == D(2026, 4, 15)  # on the last day is too late
    assert rules.request_due_on(D(2027, 4, 16), april) == D(2027, 4, 15)
    assert rules.request_due_on(None, april) is None  # onbepaald: no deadline


def test_request_due_on_weeks():
    twelve = rules.Lead(rule=rules.LEAD_WEEKS, weeks=12)
    assert rules.request_due_on(D(2027, 7, 31), twelve) == D(2027, 5, 8)
    assert rules.request_due_on(None, twelve) is None


def test_lead_time_errors_and_text():
    assert rules.lead_time_errors("vaste_datum", day=15, month=4, weeks=None) == {}
    assert set(rules.lead_time_errors("vaste_datum", day=None, month=4, weeks=None)) == {"day"}
    assert set(rules.lead_time_errors("vaste_datum", day=29, month=2, weeks=None)) == {"day"}  # not every year
    assert set(rules.lead_time_errors("vaste_datum", day=31, month=4, weeks=None)) == {"day"}
    assert rules.lead_time_errors("weken", day=None, month=None, weeks=12) == {}
    assert set(rules.lead_time_errors("weken", day=None, month=None, weeks=0)) == {"weeks"}
    assert set(rules.lead_time_errors("weken", day=None, month=None, weeks=53)) == {"weeks"}
    assert set(rules.lead_time_errors("anders", day=None, month=None, weeks=None)) == {"rule"}
    assert rules.lead_time_text(rules.Lead(rules.LEAD_FIXED_DATE, day=15, month=4)) == "aanvraag vóór 15 april"
    assert rules.lead_time_text(rules.Lead(rules.LEAD_WEEKS, weeks=12)) == "12 weken vóór de einddatum"


def test_finding():
    today = D(2026, 9, 25)
    sbo = pupil("sbo")
    assert rules.finding(sbo, [], today) == "Geen geldige toelaatbaarheidsverklaring"
    expired = decision(D(2024, 8, 1), D(2026, 7, 31))
    assert rules.finding(sbo, [expired], today) == "Toelaatbaarheidsverklaring verlopen op 31 juli 2026"
    valid = decision(D(2026, 8, 1), D(2028, 7, 31), pk=2)
    assert rules.finding(sbo, [expired, valid], today) is None
    # A withdrawn decision counts for nothing; one for another onderwijssoort neither.
    assert rules.finding(sbo, [decision(D(2026, 8, 1), None, withdrawn=True)], today) == (
        "Geen geldige toelaatbaarheidsverklaring")
    assert rules.finding(sbo, [decision(D(2026, 8, 1), None, soort="vso")], today) == (
        "Geen geldige toelaatbaarheidsverklaring")
    # Cluster 1–2: the commissie van onderzoek.
    so2 = pupil("so", cluster=2)
    assert rules.finding(so2, [], today) == "Geen besluit van de commissie van onderzoek"
    assert rules.finding(so2, [decision(D(2026, 1, 1), None, kind="cvo", soort="so")], today) is None
    assert rules.finding(so2, [decision(D(2026, 1, 1), None, kind="tlv", soort="so")], today) == (
        "Geen besluit van de commissie van onderzoek")
    # bao and vo need none; a pupil who left has no finding.
    assert rules.finding(pupil("bao"), [], today) is None
    assert rules.finding(pupil("sbo", left_on=D(2026, 7, 31)), [], today) is None
    assert rules.finding(pupil("vso", cluster=4), [], today) == "Geen geldige toelaatbaarheidsverklaring"


def test_an_incomplete_lead_time_has_a_text_too():
    """The beheer site shows the object's text above a form being corrected (an empty POST was a 500)."""
    assert rules.lead_time_text(rules.Lead(rule="", day=None, month=None, weeks=None)) == "nog niet volledig ingevuld"
    assert rules.lead_time_text(rules.Lead(rule=rules.LEAD_FIXED_DATE, day=None, month=4, weeks=None)) \
        == "nog niet volledig ingevuld"
