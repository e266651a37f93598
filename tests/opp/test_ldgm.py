"""The Landelijk Doelgroepenmodel (opp.ldgm) on the OPP: sbo, so and vso only, versioned with the plan, frozen once
set (R-SET-5), in the version hash only when set (R-SET-1), a warning and never a blocker *(practice)*
(R-CONTENT-1), shown on the version page, in the PDF and in the parents' portal."""

import datetime
import io
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from accounts.models import Role
from opp import compliance, content, hashing, ldgm, sections, selectors, services
from opp.models import FrozenVersionError, PlanVersion
from students import destinations
from tests.auth import login
from tests.factories import PlanFactory, PlanVersionFactory, SchoolFactory, StudentFactory, member, parent_of

TZ = zoneinfo.ZoneInfo("Europe/Amsterdam")
NOW = datetime.datetime(2026, 11, 20, 10, 0, tzinfo=TZ)
pytestmark = pytest.mark.clock(NOW)


@pytest.fixture(autouse=True)
def _stand_still(clock):
    """Every test on NOW: "in the future" means after 20 November 2026, whatever day the suite runs."""

LDGM = {"ldgm_leerroute": "5", "ldgm_bestemming": "vmbo_bb", "ldgm_onderbouwing": "Past bij zijn leerlijnen.",
        "ldgm_besloten_on": datetime.date(2026, 10, 1),
        "ldgm_stappen": {"instroomprofiel": "2026-09-28", "leerroute": "2026-10-01"}}


# --- The catalogue (pure) ------------------------------------------------------------------------------------------


def test_the_model_is_for_sbo_so_and_vso_only():
    assert ldgm.SOORTEN == {"sbo", "so", "vso"}
    for soort in ("sbo", "so", "vso"):
        assert "ldgm" in sections.applicable_sections(soort, has_opdc=False)
    for soort in ("bao", "vo", "pro"):
        assert "ldgm" not in sections.applicable_sections(soort, has_opdc=False)


def test_seven_leerroutes_eight_steps_and_bestemmingen_from_the_one_destination_catalogue():
    assert ldgm.LEERROUTE_KEYS == ("1", "2", "3", "4", "5", "6", "7")
    assert [s.number for s in ldgm.STEPS] == list(range(1, 9))
    assert ldgm.STEPS[0].key == "instroomprofiel"
    assert ldgm.BESTEMMING_KEYS <= destinations.KEYS
    assert {destinations.group(k) for k in ldgm.BESTEMMING_KEYS} == {"dagbesteding", "arbeid", "vervolgonderwijs"}
    assert set(ldgm.FITS) == set(ldgm.LEERROUTE_KEYS)
    assert all(fit <= ldgm.BESTEMMING_KEYS for fit in ldgm.FITS.values())
    # The entree opleiding counts as vervolgonderwijs, not arbeid (LECSO).
    assert destinations.group("mbo_1") == "vervolgonderwijs"


def test_fits_points_out_a_bestemming_outside_the_leerroute_but_not_a_missing_one():
    assert ldgm.fits("1", "dagbesteding_belevingsgericht")
    assert not ldgm.fits("1", "havo")
    assert ldgm.fits("", "havo") and ldgm.fits("7", "")


def test_steps_are_kept_in_the_models_order_and_unknown_or_empty_ones_dropped():
    stored = ldgm.clean_steps({"evalueren": datetime.date(2026, 6, 1), "instroomprofiel": "2025-09-01", "x": "2026-01-01",
                               "leerroute": "", "opp": "geen datum"})
    assert list(stored.items()) == [("instroomprofiel", "2025-09-01"), ("evalueren", "2026-06-01")]


# --- The version hash: only when set ------------------------------------------------------------------------------


BASE = {"plan_id": 3, "number": 2, "factors": [{"kind": "belemmerend", "domain": "kind", "text": "Snel afgeleid"}],
        "actions": [{"goal": "Leest AVI E4", "approach": "Duolezen"}], "yields": []}
