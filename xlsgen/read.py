"""Reader: an edited or hand-typed workbook → Unit, by the anchors the templates print (issue 4).

::

    bytes ─(safety.open_package)→ checked parts ─(grid.load_grids)→ a Grid per sheet ─(anchors)→ Unit

Sheets are recognised by their content, not their names. On 部门整体绩效目标申报表 each section is found by
its anchor in column A and read up to the next anchor, so blank rows between sections, inserted and
deleted indicator rows and re-merged cells do not matter; columns never move (the official layout has
nine). On 项目绩效目标表 every 项目编码 row starts a project block. The 附件1 row of a project and its block
on the project sheet are one project: paired by position, by name when the counts differ.

Every non-empty cell of a form sheet ends up read into a field, recognised as a label of the form or as
a derived cell (合计, 占比, a project's heading), or reported in a warning naming file!sheet!cell.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from itertools import zip_longest
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from . import forms
from .anchors import (
    DEPT_LABELS,
    PROJECT_LABELS,
    YEAR_HEADER,
    Spot,
    Table,
    key,
    parse_cn_date,
    spec,
    split_numbered,
    squash,
    years,
)
from .errors import ERROR, WARNING, Location, Problem, ReadError
from .forms import IDENTITY_PROPERTIES
from .grid import Grid, load_grids
from .layout import TEMPLATE_VERSION
from .model import _CONTROL, CENT, Expense, Income, SpendPlan, Unit, YearAmounts, explain, json_path
from .safety import open_package

LEFTOVERS = 50  # cells listed one by one in warnings; a sheet full of other content gets one line more
MISSING = "待填写"  # stands in for a required field the workbook does not hold; a warning says so
_CODE = re.compile(r"([0-9A-Za-z]*)(.*)", re.S)  # a project's unit line: <单位编码><单位名称>


@dataclass
class Imported:
    unit: Unit
    cells: dict[str, str]  # JSON path → "sheet!A1" where it was read
    warnings: list[Problem]  # W-READ, each at file!sheet!cell or at the file
    source: str
    # What the derived cells show (funding.income.total.current, funding.income.fiscal.share, …), for the
    # validator to compare with the amounts; a formula cell saved without its value is left out.
    shown: dict[str, Any] = field(default_factory=dict)


def read_workbook(path: str | Path, *, engine: str = "auto") -> Imported:
    """Read one workbook file; raises ReadError / UnsafeFileError naming the file (and sheet!cell)."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise ReadError(f"无法读取文件（{exc.strerror or exc}）", Location(str(p))) from None
    return read_bytes(data, p.name, engine=engine)


def read_bytes(data: bytes, source: str, *, engine: str = "auto") -> Imported:
    """Read a workbook held in memory; ``source`` names it in every message."""
    package = open_package(data, source)
    return _Reader(source, package.properties).read(load_grids(package, engine))


@dataclass
class _Part:
    """What one sheet says about one project, before the project's place in the unit is known."""

    grid: Grid
    where: tuple[int, int]  # the cell a warning about the whole project names
    values: dict[str, Any] = field(default_factory=dict)
    cells: dict[str, tuple[int, int]] = field(default_factory=dict)  # field path → (row, col)


