"""The one write of the rate limits: count a request in its window, atomically across processes."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

from . import rules
from .models import Counter


@dataclass(frozen=True)
class Usage:
    count: int  # requests in this window, this one included
    rate: rules.Rate
    window_end: int  # epoch seconds
    now: float

    @property
    def exceeded(self) -> bool:
        return self.count > self.rate.count

    @property
    def first_refusal(self) -> bool:
        """The request that crossed the limit: audited once per key and window, not every refused retry."""
        return self.count == self.rate.count + 1

    @property
    def retry_after(self) -> int:
        return max(1, int(self.window_end - self.now))

    @property
    def minutes(self) -> int:
        return rules.minutes_until(self.now, self.window_end)


def key_for(scope: str, value: str) -> str:
    """A keyed hash: the counter table holds no client or email address in the clear."""
    message = f"ratelimit:{scope}:{value.strip().lower()}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def _aware(timestamp: float) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(timestamp, tz=datetime.UTC)


@transaction.atomic
def hit(*, scope: str, value: str, rate: rules.Rate) -> Usage:
    """Count one request of `value` (an address, an email) for `scope` and return the window's usage.

    UPDATE … count = count + 1 takes the row lock, so concurrent processes never lose a count; the first
    request of a window inserts the row (a savepoint catches the race of two first requests).
    """
    now = time.time()
    start = rules.window_start(now, rate.seconds)
    key = key_for(scope, value)
    rows = Counter.objects.filter(key=key, window_start=_aware(start))
    if not rows.update(count=F("count") + 1):
        try:
            with transaction.atomic():
                Counter.objects.create(key=key, window_start=_aware(start), expires_at=_aware(start + rate.seconds),
                                       count=1)
        except IntegrityError:
            rows.update(count=F("count") + 1)
        else:
            # A new window began for this key: a natural, bounded moment to drop the windows that are over.
            purge_expired(now=_aware(now))
    count = rows.values_list("count", flat=True).get()
    return Usage(count=count, rate=rate, window_end=start + rate.seconds, now=now)


def purge_expired(*, now: datetime.datetime) -> int:
    deleted, _per_model = Counter.objects.filter(expires_at__lte=now).delete()
    return deleted
