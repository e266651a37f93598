"""The measure of a handelingsdeel goal (R-CONTENT-4): an instrument, a baseline (value and date), a target (value
and date) and the direction that counts as progress. Pure: the editor's form and the save service both check a
goal's measure here, and the plan, its PDF and the portal describe it with `describe`.

A measure is part of the handelingsdeel and so of the consent hash (R-CONSENT-5; opp.hashing.MEASURE_FIELDS).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opp_portal import dates

#: AVI reading levels, lowest first (Start, then midden/eind per groep, then Plus).
AVI_LEVELS = ("Start", "M3", "E3", "M4", "E4", "M5", "E5", "M6", "E6", "M7", "E7", "Plus")
#: Functioneringsniveaus of a Cito/IEP/LVS test: midden/eind of groep 3 to 8, lowest first.
LVS_LEVELS = tuple(f"{half}{groep}" for groep in range(3, 9) for half in ("M", "E"))

HIGHER, LOWER = "hoger", "lager"
DIRECTIONS = [(HIGHER, gettext_lazy("Hoger is beter")), (LOWER, gettext_lazy("Lager is beter"))]


@dataclass(frozen=True)
class Instrument:
    key: str
    label: str
    #: "levels" (an ordered list), "number" (a decimal), "count" (a whole number ≥ 0) or "free" (any text).
    kind: str
    levels: tuple[str, ...] = ()
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    #: The direction that counts as progress when none is chosen; "" = the user must choose.
    default_direction: str = ""
    #: How a value is named in a sentence: "AVI E4", "45 woorden (DMT)", "80%".
    unit: str = ""


INSTRUMENTS: dict[str, Instrument] = {i.key: i for i in [
    Instrument("avi", gettext_lazy("AVI-niveau"), "levels", levels=AVI_LEVELS, default_direction=HIGHER),
    Instrument("dmt", gettext_lazy("DMT (woorden per minuut)"), "count", default_direction=HIGHER),
    Instrument("lvs_niveau", gettext_lazy("Cito/IEP/LVS: functioneringsniveau"), "levels", levels=LVS_LEVELS,
               default_direction=HIGHER),
    Instrument("lvs_score", gettext_lazy("Cito/IEP/LVS: vaardigheidsscore"), "number", default_direction=HIGHER),
    Instrument("percentage", gettext_lazy("Percentage"), "number", minimum=Decimal(0), maximum=Decimal(100),
               default_direction=HIGHER),
    Instrument("aantal", gettext_lazy("Aantal"), "count"),
    Instrument("schaal", gettext_lazy("Observatieschaal 1–5"), "count", minimum=Decimal(1), maximum=Decimal(5)),
    Instrument("vrij", gettext_lazy("Vrij (eigen omschrijving)"), "free"),
]}
INSTRUMENT_CHOICES = [(i.key, i.label) for i in INSTRUMENTS.values()]
MAX_VALUE = 50


def avi_rank(level: str) -> int:
    """The place of an AVI level in AVI_LEVELS (Start = 0); ValueError for anything else."""
    return _rank(INSTRUMENTS["avi"], level)


def _rank(instrument: Instrument, value: str) -> int:
    lowered = [level.lower() for level in instrument.levels]
    return lowered.index(value.strip().lower())


def _number(value: str) -> Decimal:
    text = value.strip().replace(" ", "").replace(",", ".")
    if not text or not all(c.isdigit() or c in ".-" for c in text):
        raise ValueError(value)
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(value) from None
    if not number.is_finite():
        raise ValueError(value)
    return number


def _dutch(number: Decimal) -> str:
    text = format(number.normalize(), "f") if number != number.to_integral() else str(int(number))
    return text.replace(".", ",")


def normalise_value(instrument_key: str, value: str) -> str:
    """The stored form of a value (AVI "e4" → "E4", "12.50" → "12,5"); ValueError when it is no value of the
    instrument."""
    instrument = INSTRUMENTS[instrument_key]
    value = (value or "").strip()
    if instrument.kind == "free":
        if not value or len(value) > MAX_VALUE:
            raise ValueError(value)
        return value
    if instrument.kind == "levels":
        return instrument.levels[_rank(instrument, value)]
    number = _number(value)
    if instrument.kind == "count" and number != number.to_integral():
        raise ValueError(value)
    if instrument.kind == "count" and number < 0:
        raise ValueError(value)
    if instrument.minimum is not None and number < instrument.minimum:
        raise ValueError(value)
    if instrument.maximum is not None and number > instrument.maximum:
        raise ValueError(value)
    return _dutch(number)


def _order_key(instrument: Instrument, value: str):
    return _rank(instrument, value) if instrument.kind == "levels" else _number(value)


def _invalid_value(instrument: Instrument) -> str:
    if instrument.kind == "levels":
        return _("Kies een niveau van %(instrument)s: %(levels)s.") % {
            "instrument": instrument.label, "levels": ", ".join(instrument.levels)}
    if instrument.key == "percentage":
        return _("Vul een percentage van 0 tot en met 100 in.")
    if instrument.key == "schaal":
        return _("Vul een heel getal van 1 tot en met 5 in.")
    if instrument.kind == "count":
        return _("Vul een heel getal (0 of meer) in.")
    if instrument.kind == "number":
        return _("Vul een getal in, bijvoorbeeld 152 of 47,5.")
    return _("Vul een waarde in (ten hoogste %(n)s tekens).") % {"n": MAX_VALUE}


@dataclass(frozen=True)
class Measure:
    instrument: str = ""
    baseline: str = ""
    baseline_on: datetime.date | None = None
    target: str = ""
    target_on: datetime.date | None = None
    direction: str = ""


def check(measure: Measure) -> tuple[Measure, dict[str, str]]:
    """The measure as it is stored (values normalised, the instrument's default direction filled in), and the
    Dutch error per field (keys "instrument", "baseline", "baseline_on", "target", "target_on", "direction").

    Refused (R-CONTENT-4): values or dates without an instrument; an instrument without baseline and target (value
    and date); a value that is not one of the instrument; a target that is not progress from the baseline in the
    chosen direction; a target date not after the baseline date."""
    errors: dict[str, str] = {}
    m = measure
    if not m.instrument:
        if any((m.baseline.strip(), m.target.strip(), m.baseline_on, m.target_on, m.direction)):
            errors["instrument"] = _("Kies het meetinstrument bij deze beginsituatie en dit doel, of maak de velden "
                                     "van de meting leeg.")
        return Measure(), errors
    instrument = INSTRUMENTS.get(m.instrument)
    if instrument is None:
        return m, {"instrument": _("Kies een meetinstrument uit de lijst.")}
    values = {}
    for name in ("baseline", "target"):
        raw = getattr(m, name).strip()
        if not raw:
            errors[name] = (_("Vul de beginwaarde in.") if name == "baseline" else _("Vul de streefwaarde in."))
            continue
        try:
            values[name] = normalise_value(instrument.key, raw)
        except ValueError:
            errors[name] = _invalid_value(instrument)
    if m.baseline_on is None:
        errors["baseline_on"] = _("Vul de datum van de beginsituatie in.")
    if m.target_on is None:
        errors["target_on"] = _("Vul de datum in waarop het doel bereikt moet zijn.")
    direction = m.direction or instrument.default_direction
    if direction not in (HIGHER, LOWER):
        if instrument.kind != "free":
            errors["direction"] = _("Kies of een hogere of een lagere waarde vooruitgang is.")
        direction = ""
    if m.baseline_on and m.target_on and m.target_on <= m.baseline_on:
        errors["target_on"] = _("De streefdatum moet na de datum van de beginsituatie liggen.")
    if instrument.kind != "free" and direction and len(values) == 2:
        base, target = (_order_key(instrument, values[n]) for n in ("baseline", "target"))
        if (direction == HIGHER and target <= base) or (direction == LOWER and target >= base):
            errors["target"] = (
                _("Het doel is geen vooruitgang: bij %(instrument)s is hoger beter, dus de streefwaarde moet hoger zijn "
                  "dan de beginwaarde (%(base)s).") if direction == HIGHER else
                _("Het doel is geen vooruitgang: bij %(instrument)s is lager beter, dus de streefwaarde moet lager zijn "
                  "dan de beginwaarde (%(base)s).")) % {"instrument": instrument.label, "base": values["baseline"]}
    if errors:
        return m, errors
    return Measure(instrument.key, values["baseline"], m.baseline_on, values["target"], m.target_on, direction), {}


def _named(instrument: Instrument, value: str) -> str:
    if instrument.key == "avi":
        return f"AVI {value}"
    if instrument.key == "percentage":
        return f"{value}%"
    if instrument.key == "dmt":
        return _("%(n)s woorden (DMT)") % {"n": value}
    if instrument.key == "schaal":
        return _("%(n)s op de schaal van 1 tot 5") % {"n": value}
    if instrument.key == "lvs_niveau":
        return _("functioneringsniveau %(v)s") % {"v": value}
    if instrument.key == "lvs_score":
        return _("vaardigheidsscore %(v)s") % {"v": value}
    return value


def describe(measure: Measure) -> str:
    """The measure in plain words, for the plan, its PDF and the parents: "Beginsituatie: AVI M4 (12 september
    2026) — doel: AVI E4 vóór 1 juli 2027". Empty without an instrument."""
    instrument = INSTRUMENTS.get(measure.instrument)
    if instrument is None:
        return ""
    text = _("Beginsituatie: %(base)s (%(base_on)s) — doel: %(target)s vóór %(target_on)s") % {
        "base": _named(instrument, measure.baseline),
        "base_on": dates.formatted(measure.baseline_on) if measure.baseline_on else "–",
        "target": _named(instrument, measure.target),
        "target_on": dates.formatted(measure.target_on) if measure.target_on else "–",
    }
    if instrument.default_direction != measure.direction and measure.direction == LOWER:
        text += " " + _("(lager is beter)")
    return text


