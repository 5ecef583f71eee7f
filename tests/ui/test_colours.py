"""Every message and chip reads: its text on its background is 4.5:1 or better (WCAG AA)."""

import pytest

from app.views.common import TONE_COLOURS, URGENCY_COLOURS

# Material's palette as Flutter draws the named colours the app uses for messages and chips.
MATERIAL = {
    "green50": "#E8F5E9", "green100": "#C8E6C9", "green800": "#2E7D32", "green900": "#1B5E20",
    "amber50": "#FFF8E1", "amber100": "#FFECB3", "amber900": "#FF6F00",
    "red100": "#FFCDD2", "red900": "#B71C1C",
    "bluegrey50": "#ECEFF1", "bluegrey800": "#37474F",
}


def _luminance(colour: str) -> float:
    hexa = MATERIAL.get(str(colour.value if hasattr(colour, "value") else colour), colour).lstrip("#")
    channels = [int(hexa[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(foreground: str, background: str) -> float:
    light, dark = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_contrast_is_computed_as_wcag_does():
    assert round(contrast("amber900", "amber50"), 2) == 2.63  # the warning's old colours
    assert round(contrast("#000000", "#FFFFFF"), 1) == 21.0


@pytest.mark.parametrize("tone", list(TONE_COLOURS))
def test_every_tone_reads(tone):
    background, foreground, _ = TONE_COLOURS[tone]
    assert contrast(foreground, background) >= 4.5, (tone, foreground, background)


@pytest.mark.parametrize("urgency", list(URGENCY_COLOURS))
def test_every_urgency_chip_reads(urgency):
    background, foreground = URGENCY_COLOURS[urgency]
    assert contrast(foreground, background) >= 4.5, (urgency, foreground, background)
