"""Keyboard focus is clearly visible (WCAG 2.4.7 focus visible, 1.4.11 non-text contrast ≥ 3:1): the phone menu
button (Bootstrap removes its outline) and radios/checkboxes (Bootstrap gives them only a faint shadow) get the
same 3px ring as buttons and links, in a colour of at least 3:1 against the background it sits on."""

import re
from pathlib import Path

import pytest
from django.conf import settings

CSS = (Path(settings.BASE_DIR) / "static" / "css" / "app.css").read_text()
WHITE, NAVBAR = "#ffffff", "#1f4e79"


def _rules() -> list[tuple[list[str], str]]:
    body = re.sub(r"/\*.*?\*/", "", CSS, flags=re.S)
    return [([s.strip() for s in sel.split(",")], decl) for sel, decl in re.findall(r"([^{}]+)\{([^}]*)\}", body)]


def _outline_for(selector: str) -> str | None:
    """The outline colour the last rule naming exactly this selector sets (later rules win at equal specificity)."""
    colour = None
    for selectors, decl in _rules():
        if selector in selectors:
            found = re.search(r"outline:\s*\d+px\s+solid\s+(#[0-9a-fA-F]{6})", decl)
            if found:
                colour = found.group(1)
    return colour


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize(("selector", "background"), [
    (".navbar-toggler:focus-visible", NAVBAR),
    (".navbar.bg-opp .navbar-toggler:focus-visible", NAVBAR),
    (".form-check-input:focus-visible", WHITE),
    (".btn:focus-visible", WHITE),
    ("a:focus-visible", WHITE),
    (":focus-visible", WHITE),
])
def test_a_visible_focus_ring_with_enough_contrast(selector, background):
    colour = _outline_for(selector)
    assert colour, f"no focus outline for {selector}"
    assert contrast(colour, background) >= 3, f"{selector}: {colour} on {background}"


def test_the_phone_menu_button_does_not_lose_its_ring():
    """Bootstrap's `.navbar-toggler:focus { outline: 0 }` is overridden by a rule of the same specificity."""
    toggler = [decl for selectors, decl in _rules() if ".navbar-toggler:focus-visible" in selectors]
    assert toggler and all("outline: 0" not in decl and "outline: none" not in decl for decl in toggler)


def test_the_contrast_helper_is_right():
    assert round(contrast("#ffffff", "#000000"), 1) == 21.0
    assert contrast("#ffbf47", "#ffffff") < 3  # the old ring on a white page: too faint
