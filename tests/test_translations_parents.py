"""Every text a parent reads has a translation in every parent language (opp_portal.languages).

The parent's msgids are those of opp_portal.languages.PARENT_SOURCES and PARENT_LABELS, extracted by
bin/parent-messages into locale/parents.pot. This test extracts them again (GNU gettext's xgettext; without it the
committed POT is used) and checks:
- the committed POT is current (a new or changed text in a parent's file must be run through bin/parent-messages);
- every msgid has a non-empty, non-fuzzy translation in ar, tr, pl, uk (their catalogues) and en (the main
  catalogue), with the same %(name)s placeholders and HTML tags; the failure lists what is missing per language;
- the committed .mo files are compiled from the committed .po files (a fresh machine needs no gettext).
"""

from __future__ import annotations

import gettext
import importlib.machinery
import importlib.util
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from opp_portal import languages

ROOT = Path(__file__).resolve().parent.parent
POT = ROOT / "locale" / "parents.pot"
CODES = ["en", *languages.PARENT_ONLY_CODES]
HAS_GETTEXT = all(shutil.which(tool) for tool in ("xgettext", "msgfmt"))
PLACEHOLDER = re.compile(r"%\((\w+)\)s|<(/?\w+)")


def _tool():
    loader = importlib.machinery.SourceFileLoader("parent_messages", str(ROOT / "bin" / "parent-messages"))
    spec = importlib.util.spec_from_loader("parent_messages", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def _unquote(lines: list[str]) -> str:
    text = "".join(line.strip()[1:-1] for line in lines)
    return re.sub(r'\\(.)', lambda m: {"n": "\n", "t": "\t"}.get(m[1], m[1]), text)


def entries(pot_text: str) -> list[tuple[str | None, str, str | None]]:
    """(msgctxt, msgid, msgid_plural) of every entry of a POT (the header left out)."""
    found = []
    for block in pot_text.split("\n\n"):
        fields: dict[str, list[str]] = {}
        current = None
        for line in block.splitlines():
            if line.startswith("#") or not line.strip():
                continue
            keyword = line.split(" ", 1)[0]
            if keyword in ("msgctxt", "msgid", "msgid_plural") or keyword.startswith("msgstr"):
                current = keyword
                fields[current] = [line.split(" ", 1)[1]]
            else:
                fields[current].append(line)
        if "msgid" in fields and _unquote(fields["msgid"]):
            found.append((_unquote(fields["msgctxt"]) if "msgctxt" in fields else None, _unquote(fields["msgid"]),
                          _unquote(fields["msgid_plural"]) if "msgid_plural" in fields else None))
    return found


def _catalog(po: Path, tmp_path: Path) -> dict:
    """The catalogue msgfmt compiles from `po`: empty and fuzzy entries are left out, as Django never sees them."""
    mo = tmp_path / f"{po.parent.parent.name}.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(mo), str(po)], check=True, capture_output=True)
    with mo.open("rb") as f:
        return gettext.GNUTranslations(f)._catalog


def _mo_catalog(mo: Path) -> dict:
    with mo.open("rb") as f:
        return gettext.GNUTranslations(f)._catalog


def _marks(text: str) -> set[str]:
    return {a or f"<{b}" for a, b in PLACEHOLDER.findall(text)}


PARENT_MSGIDS = entries(POT.read_text(encoding="utf-8"))


def test_there_are_parent_texts_and_every_language_has_a_catalogue():
    assert len(PARENT_MSGIDS) > 300
    for code in CODES:
        assert (ROOT / "locale" / code / "LC_MESSAGES" / "django.po").exists(), code


@pytest.mark.skipif(not HAS_GETTEXT, reason="GNU gettext (xgettext) is not installed")
def test_the_committed_pot_holds_exactly_the_parent_texts_of_today():
    extracted = entries(_tool().extract())
    assert sorted(map(str, set(extracted) - set(PARENT_MSGIDS))) == [], "new parent texts: run bin/parent-messages"
    assert sorted(map(str, set(PARENT_MSGIDS) - set(extracted))) == [], "gone parent texts: run bin/parent-messages"


@pytest.mark.skipif(not HAS_GETTEXT, reason="GNU gettext (msgfmt) is not installed")
@pytest.mark.parametrize("code", CODES)
def test_every_parent_text_is_translated_with_the_same_placeholders(code, tmp_path):
    catalog = _catalog(ROOT / "locale" / code / "LC_MESSAGES" / "django.po", tmp_path)
    missing, wrong = [], []
    for ctx, msgid, plural in PARENT_MSGIDS:
        key = f"{ctx}\x04{msgid}" if ctx else msgid
        if plural is None:
            translated = [catalog.get(key)]
            expected = _marks(msgid)
        else:
            translated = [v for k, v in catalog.items() if isinstance(k, tuple) and k[0] == key] or [None]
            expected = _marks(plural)
        if any(not t for t in translated):
            missing.append(msgid)
            continue
        for t in translated:
            if _marks(t) != expected:
                wrong.append(f"{msgid!r} → {t!r}")
        if msgid == "ja,nee,nog niet ingevuld" and translated[0].count(",") != 2:
            wrong.append(f"{msgid!r} → {translated[0]!r}: yesno takes three comma-separated words")
    assert missing == [], f"{code}: {len(missing)} parent texts without a translation:\n" + "\n".join(missing)
    assert wrong == [], f"{code}: placeholders or tags differ:\n" + "\n".join(wrong)


@pytest.mark.skipif(not HAS_GETTEXT, reason="GNU gettext (msgfmt) is not installed")
@pytest.mark.parametrize("code", languages.PARENT_ONLY_CODES)
def test_the_committed_mo_is_compiled_from_the_po(code, tmp_path):
    folder = ROOT / "locale" / code / "LC_MESSAGES"
    assert _mo_catalog(folder / "django.mo") == _catalog(folder / "django.po", tmp_path), \
        f"run: DEBUG=1 .venv/bin/python manage.py compilemessages -l {code}"
