"""Demo invitations (seed_demo): the pupil page's "Ouderportaal: uitnodigingen" panel in each of its states.

Finn Bakker's father was invited three days ago and has not made his account yet ("nog niet geaccepteerd");
Lina Amrani's mother was invited twelve days ago and her link has expired ("link verlopen op …"). Both can be sent a
reminder from the pupil page. Idempotent: a guardian who already has an invitation gets none again.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from accounts.models import User
from opp.demo import on_day
from students.models import Guardian

from . import services
from .models import Invitation

# (pupil number at OBS De Bron, guardian's name, days ago)
PENDING = [("D004", "Jeroen Bakker", 3), ("D003", "Samira Amrani", 12)]


def seed_invitations() -> None:
    begeleider = User.objects.get(username="ib.debron")
    today = timezone.localdate()
    for number, name, days_ago in PENDING:
        guardian = Guardian.objects.filter(
            name=name, links__student__pupil_number=number, links__student__school__brin="11AA").first()
        if guardian is None or Invitation.objects.filter(guardian=guardian).exists():
            continue
        with on_day(today - datetime.timedelta(days=days_ago), 15):
            services.invite(actor=begeleider, email=guardian.email, guardian=guardian, name=guardian.name)