class _Reader:
    def __init__(self, source: str, properties: dict[str, str]) -> None:
        self.source = source
        self.properties = properties
        self.s = spec()
        self.cells: dict[str, tuple[Grid, int, int]] = {}
        self.warnings: list[Problem] = []
        self.used: set[tuple[str, int, int]] = set()
        self.shown: dict[str, Any] = {}

    # ---------------------------------------------------------------- bookkeeping

    def warn(self, g: Grid, r: int, c: int, message: str) -> None:
        self.warnings.append(Problem(WARNING, "W-READ", message, Location(self.source, sheet=g.name, cell=g.a1(r, c))))

    def note(self, message: str) -> None:
        self.warnings.append(Problem(WARNING, "W-READ", message, Location(self.source)))

    def place(self, path: str, g: Grid, r: int, c: int) -> None:
        self.cells[path] = (g, r, c)

    def take(self, g: Grid, r: int, c: int) -> str:
        """Mark a cell as read and return its text (control characters, which XML cannot hold, removed)."""
        self.used.add((g.name, r, c))
        text = g.text(r, c)
        if _CONTROL.search(text):
            self.warn(g, r, c, "含有不可见的控制字符，已删除")
            text = _CONTROL.sub("", text)
        return text

    def amount(self, g: Grid, r: int, c: int, scale: int = 1) -> Decimal | None:
        """A money amount in 万元 (with ``scale`` 100, a percentage stored as a fraction); None when blank."""
        self.used.add((g.name, r, c))
        v = g.value(r, c)
        if v is None:
            return None
        try:
            if isinstance(v, bool):
                raise InvalidOperation
            if isinstance(v, (int, float)):
                exact = Decimal(repr(float(v))) * scale
            else:  # typed as text: 1,234.50 / 450万元 / 25%
                exact = Decimal(squash(str(v)).replace(",", "").replace("，", "").removesuffix("万元").rstrip("%％"))
            if not exact.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            self.warn(g, r, c, f"“{v}”不是数字，已忽略")
            return None
        rounded = exact.quantize(CENT, rounding=ROUND_HALF_UP)
        if abs(exact - rounded) > Decimal("1e-9"):  # more than float noise: the unit typed more decimals
            self.warn(g, r, c, f"{exact.normalize():f} 已按两位小数取为 {rounded}")
        return rounded

    def derived(self, path: str, g: Grid, r: int, c: int) -> None:
        """A computed cell: not data, but where it is and what it shows go to the validator."""
        self.used.add((g.name, r, c))
        self.place(path, g, r, c)
        if g.value(r, c) is not None:
            self.shown[path] = g.value(r, c)

    def spot(self, g: Grid, spot: Spot, lo: int, hi: int) -> tuple[int, int] | None:
        """The cell of a single field: find its label in rows [lo, hi), step ``dr`` rows down."""
        for r in range(lo, hi):
            if g.value(r, spot.label_col) is not None and key(g.text(r, spot.label_col)) == spot.label:
                self.used.add((g.name, r, spot.label_col))
                return r + spot.dr, spot.col
        return None

    # ---------------------------------------------------------------- the workbook

    def read(self, grids: list[Grid]) -> Imported:
        version = self.properties.get("xlsgen_template_version")
        if version and version != TEMPLATE_VERSION:
            self.note(f"由另一版本的 xlsgen 生成（模板版本 {version}，当前为 {TEMPLATE_VERSION}），按表中的栏目名读取")
        grids = [g.trimmed() for g in grids]
        kinds = {g.name: self.kind(g) for g in grids}
        depts = [g for g in grids if kinds[g.name] == "dept"]
        sheets = [g for g in grids if kinds[g.name] == "project"]
        for g in grids:
            if kinds[g.name] is None and g.values and not g.hidden:
                self.note(f"工作表“{g.name}”不是部门整体绩效目标申报表或项目绩效目标表，未读取")
        if not depts and not sheets:
            raise ReadError(
                "不是部门整体绩效目标申报表或项目绩效目标表（A 列中找不到足够的栏目名称："
                "附件1 应有“部门（单位）名称”“部门职能概述”“长期绩效指标”等，项目表应有“项目编码”“绩效目标”“一级指标”等），"
                "请确认发送的是本单位填写的申报表",
                Location(self.source),
            )
        for g in depts[1:]:
            self.note(f"工作簿中有多张部门整体绩效目标申报表，只读取了第一张“{depts[0].name}”，“{g.name}”未读取")
        data: dict[str, Any] = {
            "sections": {"funding": False, "projects": False, "overall_goals": False, "notes": False}
        }
        rows = self.read_dept(depts[0], data) if depts else []
        blocks = [part for g in sheets for part in self.read_project_sheet(g)]
        pairs = self.pair_projects(rows, blocks)
        data["projects"] = [self.project(i, row, block) for i, (row, block) in enumerate(pairs)]
        self.identity(data)
        for g in depts[:1] + sheets:
            self.report_leftovers(g)
        unit = self.validate(data)
        cells = {p: f"{g.name}!{g.a1(r, c)}" for p, (g, r, c) in self.cells.items()}
        return Imported(unit, cells, self.warnings, self.source, self.shown)

    def kind(self, g: Grid) -> str | None:
        """Which form a sheet holds, from the labels in its column A (both forms put their anchors there)."""
        s = self.s
        col_a = {key(v) for r, row in g.rows.items() if isinstance(v := row.get(0), str)}
        if len(col_a & set(s.sections.values())) >= 3:
            return "dept"
        project = {sp.label for sp in s.project_spots if sp.label_col == 0} | {s.project_table.anchor}
        if s.project_spots[0].label in col_a and len(col_a & project) >= 3:  # 项目编码 and two more
            return "project"
        return None

    # ---------------------------------------------------------------- 部门整体绩效目标申报表

    def read_dept(self, g: Grid, data: dict[str, Any]) -> list[_Part]:
        s = self.s
        found: dict[str, int] = {}
        for r in sorted(g.rows):
            k = key(g.text(r, 0))
            name = next((n for n, anchor in s.sections.items() if anchor == k and n not in found), None)
            if name is not None and g.value(r, 0) is not None:
                found[name] = r
                self.used.add((g.name, r, 0))
        starts = sorted(found.values())
        bounds = {"top": (0, starts[0] if starts else g.n_rows)}
        bounds.update({n: (r, next((x for x in starts if x > r), g.n_rows)) for n, r in found.items()})

        text: dict[str, str] = {}
        for sp in s.dept_spots:
            if sp.section in bounds and (at := self.spot(g, sp, *bounds[sp.section])):
                text[sp.path] = self.take(g, *at)
                self.place(sp.path, g, *at)
            elif sp.section in bounds:
                self.warn(g, bounds[sp.section][0], sp.label_col, f"找不到“{sp.text}”栏目，未读取")
        for name in ("name", "filler", "phone"):
            data[name] = text.get(name, "")
        data["functions"] = split_numbered(text.get("functions", ""))
        data["tasks"] = split_numbered(text.get("tasks", ""))
        data["filled_on"] = self.read_date(g, *bounds["top"])
        if "overall_goals" in found:
            data["sections"]["overall_goals"] = True
            data["overall_goals"] = {
                "long_term": split_numbered(text.get("overall_goals.long_term", "")),
                "annual": split_numbered(text.get("overall_goals.annual", "")),
            }
        data["long_term"] = {"deadline": self.deadline(g, found), "goal": text.get("long_term.goal", "")}
        data["annual"] = {"goal": text.get("annual.goal", "")}
        for name, table in (("long_term", s.long_table), ("annual", s.annual_table)):
            data[name]["indicators"] = self.dept_table(g, table, bounds, name) if name in found else []
        data["year"] = self.budget_year(g, found)
        if "funding" in found:
            data["sections"]["funding"] = True
            data["funding"] = self.read_funding(g, *bounds["funding"])
        if "notes" in found:
            data["sections"]["notes"] = True
            lo, hi = bounds["notes"]
            for r, c in g.cells():
                if lo <= r < hi and key(g.text(r, c)) in s.notes:
                    self.used.add((g.name, r, c))
        if "projects" not in found:
            return []
        data["sections"]["projects"] = True
        return self.read_project_rows(g, *bounds["projects"])

    def dept_table(self, g: Grid, table: Table, bounds: dict[str, tuple[int, int]], name: str) -> list[dict[str, Any]]:
        rows, cells = self.read_table(g, table, *bounds[name], DEPT_LABELS)
        for path, (r, c) in cells.items():
            self.place(f"{name}.indicators{path}", g, r, c)
        return rows

    def read_date(self, g: Grid, lo: int, hi: int) -> _dt.date | None:
        prefix = self.s.date_prefix
        for r, c in g.cells():
            if not (lo <= r < hi and squash(g.text(r, c)).startswith(prefix)):
                continue
            rest = squash(self.take(g, r, c))[len(prefix) :]
            self.place("filled_on", g, r, c)
            if not rest and g.value(r, c + 1) is not None:  # 填报日期： in one cell, the date in the next
                c += 1
                v = g.value(r, c)
                rest = self.take(g, r, c)
                self.place("filled_on", g, r, c)
                if isinstance(v, _dt.date):
                    return v.date() if isinstance(v, _dt.datetime) else v
            try:
                return parse_cn_date(rest)
            except ValueError:
                self.warn(g, r, c, f"填报日期“{rest}”不是有效日期（应写成 2024年1月15日），已留空")
                return None
        return None

    def deadline(self, g: Grid, found: dict[str, int]) -> int | None:
        """长期目标 deadline, from ``长期目标：（截止2026年）``, checked against the 整体绩效总目标 header."""
        seen = []
        if "long_term" in found:
            r = found["long_term"]
            seen += [(y, r, 0) for y in years(g.text(r, 0))]
            self.place("long_term.deadline", g, r, 0)
        if "overall_goals" in found:
            r = found["overall_goals"]
            seen += [(y, r, c) for c in g.rows.get(r, {}) if "截止" in g.text(r, c) for y in years(g.text(r, c))]
        for y, r, c in seen[1:]:
            if y != seen[0][0]:
                self.warn(
                    g,
                    r,
                    c,
                    f"截止年度 {y} 与 {g.a1(seen[0][1], seen[0][2])} 的 {seen[0][0]} 不一致，按 {seen[0][0]} 读取",
                )
        if not seen:
            return None
        if not 2000 <= seen[0][0] <= 2100:
            self.warn(g, seen[0][1], seen[0][2], f"截止年度 {seen[0][0]} 不在 2000–2100 之间，未读取")
            return None
        return seen[0][0]

    def budget_year(self, g: Grid, found: dict[str, int]) -> int | None:
        """The budget year Y, from the 近两年 headers (Y-2年, Y-1年) of the annual table, else of the funding block."""
        s = self.s
        header_cols = {
            "annual": (s.annual_table.cols["prev2"], s.annual_table.cols["prev1"]),
            "funding": (s.amount_cols["prev2"], s.amount_cols["prev1"]),
        }
        found_years = []
        for name, cols in header_cols.items():
            if name not in found:
                continue
            for r in range(found[name], found[name] + 5):  # the headers sit a few rows below the anchor
                texts = [squash(g.text(r, c)) for c in cols]
                if all(YEAR_HEADER.fullmatch(key(t)) and years(t) for t in texts):
                    self.used.update((g.name, r, c) for c in cols)
                    y2, y1 = years(texts[0])[0], years(texts[1])[0]
                    if y1 != y2 + 1:
                        self.warn(g, r, cols[1], f"近两年应为相邻的两年，而不是 {y2}年、{y1}年")
                    found_years.append((y2 + 2, r, cols[0]))
                    break
        for y, r, c in found_years[1:]:
            if y != found_years[0][0]:
                self.warn(
                    g, r, c, f"表头年份对应预算年度 {y}，与年度绩效指标表头（{found_years[0][0]}）不一致，按后者读取"
                )
        return found_years[0][0] if found_years else None

    def read_funding(self, g: Grid, lo: int, hi: int) -> dict[str, Any] | None:
        s = self.s
        lines: dict[tuple[str, str], dict[str, Decimal | None]] = {}
        side = "income"
        for r in range(lo, hi):
            k = key(g.text(r, s.part_col))
            if k in s.parts and s.parts[k] not in lines:
                side, part = s.parts[k]
                lines[(side, part)] = {y: self.amount(g, r, c) for y, c in s.amount_cols.items()}
                for y, c in s.amount_cols.items():
                    self.place(f"funding.{side}.{part}.{y}", g, r, c)
                self.derived(f"funding.{side}.{part}.share", g, r, s.share_col)
            elif k == s.total:  # 合计 and 占比 are computed: the validator checks what they show
                self.used.add((g.name, r, s.part_col))
                for y, c in s.amount_cols.items():
                    self.derived(f"funding.{side}.total.{y}", g, r, c)
                self.derived(f"funding.{side}.total.share", g, r, s.share_col)
        if all(v is None for line in lines.values() for v in line.values()):
            return None  # a blank block: not filled in
        funding: dict[str, Any] = {}
        for side, labels in (("income", Income.PARTS), ("expense", Expense.PARTS)):
            funding[side] = {}
            for part, label in labels:
                line = lines.get((side, part))
                if line is None:
                    self.warn(g, lo, s.part_col, f"部门总体资金情况中找不到“{label}”一行，金额按 0 读取")
                # A blank amount next to filled ones is 0, as a clerk's SUM reads it.
                funding[side][part] = {y: (line or {}).get(y) or Decimal("0.00") for y in YearAmounts.YEARS}
        return funding

    def read_project_rows(self, g: Grid, lo: int, hi: int) -> list[_Part]:
        cols = self.s.project_row_cols
        rows = []
        for r in range(lo + 1, hi):
            if all(g.value(r, c) is None for c in cols.values()):
                continue
            if key(g.text(r, cols["name"])) == self.s.total:  # a 合计 row some forms add: derived
                self.used.update((g.name, r, c) for c in cols.values())
                continue
            part = _Part(g, (r, cols["name"]), cells={n: (r, c) for n, c in cols.items()})
            for n in ("name", "category", "direction"):
                part.values[n] = self.take(g, r, cols[n])
            for n in ("total_budget", "budget"):
                part.values[n] = self.amount(g, r, cols[n])
            rows.append(part)
        return rows

    # ---------------------------------------------------------------- indicator tables

    def read_table(
        self, g: Grid, t: Table, lo: int, hi: int, labels: dict[str, str]
    ) -> tuple[list[dict[str, Any]], dict[str, tuple[int, int]]]:
        """Indicator rows between the table's anchor and ``hi``; cells keyed ``[i].field``."""
        anchor = next((r for r in range(lo, hi) if g.value(r, 0) is not None and key(g.text(r, 0)) == t.anchor), None)
        if anchor is None:
            self.warn(g, lo, 0, f"找不到“{t.anchor}”表头，其下的指标未读取")
            return [], {}
        self.used.add((g.name, anchor, 0))
        first = self.data_start(g, t, anchor, hi)
        c1, c2 = t.cols["level1"], t.cols["level2"]
        rows: list[dict[str, Any]] = []
        cells: dict[str, tuple[int, int]] = {}
        repeat = 0  # header rows still to skip of a copy printed at the top of a page
        copies: set[int] = set()
        for r in range(first, hi):
            if repeat or self.repeats_header(g, t, anchor, r):
                repeat = repeat - 1 if repeat else first - anchor - 1
                self.used.update((g.name, r, c) for c in g.rows.get(r, {}) if c < self.s.width)
                copies.add(r)
                continue
            in_group = any(r1 > r0 >= first for r0, _, r1, _ in (g.region(r, c1), g.region(r, c2)))
            if not in_group and all(g.value(r, c) is None for c in t.cols.values()):
                continue  # a blank row between sections, or the one empty row of an empty table
            at = f"[{len(rows)}]"
            row: dict[str, Any] = {}
            (l1, cells[at + ".level1"]), started = self.level(g, r, c1, first, True, copies)
            (l2, cells[at + ".level2"]), _ = self.level(g, r, c2, first, not started, copies)
            row["level1"], row["level2"] = labels.get(squash(l1), l1), labels.get(squash(l2), l2)
            for name, c in t.cols.items():
                if name not in ("level1", "level2"):
                    text = self.take(g, r, c)
                    row[name] = labels.get(squash(text), text) if name == "level3" else text
                    cells[f"{at}.{name}"] = (r, c)
            rows.append(row)
        return rows, cells

    def repeats_header(self, g: Grid, t: Table, anchor: int, r: int) -> bool:
        """Whether row r starts a copy of the table's header rows (xlsgen prints one at the top of every
        page the table continues on): its 一级/二级 cells say 一级指标/二级指标, like the header's own,
        and it holds nothing but header labels."""
        for c in (t.cols["level1"], t.cols["level2"]):
            if g.region(r, c)[:2] != (r, c) or not g.text(r, c) or key(g.text(r, c)) != key(g.text(anchor, c)):
                return False
        own = (c for c in g.rows.get(r, {}) if c < self.s.width and g.region(r, c)[:2] == (r, c))
        return all(key(g.text(r, c)) in t.headers for c in own)

    def data_start(self, g: Grid, t: Table, anchor: int, hi: int) -> int:
        """The first row below the table's header rows.

        Header cells merged down from the anchor row say exactly how many rows the header has (the printed
        form). Without such merges (typed by hand), header rows are the rows holding only header labels.
        """
        year_cols = {t.cols[n] for n in ("prev2", "prev1") if n in t.cols}

        def header(c: int, k: str) -> bool:
            return k in t.headers or (c in year_cols and YEAR_HEADER.fullmatch(k) is not None)

        spans = [g.region(anchor, c) for c in range(1, self.s.width)]
        merged = [r1 for r0, _, r1, _ in spans if r0 == anchor and r1 > anchor]
        if merged:
            for r in range(anchor + 1, max(merged) + 1):
                self.used.update((g.name, r, c) for c in g.rows.get(r, {}) if header(c, key(g.text(r, c))))
            return max(merged) + 1
        r = anchor
        while r + 1 < hi:
            r += 1
            for c in range(self.s.width):
                r0, c0, r1, _ = g.region(r, c)
                if (r0, c0) != (r, c):
                    continue  # covered by a merge from above (the block label) or from the left
                text = g.text(r, c)  # a cell of spaces is a value too: only no text at all is empty
                if text and not header(c, key(text)):
                    return r  # a value that is no header label: the first indicator row
                if not text and r1 > r0:
                    return r  # an empty group label merged down: the first indicator row
            self.used.update((g.name, r, c) for c in g.rows.get(r, {}) if c < self.s.width)
        return hi

    def level(
        self, g: Grid, r: int, c: int, first: int, inherit: bool, copies: frozenset[int] | set[int] = frozenset()
    ) -> tuple[tuple[str, tuple[int, int]], bool]:
        """一级/二级 of row r: the merged cell it sits in, its own cell, or (a row typed in) the nearest above,
        looking past the copies of the header printed at page tops (``copies``).

        Returns (label, cell) and whether a group starts at this row.
        """
        r0, c0, _, _ = g.region(r, c)
        if (r0, c0) != (r, c) and r0 >= first:
            return (self.take(g, r0, c0), (r0, c0)), False
        if g.value(r, c) is not None or g.merged(r, c) or not inherit:
            return (self.take(g, r, c), (r, c)), True
        for above in range(r - 1, first - 1, -1):
            a0, b0, _, _ = g.region(above, c)
            if above not in copies and a0 >= first and g.value(a0, b0) is not None:
                return (self.take(g, a0, b0), (a0, b0)), False
        self.warn(g, r, c, "本行的上级指标为空，上方也没有可沿用的指标名称，已留空")
        return ("", (r, c)), True

    # ---------------------------------------------------------------- 项目绩效目标表

    def read_project_sheet(self, g: Grid) -> list[_Part]:
        """One part per 项目编码 row; a block starts at its heading (or unit line) above that row."""
        s = self.s
        code = s.project_spots[0]
        code_rows = [
            r
            for r in sorted(g.rows)
            if g.value(r, code.label_col) is not None and key(g.text(r, code.label_col)) == code.label
        ]
        starts, heads = [], []
        for rc in code_rows:
            unit_line = heading = None
            r = self._up(g, rc - 1)
            if r >= 0 and any(key(g.text(r, c)) == s.amount_unit for c in g.rows[r]):
                unit_line, r = r, self._up(g, r - 1)
            if r >= 0 and s.heading.match(g.text(r, 0)):
                heading = r
            starts.append(min(x for x in (rc, unit_line, heading) if x is not None))
            heads.append((unit_line, heading))
        ends = [*starts[1:], g.n_rows]
        return [
            self.read_block(g, rc, start, end, *head)
            for rc, start, end, head in zip(code_rows, starts, ends, heads, strict=True)
        ]

    @staticmethod
    def _up(g: Grid, r: int) -> int:
        while r >= 0 and g.blank_row(r):
            r -= 1
        return r

    def read_block(self, g: Grid, rc: int, start: int, end: int, unit_line: int | None, heading: int | None) -> _Part:
        s = self.s
        part = _Part(g, (start, 0))
        table = next(
            (r for r in range(rc, end) if g.value(r, 0) is not None and key(g.text(r, 0)) == s.project_table.anchor),
            end,
        )
        for sp in s.project_spots:
            at = self.spot(g, sp, rc, table)
            if at is None:
                self.warn(g, rc, 0, f"本项目找不到“{sp.text}”栏目，未读取")
            else:
                part.cells[sp.path] = at
        text = {n: self.take(g, *part.cells[n]) for n in ("code", "name", "use", "goals") if n in part.cells}
        part.values.update(code=text.get("code", ""), name=text.get("name", ""), use=text.get("use", ""))
        part.values["goals"] = split_numbered(text.get("goals", ""))
        for n in ("budget", "fiscal", "other"):
            part.values[n] = self.amount(g, *part.cells[n]) if n in part.cells else None
        fiscal, other = part.values["fiscal"], part.values["other"]
        if part.values["budget"] is None and (fiscal is not None or other is not None):
            # 预算数 is the formula 财政资金 + 其他资金; saved without its value (by a tool that does not
            # calculate) it is empty here, but shows the sum as soon as Excel opens the file.
            part.values["budget"] = (fiscal or Decimal("0.00")) + (other or Decimal("0.00"))
        part.values["plan"] = self.read_plan(g, part)
        if unit_line is not None:
            self.used.update(
                (g.name, unit_line, c) for c in g.rows[unit_line] if key(g.text(unit_line, c)) == s.amount_unit
            )
            part.values["unit_line"] = self.take(g, unit_line, s.unit_line_col)
            part.cells["unit_code"] = part.cells["unit_name"] = (unit_line, s.unit_line_col)
        if heading is not None:
            self.used.add((g.name, heading, 0))  # N.<name>绩效目标表 is derived from the name
            if not part.values["name"] and (m := s.heading.match(g.text(heading, 0))):
                part.values["name"] = m.group("name")
                part.cells.setdefault("name", (heading, 0))
        if table < end:
            part.values["indicators"], cells = self.read_table(g, s.project_table, table, end, PROJECT_LABELS)
            part.cells.update({f"indicators{p}": rc_ for p, rc_ in cells.items()})
        else:
            self.warn(g, rc, 0, f"本项目找不到指标表头“{s.project_table.anchor}”，项目绩效指标未读取")
        return part

    def read_plan(self, g: Grid, part: _Part) -> dict[str, Decimal] | None:
        where = {k: part.cells[f"plan.{k}"] for k, _ in SpendPlan.CHECKPOINTS if f"plan.{k}" in part.cells}
        numbers = [
            v for rc in where.values() if isinstance(v := g.value(*rc), (int, float)) and not isinstance(v, bool)
        ]
        # The form stores 25% as 0.25 (percent format); a 25 typed into a General cell means 25%.
        scale = 100 if numbers and max(numbers) <= 1 else 1
        plan = {k: self.amount(g, *rc, scale) for k, rc in where.items()}
        if all(v is None for v in plan.values()):
            return None
        for k, label in SpendPlan.CHECKPOINTS:
            if plan.get(k) is None:
                self.warn(g, *where.get(k, part.where), f"资金支出计划缺少“{label}”，按 0% 读取")
                plan[k] = Decimal("0.00")
        return plan

    # ---------------------------------------------------------------- the unit

    def pair_projects(self, rows: list[_Part], blocks: list[_Part]) -> list[tuple[_Part | None, _Part | None]]:
        """附件1 项目支出情况 rows with 项目绩效目标表 blocks: by position, by name when the counts differ."""
        if not rows or not blocks or len(rows) == len(blocks):
            return list(zip_longest(rows, blocks))
        free = list(blocks)
        pairs: list[tuple[_Part | None, _Part | None]] = []
        for row in rows:
            block = next((b for b in free if squash(b.values["name"]) == squash(row.values["name"])), None)
            if block is not None:
                free.remove(block)
            pairs.append((row, block))
        pairs += [(None, b) for b in free]
        for row, block in pairs:
            if row is None or block is None:
                alone = row or block
                assert alone is not None
                elsewhere = "项目绩效目标表" if block is None else "附件1“项目支出情况”"
                self.warn(alone.grid, *alone.where, f"项目“{alone.values['name']}”在{elsewhere}中没有对应的项目")
        return pairs

    def project(self, i: int, row: _Part | None, block: _Part | None) -> dict[str, Any]:
        """One project; where both sheets hold a field, the project sheet (the project's own form) wins."""
        p: dict[str, Any] = {}
        for part in (row, block):
            if part is not None:
                p.update({k: v for k, v in part.values.items() if v not in (None, "") or k not in p})
                for path, (r, c) in part.cells.items():
                    self.place(f"projects[{i}].{path}", part.grid, r, c)
        if row is not None and block is not None:
            for n in ("name", "budget"):
                a, b = row.values.get(n), block.values.get(n)
                if a is not None and b is not None and n in block.cells and squash(str(a)) != squash(str(b)):
                    self.warn(
                        block.grid, *block.cells[n],
                        f"与 {row.grid.name}!{row.grid.a1(*row.cells[n])} 的“{a}”不一致，按本表的“{b}”读取",
                    )  # fmt: skip
        if p.get("budget") is None:
            part = block or row
            assert part is not None
            self.warn(part.grid, *part.cells.get("budget", part.where), "预算数为空，按 0 读取")
            p["budget"] = Decimal("0.00")
        p.setdefault("name", "")
        return p

    def identity(self, data: dict[str, Any]) -> None:
        """code, name, year, deadline and each project's unit line, from wherever the workbook holds them."""
        for name, prop in IDENTITY_PROPERTIES.items():
            if self.properties.get(prop):
                data[name] = self.properties[prop]
        lines = [p.pop("unit_line", None) for p in data["projects"]]
        if not data.get("name"):
            own = next((line for line in lines if line), "")
            data["name"] = _CODE.match(own).group(2) if own else ""  # type: ignore[union-attr]
            if not data["name"]:
                self.note(f"工作簿中没有部门（单位）名称，已填为“{MISSING}”，请在 JSON 中改正")
                data["name"] = MISSING
        if not data.get("code"):
            data["code"] = self.guess_code(data["name"], [line for line in lines if line])
        for p, line in zip(data["projects"], lines, strict=True):
            if line is None or line == data["code"] + data["name"]:
                p["unit_code"] = p["unit_name"] = ""
            else:
                p["unit_code"], p["unit_name"] = _CODE.match(line).groups()  # type: ignore[union-attr]
        if data.get("year") is None:
            data["year"] = self.guess_year(data)
        if data.get("long_term", {}).get("deadline") is None:
            data.setdefault("long_term", {})["deadline"] = data["year"] + 2
            self.note(f"找不到长期目标截止年度（长期目标：（截止N年）），按预算年度 + 2（{data['year'] + 2}）读取")
        cost_first = forms.PROJECT_TREES["cost_first"][0][0]
        if "project_tree" not in data and any(
            p.get("indicators") and p["indicators"][0]["level1"] == cost_first for p in data["projects"]
        ):
            data["project_tree"] = "cost_first"  # only the newer tree starts with 成本指标

    def guess_code(self, name: str, lines: list[str]) -> str:
        for line in lines:
            if line.endswith(name) and line[: -len(name)]:
                return line[: -len(name)]
        m = re.fullmatch(r"(.+?)-(.+)", Path(self.source).stem)  # xlsgen names files <单位编码>-<单位名称>
        if m and squash(m.group(2)) == squash(name):
            return m.group(1)
        self.note(f"工作簿中没有单位编码，已填为“{MISSING}”，请在 JSON 中改正")
        return MISSING

    def guess_year(self, data: dict[str, Any]) -> int:
        deadline = data.get("long_term", {}).get("deadline")
        if deadline is not None:
            self.note(f"表头中没有近两年的年份，预算年度按长期目标截止年度 − 2（{deadline - 2}）读取")
            return int(deadline) - 2
        if data.get("filled_on"):
            self.note(f"表头中没有年份，预算年度按填报日期的次年（{data['filled_on'].year + 1}）读取")
            return int(data["filled_on"].year) + 1
        year = _dt.date.today().year + 1
        self.note(f"工作簿中没有预算年度，暂按 {year} 读取，请在 JSON 中改正")
        return year

    def report_leftovers(self, g: Grid) -> None:
        """A warning for every non-empty cell that is neither read, a label, nor derived (the first 50)."""
        left = []
        for r, c in g.cells():
            if (g.name, r, c) in self.used:
                continue
            text = g.text(r, c)
            if key(text) not in self.s.labels and not self.s.heading.match(text):
                left.append((r, c, text.replace("\n", " ")))
        for r, c, text in left[:LEFTOVERS]:
            self.warn(g, r, c, f"“{text[:30]}{'…' if len(text) > 30 else ''}”不在表格的任何栏目中，未读取")
        if len(left) > LEFTOVERS:
            self.note(f"工作表“{g.name}”另有 {len(left) - LEFTOVERS} 个单元格的内容不在表格的任何栏目中，未读取")

    def validate(self, data: dict[str, Any]) -> Unit:
        try:
            return Unit.model_validate(data)
        except ValidationError as exc:
            problems = []
            for e in exc.errors():
                path = json_path(e["loc"])
                sheet, cell = self.cell_of(path) or ("", "")
                problems.append(Problem(ERROR, ReadError.code, explain(e), Location(self.source, path, sheet, cell)))
            raise ReadError(problems) from None

    def cell_of(self, path: str) -> tuple[str, str] | None:
        """The cell a JSON path was read from, or the nearest enclosing field's cell."""
        while path not in self.cells:
            shorter = re.sub(r"(\.[^.\[\]]*|\[\d+\])$", "", path)
            if shorter == path:
                return None
            path = shorter
        g, r, c = self.cells[path]
        return g.name, g.a1(r, c)
