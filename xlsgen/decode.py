"""Decoders: one cell's value → the model's value, one per ``data-kind`` of the templates.

Each takes what the cell holds (``value``: str, number, bool or date, as the Grid gives it) and the text
Excel shows for it (``shown``), and returns the model's value, or raises ``Unreadable`` with a Chinese
sentence saying what the cell holds and what was expected. Typed-by-hand forms are the norm: amounts as
text (``47,586.57``, ``　850.8``, full-width ``４７５８６．５７``, ``450万元``), shares as ``1.79%`` or as
numbers, dates as text or as Excel dates.
"""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from .anchors import parse_cn_date, split_numbered, years
from .model import CENT

_NOISE = re.compile(r"[\s,，]+")  # spaces (full-width ones too) and thousands separators
_NOISE_FLOOR = Decimal("1e-9")  # a difference below it is float noise, not typed decimals


class Unreadable(ValueError):
    """A cell whose content is not what its field holds; ``str()`` is the Chinese reason."""


def number_text(text: str) -> str:
    """Typed digits as plain ASCII: NFKC (full-width digits, ``．``, ``％``), no spaces, no separators."""
    return _NOISE.sub("", unicodedata.normalize("NFKC", text))


def text(value: Any, shown: str) -> str:
    return shown


def money(value: Any, shown: str) -> tuple[Decimal | None, str | None]:
    """An amount in 万元, to the cent; with a note when the cell held more decimals than that."""
    exact = _decimal(value, shown, "万元", "金额")
    if exact is None:
        return None, None
    rounded = exact.quantize(CENT, rounding=ROUND_HALF_UP)
    # More than float noise: the unit typed more decimals (an amount at the cent is equal, the usual case).
    if exact != rounded and abs(exact - rounded) > _NOISE_FLOOR:
        return rounded, f"{exact.normalize():f} 已按两位小数取为 {rounded}"
    return rounded, None


def percent(value: Any, shown: str, fraction: bool = False) -> Decimal | None:
    """A percentage (``25`` for 25%): typed ``25%`` or ``25``, or a number: a fraction (0.25, as Excel
    stores 25% typed into a percent cell) when ``fraction`` (the group's numbers are all ≤ 1) or when
    ``shown`` ends with ``%``."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        d = _decimal(value, shown, "", "百分比")
        # A number's Decimal times 1 is itself (digits and exponent): only a fraction is multiplied.
        return d * 100 if fraction or shown.endswith("%") else d  # type: ignore[operator]
    d = _decimal(value, shown, "%", "百分比")
    return d


def numbered(value: Any, shown: str) -> list[str]:
    return split_numbered(shown)


def date(value: Any, shown: str) -> _dt.date | None:
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    try:
        return parse_cn_date(shown)
    except ValueError:
        raise Unreadable(f"“{shown}”不是有效日期（应写成 2024年1月15日）") from None


def year(text_: str) -> int | None:
    """A year printed inside a label (``2023``, or ``""`` when left blank)."""
    found = years(text_)
    if not found:
        if number_text(text_):
            raise Unreadable(f"“{text_}”不是年份")
        return None
    return found[0]


def _decimal(value: Any, shown: str, suffix: str, what: str) -> Decimal | None:
    if value is None:
        return None
    if value.__class__ is float:  # the common case, ahead of the checks below (a bool is no float)
        exact = Decimal(repr(value))
        if exact.is_finite():
            return exact
    try:
        if isinstance(value, bool):
            raise InvalidOperation
        if isinstance(value, (int, float)):
            exact = Decimal(repr(float(value)))
        else:
            s = number_text(str(value))
            if suffix and s.endswith(suffix):
                s = s[: -len(suffix)]
            exact = Decimal(s)
        if not exact.is_finite():
            raise InvalidOperation
    except InvalidOperation:
        raise Unreadable(f"“{shown}”不是{what}（应为数字，如 {'25%' if what == '百分比' else '450.00'}）") from None
    return exact


KINDS = ("text", "money", "percent", "numbered", "date", "year")
