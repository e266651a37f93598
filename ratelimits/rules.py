"""Pure rules of the rate limits: the "N/period" notation and fixed windows. No database here."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")


@dataclass(frozen=True)
class Rate:
    count: int  # requests allowed per window
    seconds: int  # window length


def parse(text: str) -> Rate:
    """'10/15m' → 10 per 15 minutes; units s, m, h, d; '5/h' means 5 per hour. Raises ValueError."""
    match = _RATE.match(text or "")
    if not match:
        raise ValueError(f"{text!r} is not a rate like '10/15m' (N per number and unit s, m, h or d)")
    count, amount, unit = int(match[1]), int(match[2] or 1), match[3]
    if count < 1 or amount < 1:
        raise ValueError(f"{text!r}: the count and the period must be at least 1")
    return Rate(count=count, seconds=amount * _UNITS[unit])


def window_start(timestamp: float, seconds: int) -> int:
    """Fixed windows aligned to the epoch: every process computes the same window for the same moment."""
    return int(timestamp // seconds) * seconds


def minutes_until(timestamp: float, end: int) -> int:
    """Whole minutes to tell the visitor, rounded up and at least 1 ("probeer het over 1 minuut opnieuw")."""
    return max(1, math.ceil((end - timestamp) / 60))
