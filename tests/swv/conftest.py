"""The SWV tests' cast: school A2 (vso, cluster 4, board A) with its begeleider and schoolleider, a vso pupil there,
an sbo school and a cluster-2 so school of board A, and a PDF to upload."""

import datetime
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Role
from tests.factories import SCAN_PDF, SchoolFactory, StudentFactory, member

D = datetime.date


def pdf(name="tlv.pdf", content=SCAN_PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def swv_world(org, personas, private):
    a2 = org.school_a2
    sbo = SchoolFactory(board=org.board_a, name="SBO De Brug", brin="01AC", onderwijssoorten=["sbo"],
                        samenwerkingsverband=a2.samenwerkingsverband)
    so2 = SchoolFactory(board=org.board_a, name="Auris (so, cluster 2)", brin="01AD", onderwijssoorten=["so"], cluster=2)
    return SimpleNamespace(
        school=a2, sbo_school=sbo, so2_school=so2, swv=a2.samenwerkingsverband,
        begeleider=member(Role.BEGELEIDER, school=a2, username="begeleider_a2"),
        schoolleider=member(Role.SCHOOLLEIDER, school=a2, username="schoolleider_a2"),
        sbo_begeleider=member(Role.BEGELEIDER, school=sbo, username="begeleider_sbo"),
        pupil=StudentFactory(school=a2, first_name="Lotte", last_name="Horizonbeek", onderwijssoort="vso"),
        sbo_pupil=StudentFactory(school=sbo, first_name="Daan", last_name="Brugman", onderwijssoort="sbo"),
    )
