"""Golden workbooks: the generated file equals a reference reviewed once by a person.

Compared part by part (as XlsxWriter's own tests do), so a failure names the first differing XML
part and line. To accept an intended change: ``python -m tests.test_golden``, then open and render
the new files (``soffice --headless --convert-to pdf``) and look at them before committing.
"""

from __future__ import annotations

import io
import re
import sys
import zipfile
from pathlib import Path

import pytest

from xlsgen.model import load_unit
from xlsgen.render import workbook_bytes

GOLDEN = Path(__file__).parent / "golden"
DATA = Path(__file__).resolve().parent.parent / "data"
UNITS = ["阳新县医疗保障服务中心", "怀来县医疗保障局"]


def parts(data: bytes) -> dict[str, list[str]]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {name: re.sub(r">\s*<", ">\n<", z.read(name).decode("utf-8")).splitlines() for name in z.namelist()}


def first_difference(got: bytes, want: bytes) -> str | None:
    a, b = parts(got), parts(want)
    if list(a) != list(b):
        return f"parts differ: {sorted(set(a) ^ set(b)) or 'order'}"
    for name in b:
        for n, (x, y) in enumerate(zip(a[name], b[name], strict=False), 1):
            if x != y:
                return f"{name} line {n}:\n  got  {x[:200]}\n  want {y[:200]}"
        if len(a[name]) != len(b[name]):
            return f"{name}: {len(a[name])} lines, golden has {len(b[name])}"
    return None


@pytest.mark.parametrize("name", UNITS)
def test_matches_golden(name: str) -> None:
    got = workbook_bytes(load_unit(DATA / f"{name}.json"))
    want = (GOLDEN / f"{name}.xlsx").read_bytes()
    diff = first_difference(got, want)
    assert diff is None, diff


def test_comparison_names_the_first_difference() -> None:
    unit = load_unit(DATA / f"{UNITS[0]}.json")
    changed = unit.model_copy(update={"phone": "00000000000"})
    diff = first_difference(workbook_bytes(changed), workbook_bytes(unit))
    assert diff is not None and diff.startswith("xl/sharedStrings.xml line")


if __name__ == "__main__":
    for name in UNITS:
        target = GOLDEN / f"{name}.xlsx"
        target.write_bytes(workbook_bytes(load_unit(DATA / f"{name}.json")))
        print(f"wrote {target}: render it and look before committing", file=sys.stderr)