SCALARS = {"uitstroom_profiel": "vmbo_bb", "uitstroom_onderbouwing": "Past bij hem."}


def _hash_before_the_doelgroepenmodel(scalars):
    """The version hash as it was computed before the doelgroepenmodel existed."""
    return hashing.sha256({
        "plan": BASE["plan_id"], "versie": BASE["number"],
        "velden": [[f, hashing.normalise(scalars.get(f))] for f in hashing.SCALAR_FIELDS],
        "factoren": [[hashing.normalise(i.get(f, "")) for f in hashing.FACTOR_FIELDS] for i in BASE["factors"]],
        "handelingsdeel": [[hashing.normalise(i.get(f, "")) for f in hashing.ACTION_FIELDS] for i in BASE["actions"]],
        "leerrendement": [],
    })


def test_a_version_without_doelgroepenmodel_hashes_as_it_always_did():
    empty = {"ldgm_leerroute": "", "ldgm_bestemming": "", "ldgm_onderbouwing": "", "ldgm_besloten_on": None,
             "ldgm_stappen": {}}
    old = _hash_before_the_doelgroepenmodel(SCALARS)
    assert hashing.version_hash(scalars=dict(SCALARS), **BASE) == old
    assert hashing.version_hash(scalars={**SCALARS, **empty}, **BASE) == old


@pytest.mark.parametrize("change", [
    {"ldgm_leerroute": "6"}, {"ldgm_bestemming": "vmbo_kb"}, {"ldgm_onderbouwing": "Anders."},
    {"ldgm_besloten_on": datetime.date(2026, 10, 2)}, {"ldgm_stappen": {"instroomprofiel": "2026-09-29"}},
], ids=lambda c: next(iter(c)))
def test_the_doelgroepenmodel_is_in_the_version_hash_once_set(change):
    with_ldgm = hashing.version_hash(scalars={**SCALARS, **LDGM}, **BASE)
    assert with_ldgm != _hash_before_the_doelgroepenmodel(SCALARS)
    assert hashing.version_hash(scalars={**SCALARS, **LDGM, **change}, **BASE) != with_ldgm


def test_the_doelgroepenmodel_is_not_in_the_consent_hash(db):
    version = PlanVersionFactory(plan=PlanFactory(student=_pupil("sbo")), with_actions=1)
    before = content.handelingsdeel_hash(version)
    PlanVersion.objects.filter(pk=version.pk).update(ldgm_leerroute="5", ldgm_bestemming="vmbo_bb")
    assert content.handelingsdeel_hash(PlanVersion.objects.get(pk=version.pk)) == before


# --- Saving, copying, freezing ------------------------------------------------------------------------------------


def _pupil(soort):
    school = SchoolFactory(onderwijssoorten=[soort])
    return StudentFactory(school=school, onderwijssoort=soort, support_level="extra",
                          extra_support_description="Kleine groep")


@pytest.fixture
def sbo(db):
    student = _pupil("sbo")
    ib = member(Role.BEGELEIDER, school=student.school)
    version = PlanVersionFactory(plan=PlanFactory(student=student, created_by=ib), with_actions=1, with_factors=2)
    return ib, version


def test_the_school_saves_the_doelgroepenmodel_of_an_sbo_plan(sbo):
    ib, version = sbo
    saved = services.version_save_section(actor=ib, version=version, section="ldgm", revision=0, data=dict(LDGM))
    saved = PlanVersion.objects.get(pk=saved.pk)
    assert (saved.ldgm_leerroute, saved.ldgm_bestemming, saved.ldgm_besloten_on) == ("5", "vmbo_bb", LDGM["ldgm_besloten_on"])
    assert saved.ldgm_stappen == LDGM["ldgm_stappen"]
    assert [on for _step, on in saved.ldgm_steps][:2] == [datetime.date(2026, 9, 28), datetime.date(2026, 10, 1)]


