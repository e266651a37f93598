"""SMART hints on a handelingsdeel goal (R-CONTENT-4): is it specific, measurable and timed, and about this pupil?

Hints, never a refusal: the editor shows them under each goal after loading or saving (templates/opp/_smart_hints.html)
and again while the user types (static/js/smart_hints.js). The script applies exactly the rules below: it gets the
word lists, thresholds and messages from `client_config` (rendered into the page as JSON), so this module stays the
one place of the rule. Hence the matching is deliberately simple and the same in both languages: the text is
lower-cased, everything but letters, digits and "%" becomes a space (`normalise`), and a marker matches as whole
words (`_has_words`) or, for the markers that occur inside compounds ("kerstvakantie"), as part of a word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import compliance, measures

#: Verbs that say a direction but not how far (R-CONTENT-4: the goal must be evaluable). Matched as whole words.
VAGUE_VERBS = (
    "verbeteren", "verbetert", "verbeterd", "beter worden", "beter wordt", "beter gaan", "beter gaat",
    "werken aan", "werkt aan", "stimuleren", "stimuleert", "ontwikkelen", "ontwikkelt", "vergroten", "vergroot",
    "versterken", "versterkt", "bevorderen", "bevordert", "uitbreiden", "vooruitgaan", "gaat vooruit",
    "groeien", "groeit", "leren omgaan", "leert omgaan", "optimaliseren",
)
#: Words that make a goal measurable: a level, an amount or a criterion. Any word with a digit counts too
#: ("15 minuten", "AVI E4", "80%").
CRITERION_WORDS = (
    "niveau", "minimaal", "minstens", "ten minste", "tenminste", "maximaal", "hoogstens", "foutloos", "foutloze",
    "zonder hulp", "zelfstandig", "twee", "drie", "vier", "vijf", "zes", "zeven", "acht", "negen", "tien", "elf",
    "twaalf", "twintig", "dertig", "veertig", "vijftig", "honderd", "alle", "helft", "procent", "%",
)
#: Words that give the goal a term. A year (2027) counts too.
TERM_WORDS = (
    "week", "weken", "maand", "maanden", "jaar", "trimester", "semester", "rapport", "eind groep", "einde groep",
    "eind van", "einde van", "midden groep", "uiterlijk", "binnen",
)
#: … and parts of words that do ("kerstvakantie", "dit schooljaar", "in de toetsweek van januari").
TERM_PARTS = (
    "vakantie", "schooljaar", "periode", "toetsweek", "januari", "februari", "maart", "april", "mei", "juni", "juli",
    "augustus", "september", "oktober", "november", "december",
)
#: Words that show the goal is about what the pupil does, besides the pupil's first name.
PUPIL_WORDS = ("leerling", "hij", "zij", "ze")
#: Longer than this, or more sentences than this, and the goal probably holds several goals.
MAX_WORDS = 40
MAX_SENTENCES = 2

_NOT_WORD = re.compile(r"[^0-9a-z\u00e0-\u00ff%]+")
_SENTENCE_END = re.compile(r"[.!?;]+")
_HAS_TEXT = re.compile(r"[0-9A-Za-z\u00c0-\u00ff]")
_YEAR = re.compile(r"^(19|20)[0-9][0-9]$")

MESSAGES = {
    "no_measure": gettext_lazy("Hoe meet u dit doel? Kies een meetinstrument of noem een meetbaar criterium."),
    "no_term": gettext_lazy("Wanneer moet het doel bereikt zijn? Noem een termijn in het doel (bijvoorbeeld ‘voor de "
                            "kerstvakantie’ of ‘eind groep 5’) of vul bij de meting een streefdatum in."),
    "vague": gettext_lazy("‘%(verb)s’ zegt niet hoeveel: noem een niveau, een aantal of een criterium (bijvoorbeeld "
                          "‘leest op AVI E4’ of ‘4 van de 5 keer’)."),
    "no_pupil": gettext_lazy("Wat gaat de leerling zelf doen? Beschrijf het doel als gedrag van de leerling, "
                             "bijvoorbeeld ‘%(name)s leest …’ of ‘de leerling vraagt …’."),
    "too_long": gettext_lazy("Dit doel is lang of bestaat uit meerdere zinnen. Staan er meerdere doelen in? Maak er dan "
                             "aparte onderdelen van."),
    "bank_unchanged": gettext_lazy("Deze doeltekst komt ongewijzigd uit de tekstbank. Maak hem specifiek voor deze "
                                   "leerling."),
}
INTRO = gettext_lazy("Tips voor een SMART doel (u kunt altijd opslaan):")
#: The order in which hints are shown (also the script's).
ORDER = ("bank_unchanged", "no_pupil", "vague", "no_measure", "no_term", "too_long")


@dataclass(frozen=True)
class Hint:
    code: str
    text: str


def normalise(text: str) -> str:
    """The text as the rules read it: " word word … " in lower case (letters, digits and "%"), one space between."""
    words = _NOT_WORD.sub(" ", (text or "").lower()).split()
    return " " + " ".join(words) + " " if words else " "


def _has_words(normalised: str, phrase: str) -> bool:
    return f" {phrase} " in normalised


def _first(normalised: str, phrases) -> str:
    return next((p for p in phrases if _has_words(normalised, p)), "")


def _has_criterion(normalised: str) -> bool:
    return any(c.isdigit() for c in normalised) or bool(_first(normalised, CRITERION_WORDS))


def _has_term(normalised: str) -> bool:
    return (bool(_first(normalised, TERM_WORDS)) or any(part in normalised for part in TERM_PARTS)
            or any(_YEAR.match(word) for word in normalised.split()))


def _names_pupil(normalised: str, pupil_name: str) -> bool:
    name = normalise(pupil_name).strip()
    return bool(_first(normalised, PUPIL_WORDS)) or bool(name and _has_words(normalised, name))


def sentences(text: str) -> int:
    return sum(1 for piece in _SENTENCE_END.split(text or "") if _HAS_TEXT.search(piece))


def same_text(text: str, original: str) -> bool:
    """Whether a goal still reads as the bank text it was started from: the goal bank's own rule
    (opp.compliance.bank_text_changed; only spacing and line ends may differ)."""
    return not compliance.bank_text_changed(text, original)


def hints(goal_text: str, measure: measures.Measure | None = None, *, pupil_name: str = "",
          bank_original: str = "") -> list[Hint]:
    """The SMART hints for one goal, in ORDER; none for an empty goal (the form asks for it). `measure` is the row's
    measure (opp.measures; only its instrument, target and target date count here), `pupil_name` the pupil's first
    name, `bank_original` the bank text the goal was started from (ActionItem.goal_bank_original), if any."""
    if not (goal_text or "").strip():
        return []
    measure = measure or measures.Measure()
    text = normalise(goal_text)
    has_target = bool(measure.instrument and (measure.target or "").strip())
    found: dict[str, str] = {}
    if bank_original.strip() and same_text(goal_text, bank_original):
        found["bank_unchanged"] = str(MESSAGES["bank_unchanged"])
    if not _names_pupil(text, pupil_name):
        found["no_pupil"] = str(MESSAGES["no_pupil"]) % {"name": pupil_name.strip() or _("de leerling")}
    verb = _first(text, VAGUE_VERBS)
    if verb and not _has_criterion(text) and not has_target:
        found["vague"] = str(MESSAGES["vague"]) % {"verb": verb}
    if not measure.instrument and not _has_criterion(text):
        found["no_measure"] = str(MESSAGES["no_measure"])
    if measure.target_on is None and not _has_term(text):
        found["no_term"] = str(MESSAGES["no_term"])
    if len(text.split()) > MAX_WORDS or sentences(goal_text) > MAX_SENTENCES:
        found["too_long"] = str(MESSAGES["too_long"])
    return [Hint(code, found[code]) for code in ORDER if code in found]


def client_config(pupil_name: str = "") -> dict:
    """What static/js/smart_hints.js needs to apply the same rules in the browser (rendered with json_script)."""
    messages = {code: str(text) for code, text in MESSAGES.items()}
    messages["no_pupil"] = messages["no_pupil"] % {"name": pupil_name.strip() or _("de leerling")}
    return {
        "vague": list(VAGUE_VERBS), "criterion": list(CRITERION_WORDS), "term": list(TERM_WORDS),
        "term_parts": list(TERM_PARTS), "pupil": list(PUPIL_WORDS), "pupil_name": pupil_name.strip(),
        "max_words": MAX_WORDS, "max_sentences": MAX_SENTENCES, "order": list(ORDER), "messages": messages,
        "intro": str(INTRO),
    }