def share(measure: Measure, value: str) -> float | None:
    """How far `value` is on the way from the baseline to the target: 0.0 at the baseline, 1.0 at the target,
    below 0 when it went back, above 1 past the target. None for a free measure, a measure without both values,
    or a value that is not one of the instrument."""
    instrument = INSTRUMENTS.get(measure.instrument)
    if instrument is None or instrument.kind == "free" or not measure.baseline or not measure.target:
        return None
    try:
        base, target, current = (_order_key(instrument, v) for v in (measure.baseline, measure.target, value))
    except ValueError:
        return None
    span = Decimal(target) - Decimal(base)
    if span == 0:
        return None
    return float((Decimal(current) - Decimal(base)) / span)


#: The outcomes `outcome` suggests; the same values as evaluations.models.ItemProgress.Progress.
BEHAALD, DEELS, NIET = "behaald", "deels", "niet"


def outcome(measure: Measure, latest: str) -> str:
    """The outcome an evaluation pre-fills from a goal's latest measured value (R-SET-2, R-CONTENT-4): "behaald" when the target
    is reached (in the goal's direction), "deels" when the value moved towards it, "niet" when it did not move or
    went back; "" when it cannot be told (no measure, a free measure, no value). Staff confirm or override it."""
    part = share(measure, latest) if latest else None
    if part is None:
        return ""
    if part >= 1:
        return BEHAALD
    return DEELS if part > 0 else NIET