def test_the_rationale_is_content_and_never_in_the_audit_log(sbo):
    from audit.models import AuditEvent

    ib, version = sbo
    marker = "ZEBRA-LDGM-4411"
    services.version_save_section(actor=ib, version=version, section="ldgm", revision=0,
                                  data={**LDGM, "ldgm_onderbouwing": marker})
    rows = list(AuditEvent.objects.values_list("details", flat=True))
    assert rows and not [r for r in rows if marker in str(r)]


@pytest.mark.parametrize(("data", "field"), [
    ({"ldgm_leerroute": "9"}, "ldgm_leerroute"),
    ({"ldgm_bestemming": "bao"}, "ldgm_bestemming"),  # a school type is not an uitstroombestemming
    ({"ldgm_besloten_on": datetime.date(2026, 11, 21)}, "ldgm_besloten_on"),
    ({"ldgm_stappen": {"opp": "2026-12-01"}}, "__all__"),
])
def test_a_wrong_choice_or_a_date_ahead_is_refused_in_dutch(sbo, data, field):
    ib, version = sbo
    with pytest.raises(ValidationError) as exc:
        services.version_save_section(actor=ib, version=version, section="ldgm", revision=0, data={**LDGM, **data})
    assert field in exc.value.message_dict
    assert PlanVersion.objects.get(pk=version.pk).ldgm_leerroute == ""


def test_a_regular_school_cannot_record_it(db):
    student = _pupil("bao")
    ib = member(Role.BEGELEIDER, school=student.school)
    version = PlanVersionFactory(plan=PlanFactory(student=student, created_by=ib))
    with pytest.raises(ValidationError, match="alleen bij een OPP in sbo, so of vso"):
        services.version_save_section(actor=ib, version=version, section="ldgm", revision=0, data=dict(LDGM))


def test_a_revision_copies_it_and_the_adopted_version_stays_frozen(db):
    student = _pupil("vso")
    ib = member(Role.BEGELEIDER, school=student.school)
    adopted = PlanVersionFactory(plan=PlanFactory(student=student, created_by=ib), with_actions=1, adopted=True,
                                 **{**LDGM, "ldgm_leerroute": "4", "ldgm_bestemming": "arbeid_begeleid"})
    new = services.revision_start(actor=ib, plan=adopted.plan)
    for field in ldgm.FIELDS:
        assert getattr(new, field) == getattr(adopted, field), field
    frozen = PlanVersion.objects.get(pk=adopted.pk)
    frozen.ldgm_leerroute = "3"
    with pytest.raises(FrozenVersionError):
        frozen.save()
    with pytest.raises(ValidationError):
        services.version_save_section(actor=ib, version=adopted, section="ldgm", revision=0, data=dict(LDGM))
    assert content.version_hash(PlanVersion.objects.get(pk=adopted.pk)) == adopted.adopted_hash


# --- Compliance: a warning, never a blocker (practice) -------------------------------------------------------------


def _findings(version):
    return compliance.findings(selectors.snapshot(selectors.load_version(version.pk), today=NOW.date()))


def test_an_sbo_plan_without_it_gets_a_warning_not_a_blocker(sbo):
    ib, version = sbo
    found = [f for f in _findings(version) if f.section == "ldgm"]
    assert [(f.code, f.severity) for f in found] == [("section_incomplete:ldgm", compliance.WARNING)]
    services.version_save_section(actor=ib, version=version, section="ldgm", revision=0, data=dict(LDGM))
    assert [f for f in _findings(version) if f.section == "ldgm"] == []


def test_a_bestemming_outside_the_leerroute_is_pointed_out(sbo):
    ib, version = sbo
    services.version_save_section(actor=ib, version=version, section="ldgm", revision=0,
                                  data={**LDGM, "ldgm_leerroute": "1", "ldgm_bestemming": "havo"})
    found = [f for f in _findings(version) if f.code == "ldgm_fit"]
    assert len(found) == 1 and not found[0].blocking and "leerroute 1" in found[0].message


