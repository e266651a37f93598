"""The dispute's own deadlines and the parents' wording of its state. Pure: no database access."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

#: The commission asks the board for its defence; the board has two weeks (R-GPO-3).
DEFENCE_DAYS = 14
#: The commission rules within ten weeks of receipt (R-GPO-3).
RULING_DAYS = 70
#: The board tells the parents and the commission what it does with the advice (R-GPO-4).
RESPONSE_DAYS = 14

KIND_LABELS = {
    "verweer": _("Verweer indienen bij de commissie"),
    "advies_verwacht": _("Advies van de commissie verwacht"),
    "reactie_bestuur": _("Reactie van het bestuur op het advies verzenden"),
}

#: What a parent reads in the portal: plain Dutch, no internal detail.
PARENT_STATE = {
    "ingediend": _("Het geschil is ingediend bij de Geschillencommissie passend onderwijs."),
    "verweer_gevraagd": _("De commissie heeft het bestuur gevraagd om zijn kant van de zaak (verweer)."),
    "verweer_ingediend": _("Het bestuur heeft zijn verweer bij de commissie ingediend."),
    "zitting": _("De commissie heeft het geschil op een zitting behandeld."),
    "advies_ontvangen": _("De commissie heeft advies gegeven. Het bestuur laat u weten wat het met het advies doet."),
    "reactie_verzonden": _("Het bestuur heeft u en de commissie laten weten wat het met het advies doet."),
    "gesloten": _("Het geschil is afgerond."),
}


@dataclass(frozen=True)
class Deadline:
    kind: str
    due_on: datetime.date

    @property
    def label(self) -> str:
        return str(KIND_LABELS[self.kind])


def deadlines(*, state: str, received_on, defence_submitted_on, advice_on, response_sent_parents_on,
              response_sent_commission_on) -> list[Deadline]:
    """The dispute's running deadlines, earliest first; none once it is closed."""
    if state == "gesloten":
        return []
    found = []
    if received_on and not defence_submitted_on:
        found.append(Deadline("verweer", received_on + datetime.timedelta(days=DEFENCE_DAYS)))
    if received_on and not advice_on:
        found.append(Deadline("advies_verwacht", received_on + datetime.timedelta(days=RULING_DAYS)))
    if advice_on and not (response_sent_parents_on and response_sent_commission_on):
        found.append(Deadline("reactie_bestuur", advice_on + datetime.timedelta(days=RESPONSE_DAYS)))
    return sorted(found, key=lambda d: d.due_on)


def deadlines_of(dispute) -> list[Deadline]:
    return deadlines(state=dispute.state, received_on=dispute.received_on,
                     defence_submitted_on=dispute.defence_submitted_on, advice_on=dispute.advice_on,
                     response_sent_parents_on=dispute.response_sent_parents_on,
                     response_sent_commission_on=dispute.response_sent_commission_on)


def next_deadline(dispute) -> Deadline | None:
    found = deadlines_of(dispute)
    return found[0] if found else None