# --- Measurements between evaluations (opp.measurements, the evaluation's pre-fill) -------------------------------


def named(instrument_key: str, value: str) -> str:
    """A value in words as every screen names it ("AVI E4", "45 woorden (DMT)", "80%"); the value itself for a free
    or unknown instrument."""
    instrument = INSTRUMENTS.get(instrument_key)
    return _named(instrument, value) if instrument is not None else value


def value_message(instrument_key: str) -> str:
    """The Dutch message for a value that is not one of the instrument (the measurement form, R-CONTENT-4)."""
    return _invalid_value(INSTRUMENTS.get(instrument_key) or INSTRUMENTS["vrij"])


def suggestion(measure: Measure, measured: list[tuple[str, str]]) -> str:
    """The outcome an evaluation pre-fills for a goal (R-SET-2): `outcome` of the latest of `measured` — (instrument,
    value) pairs, oldest first — that was measured with the measure's own instrument. A value of another instrument
    (a revision changed the measure) says nothing about this target; "" when none is left."""
    same = [value for instrument, value in measured if instrument == measure.instrument]
    return outcome(measure, same[-1]) if same else ""


def needs_reason(suggested: str, chosen: str, reason: str) -> bool:
    """R-SET-2: staff may choose another outcome than the measurements suggest, but then say why (the database's
    check `progress_override_has_reason` holds the same)."""
    return bool(suggested) and chosen != suggested and not (reason or "").strip()
