"""Pure rules of the OPP that several modules share (no ORM; tested without a database).

- The GPO's term (R-GPO-2): a request is filed within six weeks after the OPP was made known to the party
  that files it. It runs per party: parents told on paper later than others get their own last day.
- Who must be told of a decision (R-GPO-7, R-TIME-4): every guardian with gezag; for an adult,
  handelingsbekwame pupil the pupil, and the parents only with the pupil's permission or when the parents
  consent together with the pupil. The same rule decides who is told through the portal
  (opp.adoption._parents_to_notify) and whose bekendmaking the school records (opp.bekendmaking).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from students.eligibility import parents_are_told

from .consent import GuardianFact, Party

__all__ = ["GPO_TERM_DAYS", "gpo_last_day", "gpo_term_open", "parents_are_told", "parties_to_tell"]

GPO_TERM_DAYS = 42  # R-GPO-2: six weeks after it was made known


def gpo_last_day(made_known_on: datetime.date) -> datetime.date:
    """The last day on which the party told on `made_known_on` can file at the GPO (R-GPO-2)."""
    return made_known_on + datetime.timedelta(days=GPO_TERM_DAYS)


def gpo_term_open(made_known_on: datetime.date, today: datetime.date) -> bool:
    """Whether that party's six weeks still run on `today` (R-GPO-2): the last day itself still counts."""
    return today <= gpo_last_day(made_known_on)


def parties_to_tell(*, pupil_id: int, pupil_name: str, handelingsbekwaam: bool, consent_party: str,
                    parents_informed: bool, guardians: Iterable[GuardianFact]) -> tuple[Party, ...]:
    """Everyone to whom a decision on the OPP (vaststelling, intrekking) must be made known, pupil first."""
    parties: list[Party] = []
    if handelingsbekwaam:
        parties.append(Party("pupil", pupil_id, pupil_name))
    if parents_are_told(handelingsbekwaam=handelingsbekwaam, consent_party=consent_party,
                        parents_informed=parents_informed):
        parties += [Party("guardian", g.id, g.name) for g in guardians if g.has_gezag]
    return tuple(parties)
