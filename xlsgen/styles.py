"""The style sheet: a template's ``class`` names → xlsxwriter format properties.

Kept apart from the renderer because the row-height fitter needs the same font sizes and the
reader needs to know which classes are labels (locked) and which are inputs.
"""

from __future__ import annotations

from typing import Any

BODY_FONT = "宋体"
BODY_SIZE = 10

_BASE: dict[str, Any] = {"font_name": BODY_FONT, "font_size": BODY_SIZE, "valign": "vcenter", "text_wrap": True}
_BOX: dict[str, Any] = {**_BASE, "border": 1}

STYLES: dict[str, dict[str, Any]] = {
    "attach": {**_BASE, "align": "left", "font_size": 11},
    "title": {**_BASE, "align": "center", "bold": True, "font_size": 18},
    "heading": {**_BASE, "align": "left", "bold": True, "font_size": 12},
    "meta": {**_BASE, "align": "left"},
    "meta_r": {**_BASE, "align": "right"},
    "meta_in": {**_BASE, "align": "left", "locked": False},
    "label": {**_BOX, "align": "center"},
    "label_l": {**_BOX, "align": "left"},
    "input": {**_BOX, "align": "left", "locked": False},
    "input_c": {**_BOX, "align": "center", "locked": False},
    "money": {**_BOX, "align": "right", "num_format": "0.00", "locked": False},
    "money_in": {**_BOX, "align": "right", "num_format": "0.00", "locked": False},
    "money_total": {**_BOX, "align": "right", "num_format": "0.00"},
    "ratio": {**_BOX, "align": "right", "num_format": "0.00%"},
    "ratio_total": {**_BOX, "align": "right", "num_format": "0.00%"},
    "pct": {**_BOX, "align": "center", "num_format": "0%", "locked": False},
    "notes_head": {**_BASE, "align": "left", "bold": True},
    "notes": {**_BASE, "align": "left"},
}

# How the renderer writes a class's cell text: as a number (money, a ratio, a percentage) or as text.
VALUE_TYPES: dict[str, str] = {
    "money": "money",
    "money_in": "money",
    "money_total": "money",
    "ratio": "ratio",
    "ratio_total": "ratio",
    "pct": "percent",
}


def font_size(style: str) -> float:
    return float(STYLES[style].get("font_size", BODY_SIZE))


def is_input(style: str) -> bool:
    return STYLES[style].get("locked", True) is False