def test_a_bao_plan_has_no_doelgroepenmodel_finding(db):
    student = _pupil("bao")
    version = PlanVersionFactory(plan=PlanFactory(student=student))
    assert not [f for f in _findings(version) if "ldgm" in f.code]


# --- The editor, the PDF and the portal ------------------------------------------------------------------------------


def test_the_editor_shows_the_section_and_saves_the_steps(sbo):
    ib, version = sbo
    client = Client()
    login(client, ib)
    url = reverse("opp:version", args=[version.pk])
    page = client.get(url).content.decode()
    assert 'id="sectie-ldgm"' in page and "ldgm-stap_instroomprofiel" in page
    response = client.post(url, {"section": "ldgm", "ldgm-revision": "0", "ldgm-ldgm_leerroute": "6",
                                 "ldgm-ldgm_bestemming": "vmbo_kb", "ldgm-ldgm_onderbouwing": "Goede groei.",
                                 "ldgm-ldgm_besloten_on": "2026-11-02", "ldgm-stap_instroomprofiel": "30-10-2026",
                                 "ldgm-stap_leerroute": "2026-11-02"})
    assert response.status_code == 302
    saved = PlanVersion.objects.get(pk=version.pk)
    assert (saved.ldgm_leerroute, saved.ldgm_bestemming) == ("6", "vmbo_kb")
    assert saved.ldgm_stappen == {"instroomprofiel": "2026-10-30", "leerroute": "2026-11-02"}


def test_a_bao_editor_has_no_doelgroepenmodel_section(db):
    student = _pupil("bao")
    ib = member(Role.BEGELEIDER, school=student.school)
    version = PlanVersionFactory(plan=PlanFactory(student=student, created_by=ib))
    client = Client()
    login(client, ib)
    assert 'id="sectie-ldgm"' not in client.get(reverse("opp:version", args=[version.pk])).content.decode()


def _flat(text):
    return "".join(text.split()).replace("-", "")


def test_the_pdf_and_the_parents_portal_show_it(db):
    student = _pupil("sbo")
    ib = member(Role.BEGELEIDER, school=student.school)
    version = PlanVersionFactory(plan=PlanFactory(student=student, created_by=ib), with_actions=1, adopted=True,
                                 **LDGM)
    client = Client()
    login(client, ib)
    pdf = client.get(reverse("opp:version_pdf", args=[version.pk]))
    assert pdf.status_code == 200
    text = _flat(" ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf.content)).pages))
    assert _flat("Doelgroepenmodel") in text and _flat("Leerroute 5") in text
    assert _flat("1 oktober 2026") in text

    parent = parent_of(student, username="ouder_ldgm")
    portal = Client()
    login(portal, parent.user)
    page = portal.get(reverse("portal:version", args=[version.pk])).content.decode()
    assert "verwacht dat uw kind na het speciaal onderwijs naar" in page
    assert "vmbo basisberoepsgerichte leerweg" in page and "leerroute 5" in page


def test_the_version_diff_names_a_changed_leerroute_in_words(db):
    student = _pupil("vso")
    ib = member(Role.BEGELEIDER, school=student.school)
    old = PlanVersionFactory(plan=PlanFactory(student=student, created_by=ib), adopted=True, **LDGM)
    new = PlanVersionFactory(plan=old.plan, based_on=old, **{**LDGM, "ldgm_leerroute": "6"})
    section = next(s for s in selectors.diff(selectors.load_version(old.pk), selectors.load_version(new.pk))
                   if s["key"] == "ldgm")
    assert section["changed"]
    assert {"op": "ins", "text": "Leerroute: " + ldgm.leerroute_label("6")} in section["lines"]
