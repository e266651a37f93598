"""Days as the portal writes them: "28 november 2026" (DAY) on every screen, letter and PDF, in the reader's language.

Django formats a date by parsing the format string letter by letter and translating the month name anew each time:
about 20 µs a day. The goal charts, the deadline lists and the overviews write the same few days hundreds of times
per page (a chart its points twice: in the picture and in its table): remembering them took a sixth off the
instructions of the portal child page with goal charts (README "Performance"). `formatted` remembers each (day, format, language): a page's repeated days cost a
dictionary lookup. Only plain dates are remembered (a bounded number of days, formats and languages); a datetime
(with its time and zone) goes straight to Django.
"""

from __future__ import annotations

import datetime
from functools import lru_cache

from django.utils import dateformat
from django.utils.translation import get_language

#: A day in full, as Dutch writes it: "28 november 2026" (ARCHITECTURE: dates; the templates' `|date:"j F Y"`).
DAY = "j F Y"


def formatted(value: datetime.date | datetime.datetime, fmt: str = DAY) -> str:
    """`value` in the format `fmt` (Django's date format letters) in the active language, as
    django.utils.formats.date_format(value, fmt) writes it."""
    if type(value) is not datetime.date:
        return dateformat.format(value, fmt)
    return _remembered(value, fmt, get_language())


@lru_cache(maxsize=16_384)
def _remembered(value: datetime.date, fmt: str, language: str | None) -> str:
    # `language` is the active one (formatted passes it): part of the key, since month names are translated.
    return dateformat.format(value, fmt)
