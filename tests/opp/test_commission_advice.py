"""The commission's advice (R-TIME-3) may still be recorded while the parents are asked for consent: it
is not part of the handelingsdeel. Nothing else may change in that state."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from opp import services
from tests.factories import StudentFactory, version_for_consent


@pytest.fixture
def vso_version(org, personas):
    student = StudentFactory(school=org.school_a2, opp_required=True)
    return version_for_consent(student, by=personas.commissie_a2, state="instemming_gevraagd")


def test_the_commission_records_its_advice_while_consent_is_asked(vso_version, personas):
    saved = services.version_save_section(
        actor=personas.commissie_a2, version=vso_version, section="commissie", revision=0,
        data={"commissie_advies_on": datetime.date(2026, 11, 20), "commissie_advies": "Positief advies."})
    assert saved.commissie_advies == "Positief advies." and saved.state == "instemming_gevraagd"


def test_other_sections_stay_closed_while_consent_is_asked(vso_version, personas, org):
    from tests.factories import member

    begeleider = member("begeleider", school=org.school_a2, username="begeleider_a2_advice")
    with pytest.raises(ValidationError, match="kan niet meer worden gewijzigd"):
        services.version_save_section(actor=begeleider, version=vso_version, section="hoorrecht", revision=0,
                                      data={"leerling_mening": "Nieuw"})
