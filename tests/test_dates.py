"""opp_portal.dates: the portal's one way of writing a day, remembered per day, format and language."""

from __future__ import annotations

import datetime
import zoneinfo

from django.utils import translation
from django.utils.formats import date_format

from opp_portal import dates

D = datetime.date


def test_a_day_is_written_in_full_in_dutch():
    with translation.override("nl"):
        assert dates.formatted(D(2026, 11, 28)) == "28 november 2026"
        assert dates.formatted(D(2027, 3, 1), "j b Y") == "1 mrt 2027"


def test_the_same_day_follows_the_active_language_also_once_remembered():
    day = D(2027, 3, 1)
    with translation.override("nl"):
        assert dates.formatted(day) == "1 maart 2027"
    with translation.override("en"):
        assert dates.formatted(day) == "1 March 2027"
    with translation.override("nl"):
        assert dates.formatted(day) == "1 maart 2027"


def test_it_writes_what_djangos_date_format_writes_for_every_format_the_code_uses():
    day = D(2026, 8, 31)
    for language in ("nl", "en", "ar", "tr", "pl", "uk"):
        with translation.override(language):
            for fmt in (dates.DAY, "j F", "F Y", "F", "b", "j b Y", "Y-m-d"):
                assert dates.formatted(day, fmt) == date_format(day, fmt), (language, fmt)


def test_a_moment_keeps_its_time_and_is_not_remembered():
    moment = datetime.datetime(2026, 11, 28, 14, 5, tzinfo=zoneinfo.ZoneInfo("Europe/Amsterdam"))
    dates._remembered.cache_clear()
    with translation.override("nl"):
        assert dates.formatted(moment, "j F Y H:i") == "28 november 2026 14:05"
    assert dates._remembered.cache_info().currsize == 0
