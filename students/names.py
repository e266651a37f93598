"""Dutch surnames in lists: a tussenvoegsel does not count when sorting.

Dutch school lists sort "de Wit" under W and "van den Berg" under B ("Berg, van den"), ignoring case and accents.
`sort_key` is the one function that says where a surname sorts; Student.save() stores it (Student.name_sort_key),
the migration fills it for existing rows and the pupil list orders on it.
"""

from __future__ import annotations

import unicodedata

#: The Dutch (and common Flemish, German and French) tussenvoegsels, lower case. Multi-word ones ("van den",
#: "in 't") need no entry of their own: the words are stripped one by one.
TUSSENVOEGSELS = frozenset({
    "'s", "'t", "a", "aan", "af", "al", "am", "an", "auf", "bij", "d'", "da", "dal", "de", "del", "della", "den",
    "der", "des", "di", "die", "do", "dos", "du", "el", "het", "in", "l'", "la", "las", "le", "les", "lo", "los",
    "op", "over", "s'", "t'", "te", "ten", "ter", "tho", "thoe", "to", "toe", "tot", "uit", "uijt", "und", "unter",
    "van", "vande", "vander", "vd", "ver", "vom", "von", "voor", "z'", "zu", "zum", "zur",
})

#: Apostrophe prefixes written against the name ("d'Ancona", "l'Ortye").
_GLUED = ("d'", "l'", "d’", "l’")


def split_surname(last_name: str) -> tuple[str, str]:
    """(tussenvoegsel, main part): "van den Berg" → ("van den", "Berg"); "Berg, van den" → ("van den", "Berg");
    "d'Ancona" → ("d'", "Ancona"). A name that is only tussenvoegsels ("Van") is its own main part."""
    name = " ".join((last_name or "").split())
    if "," in name:  # already written the list's way: "Berg, van den"
        main, _comma, prefix = name.partition(",")
        return prefix.strip(), main.strip()
    words = name.split(" ")
    prefix: list[str] = []
    while len(words) > 1 and words[0].lower().replace("’", "'") in TUSSENVOEGSELS:
        prefix.append(words.pop(0))
    main = " ".join(words)
    for glued in _GLUED:
        if main.lower().startswith(glued) and len(main) > len(glued):
            prefix.append(main[:len(glued)])
            main = main[len(glued):]
            break
    return " ".join(prefix), main


def _fold(text: str) -> str:
    """Lower case without accents: "Öztürk" sorts as "ozturk", among the O's."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def sort_key(last_name: str) -> str:
    """Where a surname sorts in a Dutch list: its main part, folded, then its tussenvoegsel ("van den Berg" →
    "berg van den"; "de Wit" → "wit de"). Stored on Student (max 150 characters, as last_name)."""
    prefix, main = split_surname(last_name)
    return " ".join(p for p in (_fold(main), _fold(prefix)) if p)[:150]


def list_name(first_name: str, last_name: str) -> str:
    """The name as a Dutch list shows it: "Berg, Jan van den"; "Wit, Eva de"; "Jansen, Sanne"."""
    prefix, main = split_surname(last_name)
    given = " ".join(p for p in (first_name, prefix) if p)
    return f"{main}, {given}" if given else main
