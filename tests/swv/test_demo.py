"""seed_demo's SWV part (swv.demo): every sbo and vso pupil with a TLV — one ending soon, one expired, one whose
extension is handed in — and OBS De Bron's arrangement request waiting for the SWV; the overview shows them."""

from __future__ import annotations

import datetime
import io
import zoneinfo

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from students.models import Student
from swv import overviews, rules
from swv.demo import ENDS_EXTENDED, ENDS_SOON, EXPIRED_AGO
from swv.models import AdmissionDecision, LeadTime, SwvRequest
from tests.auth import login

AMS = zoneinfo.ZoneInfo("Europe/Amsterdam")
DECEMBER = datetime.datetime(2026, 12, 5, 10, 0, tzinfo=AMS)
JUNE = datetime.datetime(2027, 6, 30, 10, 0, tzinfo=AMS)
ANCHORS = [pytest.param(at, marks=pytest.mark.clock(at), id=at.strftime("%d-%m-%Y")) for at in (DECEMBER, JUNE)]


def _pupil(brin, number):
    return Student.objects.select_related("school").get(school__brin=brin, pupil_number=number)


def _counts():
    return (AdmissionDecision.objects.count(), SwvRequest.objects.count(), LeadTime.objects.count())


@pytest.mark.parametrize("anchor", ANCHORS)
def test_the_demo_tells_the_swv_story(clock, db, anchor, client):
    call_command("seed_demo", stdout=io.StringIO())
    today = timezone.localdate()
    now = timezone.now()

    # Every sbo and vso pupil of the demo schools has a TLV that fits: vso with a category, sbo without.
    pupils = Student.objects.filter(school__brin__in=["11BB", "11CC"], onderwijssoort__in=["sbo", "vso"])
    assert pupils.count() >= 9
    for pupil in pupils:
        decisions = list(pupil.admission_decisions.all())
        assert decisions, pupil
        for d in decisions:
            assert d.kind == rules.KIND_TLV and d.samenwerkingsverband_id == pupil.school.samenwerkingsverband_id
            assert bool(d.category) == (pupil.onderwijssoort == "vso"), pupil
            assert d.decided_on <= d.starts_on and timezone.localtime(d.recorded_at).date() <= today
            assert d.ends_on >= d.starts_on
            d.full_clean()

    adam, ruben, milan = _pupil("11BB", "K001"), _pupil("11BB", "K003"), _pupil("11CC", "H001")
    # Adam's ends soon and nothing was asked; Ruben's expired (a finding); Milan's extension is handed in.
    assert adam.admission_decisions.get().ends_on == today + datetime.timedelta(days=ENDS_SOON)
    assert not SwvRequest.objects.filter(student=adam).exists()
    assert ruben.admission_decisions.get().ends_on == today - datetime.timedelta(days=EXPIRED_AGO)
    tlv = milan.admission_decisions.get()
    assert tlv.ends_on == today + datetime.timedelta(days=ENDS_EXTENDED)
    extension = SwvRequest.objects.get(student=milan)
    assert (extension.kind, extension.state, extension.extends) == ("verlenging", "ingediend", tlv)
    assert extension.reactions.get().author.username == "leerling.horizon"  # adult and handelingsbekwaam (R-TIME-4)

    # OBS De Bron's arrangement request waits for the SWV's decision.
    arrangement = SwvRequest.objects.get(student__school__brin="11AA")
    assert (arrangement.kind, arrangement.state) == ("arrangement", "ingediend")
    assert arrangement.reactions.get().author.username == "ouder.jansen"
    for request in (extension, arrangement):
        assert request.package_name and request.package_sha256 and request.channel
        assert request.created_at <= request.parents_informed_at <= request.package_made_at <= request.handed_in_at <= now

    leads = {lead.samenwerkingsverband.code: lead.as_rule() for lead in LeadTime.objects.select_related("samenwerkingsverband")}
    assert leads == {"PO 26-01": rules.Lead(rule="weken", weeks=12),
                     "VO 26-01": rules.Lead(rule="vaste_datum", day=15, month=4)}

    # The board's overview shows it all.
    login(client, User.objects.get(username="bestuurder"))
    page = client.get(reverse("swv:overview_board"))
    assert page.status_code == 200
    ending = [row.decision.student for row in page.context["ending_rows"]]
    assert adam in ending and milan in ending
    assert {r.student for r, _age in page.context["pending_rows"]} == {milan, arrangement.student}
    assert [row.student for row in page.context["findings_page"].object_list] == [ruben]
    assert page.context["chart"] is not None
    assert overviews.summary([s.pk for s in overviews.schools_in_scope(User.objects.get(username="directeur.debron"),
                                                                       "school")], today).pending == 1

    # Seeding again changes nothing.
    before = _counts()
    call_command("seed_demo", stdout=io.StringIO())
    assert _counts() == before
