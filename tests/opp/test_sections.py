"""Which R-CONTENT sections an OPP has per onderwijssoort, and the uitstroom lists (issue 4, part 2). Pure."""

import pytest

from opp import sections as S

BASE = ["uitstroom", "factoren", "handelingsdeel"]

EXPECTED = {
    # afwijking programma: regular po/vo and pro; vervangende doelen: bao, sbo, so, vso;
    # onderwijstijd and hoorrecht always; leerrendement + rapporten in po; commissie in (v)so.
    "bao": BASE + ["programma", "doelen", "onderwijstijd", "leerrendement", "rapporten", "hoorrecht"],
    "sbo": ["uitstroom", "ldgm", "factoren", "handelingsdeel", "doelen", "onderwijstijd", "leerrendement", "rapporten",
            "hoorrecht"],
    "vo": BASE + ["programma", "onderwijstijd", "hoorrecht"],
    "pro": BASE + ["programma", "onderwijstijd", "hoorrecht"],
    # the Landelijk Doelgroepenmodel (practice) in sbo, so and vso, right after the uitstroomprofiel.
    "so": ["uitstroom", "ldgm", "factoren", "handelingsdeel", "doelen", "onderwijstijd", "hoorrecht", "commissie"],
    "vso": ["uitstroom", "ldgm", "factoren", "handelingsdeel", "doelen", "onderwijstijd", "hoorrecht", "commissie"],
}


@pytest.mark.parametrize("soort", sorted(EXPECTED))
def test_applicable_sections_per_onderwijssoort(soort):
    assert S.applicable_sections(soort, has_opdc=False) == EXPECTED[soort]


@pytest.mark.parametrize("soort", sorted(EXPECTED))
def test_opdc_section_only_with_an_opdc_placement(soort):
    with_opdc = S.applicable_sections(soort, has_opdc=True)
    assert "opdc" in with_opdc
    assert "opdc" not in S.applicable_sections(soort, has_opdc=False)
    # Same sections plus opdc, in the editor's fixed order (before the commission's advice).
    assert [k for k in with_opdc if k != "opdc"] == EXPECTED[soort]
    assert with_opdc == [k for k in S.ORDER if k in with_opdc]


@pytest.mark.parametrize(("section", "soorten"), [
    ("programma", {"bao", "vo", "pro"}),
    ("doelen", {"bao", "sbo", "so", "vso"}),
    ("onderwijstijd", {"bao", "sbo", "vo", "pro", "so", "vso"}),
    ("leerrendement", {"bao", "sbo"}),
    ("rapporten", {"bao", "sbo"}),
    ("hoorrecht", {"bao", "sbo", "vo", "pro", "so", "vso"}),
    ("commissie", {"so", "vso"}),
    ("ldgm", {"sbo", "so", "vso"}),
])
def test_each_section_applies_exactly_where_the_domain_says(section, soorten):
    applies = {soort for soort in EXPECTED if section in S.applicable_sections(soort, has_opdc=False)}
    assert applies == soorten


def test_every_section_has_a_dutch_title_and_rule():
    assert set(S.ORDER) == {"uitstroom", "factoren", "handelingsdeel", "programma", "doelen", "onderwijstijd",
                            "leerrendement", "rapporten", "hoorrecht", "opdc", "commissie", "ldgm"}
    assert str(S.SECTIONS["commissie"].title) == "Advies van de commissie"
    assert str(S.SECTIONS["programma"].title) == "Afwijking van het onderwijsprogramma"
    assert S.SECTIONS["commissie"].rule == "R-TIME-3"
    assert S.SECTIONS["opdc"].rule == "R-SET-4"
    assert "109370" in str(S.SECTIONS["opdc"].help)


PO_EXITS = {"vso", "pro", "vmbo_bb", "vmbo_kb", "vmbo_gl_tl", "havo", "vwo"}
VSO_EXITS = {"mbo_1", "mbo_2", "mbo_3", "mbo_4", "arbeid"}


@pytest.mark.parametrize("soort", ["bao", "sbo"])
def test_uitstroom_from_po_lists_vso_pro_vmbo_havo_vwo(soort):
    keys = [k for k, _label in S.uitstroom_choices(soort)]
    assert set(keys) == PO_EXITS
    labels = " | ".join(str(label) for _k, label in S.uitstroom_choices(soort))
    for word in ("Voortgezet speciaal onderwijs", "Praktijkonderwijs", "basisberoepsgerichte", "kaderberoepsgerichte",
                 "gemengde/theoretische", "Havo", "Vwo"):
        assert word in labels


def test_uitstroom_from_vso_lists_mbo_1_to_4_work_and_day_activity():
    choices = S.uitstroom_choices("vso")
    keys = {k for k, _label in choices}
    assert VSO_EXITS <= keys
    assert any(k.startswith("dagbesteding") for k in keys)
    labels = " | ".join(str(label) for _k, label in choices)
    for n in "1234":
        assert f"mbo niveau {n}" in labels
    assert "Arbeid" in labels and "Dagbesteding" in labels
    # A po school type is not an exit destination from vso.
    assert not keys & {"vmbo_bb", "vmbo_kb", "vmbo_gl_tl", "havo", "vwo", "pro"}


def test_uitstroom_lists_do_not_mix_po_and_vso():
    po = {k for k, _label in S.uitstroom_choices("bao")}
    assert not po & {"mbo_1", "mbo_2", "mbo_3", "mbo_4", "arbeid"}
    assert not any(k.startswith("dagbesteding") for k in po)


@pytest.mark.parametrize("soort", sorted(EXPECTED))
def test_every_onderwijssoort_has_an_uitstroom_list_without_duplicates(soort):
    keys = [k for k, _label in S.uitstroom_choices(soort)]
    assert keys and len(keys) == len(set(keys))
    assert all(str(label).strip() for _k, label in S.uitstroom_choices(soort))


def test_unknown_onderwijssoort_has_no_uitstroom_choices_and_label_falls_back():
    assert S.uitstroom_choices("xyz") == []
    assert S.uitstroom_label("onbekend") == "onbekend"
