"""How the report's figures tell rules apart: one colour per rule on every page, a hue per family (rules of one
family differ in lightness), and panels of at most ``MAX_SERIES`` rules each, with the reference in every panel.

A report builds one ``Palette`` from every rule label it shows, so a rule keeps its colour from the summary to
its task pages and its own page.
"""

from __future__ import annotations

import colorsys
from collections import defaultdict
from dataclasses import dataclass

from harness.report.aggregate import REFERENCE

MAX_SERIES = 8  # per panel, the reference included
REFERENCE_COLOUR = "#000000"
UNKNOWN_FAMILY = "not installed"
GOLDEN_ANGLE = 0.381966  # successive family hues a golden angle apart stay distinct however many families there are


def _hex(hue: float, lightness: float, saturation: float) -> str:
    red, green, blue = colorsys.hls_to_rgb(hue % 1.0, lightness, saturation)
    return "#" + "".join(f"{round(channel * 255):02x}" for channel in (red, green, blue))


@dataclass(frozen=True)
class Palette:
    families: dict[str, str]  # rule label -> family
    colours: dict[str, str]  # rule label -> "#rrggbb"

    @classmethod
    def of(cls, families: dict[str, str]) -> Palette:
        """Colours for ``families`` (label -> family): family hues in sorted order, lightness within a family."""
        members: dict[str, list[str]] = defaultdict(list)
        for label, family in sorted(families.items()):
            if label != REFERENCE:
                members[family].append(label)
        colours = {REFERENCE: REFERENCE_COLOUR}
        for index, (_, labels) in enumerate(sorted(members.items())):
            hue = 0.6 + index * GOLDEN_ANGLE
            for rank, label in enumerate(labels):
                lightness = 0.38 + 0.3 * rank / max(1, len(labels) - 1) if len(labels) > 1 else 0.45
                colours[label] = _hex(hue, lightness, 0.75)
        return cls(dict(families), colours)

    def colour(self, label: str) -> str:
        return self.colours.get(label, "#888888")

    def family(self, label: str) -> str:
        return self.families.get(label, UNKNOWN_FAMILY)

    def panels(self, labels) -> list[tuple[str, list[str]]]:
        """Small multiples: (title, labels) per panel, families kept together and packed into panels of at most
        ``MAX_SERIES`` series; the reference, when among ``labels``, is drawn in every panel."""
        labels = sorted(set(labels))
        reference = [REFERENCE] if REFERENCE in labels else []
        room = MAX_SERIES - len(reference)
        by_family: dict[str, list[str]] = defaultdict(list)
        for label in labels:
            if label != REFERENCE:
                by_family[self.family(label)].append(label)
        chunks = [  # a family larger than a panel is split
            (family, members[start : start + room])
            for family, members in sorted(by_family.items())
            for start in range(0, len(members), room)
        ]
        panels: list[tuple[list[str], list[str]]] = []
        for family, members in chunks:
            if panels and len(panels[-1][1]) + len(members) <= room:
                panels[-1][0].append(family)
                panels[-1][1].extend(members)
            else:
                panels.append(([family], list(members)))
        if not panels:
            return [(REFERENCE, reference)] if reference else []
        return [(", ".join(dict.fromkeys(families)), reference + members) for families, members in panels]
