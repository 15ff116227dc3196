"""Colours and small multiples of the report's figures: a hue per family, a colour per rule, at most eight
series per panel with bp-sgd in each."""

import colorsys

import pytest

from harness.report.palette import MAX_SERIES, REFERENCE_COLOUR, Palette
from harness.report.plots import log_ticks

FAMILIES = {
    "bp-sgd": "backprop",
    "bp-adam": "backprop",
    **{f"fa-{i}": "feedback-alignment" for i in range(9)},
    "es": "neuroevolution",
    "ga": "neuroevolution",
    "random-features": "control",
}


def _hue(colour: str) -> float:
    red, green, blue = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return colorsys.rgb_to_hls(red, green, blue)[0]


def test_rules_of_a_family_share_a_hue_and_no_two_rules_share_a_colour():
    palette = Palette.of(FAMILIES)
    assert palette.colour("bp-sgd") == REFERENCE_COLOUR
    assert len({palette.colour(rule) for rule in FAMILIES}) == len(FAMILIES)
    hues = {}
    for rule, family in FAMILIES.items():
        if rule != "bp-sgd":
            hues.setdefault(family, set()).add(round(_hue(palette.colour(rule)), 2))
    assert all(len(family_hues) == 1 for family_hues in hues.values())
    assert len({next(iter(h)) for h in hues.values()}) == len(hues)  # and families differ in hue


def test_a_colour_depends_on_the_rules_in_the_report_not_on_the_figure():
    palette = Palette.of(FAMILIES)
    assert Palette.of(dict(reversed(FAMILIES.items()))).colours == palette.colours


def test_panels_hold_at_most_eight_series_with_the_reference_in_each_and_families_together():
    palette = Palette.of(FAMILIES)
    panels = palette.panels(FAMILIES)
    assert all(len(labels) <= MAX_SERIES and labels[0] == "bp-sgd" for _, labels in panels)
    shown = [label for _, labels in panels for label in labels if label != "bp-sgd"]
    assert sorted(shown) == sorted(set(FAMILIES) - {"bp-sgd"})  # every rule once
    for family in ("neuroevolution", "backprop", "control"):
        members = {rule for rule, f in FAMILIES.items() if f == family and rule != "bp-sgd"}
        assert any(members <= set(labels) for _, labels in panels), family
    assert len(panels) == 3  # nine feedback-alignment rules split into two panels; the small families packed


def test_without_the_reference_a_panel_has_room_for_eight_rules():
    panels = Palette.of({f"r{i}": "one" for i in range(8)}).panels([f"r{i}" for i in range(8)])
    assert [len(labels) for _, labels in panels] == [8]


@pytest.mark.parametrize(
    "low, high, expected",
    [(128, 3000, [200, 500, 1000, 2000]), (1, 8, [1, 2, 5]), (10, 1e6, [10, 100, 1e3, 1e4, 1e5, 1e6])],
)
def test_log_ticks_are_few_and_round(low, high, expected):
    assert log_ticks(low, high) == pytest.approx(expected)
    assert len(log_ticks(1, 1e12)) <= 7
