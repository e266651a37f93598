"""Who must consent to the handelingsdeel (ARCHITECTURE.md "Consent parties", R-TIME-4). Pure.

Every guardian with gezag by default (a school may let one suffice); for an adult, handelingsbekwame
vso pupil the pupil in their own name, or the pupil together with the parents. A guardian without
gezag may react but never consents.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Party:
    kind: str  # "guardian" | "pupil"
    id: int
    name: str

    def as_dict(self) -> dict:
        return {"kind": self.kind, "id": self.id, "name": self.name}


@dataclass(frozen=True)
class GuardianFact:
    id: int
    name: str
    has_gezag: bool


@dataclass(frozen=True)
class Requirement:
    parties: tuple[Party, ...]
    any_one_suffices: bool = False


def required_parties(*, pupil_id: int, pupil_name: str, handelingsbekwaam: bool, consent_party: str,
                     guardians: list[GuardianFact], one_guardian_suffices: bool) -> Requirement:
    with_gezag = tuple(Party("guardian", g.id, g.name) for g in guardians if g.has_gezag)
    if handelingsbekwaam:
        pupil = Party("pupil", pupil_id, pupil_name)
        if consent_party == "leerling_en_ouders":
            return Requirement((pupil, *with_gezag))
        return Requirement((pupil,))
    return Requirement(with_gezag, any_one_suffices=one_guardian_suffices and len(with_gezag) > 1)


def outcome(requirement_parties: list[dict], any_one_suffices: bool, answers: dict[tuple[str, int], str]) -> str:
    """'geweigerd' as soon as one required party says no (one refusal means no consent); 'gegeven'
    when every required party (or, where the school allows, one guardian) said yes; else 'open'."""
    keys = [(p["kind"], p["id"]) for p in requirement_parties]
    given = [answers.get(k) for k in keys]
    if "nee" in given:
        return "geweigerd"
    if any_one_suffices:
        pupil_keys = [k for k in keys if k[0] == "pupil"]
        guardians_yes = any(answers.get(k) == "ja" for k in keys if k[0] == "guardian")
        if guardians_yes and all(answers.get(k) == "ja" for k in pupil_keys):
            return "gegeven"
        return "open"
    if keys and all(g == "ja" for g in given):
        return "gegeven"
    return "open"
