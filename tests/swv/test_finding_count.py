"""The start page's SWV panel counts the pupils without a valid admission decision (swv.overviews.finding_count) from
a few columns instead of loading the pupils: the same number as the overview's list (swv.overviews.findings), for
every case of swv.rules.finding."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext

from swv import overviews
from swv.models import AdmissionDecision
from tests.swv.test_overviews import TODAY, ov, pupil, story, tlv  # noqa: F401 (fixtures)

D = datetime.date


def test_the_count_is_the_length_of_the_list(ov, story):  # noqa: F811
    # Besides the story's cases: a decision for another onderwijssoort, a withdrawn one, one that starts later, an
    # onbepaalde TLV, an sbo pupil (TLV without category) and a pupil of a school of another board.
    other = pupil(ov.a2, "Olaf")
    tlv(other, D(2027, 7, 31), by=ov.by, onderwijssoort="so")
    withdrawn = pupil(ov.a2, "Wim")
    tlv(withdrawn, D(2027, 7, 31), by=ov.by, withdrawn=True)
    starts_later = pupil(ov.a2, "Lotte")
    tlv(starts_later, D(2027, 7, 31), starts_on=D(2026, 10, 1), by=ov.by)
    open_ended = pupil(ov.a2, "Otto")
    AdmissionDecision.objects.filter(pk=tlv(open_ended, D(2027, 7, 31), by=ov.by).pk).update(ends_on=None)
    pupil(ov.sbo, "Sem", onderwijssoort="sbo")
    pupil(ov.vso_b, "Bo")

    for ids in ([ov.a2.pk], [ov.a2.pk, ov.sbo.pk], [ov.a2.pk, ov.sbo.pk, ov.vso_b.pk], [ov.vso_b.pk]):
        assert overviews.finding_count(ids, TODAY) == len(overviews.findings(ids, TODAY)), ids
    assert overviews.finding_count([ov.a2.pk], TODAY) == 5  # Noah, Eva, Olaf, Wim, Lotte


def test_no_pupil_that_needs_a_decision_costs_one_query(ov, org):  # noqa: F811
    pupil(org.school_a, "Bas")  # a bao pupil: no admission decision needed
    with CaptureQueriesContext(connection) as queries:
        assert overviews.finding_count([org.school_a.pk], TODAY) == 0
    assert len(queries) == 1
