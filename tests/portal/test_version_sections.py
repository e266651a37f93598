"""The portal's pages show a version's sections as the compliance snapshot decides them (R-CONTENT-1..10, R-SET-4:
the onderwijssoort and an OPDC placement), without computing the rest of the snapshot: its findings are the school's,
and reading what they need cost the version page five queries (tests/perf/test_query_counts.py)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Onderwijssoort
from opp import selectors as opp_selectors
from portal import selectors
from tests.factories import PlacementEventFactory, StudentFactory, parent_of, version_for_consent

pytestmark = pytest.mark.usefixtures("clock")

PLACEMENTS = {"none": (), "opdc": ("opdc",), "observatie": ("observatie",), "both": ("observatie", "opdc")}


@pytest.mark.parametrize("soort", [s for s, _label in Onderwijssoort.choices])
@pytest.mark.parametrize("placements", sorted(PLACEMENTS))
def test_the_sections_are_the_snapshots(org, personas, soort, placements):
    student = StudentFactory(school=org.school_a, onderwijssoort=soort)
    for kind in PLACEMENTS[placements]:
        PlacementEventFactory(student=student, kind=kind)
    version = opp_selectors.load_version(version_for_consent(student, by=personas.begeleider_a).pk)
    expected = opp_selectors.snapshot(version, today=timezone.localdate()).applicable
    assert selectors.applicable_sections(version.plan.student) == expected


def test_the_version_page_shows_the_opdc_section_of_a_pupil_placed_in_an_opdc(client, org, personas):
    student = StudentFactory(school=org.school_a, onderwijssoort="vo")
    parent = parent_of(student, username="ouder_opdc")
    version = version_for_consent(student, by=personas.begeleider_a)
    client.force_login(parent.user)
    assert 'id="p-opdc"' not in client.get(reverse("portal:version", args=[version.pk])).content.decode()
    PlacementEventFactory(student=student, kind="opdc")
    html = client.get(reverse("portal:version", args=[version.pk])).content.decode()
    assert 'id="p-opdc"' in html and 'id="p-handelingsdeel"' in html
