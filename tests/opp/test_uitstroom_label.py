"""The uitstroom profile is named from the list of the pupil's own onderwijssoort, on every surface.

Several lists share keys ("mbo_2", "arbeid"): a vso pupil's "mbo_2" is "Vervolgonderwijs: mbo niveau 2", a vo
pupil's "Mbo niveau 2". Each surface used to take the first list holding the key, so a vso pupil's plan read as a
vo one in the editor, the review, the portal, the PDF, the inzage export and the version diff; the LAS export had
its own right answer. `PlanVersion.uitstroom_label` (opp.sections.uitstroom_label) is now the one place.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from opp import pdf, selectors
from opp import sections as S
from opp.models import PlanVersion
from portal import inzage
from tests.auth import login

VSO = "Vervolgonderwijs: mbo niveau 2"
VO = "Mbo niveau 2"


@pytest.mark.parametrize(("soort", "key", "label"), [
    ("vso", "mbo_2", VSO), ("vo", "mbo_2", VO), ("vso", "arbeid", "Arbeid"), ("pro", "arbeid", "Arbeid"),
    ("so", "havo", "Havo"), ("bao", "vso", "Voortgezet speciaal onderwijs (vso)"),
    # A key from another list (the pupil changed onderwijssoort since): its label anywhere.
    ("bao", "mbo_2", VO), ("vso", "havo", "Havo"),
    ("vso", "", ""), ("vso", "onbekend", "onbekend"), ("", "mbo_2", VO),
])
def test_the_label_comes_from_the_pupils_own_list(soort, key, label):
    assert S.uitstroom_label(key, soort) == label


@pytest.fixture
def lotte_mbo_2(world):
    """Lotte Horizon (vso, adult, her own portal account) with "mbo_2" as her version's uitstroom profile."""
    PlanVersion.objects.filter(pk=world.version_c.pk).update(uitstroom_profiel="mbo_2")
    return PlanVersion.objects.select_related("plan__student").get(pk=world.version_c.pk)


def test_the_version_names_a_vso_pupils_profile_from_the_vso_list(lotte_mbo_2):
    assert lotte_mbo_2.plan.student.onderwijssoort == "vso"
    assert lotte_mbo_2.uitstroom_label == VSO


def test_the_editor_the_portal_the_pdf_and_the_inzage_say_the_vso_label(world, lotte_mbo_2):
    staff = login(Client(), world.begeleider_a2)
    editor = staff.get(reverse("opp:version", args=[lotte_mbo_2.pk]))
    assert editor.status_code == 200 and VSO in editor.content.decode()

    pupil = login(Client(), world.leerling_c, verified=False)
    for url in (reverse("portal:version", args=[lotte_mbo_2.pk]), reverse("portal:child", args=[world.lotte.pk])):
        page = pupil.get(url)
        assert page.status_code == 200 and VSO in page.content.decode(), url

    assert VSO in pdf.render_html(selectors.load_version(lotte_mbo_2.pk))
    readable = inzage._readable_sections(lotte_mbo_2, ["uitstroom"])
    assert readable[0]["rows"][0][1] == VSO


def test_the_version_diff_says_the_vso_label(world, lotte_mbo_2):
    content = selectors.version_content(lotte_mbo_2)
    assert selectors._section_text(content, "uitstroom", "vso").startswith(f"Uitstroomprofiel: {VSO}")
